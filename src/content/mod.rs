//! Parse stage, part one: each content file's front matter into a [`Page`], and what kind
//! of page it is. Reads no file: [`crate::load`] hands it the decoded texts.
// Input from files reaches every line here: no panicking index, slice or unwrap (issue 13).
#![deny(
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unwrap_used,
    clippy::expect_used
)]

pub mod front_matter;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::layout::{CONTENT_DIR, SECTION_FILE};
pub use crate::load::Source;
pub use front_matter::{Date, FrontMatter};

crate::ids::index_by!(crate::ids::PageId, Page);

/// What a content file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PageKind {
    /// `_index.md`: the page of a folder, listing the pages in it.
    Section,
    /// Any other `.md` file.
    Page,
    /// A page in the glossary folder.
    Term,
    /// A page in the sources folder: one report, cited as `[^its-file-stem]`.
    Source,
}

/// One content file, loaded and with its front matter checked.
#[derive(Debug, Clone)]
pub struct Page {
    pub kind: PageKind,
    /// Path relative to the site root, for messages: `content/glossary/donbas.md`.
    pub path: PathBuf,
    /// Path relative to `content/`, `/`-separated: the key internal links resolve to.
    pub key: String,
    /// The whole file: BOM removed, line endings normalised to `\n`.
    pub text: String,
    /// Byte offset in `text` where the Markdown body starts.
    pub body_start: usize,
    pub meta: FrontMatter,
    /// The page's path in the site, without the base path: `glossary/donbas/` (`""` for home).
    /// Set by the link stage, which owns URLs.
    pub site_path: String,
    /// The section this page belongs to (index into the page list), if any.
    pub parent: Option<usize>,
    /// Output files of the redirect pages for the old URLs in `aliases` (`old/url/index.html`).
    /// Set by the link stage.
    pub redirects: Vec<String>,
}

impl Page {
    pub fn body(&self) -> &str {
        self.text.get(self.body_start..).unwrap_or("")
    }

    /// The folder of the source, relative to `content/` (`""` at the top).
    pub fn dir(&self) -> &str {
        self.key.rsplit_once('/').map_or("", |(dir, _)| dir)
    }

    /// The glossary's own page: the section page of `[glossary] dir`.
    pub fn is_glossary_index(&self, config: &Config) -> bool {
        self.kind == PageKind::Section && self.dir() == config.glossary.dir
    }

    /// The sources' own page: the section page of `[sources] dir`.
    pub fn is_sources_index(&self, config: &Config) -> bool {
        self.kind == PageKind::Section && self.dir() == config.sources.dir
    }

    /// The file name without `.md`.
    pub fn stem(&self) -> &str {
        let name = self.key.rsplit('/').next().unwrap_or(&self.key);
        name.strip_suffix(".md").unwrap_or(name)
    }
}

/// Parses the front matter of every source into a page; drafts are left out unless asked
/// for. A page whose front matter is broken is kept (see [`read_page`]) with its error.
pub fn parse_sources(
    sources: Vec<Source>,
    config: &Config,
    drafts: bool,
) -> (Vec<Page>, Vec<Diagnostic>) {
    let results: Vec<(Page, Option<Diagnostic>)> = sources
        .into_par_iter()
        .map(|source| read_page(source, config))
        .collect();
    let mut pages = Vec::with_capacity(results.len());
    let mut diagnostics = Vec::new();
    for (page, problem) in results {
        diagnostics.extend(problem);
        if !page.meta.draft || drafts {
            pages.push(page);
        }
    }
    pages.sort_by(|a, b| a.key.cmp(&b.key));
    (pages, diagnostics)
}

/// Parses one source's front matter and decides what kind of page it is.
pub fn page_from_source(source: Source, config: &Config) -> Result<Page, Diagnostic> {
    match read_page(source, config) {
        (page, None) => Ok(page),
        (_, Some(problem)) => Err(problem),
    }
}

/// Like [`page_from_source`], but a page whose front matter is broken is still made, with
/// its file name as its title and the text after the front matter as its body, so that the
/// later stages can check it and the links to it: one `lede check` run finds everything.
pub fn read_page(source: Source, config: &Config) -> (Page, Option<Diagnostic>) {
    let Source { key, text } = source;
    let path = Path::new(CONTENT_DIR).join(&key);
    let name = key.rsplit('/').next().unwrap_or(&key);
    let (meta, body_start, mut problem) = match front_matter::parse(&path, &text) {
        Ok((meta, body_start)) => (meta, body_start, None),
        Err(problem) => {
            let meta = FrontMatter {
                title: name.strip_suffix(".md").unwrap_or(name).to_string(),
                ..FrontMatter::default()
            };
            (meta, front_matter::body_start(&text), Some(problem))
        }
    };
    let in_folder = |dir: &str| key.strip_prefix(dir).is_some_and(|r| r.starts_with('/'));
    let kind = if name == SECTION_FILE {
        PageKind::Section
    } else if in_folder(&config.glossary.dir) {
        PageKind::Term
    } else if in_folder(&config.sources.dir) {
        PageKind::Source
    } else {
        PageKind::Page
    };
    if problem.is_none() {
        problem = source_keys_problem(&path, &text, kind, &meta, config);
    }
    let page = Page {
        kind,
        path,
        key,
        text,
        body_start,
        meta,
        site_path: String::new(),
        parent: None,
        redirects: Vec::new(),
    };
    (page, problem)
}

/// The source-only keys (`publisher`, `url`...) on a page that is not a source, or a
/// source's address that is not http(s).
fn source_keys_problem(
    path: &Path,
    text: &str,
    kind: PageKind,
    meta: &FrontMatter,
    config: &Config,
) -> Option<Diagnostic> {
    let sources = &config.sources.dir;
    if kind != PageKind::Source {
        let key = meta.source.keys_set().first().copied()?;
        let message = format!("`{key}` is only for sources (files in content/{sources}/)");
        let help = format!("move the file to content/{sources}/, or remove `{key}`");
        return Some(front_matter::located(path, text, key, message).with_help(help));
    }
    let web = |u: &str| u.starts_with("https://") || u.starts_with("http://");
    let (key, _) = [
        ("url", &meta.source.url),
        ("archive_url", &meta.source.archive_url),
    ]
    .into_iter()
    .find(|(_, value)| value.as_deref().is_some_and(|u| !web(u.trim())))?;
    let message = format!("`{key}` must be an http(s) address");
    let help = format!("write it in full: `{key} = \"https://example.org/report\"`");
    Some(front_matter::located(path, text, key, message).with_help(help))
}
