//! The `lede` command line: parse arguments, call the library, print, set the exit code.
//! Exit codes: 0 success, 1 problems in the site, 2 wrong usage (clap's own).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use lede::{Diagnostic, Options};

// A build makes millions of small, short-lived allocations on every core; glibc's malloc
// spent a quarter of a 10,000-page build in its own bookkeeping (callgrind).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "lede",
    version,
    about = "Build news explainers: pages, a cross-linked glossary, fast."
)]
struct Cli {
    /// The site's folder (the one with site.toml).
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder (public/ by default).
    Build {
        /// Write here instead of site.toml's output_dir.
        #[arg(long, value_name = "DIR")]
        output_dir: Option<PathBuf>,
        /// Publish under this URL instead of site.toml's base_url (e.g. https://user.github.io/repo/).
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Include pages marked `draft = true`.
        #[arg(long)]
        drafts: bool,
        /// Build as at this moment (`2025-12-04T06:00:00+00:00`, `2025-12-04`) instead of now:
        /// pages whose `publish_at` is later stay out.
        #[arg(long, value_name = "DATE-TIME")]
        at: Option<String>,
    },
    /// Serve the site on this machine, rebuilding and reloading the browser on every save.
    Serve {
        /// The address to listen on. Anything but loopback shows drafts to your network.
        #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
        interface: std::net::IpAddr,
        /// The port (if taken, the next free one).
        #[arg(long, default_value_t = 1111, value_name = "N")]
        port: u16,
        /// Open the site in the default browser.
        #[arg(long)]
        open: bool,
        /// Include pages marked `draft = true`.
        #[arg(long)]
        drafts: bool,
    },
    /// Check every link, reference and term without writing anything.
    Check {
        /// How to print problems.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Also check external links (needs the network).
        #[arg(long)]
        external: bool,
        /// Include pages marked `draft = true`.
        #[arg(long)]
        drafts: bool,
    },
    /// Publish the built site to a [[deploy]] target of site.toml (S3, R2, GCS, Azure, a folder).
    Deploy {
        /// The [[deploy]] target's name (needed when site.toml has several).
        #[arg(long, value_name = "NAME")]
        target: Option<String>,
        /// List what would be uploaded and deleted; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Upload every file, changed or not.
        #[arg(long)]
        force: bool,
        /// Delete every object under the target's prefix that is not in the output, not
        /// only those lede uploaded before (the default).
        #[arg(long, conflicts_with = "keep")]
        delete: bool,
        /// Delete nothing.
        #[arg(long)]
        keep: bool,
        /// Build the site first.
        #[arg(long)]
        build: bool,
        /// Deploy this folder instead of site.toml's output_dir.
        #[arg(long, value_name = "DIR")]
        output_dir: Option<PathBuf>,
    },
    /// Create a new explainer in DIR (which must be empty or missing).
    Init {
        /// Where to create it.
        dir: PathBuf,
    },
}

/// How `check` prints problems.
#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// rustc-style, with the source line.
    Human,
    /// One line per problem: `path:line:col: level: message`.
    Short,
    /// A JSON object `{"complete": bool, "problems": [...]}`, for CI.
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let site = |drafts| Options {
        root: cli.root.clone(),
        drafts,
        ..Options::default()
    };
    match cli.command {
        Command::Build {
            output_dir,
            base_url,
            drafts,
            at,
        } => {
            let at = match at.as_deref().map(lede::when::Moment::parse) {
                None => None,
                Some(Ok(moment)) => Some(moment),
                Some(Err(why)) => {
                    eprintln!(
                        "error: --at: {why}\n  = help: write `--at 2025-12-04T06:00:00+00:00` or `--at 2025-12-04`"
                    );
                    return ExitCode::from(2);
                }
            };
            let options = Options {
                output_dir,
                base_url,
                clock: lede::site::Clock {
                    at,
                    show_embargoed: false,
                },
                ..site(drafts)
            };
            match lede::build(&options) {
                Ok(built) => {
                    print_human(&built.warnings);
                    println!(
                        "Built {} pages, {} terms in {} ms → {}",
                        built.pages,
                        built.terms,
                        built.elapsed.as_millis(),
                        shown(&built.output_dir)
                    );
                    ExitCode::SUCCESS
                }
                Err(problems) => fail("build", &problems, OUTPUT_UNCHANGED),
            }
        }
        Command::Serve {
            interface,
            port,
            open,
            drafts,
        } => {
            let options = lede::serve::ServeOptions {
                site: site(drafts),
                interface,
                port,
                open,
            };
            match lede::serve::serve(&options) {
                Ok(()) => ExitCode::SUCCESS,
                Err(problems) => fail("serve", &problems, ""),
            }
        }
        Command::Check {
            format,
            external,
            drafts,
        } => {
            let external = external.then(lede::check::ExternalOptions::default);
            let report = lede::check::check(&site(drafts), external.as_ref());
            match format {
                Format::Human => print_human(&report.problems),
                Format::Short => {
                    report
                        .problems
                        .iter()
                        .for_each(|d| println!("{}", d.short()));
                    if !report.complete {
                        println!("{INCOMPLETE}");
                    }
                }
                Format::Json => println!("{}", lede::check::to_json(&report)),
            }
            let errors = report.problems.iter().filter(|d| d.is_error()).count();
            let warnings = report.problems.len() - errors;
            if matches!(format, Format::Human) {
                let found = format!(
                    "{errors} {}, {warnings} {}",
                    plural(errors, "error"),
                    plural(warnings, "warning")
                );
                if report.complete {
                    eprintln!(
                        "Checked {} pages, {} terms, {} links: {found}",
                        report.pages, report.terms, report.links
                    );
                    if let Some((cited, all)) = report.coverage {
                        eprintln!("{cited} of {all} paragraphs cite a source");
                    }
                } else {
                    eprintln!("Check stopped: {found}; {INCOMPLETE}");
                }
            }
            if errors == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Command::Deploy {
            target,
            dry_run,
            force,
            delete,
            keep,
            build,
            output_dir,
        } => {
            let deletions = match (delete, keep) {
                (true, _) => lede::deploy::Deletions::All,
                (_, true) => lede::deploy::Deletions::Keep,
                _ => lede::deploy::Deletions::Published,
            };
            let options = lede::deploy::DeployOptions {
                site: Options {
                    output_dir,
                    ..site(false)
                },
                target,
                dry_run,
                force,
                deletions,
                build,
            };
            match lede::deploy::deploy(&options) {
                Ok(deployed) => {
                    print_human(&deployed.warnings);
                    deployed.actions.iter().for_each(|a| println!("{a}"));
                    let what = if deployed.dry_run {
                        "Dry run for"
                    } else {
                        "Deployed to"
                    };
                    println!("{what} {}: {}", deployed.target, deployed.summary());
                    ExitCode::SUCCESS
                }
                Err(problems) => fail("deploy", &problems, ""),
            }
        }
        Command::Init { dir } => match lede::init::init(&dir) {
            Ok(()) => {
                println!("Created a new explainer in {}", dir.display());
                println!("Next: lede --root {} serve", dir.display());
                ExitCode::SUCCESS
            }
            Err(problems) => fail("init", &problems, ""),
        },
    }
}

/// Said by every format of `check` when not every check could run.
const INCOMPLETE: &str =
    "check incomplete: site.toml must be fixed before the rest of the site can be checked";

/// The output folder as the user would write it: relative to the current folder if inside it.
fn shown(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let rel = path.strip_prefix(&cwd).unwrap_or(path);
    let rel = rel.strip_prefix(".").unwrap_or(rel);
    format!("{}/", rel.display())
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

fn print_human(diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        eprintln!("{d}");
    }
}

/// What a failed command says it left as it was, after its error count.
const OUTPUT_UNCHANGED: &str = "; the previous output is unchanged";

fn fail(command: &str, problems: &[Diagnostic], left: &str) -> ExitCode {
    print_human(problems);
    let errors = problems.iter().filter(|d| d.is_error()).count();
    let unchanged = left;
    eprintln!(
        "error: {command} failed with {errors} {}{unchanged}",
        plural(errors, "error")
    );
    ExitCode::from(1)
}
