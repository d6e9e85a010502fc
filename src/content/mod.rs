//! Load stage: walk `content/`, read every Markdown file, decode it, and parse its front
//! matter into a [`Page`]. The only place that reads content files; it never writes.
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
use walkdir::WalkDir;

use crate::config::Config;
use crate::diagnostics::{Diagnostic, Position};
pub use front_matter::{Date, FrontMatter};

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

    /// The file name without `.md`.
    pub fn stem(&self) -> &str {
        let name = self.key.rsplit('/').next().unwrap_or(&self.key);
        name.strip_suffix(".md").unwrap_or(name)
    }
}

pub const CONTENT_DIR: &str = "content";
pub const SECTION_FILE: &str = "_index.md";
pub const STATIC_DIR: &str = "static";

/// Files under `static/`, as (path in the output, source path), sorted. Hidden files are
/// left out except under `.well-known/` (editor and OS litter such as `.DS_Store` or
/// `._map.png` is never published).
pub fn static_files(root: &Path) -> Result<Vec<(String, PathBuf)>, Vec<Diagnostic>> {
    let dir = root.join(STATIC_DIR);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let (files, diagnostics) = files_inside(root, STATIC_DIR, is_public_hidden);
    let errors: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(files.into_iter().map(|(abs, rel)| (rel, abs)).collect())
}

/// The one hidden name published from `static/`: `.well-known/` (security.txt and the like).
pub fn is_public_hidden(name: &str) -> bool {
    name == ".well-known"
}

/// True for a path under `static/` (`/`-separated) that is published: nothing hidden on the
/// way except `.well-known/`.
pub fn is_published_static(rel: &str) -> bool {
    rel.split('/')
        .all(|part| !part.starts_with('.') || is_public_hidden(part))
}

/// Every file under `root/folder`, as (absolute path, path relative to the folder with `/`),
/// sorted. The one rule for what lede reads: hidden names are skipped (unless `keep_hidden`
/// says otherwise), and a symlink must resolve inside the same folder; one that does not is
/// an error and, if it is a folder, is not walked at all.
pub fn files_inside(
    root: &Path,
    folder: &str,
    keep_hidden: impl Fn(&str) -> bool,
) -> (Vec<(PathBuf, String)>, Vec<Diagnostic>) {
    let dir = root.join(folder);
    let dir_real = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    let mut walk = WalkDir::new(&dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walk.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                // A dangling hidden link (an editor's `.#page.md` lock) is litter, not an error.
                let hidden = e.path().and_then(Path::file_name).is_some_and(|n| {
                    let n = n.to_string_lossy();
                    n.starts_with('.') && !keep_hidden(&n)
                });
                if !hidden {
                    diagnostics.push(walk_error(root, &e));
                }
                continue;
            }
        };
        let abs = entry.path();
        let name = entry.file_name().to_string_lossy();
        let hidden = entry.depth() > 0 && name.starts_with('.') && !keep_hidden(&name);
        let outside = entry.path_is_symlink()
            && !std::fs::canonicalize(abs).is_ok_and(|target| target.starts_with(&dir_real));
        if outside && !hidden {
            let rel = abs.strip_prefix(root).unwrap_or(abs);
            let target = std::fs::read_link(abs).unwrap_or_default();
            diagnostics.push(
                Diagnostic::error(
                    rel,
                    format!(
                        "symlink points outside the site's {folder}/ folder: {}",
                        target.display()
                    ),
                )
                .with_help("copy the file into the site instead of linking to it"),
            );
        }
        if hidden || outside {
            if entry.file_type().is_dir() {
                walk.skip_current_dir();
            }
            continue;
        }
        if entry.file_type().is_file() {
            let rel = abs.strip_prefix(&dir).unwrap_or(abs);
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>();
            files.push((abs.to_path_buf(), rel.join("/")));
        }
    }
    (files, diagnostics)
}

/// A content file's text, read and decoded, before its front matter is parsed.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path relative to `content/`, `/`-separated.
    pub key: String,
    /// The decoded text (see [`decode`]).
    pub text: String,
}

/// Reads and decodes every `.md` file under `root/content`, sorted by key. Problems with
/// single files are collected; the files that could be read are returned with them.
pub fn read_sources(root: &Path) -> (Vec<Source>, Vec<Diagnostic>) {
    let (files, mut diagnostics) = find_files(root);
    let results: Vec<Result<Source, Diagnostic>> = files
        .par_iter()
        .map(|(abs, key)| read_source(abs, key))
        .collect();
    let mut sources = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(source) => sources.push(source),
            Err(d) => diagnostics.push(d),
        }
    }
    (sources, diagnostics)
}

/// Parses the front matter of every source into a page; drafts are left out unless asked for.
pub fn parse_sources(
    sources: Vec<Source>,
    config: &Config,
    drafts: bool,
) -> (Vec<Page>, Vec<Diagnostic>) {
    let results: Vec<Result<Page, Diagnostic>> = sources
        .into_par_iter()
        .map(|source| page_from_source(source, config))
        .collect();
    let mut pages = Vec::with_capacity(results.len());
    let mut diagnostics = Vec::new();
    for result in results {
        match result {
            Ok(page) if page.meta.draft && !drafts => {}
            Ok(page) => pages.push(page),
            Err(d) => diagnostics.push(d),
        }
    }
    pages.sort_by(|a, b| a.key.cmp(&b.key));
    (pages, diagnostics)
}

/// The Markdown files under `content/`, as (absolute path, key), sorted by key. Hidden
/// files and folders (`.draft.md`, an editor's `.#page.md` lock, macOS `._page.md`) are
/// never pages.
fn find_files(root: &Path) -> (Vec<(PathBuf, String)>, Vec<Diagnostic>) {
    if !root.join(CONTENT_DIR).is_dir() {
        let d = Diagnostic::error(CONTENT_DIR, "there is no content/ folder").with_help(
            "create content/_index.md for the home page (or pass --root to point at a site)",
        );
        return (Vec::new(), vec![d]);
    }
    let (all, mut diagnostics) = files_inside(root, CONTENT_DIR, |_| false);
    let mut files = Vec::new();
    for (abs, key) in all {
        if key.ends_with(".md") {
            files.push((abs, key));
        } else {
            let rel = Path::new(CONTENT_DIR).join(&key);
            diagnostics.push(
                Diagnostic::warning(rel, "not a Markdown file: ignored")
                    .with_help("put images, fonts and other files in static/"),
            );
        }
    }
    (files, diagnostics)
}

fn walk_error(root: &Path, e: &walkdir::Error) -> Diagnostic {
    let path = e
        .path()
        .map(|p| p.strip_prefix(root).unwrap_or(p).to_path_buf())
        .unwrap_or_default();
    if e.loop_ancestor().is_some() {
        return Diagnostic::error(path, "symlink loop")
            .with_help("remove the symlink that points to its own folder");
    }
    let reason = e
        .io_error()
        .map_or_else(|| e.to_string(), |io| io.to_string());
    Diagnostic::error(path, format!("cannot read: {reason}"))
        .with_help("check the file's permissions")
}

fn read_source(abs: &Path, key: &str) -> Result<Source, Diagnostic> {
    let path = Path::new(CONTENT_DIR).join(key);
    let bytes = std::fs::read(abs).map_err(|e| {
        Diagnostic::error(&path, format!("cannot read: {e}"))
            .with_help("check the file's permissions")
    })?;
    let text = decode(&path, bytes)?;
    Ok(Source {
        key: key.to_string(),
        text,
    })
}

/// Parses one source's front matter and decides what kind of page it is.
pub fn page_from_source(source: Source, config: &Config) -> Result<Page, Diagnostic> {
    let Source { key, text } = source;
    let path = Path::new(CONTENT_DIR).join(&key);
    let (meta, body_start) = front_matter::parse(&path, &text)?;
    let name = key.rsplit('/').next().unwrap_or(&key);
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
    if kind == PageKind::Term && meta.summary.as_deref().is_none_or(|s| s.trim().is_empty()) {
        return Err(Diagnostic::error(&path, "glossary term has no `summary`")
            .at(&text, 0, 3)
            .with_help(
                "add `summary = \"One sentence that defines the term.\"` to the front matter",
            ));
    }
    if kind != PageKind::Source {
        if let Some(key) = meta.source.keys_set().first() {
            let sources = &config.sources.dir;
            return Err(front_matter::located(
                &path,
                &text,
                key,
                format!("`{key}` is only for sources (files in content/{sources}/)"),
            )
            .with_help(format!(
                "move the file to content/{sources}/, or remove `{key}`"
            )));
        }
    }
    if kind == PageKind::Source {
        for (key, value) in [
            ("url", &meta.source.url),
            ("archive_url", &meta.source.archive_url),
        ] {
            let web = |u: &str| u.starts_with("https://") || u.starts_with("http://");
            if value.as_deref().is_some_and(|u| !web(u.trim())) {
                return Err(front_matter::located(
                    &path,
                    &text,
                    key,
                    format!("`{key}` must be an http(s) address"),
                )
                .with_help(format!(
                    "write it in full: `{key} = \"https://example.org/report\"`"
                )));
            }
        }
    }
    Ok(Page {
        kind,
        path,
        key,
        text,
        body_start,
        meta,
        site_path: String::new(),
        parent: None,
        redirects: Vec::new(),
    })
}

/// Bytes → text: UTF-8 only (a BOM is dropped), newlines normalised to `\n`.
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Diagnostic::error(path, "file is UTF-16, not UTF-8")
            .with_help("save the file as UTF-8 in your editor"));
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let bytes = e.as_bytes();
            let at = e.utf8_error().valid_up_to();
            let (valid, invalid) = bytes.split_at_checked(at).unwrap_or((bytes, &[]));
            let valid = String::from_utf8_lossy(valid);
            let pos = Position::of(&valid, valid.len());
            return Err(Diagnostic::error(
                path,
                format!(
                    "invalid UTF-8 at line {}, byte {} of the file (0x{:02X})",
                    pos.line,
                    at,
                    invalid.first().copied().unwrap_or_default()
                ),
            )
            .at_line_col(pos.line, pos.col)
            .with_help("save the file as UTF-8 in your editor"));
        }
    };
    if let Some(at) = text.find('\0') {
        return Err(
            Diagnostic::error(path, "file contains a NUL byte: is it binary?")
                .at(&text, at, 1)
                .with_help("remove the NUL byte, or move binary files to static/"),
        );
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    Ok(if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_string()
    })
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn decode_normalises_bom_and_newlines() {
        let p = Path::new("a.md");
        assert_eq!(
            decode(p, b"\xEF\xBB\xBFa\r\nb\rc".to_vec()).unwrap(),
            "a\nb\nc"
        );
    }

    #[test]
    fn decode_names_line_and_byte_of_bad_utf8() {
        let err = decode(Path::new("a.md"), b"ok\nline two \xFF".to_vec()).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("byte 12"), "{}", err.message);
        let err = decode(Path::new("a.md"), b"\xFF\xFEa\0".to_vec()).unwrap_err();
        assert!(err.message.contains("UTF-16"));
        let err = decode(Path::new("a.md"), b"a\0b".to_vec()).unwrap_err();
        assert!(err.message.contains("NUL"));
    }
}
