//! Carries out a [`Plan`]: each upload stage in turn (uploads within a stage run in
//! parallel, at most [`CONCURRENCY`] at once), then the manifest, then the deletions. At the
//! first failure no new upload starts, the running ones finish, and [`Stopped`] says
//! exactly what was and was not uploaded. Reads the output folder; never writes it.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::StreamExt;
use futures_util::stream;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::plan::{MANIFEST, Manifest, Plan, Stage, Upload};
use super::remote::Remote;

/// Uploads (or deletions) in flight at once.
pub const CONCURRENCY: usize = 16;

/// What a finished deploy did.
#[derive(Debug, Default)]
pub struct Done {
    pub uploaded: usize,
    pub bytes: u64,
    pub deleted: usize,
}

/// Where a failed deploy stopped, and what it had done by then.
#[derive(Debug)]
pub struct Stopped {
    /// The step that failed: an upload stage, the manifest or the deletions.
    pub step: String,
    /// The first errors, `(key, message)`.
    pub errors: Vec<(String, String)>,
    /// Uploaded in this run, in order.
    pub uploaded: Vec<String>,
    /// Planned but not uploaded.
    pub not_uploaded: Vec<String>,
    /// Whether the new manifest was written (then only deletions are missing).
    pub manifest_written: bool,
    /// Planned deletions not done.
    pub not_deleted: Vec<String>,
}

/// Runs the plan against the target. `output` is the built output folder.
pub async fn execute(remote: &Remote, plan: &Plan, output: &Path) -> Result<Done, Box<Stopped>> {
    let progress = Progress::new(plan);
    let mut done = Done::default();
    let mut uploaded = Vec::new();
    for (stage, uploads) in &plan.stages {
        let outcome = upload_stage(remote, output, uploads, &progress).await;
        done.uploaded += outcome.done.len();
        done.bytes += outcome.bytes;
        uploaded.extend(outcome.done);
        if !outcome.errors.is_empty() {
            progress.finish();
            return Err(Box::new(Stopped::in_stage(
                *stage,
                plan,
                uploaded,
                outcome.errors,
            )));
        }
    }
    if let Some(m) = &plan.manifest {
        if let Err(e) = write_manifest(remote, m, &progress).await {
            progress.finish();
            return Err(Box::new(Stopped::at_manifest(plan, uploaded, e)));
        }
    }
    let outcome = delete_all(remote, &plan.deletions, &progress).await;
    done.deleted = outcome.done.len();
    if outcome.errors.is_empty() {
        if let Some(m) = &plan.final_manifest {
            // Drops the deleted keys; if this fails, the next deploy deletes them again.
            let _ = remote.put_manifest(m).await;
        }
    }
    progress.finish();
    match outcome.errors.is_empty() {
        true => Ok(done),
        false => Err(Box::new(Stopped::in_deletions(plan, uploaded, outcome))),
    }
}

async fn write_manifest(remote: &Remote, m: &Manifest, progress: &Progress) -> Result<(), String> {
    remote.put_manifest(m).await?;
    progress.line("uploaded", MANIFEST);
    Ok(())
}

/// What one parallel step did: the keys done and their bytes, and the errors.
struct Outcome {
    done: Vec<String>,
    bytes: u64,
    errors: Vec<(String, String)>,
}

/// One key of a parallel step: its size, and `None` when it was not started.
type Step = (String, u64, Option<Result<(), String>>);

async fn upload_stage(
    remote: &Remote,
    output: &Path,
    uploads: &[Upload],
    progress: &Progress,
) -> Outcome {
    let stop = AtomicBool::new(false);
    let results = stream::iter(uploads)
        .map(|upload| {
            let stop = &stop;
            async move {
                let size = upload.entry.size;
                if stop.load(Ordering::Relaxed) {
                    return (upload.path.clone(), size, None);
                }
                let result = upload_one(remote, output, upload).await;
                match &result {
                    Ok(()) => progress.uploaded(upload),
                    Err(_) => stop.store(true, Ordering::Relaxed),
                }
                (upload.path.clone(), size, Some(result))
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    Outcome::of(results)
}

/// Uploads one file, checking that it is still the file the plan hashed.
async fn upload_one(remote: &Remote, output: &Path, upload: &Upload) -> Result<(), String> {
    let bytes = tokio::fs::read(output.join(&upload.path))
        .await
        .map_err(|e| format!("cannot read the output file: {e}"))?;
    if blake3::hash(&bytes).to_hex().as_str() != upload.entry.blake3 {
        return Err("the output folder changed during the deploy (a build ran?)".into());
    }
    remote.put(&upload.path, bytes, &upload.entry).await
}

async fn delete_all(remote: &Remote, keys: &[String], progress: &Progress) -> Outcome {
    let results = stream::iter(keys)
        .map(|key| async move {
            let result = remote.delete(key).await;
            if result.is_ok() {
                progress.line("deleted", key);
            }
            (key.clone(), 0, Some(result))
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    Outcome::of(results)
}

impl Outcome {
    /// Sorts `(key, None = not started | Some(result))` into done keys and errors.
    fn of(results: Vec<Step>) -> Outcome {
        let mut outcome = Outcome {
            done: Vec::new(),
            bytes: 0,
            errors: Vec::new(),
        };
        for (key, size, result) in results {
            match result {
                Some(Ok(())) => {
                    outcome.done.push(key);
                    outcome.bytes += size;
                }
                Some(Err(e)) => outcome.errors.push((key, e)),
                None => {}
            }
        }
        outcome
    }
}

impl Stopped {
    fn in_stage(
        stage: Stage,
        plan: &Plan,
        uploaded: Vec<String>,
        errors: Vec<(String, String)>,
    ) -> Stopped {
        let done: HashSet<&String> = uploaded.iter().collect();
        let not_uploaded = plan
            .uploads()
            .map(|u| u.path.clone())
            .filter(|p| !done.contains(p))
            .collect();
        Stopped {
            step: format!("uploading {}", stage.label()),
            errors,
            uploaded,
            not_uploaded,
            manifest_written: false,
            not_deleted: plan.deletions.clone(),
        }
    }

    fn at_manifest(plan: &Plan, uploaded: Vec<String>, error: String) -> Stopped {
        Stopped {
            step: "writing the manifest".into(),
            errors: vec![(MANIFEST.into(), error)],
            uploaded,
            not_uploaded: Vec::new(),
            manifest_written: false,
            not_deleted: plan.deletions.clone(),
        }
    }

    fn in_deletions(plan: &Plan, uploaded: Vec<String>, outcome: Outcome) -> Stopped {
        let not_deleted = plan
            .deletions
            .iter()
            .filter(|k| !outcome.done.contains(k))
            .cloned()
            .collect();
        Stopped {
            step: "deleting objects no longer in the output".into(),
            errors: outcome.errors,
            uploaded,
            not_uploaded: Vec::new(),
            manifest_written: true,
            not_deleted,
        }
    }
}

/// A bar with files and bytes when stderr is a terminal; one line per object on stdout
/// when stdout is not (logs, CI).
struct Progress {
    bar: Option<ProgressBar>,
    lines: bool,
    files: usize,
    count: Mutex<usize>,
}

impl Progress {
    fn new(plan: &Plan) -> Progress {
        let files = plan.uploads().count();
        let bar = std::io::stderr().is_terminal().then(|| {
            let style =
                ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {msg} ({elapsed})")
                    .expect("a valid template");
            ProgressBar::with_draw_target(Some(plan.upload_bytes()), ProgressDrawTarget::stderr())
                .with_style(style)
        });
        Progress {
            bar,
            lines: !std::io::stdout().is_terminal(),
            files,
            count: Mutex::new(0),
        }
    }

    fn uploaded(&self, upload: &Upload) {
        self.line("uploaded", &upload.path);
        if let Some(bar) = &self.bar {
            let mut count = self.count.lock().unwrap_or_else(|e| e.into_inner());
            *count += 1;
            bar.inc(upload.entry.size);
            bar.set_message(format!("{count}/{} files", self.files));
        }
    }

    fn line(&self, what: &str, key: &str) {
        if self.lines {
            println!("{what} {key}");
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
