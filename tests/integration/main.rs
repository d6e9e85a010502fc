//! Integration tests: the `lede` binary run over small fixture sites in `tests/fixtures/`.
//! Each test copies a fixture into a temporary folder, changes what it is about, and
//! checks the output files, the messages and the exit code.

mod architecture;
mod build;
mod check;
mod content;
mod deploy;
mod editors;
mod errors;
mod fuzz_regressions;
mod glossary;
mod hostile;
mod incremental;
mod init_external;
mod living;
mod properties;
mod publish;
mod reliability;
mod repo_site;
mod search;
mod serve;
mod sources;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A fixture site copied into a temporary folder.
pub struct TestSite {
    pub dir: tempfile::TempDir,
}

/// What one run of `lede` did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl TestSite {
    pub fn fixture(name: &str) -> TestSite {
        let dir = tempfile::tempdir().expect("temp dir");
        copy_tree(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(name),
            dir.path(),
        );
        TestSite { dir }
    }

    /// A fixture's content and site.toml with the templates and static files lede ships
    /// (this repository's), so the fixture tests the bundled theme without a copy of it.
    pub fn fixture_with_bundled_theme(name: &str) -> TestSite {
        let site = TestSite::fixture(name);
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        for dir in ["templates", "static"] {
            copy_tree(&repo.join(dir), &site.path(dir));
        }
        site
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    pub fn remove(&self, rel: &str) {
        fs::remove_file(self.path(rel)).unwrap();
    }

    /// Runs `lede --root <site> <args>`.
    pub fn lede(&self, args: &[&str]) -> Run {
        lede_in(self.root(), args)
    }

    /// `build` that must succeed.
    pub fn build_ok(&self, args: &[&str]) -> Run {
        let mut all = vec!["build"];
        all.extend_from_slice(args);
        let run = self.lede(&all);
        assert_eq!(run.code, 0, "build failed:\n{}", run.stderr);
        run
    }

    /// `build` that must fail with exit 1; returns stderr.
    pub fn build_err(&self, args: &[&str]) -> String {
        let mut all = vec!["build"];
        all.extend_from_slice(args);
        let run = self.lede(&all);
        assert_eq!(
            run.code, 1,
            "expected exit 1, got {}:\n{}{}",
            run.code, run.stdout, run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "panic:\n{}", run.stderr);
        run.stderr
    }
}

pub fn lede_in(root: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_lede"))
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .expect("run lede");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `dir` with its bytes, for comparing whole trees.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, fs::read(e.path()).unwrap())
        })
        .collect()
}

/// Every `href="..."` and `src="..."` value in an HTML text.
pub fn links(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attr in ["href=\"", "src=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap();
            found.push(rest[..end].replace("&amp;", "&"));
            rest = &rest[end..];
        }
    }
    found
}

/// Checks that every internal link of every page in `out` resolves to a file and anchor.
pub fn assert_internal_links_resolve(out: &Path, base_path: &str) {
    let files = tree(out);
    let mut checked = 0;
    for (rel, bytes) in files.iter().filter(|(p, _)| p.ends_with(".html")) {
        let html = String::from_utf8_lossy(bytes);
        let page_url = format!("{base_path}{}", rel.trim_end_matches("index.html"));
        for link in links(&html) {
            if link.starts_with("http") || link.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = link.split_once('#').unwrap_or((&link, ""));
            let path = if path.is_empty() {
                page_url.as_str()
            } else {
                path
            };
            let local = path
                .strip_prefix(base_path)
                .unwrap_or_else(|| panic!("{rel}: link {link} is outside {base_path}"));
            let file = if local.is_empty() || local.ends_with('/') {
                format!("{local}index.html")
            } else {
                local.to_string()
            };
            let target = files
                .get(&file)
                .unwrap_or_else(|| panic!("{rel}: link {link} → missing {file}"));
            if !anchor.is_empty() {
                let target_html = String::from_utf8_lossy(target);
                assert!(
                    target_html.contains(&format!("id=\"{anchor}\"")),
                    "{rel}: link {link}: no id {anchor} in {file}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "no internal links found in {}", out.display());
}
