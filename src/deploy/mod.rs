//! `lede deploy`: publish the built output folder to object storage (S3 and S3-compatible
//! stores such as R2, Google Cloud Storage, Azure) or to a local folder.
//!
//! The steps, in order: pick the `[[deploy]]` target of site.toml → (build, with `--build`)
//! → hash the output folder (`local`) → read the target's manifest (`remote`) → decide what
//! to upload and delete, and in which order (`plan`) → carry it out (`run`). Only what
//! changed is sent; a failure leaves the previous site whole and a rerun finishes. It never
//! renders or writes the output folder, and the async code stays inside this module:
//! [`deploy`] is a plain function that runs its own runtime.

mod headers;
mod local;
mod plan;
mod remote;
mod run;

use std::path::Path;
use std::time::{Duration, Instant};

use crate::config::DeployTarget;
use crate::diagnostics::{Diagnostic, did_you_mean};
use crate::layout::CONFIG_FILE;
use crate::site::{self, Options};
use local::LocalFile;
pub use plan::{Deletions, MANIFEST};
use plan::{Manifest, Plan};
use remote::Remote;

/// What to deploy, from the command line.
#[derive(Debug, Clone, Default)]
pub struct DeployOptions {
    /// The site (root, `--output-dir`); also what `--build` builds.
    pub site: Options,
    /// `--target NAME`; may be left out when site.toml has one `[[deploy]]`.
    pub target: Option<String>,
    /// List what would be uploaded and deleted, change nothing.
    pub dry_run: bool,
    /// Upload every file, changed or not.
    pub force: bool,
    pub deletions: Deletions,
    /// Build the site first.
    pub build: bool,
}

/// What a deploy did (or, for a dry run, would do).
#[derive(Debug)]
pub struct Deployed {
    pub target: String,
    pub dry_run: bool,
    pub uploaded: usize,
    pub bytes: u64,
    pub deleted: usize,
    pub unchanged: usize,
    pub elapsed: Duration,
    /// A dry run's actions, one line each, in the order they would run.
    pub actions: Vec<String>,
    /// Warnings of the build, with `--build`.
    pub warnings: Vec<Diagnostic>,
}

impl Deployed {
    /// `uploaded 3 files, 41 KB; deleted 1; 11,010 unchanged; 1.2 s`.
    pub fn summary(&self) -> String {
        let would = if self.dry_run { "would " } else { "" };
        let files = if self.uploaded == 1 { "file" } else { "files" };
        format!(
            "{would}upload{} {} {files}, {}; {would}delete{} {}; {} unchanged; {:.1} s",
            if self.dry_run { "" } else { "ed" },
            thousands(self.uploaded),
            size(self.bytes),
            if self.dry_run { "" } else { "d" },
            thousands(self.deleted),
            thousands(self.unchanged),
            self.elapsed.as_secs_f64()
        )
    }
}

/// Publishes the output folder to the chosen `[[deploy]]` target.
pub fn deploy(options: &DeployOptions) -> Result<Deployed, Vec<Diagnostic>> {
    let started = Instant::now();
    let root = &options.site.root;
    let config = crate::load::read_config(root, options.site.base_url.as_deref())?;
    let target = pick_target(&config.deploy, options.target.as_deref())?;
    let warnings = match options.build {
        true => crate::build(&options.site)?.warnings,
        false => Vec::new(),
    };
    let output = site::output_dir(root, &config, &options.site);
    let rules = headers::HeaderRules::new(&target.headers);
    let local = local::scan(&output, &rules).map_err(|d| vec![d])?;
    let runtime = crate::runtime("the uploader")?;
    let mut deployed = runtime
        .block_on(publish(target, &local, &output, options))
        .map_err(|d| vec![d])?;
    deployed.elapsed = started.elapsed();
    deployed.warnings = warnings;
    Ok(deployed)
}

async fn publish(
    target: &DeployTarget,
    local: &[LocalFile],
    output: &Path,
    options: &DeployOptions,
) -> Result<Deployed, Diagnostic> {
    let fail = |why: String| target_error(target, why);
    let remote = Remote::open(&target.url).map_err(fail)?;
    let old = remote
        .manifest()
        .await
        .map_err(|e| fail(format!("cannot read the target's manifest: {e}")))?;
    let old = match old.as_deref().map(Manifest::parse) {
        None => Manifest::default(),
        Some(Ok(manifest)) => manifest,
        Some(Err(_)) if options.force => Manifest::default(),
        Some(Err(e)) => {
            let why = format!("{MANIFEST} on the target is not a lede manifest ({e})");
            return Err(
                fail(why).with_help("`lede deploy --force` uploads everything and rewrites it")
            );
        }
    };
    let listed = match options.deletions {
        Deletions::All => remote.list().await.map_err(fail)?,
        _ => Vec::new(),
    };
    let plan = plan::plan(local, &old, &listed, options.force, options.deletions);
    let mut deployed = Deployed {
        target: target.name.clone(),
        dry_run: options.dry_run,
        uploaded: plan.uploads().count(),
        bytes: plan.upload_bytes(),
        deleted: plan.deletions.len(),
        unchanged: plan.unchanged,
        elapsed: Duration::ZERO,
        actions: Vec::new(),
        warnings: Vec::new(),
    };
    if options.dry_run {
        deployed.actions = actions(&plan);
        return Ok(deployed);
    }
    let done = run::execute(&remote, &plan, output)
        .await
        .map_err(|stopped| stopped_error(target, &stopped))?;
    (deployed.uploaded, deployed.bytes, deployed.deleted) =
        (done.uploaded, done.bytes, done.deleted);
    Ok(deployed)
}

/// The target named by `--target`, or the only one.
fn pick_target<'a>(
    targets: &'a [DeployTarget],
    name: Option<&str>,
) -> Result<&'a DeployTarget, Vec<Diagnostic>> {
    let names = || {
        let list: Vec<String> = targets.iter().map(|t| format!("`{}`", t.name)).collect();
        list.join(", ")
    };
    let error =
        |message: String, line: usize| Diagnostic::error(CONFIG_FILE, message).at_line_col(line, 1);
    match (name, targets) {
        (_, []) => Err(vec![
            Diagnostic::error(CONFIG_FILE, "site.toml has no [[deploy]] target").with_help(
                "add one: [[deploy]] name = \"production\" url = \"s3://bucket/prefix?region=eu-west-1\"",
            ),
        ]),
        (None, [one]) => Ok(one),
        (None, [first, ..]) => Err(vec![
            error(format!("site.toml has {} deploy targets", targets.len()), first.line)
                .with_help(format!("pick one with --target NAME: {}", names())),
        ]),
        (Some(name), _) => targets.iter().find(|t| t.name == name).ok_or_else(|| {
            let close = did_you_mean(name, targets.iter().map(|t| t.name.as_str()));
            let line = targets.iter().find(|t| Some(t.name.as_str()) == close);
            let d = error(format!("no deploy target `{name}` in site.toml"), line.unwrap_or(&targets[0]).line);
            vec![match close {
                Some(close) => d.with_help(format!("did you mean `{close}`?")),
                None => d.with_help(format!("the targets are {}", names())),
            }]
        }),
    }
}

/// What a dry run lists.
fn actions(plan: &Plan) -> Vec<String> {
    let mut lines: Vec<String> = plan
        .uploads()
        .map(|u| {
            let why = if u.new { "new" } else { "changed" };
            format!("upload {} ({why}, {})", u.path, size(u.entry.size))
        })
        .collect();
    if plan.manifest.is_some() {
        lines.push(format!("write {MANIFEST}"));
    }
    lines.extend(plan.deletions.iter().map(|k| format!("delete {k}")));
    lines
}

fn target_error(target: &DeployTarget, why: String) -> Diagnostic {
    let help = match target.url.scheme() {
        "s3" => {
            "credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or a role); the endpoint from `endpoint=` or AWS_ENDPOINT_URL"
        }
        "gs" => {
            "credentials come from GOOGLE_APPLICATION_CREDENTIALS or `gcloud auth application-default login`"
        }
        "az" => {
            "the account and key come from AZURE_STORAGE_ACCOUNT_NAME and AZURE_STORAGE_ACCOUNT_KEY"
        }
        _ => "check the folder in the target's `url`",
    };
    Diagnostic::error(
        CONFIG_FILE,
        format!("deploy target `{}`: {why}", target.name),
    )
    .at_line_col(target.line, 1)
    .with_help(help)
}

/// Says exactly what a stopped deploy did and did not do.
fn stopped_error(target: &DeployTarget, s: &run::Stopped) -> Diagnostic {
    let (key, error) = s.errors.first().cloned().unwrap_or_default();
    let mut message = format!(
        "deploy to `{}` stopped while {}: {key}: {error}",
        target.name, s.step
    );
    message.push_str(&listing("\n  uploaded", &s.uploaded));
    message.push_str(&listing("\n  not uploaded", &s.not_uploaded));
    message.push_str(&listing("\n  not deleted", &s.not_deleted));
    let state = if s.manifest_written {
        "every file is uploaded and the manifest written; only deletions are missing"
    } else {
        "the manifest was not updated: the target still serves the previous site, with the uploaded files above replaced or added"
    };
    message.push_str(&format!("\n  {state}"));
    Diagnostic::error("", message).with_help("run `lede deploy` again to finish")
}

/// `label (N): a, b, c and 7 more`, or nothing for an empty list.
fn listing(label: &str, keys: &[String]) -> String {
    const SHOWN: usize = 20;
    if keys.is_empty() {
        return String::new();
    }
    let mut text = format!(
        "{label} ({}): {}",
        thousands(keys.len()),
        keys[..keys.len().min(SHOWN)].join(", ")
    );
    if keys.len() > SHOWN {
        text.push_str(&format!(" and {} more", thousands(keys.len() - SHOWN)));
    }
    text
}

/// `11,010`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `41 KB`, `1.2 MB`, `512 B`.
fn size(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{} KB", (bytes + 512) / 1024),
        _ => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_the_summary_line() {
        assert_eq!(thousands(11010), "11,010");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(size(41 * 1024), "41 KB");
        assert_eq!(size(512), "512 B");
        assert_eq!(size(1_300_000), "1.2 MB");
    }

    #[test]
    fn summary_line() {
        let d = Deployed {
            target: "p".into(),
            dry_run: false,
            uploaded: 3,
            bytes: 41 * 1024,
            deleted: 1,
            unchanged: 11010,
            elapsed: Duration::from_millis(1200),
            actions: Vec::new(),
            warnings: Vec::new(),
        };
        assert_eq!(
            d.summary(),
            "uploaded 3 files, 41 KB; deleted 1; 11,010 unchanged; 1.2 s"
        );
        let dry = Deployed { dry_run: true, ..d };
        assert_eq!(
            dry.summary(),
            "would upload 3 files, 41 KB; would delete 1; 11,010 unchanged; 1.2 s"
        );
    }

    fn target(name: &str, line: usize) -> DeployTarget {
        DeployTarget {
            name: name.into(),
            url: url::Url::parse("file:///srv/site").unwrap(),
            headers: Vec::new(),
            line,
        }
    }

    #[test]
    fn picking_a_target() {
        let one = [target("production", 4)];
        assert_eq!(pick_target(&one, None).unwrap().name, "production");
        let two = [target("production", 4), target("staging", 8)];
        let err = &pick_target(&two, None).unwrap_err()[0];
        assert_eq!(
            (err.line, err.message.as_str()),
            (4, "site.toml has 2 deploy targets")
        );
        assert_eq!(
            err.help.as_deref(),
            Some("pick one with --target NAME: `production`, `staging`")
        );
        assert_eq!(pick_target(&two, Some("staging")).unwrap().line, 8);
        let err = &pick_target(&two, Some("stagin")).unwrap_err()[0];
        assert_eq!(err.line, 8, "points at the closest name");
        assert_eq!(err.help.as_deref(), Some("did you mean `staging`?"));
        let err = &pick_target(&two, Some("zzz")).unwrap_err()[0];
        assert_eq!(
            err.help.as_deref(),
            Some("the targets are `production`, `staging`")
        );
        assert!(pick_target(&[], None).is_err());
    }

    #[test]
    fn listing_is_capped() {
        let keys: Vec<String> = (0..25).map(|i| format!("k{i}")).collect();
        let text = listing("\n  uploaded", &keys);
        assert!(text.starts_with("\n  uploaded (25): k0, k1"), "{text}");
        assert!(text.ends_with("k19 and 5 more"), "{text}");
        assert_eq!(listing("x", &[]), "");
    }
}
