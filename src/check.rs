//! `lede check`: run load, parse and link, then report every problem. Writes nothing.

use serde::Serialize;

use crate::diagnostics::Diagnostic;
use crate::site::{Options, Site};

/// What `check` found.
pub struct Report {
    pub pages: usize,
    pub terms: usize,
    pub links: usize,
    /// Errors first, then warnings, each in file order.
    pub problems: Vec<Diagnostic>,
}

/// Checks the site at `options.root`.
pub fn check(options: &Options, _external: bool) -> Report {
    match Site::load(options) {
        Ok(site) => Report {
            pages: site.pages.len(),
            terms: site.glossary.terms.len(),
            links: site.parsed.iter().map(|p| p.anchor_refs.len()).sum(),
            problems: site.warnings,
        },
        Err(problems) => Report {
            pages: 0,
            terms: 0,
            links: 0,
            problems,
        },
    }
}

#[derive(Serialize)]
struct JsonProblem<'a> {
    level: String,
    path: String,
    line: usize,
    column: usize,
    message: &'a str,
    help: Option<&'a str>,
}

/// The problems as a JSON array, for CI.
pub fn to_json(problems: &[Diagnostic]) -> String {
    let items: Vec<JsonProblem> = problems
        .iter()
        .map(|d| JsonProblem {
            level: d.level.to_string(),
            path: d.path.to_string_lossy().replace('\\', "/"),
            line: d.line,
            column: d.col,
            message: &d.message,
            help: d.help.as_deref(),
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into())
}
