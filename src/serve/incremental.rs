//! Incremental rebuilds for `lede serve`: the last good [`Site`], its templates and its
//! rendered pages stay in memory, and an edit re-runs only the stages it touches.
//!
//! The input is a list of [`Touched`] paths (from the watcher, or a test). Each is looked at
//! on disk, and only what really changed decides the work:
//! - a page's body, `template` or `auto_link`: that page is re-parsed and re-rendered, with
//!   the term pages whose "Mentioned in" or "Related" lists change, and the source pages
//!   whose "Cited on" lists change (with the sources' own section page);
//! - a template: the pages that use it, directly or through `extends`/`include`;
//! - front matter other pages show (title, date, weight, aliases, summary...), an added or
//!   removed file: every page is re-parsed from the sources in memory and re-rendered;
//! - `site.toml`, or lost events: everything is read again;
//! - a file in `static/`: nothing to render; it is reported so the browser can fetch it.
//!
//! The rendered files are byte for byte those of a full build of the same tree (tested
//! below). A failed rebuild leaves the last good build in place. Reads the site's files,
//! never writes any, and knows nothing of HTTP or file watching.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use rayon::prelude::*;
use tera::Tera;
use walkdir::WalkDir;

use crate::config::CONFIG_FILE;
use crate::content::STATIC_DIR;
use crate::content::{self, CONTENT_DIR, FrontMatter, Page, Source};
use crate::diagnostics::Diagnostic;
use crate::markdown::{self, Env, Parsed};
use crate::render::{self, TEMPLATE_DIR};
use crate::site::{self, Options, Site};

/// A path that may have changed, by the part of the site it is in. Paths are relative to
/// that part and `/`-separated; `""` stands for the whole folder.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Touched {
    /// Under `content/`.
    Content(String),
    /// Anything under `templates/` (all templates are read again: they are few).
    Templates,
    /// Under `static/`.
    Static(String),
    /// `site.toml`.
    Config,
    /// Events were lost: look at everything again.
    All,
}

/// The bytes of a rendered file, shared with the server without copying.
pub type Bytes = Arc<[u8]>;

/// What one rebuild did.
#[derive(Debug, Default)]
pub struct Rebuilt {
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

/// Size and modification time: enough to tell that a static file was saved.
type Stamp = (u64, Option<SystemTime>);

/// The site's files as last read from disk (they may be ahead of the last good build).
#[derive(Default)]
struct Disk {
    config: Option<Vec<u8>>,
    /// Decoded `.md` files by key (path under `content/`), drafts included.
    sources: BTreeMap<String, String>,
    /// Files that could not be read or decoded: the build fails while there are any.
    unreadable: BTreeMap<String, Diagnostic>,
    templates: BTreeMap<String, String>,
    statics: BTreeMap<String, Stamp>,
}

/// The last good build.
struct Good {
    site: Site,
    tera: Tera,
    /// The template texts `tera` was loaded from.
    templates: BTreeMap<String, String>,
    /// Page index by key.
    index: HashMap<String, usize>,
    outputs: HashMap<String, Bytes>,
}

/// A site kept built in memory.
pub struct Incremental {
    options: Options,
    disk: Disk,
    good: Option<Good>,
    /// Content keys whose file changed since the last good build.
    dirty: BTreeSet<String>,
    /// Everything must be read again (`site.toml` changed, events were lost, or a full
    /// build failed).
    full: bool,
}

impl Incremental {
    /// Nothing is read until [`Incremental::full`].
    pub fn new(options: Options) -> Self {
        Incremental {
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

    /// Where `lede build` would write (to keep the watcher away from it).
    pub fn output_dir(&self) -> Option<PathBuf> {
        Some(self.good.as_ref()?.site.output_dir(&self.options))
    }

    /// Drops what is known about the files, so that the next update reads everything again
    /// (after a rebuild that did not finish, nothing in memory can be trusted). The last
    /// good build stays published.
    pub fn forget(&mut self) {
        self.full = true;
        self.dirty.clear();
    }

    /// Reads everything and builds from scratch, as `lede build` does.
    pub fn full(&mut self) -> Result<Rebuilt, Vec<Diagnostic>> {
        let started = Instant::now();
        let root = self.options.root.clone();
        self.full = true;
        self.disk.config = std::fs::read(root.join(CONFIG_FILE)).ok();
        self.disk.templates = read_templates(&root);
        self.disk.statics = BTreeMap::new();
        self.refresh_static("");
        self.disk.unreadable.clear();
        let site = match Site::load(&self.options) {
            Ok(site) => site,
            Err(errors) => {
                // Unknown now: every content file that is touched counts as changed.
                self.disk.sources.clear();
                return Err(errors);
            }
        };
        // What was read (drafts left out are read when touched).
        self.disk.sources = site
            .pages
            .iter()
            .filter(|p| !crate::living::is_generated(p))
            .map(|p| (p.key.clone(), p.text.clone()))
            .collect();
        self.install(site, started)
    }

    /// Looks at the touched paths and rebuilds what their changes affect. `None` when no
    /// file really changed (an editor's extra events, a save without changes).
    pub fn update(&mut self, touched: &[Touched]) -> Option<Result<Rebuilt, Vec<Diagnostic>>> {
        let started = Instant::now();
        let mut changed = false;
        let mut statics = BTreeSet::new();
        for t in touched {
            match t {
                Touched::Content(rel) => changed |= self.refresh_content(rel),
                Touched::Templates => changed |= self.refresh_templates(),
                Touched::Static(rel) => {
                    statics.extend(self.refresh_static(rel));
                    changed |= self.full;
                }
                Touched::Config => {
                    if self.refresh_config() {
                        self.full = true;
                        changed = true;
                    }
                }
                Touched::All => {
                    self.full = true;
                    changed = true;
                }
            }
        }
        if !changed && statics.is_empty() {
            return None;
        }
        let static_names_changed = self.good.as_ref().is_some_and(|g| {
            !g.site
                .static_files
                .iter()
                .map(|(rel, _)| rel)
                .eq(self.disk.statics.keys())
        });
        let mut result = if !changed && !static_names_changed {
            Ok(Rebuilt::default())
        } else if self.full || self.good.is_none() {
            self.full()
        } else {
            self.rebuild(started)
        };
        if let Ok(rebuilt) = &mut result {
            rebuilt.statics = statics.into_iter().collect();
            rebuilt.elapsed = started.elapsed();
            if let Some(good) = &self.good {
                rebuilt.pages = good.site.pages.len();
                rebuilt.terms = good.site.glossary.terms.len();
            }
        }
        Some(result)
    }

    /// Rebuilds after content or template edits, from the sources in memory.
    fn rebuild(&mut self, started: Instant) -> Result<Rebuilt, Vec<Diagnostic>> {
        if !self.options.root.join(CONTENT_DIR).is_dir() {
            // Deleted or moved away: keep serving the last good site and say why.
            self.full = true;
            return Err(vec![
                Diagnostic::error(CONTENT_DIR, "there is no content/ folder")
                    .with_help("put content/ back (the preview keeps showing the last good build)"),
            ]);
        }
        if !self.disk.unreadable.is_empty() {
            return Err(self.disk.unreadable.values().cloned().collect());
        }
        let Some(good) = self.good.as_mut() else {
            return self.full();
        };
        let mut edits = Vec::new();
        let mut structural = false;
        let mut errors = Vec::new();
        for key in &self.dirty {
            let text = self.disk.sources.get(key);
            match classify_edit(good, key, text, self.options.drafts) {
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
        let reloaded = if good.templates != self.disk.templates {
            let tera = render::load_templates(&self.options.root)?;
            Some((tera, self.disk.templates.clone()))
        } else {
            None
        };
        let statics = static_list(&self.options.root, &self.disk);
        let rebuilt = apply_local(good, edits, reloaded, statics)?;
        self.dirty.clear();
        Ok(rebuilt)
    }

    /// Parses every page again from the sources in memory (`site.toml` unchanged).
    fn reparse(&mut self, started: Instant) -> Result<Rebuilt, Vec<Diagnostic>> {
        let Some(good) = self.good.as_ref() else {
            return self.full();
        };
        let config = good.site.config.clone();
        let sources = self
            .disk
            .sources
            .iter()
            .map(|(key, text)| Source {
                key: key.clone(),
                text: text.clone(),
            })
            .collect();
        let root = self.options.root.clone();
        let statics = static_list(&root, &self.disk);
        let drafts = self.options.drafts;
        let site = Site::from_parts(
            root,
            config,
            sources,
            statics,
            drafts,
            &self.options.clock,
            Vec::new(),
        )?;
        self.install(site, started)
    }

    /// Renders every page of a freshly loaded site and makes it the good build.
    fn install(&mut self, site: Site, started: Instant) -> Result<Rebuilt, Vec<Diagnostic>> {
        let mut tera = render::load_templates(&self.options.root)?;
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
        let rebuilt = Rebuilt {
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
            templates: self.disk.templates.clone(),
            outputs,
        });
        self.full = false;
        self.dirty.clear();
        Ok(rebuilt)
    }

    /// Looks at `content/<rel>` (a file, a folder, or something gone) and records what changed.
    fn refresh_content(&mut self, rel: &str) -> bool {
        let dir = self.options.root.join(CONTENT_DIR);
        let abs = if rel.is_empty() {
            dir.clone()
        } else {
            dir.join(rel)
        };
        let mut seen = HashSet::new();
        let mut changed = false;
        if std::fs::symlink_metadata(&abs).is_ok_and(|m| m.file_type().is_symlink()) {
            // Where a link may point is the load stage's business: let it look.
            self.full = true;
            changed = true;
        }
        match std::fs::metadata(&abs) {
            Ok(meta) if meta.is_dir() => {
                // A new folder may already hold files written before it was watched.
                for entry in WalkDir::new(&abs).follow_links(true).into_iter().flatten() {
                    if entry.path_is_symlink() {
                        self.full = true;
                        changed = true;
                    }
                    let key = key_of(&dir, entry.path());
                    if entry.file_type().is_file() && is_page_key(&key) {
                        changed |= self.read_source(&key, entry.path());
                        seen.insert(key);
                    }
                }
            }
            Ok(meta) if meta.is_file() && is_page_key(rel) => {
                changed |= self.read_source(rel, &abs);
                seen.insert(rel.to_string());
            }
            _ => {}
        }
        let mut gone = keys_under(&self.disk.sources, rel);
        gone.extend(keys_under(&self.disk.unreadable, rel));
        gone.retain(|key| !seen.contains(key));
        for key in gone {
            self.disk.sources.remove(&key);
            self.disk.unreadable.remove(&key);
            self.dirty.insert(key);
            changed = true;
        }
        changed
    }

    /// Reads one content file; true if it differs from what was read before.
    fn read_source(&mut self, key: &str, abs: &Path) -> bool {
        let path = Path::new(CONTENT_DIR).join(key);
        let read = std::fs::read(abs);
        if read
            .as_ref()
            .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
        {
            // Gone between the event and now: the caller treats it as removed.
            return false;
        }
        let decoded = read
            .map_err(|e| {
                Diagnostic::error(&path, format!("cannot read: {e}"))
                    .with_help("check the file's permissions")
            })
            .and_then(|bytes| content::decode(&path, bytes));
        match decoded {
            Ok(text) => {
                if self.disk.sources.get(key) == Some(&text) {
                    return false;
                }
                self.disk.unreadable.remove(key);
                self.disk.sources.insert(key.to_string(), text);
            }
            Err(d) => {
                if self.disk.unreadable.get(key) == Some(&d) {
                    return false;
                }
                self.disk.sources.remove(key);
                self.disk.unreadable.insert(key.to_string(), d);
            }
        }
        self.dirty.insert(key.to_string());
        true
    }

    fn refresh_templates(&mut self) -> bool {
        let templates = read_templates(&self.options.root);
        let changed = templates != self.disk.templates;
        self.disk.templates = templates;
        changed
    }

    fn refresh_config(&mut self) -> bool {
        let config = std::fs::read(self.options.root.join(CONFIG_FILE)).ok();
        let changed = config != self.disk.config;
        self.disk.config = config;
        changed
    }

    /// Looks at `static/<rel>`; returns the static files that changed, appeared or went.
    fn refresh_static(&mut self, rel: &str) -> Vec<String> {
        let dir = self.options.root.join(STATIC_DIR);
        let abs = if rel.is_empty() {
            dir.clone()
        } else {
            dir.join(rel)
        };
        let mut seen = HashSet::new();
        let mut changed = Vec::new();
        if abs.exists() {
            for entry in WalkDir::new(&abs).follow_links(true).into_iter().flatten() {
                if entry.path_is_symlink() {
                    // Where a link may point is the load stage's business: let it look.
                    self.full = true;
                }
                let key = key_of(&dir, entry.path());
                if !entry.file_type().is_file() || !content::is_published_static(&key) {
                    continue;
                }
                let stamp = entry
                    .metadata()
                    .map(|m| (m.len(), m.modified().ok()))
                    .unwrap_or_default();
                if self.disk.statics.get(&key) != Some(&stamp) {
                    self.disk.statics.insert(key.clone(), stamp);
                    changed.push(key.clone());
                }
                seen.insert(key);
            }
        }
        let mut gone = keys_under(&self.disk.statics, rel);
        gone.retain(|key| !seen.contains(key));
        for key in gone {
            self.disk.statics.remove(&key);
            changed.push(key);
        }
        changed
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
        (Some(i), Some(new))
            if same_for_others(&good.site.pages[i].meta, &new.meta)
                && !quotes_changed(good.site.pages[i].body(), new.body())
                && !is_generated_page(&good.site, i) =>
        {
            // What the link stage set (URL, section, redirects) stays as it was.
            let mut page = good.site.pages[i].clone();
            page.text = new.text;
            page.body_start = new.body_start;
            page.meta = new.meta;
            Edit::Local(i, Box::new(page))
        }
        _ => Edit::Structural,
    })
}

/// Whether an edit may add, change or remove an attributed quote: the blockquote lines
/// changed, and before or after the edit one of them starts with a dash (an attribution).
/// The quotes page and the speakers' pages then change, and the whole site is parsed again,
/// the simplest way to keep them right; other body edits stay local.
fn quotes_changed(old_body: &str, new_body: &str) -> bool {
    let quote_lines = |body: &str| -> Vec<String> {
        body.lines()
            .map(str::trim_start)
            .filter(|line| line.starts_with('>'))
            .map(str::to_string)
            .collect()
    };
    let attribution = |lines: &[String]| {
        lines.iter().any(|line| {
            line.trim_start_matches(|c: char| c == '>' || c.is_whitespace())
                .starts_with(['—', '–', '-'])
        })
    };
    let (old, new) = (quote_lines(old_body), quote_lines(new_body));
    old != new && (attribution(&old) || attribution(&new))
}

/// The timeline, quotes and "What's changed" pages list what every page says: an edit to
/// one of them (its introduction) is parsed with the whole site.
fn is_generated_page(site: &Site, page: usize) -> bool {
    let g = site.generated;
    [g.timeline, g.quotes, g.updates].contains(&Some(page))
}

/// Whether two front matters agree on everything other pages may show or depend on: all
/// but `template` and `auto_link`. Compared through `Debug`, so that a field added later
/// counts as shown until said otherwise.
fn same_for_others(a: &FrontMatter, b: &FrontMatter) -> bool {
    let shown = |m: &FrontMatter| {
        format!(
            "{:?}",
            FrontMatter {
                template: None,
                auto_link: None,
                ..m.clone()
            }
        )
    };
    shown(a) == shown(b)
}

/// Re-parses the edited pages and re-renders what they and the reloaded templates affect.
/// On failure the good build is left exactly as it was.
fn apply_local(
    good: &mut Good,
    edits: Vec<(usize, Page)>,
    reloaded: Option<(Tera, BTreeMap<String, String>)>,
    static_files: Vec<(String, PathBuf)>,
) -> Result<Rebuilt, Vec<Diagnostic>> {
    let site = &mut good.site;
    let edited: Vec<usize> = edits.iter().map(|(i, _)| *i).collect();
    let mut undo = Undo {
        static_files: Some(std::mem::replace(&mut site.static_files, static_files)),
        ..Undo::default()
    };
    for (i, page) in edits {
        undo.pages
            .push((i, std::mem::replace(&mut site.pages[i], page)));
    }
    let env = Env {
        config: &site.config,
        pages: &site.pages,
        links: &site.links,
        glossary: &site.glossary,
        sources: &site.sources,
        html: true,
    };
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
    let (errors, warnings): (Vec<_>, Vec<_>) = found.into_iter().partition(|d| d.is_error());
    if !errors.is_empty() {
        undo.restore(site);
        return Err(errors);
    }

    let backlinks = updated_backlinks(site, &undo);
    debug_assert!(backlinks == crate::xref::backlinks(&site.glossary, &site.parsed));
    let edited_terms = edited
        .iter()
        .any(|&i| site.glossary.term_of_page(i).is_some());
    let related = if edited_terms {
        crate::xref::related(&site.glossary, &site.parsed)
    } else {
        // Only the definitions' links make terms related.
        site.related.clone()
    };
    let mut pages: BTreeSet<usize> = edited.iter().copied().collect();
    pages.extend(terms_to_render(site, &undo, &backlinks, &related));
    let cited_on = crate::xref::cited_on(&site.sources, &site.parsed);
    pages.extend(sources_to_render(site, &undo));
    let mut not_found = false;
    if let Some((tera, texts)) = &reloaded {
        match affected_templates(&good.templates, texts) {
            None => {
                pages.extend(0..site.pages.len());
                not_found = true;
            }
            Some(names) => {
                pages.extend((0..site.pages.len()).filter(|&i| {
                    names.contains(&render::template_for(site, tera, &site.pages[i]))
                }));
                not_found = names.contains("404.html");
            }
        }
    }
    undo.lists = Some((
        std::mem::replace(&mut site.backlinks, backlinks),
        std::mem::replace(&mut site.related, related),
        std::mem::replace(&mut site.cited_on, cited_on),
    ));

    let indices: Vec<usize> = pages.into_iter().collect();
    let rendered = match &reloaded {
        Some((tera, _)) => {
            let mut tera = tera.clone();
            render::render_pages(site, &mut tera, &indices, not_found).map(|f| (f, Some(tera)))
        }
        None => render::render_pages(site, &mut good.tera, &indices, not_found).map(|f| (f, None)),
    };
    let (files, tera) = match rendered {
        Ok(done) => done,
        Err(errors) => {
            undo.restore(site);
            return Err(errors);
        }
    };
    if let (Some(tera), Some((_, texts))) = (tera, reloaded) {
        good.tera = tera;
        good.templates = texts;
    }
    let rendered = indices.len() + usize::from(not_found);
    let mut changed = Vec::new();
    for file in files {
        if good.outputs.get(&file.path).map(|b| &b[..]) != Some(&file.contents[..]) {
            let bytes = Bytes::from(file.contents);
            good.outputs.insert(file.path.clone(), bytes.clone());
            changed.push((file.path, bytes));
        }
    }
    Ok(Rebuilt {
        changed,
        rendered,
        warnings,
        ..Rebuilt::default()
    })
}

/// The site's backlinks after the edited pages changed: their old entries out, their new
/// ones in, each term's list in page order (as [`glossary::backlinks`] computes it for all).
fn updated_backlinks(site: &Site, undo: &Undo) -> Backlinks {
    let mut backlinks = site.backlinks.clone();
    for (page, before) in &undo.parsed {
        for mention in &before.mentions {
            backlinks[mention.term].retain(|&(p, _)| p != *page);
        }
        let mut first: HashMap<usize, usize> = HashMap::new();
        for (i, mention) in site.parsed[*page].mentions.iter().enumerate() {
            first.entry(mention.term).or_insert(i);
        }
        for (term, mention) in first {
            let list = &mut backlinks[term];
            let at = list.partition_point(|&(p, _)| p < *page);
            list.insert(at, (*page, mention));
        }
    }
    backlinks
}

/// Term pages whose "Mentioned in" or "Related" lists change with the edited pages.
fn terms_to_render(
    site: &Site,
    undo: &Undo,
    backlinks: &[Vec<(usize, usize)>],
    related: &[Vec<usize>],
) -> Vec<usize> {
    let before: HashMap<usize, &Parsed> = undo.parsed.iter().map(|(i, p)| (*i, p)).collect();
    let mention_changed = |&(page, mention): &(usize, usize)| {
        before
            .get(&page)
            .is_some_and(|old| old.mentions.get(mention) != site.parsed[page].mentions.get(mention))
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
        .map(|(_, term)| term.page)
        .collect()
}

/// When an edited page's citations changed: the pages of the sources it cites or cited
/// ("Cited on"), and the pages of the sources' folder (which list every source's counts).
fn sources_to_render(site: &Site, undo: &Undo) -> Vec<usize> {
    let mut touched: BTreeSet<usize> = BTreeSet::new();
    for (page, before) in &undo.parsed {
        let now = &site.parsed[*page].citations;
        if *now != before.citations {
            touched.extend(now.iter().chain(&before.citations).map(|c| c.source));
        }
    }
    if touched.is_empty() {
        return Vec::new();
    }
    let folder = &site.config.sources.dir;
    let lists =
        site.pages.iter().enumerate().filter(|(_, p)| {
            p.kind == crate::content::PageKind::Section && p.dir() == folder.as_str()
        });
    touched
        .iter()
        .filter_map(|&s| site.sources.sources.get(s).map(|s| s.page))
        .chain(lists.map(|(i, _)| i))
        .collect()
}

/// For each term, (page, mention) of the first mention on each page that links it.
type Backlinks = Vec<Vec<(usize, usize)>>;

/// What [`apply_local`] changed in the site, to put back when the rebuild fails.
#[derive(Default)]
struct Undo {
    pages: Vec<(usize, Page)>,
    parsed: Vec<(usize, Parsed)>,
    /// The site's `backlinks`, `related` and `cited_on`.
    lists: Option<(Backlinks, Vec<Vec<usize>>, Backlinks)>,
    static_files: Option<Vec<(String, PathBuf)>>,
}

impl Undo {
    fn restore(self, site: &mut Site) {
        for (i, page) in self.pages {
            site.pages[i] = page;
        }
        for (i, parsed) in self.parsed {
            site.parsed[i] = parsed;
        }
        if let Some((backlinks, related, cited_on)) = self.lists {
            site.backlinks = backlinks;
            site.related = related;
            site.cited_on = cited_on;
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

/// Every template file, as `render::load_templates` finds them: name → text.
fn read_templates(root: &Path) -> BTreeMap<String, String> {
    let dir = root.join(TEMPLATE_DIR);
    WalkDir::new(&dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| {
            let text = std::fs::read(e.path()).unwrap_or_default();
            (
                key_of(&dir, e.path()),
                String::from_utf8_lossy(&text).into_owned(),
            )
        })
        .collect()
}

/// The static files as the site lists them: (path in the output, source path).
fn static_list(root: &Path, disk: &Disk) -> Vec<(String, PathBuf)> {
    let dir = root.join(STATIC_DIR);
    disk.statics
        .keys()
        .map(|rel| (rel.clone(), dir.join(rel)))
        .collect()
}

/// The keys that are `rel` or inside the folder `rel` (all of them for `""`).
fn keys_under<V>(map: &BTreeMap<String, V>, rel: &str) -> Vec<String> {
    if rel.is_empty() {
        return map.keys().cloned().collect();
    }
    // `0` follows `/`: the range holds exactly the keys that start with `rel/`.
    let inside = map.range(format!("{rel}/")..format!("{rel}0"));
    let exact = map.get_key_value(rel);
    exact
        .into_iter()
        .chain(inside)
        .map(|(k, _)| k.clone())
        .collect()
}

/// `path` relative to `dir`, `/`-separated.
fn key_of(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// A content key that is a page: Markdown, and nothing hidden on the way (`.draft.md`, an
/// editor's `.#page.md`, a `.git/` folder), as the load stage decides.
fn is_page_key(key: &str) -> bool {
    key.ends_with(".md") && !key.split('/').any(|part| part.starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn update_matches_full(site: &mut Incremental, root: &Path, touched: &[Touched]) -> Rebuilt {
        let rebuilt = site
            .update(touched)
            .expect("a change")
            .unwrap_or_else(|e| panic!("rebuild failed: {e:?}"));
        let mut fresh = Incremental::new(options(root));
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

    fn content(rel: &str) -> Touched {
        Touched::Content(rel.to_string())
    }

    fn changed(rebuilt: &Rebuilt) -> Vec<&str> {
        rebuilt.changed.iter().map(|(p, _)| p.as_str()).collect()
    }

    #[test]
    fn a_body_edit_renders_the_page_alone() {
        let dir = fixture("basic");
        let root = dir.path();
        let mut site = Incremental::new(options(root));
        site.full().unwrap();
        edit(root, "content/b.md", "\n## ", "\nA new paragraph.\n\n## ");
        let rebuilt = update_matches_full(&mut site, root, &[content("b.md")]);
        assert!(!rebuilt.full);
        assert_eq!(changed(&rebuilt), ["b/index.html"]);
        assert_eq!(rebuilt.rendered, 1);
    }

    #[test]
    fn an_unchanged_save_is_no_rebuild() {
        let dir = fixture("basic");
        let root = dir.path();
        let mut site = Incremental::new(options(root));
        site.full().unwrap();
        // Drafts are left out of the build, so they are read the first time they are touched.
        site.update(&[content("")]);
        let text = std::fs::read_to_string(root.join("content/a.md")).unwrap();
        write(root, "content/a.md", &text);
        assert!(site.update(&[content("a.md"), content("")]).is_none());
        assert!(
            site.update(&[Touched::Templates, Touched::Config])
                .is_none()
        );
    }

    #[test]
    fn mention_edits_rerender_the_term_pages_they_change() {
        let dir = fixture("glossary");
        let root = dir.path();
        let mut site = Incremental::new(options(root));
        site.full().unwrap();
        let page = "first.md";
        // A new mention of a term, then its removal, then a changed sentence around mentions.
        let text = std::fs::read_to_string(root.join("content").join(page)).unwrap();
        write(
            root,
            &format!("content/{page}"),
            &format!("{text}\n\nThe Kremlin said so. Luhansk too.\n"),
        );
        let rebuilt = update_matches_full(&mut site, root, &[content(page)]);
        assert!(!rebuilt.full);
        assert!(changed(&rebuilt).contains(&"glossary/luhansk/index.html"));
        assert!(!changed(&rebuilt).contains(&"glossary/donbas/index.html"));
        write(root, &format!("content/{page}"), &text);
        update_matches_full(&mut site, root, &[content(page)]);
        for term in ["donbas", "kremlin", "luhansk"] {
            let rel = format!("content/glossary/{term}.md");
            let text = std::fs::read_to_string(root.join(&rel)).unwrap();
            write(
                root,
                &rel,
                &format!("{text}\nSee also Donetsk and the Kremlin.\n"),
            );
            update_matches_full(&mut site, root, &[content(&format!("glossary/{term}.md"))]);
        }
    }

    #[test]
    fn citation_edits_rerender_the_source_pages_they_change() {
        let dir = fixture("sources");
        let root = dir.path();
        let mut site = Incremental::new(options(root));
        site.full().unwrap();
        // A new citation of the paper, a changed sentence around one of the wire, a removed one.
        edit(
            root,
            "content/story.md",
            "Nobody signed",
            "The paper agreed.[^paper] Nobody signed",
        );
        let rebuilt = update_matches_full(&mut site, root, &[content("story.md")]);
        assert!(!rebuilt.full);
        assert!(changed(&rebuilt).contains(&"sources/paper/index.html"));
        assert!(changed(&rebuilt).contains(&"sources/index.html"));
        edit(
            root,
            "content/story.md",
            "met for five hours",
            "met for about five hours",
        );
        let rebuilt = update_matches_full(&mut site, root, &[content("story.md")]);
        assert!(changed(&rebuilt).contains(&"sources/wire/index.html"));
        edit(root, "content/other.md", "[^Paper]", "");
        update_matches_full(&mut site, root, &[content("other.md")]);
        // A source's own front matter: every page citing it shows it.
        edit(
            root,
            "content/sources/wire.md",
            "The Wire Service",
            "The Wire",
        );
        let rebuilt = update_matches_full(&mut site, root, &[content("sources/wire.md")]);
        assert!(changed(&rebuilt).contains(&"story/index.html"));
    }

    #[test]
    fn only_edits_to_quotes_reparse_a_page_with_quotes() {
        let dir = fixture_with_bundled_theme("living");
        let root = dir.path();
        let mut site = Incremental::new(options(root));
        site.full().unwrap();
        // Prose around the quotes: the page alone, and a link to one of its updates from
        // another page still resolves (its id comes from the front matter, not the body).
        edit(
            root,
            "content/background.md",
            "Before the meeting",
            "See [it](meeting.md#update-2). Before the meeting",
        );
        update_matches_full(&mut site, root, &[content("background.md")]);
        edit(
            root,
            "content/meeting.md",
            "The envoys met in Moscow.",
            "The envoys met, in Moscow.",
        );
        let rebuilt = update_matches_full(&mut site, root, &[content("meeting.md")]);
        assert!(!rebuilt.full);
        // The words of a quote: everything, and the speaker's page shows the new words.
        edit(
            root,
            "content/meeting.md",
            "“It was useful.”",
            "“It was very useful.”",
        );
        let rebuilt = update_matches_full(&mut site, root, &[content("meeting.md")]);
        assert!(rebuilt.full);
        let term = String::from_utf8_lossy(site.file("glossary/yuri-ushakov/index.html").unwrap())
            .into_owned();
        assert!(term.contains("“It was very useful.”"));
        assert!(quotes_changed("> “a”\n>\n> — X\n", "> “b”\n>\n> — X\n"));
        assert!(!quotes_changed(
            "> plain quote\n",
            "> another plain quote\n"
        ));
    }

    #[test]
    fn events_updates_and_quotes_follow_edits() {
        let dir = fixture_with_bundled_theme("living");
        let root = dir.path();
        let mut site = Incremental::new(options(root));
        site.full().unwrap();
        let timeline = |site: &Incremental| {
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
        let rebuilt = update_matches_full(&mut site, root, &[content("background.md")]);
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
        update_matches_full(&mut site, root, &[content("background.md")]);
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
        update_matches_full(&mut site, root, &[content("background.md")]);
        let changes =
            String::from_utf8_lossy(site.file("changes/index.html").unwrap()).into_owned();
        assert!(changes.contains("Added a quote."));
    }

    #[test]
    fn front_matter_and_file_edits_match_a_full_build() {
        let dir = fixture("glossary");
        let root = dir.path();
        let mut site = Incremental::new(options(root));
        site.full().unwrap();
        // Front matter other pages show: a term's summary, a page's title.
        edit(
            root,
            "content/glossary/donbas.md",
            "summary = \"",
            "summary = \"Now: ",
        );
        let rebuilt = update_matches_full(&mut site, root, &[content("glossary/donbas.md")]);
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
        update_matches_full(&mut site, root, &[content("new")]);
        // Removed again, folder and all.
        std::fs::remove_dir_all(root.join("content/new")).unwrap();
        let rebuilt = update_matches_full(&mut site, root, &[content("new")]);
        assert!(rebuilt.removed.contains(&"new/page/index.html".to_string()));
        // `template` is the page's own business.
        edit(
            root,
            "content/first.md",
            "+++\n",
            "+++\ntemplate = \"page.html\"\n",
        );
        let rebuilt = update_matches_full(&mut site, root, &[content("first.md")]);
        assert!(!rebuilt.full);
    }

    #[test]
    fn template_edits_rerender_the_pages_that_use_them() {
        let dir = fixture("basic");
        let root = dir.path();
        let mut site = Incremental::new(options(root));
        site.full().unwrap();
        // Only term pages use term.html.
        edit(root, "templates/term.html", "<h1>", "<h1 class=\"term\">");
        let rebuilt = update_matches_full(&mut site, root, &[Touched::Templates]);
        let mut paths = changed(&rebuilt);
        paths.sort();
        assert_eq!(
            paths,
            ["glossary/donbas/index.html", "glossary/kremlin/index.html"]
        );
        // Everything extends base.html.
        edit(root, "templates/base.html", "<main>", "<main class=\"x\">");
        let rebuilt = update_matches_full(&mut site, root, &[Touched::Templates]);
        let html = site.files().filter(|(p, _)| p.ends_with(".html")).count();
        assert_eq!(rebuilt.changed.len(), html);
        // A new template can change the defaults: everything is rendered.
        write(root, "templates/extra.html", "{% extends \"base.html\" %}");
        update_matches_full(&mut site, root, &[Touched::Templates]);
    }

    #[test]
    fn a_failed_rebuild_keeps_the_last_good_build() {
        let dir = fixture("basic");
        let root = dir.path();
        let mut site = Incremental::new(options(root));
        site.full().unwrap();
        let before = site.file("a/index.html").unwrap().clone();
        edit(root, "content/a.md", "[C](sub/c.md)", "[C](sub/missing.md)");
        let errors = site.update(&[content("a.md")]).unwrap().unwrap_err();
        assert!(
            errors[0].location().starts_with("content/a.md:"),
            "{errors:?}"
        );
        assert_eq!(site.file("a/index.html"), Some(&before));
        // A broken template, too.
        edit(root, "templates/page.html", "{%", "{% if %}{%");
        assert!(site.update(&[Touched::Templates]).unwrap().is_err());
        assert_eq!(site.file("a/index.html"), Some(&before));
        // Both fixed: the result is a full build's.
        edit(root, "templates/page.html", "{% if %}{%", "{%");
        assert!(site.update(&[Touched::Templates]).unwrap().is_err());
        edit(root, "content/a.md", "[C](sub/missing.md)", "[C](sub/c.md)");
        update_matches_full(&mut site, root, &[content("a.md")]);
    }

    #[test]
    fn keys_under_a_folder() {
        let map: BTreeMap<String, ()> = ["a", "a-b/x.md", "a.md", "a/x.md", "a/y/z.md", "b.md"]
            .into_iter()
            .map(|k| (k.to_string(), ()))
            .collect();
        assert_eq!(keys_under(&map, "a"), ["a", "a/x.md", "a/y/z.md"]);
        assert_eq!(keys_under(&map, "a/y"), ["a/y/z.md"]);
        assert_eq!(keys_under(&map, "").len(), 6);
        assert!(keys_under(&map, "c").is_empty());
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
