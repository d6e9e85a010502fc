//! The output folder as deploy sees it: every file with its size, BLAKE3 hash and headers.
//! Only reads the folder `lede build` wrote; never writes it.

use std::fs;
use std::path::Path;

use rayon::prelude::*;
use walkdir::WalkDir;

use super::headers::HeaderRules;
use super::plan::{Entry, MANIFEST};
use crate::diagnostics::Diagnostic;
use crate::output::MARKER;

/// One file of the output folder.
#[derive(Debug, Clone)]
pub struct LocalFile {
    /// Relative to the output folder, with `/` (`glossary/donbas/index.html`): the object key
    /// under the target's prefix.
    pub path: String,
    /// What the manifest records for it: hash, size and headers.
    pub entry: Entry,
}

/// Reads and hashes every file of the built output folder, sorted by path.
pub fn scan(output: &Path, rules: &HeaderRules) -> Result<Vec<LocalFile>, Diagnostic> {
    if !output.join(MARKER).is_file() {
        return Err(Diagnostic::error(
            "",
            format!("`{}` holds no site built by lede", output.display()),
        )
        .with_help("run `lede build` first, or `lede deploy --build`"));
    }
    let paths = list(output)?;
    let mut files = paths
        .par_iter()
        .map(|path| hash_file(output, path, rules))
        .collect::<Result<Vec<_>, _>>()?;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

fn list(output: &Path) -> Result<Vec<String>, Diagnostic> {
    let mut paths = Vec::new();
    for entry in WalkDir::new(output).follow_links(false) {
        let entry = entry.map_err(|e| read_error(output, &e.to_string()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(output).unwrap_or(entry.path());
        let Some(rel) = rel.to_str() else {
            let why = "a file name is not UTF-8, so it cannot be an object key";
            return Err(read_error(entry.path(), why));
        };
        let rel = rel.replace(std::path::MAIN_SEPARATOR, "/");
        if rel != MARKER && rel != MANIFEST {
            paths.push(rel);
        }
    }
    Ok(paths)
}

fn hash_file(output: &Path, path: &str, rules: &HeaderRules) -> Result<LocalFile, Diagnostic> {
    let full = output.join(path);
    let bytes = fs::read(&full).map_err(|e| read_error(&full, &e.to_string()))?;
    let headers = rules.for_path(path);
    Ok(LocalFile {
        path: path.to_string(),
        entry: Entry {
            blake3: blake3::hash(&bytes).to_hex().to_string(),
            size: bytes.len() as u64,
            content_type: headers.content_type,
            cache_control: headers.cache_control,
        },
    })
}

fn read_error(path: &Path, why: &str) -> Diagnostic {
    Diagnostic::error("", format!("cannot read `{}`: {why}", path.display()))
}
