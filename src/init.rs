//! `lede init DIR`: scaffold a new explainer that builds and checks clean at once.

use std::path::Path;

use crate::diagnostics::Diagnostic;

/// Creates a new site in `dir`, which must be empty or missing.
pub fn init(_dir: &Path) -> Result<(), Vec<Diagnostic>> {
    Err(vec![Diagnostic::error(
        "",
        "lede init is not implemented yet",
    )])
}
