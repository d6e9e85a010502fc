//! Render stage, part three: the search index, in Pagefind's format.
//!
//! lede writes the index itself ([`writer`]), from one record per page — the plain text the
//! parse stage kept, the title, a term's other names, the kind of page — rather than from
//! its HTML, so nothing is parsed twice and hover definitions never count as words of the
//! page that shows them. The words are split and stemmed as Pagefind splits them
//! ([`words`]), so that Pagefind's script and WebAssembly, which lede takes from the
//! `pagefind` crate, search it as their own. The index is a set of static files for
//! `pagefind/`, fetched by the browser in small chunks. Feeds, redirects and the 404 page
//! are not pages and are never indexed; nor is a page with `search = false`. Returns files,
//! never writes them.

mod cbor;
pub mod words;
mod writer;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::content::PageKind;
use crate::diagnostics::Diagnostic;
use crate::output::OutputFile;
use crate::site::Site;
use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;
use serde::Serialize;

/// The output folder of the index: `pagefind/pagefind.js` and its chunks.
pub const DIR: &str = crate::urls::SEARCH_DIR;

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
    records_of(site, &|index| &site.parsed[index].text)
}

/// The records, with each page's text from `text` (by page number), made on all cores: it
/// copies and escapes every page's text, and the pages wait for it.
fn records_of<'a>(site: &'a Site, body: &(dyn Fn(usize) -> &'a str + Sync)) -> Vec<Record> {
    use rayon::prelude::*;
    site.pages
        .par_iter()
        .enumerate()
        .filter(|(_, page)| !page.meta.hidden_from_search)
        .map(|(index, page)| {
            let term = site.glossary.term_of_page(crate::ids::PageId(index));
            let lead = page
                .meta
                .description
                .as_ref()
                .or(page.meta.summary.as_ref());
            let body = body(index);
            let len = lead.map_or(0, |lead| lead.len() + 1) + body.len();
            let mut content = String::with_capacity(len + len / 8);
            for part in lead.map(String::as_str).into_iter().chain([body]) {
                if !content.is_empty() {
                    content.push(' ');
                }
                let _ = pulldown_cmark_escape::escape_html(&mut content, part);
            }
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
pub struct Indexing(std::thread::JoinHandle<Result<Vec<OutputFile>, String>>);

/// Starts indexing the searchable pages of `site` in the background, taking their plain
/// text out of it (nothing else reads it): the memory it held is used again by the pages
/// being rendered, instead of fresh memory, which costs more than its copy.
pub fn start(site: &mut Site) -> Indexing {
    let texts: Vec<String> = site
        .parsed
        .iter_mut()
        .map(|parsed| std::mem::take(&mut parsed.text))
        .collect();
    let records = records_of(site, &|index| &texts[index]);
    drop(texts);
    start_records(records, &site.config.language)
}

/// How the indexer's threads share the cores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// Like the rest of the build (`lede build` waits for the index).
    Normal,
    /// Below everything else (`lede serve`: a rebuild that a save asks for runs first, and the
    /// index catches up on what the rebuild leaves of the cores).
    Background,
}

/// Starts indexing `records`, whose text is in `language` (an ISO 639-1 code such as `en`,
/// or a tag such as `en-GB`), on a thread of its own; a panic inside it becomes an error
/// of [`Indexing::finish`].
pub fn start_records(records: Vec<Record>, language: &str) -> Indexing {
    start_records_at(records, language, Priority::Normal)
}

/// [`start_records`] at a priority.
pub fn start_records_at(records: Vec<Record>, language: &str, priority: Priority) -> Indexing {
    let language = base_language(language);
    Indexing(std::thread::spawn(move || {
        if priority == Priority::Background {
            lower_priority();
        }
        // A pool of its own: in rayon's global pool, which renders the pages meanwhile, the
        // index's work would queue behind every page and start only once they are done. With
        // its own threads the system shares the cores between both, and whichever finishes
        // first leaves them all to the other.
        match rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("lede-search-{i}"))
            .start_handler(move |_| {
                if priority == Priority::Background {
                    lower_priority();
                }
            })
            .build()
        {
            Ok(pool) => pool.install(|| index(&records, &language)),
            Err(_) => index(&records, &language),
        }
    }))
}

/// The niceness [`Priority::Background`] threads get (0 is normal, 19 the lowest).
pub const BACKGROUND_NICE: i32 = 10;

/// Lowers the calling thread's priority (on Linux the nice value is per thread); elsewhere,
/// or if refused, the thread keeps its priority.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only reads its integer arguments; `0` names the calling thread.
    unsafe {
        let _ = libc::setpriority(libc::PRIO_PROCESS, 0, BACKGROUND_NICE);
    }
}

impl Indexing {
    /// Waits for the index and returns its files, with their paths under [`DIR`].
    pub fn finish(self) -> Result<Vec<OutputFile>, Diagnostic> {
        self.0
            .join()
            .unwrap_or_else(|_| Err("the indexer stopped unexpectedly".into()))
            .map_err(|why| {
                Diagnostic::error("", format!("cannot build the search index: {why}")).with_help(
                    "set `[search] enabled = false` in site.toml to build without search",
                )
            })
    }
}

/// `en` of `en-GB` or `en_GB`: Pagefind's stemmers and WebAssembly are per language.
fn base_language(language: &str) -> String {
    match language.split(['-', '_']).next() {
        Some(base) if !base.is_empty() => base.to_ascii_lowercase(),
        _ => "en".into(),
    }
}

/// The gzip level of the index files: see [`writer::GZIP_LEVEL`].
pub use writer::GZIP_LEVEL;

/// The index of `records` in `language` (a base language: `en`), with Pagefind's script,
/// worker and WebAssembly: every file under [`DIR`] the search box needs.
pub fn index(records: &[Record], language: &str) -> Result<Vec<OutputFile>, String> {
    index_at(records, language, GZIP_LEVEL)
}

/// [`index`], gzipping at `level` (libdeflate's, 0–12): for measuring what the level costs
/// and saves.
#[doc(hidden)]
pub fn index_at(records: &[Record], language: &str, level: u32) -> Result<Vec<OutputFile>, String> {
    // Pagefind's files are taken while the index is written.
    let (assets, index) = std::thread::scope(|scope| {
        let assets = scope.spawn(|| assets(language));
        let index = writer::write(records, language, level);
        let assets = assets
            .join()
            .unwrap_or_else(|_| Err("taking Pagefind's scripts failed".into()));
        (assets, index)
    });
    let assets = assets?;
    let mut files = Vec::with_capacity(index.files.len() + assets.files.len() + 2);
    let mut languages = BTreeMap::new();
    if let Some((path, name, contents)) = index.meta_file(language, &assets.version, level) {
        let entry = EntryLanguage {
            hash: name,
            wasm: assets.wasm.clone(),
            page_count: index.page_count,
        };
        languages.insert(language.to_string(), entry);
        files.push(OutputFile {
            path: format!("{DIR}/{path}"),
            contents,
        });
    }
    let entry = Entry {
        version: &assets.version,
        languages,
        include_characters: &words::WORD_SYMBOLS,
    };
    files.push(OutputFile {
        path: format!("{DIR}/pagefind-entry.json"),
        contents: serde_json::to_vec(&entry).map_err(|e| e.to_string())?,
    });
    for (name, contents) in assets.files.iter() {
        files.push(OutputFile {
            path: format!("{DIR}/{name}"),
            contents: contents.to_vec(),
        });
    }
    for (name, contents) in index.files {
        files.push(OutputFile {
            path: format!("{DIR}/{name}"),
            contents,
        });
    }
    debug_assert!(files.iter().all(|f| wanted(&f.path[DIR.len() + 1..])));
    Ok(files)
}

/// The Pagefind whose format [`writer`] writes (any 1.6 release: the `pagefind` dependency
/// is held to 1.6, and a test checks its files against lede's).
const PAGEFIND_FORMAT: &str = "1.6.";

/// `pagefind-entry.json`: where the script starts.
#[derive(Serialize)]
struct Entry<'a> {
    version: &'a str,
    languages: BTreeMap<String, EntryLanguage>,
    include_characters: &'a [char],
}

#[derive(Serialize)]
struct EntryLanguage {
    /// The meta file's name.
    hash: String,
    /// The language's own WebAssembly (`wasm.en.pagefind`), or `None` for the generic one.
    wasm: Option<String>,
    page_count: usize,
}

/// Pagefind's files for a language: its script and worker, and the WebAssembly that
/// searches the index (the language's own, with its stemmer, or the generic one).
struct Assets {
    version: String,
    wasm: Option<String>,
    files: Vec<(String, Arc<[u8]>)>,
}

/// Pagefind's files for `language`, taken once per process: the crate gives them only with
/// an index, and minifies its script each time, so it indexes one tiny page, once.
fn assets(language: &str) -> Result<Arc<Assets>, String> {
    static TAKEN: OnceLock<Mutex<BTreeMap<String, Arc<Assets>>>> = OnceLock::new();
    let taken = TAKEN.get_or_init(Default::default);
    let mut taken = taken.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(assets) = taken.get(language) {
        return Ok(assets.clone());
    }
    let assets = Arc::new(take_assets(language)?);
    taken.insert(language.to_string(), assets.clone());
    Ok(assets)
}

fn take_assets(language: &str) -> Result<Assets, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| e.to_string())?;
    let files = runtime.block_on(async {
        let options = PagefindServiceConfig::builder()
            .force_language(language.to_string())
            .build();
        let mut index = PagefindIndex::new(Some(options)).map_err(|e| e.to_string())?;
        index
            .add_custom_record(
                "/".into(),
                "lede".into(),
                language.to_string(),
                None,
                None,
                None,
            )
            .await
            .map_err(|e| e.to_string())?;
        index.get_files().await.map_err(|e| e.to_string())
    })?;
    let mut version = None;
    let mut kept = Vec::new();
    for file in files {
        let name = file.filename.to_string_lossy().replace('\\', "/");
        if name == "pagefind-entry.json" {
            let entry: serde_json::Value =
                serde_json::from_slice(&file.contents).map_err(|e| e.to_string())?;
            version = entry["version"].as_str().map(str::to_string);
        } else if asset(&name) {
            kept.push((name, Arc::<[u8]>::from(file.contents)));
        }
    }
    let version = version.ok_or("Pagefind wrote no entry file")?;
    if !version.starts_with(PAGEFIND_FORMAT) {
        return Err(format!(
            "lede writes indexes for Pagefind {PAGEFIND_FORMAT}x, and its script is {version}"
        ));
    }
    // The generic WebAssembly is only loaded for a language that has none of its own.
    let own = format!("wasm.{language}.pagefind");
    let wasm = kept.iter().any(|(name, _)| *name == own);
    kept.retain(|(name, _)| !(wasm && name == UNKNOWN_WASM));
    for needed in ["pagefind.js", "pagefind-worker.js"] {
        if !kept.iter().any(|(name, _)| name == needed) {
            return Err(format!("Pagefind wrote no {needed}"));
        }
    }
    Ok(Assets {
        version,
        wasm: wasm.then(|| language.to_string()),
        files: kept,
    })
}

const UNKNOWN_WASM: &str = "wasm.unknown.pagefind";

/// Pagefind's files that its search API needs: the script and its worker and the
/// WebAssembly (not its UI scripts and styles, nor the index of the tiny page).
fn asset(name: &str) -> bool {
    matches!(name, "pagefind.js" | "pagefind-worker.js") || name.starts_with("wasm.")
}

/// The files of the index and of Pagefind's that its search API needs: the script and its
/// worker, the entry point, the WebAssembly, and the index's chunks.
fn wanted(name: &str) -> bool {
    asset(name)
        || name == "pagefind-entry.json"
        || name.ends_with(".pf_meta")
        || name.starts_with("fragment/")
        || name.starts_with("index/")
        || name.starts_with("filter/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn background_threads_are_niced_and_others_are_not() {
        // SAFETY: getpriority only reads its integer arguments (0: the calling thread).
        let nice = || unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        let before = nice();
        let lowered = std::thread::spawn(move || {
            lower_priority();
            nice()
        })
        .join()
        .unwrap();
        // Set to 10, or left where it was if already lower (an unprivileged thread cannot rise).
        assert_eq!(lowered, before.max(BACKGROUND_NICE));
        assert_eq!(nice(), before, "only the calling thread");
    }

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
