//! The site's files as last read, kept up to date path by path for the engine
//! ([`crate::engine`]): a [`Change`] names what may have changed, [`Disk::refresh`] looks and
//! says what really did. A save that changes nothing changes nothing here.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;
use std::time::SystemTime;

use walkdir::WalkDir;

use super::{Source, StaticFile, decode, is_published_static};
use crate::diagnostics::Diagnostic;
use crate::layout::{CONFIG_FILE, CONTENT_DIR, Change, STATIC_DIR};

/// Size and modification time: enough to tell that a static file was saved.
type Stamp = (u64, Option<SystemTime>);

/// The site's files as last read from disk (they may be ahead of the last good build).
pub struct Disk {
    config: Option<Vec<u8>>,
    /// Decoded `.md` files by key (path under `content/`), drafts included.
    sources: BTreeMap<String, String>,
    /// Files that could not be read or decoded: the build fails while there are any.
    unreadable: BTreeMap<String, Diagnostic>,
    /// The templates' texts, or why they cannot be read.
    templates: Result<BTreeMap<String, String>, Vec<Diagnostic>>,
    statics: BTreeMap<String, Stamp>,
}

impl Default for Disk {
    fn default() -> Self {
        Disk {
            config: None,
            sources: BTreeMap::new(),
            unreadable: BTreeMap::new(),
            templates: Ok(BTreeMap::new()),
            statics: BTreeMap::new(),
        }
    }
}

/// What a [`Disk::refresh`] found.
#[derive(Debug, Default)]
pub struct Refreshed {
    /// Content keys whose file changed, appeared or went.
    pub content: BTreeSet<String>,
    pub templates: bool,
    pub config: bool,
    /// Files under `static/` that changed, appeared or went (relative to it).
    pub statics: Vec<String>,
    /// A symlink was met: where it may point is the full load's business, so read
    /// everything again.
    pub reread: bool,
}

impl Refreshed {
    /// Content, templates or `site.toml` changed, or everything must be read again. Static
    /// files are apart: a change to one alone rebuilds nothing unless the list of names
    /// changed (links to them are checked; see `Engine::pending`).
    pub fn any(&self) -> bool {
        !self.content.is_empty() || self.templates || self.config || self.reread
    }
}

impl Disk {
    /// Reads `site.toml`, the templates and the list of static files; the content is
    /// remembered from the full load with [`Disk::remember_sources`].
    pub fn read(root: &Path) -> Disk {
        let mut disk = Disk {
            config: std::fs::read(root.join(CONFIG_FILE)).ok(),
            templates: super::read_templates(root),
            ..Disk::default()
        };
        disk.refresh_static(root, "", &mut Refreshed::default());
        disk
    }

    /// What the full load read under `content/` (no source is unreadable then: it failed).
    pub fn remember_sources(&mut self, sources: &[Source]) {
        self.sources = sources
            .iter()
            .map(|s| (s.key.clone(), s.text.clone()))
            .collect();
        self.unreadable.clear();
    }

    /// Looks at what `change` names and records what really changed in `found`.
    pub fn refresh(&mut self, root: &Path, change: &Change, found: &mut Refreshed) {
        match change {
            Change::Content(rel) => self.refresh_content(root, rel, found),
            Change::Templates => {
                let templates = super::read_templates(root);
                found.templates |= templates != self.templates;
                self.templates = templates;
            }
            Change::Static(rel) => self.refresh_static(root, rel, found),
            Change::Config => {
                let config = std::fs::read(root.join(CONFIG_FILE)).ok();
                found.config |= config != self.config;
                self.config = config;
            }
            Change::All => found.reread = true,
        }
    }

    /// The text of a content file, if it was read.
    pub fn source(&self, key: &str) -> Option<&String> {
        self.sources.get(key)
    }

    /// Every content file read, as sources for the parse stage.
    pub fn sources(&self) -> Vec<Source> {
        self.sources
            .iter()
            .map(|(key, text)| Source {
                key: key.clone(),
                text: text.clone(),
            })
            .collect()
    }

    /// Why files cannot be read: the build waits until there is nothing here.
    pub fn unreadable(&self) -> Vec<Diagnostic> {
        self.unreadable.values().cloned().collect()
    }

    pub fn templates(&self) -> Result<&BTreeMap<String, String>, Vec<Diagnostic>> {
        self.templates.as_ref().map_err(Clone::clone)
    }

    /// The static files: (path in the output, source path).
    pub fn static_files(&self, root: &Path) -> Vec<StaticFile> {
        let dir = root.join(STATIC_DIR);
        self.statics
            .keys()
            .map(|rel| StaticFile {
                path: rel.clone(),
                source: dir.join(rel),
            })
            .collect()
    }

    /// The names of the static files, in order.
    pub fn static_names(&self) -> impl Iterator<Item = &String> {
        self.statics.keys()
    }

    /// Looks at `content/<rel>` (a file, a folder, or something gone).
    fn refresh_content(&mut self, root: &Path, rel: &str, found: &mut Refreshed) {
        let dir = root.join(CONTENT_DIR);
        let abs = inside(&dir, rel);
        let mut seen = HashSet::new();
        if std::fs::symlink_metadata(&abs).is_ok_and(|m| m.file_type().is_symlink()) {
            found.reread = true;
        }
        match std::fs::metadata(&abs) {
            Ok(meta) if meta.is_dir() => {
                // A new folder may already hold files written before it was watched.
                for entry in WalkDir::new(&abs).follow_links(true).into_iter().flatten() {
                    found.reread |= entry.path_is_symlink();
                    let key = key_of(&dir, entry.path());
                    if entry.file_type().is_file() && is_page_key(&key) {
                        self.read_source(&key, entry.path(), found);
                        seen.insert(key);
                    }
                }
            }
            Ok(meta) if meta.is_file() && is_page_key(rel) => {
                self.read_source(rel, &abs, found);
                seen.insert(rel.to_string());
            }
            _ => {}
        }
        let mut gone = keys_under(&self.sources, rel);
        gone.extend(keys_under(&self.unreadable, rel));
        gone.retain(|key| !seen.contains(key));
        for key in gone {
            self.sources.remove(&key);
            self.unreadable.remove(&key);
            found.content.insert(key);
        }
    }

    /// Reads one content file and records it if it differs from what was read before.
    fn read_source(&mut self, key: &str, abs: &Path, found: &mut Refreshed) {
        let path = Path::new(CONTENT_DIR).join(key);
        let read = std::fs::read(abs);
        if read
            .as_ref()
            .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
        {
            // Gone between the event and now: the caller treats it as removed.
            return;
        }
        let decoded = read
            .map_err(|e| {
                Diagnostic::error(&path, format!("cannot read: {e}"))
                    .with_help("check the file's permissions")
            })
            .and_then(|bytes| decode(&path, bytes));
        match decoded {
            Ok(text) => {
                if self.sources.get(key) == Some(&text) {
                    return;
                }
                self.unreadable.remove(key);
                self.sources.insert(key.to_string(), text);
            }
            Err(d) => {
                if self.unreadable.get(key) == Some(&d) {
                    return;
                }
                self.sources.remove(key);
                self.unreadable.insert(key.to_string(), d);
            }
        }
        found.content.insert(key.to_string());
    }

    /// Looks at `static/<rel>`.
    fn refresh_static(&mut self, root: &Path, rel: &str, found: &mut Refreshed) {
        let dir = root.join(STATIC_DIR);
        let abs = inside(&dir, rel);
        let mut seen = HashSet::new();
        if abs.exists() {
            for entry in WalkDir::new(&abs).follow_links(true).into_iter().flatten() {
                found.reread |= entry.path_is_symlink();
                let key = key_of(&dir, entry.path());
                if !entry.file_type().is_file() || !is_published_static(&key) {
                    continue;
                }
                let stamp = entry
                    .metadata()
                    .map(|m| (m.len(), m.modified().ok()))
                    .unwrap_or_default();
                if self.statics.get(&key) != Some(&stamp) {
                    self.statics.insert(key.clone(), stamp);
                    found.statics.push(key.clone());
                }
                seen.insert(key);
            }
        }
        let mut gone = keys_under(&self.statics, rel);
        gone.retain(|key| !seen.contains(key));
        for key in gone {
            self.statics.remove(&key);
            found.statics.push(key);
        }
    }
}

/// `dir/rel`, or `dir` itself for `""`.
fn inside(dir: &Path, rel: &str) -> std::path::PathBuf {
    if rel.is_empty() {
        dir.to_path_buf()
    } else {
        dir.join(rel)
    }
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
}
