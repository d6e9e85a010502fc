//! Render stage: the linked site → HTML files, through the Tera templates in `templates/`.
//!
//! Template contexts are typed structs that borrow from the site (no page body is copied
//! per page). Template errors are reported once per template position, naming the content
//! file being rendered. Never touches the file system: it returns the files to write.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, ErrorKind, Tera};

use crate::content::{Date, Page, PageKind};
use crate::diagnostics::Diagnostic;
use crate::ids::{PageId, SourceId, TermId};
use crate::layout::TEMPLATE_DIR;
use crate::markdown::{Parsed, TocEntry};
use crate::output::OutputFile;
use crate::site::Site;
use crate::urls::{self, NOT_FOUND_FILE};

/// Compiles the templates from their texts, as [`crate::load::read_templates`] read them.
pub fn compile_templates(texts: &BTreeMap<String, String>) -> Result<Tera, Vec<Diagnostic>> {
    let mut tera = Tera::new();
    tera.add_raw_templates(
        texts
            .iter()
            .map(|(name, text)| (name.as_str(), text.as_str())),
    )
    .map_err(|e| vec![template_error(&e)])?;
    Ok(tera)
}

/// Turns a Tera error into a diagnostic at the template's file, line and column.
fn template_error(err: &tera::Error) -> Diagnostic {
    let in_templates = |name: &str| PathBuf::from(TEMPLATE_DIR).join(name);
    let d = match err.kind() {
        ErrorKind::SyntaxError(report) | ErrorKind::RenderingError(report) => {
            let span = report.span();
            Diagnostic::error(in_templates(report.filename()), report.message())
                .at_line_col(span.start_line, span.start_col + 1)
        }
        ErrorKind::CircularExtend {
            tpl,
            inheritance_chain,
        } => Diagnostic::error(
            in_templates(inheritance_chain.last().unwrap_or(tpl)),
            format!(
                "templates extend each other in a circle: {}",
                inheritance_chain.join(" → ")
            ),
        ),
        ErrorKind::CircularInclude { tpl, include_chain } => Diagnostic::error(
            in_templates(tpl),
            format!(
                "templates include each other in a circle: {}",
                include_chain.join(" → ")
            ),
        ),
        ErrorKind::MissingParent { current, parent } => Diagnostic::error(
            in_templates(current),
            format!("extends `{parent}`, which does not exist"),
        ),
        ErrorKind::TemplateNotFound(name) => Diagnostic::error(
            in_templates(name),
            format!("template `{name}` does not exist"),
        ),
        other => Diagnostic::error(TEMPLATE_DIR, other.to_string()),
    };
    d.with_help("fix the template; the Tera syntax is described at keats.github.io/tera")
}

/// What every page's context draws on, made once per rendering.
struct Shared {
    /// Each page's rank in reading order.
    order: Vec<usize>,
    /// For each source, how many citations it has.
    citation_counts: Vec<usize>,
    /// Each term as a [`TermRef`], already a template value: pages list the terms they
    /// link, and a template value is shared, not copied (10,000 pages link 200,000 terms).
    terms: Vec<tera::Value>,
}

/// A page as templates see it: everything a list shows of it, and more.
#[derive(Serialize)]
struct PageContext<'a> {
    #[serde(flatten)]
    summary: PageSummary<'a>,
    /// The source, relative to the site root: `content/meeting.md`.
    path: String,
    slug: &'a str,
    content: &'a str,
    /// The page's schema.org JSON-LD, safe to print inside `<script type="application/ld+json">`.
    json_ld: String,
    /// The preview image as a full URL (front matter `image`).
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
    toc: &'a [TocEntry],
    word_count: usize,
    reading_minutes: usize,
    /// Glossary terms linked from this page, in order of first mention ([`TermRef`]s).
    terms: Vec<&'a tera::Value>,
    /// Sections only: the pages in the section, by weight then title.
    pages: Vec<PageSummary<'a>>,
    /// Sections only: the sections inside this one.
    subsections: Vec<PageSummary<'a>>,
    /// The page's updates and corrections, newest first.
    updates: Vec<crate::living_render::UpdateView<'a>>,
    /// The page's timeline events, in date order.
    events: Vec<crate::living_render::EventView<'a>>,
    /// In `lede serve` only: when an embargoed page will be published.
    #[serde(skip_serializing_if = "Option::is_none")]
    embargoed_until: Option<&'a str>,
}

/// A page in a list (and the common part of every page's context).
#[derive(Serialize)]
struct PageSummary<'a> {
    kind: PageKind,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<&'a Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated: Option<&'a Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    weight: Option<i64>,
    /// The page's place in its section's list, from 1 ("Part 2"): never the weight.
    #[serde(skip_serializing_if = "Option::is_none")]
    position: Option<usize>,
    /// The href: `/explainer/meeting/`.
    url: &'a str,
    /// The full URL: `https://example.org/explainer/meeting/`.
    permalink: String,
    extra: &'a toml::Table,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    category: Option<&'a str>,
}

#[derive(Serialize)]
struct TermRef<'a> {
    title: &'a str,
    slug: &'a str,
    url: &'a str,
    summary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    category: Option<&'a str>,
    aliases: &'a [String],
}

/// A term page's extra context: `term`.
#[derive(Serialize)]
struct TermContext<'a> {
    #[serde(flatten)]
    term: TermRef<'a>,
    /// Pages that mention the term, each with the sentence around the first mention: the
    /// story's pages first in reading order, then other terms' pages (A–Z).
    mentions: Vec<MentionContext<'a>>,
    /// True when the term has no `summary`: its body's first sentence is the definition,
    /// so the page does not repeat it above the body.
    summary_in_body: bool,
    /// How many of `mentions` are the story's pages (they come first).
    story_count: usize,
    /// Terms linked from this definition, and terms whose definitions link here
    /// ([`TermRef`]s).
    related: Vec<&'a tera::Value>,
    /// Timeline events that mention the term, in date order.
    events: Vec<crate::living_render::EventView<'a>>,
    /// What the person said (terms of category `person`), in reading order.
    quotes: Vec<crate::living_render::QuoteView<'a>>,
}

#[derive(Serialize)]
struct MentionContext<'a> {
    title: &'a str,
    url: &'a str,
    /// The URL of the exact spot: `/meeting/#mention-donbas-1`.
    anchor_url: String,
    sentence: &'a str,
    /// True when the page is a glossary term.
    is_term: bool,
}

/// The menus as templates see them: `nav.main` and `nav.footer`, each `[{title, url}]`.
#[derive(Serialize)]
struct NavContext<'a> {
    main: Vec<NavLink<'a>>,
    footer: Vec<NavLink<'a>>,
}

#[derive(Serialize)]
struct NavLink<'a> {
    title: &'a str,
    url: &'a str,
}

fn nav_context(site: &Site) -> NavContext<'_> {
    NavContext {
        main: nav_links(site, &site.nav.main),
        footer: nav_links(site, &site.nav.footer),
    }
}

fn nav_links<'a>(site: &'a Site, items: &'a [crate::links::NavItem]) -> Vec<NavLink<'a>> {
    items
        .iter()
        .map(|item| NavLink {
            title: &item.title,
            url: site.links.href(item.page),
        })
        .collect()
}

/// A source as templates see it (`sources`, and `source` on a source's page).
#[derive(Serialize)]
struct SourceRef<'a> {
    /// The citation key: `seed`.
    key: &'a str,
    /// The report's title.
    title: &'a str,
    publisher: Option<&'a str>,
    /// Where the report is (`None` if no address was recorded).
    url: Option<&'a str>,
    archive_url: Option<&'a str>,
    /// When it was published.
    date: Option<&'a Date>,
    accessed: Option<&'a Date>,
    author: Option<&'a str>,
    language: Option<&'a str>,
    reliability: Option<&'a str>,
    /// The href of the source's own page.
    page_url: &'a str,
    /// How many pages cite it, and how many citations it has in all.
    pages: usize,
    citations: usize,
}

/// A source page's extra context: `source`.
#[derive(Serialize)]
struct SourceContext<'a> {
    #[serde(flatten)]
    source: SourceRef<'a>,
    /// Every page that cites the source, with the sentence around its first citation.
    cited_on: Vec<MentionContext<'a>>,
}

#[derive(Serialize)]
struct LetterGroup<'a> {
    letter: String,
    terms: Vec<TermRef<'a>>,
}

/// Renders every page (in parallel), the 404 page and the site-wide files (sitemap, feed,
/// robots.txt, redirects). Returns files sorted by path.
pub fn render(site: &Site, tera: &mut Tera) -> Result<Vec<OutputFile>, Vec<Diagnostic>> {
    collect(|sink| render_to(site, tera, sink))
}

/// Like [`render`], but hands each file to `sink` as soon as it is rendered, so a build
/// never holds the whole site in memory.
pub fn render_to(site: &Site, tera: &mut Tera, sink: &Sink) -> Result<(), Vec<Diagnostic>> {
    let all: Vec<usize> = (0..site.pages.len()).collect();
    // The site-wide files (feeds, sitemap, redirects) are made on one thread while the pages
    // render on the others: a tenth of a 10,000-page build, no longer on its own.
    let (pages, files) = rayon::join(
        || render_pages_to(site, tera, &all, NotFoundPage::Render, sink),
        || crate::publish::files(site),
    );
    pages?;
    let errors: Vec<Diagnostic> = files.into_iter().filter_map(|f| sink(f).err()).collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Whether a rendering makes the 404 page too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotFoundPage {
    Render,
    Skip,
}

/// Where rendered files go: the staging folder of a build, or memory.
pub type Sink<'s> = dyn Fn(OutputFile) -> Result<(), Diagnostic> + Sync + 's;

/// Renders the pages at `indices` (in parallel), and the 404 page if asked: what
/// `lede serve` re-renders after an edit (the site-wide files depend on front matter only,
/// and an edit to front matter renders everything). Returns files sorted by path.
pub fn render_pages(
    site: &Site,
    tera: &mut Tera,
    indices: &[usize],
    not_found: NotFoundPage,
) -> Result<Vec<OutputFile>, Vec<Diagnostic>> {
    collect(|sink| render_pages_to(site, tera, indices, not_found, sink))
}

/// Runs a rendering into memory; the files come back sorted by path.
fn collect(
    run: impl FnOnce(&Sink) -> Result<(), Vec<Diagnostic>>,
) -> Result<Vec<OutputFile>, Vec<Diagnostic>> {
    let files = std::sync::Mutex::new(Vec::new());
    run(&|file| {
        files
            .lock()
            .map_err(|_| Diagnostic::error("", "rendering failed"))?
            .push(file);
        Ok(())
    })?;
    let mut files = files.into_inner().unwrap_or_default();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// [`render_pages`] into a sink. Template errors are reported once per template position.
pub fn render_pages_to(
    site: &Site,
    tera: &mut Tera,
    indices: &[usize],
    not_found: NotFoundPage,
    sink: &Sink,
) -> Result<(), Vec<Diagnostic>> {
    let glossary: Vec<TermRef> = sorted_terms(site).map(|t| term_ref(site, t)).collect();
    let groups = letter_groups(site);
    let counts = citation_counts(site);
    let sources = sorted_sources(site, &counts);
    let shared = Shared {
        order: reading_order(site),
        citation_counts: counts,
        terms: (0..site.glossary.terms.len())
            .map(|t| tera::Value::from_serializable(&term_ref(site, TermId(t))))
            .collect(),
    };
    let globals = tera.global_context();
    globals.insert("site", &site.config);
    globals.insert("glossary", &glossary);
    globals.insert("glossary_groups", &groups);
    globals.insert("sources", &sources);
    globals.insert("nav", &nav_context(site));
    globals.insert("timeline", &crate::living_render::timeline(site));
    globals.insert("changes", &crate::living_render::changes(site));
    globals.insert("quotes", &crate::living_render::speakers(site));
    let tera = &*tera;

    let failures: Vec<Box<(Diagnostic, PathBuf)>> = indices
        .par_iter()
        .filter_map(|&i| {
            let page = &site.pages[i];
            render_page(site, tera, i, &shared)
                .and_then(|file| sink(file).map_err(|d| Box::new((d, page.path.clone()))))
                .err()
        })
        .collect();
    let mut errors: BTreeMap<String, (Diagnostic, Vec<PathBuf>)> = BTreeMap::new();
    for failed in failures {
        let (d, page) = *failed;
        errors
            .entry(d.location())
            .or_insert_with(|| (d, Vec::new()))
            .1
            .push(page);
    }
    if not_found == NotFoundPage::Render && tera.contains_template(NOT_FOUND_FILE) {
        let mut context = Context::new();
        context.insert("current_url", &format!("{}404.html", site.config.base_path));
        let rendered = tera
            .render(NOT_FOUND_FILE, &context)
            .map_err(|e| template_error(&e));
        let written = rendered.and_then(|html| {
            sink(OutputFile {
                path: NOT_FOUND_FILE.into(),
                contents: html.into_bytes(),
            })
        });
        if let Err(d) = written {
            errors
                .entry(d.location())
                .or_insert_with(|| (d, Vec::new()));
        }
    }
    if !errors.is_empty() {
        return Err(errors
            .into_values()
            .map(|(d, pages)| with_other_pages(d, &pages))
            .collect());
    }
    Ok(())
}

/// One template error that many pages hit is reported once, naming the first page.
fn with_other_pages(mut d: Diagnostic, pages: &[PathBuf]) -> Diagnostic {
    let others = match pages.len() {
        0 => return d,
        1 => String::new(),
        2 => " and 1 other page".to_string(),
        n => format!(" and {} other pages", n - 1),
    };
    d.message = format!(
        "{} (while rendering {}{others})",
        d.message,
        pages[0].display()
    );
    d
}

fn render_page(
    site: &Site,
    tera: &Tera,
    index: usize,
    shared: &Shared,
) -> Result<OutputFile, Box<(Diagnostic, PathBuf)>> {
    let page = &site.pages[index];
    let parsed = &site.parsed[index];
    let template = template_for(site, tera, page);
    let fail = |d: Diagnostic| Box::new((d, page.path.clone()));
    if !tera.contains_template(&template) {
        let message = format!("template `{template}` does not exist");
        let d = match &page.meta.template {
            Some(_) => {
                crate::content::front_matter::located(&page.path, &page.text, "template", message)
            }
            None => Diagnostic::error(PathBuf::from(TEMPLATE_DIR).join(&template), message),
        };
        let mut names: Vec<&str> = tera.get_template_names().collect();
        names.sort_unstable();
        let help = match crate::diagnostics::did_you_mean(&template, names) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!("create templates/{template} or name another template"),
        };
        return Err(fail(d.with_help(help)));
    }
    let mut context = Context::new();
    let page_context = page_context(site, index, parsed, shared);
    let name = if page.kind == PageKind::Section {
        "section"
    } else {
        "page"
    };
    context.insert(name, &page_context);
    context.insert("current_url", &page_context.summary.url);
    if let Some(term) = site.glossary.term_of_page(PageId(index)) {
        context.insert("term", &term_context(site, term, shared));
    }
    if let Some(source) = site.sources.source_of_page(PageId(index)) {
        let citations = shared.citation_counts.get(source.0).copied().unwrap_or(0);
        context.insert("source", &source_context(site, source, citations));
    }
    // Room for the body and the page around it up front: growing the buffer as the body is
    // written would copy it again and again.
    let mut html = Vec::with_capacity(parsed.html.len() + 16 * 1024);
    tera.render_to(&template, &context, &mut html)
        .map_err(|e| fail(template_error(&e)))?;
    Ok(OutputFile {
        path: urls::page_file(&page.site_path),
        contents: html,
    })
}

/// The front matter's template, else the default for the kind of page.
pub fn template_for(site: &Site, tera: &Tera, page: &Page) -> String {
    if let Some(t) = &page.meta.template {
        return t.clone();
    }
    let generated = [
        (&site.config.timeline, "timeline.html"),
        (&site.config.quotes, "quotes.html"),
        (&site.config.updates, "changes.html"),
    ];
    if page.kind == PageKind::Page {
        if let Some((_, name)) = generated.iter().find(|(g, _)| g.key() == page.key) {
            if tera.contains_template(name) {
                return name.to_string();
            }
        }
    }
    let preferred = match page.kind {
        PageKind::Section if page.site_path.is_empty() => "index.html",
        PageKind::Section if page.is_glossary_index(&site.config) => "glossary.html",
        PageKind::Section if page.is_sources_index(&site.config) => "sources.html",
        PageKind::Section => "section.html",
        PageKind::Term => "term.html",
        PageKind::Source => "source.html",
        PageKind::Page => "page.html",
    };
    let fallback = if page.kind == PageKind::Section {
        "section.html"
    } else {
        "page.html"
    };
    if tera.contains_template(preferred) {
        preferred
    } else {
        fallback
    }
    .to_string()
}

fn page_context<'a>(
    site: &'a Site,
    index: usize,
    parsed: &'a Parsed,
    shared: &'a Shared,
) -> PageContext<'a> {
    let page = &site.pages[index];
    let (pages, subsections) = match page.kind {
        PageKind::Section => {
            let children = &site.children[index];
            let summary = |&i: &usize| summary(site, i);
            let pages = children
                .iter()
                .filter(|&&i| site.pages[i].kind != PageKind::Section)
                .map(summary);
            let sections = children
                .iter()
                .filter(|&&i| site.pages[i].kind == PageKind::Section)
                .map(summary);
            (pages.collect(), sections.collect())
        }
        _ => (Vec::new(), Vec::new()),
    };
    PageContext {
        summary: summary(site, index),
        path: page.path.to_string_lossy().replace('\\', "/"),
        slug: page.stem(),
        content: &parsed.html,
        json_ld: crate::publish::json_ld(site, index),
        image: page
            .meta
            .image
            .as_deref()
            .map(|i| match i.strip_prefix('/') {
                Some(path) => site.config.permalink(path),
                None => i.to_string(),
            }),
        toc: &parsed.toc,
        word_count: parsed.word_count,
        reading_minutes: parsed.word_count.div_ceil(220).max(1),
        terms: parsed
            .terms
            .iter()
            .filter_map(|&t| shared.terms.get(t.0))
            .collect(),
        pages,
        subsections,
        updates: crate::living_render::page_updates(site, index),
        events: crate::living_render::page_events(site, index),
        embargoed_until: page
            .meta
            .publish_at
            .as_ref()
            .filter(|at| at.utc > site.now)
            .map(|at| at.display_time.as_str()),
    }
}

fn summary(site: &Site, index: usize) -> PageSummary<'_> {
    let page = &site.pages[index];
    PageSummary {
        kind: page.kind,
        title: &page.meta.title,
        description: page.meta.description.as_deref(),
        date: page.meta.date.as_ref(),
        updated: page.meta.updated.as_ref(),
        weight: page.meta.weight,
        position: site.positions[index],
        url: site.links.href(PageId(index)),
        permalink: site.config.permalink(&page.site_path),
        extra: &page.meta.extra,
        // A term's summary may come from its first sentence: the glossary has it.
        summary: match site.glossary.term_of_page(PageId(index)) {
            Some(t) => Some(site.glossary.terms[t].summary.as_str()),
            None => page.meta.summary.as_deref(),
        },
        category: page.meta.category.as_deref(),
    }
}

/// Each page's rank in reading order: home first, then each section's list in order,
/// a section's pages right after it.
fn reading_order(site: &Site) -> Vec<usize> {
    let mut rank = vec![usize::MAX; site.pages.len()];
    let mut next = 0;
    let mut stack: Vec<usize> = site
        .pages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.parent.is_none())
        .map(|(i, _)| i)
        .rev()
        .collect();
    while let Some(i) = stack.pop() {
        if rank[i] != usize::MAX {
            continue;
        }
        rank[i] = next;
        next += 1;
        stack.extend(site.children[i].iter().rev());
    }
    rank
}

fn term_ref(site: &Site, term: TermId) -> TermRef<'_> {
    let t = &site.glossary.terms[term];
    TermRef {
        title: &t.title,
        slug: &t.slug,
        url: site.links.href(t.page),
        summary: &t.summary,
        category: t.category.as_deref(),
        aliases: &t.aliases,
    }
}

/// A place on a page that a term or source page lists: the page, the link to the spot
/// (`/meeting/#mention-donbas-1`) and the sentence there.
fn spot<'a>(site: &'a Site, page: PageId, id: &str, sentence: &'a str) -> MentionContext<'a> {
    let p = &site.pages[page];
    let url = site.links.href(page);
    MentionContext {
        title: &p.meta.title,
        anchor_url: urls::anchor(url, id),
        url,
        sentence,
        is_term: p.kind == PageKind::Term,
    }
}

fn term_context<'a>(site: &'a Site, term: TermId, shared: &'a Shared) -> TermContext<'a> {
    let order = &shared.order;
    let backlinks = &site.backlinks[term.0];
    let mut mentions: Vec<MentionContext> = backlinks
        .iter()
        .map(|r| {
            let m = &site.parsed[r.page].mentions[r.mention];
            spot(site, r.page, &m.id, &m.sentence)
        })
        .collect();
    let rank = |i: usize, m: &MentionContext| {
        let page = backlinks[i].page.0;
        let by_title = if m.is_term {
            m.title.to_lowercase()
        } else {
            String::new()
        };
        (
            m.is_term,
            by_title,
            order.get(page).copied().unwrap_or(usize::MAX),
        )
    };
    let mut ranked: Vec<_> = mentions
        .drain(..)
        .enumerate()
        .map(|(i, m)| (rank(i, &m), m))
        .collect();
    ranked.sort_by(|a, b| a.0.cmp(&b.0));
    let mentions: Vec<MentionContext> = ranked.into_iter().map(|(_, m)| m).collect();
    let story_count = mentions.iter().filter(|m| !m.is_term).count();
    let page = &site.pages[site.glossary.terms[term].page];
    TermContext {
        term: term_ref(site, term),
        summary_in_body: page
            .meta
            .summary
            .as_deref()
            .is_none_or(|s| s.trim().is_empty()),
        mentions,
        story_count,
        related: site.related[term.0]
            .iter()
            .filter_map(|&t| shared.terms.get(t.0))
            .collect(),
        events: crate::living_render::term_events(site, term),
        quotes: crate::living_render::term_quotes(site, term),
    }
}

/// For each source: how many citations it has in all.
fn citation_counts(site: &Site) -> Vec<usize> {
    let mut counts = vec![0; site.sources.sources.len()];
    for citation in site.parsed.iter().flat_map(|p| &p.citations) {
        if let Some(n) = counts.get_mut(citation.source.0) {
            *n += 1;
        }
    }
    counts
}

fn source_ref<'a>(site: &'a Site, source: SourceId, citations: usize) -> Option<SourceRef<'a>> {
    let s = site.sources.sources.get(source.0)?;
    let meta = &site.pages.get(s.page.0)?.meta;
    let m = &meta.source;
    Some(SourceRef {
        key: &s.key,
        title: &meta.title,
        publisher: m.publisher.as_deref(),
        url: m.url.as_deref(),
        archive_url: m.archive_url.as_deref(),
        date: meta.date.as_ref(),
        accessed: m.accessed.as_ref(),
        author: m.author.as_deref(),
        language: m.language.as_deref(),
        reliability: m.reliability.as_deref(),
        page_url: site.links.href(s.page),
        pages: site.cited_on.get(source.0).map_or(0, Vec::len),
        citations,
    })
}

/// Every source, by publisher then title (ignoring case).
fn sorted_sources<'a>(site: &'a Site, counts: &[usize]) -> Vec<SourceRef<'a>> {
    let mut all: Vec<SourceRef> = (0..site.sources.sources.len())
        .filter_map(|s| source_ref(site, SourceId(s), counts.get(s).copied().unwrap_or(0)))
        .collect();
    all.sort_by_cached_key(|s| {
        (
            s.publisher.unwrap_or(s.title).to_lowercase(),
            s.title.to_lowercase(),
        )
    });
    all
}

fn source_context(site: &Site, source: SourceId, citations: usize) -> Option<SourceContext<'_>> {
    let cited_on = site
        .cited_on
        .get(source.0)?
        .iter()
        .filter_map(|r| {
            let c = site.parsed.get(r.page.0)?.citations.get(r.citation)?;
            Some(spot(site, r.page, &c.id, &c.sentence))
        })
        .collect();
    Some(SourceContext {
        source: source_ref(site, source, citations)?,
        cited_on,
    })
}

/// Terms in A–Z order of title, ignoring case.
fn sorted_terms(site: &Site) -> impl Iterator<Item = TermId> + '_ {
    let mut order: Vec<TermId> = (0..site.glossary.terms.len()).map(TermId).collect();
    order.sort_by_cached_key(|&t| site.glossary.terms[t].title.to_lowercase());
    order.into_iter()
}

fn letter_groups(site: &Site) -> Vec<LetterGroup<'_>> {
    let mut groups: Vec<LetterGroup> = Vec::new();
    for t in sorted_terms(site) {
        let first = site.glossary.terms[t].title.chars().next().unwrap_or('#');
        let letter = if first.is_alphabetic() {
            first.to_uppercase().collect()
        } else {
            "#".to_string()
        };
        match groups.last_mut() {
            Some(g) if g.letter == letter => g.terms.push(term_ref(site, t)),
            _ => groups.push(LetterGroup {
                letter,
                terms: vec![term_ref(site, t)],
            }),
        }
    }
    groups
}
