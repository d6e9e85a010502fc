//! lede: a static-site generator for news explainers.
//!
//! The pipeline, one module per stage, data flowing one way (see `ARCHITECTURE.md`):
//! `load` (the only reader of the site's files) → `content`, `links`, `glossary`,
//! `sources`, `markdown`, `xref` and the cross-page stages, run by
//! [`site::Site::parse_and_link`] → `render`, `publish`, `search` → `output` (write).
//! [`build`] runs them all; [`engine::Engine`] keeps a site built in memory and rebuilds
//! what an edit touches (`serve` is HTTP, watching and reload around it). The CLI in
//! `main.rs` only parses arguments and prints.

pub mod check;
pub mod config;
pub mod content;
pub mod deploy;
pub mod diagnostics;
pub mod engine;
pub mod glossary;
pub mod html;
pub mod ids;
pub mod init;
pub mod inline;
pub mod layout;
pub mod links;
pub mod living;
pub mod living_render;
pub mod load;
pub mod markdown;
pub mod options;
pub mod output;
pub mod publish;
pub mod quotes;
pub mod render;
pub mod search;
pub mod sentences;
pub mod serve;
pub mod site;
pub mod sources;
pub mod timeline;
pub mod updates;
pub mod urls;
pub mod when;
pub mod xref;

use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use diagnostics::{Diagnostic, Level};
pub use engine::{Bytes, Delta, Engine, IndexJob};
pub use layout::{Change, SOURCE_DIRS, STATIC_DIR};
pub use options::{Clock, Mode, Options};
pub use site::Site;
pub use urls::{NOT_FOUND_FILE, Refused, RequestPath, content_type, page_of_file};

/// What a successful build did.
#[derive(Debug)]
pub struct Built {
    pub pages: usize,
    pub terms: usize,
    pub output_dir: PathBuf,
    pub elapsed: Duration,
    pub warnings: Vec<Diagnostic>,
}

/// Builds the site: load, parse, link, render, then write to the output folder atomically.
/// On failure the previous output is left exactly as it was.
pub fn build(options: &Options) -> Result<Built, Vec<Diagnostic>> {
    let started = Instant::now();
    let mut site = Site::load(options)?;
    let output_dir = site.output_dir(options);
    let mut tera = render::compile_templates(&load::read_templates(&site.root)?)?;
    let staging = output::Staging::open(&site.root, &output_dir)?;
    // The search index is built from the parsed text while the pages render.
    let indexing = site.config.search.enabled.then(|| search::start(&mut site));
    render::render_to(&site, &mut tera, &|file| staging.write(&file))?;
    if let Some(indexing) = indexing {
        use rayon::prelude::*;
        let files = indexing.finish().map_err(|d| vec![d])?;
        files
            .par_iter()
            .try_for_each(|file| staging.write(file))
            .map_err(|d| vec![d])?;
    }
    staging.finish(&site.static_files)?;
    let built = Built {
        pages: site.pages.len(),
        terms: site.glossary.terms.len(),
        output_dir,
        elapsed: started.elapsed(),
        warnings: std::mem::take(&mut site.warnings),
    };
    // Freeing a large site's millions of small allocations takes a noticeable share of the
    // build; nothing needs to wait for it (the command exits, a caller goes on).
    std::thread::spawn(move || drop(site));
    Ok(built)
}

/// The async runtime of `serve` and `deploy` (two workers: the machines lede targets are
/// small, and the work is I/O). `what` names it in the error.
pub(crate) fn runtime(what: &str) -> Result<tokio::runtime::Runtime, Vec<Diagnostic>> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| vec![Diagnostic::error("", format!("cannot start {what}: {e}"))])
}
