//! Write stage: put the rendered files and `static/` into the output folder, atomically.
//!
//! Files are written into a staging folder beside the output (`.public.lede-staging`),
//! which is then swapped with the output in one rename: a failed or killed build never
//! leaves a half-written site. The previous output becomes the next staging folder, so no
//! build waits for a large tree to be deleted. Refuses, before touching anything, an
//! output folder that could hold the user's own files.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::diagnostics::Diagnostic;
use crate::render::OutputFile;

/// The file that marks a folder as lede's output, safe to replace.
pub const MARKER: &str = ".lede-output";
use crate::content::STATIC_DIR;
const MARKER_TEXT: &str =
    "This folder is written by `lede build`; its contents are replaced on every build.\n";

/// Checks that `output` may be replaced by a build of the site at `root`.
pub fn check_output_dir(root: &Path, output: &Path) -> Result<(), Diagnostic> {
    let shown = output.display().to_string();
    let refuse = |why: &str| {
        Diagnostic::error(
            "",
            format!("refusing to write the site to `{shown}`: {why}"),
        )
        .with_help("choose an empty folder or one lede created, e.g. `--output-dir public`")
    };
    if fs::symlink_metadata(output).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(refuse("it is a symlink"));
    }
    let root = fs::canonicalize(root)
        .map_err(|e| refuse(&format!("cannot resolve the site root: {e}")))?;
    let output = absolute(output).map_err(|e| refuse(&e.to_string()))?;
    if output.parent().is_none() {
        return Err(refuse("it is the file-system root"));
    }
    if std::env::var_os("HOME")
        .is_some_and(|home| fs::canonicalize(home).is_ok_and(|h| h == output))
    {
        return Err(refuse("it is your home folder"));
    }
    if root.starts_with(&output) {
        return Err(refuse("it contains the site itself"));
    }
    for source in [
        crate::content::CONTENT_DIR,
        crate::render::TEMPLATE_DIR,
        STATIC_DIR,
    ] {
        if output.starts_with(root.join(source)) {
            return Err(refuse(&format!("it is inside the site's {source}/ folder")));
        }
    }
    match fs::read_dir(&output) {
        Ok(mut entries) => {
            if entries.next().is_some() && !output.join(MARKER).is_file() {
                return Err(refuse(&format!(
                    "it is not empty and was not created by lede (no {MARKER} file)"
                )));
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) if e.kind() == io::ErrorKind::NotADirectory => return Err(refuse("it is a file")),
        Err(e) => return Err(refuse(&e.to_string())),
    }
    Ok(())
}

/// `path` made absolute with symlinks resolved, also when its last parts do not exist yet.
fn absolute(path: &Path) -> io::Result<PathBuf> {
    let path = std::path::absolute(path)?;
    let mut existing = path.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = fs::canonicalize(existing) {
            let mut result = real;
            result.extend(rest.iter().rev());
            return Ok(result);
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return Ok(path),
        }
    }
}

/// A build being written: files go into the staging folder as they are rendered (so no
/// build holds the whole site in memory), and [`Staging::finish`] swaps it in.
pub struct Staging {
    dir: PathBuf,
    output: PathBuf,
    /// Every file written so far, as its path from the output root.
    written: Mutex<HashSet<String>>,
}

impl Staging {
    /// Checks that `output` may be replaced, and prepares its staging folder (a leftover of an
    /// earlier or interrupted build is reused: only what changed gets written).
    pub fn open(root: &Path, output: &Path) -> Result<Staging, Vec<Diagnostic>> {
        check_output_dir(root, output).map_err(|d| vec![d])?;
        let dir = staging_dir(output);
        prepare_staging(&dir).map_err(|e| vec![io_error("prepare", &dir, e)])?;
        fs::write(dir.join(MARKER), MARKER_TEXT).map_err(|e| vec![io_error("write", &dir, e)])?;
        Ok(Staging {
            dir,
            output: output.to_path_buf(),
            written: Mutex::new(HashSet::from([MARKER.to_string()])),
        })
    }

    /// Writes one file of the site (skipped when the staging folder already holds its bytes).
    pub fn write(&self, file: &OutputFile) -> Result<(), Diagnostic> {
        let to = self.dir.join(&file.path);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(|e| io_error("create", parent, e))?;
        }
        write_if_changed(&to, &file.contents).map_err(|e| io_error("write", &to, e))?;
        if let Ok(mut written) = self.written.lock() {
            written.insert(file.path.clone());
        }
        Ok(())
    }

    /// Copies the static files, removes what earlier builds left that this one did not
    /// write, and swaps the staging folder in as the output. `statics` are (path in the
    /// output, source path).
    pub fn finish(self, statics: &[(String, PathBuf)]) -> Result<(), Vec<Diagnostic>> {
        let mut wanted = self.written.into_inner().unwrap_or_default();
        for (rel, _) in statics {
            if !wanted.insert(rel.clone()) {
                let d = Diagnostic::error(
                    Path::new(STATIC_DIR).join(rel),
                    format!("static file `{rel}` has the same path as a page"),
                )
                .with_help("rename the static file or the page");
                return Err(vec![d]);
            }
        }
        statics.par_iter().try_for_each(|(rel, from)| {
            let to = self.dir.join(rel);
            let created = to.parent().map_or(Ok(()), fs::create_dir_all);
            created
                .and_then(|()| copy_if_changed(from, &to))
                .map_err(|e| vec![io_error("copy", from, e)])
        })?;
        remove_stale(&self.dir, &wanted).map_err(|e| vec![io_error("clean", &self.dir, e)])?;
        swap(&self.dir, &self.output).map_err(|e| vec![io_error("replace", &self.output, e)])
    }
}

fn io_error(what: &str, path: &Path, e: io::Error) -> Diagnostic {
    Diagnostic::error("", format!("cannot {what} {}: {e}", path.display()))
        .with_help("check that the output folder's parent is writable and the disk is not full")
}

/// Copies a static file unless the staging folder already has the same bytes.
fn copy_if_changed(from: &Path, to: &Path) -> io::Result<()> {
    let same_size =
        fs::metadata(from)?.len() == fs::metadata(to).map(|m| m.len()).unwrap_or(u64::MAX);
    if same_size && fs::read(from)? == fs::read(to)? {
        return Ok(());
    }
    fs::copy(from, to).map(drop)
}

/// `.public.lede-staging` beside `public`.
pub fn staging_dir(output: &Path) -> PathBuf {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    output.with_file_name(format!(".{name}.lede-staging"))
}

/// Makes sure the staging folder exists and is ours (a leftover of an earlier build is reused).
fn prepare_staging(staging: &Path) -> io::Result<()> {
    match fs::symlink_metadata(staging) {
        Ok(meta)
            if meta.is_dir()
                && (staging.join(MARKER).is_file() || fs::read_dir(staging)?.next().is_none()) =>
        {
            Ok(())
        }
        Ok(_) => Err(io::Error::other(format!(
            "{} exists and was not created by lede; move it away",
            staging.display()
        ))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => fs::create_dir_all(staging),
        Err(e) => Err(e),
    }
}

/// Deletes what an earlier build left in staging that this build does not write.
fn remove_stale(staging: &Path, wanted: &HashSet<String>) -> io::Result<()> {
    let mut dirs = Vec::new();
    for entry in WalkDir::new(staging).min_depth(1) {
        let entry = entry.map_err(io::Error::other)?;
        let rel = entry.path().strip_prefix(staging).unwrap_or(entry.path());
        let rel = rel.to_string_lossy().replace('\\', "/");
        if entry.file_type().is_dir() {
            dirs.push(entry.path().to_path_buf());
        } else if !wanted.contains(rel.as_str()) {
            fs::remove_file(entry.path())?;
        }
    }
    for dir in dirs.iter().rev() {
        // Only empty folders go; a non-empty one still holds wanted files.
        let _ = fs::remove_dir(dir);
    }
    Ok(())
}

/// Skips the write when the file already holds these bytes (the usual case when the staging
/// folder holds the build before last).
fn write_if_changed(path: &Path, contents: &[u8]) -> io::Result<()> {
    if fs::metadata(path).is_ok_and(|m| m.len() == contents.len() as u64)
        && fs::read(path)? == contents
    {
        return Ok(());
    }
    fs::write(path, contents)
}

/// Swaps the finished staging folder in as the output; the old output becomes staging.
fn swap(staging: &Path, output: &Path) -> io::Result<()> {
    if fs::symlink_metadata(output).is_err() {
        return fs::rename(staging, output);
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        if renameat_with(CWD, staging, CWD, output, RenameFlags::EXCHANGE).is_ok() {
            return Ok(());
        }
    }
    // No atomic exchange here: two renames, and the old output is never deleted first.
    let old = output.with_file_name(format!(
        ".{}.lede-old",
        output
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    fs::rename(output, &old)?;
    if let Err(e) = fs::rename(staging, output) {
        fs::rename(&old, output)?;
        return Err(e);
    }
    fs::rename(&old, staging)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_sits_beside_the_output() {
        assert_eq!(
            staging_dir(Path::new("/a/public")),
            PathBuf::from("/a/.public.lede-staging")
        );
    }
}
