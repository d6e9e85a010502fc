//! File watching for `lede serve`: notify's events → debounced batches of [`Change`] paths.
//!
//! Watches folders, not files: `content/`, `templates/` and `static/` recursively and the
//! site root alone (for `site.toml`), so that saves which rename over a file keep being
//! seen. An event only says "this path may have changed"; the engine looks at the
//! file. A created folder is reported as such and read whole (files written right after
//! `mkdir -p` come before its watch). Editor temporaries and the output folder are ignored.
//! A burst of events (a `git checkout`) becomes one batch; events that arrive while a batch
//! is being built make the next one; a small batch whose saves have all ended (the files
//! closed after writing or renamed into place) closes at once instead of waiting for quiet.
//! When native watching is unavailable it polls, and says so. Never reads file contents and
//! never builds.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::time::{Duration, Instant, SystemTime};

use notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
use notify::{Event, EventKind, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher as _};

use crate::{Change, Diagnostic, SOURCE_DIRS};
/// A batch is closed once no event came for this long: the events of one save arrive
/// within microseconds, those of a `git checkout` within milliseconds of each other.
const QUIET: Duration = Duration::from_millis(20);
/// Once a batch looks like a burst (this many paths), it waits longer for quiet, so that a
/// writer that pauses (a busy machine, a large file) does not split it into many rebuilds.
const BURST: usize = 8;
const BURST_QUIET: Duration = Duration::from_millis(150);
/// ...or once it is this old, so that a never-ending stream of events still shows.
const LONGEST: Duration = Duration::from_secs(1);
/// How often the polling fallback looks at every file.
const POLL_INTERVAL: Duration = Duration::from_millis(400);
/// Setting this environment variable to `poll` forces the polling fallback (for tests).
pub const MODE_VAR: &str = "LEDE_WATCH";

/// What the watcher thread receives.
pub enum Msg {
    Event(notify::Result<Event>),
    /// The server is shutting down.
    Stop,
}

/// Paths that may have changed, gathered from one burst of events.
#[derive(Debug)]
pub struct Batch {
    /// Each at most once.
    pub touched: Vec<Change>,
    /// When the first event of the burst arrived (for latency measurements).
    pub first_event: SystemTime,
    /// Watched folders that were themselves created, removed or renamed: watch them again.
    pub rewatch: Vec<&'static str>,
    /// Paths whose last event does not end a save (a write still open, a removal that a
    /// rename-over may follow): while there are any, the batch waits for quiet.
    unfinished: HashSet<PathBuf>,
    /// Some path's last event ended a save (closed after writing, or renamed into place).
    finished: bool,
}

/// The watcher: native (inotify, FSEvents, ReadDirectoryChanges) or polling.
pub struct Watcher {
    inner: Box<dyn notify::Watcher + Send>,
    root: PathBuf,
    /// True when polling because native watching is unavailable.
    pub polling: bool,
}

impl Watcher {
    /// Starts watching the site at `root` (an absolute, canonical path); events go to `tx`.
    pub fn start(root: &Path, tx: Sender<Msg>) -> Result<Watcher, Diagnostic> {
        let forced = std::env::var(MODE_VAR).is_ok_and(|v| v == "poll");
        if !forced {
            let native = RecommendedWatcher::new(handler(tx.clone()), notify::Config::default())
                .map(|w| Box::new(w) as Box<dyn notify::Watcher + Send>)
                .and_then(|inner| Watcher::watching(inner, root, false));
            match native {
                Ok(watcher) => return Ok(watcher),
                Err(e) => say_err!(
                    "warning: native file watching is unavailable ({e}); polling every {} ms instead",
                    POLL_INTERVAL.as_millis()
                ),
            }
        } else {
            say!(
                "Polling for changes every {} ms ({MODE_VAR}=poll)",
                POLL_INTERVAL.as_millis()
            );
        }
        // notify's poller compares modification times in whole seconds: two saves within a
        // second would look like one, so it compares contents too.
        let config = notify::Config::default()
            .with_poll_interval(POLL_INTERVAL)
            .with_compare_contents(true);
        PollWatcher::new(handler(tx), config)
            .map(|w| Box::new(w) as Box<dyn notify::Watcher + Send>)
            .and_then(|inner| Watcher::watching(inner, root, true))
            .map_err(|e| {
                Diagnostic::error("", format!("cannot watch {}: {e}", root.display()))
                    .with_help("check that the site's folders are readable")
            })
    }

    fn watching(
        inner: Box<dyn notify::Watcher + Send>,
        root: &Path,
        polling: bool,
    ) -> notify::Result<Watcher> {
        let mut watcher = Watcher {
            inner,
            root: root.to_path_buf(),
            polling,
        };
        watcher.inner.watch(root, RecursiveMode::NonRecursive)?;
        for area in SOURCE_DIRS {
            if root.join(area).is_dir() {
                watcher
                    .inner
                    .watch(&root.join(area), RecursiveMode::Recursive)?;
            }
        }
        Ok(watcher)
    }

    /// Watches `root/<area>` again after the folder itself was created, removed or renamed.
    pub fn rewatch(&mut self, area: &str) {
        let dir = self.root.join(area);
        let _ = self.inner.unwatch(&dir);
        if !dir.is_dir() {
            return;
        }
        if let Err(e) = self.inner.watch(&dir, RecursiveMode::Recursive) {
            say_err!("warning: cannot watch {}: {e}", dir.display());
        }
    }

    /// Waits for the next burst of events that touch the site. `None` once asked to stop.
    pub fn next_batch(&self, rx: &Receiver<Msg>, ignored: &[PathBuf]) -> Option<Batch> {
        let mut batch = Batch {
            touched: Vec::new(),
            first_event: SystemTime::now(),
            rewatch: Vec::new(),
            unfinished: HashSet::new(),
            finished: false,
        };
        while batch.touched.is_empty() {
            let Msg::Event(event) = rx.recv().ok()? else {
                return None;
            };
            batch.first_event = SystemTime::now();
            self.add(&mut batch, event, ignored);
        }
        let started = Instant::now();
        while started.elapsed() < LONGEST && !self.saved(&mut batch, rx, ignored) {
            let quiet = if batch.touched.len() >= BURST {
                BURST_QUIET
            } else {
                QUIET
            };
            match rx.recv_timeout(quiet) {
                Ok(Msg::Event(event)) => self.add(&mut batch, event, ignored),
                Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => return None,
                Err(RecvTimeoutError::Timeout) => break,
            }
        }
        batch.touched.sort();
        Some(batch)
    }

    /// Whether every save in a small batch has ended (after taking the events already
    /// queued): then waiting for quiet only adds latency. A save ends when the file is closed
    /// after writing or renamed into place; the polling fallback never says so. A burst
    /// (many paths) always waits for quiet, so that a `git checkout` stays one batch.
    fn saved(&self, batch: &mut Batch, rx: &Receiver<Msg>, ignored: &[PathBuf]) -> bool {
        while batch.finished && batch.unfinished.is_empty() && batch.touched.len() < BURST {
            match rx.try_recv() {
                Ok(Msg::Event(event)) => self.add(batch, event, ignored),
                Ok(Msg::Stop) | Err(TryRecvError::Disconnected) => return false,
                Err(TryRecvError::Empty) => return true,
            }
        }
        false
    }

    fn add(&self, batch: &mut Batch, event: notify::Result<Event>, ignored: &[PathBuf]) {
        let event = match event {
            Ok(event) if !event.need_rescan() => event,
            Ok(_) => return batch.add(Change::All),
            Err(e) => {
                say_err!("warning: file watching: {e}; looking at every file again");
                return batch.add(Change::All);
            }
        };
        if matches!(event.kind, EventKind::Access(kind) if kind != AccessKind::Close(AccessMode::Write))
        {
            return;
        }
        for (i, path) in event.paths.iter().enumerate() {
            if let Some(area) = SOURCE_DIRS.iter().find(|a| *path == self.root.join(a)) {
                if !batch.rewatch.contains(area) {
                    batch.rewatch.push(area);
                }
            }
            if let Some(touched) = classify(&self.root, ignored, path) {
                batch.add(touched);
                let moved_to = event.paths.get(1).filter(|_| i == 0);
                let kept = moved_to.is_some_and(|to| classify(&self.root, ignored, to).is_some());
                batch.track(path, ends_save(&event.kind, i, kept));
            }
        }
    }
}

impl Batch {
    fn add(&mut self, touched: Change) {
        if !self.touched.contains(&touched) {
            self.touched.push(touched);
        }
    }

    fn track(&mut self, path: &Path, ended: bool) {
        if ended {
            self.unfinished.remove(path);
            self.finished = true;
        } else {
            self.unfinished.insert(path.to_path_buf());
        }
    }
}

/// Whether an event on the `i`th of its paths ends a save: the file was closed after
/// writing, or renamed into place. The old name of a rename ends one only when the file went
/// to a name lede reads (`kept`: an atomic save's temporary file renamed over the page); a
/// page renamed to a backup name (`a.md~`) is about to be written again.
fn ends_save(kind: &EventKind, i: usize, kept: bool) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Modify(ModifyKind::Name(RenameMode::To)) => true,
        EventKind::Modify(ModifyKind::Name(RenameMode::Both)) => i == 1 || kept,
        _ => false,
    }
}

fn handler(tx: Sender<Msg>) -> impl notify::EventHandler {
    move |event| {
        // The receiver is gone only while shutting down.
        let _ = tx.send(Msg::Event(event));
    }
}

/// Sorts an event's path into the part of the site it touches; `None` for anything lede does
/// not read (the output folder, editor temporaries, other files in the root).
pub fn classify(root: &Path, ignored: &[PathBuf], path: &Path) -> Option<Change> {
    if ignored.iter().any(|dir| path.starts_with(dir)) {
        return None;
    }
    let rel = path.strip_prefix(root).ok()?;
    let name = rel.file_name()?.to_string_lossy();
    if is_editor_temporary(&name) {
        return None;
    }
    Change::of_path(rel)
}

/// Files editors write beside the one being saved: backups, swap files, locks, temporaries.
pub fn is_editor_temporary(name: &str) -> bool {
    name.ends_with('~')
        || name == "4913"
        || name.starts_with(".#")
        || name.ends_with("___jb_tmp___")
        || name.ends_with("___jb_old___")
        || name.ends_with(".bck")
        || (name.starts_with('.')
            && [".swp", ".swo", ".swn", ".swx"]
                .iter()
                .any(|s| name.ends_with(s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_sorted_into_parts_of_the_site() {
        let root = Path::new("/site");
        let ignored = [PathBuf::from("/site/content/out")];
        let c = |p: &str| classify(root, &ignored, Path::new(p));
        assert_eq!(
            c("/site/content/a/b.md"),
            Some(Change::Content("a/b.md".into()))
        );
        assert_eq!(c("/site/content"), Some(Change::Content(String::new())));
        assert_eq!(c("/site/templates/x/base.html"), Some(Change::Templates));
        assert_eq!(
            c("/site/static/css/s.css"),
            Some(Change::Static("css/s.css".into()))
        );
        assert_eq!(c("/site/site.toml"), Some(Change::Config));
        assert_eq!(c("/site/public/index.html"), None);
        assert_eq!(c("/site/README.md"), None);
        assert_eq!(c("/site/content/out/x.md"), None);
        assert_eq!(c("/elsewhere/content/a.md"), None);
        for temp in [
            "a.md~",
            ".a.md.swp",
            ".a.md.swx",
            "4913",
            ".#a.md",
            "a.md___jb_tmp___",
            "a.md___jb_old___",
            "a.md.bck",
        ] {
            assert_eq!(c(&format!("/site/content/{temp}")), None, "{temp}");
        }
        assert_eq!(
            c("/site/content/.hidden.md"),
            Some(Change::Content(".hidden.md".into()))
        );
    }
}
