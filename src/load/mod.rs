//! Load stage: the only reader of the site's files. `site.toml`, the Markdown under
//! `content/`, the templates and the list of `static/` files are read and decoded here and
//! handed on as text; no later stage touches the file system (output writes, serve's HTTP
//! layer streams `static/`). [`disk::Disk`] keeps what was read up to date for `serve`.
// Input from files reaches every line here: no panicking index, slice or unwrap (issue 13).
#![deny(
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unwrap_used,
    clippy::expect_used
)]

pub mod disk;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::config::Config;
use crate::diagnostics::{Diagnostic, Position};
use crate::layout::{CONFIG_FILE, CONTENT_DIR, STATIC_DIR, TEMPLATE_DIR};

/// A file under `static/`, copied to the output as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticFile {
    /// Its path in the output (and under `static/`), `/`-separated: `images/map.png`.
    pub path: String,
    /// Where it is read from.
    pub source: PathBuf,
}

/// Files under `static/`, sorted by path. Hidden files are left out except under
/// `.well-known/` (editor and OS litter such as `.DS_Store` or `._map.png` is never
/// published).
pub fn static_files(root: &Path) -> Result<Vec<StaticFile>, Vec<Diagnostic>> {
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
    Ok(files
        .into_iter()
        .map(|(source, path)| StaticFile { path, source })
        .collect())
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

/// What the later stages start from: everything under the site's root, read and decoded.
pub struct Inputs {
    pub root: PathBuf,
    pub config: Config,
    /// Every Markdown file under `content/`, drafts included, sorted by key.
    pub sources: Vec<Source>,
    /// The files under `static/` as (path in the output, source path), when they could be
    /// listed: links to them are then checked.
    pub static_files: Option<Vec<StaticFile>>,
    /// Files that could not be read, and other problems found while reading.
    pub problems: Vec<Diagnostic>,
}

impl Inputs {
    /// Inputs that never came from a disk (tests, benchmarks, the fuzzer): no static files
    /// (links to files are then not checked), nothing found wrong yet.
    pub fn in_memory(root: PathBuf, config: Config, sources: Vec<Source>) -> Inputs {
        Inputs {
            root,
            config,
            sources,
            static_files: None,
            problems: Vec::new(),
        }
    }
}

/// Reads the site at `root`. `Err` only when `site.toml` cannot be read or is invalid:
/// nothing else can be made sense of without it.
pub fn read_inputs(root: &Path, base_url: Option<&str>) -> Result<Inputs, Vec<Diagnostic>> {
    let config = read_config(root, base_url)?;
    let (sources, mut problems) = read_sources(root);
    let static_files = match static_files(root) {
        Ok(files) => Some(files),
        Err(errors) => {
            problems.extend(errors);
            None
        }
    };
    Ok(Inputs {
        root: root.to_path_buf(),
        config,
        sources,
        static_files,
        problems,
    })
}

/// Whether the site still has its `content/` folder (a preview keeps its last good build
/// while it is gone).
pub fn has_content_dir(root: &Path) -> bool {
    root.join(CONTENT_DIR).is_dir()
}

/// Reads and checks `site.toml`, with `lede build --base-url`'s override.
pub fn read_config(root: &Path, base_url: Option<&str>) -> Result<Config, Vec<Diagnostic>> {
    let path = root.join(CONFIG_FILE);
    let bytes = std::fs::read(&path).map_err(|e| {
        vec![
            Diagnostic::error(CONFIG_FILE, format!("cannot read {}: {e}", path.display()))
                .with_help("run lede in the folder that holds site.toml, or pass --root DIR"),
        ]
    })?;
    let text = decode(Path::new(CONFIG_FILE), bytes).map_err(|d| vec![d])?;
    let mut config = Config::parse(&text).map_err(|d| vec![d])?;
    if let Some(url) = base_url {
        config
            .set_base_url(url)
            .map_err(|why| vec![Diagnostic::error("", format!("--base-url: {why}"))])?;
    }
    Ok(config)
}

/// The texts of every template under `templates/`, by name (`partials/nav.html`); what is
/// compiled is exactly what was read.
pub fn read_templates(root: &Path) -> Result<BTreeMap<String, String>, Vec<Diagnostic>> {
    if !root.join(TEMPLATE_DIR).is_dir() {
        return Err(vec![
            Diagnostic::error(TEMPLATE_DIR, "there is no templates/ folder").with_help(
                "create a templates/ folder with base.html, index.html, section.html and page.html",
            ),
        ]);
    }
    let (found, mut problems) = files_inside(root, TEMPLATE_DIR, |_| false);
    let mut texts = BTreeMap::new();
    for (abs, name) in found {
        let path = Path::new(TEMPLATE_DIR).join(&name);
        let read = std::fs::read(&abs)
            .map_err(|e| {
                Diagnostic::error(&path, format!("cannot read: {e}"))
                    .with_help("check the file's permissions")
            })
            // Kept byte for byte (newlines too): a template's text is the page's.
            .and_then(|bytes| String::from_utf8(bytes).or_else(|e| decode(&path, e.into_bytes())));
        match read {
            Ok(text) => {
                texts.insert(name, text);
            }
            Err(d) => problems.push(d),
        }
    }
    if problems.is_empty() {
        Ok(texts)
    } else {
        Err(problems)
    }
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
