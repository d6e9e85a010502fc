//! The build pipeline up to rendering: load → parse → link, into one read-only [`Site`].
//!
//! `check` stops here; `build` renders and writes the `Site` afterwards. Every stage
//! collects its problems and the next one runs on what could be read, so one run reports
//! everything; only a `site.toml` that cannot be read stops the pipeline (the list of
//! problems is then incomplete). A site with errors is never returned to be written.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::Config;
use crate::content::{self, Page};
use crate::diagnostics::Diagnostic;
use crate::glossary::Glossary;
use crate::ids::{CitationRef, MentionRef, TermId};
use crate::links::{self, LinkIndex};
use crate::living::Generated;
use crate::load::{self, Inputs, StaticFile};
use crate::markdown::{self, Env, Parsed};
pub use crate::options::{Clock, Mode, Options};
use crate::sources::Sources;

/// A loaded, parsed and linked site: everything rendering needs, shared read-only.
pub struct Site {
    pub root: PathBuf,
    pub config: Config,
    pub pages: Vec<Page>,
    pub links: LinkIndex,
    /// The menus, resolved to pages.
    pub nav: links::Nav,
    pub glossary: Glossary,
    /// The parsed Markdown of each page (same order as `pages`).
    pub parsed: Vec<Parsed>,
    /// For each section, its child pages and sections in list order.
    pub children: Vec<Vec<usize>>,
    /// For each page, its place among its section's pages, from 1 ("Part N").
    pub positions: Vec<Option<usize>>,
    /// For each term, the first mention on every page that links it.
    pub backlinks: Vec<Vec<MentionRef>>,
    /// For each term, its related terms.
    pub related: Vec<Vec<TermId>>,
    /// The sources the site can cite.
    pub sources: Sources,
    /// For each source, the first citation on every page that cites it.
    pub cited_on: Vec<Vec<CitationRef>>,
    /// Files under `static/`: (path in the output, source path).
    pub static_files: Vec<StaticFile>,
    /// Problems that do not stop the build.
    pub warnings: Vec<Diagnostic>,
    /// Every update and correction, newest first.
    pub updates: crate::updates::Updates,
    /// Every page's events, merged in date order.
    pub timeline: crate::timeline::Timeline,
    /// Every attributed quote, with its speaker.
    pub quotes: crate::quotes::Quotes,
    /// The generated pages: the timeline, the quotes and the "What's changed" page.
    pub generated: Generated,
    /// The build's clock, in seconds since the epoch (UTC).
    pub now: i64,
}

/// A site loaded as far as it goes, with every problem found on the way.
pub struct Loaded {
    pub site: Site,
    /// Errors and warnings of every stage (the site's own `warnings` are among them).
    pub problems: Vec<Diagnostic>,
}

impl Loaded {
    /// The site, if nothing stops it being built: otherwise every problem, errors first.
    pub fn into_site(self) -> Result<Site, Vec<Diagnostic>> {
        if !self.problems.iter().any(Diagnostic::is_error) {
            return Ok(self.site);
        }
        let (mut errors, warnings): (Vec<_>, Vec<_>) =
            self.problems.into_iter().partition(Diagnostic::is_error);
        errors.extend(warnings);
        Err(errors)
    }
}

impl Site {
    /// What a page's Markdown is resolved against, once the site is linked.
    pub fn env(&self, mode: Mode) -> Env<'_> {
        Env {
            config: &self.config,
            pages: &self.pages,
            links: &self.links,
            glossary: &self.glossary,
            sources: &self.sources,
            mode,
        }
    }

    /// Loads, parses and links the site at `options.root`; any error stops it here.
    pub fn load(options: &Options) -> Result<Site, Vec<Diagnostic>> {
        Site::load_all(options)?.into_site()
    }

    /// Runs every stage it can and returns the site with all the problems found. `Err` only
    /// when `site.toml` cannot be read: nothing else can run, and the list is incomplete.
    pub fn load_all(options: &Options) -> Result<Loaded, Vec<Diagnostic>> {
        let inputs = load::read_inputs(&options.root, options.base_url.as_deref())?;
        Ok(Site::parse_and_link(inputs, options))
    }

    /// The pipeline after reading: front matter, URLs, glossary, Markdown (with the HTML of
    /// the pages only in [`Mode::Build`]), then every link checked. Each stage runs on what the one
    /// before could make (a page whose front matter is broken stays, with its file name as
    /// its title, so links to it still resolve); `found` collects every problem.
    pub fn parse_and_link(inputs: Inputs, options: &Options) -> Loaded {
        let Inputs {
            root,
            config,
            sources,
            static_files,
            problems: mut found,
        } = inputs;
        let now = options.clock.now();
        let (pages, embargoed) = pages_of(sources, &config, options, now, &mut found);
        let nav = kept(
            links::navigation(&config.nav, &pages, &config.glossary.dir),
            &mut found,
        );
        let links = LinkIndex::new(&pages, &config.base_path);
        let glossary = kept(Glossary::new(&pages), &mut found);
        let sources = kept(Sources::new(&pages, &links), &mut found);
        let env = Env {
            config: &config,
            pages: &pages,
            links: &links,
            glossary: &glossary,
            sources: &sources,
            mode: options.mode,
        };
        let mut parsed = parse_pages(&env, &embargoed, &mut found);
        let lists = cross_page_lists(&env, &mut parsed, now, &embargoed, &mut found);
        found.extend(check_anchors(&pages, &parsed));
        if let Some(statics) = &static_files {
            found.extend(check_site_files(&pages, &parsed, statics));
            found.extend(check_static_collisions(&pages, statics));
        }
        let backlinks = crate::xref::backlinks(&glossary, &parsed);
        found.extend(unmentioned_terms(&pages, &glossary, &backlinks));
        let cited_on = crate::xref::cited_on(&sources, &parsed);
        found.extend(check_sources(&config, &pages, &sources, &parsed, &cited_on));
        let children = links::children(&pages);
        let site = Site {
            warnings: found.iter().filter(|d| !d.is_error()).cloned().collect(),
            cited_on,
            sources,
            positions: links::positions(&pages, &children),
            children,
            related: crate::xref::related(&glossary, &parsed),
            backlinks,
            root,
            config,
            pages,
            links,
            nav,
            glossary,
            parsed,
            static_files: static_files.unwrap_or_default(),
            updates: lists.updates,
            timeline: lists.timeline,
            quotes: lists.quotes,
            generated: lists.generated,
            now,
        };
        Loaded {
            site,
            problems: found,
        }
    }

    /// Where the build is written: absolute, or relative to the current directory.
    pub fn output_dir(&self, options: &Options) -> PathBuf {
        output_dir(&self.root, &self.config, options)
    }
}

/// Where the site is built: `--output-dir` as given, or site.toml's `output_dir` under the root.
pub(crate) fn output_dir(root: &Path, config: &Config, options: &Options) -> PathBuf {
    match &options.output_dir {
        Some(dir) => dir.clone(),
        None if config.output_dir.is_absolute() => config.output_dir.clone(),
        None => root.join(&config.output_dir),
    }
}

/// The stages that read many pages' bodies, each with what tells that an edit of a body
/// changes what it reads. When one does, `serve`'s engine parses every page again: a stage
/// added here is rebuilt correctly under `serve` without changes to the engine.
const BODY_READERS: &[fn(&str, &str) -> bool] = &[
    // Quotes by speaker: an attributed quote added, changed or removed.
    crate::quotes::attributions_changed,
];

/// Whether an edit of a page (`old` → `new`) can change what other pages show: front matter
/// they show (everything but `template` and `auto_link`, compared through `Debug` so that a
/// field added later counts as shown until said otherwise), or what a stage that reads many
/// pages' bodies reads. Otherwise only the page itself, and the lists of what it mentions
/// and cites, change.
pub fn edit_reaches_other_pages(old: &Page, new: &Page) -> bool {
    let shown = |m: &crate::content::FrontMatter| {
        format!(
            "{:?}",
            crate::content::FrontMatter {
                template: None,
                auto_link: None,
                ..m.clone()
            }
        )
    };
    shown(&old.meta) != shown(&new.meta)
        || BODY_READERS
            .iter()
            .any(|changed| changed(old.body(), new.body()))
}

/// A stage's value, its problems moved to `found`.
fn kept<T>((value, problems): (T, Vec<Diagnostic>), found: &mut Vec<Diagnostic>) -> T {
    found.extend(problems);
    value
}

/// The pages of the build: front matter parsed (drafts left out unless asked for), pages
/// under embargo taken out (and returned, for "link to an embargoed page"), the generated
/// pages added, every page given its path.
fn pages_of(
    sources: Vec<crate::load::Source>,
    config: &Config,
    options: &Options,
    now: i64,
    found: &mut Vec<Diagnostic>,
) -> (Vec<Page>, Vec<crate::living::Embargoed>) {
    let mut pages = kept(
        content::parse_sources(sources, config, options.drafts),
        found,
    );
    let embargoed = crate::living::embargo(&mut pages, now, options.clock.show_embargoed);
    crate::living::add_generated(&mut pages, config);
    found.extend(links::assign_paths(&mut pages));
    (pages, embargoed)
}

/// Every page's Markdown, in parallel; a link to a page under embargo says so.
fn parse_pages(
    env: &Env,
    embargoed: &[crate::living::Embargoed],
    found: &mut Vec<Diagnostic>,
) -> Vec<Parsed> {
    let mut parsed: Vec<Parsed> = (0..env.pages.len())
        .into_par_iter()
        .map(|i| markdown::parse(env, i))
        .collect();
    let problems = parsed
        .iter_mut()
        .flat_map(|p| std::mem::take(&mut p.diagnostics));
    found.extend(crate::living::embargoed_links(problems, embargoed));
    parsed
}

/// What an explainer that lives lists across its pages.
struct Lists {
    updates: crate::updates::Updates,
    timeline: crate::timeline::Timeline,
    quotes: crate::quotes::Quotes,
    generated: Generated,
}

/// Updates, the timeline and quotes by speaker, gathered from every page; the ids their
/// templates give them are recorded so that links to them are checked.
fn cross_page_lists(
    env: &Env,
    parsed: &mut [Parsed],
    now: i64,
    embargoed: &[crate::living::Embargoed],
    found: &mut Vec<Diagnostic>,
) -> Lists {
    let generated = crate::living::generated(env.pages, env.config);
    let (updates, problems) = crate::updates::collect(env, parsed, now);
    found.extend(crate::living::embargoed_links(
        problems.into_iter(),
        embargoed,
    ));
    let (timeline, problems) = crate::timeline::collect(env);
    found.extend(crate::living::embargoed_links(
        problems.into_iter(),
        embargoed,
    ));
    let quotes = kept(
        crate::quotes::collect(env.pages, parsed, env.glossary, generated.quotes),
        found,
    );
    crate::living::add_ids(
        parsed,
        &updates,
        &timeline,
        &quotes,
        env.glossary,
        generated,
    );
    Lists {
        updates,
        timeline,
        quotes,
        generated,
    }
}

/// A glossary term no page mentions is a warning: readers never meet it.
fn unmentioned_terms(
    pages: &[Page],
    glossary: &Glossary,
    backlinks: &[Vec<MentionRef>],
) -> Vec<Diagnostic> {
    let unmentioned = glossary
        .terms
        .iter()
        .zip(backlinks)
        .filter(|(_, b)| b.is_empty());
    unmentioned
        .map(|(term, _)| {
            Diagnostic::warning(
                &pages[term.page].path,
                format!(
                    "glossary term `{}` is not mentioned on any page",
                    term.title
                ),
            )
            .with_help("mention it on a page, add an alias that pages use, or remove the term")
        })
        .collect()
}

/// Every `#anchor` a page links to must be an id on the target page.
pub fn check_anchors(pages: &[Page], parsed: &[Parsed]) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for (from, p) in parsed.iter().enumerate() {
        for r in &p.anchor_refs {
            let target = &parsed[r.page];
            if r.anchor.is_empty() || target.ids.contains(&r.anchor) {
                continue;
            }
            let mut known: Vec<&str> = target.toc_ids();
            known.sort_unstable();
            let help = match crate::diagnostics::did_you_mean(&r.anchor, known.iter().copied()) {
                Some(close) => format!("did you mean `#{close}`?"),
                None if known.is_empty() => "the page has no headings to link to".to_string(),
                None => format!(
                    "headings on that page: {}",
                    known
                        .iter()
                        .take(8)
                        .map(|k| format!("#{k}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let page = &pages[from];
            found.push(
                Diagnostic::error(
                    &page.path,
                    format!(
                        "link to a missing anchor: `#{}` on {}",
                        r.anchor,
                        pages[r.page].path.display()
                    ),
                )
                .at(&page.text, r.offset, r.len)
                .with_help(help),
            );
        }
    }
    found
}

/// Links to files of the site (`/images/map.png`) must name a static file or a page.
pub fn check_site_files(
    pages: &[Page],
    parsed: &[Parsed],
    static_files: &[StaticFile],
) -> Vec<Diagnostic> {
    let statics: std::collections::HashSet<&str> =
        static_files.iter().map(|f| f.path.as_str()).collect();
    let site_paths: std::collections::HashSet<&str> =
        pages.iter().map(|p| p.site_path.as_str()).collect();
    let generated = crate::urls::GENERATED_FILES;
    let mut found = Vec::new();
    for (page, parsed) in pages.iter().zip(parsed) {
        for link in &parsed.site_files {
            let path = link.target.as_str();
            let as_page = crate::urls::page_of_file(path).unwrap_or(path);
            let as_dir = format!("{}/", as_page.trim_end_matches('/'));
            let known = statics.contains(path)
                || generated.contains(&path)
                || site_paths.contains(as_page)
                || site_paths.contains(as_dir.as_str())
                || path.is_empty();
            if !known {
                found.push(
                    Diagnostic::error(&page.path, format!("link to a missing file: `/{path}`"))
                        .at(&page.text, link.offset, link.len)
                        .with_help(format!(
                            "put the file at static/{path}, or link to a page's .md file"
                        )),
                );
            }
        }
    }
    found
}

/// A static file must not take the path of a page, a redirect or a generated file (compared
/// ignoring case, as a case-insensitive host would).
pub fn check_static_collisions(pages: &[Page], static_files: &[StaticFile]) -> Vec<Diagnostic> {
    let mut taken: std::collections::HashMap<String, String> = crate::urls::GENERATED_FILES
        .iter()
        .map(|f| (f.to_string(), format!("the generated file /{f}")))
        .collect();
    for page in pages {
        let shown = page.path.display().to_string();
        taken.insert(
            crate::urls::page_file(&page.site_path).to_lowercase(),
            shown.clone(),
        );
        for redirect in &page.redirects {
            taken.insert(redirect.to_lowercase(), format!("an alias of {shown}"));
        }
    }
    let mut found = Vec::new();
    for StaticFile { path: rel, .. } in static_files {
        if let Some(owner) = taken.get(&rel.to_lowercase()) {
            found.push(
                Diagnostic::error(
                    Path::new(crate::layout::STATIC_DIR).join(rel),
                    format!("static file `{rel}` and {owner} would both be written to /{rel}"),
                )
                .with_help("rename or move the static file"),
            );
        }
    }
    found
}

/// What `check` says about sources once every page is parsed: a source no page cites or
/// with no address (warnings), a page dated before a source it cites (warning), and with
/// `[sources] require = "paragraph"`, each paragraph that cites nothing (warning).
pub fn check_sources(
    config: &Config,
    pages: &[Page],
    sources: &Sources,
    parsed: &[Parsed],
    cited_on: &[Vec<CitationRef>],
) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for (source, citing) in sources.sources.iter().zip(cited_on) {
        let Some(page) = pages.get(source.page.0) else {
            continue;
        };
        if citing.is_empty() {
            found.push(
                Diagnostic::warning(
                    &page.path,
                    format!("source `{}` is never cited", source.key),
                )
                .with_help(format!(
                    "cite it as `[^{}]`, or remove the file",
                    source.key
                )),
            );
        }
        if page.meta.source.url.is_none() {
            found.push(
                Diagnostic::warning(&page.path, format!("source `{}` has no `url`", source.key))
                    .at(&page.text, 0, 3)
                    .with_help(
                        "add `url = \"https://...\"`, or say in its notes why there is none",
                    ),
            );
        }
        found.extend(cited_before_published(source, page, citing, pages, parsed));
    }
    if config.sources.require == crate::config::Require::Paragraph {
        found.extend(uncited_paragraphs(config, pages, parsed));
    }
    found
}

/// True for the pages whose paragraphs must cite with `require = "paragraph"`: not the
/// glossary's or the sources' pages (their own sections included).
fn must_cite(config: &Config, page: &Page) -> bool {
    let dir = page.dir();
    let inside = |folder: &str| dir == folder || dir.starts_with(&format!("{folder}/"));
    !inside(&config.glossary.dir) && !inside(&config.sources.dir)
}

/// Pages dated before the source they cite was published (warnings at the citation).
fn cited_before_published(
    source: &crate::sources::Source,
    page: &Page,
    citing: &[CitationRef],
    pages: &[Page],
    parsed: &[Parsed],
) -> Vec<Diagnostic> {
    let Some(published) = page.meta.date.as_ref() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for cite in citing {
        let (Some(p), Some(c)) = (
            pages.get(cite.page.0),
            parsed
                .get(cite.page.0)
                .and_then(|p| p.citations.get(cite.citation)),
        ) else {
            continue;
        };
        let before = |d: &&crate::content::Date| d.iso.get(..10) < published.iso.get(..10);
        if let Some(date) = p.meta.date.as_ref().filter(before) {
            found.push(
                Diagnostic::warning(
                    &p.path,
                    format!(
                        "the page is dated {} but cites `{}`, published {}",
                        date.display, source.key, published.display
                    ),
                )
                .at(&p.text, c.offset, 2)
                .with_help(format!(
                    "check the page's `date`, or the source's in {}",
                    page.path.display()
                )),
            );
        }
    }
    found
}

/// Paragraphs of story pages that cite nothing.
fn uncited_paragraphs(config: &Config, pages: &[Page], parsed: &[Parsed]) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for (page, p) in pages.iter().zip(parsed) {
        if !must_cite(config, page) {
            continue;
        }
        for paragraph in p.paragraphs.iter().filter(|para| !para.cites) {
            found.push(
                Diagnostic::warning(&page.path, "paragraph cites no source")
                    .at(&page.text, paragraph.offset, 1)
                    .with_help("cite the source of its claims, e.g. `[^seed]`"),
            );
        }
    }
    found
}

/// "412 of 431 paragraphs cite a source", for `check` when paragraphs must cite.
pub fn citation_coverage(site: &Site) -> (usize, usize) {
    let mut cited = 0;
    let mut all = 0;
    for (page, p) in site.pages.iter().zip(&site.parsed) {
        if !must_cite(&site.config, page) {
            continue;
        }
        all += p.paragraphs.len();
        cited += p.paragraphs.iter().filter(|para| para.cites).count();
    }
    (cited, all)
}
