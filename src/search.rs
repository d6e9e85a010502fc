//! Render stage, part three: the search index, with Pagefind (the `pagefind` crate).
//!
//! lede hands Pagefind one custom record per page — the plain text the parse stage kept,
//! the title, a term's other names, the kind of page — rather than its HTML, so nothing is
//! parsed twice and hover definitions never count as words of the page that shows them.
//! The index is a set of static files for `pagefind/`, fetched by the browser in small
//! chunks. Feeds, redirects and the 404 page are not pages and are never indexed; nor is a
//! page with `search = false`. Returns files, never writes them.

use std::collections::BTreeMap;

use pagefind::api::{PagefindIndex, SyntheticFile};
use pagefind::options::PagefindServiceConfig;

use crate::content::PageKind;
use crate::diagnostics::Diagnostic;
use crate::render::OutputFile;
use crate::site::Site;

/// The output folder of the index: `pagefind/pagefind.js` and its chunks.
pub const DIR: &str = "pagefind";

/// What lede hands the indexer for one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The page's path from the site root: `/glossary/donbas/`. Pagefind's script puts it
    /// after the folder that holds `pagefind/`, so the index works under any base path.
    pub url: String,
    pub title: String,
    /// `term`, `source` or `page`: what the result list says the page is.
    pub kind: &'static str,
    /// A term's other names (`Donbass`): found like its title, and ranked as high.
    pub aliases: Vec<String>,
    /// The description or summary, then the body's text, HTML-escaped: Pagefind's excerpts
    /// are this text as HTML, with the words found in `<mark>`.
    pub content: String,
}

/// The records of every page that is searchable, in page order.
pub fn records(site: &Site) -> Vec<Record> {
    site.pages
        .iter()
        .enumerate()
        .filter(|(_, page)| !page.meta.hidden_from_search)
        .map(|(index, page)| {
            let term = site.glossary.term_of_page(index);
            let lead = page
                .meta
                .description
                .as_ref()
                .or(page.meta.summary.as_ref());
            let mut text = String::new();
            for part in lead.into_iter().chain([&site.parsed[index].text]) {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(part);
            }
            let mut content = String::with_capacity(text.len() + text.len() / 8);
            let _ = pulldown_cmark_escape::escape_html(&mut content, &text);
            Record {
                url: format!("/{}", page.site_path),
                title: page.meta.title.clone(),
                kind: match page.kind {
                    PageKind::Term => "term",
                    PageKind::Source => "source",
                    PageKind::Page | PageKind::Section => "page",
                },
                aliases: term
                    .map(|t| site.glossary.terms[t].aliases.clone())
                    .unwrap_or_default(),
                content,
            }
        })
        .collect()
}

/// The index being built on a thread of its own: from [`start`] until [`Indexing::finish`].
pub struct Indexing(std::thread::JoinHandle<Result<Vec<SyntheticFile>, String>>);

/// Starts indexing the searchable pages of `site` in the background.
pub fn start(site: &Site) -> Indexing {
    start_records(records(site), &site.config.language)
}

/// Starts indexing `records`, whose text is in `language` (an ISO 639-1 code such as
/// `en`). Pagefind is async and must not run inside `lede serve`'s runtime, so it gets a
/// thread and a runtime of its own; a panic inside it becomes an error of [`Indexing::finish`].
pub fn start_records(records: Vec<Record>, language: &str) -> Indexing {
    let language = language
        .split(['-', '_'])
        .next()
        .unwrap_or("en")
        .to_string();
    Indexing(std::thread::spawn(move || {
        // Pagefind resolves its (unused) default paths against the current folder.
        std::env::current_dir().map_err(|e| format!("no current folder ({e})"))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| e.to_string())?;
        runtime.block_on(run_pagefind(records, language))
    }))
}

impl Indexing {
    /// Waits for the index and returns its files, with their paths under [`DIR`]. Only what
    /// lede's search box loads is kept: Pagefind's own UI scripts and styles are left out.
    pub fn finish(self) -> Result<Vec<OutputFile>, Diagnostic> {
        let files = self
            .0
            .join()
            .unwrap_or_else(|_| Err("the indexer stopped unexpectedly".into()))
            .map_err(|why| {
                Diagnostic::error("", format!("cannot build the search index: {why}")).with_help(
                    "set `[search] enabled = false` in site.toml to build without search",
                )
            })?;
        // The generic WebAssembly is only loaded for a language that has none of its own.
        let own_wasm = files.iter().any(|f| {
            let name = f.filename.to_string_lossy();
            name.starts_with("wasm.") && name != UNKNOWN_WASM
        });
        Ok(files
            .into_iter()
            .filter_map(|file| {
                let name = file.filename.to_string_lossy().replace('\\', "/");
                let keep = wanted(&name) && !(own_wasm && name == UNKNOWN_WASM);
                keep.then(|| OutputFile {
                    path: format!("{DIR}/{name}"),
                    contents: file.contents,
                })
            })
            .collect())
    }
}

const UNKNOWN_WASM: &str = "wasm.unknown.pagefind";

async fn run_pagefind(
    records: Vec<Record>,
    language: String,
) -> Result<Vec<SyntheticFile>, String> {
    let options = PagefindServiceConfig::builder()
        .force_language(language.clone())
        .build();
    let mut index = PagefindIndex::new(Some(options)).map_err(|e| e.to_string())?;
    for record in records {
        let mut meta = BTreeMap::from([("title".to_string(), record.title)]);
        if !record.aliases.is_empty() {
            meta.insert("aliases".into(), record.aliases.join(", "));
        }
        let filters = BTreeMap::from([("kind".to_string(), vec![record.kind.to_string()])]);
        index
            .add_custom_record(
                record.url,
                record.content,
                language.clone(),
                Some(meta),
                Some(filters),
                None,
            )
            .await
            .map_err(|e| e.to_string())?;
    }
    let files = index.get_files().await.map_err(|e| e.to_string());
    // Pagefind holds gigabytes of small allocations at 10,000 pages; freeing them takes
    // seconds, which no build needs to wait for.
    std::thread::spawn(move || drop(index));
    files
}

/// The files of Pagefind's output that its search API needs: the script and its worker,
/// the entry point, the WebAssembly, and the index's chunks.
fn wanted(name: &str) -> bool {
    matches!(
        name,
        "pagefind.js" | "pagefind-worker.js" | "pagefind-entry.json"
    ) || name.starts_with("wasm.")
        || name.ends_with(".pf_meta")
        || name.starts_with("fragment/")
        || name.starts_with("index/")
        || name.starts_with("filter/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_search_api_files_are_kept() {
        for kept in [
            "pagefind.js",
            "pagefind-worker.js",
            "pagefind-entry.json",
            "wasm.en.pagefind",
            "pagefind.en_1234567.pf_meta",
            "fragment/en_123.pf_fragment",
            "index/en_123.pf_index",
            "filter/en_123.pf_filter",
        ] {
            assert!(wanted(kept), "{kept}");
        }
        for dropped in [
            "pagefind-ui.js",
            "pagefind-ui.css",
            "pagefind-modular-ui.js",
            "pagefind-component-ui.css",
            "pagefind-highlight.js",
            "playground/index.html",
        ] {
            assert!(!wanted(dropped), "{dropped}");
        }
    }
}
