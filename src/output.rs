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
use crate::load::StaticFile;
use crate::urls;

/// The file that marks a folder as lede's output, safe to replace.
pub const MARKER: &str = ".lede-output";
use crate::layout::STATIC_DIR;
const MARKER_TEXT: &str =
    "This folder is written by `lede build`; its contents are replaced on every build.\n";

/// A file of the built site: its path from the output root and its bytes.
pub struct OutputFile {
    pub path: String,
    pub contents: Vec<u8>,
}

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
        crate::layout::CONTENT_DIR,
        crate::layout::TEMPLATE_DIR,
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
///
/// Every write goes through the staging folder's own handle, one path component at a time,
/// never following a symlink (`openat` with `O_NOFOLLOW`): a link planted in the staging
/// folder is replaced, never written through.
pub struct Staging {
    dir: PathBuf,
    handle: safe::Dir,
    output: PathBuf,
    /// Held until the new output is in place: a second build of the same output fails.
    _lock: OutputLock,
    /// Every file written so far, as its path from the output root.
    written: Mutex<HashSet<String>>,
    /// The folder was empty when the build began: nothing in it can be stale.
    fresh: bool,
}

impl Staging {
    /// Checks that `output` may be replaced, takes its lock, and prepares its staging folder
    /// (a leftover of an earlier or interrupted build is reused: only what changed gets written).
    pub fn open(root: &Path, output: &Path) -> Result<Staging, Vec<Diagnostic>> {
        check_output_dir(root, output).map_err(|d| vec![d])?;
        let lock = OutputLock::acquire(output).map_err(|d| vec![d])?;
        let dir = staging_dir(output);
        let (handle, fresh) = prepare_staging(&dir).map_err(|e| {
            vec![
                Diagnostic::error("", format!("cannot use the staging folder: {e}")).with_help(
                    "lede writes a build beside the output and swaps it in; \
                     remove the staging folder if lede did not create it",
                ),
            ]
        })?;
        handle
            .write_if_changed(MARKER, MARKER_TEXT.as_bytes())
            .map_err(|e| vec![io_error("write", &dir, e)])?;
        Ok(Staging {
            dir,
            handle,
            output: output.to_path_buf(),
            _lock: lock,
            written: Mutex::new(HashSet::from([MARKER.to_string()])),
            fresh,
        })
    }

    /// Writes one file of the site (skipped when the staging folder already holds its bytes).
    pub fn write(&self, file: &OutputFile) -> Result<(), Diagnostic> {
        self.handle
            .write_if_changed(&file.path, &file.contents)
            .map_err(|e| io_error("write", &self.dir.join(&file.path), e))?;
        if let Ok(mut written) = self.written.lock() {
            written.insert(file.path.clone());
        }
        Ok(())
    }

    /// Copies the static files, removes what earlier builds left that this one did not
    /// write, and swaps the staging folder in as the output. `statics` are (path in the
    /// output, source path).
    pub fn finish(self, statics: &[StaticFile]) -> Result<(), Vec<Diagnostic>> {
        // A static file at a page's path is refused by the link stage
        // (`site::check_static_collisions`), before anything is written.
        let mut wanted = self.written.into_inner().unwrap_or_default();
        wanted.extend(statics.iter().map(|f| f.path.clone()));
        let handle = &self.handle;
        statics.par_iter().try_for_each(
            |StaticFile {
                 path: rel,
                 source: from,
             }| {
                fs::read(from)
                    .and_then(|bytes| handle.write_if_changed(rel, &bytes))
                    .map_err(|e| vec![io_error("copy", from, e)])
            },
        )?;
        // Walking a fresh folder to find nothing would cost a cold build of 10,000 pages a
        // tenth of a second (one failed `rmdir` per folder).
        if !self.fresh {
            remove_stale(&self.dir, &wanted).map_err(|e| vec![io_error("clean", &self.dir, e)])?;
        }
        swap(&self.dir, &self.output).map_err(|e| vec![io_error("replace", &self.output, e)])
    }
}

/// The lock of an output folder: a file beside it (`.public.lede-lock`) that one build at a
/// time holds (`flock`), so two builds never mix their pages in one output.
pub struct OutputLock {
    _file: fs::File,
}

impl OutputLock {
    /// Takes the lock, or says that another build holds it.
    pub fn acquire(output: &Path) -> Result<OutputLock, Diagnostic> {
        let path = urls::beside_output(output, urls::LOCK);
        if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|e| io_error("create", parent, e))?;
        }
        let file = safe::open_lock_file(&path).map_err(|e| io_error("lock", &path, e))?;
        if !safe::try_lock(&file).map_err(|e| io_error("lock", &path, e))? {
            return Err(Diagnostic::error(
                "",
                format!(
                    "another lede build is writing `{}` right now",
                    output.display()
                ),
            )
            .with_help("wait for it to finish, then build again"));
        }
        Ok(OutputLock { _file: file })
    }
}

fn io_error(what: &str, path: &Path, e: io::Error) -> Diagnostic {
    Diagnostic::error("", format!("cannot {what} {}: {e}", path.display()))
        .with_help("check that the output folder's parent is writable and the disk is not full")
}

/// `.public.lede-staging` beside `public`.
pub fn staging_dir(output: &Path) -> PathBuf {
    urls::beside_output(output, urls::STAGING)
}

/// Makes sure the staging folder exists and is ours (a leftover of an earlier build is
/// reused), and opens it. A symlink, a file, a folder of another user, or a non-empty folder
/// without lede's marker is refused: someone else may have planted it.
/// Opens the staging folder, creating it if need be; true if it holds nothing yet (a cold
/// build: nothing to compare, nothing stale to remove).
fn prepare_staging(staging: &Path) -> io::Result<(safe::Dir, bool)> {
    let refuse = |why: &str| {
        io::Error::other(format!(
            "{} {why}; move it away and build again",
            staging.display()
        ))
    };
    match fs::symlink_metadata(staging) {
        Ok(meta) if meta.file_type().is_symlink() => Err(refuse("is a symlink")),
        Ok(meta) if !meta.is_dir() => Err(refuse("is not a folder")),
        Ok(meta) if !safe::is_own(&meta) => Err(refuse("belongs to another user")),
        Ok(_) => {
            let empty = fs::read_dir(staging)?.next().is_none();
            if !empty && !staging.join(MARKER).is_file() {
                return Err(refuse("exists and was not created by lede"));
            }
            Ok((safe::Dir::open(staging)?, empty))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            fs::create_dir(staging)?;
            Ok((safe::Dir::open(staging)?, true))
        }
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
    let old = urls::beside_output(output, urls::OLD);
    fs::rename(output, &old)?;
    if let Err(e) = fs::rename(staging, output) {
        fs::rename(&old, output)?;
        return Err(e);
    }
    fs::rename(&old, staging)
}

/// File operations inside a folder held open, that never follow a symlink.
mod safe {
    use std::fs;
    use std::io::{self, Read, Write};
    use std::os::fd::OwnedFd;
    use std::path::Path;

    use rustix::fs::{AtFlags, FlockOperation, Mode, OFlags};

    /// A folder opened once; paths below it are walked component by component.
    pub struct Dir(OwnedFd);

    const DIR_FLAGS: OFlags = OFlags::DIRECTORY
        .union(OFlags::NOFOLLOW)
        .union(OFlags::RDONLY)
        .union(OFlags::CLOEXEC);

    impl Dir {
        pub fn open(path: &Path) -> io::Result<Dir> {
            let fd = rustix::fs::open(path, DIR_FLAGS, Mode::empty())?;
            Ok(Dir(fd))
        }

        /// Writes `contents` to `rel` (a `/`-separated path below the folder) unless it
        /// already holds them. Folders on the way are created; a symlink or a file where a
        /// folder belongs, or a symlink where the file belongs, is removed first.
        pub fn write_if_changed(&self, rel: &str, contents: &[u8]) -> io::Result<()> {
            let mut parts: Vec<&str> = rel.split('/').collect();
            let name = parts.pop().unwrap_or_default();
            if [name]
                .iter()
                .chain(&parts)
                .any(|p| matches!(*p, "" | "." | ".."))
            {
                return Err(io::Error::other(format!(
                    "`{rel}` is not a path inside the output"
                )));
            }
            let mut dir: Option<OwnedFd> = None;
            for part in parts {
                let parent = dir.as_ref().unwrap_or(&self.0);
                dir = Some(subdir(parent, part)?);
            }
            let parent = dir.as_ref().unwrap_or(&self.0);
            if holds(parent, name, contents)? {
                return Ok(());
            }
            let flags = OFlags::WRONLY
                | OFlags::CREATE
                | OFlags::TRUNC
                | OFlags::NOFOLLOW
                | OFlags::CLOEXEC;
            let fd = rustix::fs::openat(parent, name, flags, Mode::from_raw_mode(0o644))?;
            fs::File::from(fd).write_all(contents)
        }
    }

    /// Opens (creating it if needed) the folder `name` in `parent`, without following links.
    fn subdir(parent: &OwnedFd, name: &str) -> io::Result<OwnedFd> {
        match rustix::fs::openat(parent, name, DIR_FLAGS, Mode::empty()) {
            Ok(fd) => return Ok(fd),
            Err(rustix::io::Errno::NOENT) => {}
            // A symlink (ELOOP) or a file (ENOTDIR) where a folder belongs: replace it.
            Err(rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR) => {
                rustix::fs::unlinkat(parent, name, AtFlags::empty())?;
            }
            Err(e) => return Err(e.into()),
        }
        match rustix::fs::mkdirat(parent, name, Mode::from_raw_mode(0o755)) {
            Ok(()) | Err(rustix::io::Errno::EXIST) => {}
            Err(e) => return Err(e.into()),
        }
        Ok(rustix::fs::openat(parent, name, DIR_FLAGS, Mode::empty())?)
    }

    /// True if the regular file `name` in `parent` holds exactly `contents`. A symlink there
    /// is removed (and so holds nothing).
    fn holds(parent: &OwnedFd, name: &str, contents: &[u8]) -> io::Result<bool> {
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = match rustix::fs::openat(parent, name, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(rustix::io::Errno::NOENT) => return Ok(false),
            Err(rustix::io::Errno::LOOP) => {
                rustix::fs::unlinkat(parent, name, AtFlags::empty())?;
                return Ok(false);
            }
            Err(e) => return Err(e.into()),
        };
        let mut file = fs::File::from(fd);
        let meta = file.metadata()?;
        if !meta.is_file() || meta.len() != contents.len() as u64 {
            return Ok(false);
        }
        let mut existing = Vec::with_capacity(contents.len());
        file.read_to_end(&mut existing)?;
        Ok(existing == contents)
    }

    /// Opens (creating it) the lock file, never through a symlink.
    pub fn open_lock_file(path: &Path) -> io::Result<fs::File> {
        let flags = OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::open(path, flags, Mode::from_raw_mode(0o644))?;
        Ok(fs::File::from(fd))
    }

    /// Takes an exclusive lock without waiting: false if another process holds it.
    pub fn try_lock(file: &fs::File) -> io::Result<bool> {
        match rustix::fs::flock(file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(true),
            Err(rustix::io::Errno::WOULDBLOCK) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// True if the current user owns the file or folder.
    pub fn is_own(meta: &fs::Metadata) -> bool {
        use std::os::unix::fs::MetadataExt;
        meta.uid() == rustix::process::geteuid().as_raw()
    }
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
