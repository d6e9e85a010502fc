//! What a deploy will do, decided before anything is sent: which files to upload in which
//! stage, what to delete, and the manifest to write. Pure: no I/O.
//!
//! The order keeps the live site whole while objects change one by one: assets first (so a
//! page never loads without its CSS or images), then new pages (nothing links to them yet),
//! then changed pages (which may link to the new ones), then the entrances (home page,
//! feeds, sitemap, robots.txt), then the manifest, and deletions last (nothing links to the
//! deleted objects any more).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::local::LocalFile;

/// The object, under the target's prefix, where lede records what it uploaded.
pub const MANIFEST: &str = ".lede-manifest.json";

/// What the manifest records for one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// BLAKE3 of the bytes, in hex.
    pub blake3: String,
    pub size: u64,
    pub content_type: String,
    pub cache_control: String,
}

/// `.lede-manifest.json`: every object lede has put under the prefix, by key. Headers are
/// part of the entry, so a changed header rule re-uploads the files it covers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    pub files: BTreeMap<String, Entry>,
}

impl Manifest {
    pub fn parse(bytes: &[u8]) -> Result<Manifest, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a manifest is plain data")
    }
}

/// The upload stages, in the order they run; each waits for the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// CSS, scripts, images, fonts, the search index: anything that is not a page.
    Assets,
    /// Pages not on the target yet.
    NewPages,
    /// Pages that changed.
    ChangedPages,
    /// The home page, feeds, the sitemap and robots.txt: where readers and crawlers come in.
    Entrances,
}

impl Stage {
    pub fn label(self) -> &'static str {
        match self {
            Stage::Assets => "assets",
            Stage::NewPages => "new pages",
            Stage::ChangedPages => "changed pages",
            Stage::Entrances => "home page, feeds and sitemap",
        }
    }

    fn of(path: &str, new: bool) -> Stage {
        let page = path.ends_with(".html") || path.ends_with(".htm");
        if path == crate::urls::page_file("")
            || path == crate::urls::ROBOTS_FILE
            || path.ends_with(".xml")
        {
            Stage::Entrances
        } else if !page {
            Stage::Assets
        } else if new {
            Stage::NewPages
        } else {
            Stage::ChangedPages
        }
    }
}

/// Which objects no longer in the output are deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Deletions {
    /// Those lede uploaded before (listed in the manifest); other objects are left alone.
    #[default]
    Published,
    /// Every object under the prefix (`--delete`): the target mirrors the output.
    All,
    /// None (`--keep`); the manifest keeps listing them, so a later deploy deletes them.
    Keep,
}

/// One file to upload.
#[derive(Debug, Clone)]
pub struct Upload {
    pub path: String,
    pub entry: Entry,
    /// Not on the target yet (as far as the manifest knows).
    pub new: bool,
}

/// Everything a deploy will do, in order.
#[derive(Debug, Default)]
pub struct Plan {
    /// Non-empty stages in the order they run.
    pub stages: Vec<(Stage, Vec<Upload>)>,
    /// Written after the uploads, when it differs from the old one: every object lede put
    /// under the prefix, including those still to delete (so a rerun finishes deleting).
    pub manifest: Option<Manifest>,
    /// Keys to delete, pages before assets, after the manifest is written.
    pub deletions: Vec<String>,
    /// Written after the deletions: the manifest without them.
    pub final_manifest: Option<Manifest>,
    /// Files whose object is already up to date.
    pub unchanged: usize,
}

impl Plan {
    pub fn uploads(&self) -> impl Iterator<Item = &Upload> {
        self.stages.iter().flat_map(|(_, uploads)| uploads)
    }

    pub fn upload_bytes(&self) -> u64 {
        self.uploads().map(|u| u.entry.size).sum()
    }
}

/// Decides the deploy. `listed` is every key under the prefix, needed for `Deletions::All`.
pub fn plan(
    local: &[LocalFile],
    old: &Manifest,
    listed: &[String],
    force: bool,
    deletions: Deletions,
) -> Plan {
    let mut stages: BTreeMap<Stage, Vec<Upload>> = BTreeMap::new();
    let mut unchanged = 0;
    for file in local {
        let before = old.files.get(&file.path);
        if !force && before == Some(&file.entry) {
            unchanged += 1;
            continue;
        }
        let new = before.is_none();
        stages
            .entry(Stage::of(&file.path, new))
            .or_default()
            .push(Upload {
                path: file.path.clone(),
                entry: file.entry.clone(),
                new,
            });
    }
    let mut manifest = Manifest {
        version: 1,
        files: local
            .iter()
            .map(|f| (f.path.clone(), f.entry.clone()))
            .collect(),
    };
    let gone: Vec<String> = old
        .files
        .keys()
        .filter(|path| !manifest.files.contains_key(*path))
        .cloned()
        .collect();
    for path in &gone {
        manifest.files.insert(path.clone(), old.files[path].clone());
    }
    let deletions = to_delete(gone, listed, &manifest, local, deletions);
    let mut final_manifest = manifest.clone();
    final_manifest
        .files
        .retain(|path, _| !deletions.contains(path));
    Plan {
        stages: stages.into_iter().collect(),
        manifest: (manifest != *old).then_some(manifest),
        final_manifest: (!deletions.is_empty()).then_some(final_manifest),
        deletions,
        unchanged,
    }
}

/// The keys to delete, pages first (nothing links to them once the pages are updated).
fn to_delete(
    gone: Vec<String>,
    listed: &[String],
    manifest: &Manifest,
    local: &[LocalFile],
    deletions: Deletions,
) -> Vec<String> {
    let keys: BTreeSet<String> = match deletions {
        Deletions::Keep => return Vec::new(),
        Deletions::Published => gone.into_iter().collect(),
        Deletions::All => {
            let in_output: BTreeSet<&str> = local.iter().map(|f| f.path.as_str()).collect();
            let unknown = listed
                .iter()
                .filter(|k| !in_output.contains(k.as_str()) && k.as_str() != MANIFEST)
                .filter(|k| !manifest.files.contains_key(*k))
                .cloned();
            gone.into_iter().chain(unknown).collect()
        }
    };
    let mut keys: Vec<String> = keys.into_iter().collect();
    keys.sort_by_key(|k| (std::cmp::Reverse(Stage::of(k, false)), k.clone()));
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, hash: &str) -> LocalFile {
        LocalFile {
            path: path.into(),
            entry: Entry {
                blake3: hash.into(),
                size: 10,
                content_type: "text/html".into(),
                cache_control: "x".into(),
            },
        }
    }

    fn manifest(files: &[LocalFile]) -> Manifest {
        plan(
            files,
            &Manifest::default(),
            &[],
            false,
            Deletions::Published,
        )
        .manifest
        .unwrap()
    }

    fn stage_paths(plan: &Plan) -> Vec<(Stage, Vec<&str>)> {
        plan.stages
            .iter()
            .map(|(s, u)| (*s, u.iter().map(|u| u.path.as_str()).collect()))
            .collect()
    }

    #[test]
    fn first_deploy_uploads_everything_in_stage_order() {
        let local = [
            file("a/index.html", "1"),
            file("atom.xml", "2"),
            file("index.html", "3"),
            file("style.css", "4"),
        ];
        let p = plan(
            &local,
            &Manifest::default(),
            &[],
            false,
            Deletions::Published,
        );
        assert_eq!(
            stage_paths(&p),
            [
                (Stage::Assets, vec!["style.css"]),
                (Stage::NewPages, vec!["a/index.html"]),
                (Stage::Entrances, vec!["atom.xml", "index.html"]),
            ]
        );
        assert_eq!(p.manifest.unwrap().files.len(), 4);
        assert!(p.deletions.is_empty() && p.final_manifest.is_none());
    }

    #[test]
    fn unchanged_files_are_skipped_and_force_uploads_them() {
        let local = [file("a/index.html", "1"), file("b/index.html", "2")];
        let old = manifest(&local);
        let p = plan(&local, &old, &[], false, Deletions::Published);
        assert_eq!((p.uploads().count(), p.unchanged), (0, 2));
        assert!(p.manifest.is_none(), "nothing to record");
        let p = plan(&local, &old, &[], true, Deletions::Published);
        assert_eq!(stage_paths(&p)[0].0, Stage::ChangedPages);
        assert_eq!(p.uploads().count(), 2);
    }

    #[test]
    fn changed_pages_follow_new_pages_and_removed_ones_are_deleted_last() {
        let old = manifest(&[file("a/index.html", "1"), file("gone/index.html", "2")]);
        let local = [file("a/index.html", "changed"), file("new/index.html", "3")];
        let p = plan(&local, &old, &[], false, Deletions::Published);
        assert_eq!(
            stage_paths(&p),
            [
                (Stage::NewPages, vec!["new/index.html"]),
                (Stage::ChangedPages, vec!["a/index.html"]),
            ]
        );
        assert_eq!(p.deletions, ["gone/index.html"]);
        let m = p.manifest.unwrap();
        assert!(
            m.files.contains_key("gone/index.html"),
            "until it is deleted"
        );
        assert!(
            !p.final_manifest
                .unwrap()
                .files
                .contains_key("gone/index.html")
        );
    }

    #[test]
    fn deletion_modes() {
        let old = manifest(&[file("gone.css", "1"), file("gone/index.html", "2")]);
        let listed = ["foreign.txt".to_string(), MANIFEST.to_string()];
        let local = [file("a/index.html", "1")];
        let published = plan(&local, &old, &listed, false, Deletions::Published);
        assert_eq!(published.deletions, ["gone/index.html", "gone.css"]);
        let all = plan(&local, &old, &listed, false, Deletions::All);
        assert_eq!(
            all.deletions,
            ["gone/index.html", "foreign.txt", "gone.css"]
        );
        let keep = plan(&local, &old, &listed, false, Deletions::Keep);
        assert!(keep.deletions.is_empty());
        assert!(keep.manifest.unwrap().files.contains_key("gone.css"));
    }

    #[test]
    fn a_changed_header_is_a_change() {
        let local = [file("a/index.html", "1")];
        let old = manifest(&local);
        let mut edited = local.clone();
        edited[0].entry.cache_control = "no-cache".into();
        assert_eq!(
            plan(&edited, &old, &[], false, Deletions::Published)
                .uploads()
                .count(),
            1
        );
    }
}
