//! The `lede` command line: parse arguments, call the library, print, set the exit code.
//! Exit codes: 0 success, 1 problems in the site, 2 wrong usage (clap's own).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use lede::{Diagnostic, Options};

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
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            output_dir,
            base_url,
            drafts,
        } => {
            let options = Options {
                root: cli.root,
                output_dir,
                base_url,
                drafts,
            };
            match lede::build(&options) {
                Ok(built) => {
                    print_all(&built.warnings);
                    println!(
                        "Built {} pages, {} terms in {} ms → {}",
                        built.pages,
                        built.terms,
                        built.elapsed.as_millis(),
                        shown(&built.output_dir)
                    );
                    ExitCode::SUCCESS
                }
                Err(problems) => fail(&problems),
            }
        }
    }
}

/// The output folder as the user would write it: relative to the current folder if inside it.
fn shown(path: &std::path::Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let rel = path.strip_prefix(&cwd).unwrap_or(path);
    let rel = rel.strip_prefix(".").unwrap_or(rel);
    format!("{}/", rel.display())
}

fn print_all(diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        eprintln!("{d}");
    }
}

fn fail(problems: &[Diagnostic]) -> ExitCode {
    print_all(problems);
    let errors = problems.iter().filter(|d| d.is_error()).count();
    eprintln!(
        "error: build failed with {errors} error{}; the previous output is unchanged",
        if errors == 1 { "" } else { "s" }
    );
    ExitCode::from(1)
}
