//! The incremental engine: a site kept built in memory, and rebuilt as its files change.
//!
//! `lede build` is [`Engine::full`] then a write; `lede serve` is [`Engine::full`], then
//! [`Engine::apply`] for each batch of [`Change`]s from its watcher, pushing each [`Delta`]
//! to the browsers. [`Disk`] (the load stage) says what really changed; only that decides
//! the work:
//! - a page's body, `template` or `auto_link`: that page is parsed and rendered again, with
//!   the term pages whose "Mentioned in" or "Related" lists change, and the source pages
//!   whose "Cited on" lists change (with the sources' own section page);
//! - a template: the pages that use it, directly or through `extends`/`include`;
//! - front matter other pages show (title, date, weight, aliases, summary...), an attributed
//!   quote, an added or removed file: every page is parsed again from the texts in memory;
//! - `site.toml`, a symlink, or lost events: everything is read again;
//! - a file in `static/`: nothing to render; the delta names it so browsers can fetch it.
//!
//! The rendered files are byte for byte those of a full build of the same tree (the
//! property test `tests/integration/incremental.rs`). A failed rebuild leaves the last good
//! build in place. Reads files only through [`crate::load`]; writes none.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use tera::Tera;

use crate::content::{self, Page, Source};
use crate::diagnostics::Diagnostic;
use crate::ids::{CitationRef, MentionRef, PageId, SourceId, TermId};
use crate::layout::{CONTENT_DIR, Change};
use crate::load::StaticFile;
use crate::load::disk::{Disk, Refreshed};
use crate::markdown::{self, Parsed};
use crate::render::{self, NotFoundPage};
use crate::site::{self, Options, Site};

/// The bytes of a rendered file, shared with the server without copying.
pub type Bytes = Arc<[u8]>;

/// What one rebuild did.
#[derive(Debug, Default)]
pub struct Delta {
    /// Output files added or changed (`glossary/donbas/index.html`), with their bytes.
    pub changed: Vec<(String, Bytes)>,
    /// Output files that no longer exist.
    pub removed: Vec<String>,
    /// Files under `static/` that changed, were added or removed (relative to it).
    pub statics: Vec<String>,
    /// How many pages were rendered (the 404 page counts; the changed ones are among them).
    pub rendered: usize,
    /// Every page was parsed again (a structural edit, `site.toml`, or a first build).
    pub full: bool,
    pub pages: usize,
    pub terms: usize,
    /// All warnings after a full build; the edited pages' after an incremental one.
    pub warnings: Vec<Diagnostic>,
    pub elapsed: Duration,
}

/// The last good build.
struct Good {
    site: Site,
    tera: Tera,
    /// The template texts `tera` was compiled from.
    templates: BTreeMap<String, String>,
    /// Page index by key.
    index: HashMap<String, usize>,
    outputs: HashMap<String, Bytes>,
}

/// A site kept built in memory.
pub struct Engine {
    options: Options,
    disk: Disk,
    good: Option<Good>,
    /// Content keys whose file changed since the last good build.
    dirty: BTreeSet<String>,
    /// Everything must be read again (`site.toml` changed, events were lost, or a full
    /// build failed).
    full: bool,
}

/// What the search index is made from after a good build: hand it to a thread of its own
/// with [`IndexJob::run`]. Empty when `[search]` is off.
pub struct IndexJob(Option<(Vec<crate::search::Record>, String)>);

impl IndexJob {
    /// The index's files, by path from the output root (each one [`IndexJob::owns`]).
    pub fn run(self) -> Result<Vec<(String, Bytes)>, Diagnostic> {
        let Some((records, language)) = self.0 else {
            return Ok(Vec::new());
        };
        let background = crate::search::Priority::Background;
        let files = crate::search::start_records_at(records, &language, background).finish()?;
        Ok(files
            .into_iter()
            .map(|f| (f.path, Bytes::from(f.contents)))
            .collect())
    }

    /// Whether the output file at `path` is part of the search index.
    pub fn owns(path: &str) -> bool {
        path.strip_prefix(crate::urls::SEARCH_DIR)
            .is_some_and(|rest| rest.starts_with('/'))
    }
}

impl Engine {
    /// Nothing is read until [`Engine::full`].
    pub fn new(options: Options) -> Self {
        Engine {
            options,
            disk: Disk::default(),
            good: None,
            dirty: BTreeSet::new(),
            full: true,
        }
    }

    /// The rendered file at `path` (`meeting/index.html`, `404.html`) of the last good build.
    pub fn file(&self, path: &str) -> Option<&Bytes> {
        self.good.as_ref()?.outputs.get(path)
    }

    /// Every rendered file of the last good build.
    pub fn files(&self) -> impl Iterator<Item = (&str, &Bytes)> {
        self.good
            .iter()
            .flat_map(|g| g.outputs.iter().map(|(k, v)| (k.as_str(), v)))
    }

    /// The last good build's site.
    pub fn site(&self) -> Option<&Site> {
        Some(&self.good.as_ref()?.site)
    }

    /// The search index's input for the last good build, if there is one.
    pub fn index_job(&self) -> Option<IndexJob> {
        let site = self.site()?;
        Some(IndexJob(site.config.search.enabled.then(|| {
            (crate::search::records(site), site.config.language.clone())
        })))
    }

    /// Where `lede build` writes, and its staging folder: what a watcher should ignore.
    pub fn output_dirs(&self) -> Vec<PathBuf> {
        let Some(good) = &self.good else {
            return Vec::new();
        };
        let out = good.site.output_dir(&self.options);
        vec![crate::output::staging_dir(&out), out]
    }

    /// Drops what is known about the files, so that the next update reads everything again
    /// (after a rebuild that did not finish, nothing in memory can be trusted). The last
    /// good build stays published.
    pub fn forget(&mut self) {
        self.full = true;
        self.dirty.clear();
    }

    /// Reads everything and builds from scratch, as `lede build` does.
    pub fn full(&mut self) -> Result<Delta, Vec<Diagnostic>> {
        let started = Instant::now();
        let root = self.options.root.clone();
        self.full = true;
        self.disk = Disk::read(&root);
        let inputs = crate::load::read_inputs(&root, self.options.base_url.as_deref())?;
        self.disk.remember_sources(&inputs.sources);
        let loaded = Site::parse_and_link(inputs, &self.options);
        // On failure `full` stays set: the next change reads everything again.
        let site = loaded.into_site()?;
        self.install(site, started)
    }

    /// Looks at what `changes` name and rebuilds what really changed. `None` when nothing
    /// did (an editor's extra events, a save without changes).
    pub fn apply(&mut self, changes: &[Change]) -> Option<Result<Delta, Vec<Diagnostic>>> {
        let started = Instant::now();
        let mut found = Refreshed::default();
        for change in changes {
            self.disk.refresh(&self.options.root, change, &mut found);
        }
        if !found.any() && found.statics.is_empty() {
            return None;
        }
        self.full |= found.reread || found.config;
        self.dirty.extend(found.content.iter().cloned());
        let mut result = if !found.any() && !self.pending() {
            Ok(Delta::default())
        } else if self.full || self.good.is_none() {
            self.full()
        } else {
            self.rebuild(started)
        };
        if let Ok(delta) = &mut result {
            delta.statics = found.statics;
            delta.statics.sort();
            delta.statics.dedup();
            delta.elapsed = started.elapsed();
            if let Some(good) = &self.good {
                delta.pages = good.site.pages.len();
                delta.terms = good.site.glossary.terms.len();
            }
        }
        Some(result)
    }

    /// Whether what is on disk may build differently from the last good build, whatever
    /// changed just now: edits a failed rebuild left unbuilt, templates or the static file
    /// list other than the good build's, or everything to read again.
    fn pending(&self) -> bool {
        let Some(good) = &self.good else {
            return true;
        };
        let statics = good.site.static_files.iter().map(|f| &f.path);
        self.full
            || !self.dirty.is_empty()
            || self.disk.templates().map_or(true, |t| *t != good.templates)
            || !statics.eq(self.disk.static_names())
    }

    /// Rebuilds after content or template edits, from the sources in memory.
    fn rebuild(&mut self, started: Instant) -> Result<Delta, Vec<Diagnostic>> {
        if !crate::load::has_content_dir(&self.options.root) {
            // Deleted or moved away: keep serving the last good site and say why.
            self.full = true;
            return Err(vec![
                Diagnostic::error(CONTENT_DIR, "there is no content/ folder")
                    .with_help("put content/ back (the preview keeps showing the last good build)"),
            ]);
        }
        let unreadable = self.disk.unreadable();
        if !unreadable.is_empty() {
            return Err(unreadable);
        }
        let templates = self.disk.templates()?;
        let Some(good) = self.good.as_mut() else {
            return self.full();
        };
        let mut edits = Vec::new();
        let mut structural = false;
        let mut errors = Vec::new();
        for key in &self.dirty {
            match classify_edit(good, key, self.disk.source(key), self.options.drafts) {
                Ok(Edit::Nothing) => {}
                Ok(Edit::Local(i, page)) => edits.push((i, *page)),
                Ok(Edit::Structural) => structural = true,
                Err(d) => errors.push(d),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        if structural {
            return self.reparse(started);
        }
        let reloaded = if good.templates != *templates {
            Some((render::compile_templates(templates)?, templates.clone()))
        } else {
            None
        };
        let statics = self.disk.static_files(&self.options.root);
        let delta = apply_local(good, edits, reloaded, statics)?;
        self.dirty.clear();
        Ok(delta)
    }

    /// Parses every page again from the sources in memory (`site.toml` unchanged).
    fn reparse(&mut self, started: Instant) -> Result<Delta, Vec<Diagnostic>> {
        let Some(good) = self.good.as_ref() else {
            return self.full();
        };
        let root = self.options.root.clone();
        let inputs = crate::load::Inputs {
            config: good.site.config.clone(),
            sources: self.disk.sources(),
            static_files: Some(self.disk.static_files(&root)),
            root,
            problems: Vec::new(),
        };
        let loaded = Site::parse_and_link(inputs, &self.options);
        self.install(loaded.into_site()?, started)
    }

    /// Renders every page of a freshly loaded site and makes it the good build.
    fn install(&mut self, site: Site, started: Instant) -> Result<Delta, Vec<Diagnostic>> {
        let templates = self.disk.templates()?.clone();
        let mut tera = render::compile_templates(&templates)?;
        let files = render::render(&site, &mut tera)?;
        let rendered = site.pages.len() + 1;
        let outputs: HashMap<String, Bytes> = files
            .into_iter()
            .map(|f| (f.path, Bytes::from(f.contents)))
            .collect();
        let old = self.good.take().map(|g| g.outputs).unwrap_or_default();
        let mut changed: Vec<(String, Bytes)> = outputs
            .iter()
            .filter(|(path, bytes)| old.get(*path) != Some(*bytes))
            .map(|(path, bytes)| (path.clone(), bytes.clone()))
            .collect();
        changed.sort_by(|a, b| a.0.cmp(&b.0));
        let mut removed: Vec<String> = old
            .into_keys()
            .filter(|path| !outputs.contains_key(path))
            .collect();
        removed.sort();
        let delta = Delta {
            changed,
            removed,
            statics: Vec::new(),
            rendered,
            full: true,
            pages: site.pages.len(),
            terms: site.glossary.terms.len(),
            warnings: site.warnings.clone(),
            elapsed: started.elapsed(),
        };
        self.good = Some(Good {
            index: site
                .pages
                .iter()
                .enumerate()
                .map(|(i, p)| (p.key.clone(), i))
                .collect(),
            site,
            tera,
            templates,
            outputs,
        });
        self.full = false;
        self.dirty.clear();
        Ok(delta)
    }
}

/// What an edited content file means for the last good build.
enum Edit {
    /// Not part of the build before or after (a draft, with drafts off).
    Nothing,
    /// Only this page's own output can change: its body, `template` or `auto_link`.
    Local(usize, Box<Page>),
    /// Other pages show what changed, or the set of pages changed: parse everything.
    Structural,
}

fn classify_edit(
    good: &Good,
    key: &str,
    text: Option<&String>,
    drafts: bool,
) -> Result<Edit, Diagnostic> {
    let old = good.index.get(key).copied();
    let new = match text {
        None => None,
        Some(text) => {
            let source = Source {
                key: key.to_string(),
                text: text.clone(),
            };
            Some(content::page_from_source(source, &good.site.config)?)
                .filter(|p| drafts || !p.meta.draft)
        }
    };
    Ok(match (old, new) {
        (None, None) => Edit::Nothing,
        (Some(i), Some(mut new))
            if !site::edit_reaches_other_pages(&good.site.pages[i], &new)
                && !is_generated_page(&good.site, i) =>
        {
            // What the link stage set (URL, section, redirects) stays as it was.
            let old = &good.site.pages[i];
            new.site_path.clone_from(&old.site_path);
            new.parent = old.parent;
            new.redirects.clone_from(&old.redirects);
            Edit::Local(i, Box::new(new))
        }
        _ => Edit::Structural,
    })
}

/// The timeline, quotes and "What's changed" pages list what every page says: an edit to
/// one of them (its introduction) is parsed with the whole site.
fn is_generated_page(site: &Site, page: usize) -> bool {
    let g = site.generated;
    [g.timeline, g.quotes, g.updates].contains(&Some(PageId(page)))
}

/// Re-parses the edited pages and re-renders what they and the reloaded templates affect.
/// On failure the good build is left exactly as it was.
fn apply_local(
    good: &mut Good,
    edits: Vec<(usize, Page)>,
    reloaded: Option<(Tera, BTreeMap<String, String>)>,
    static_files: Vec<StaticFile>,
) -> Result<Delta, Vec<Diagnostic>> {
    let site = &mut good.site;
    let edited: Vec<usize> = edits.iter().map(|(i, _)| *i).collect();
    let (mut undo, found) = reparse_edited(site, edits, static_files);
    let (errors, warnings): (Vec<_>, Vec<_>) = found.into_iter().partition(|d| d.is_error());
    if !errors.is_empty() {
        undo.restore(site);
        return Err(errors);
    }
    let backlinks = updated_backlinks(site, &undo);
    debug_assert!(backlinks == crate::xref::backlinks(&site.glossary, &site.parsed));
    let edited_terms = edited
        .iter()
        .any(|&i| site.glossary.term_of_page(PageId(i)).is_some());
    let related = if edited_terms {
        crate::xref::related(&site.glossary, &site.parsed)
    } else {
        // Only the definitions' links make terms related.
        site.related.clone()
    };
    let mut pages: BTreeSet<usize> = edited.iter().copied().collect();
    pages.extend(terms_to_render(site, &undo, &backlinks, &related));
    pages.extend(sources_to_render(site, &undo));
    let cited_on = crate::xref::cited_on(&site.sources, &site.parsed);
    let tera = reloaded.as_ref().map(|(tera, texts)| (tera, texts));
    let not_found = using_changed_templates(site, &good.templates, tera, &mut pages);
    undo.lists = Some(Lists {
        backlinks: std::mem::replace(&mut site.backlinks, backlinks),
        related: std::mem::replace(&mut site.related, related),
        cited_on: std::mem::replace(&mut site.cited_on, cited_on),
    });
    let pages: Vec<usize> = pages.into_iter().collect();
    match render_changed(good, &pages, not_found, reloaded) {
        Ok(changed) => Ok(Delta {
            changed,
            rendered: pages.len() + usize::from(not_found == NotFoundPage::Render),
            warnings,
            ..Delta::default()
        }),
        Err(errors) => {
            undo.restore(&mut good.site);
            Err(errors)
        }
    }
}

/// Puts the edited pages and the static file list in place and parses the edited pages
/// again; returns what to put back on failure, and the problems found.
fn reparse_edited(
    site: &mut Site,
    edits: Vec<(usize, Page)>,
    static_files: Vec<StaticFile>,
) -> (Undo, Vec<Diagnostic>) {
    let edited: Vec<usize> = edits.iter().map(|(i, _)| *i).collect();
    let mut undo = Undo {
        static_files: Some(std::mem::replace(&mut site.static_files, static_files)),
        ..Undo::default()
    };
    for (i, page) in edits {
        undo.pages
            .push((i, std::mem::replace(&mut site.pages[i], page)));
    }
    let env = site.env(crate::options::Mode::Build);
    let parsed: Vec<(usize, Parsed)> = edited
        .par_iter()
        .map(|&i| (i, markdown::parse(&env, i)))
        .collect();
    let mut found = Vec::new();
    for (i, mut p) in parsed {
        found.append(&mut p.diagnostics);
        undo.parsed
            .push((i, std::mem::replace(&mut site.parsed[i], p)));
    }
    // The ids of updates, events and speakers, which the page's own parse does not know.
    crate::living::add_ids(
        &mut site.parsed,
        &site.updates,
        &site.timeline,
        &site.quotes,
        &site.glossary,
        site.generated,
    );
    found.extend(site::check_anchors(&site.pages, &site.parsed));
    found.extend(site::check_site_files(
        &site.pages,
        &site.parsed,
        &site.static_files,
    ));
    (undo, found)
}

/// Adds to `pages` those whose template changed (from `old` to the reloaded `new`), and
/// says whether the 404 page is rendered again.
fn using_changed_templates(
    site: &Site,
    old: &BTreeMap<String, String>,
    new: Option<(&Tera, &BTreeMap<String, String>)>,
    pages: &mut BTreeSet<usize>,
) -> NotFoundPage {
    let Some((tera, texts)) = new else {
        return NotFoundPage::Skip;
    };
    let Some(names) = affected_templates(old, texts) else {
        pages.extend(0..site.pages.len());
        return NotFoundPage::Render;
    };
    pages.extend(
        (0..site.pages.len())
            .filter(|&i| names.contains(&render::template_for(site, tera, &site.pages[i]))),
    );
    if names.contains(crate::urls::NOT_FOUND_FILE) {
        NotFoundPage::Render
    } else {
        NotFoundPage::Skip
    }
}

/// Renders `pages` (with the reloaded templates, if any, which then become the good
/// build's), and returns the files whose bytes changed.
fn render_changed(
    good: &mut Good,
    pages: &[usize],
    not_found: NotFoundPage,
    reloaded: Option<(Tera, BTreeMap<String, String>)>,
) -> Result<Vec<(String, Bytes)>, Vec<Diagnostic>> {
    let files = match reloaded {
        Some((mut tera, texts)) => {
            let files = render::render_pages(&good.site, &mut tera, pages, not_found)?;
            good.tera = tera;
            good.templates = texts;
            files
        }
        None => render::render_pages(&good.site, &mut good.tera, pages, not_found)?,
    };
    let mut changed = Vec::new();
    for file in files {
        if good.outputs.get(&file.path).map(|b| &b[..]) != Some(&file.contents[..]) {
            let bytes = Bytes::from(file.contents);
            good.outputs.insert(file.path.clone(), bytes.clone());
            changed.push((file.path, bytes));
        }
    }
    Ok(changed)
}

/// The site's backlinks after the edited pages changed: their old entries out, their new
/// ones in, each term's list in page order (as [`glossary::backlinks`] computes it for all).
fn updated_backlinks(site: &Site, undo: &Undo) -> Backlinks {
    let mut backlinks = site.backlinks.clone();
    for (page, before) in &undo.parsed {
        let page = PageId(*page);
        for mention in &before.mentions {
            backlinks[mention.term.0].retain(|r| r.page != page);
        }
        let mut first: HashMap<TermId, usize> = HashMap::new();
        for (i, mention) in site.parsed[page].mentions.iter().enumerate() {
            first.entry(mention.term).or_insert(i);
        }
        for (term, mention) in first {
            let list = &mut backlinks[term.0];
            let at = list.partition_point(|r| r.page < page);
            list.insert(at, MentionRef { page, mention });
        }
    }
    backlinks
}

/// Term pages whose "Mentioned in" or "Related" lists change with the edited pages.
fn terms_to_render(
    site: &Site,
    undo: &Undo,
    backlinks: &[Vec<MentionRef>],
    related: &[Vec<TermId>],
) -> Vec<usize> {
    let before: HashMap<usize, &Parsed> = undo.parsed.iter().map(|(i, p)| (*i, p)).collect();
    let mention_changed = |r: &MentionRef| {
        let now = site.parsed[r.page].mentions.get(r.mention);
        (before.get(&r.page.0)).is_some_and(|old| old.mentions.get(r.mention) != now)
    };
    site.glossary
        .terms
        .iter()
        .enumerate()
        .filter(|&(t, _)| {
            backlinks[t] != site.backlinks[t]
                || related[t] != site.related[t]
                || backlinks[t].iter().any(mention_changed)
        })
        .map(|(_, term)| term.page.0)
        .collect()
}

/// When an edited page's citations changed: the pages of the sources it cites or cited
/// ("Cited on"), and the pages of the sources' folder (which list every source's counts).
fn sources_to_render(site: &Site, undo: &Undo) -> Vec<usize> {
    let mut touched: BTreeSet<SourceId> = BTreeSet::new();
    for (page, before) in &undo.parsed {
        let now = &site.parsed[*page].citations;
        if *now != before.citations {
            touched.extend(now.iter().chain(&before.citations).map(|c| c.source));
        }
    }
    if touched.is_empty() {
        return Vec::new();
    }
    let lists = (site.pages.iter().enumerate()).filter(|(_, p)| p.is_sources_index(&site.config));
    touched
        .iter()
        .filter_map(|&s| site.sources.sources.get(s.0).map(|s| s.page.0))
        .chain(lists.map(|(i, _)| i))
        .collect()
}

/// For each term, the first mention on each page that links it.
type Backlinks = Vec<Vec<MentionRef>>;

/// The site's cross-reference lists, as they were.
struct Lists {
    backlinks: Backlinks,
    related: Vec<Vec<TermId>>,
    cited_on: Vec<Vec<CitationRef>>,
}

/// What [`apply_local`] changed in the site, to put back when the rebuild fails.
#[derive(Default)]
struct Undo {
    pages: Vec<(usize, Page)>,
    parsed: Vec<(usize, Parsed)>,
    /// The site's `backlinks`, `related` and `cited_on`.
    lists: Option<Lists>,
    static_files: Option<Vec<StaticFile>>,
}

impl Undo {
    fn restore(self, site: &mut Site) {
        for (i, page) in self.pages {
            site.pages[i] = page;
        }
        for (i, parsed) in self.parsed {
            site.parsed[i] = parsed;
        }
        if let Some(lists) = self.lists {
            site.backlinks = lists.backlinks;
            site.related = lists.related;
            site.cited_on = lists.cited_on;
        }
        if let Some(static_files) = self.static_files {
            site.static_files = static_files;
        }
    }
}

/// The templates whose output can change when `old` becomes `new`: the changed ones and
/// those that extend or include them, transitively. `None`: all of them (a template was
/// added, removed or renamed, which can change the default templates, or a changed one
/// defines components, which any template may call).
fn affected_templates(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Option<BTreeSet<String>> {
    if !old.keys().eq(new.keys()) {
        return None;
    }
    let mut affected: BTreeSet<String> = new
        .iter()
        .filter(|(name, text)| old.get(*name) != Some(*text))
        .map(|(name, _)| name.clone())
        .collect();
    if affected
        .iter()
        .any(|name| [old, new].iter().any(|m| defines_component(&m[name])))
    {
        return None;
    }
    let refs: Vec<(&String, Vec<&str>)> = new
        .iter()
        .map(|(name, text)| (name, template_refs(text)))
        .collect();
    loop {
        let more: Vec<String> = refs
            .iter()
            .filter(|(name, _)| !affected.contains(*name))
            .filter(|(_, uses)| uses.iter().any(|u| affected.contains(*u)))
            .map(|(name, _)| (*name).clone())
            .collect();
        if more.is_empty() {
            return Some(affected);
        }
        affected.extend(more);
    }
}

/// The tags of a template: the text between `{%` and `%}`, trimmed.
fn tags(text: &str) -> impl Iterator<Item = &str> {
    text.split("{%").skip(1).map(|rest| {
        let inner = rest.split_once("%}").map_or(rest, |(inner, _)| inner);
        inner.trim_matches(|c: char| c == '-' || c.is_whitespace())
    })
}

/// The templates a template names in `extends` and `include` tags.
fn template_refs(text: &str) -> Vec<&str> {
    tags(text)
        .filter(|tag| tag.starts_with("extends") || tag.starts_with("include"))
        .filter_map(|tag| {
            let quote = tag.find(['"', '\'', '`'])?;
            let q = tag[quote..].chars().next()?;
            let rest = &tag[quote + 1..];
            rest.find(q).map(|end| &rest[..end])
        })
        .collect()
}

fn defines_component(text: &str) -> bool {
    tags(text).any(|tag| tag.starts_with("component"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use walkdir::WalkDir;

    /// A fixture site copied into a temporary folder.
    fn fixture(name: &str) -> tempfile::TempDir {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::tempdir().expect("temp dir");
        copy_tree(&repo.join("tests/fixtures").join(name), dir.path());
        dir
    }

    /// A fixture with the templates and static files lede ships (see the integration
    /// tests' `TestSite::fixture_with_bundled_theme`).
    fn fixture_with_bundled_theme(name: &str) -> tempfile::TempDir {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = fixture(name);
        for folder in ["templates", "static"] {
            copy_tree(&repo.join(folder), &dir.path().join(folder));
        }
        dir
    }

    fn copy_tree(from: &Path, to: &Path) {
        for entry in WalkDir::new(from).into_iter().flatten() {
            let target = to.join(entry.path().strip_prefix(from).unwrap());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&target).unwrap();
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    }

    fn options(root: &Path) -> Options {
        Options {
            root: root.to_path_buf(),
            base_url: Some("http://127.0.0.1:1111/".into()),
            ..Options::default()
        }
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn edit(root: &Path, rel: &str, from: &str, to: &str) {
        let text = std::fs::read_to_string(root.join(rel)).unwrap();
        assert!(text.contains(from), "{rel} has no {from:?}");
        write(root, rel, &text.replacen(from, to, 1));
    }

    /// Applies `touched` and checks every output equals a from-scratch build of the tree.
    fn apply_matches_full(site: &mut Engine, root: &Path, touched: &[Change]) -> Delta {
        let rebuilt = site
            .apply(touched)
            .expect("a change")
            .unwrap_or_else(|e| panic!("rebuild failed: {e:?}"));
        let mut fresh = Engine::new(options(root));
        fresh
            .full()
            .unwrap_or_else(|e| panic!("full build failed: {e:?}"));
        let ours: BTreeMap<&str, &Bytes> = site.files().collect();
        let theirs: BTreeMap<&str, &Bytes> = fresh.files().collect();
        assert_eq!(
            ours.keys().collect::<Vec<_>>(),
            theirs.keys().collect::<Vec<_>>()
        );
        for (path, bytes) in &theirs {
            assert!(
                ours[path] == *bytes,
                "{path} differs from a full build:\n--- incremental\n{}\n--- full\n{}",
                String::from_utf8_lossy(ours[path]),
                String::from_utf8_lossy(bytes)
            );
        }
        rebuilt
    }

    fn content(rel: &str) -> Change {
        Change::Content(rel.to_string())
    }

    fn changed(rebuilt: &Delta) -> Vec<&str> {
        rebuilt.changed.iter().map(|(p, _)| p.as_str()).collect()
    }

    #[test]
    fn a_body_edit_renders_the_page_alone() {
        let dir = fixture("basic");
        let root = dir.path();
        let mut site = Engine::new(options(root));
        site.full().unwrap();
        edit(root, "content/b.md", "\n## ", "\nA new paragraph.\n\n## ");
        let rebuilt = apply_matches_full(&mut site, root, &[content("b.md")]);
        assert!(!rebuilt.full);
        assert_eq!(changed(&rebuilt), ["b/index.html"]);
        assert_eq!(rebuilt.rendered, 1);
    }

    #[test]
    fn an_unchanged_save_is_no_rebuild() {
        let dir = fixture("basic");
        let root = dir.path();
        let mut site = Engine::new(options(root));
        site.full().unwrap();
        // Drafts are left out of the build, so they are read the first time they are touched.
        site.apply(&[content("")]);
        let text = std::fs::read_to_string(root.join("content/a.md")).unwrap();
        write(root, "content/a.md", &text);
        assert!(site.apply(&[content("a.md"), content("")]).is_none());
        assert!(site.apply(&[Change::Templates, Change::Config]).is_none());
    }

    #[test]
    fn mention_edits_rerender_the_term_pages_they_change() {
        let dir = fixture("glossary");
        let root = dir.path();
        let mut site = Engine::new(options(root));
        site.full().unwrap();
        let page = "first.md";
        // A new mention of a term, then its removal, then a changed sentence around mentions.
        let text = std::fs::read_to_string(root.join("content").join(page)).unwrap();
        write(
            root,
            &format!("content/{page}"),
            &format!("{text}\n\nThe Kremlin said so. Luhansk too.\n"),
        );
        let rebuilt = apply_matches_full(&mut site, root, &[content(page)]);
        assert!(!rebuilt.full);
        assert!(changed(&rebuilt).contains(&"glossary/luhansk/index.html"));
        assert!(!changed(&rebuilt).contains(&"glossary/donbas/index.html"));
        write(root, &format!("content/{page}"), &text);
        apply_matches_full(&mut site, root, &[content(page)]);
        for term in ["donbas", "kremlin", "luhansk"] {
            let rel = format!("content/glossary/{term}.md");
            let text = std::fs::read_to_string(root.join(&rel)).unwrap();
            write(
                root,
                &rel,
                &format!("{text}\nSee also Donetsk and the Kremlin.\n"),
            );
            apply_matches_full(&mut site, root, &[content(&format!("glossary/{term}.md"))]);
        }
    }

    #[test]
    fn citation_edits_rerender_the_source_pages_they_change() {
        let dir = fixture("sources");
        let root = dir.path();
        let mut site = Engine::new(options(root));
        site.full().unwrap();
        // A new citation of the paper, a changed sentence around one of the wire, a removed one.
        edit(
            root,
            "content/story.md",
            "Nobody signed",
            "The paper agreed.[^paper] Nobody signed",
        );
        let rebuilt = apply_matches_full(&mut site, root, &[content("story.md")]);
        assert!(!rebuilt.full);
        assert!(changed(&rebuilt).contains(&"sources/paper/index.html"));
        assert!(changed(&rebuilt).contains(&"sources/index.html"));
        edit(
            root,
            "content/story.md",
            "met for five hours",
            "met for about five hours",
        );
        let rebuilt = apply_matches_full(&mut site, root, &[content("story.md")]);
        assert!(changed(&rebuilt).contains(&"sources/wire/index.html"));
        edit(root, "content/other.md", "[^Paper]", "");
        apply_matches_full(&mut site, root, &[content("other.md")]);
        // A source's own front matter: every page citing it shows it.
        edit(
            root,
            "content/sources/wire.md",
            "The Wire Service",
            "The Wire",
        );
        let rebuilt = apply_matches_full(&mut site, root, &[content("sources/wire.md")]);
        assert!(changed(&rebuilt).contains(&"story/index.html"));
    }

    #[test]
    fn only_edits_to_quotes_reparse_a_page_with_quotes() {
        let dir = fixture_with_bundled_theme("living");
        let root = dir.path();
        let mut site = Engine::new(options(root));
        site.full().unwrap();
        // Prose around the quotes: the page alone, and a link to one of its updates from
        // another page still resolves (its id comes from the front matter, not the body).
        edit(
            root,
            "content/background.md",
            "Before the meeting",
            "See [it](meeting.md#update-2). Before the meeting",
        );
        apply_matches_full(&mut site, root, &[content("background.md")]);
        edit(
            root,
            "content/meeting.md",
            "The envoys met in Moscow.",
            "The envoys met, in Moscow.",
        );
        let rebuilt = apply_matches_full(&mut site, root, &[content("meeting.md")]);
        assert!(!rebuilt.full);
        // The words of a quote: everything, and the speaker's page shows the new words.
        edit(
            root,
            "content/meeting.md",
            "“It was useful.”",
            "“It was very useful.”",
        );
        let rebuilt = apply_matches_full(&mut site, root, &[content("meeting.md")]);
        assert!(rebuilt.full);
        let term = String::from_utf8_lossy(site.file("glossary/yuri-ushakov/index.html").unwrap())
            .into_owned();
        assert!(term.contains("“It was very useful.”"));
        assert!(crate::quotes::attributions_changed(
            "> “a”\n>\n> — X\n",
            "> “b”\n>\n> — X\n"
        ));
        assert!(!crate::quotes::attributions_changed(
            "> plain quote\n",
            "> another plain quote\n"
        ));
    }

    #[test]
    fn events_updates_and_quotes_follow_edits() {
        let dir = fixture_with_bundled_theme("living");
        let root = dir.path();
        let mut site = Engine::new(options(root));
        site.full().unwrap();
        let timeline = |site: &Engine| {
            String::from_utf8_lossy(site.file("timeline/index.html").unwrap()).into_owned()
        };
        let before = timeline(&site);
        assert!(before.find("florida-talks").unwrap() < before.find("envoys-arrive").unwrap());
        // An edited event moves in the timeline.
        edit(
            root,
            "content/background.md",
            "date = 2025-11-30",
            "date = 2025-12-03",
        );
        let rebuilt = apply_matches_full(&mut site, root, &[content("background.md")]);
        assert!(rebuilt.full);
        let after = timeline(&site);
        assert!(after.find("florida-talks").unwrap() > after.find("envoys-arrive").unwrap());
        // A new quote appears on its speaker's page and on the quotes page.
        edit(
            root,
            "content/background.md",
            "Before the meeting",
            "> “A new quote.”\n>\n> — Yuri Ushakov, later\n\nBefore the meeting",
        );
        apply_matches_full(&mut site, root, &[content("background.md")]);
        let term = String::from_utf8_lossy(site.file("glossary/yuri-ushakov/index.html").unwrap())
            .into_owned();
        assert!(term.contains("“A new quote.”"), "{term}");
        // A new update shows in its box and on the "What's changed" page.
        edit(
            root,
            "content/background.md",
            "weight = 2\n",
            "weight = 2\n\n[[updates]]\nat = 2025-12-05\ntext = \"Added a quote.\"\n",
        );
        apply_matches_full(&mut site, root, &[content("background.md")]);
        let changes =
            String::from_utf8_lossy(site.file("changes/index.html").unwrap()).into_owned();
        assert!(changes.contains("Added a quote."));
    }

    #[test]
    fn front_matter_and_file_edits_match_a_full_build() {
        let dir = fixture("glossary");
        let root = dir.path();
        let mut site = Engine::new(options(root));
        site.full().unwrap();
        // Front matter other pages show: a term's summary, a page's title.
        edit(
            root,
            "content/glossary/donbas.md",
            "summary = \"",
            "summary = \"Now: ",
        );
        let rebuilt = apply_matches_full(&mut site, root, &[content("glossary/donbas.md")]);
        assert!(rebuilt.full);
        // A page added in a new folder (the folder is what the watcher reports).
        write(
            root,
            "content/new/_index.md",
            "+++\ntitle = \"New\"\n+++\nA Kremlin section.\n",
        );
        write(
            root,
            "content/new/page.md",
            "+++\ntitle = \"P\"\n+++\nDonbas again.\n",
        );
        apply_matches_full(&mut site, root, &[content("new")]);
        // Removed again, folder and all.
        std::fs::remove_dir_all(root.join("content/new")).unwrap();
        let rebuilt = apply_matches_full(&mut site, root, &[content("new")]);
        assert!(rebuilt.removed.contains(&"new/page/index.html".to_string()));
        // `template` is the page's own business.
        edit(
            root,
            "content/first.md",
            "+++\n",
            "+++\ntemplate = \"page.html\"\n",
        );
        let rebuilt = apply_matches_full(&mut site, root, &[content("first.md")]);
        assert!(!rebuilt.full);
    }

    #[test]
    fn template_edits_rerender_the_pages_that_use_them() {
        let dir = fixture("basic");
        let root = dir.path();
        let mut site = Engine::new(options(root));
        site.full().unwrap();
        // Only term pages use term.html.
        edit(root, "templates/term.html", "<h1>", "<h1 class=\"term\">");
        let rebuilt = apply_matches_full(&mut site, root, &[Change::Templates]);
        let mut paths = changed(&rebuilt);
        paths.sort();
        assert_eq!(
            paths,
            ["glossary/donbas/index.html", "glossary/kremlin/index.html"]
        );
        // Everything extends base.html.
        edit(root, "templates/base.html", "<main>", "<main class=\"x\">");
        let rebuilt = apply_matches_full(&mut site, root, &[Change::Templates]);
        let html = site.files().filter(|(p, _)| p.ends_with(".html")).count();
        assert_eq!(rebuilt.changed.len(), html);
        // A new template can change the defaults: everything is rendered.
        write(root, "templates/extra.html", "{% extends \"base.html\" %}");
        apply_matches_full(&mut site, root, &[Change::Templates]);
    }

    #[test]
    fn a_failed_rebuild_keeps_the_last_good_build() {
        let dir = fixture("basic");
        let root = dir.path();
        let mut site = Engine::new(options(root));
        site.full().unwrap();
        let before = site.file("a/index.html").unwrap().clone();
        edit(root, "content/a.md", "[C](sub/c.md)", "[C](sub/missing.md)");
        let errors = site.apply(&[content("a.md")]).unwrap().unwrap_err();
        assert!(
            errors[0].location().starts_with("content/a.md:"),
            "{errors:?}"
        );
        assert_eq!(site.file("a/index.html"), Some(&before));
        // A broken template, too.
        edit(root, "templates/page.html", "{%", "{% if %}{%");
        assert!(site.apply(&[Change::Templates]).unwrap().is_err());
        assert_eq!(site.file("a/index.html"), Some(&before));
        // Both fixed: the result is a full build's.
        edit(root, "templates/page.html", "{% if %}{%", "{%");
        assert!(site.apply(&[Change::Templates]).unwrap().is_err());
        edit(root, "content/a.md", "[C](sub/missing.md)", "[C](sub/c.md)");
        apply_matches_full(&mut site, root, &[content("a.md")]);
    }

    #[test]
    fn template_references_are_found() {
        let text = "{% extends \"base.html\" %}{%- include 'nav.html' -%}{{ x }}{% if a %}";
        assert_eq!(template_refs(text), ["base.html", "nav.html"]);
        assert!(defines_component(
            "{% component card(x) %}{% endcomponent %}"
        ));
        assert!(!defines_component(text));
    }
}
