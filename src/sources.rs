//! Link stage, sources: the registry of the reports a site cites, the glossary's twin.
//!
//! Every page in the sources folder (`content/sources/seed.md`) is one source; its file stem
//! is the key a footnote reference cites (`[^seed]`). This module finds sources by key,
//! suggests near keys for a typo, and reports keys two files share. What cites what is
//! recorded by the Markdown stage and gathered by [`cited_on`]. Pure: never touches the
//! file system.

use std::borrow::Cow;

use foldhash::HashMap;

use std::fmt::Write as _;

use pulldown_cmark_escape::{escape_href, escape_html};

use crate::content::{FrontMatter, Page, PageKind};
use crate::diagnostics::Diagnostic;
use crate::ids::{PageId, SourceId};
use crate::links::LinkIndex;

crate::ids::index_by!(SourceId, Source);

/// One source: a page in the sources folder.
#[derive(Debug, Clone)]
pub struct Source {
    /// The source's page.
    pub page: PageId,
    /// The citation key: the file stem, lowercase (`seed`).
    pub key: String,
    /// The source in one line, escaped for an attribute: what a citation shows on hover.
    pub tip: String,
    /// The source as schema.org JSON (a `CreativeWork`), for the `citation` of the pages that
    /// cite it.
    pub json: String,
    /// The source as the HTML of a note (publisher, linked title, date, archived copy, a
    /// link to its page), made once and used by every page that cites it.
    pub note: String,
}

/// All sources, by key.
#[derive(Debug, Default)]
pub struct Sources {
    pub sources: Vec<Source>,
    by_key: HashMap<String, usize>,
    by_page: HashMap<usize, usize>,
}

impl Sources {
    /// Builds the registry from the loaded pages; two files with one key are an error.
    pub fn new(pages: &[Page], links: &LinkIndex) -> (Sources, Vec<Diagnostic>) {
        let mut registry = Sources::default();
        let mut diagnostics = Vec::new();
        for (index, page) in pages.iter().enumerate() {
            if page.kind != PageKind::Source {
                continue;
            }
            let key = citation_key(page.stem()).into_owned();
            if let Some(&other) = registry.by_key.get(&key) {
                let first = registry
                    .sources
                    .get(other)
                    .and_then(|s| pages.get(s.page.0))
                    .map_or_else(String::new, |p| p.path.display().to_string());
                diagnostics.push(
                    Diagnostic::error(
                        &page.path,
                        format!("source key `{key}` is also the key of {first}"),
                    )
                    .with_help("a source's file name is its key: rename one of the two files"),
                );
                continue;
            }
            registry.by_key.insert(key.clone(), registry.sources.len());
            registry.by_page.insert(index, registry.sources.len());
            registry.sources.push(Source {
                page: PageId(index),
                key,
                tip: tip(&page.meta),
                json: crate::html::script_safe(
                    serde_json::to_string(&creative_work(&page.meta)).unwrap_or_default(),
                ),
                note: note(&page.meta, links.href(PageId(index))),
            });
        }
        (registry, diagnostics)
    }

    /// The source a footnote label cites (`seed`, `Seed`), if any.
    pub fn lookup(&self, label: &str) -> Option<SourceId> {
        self.by_key
            .get(citation_key(label).as_ref())
            .copied()
            .map(SourceId)
    }

    /// The source whose page this is.
    pub fn source_of_page(&self, page: PageId) -> Option<SourceId> {
        self.by_page.get(&page.0).copied().map(SourceId)
    }

    /// The keys closest to `label`, for "did you mean" on an unknown citation.
    pub fn suggest(&self, label: &str) -> Vec<&str> {
        let keys = self.sources.iter().map(|s| (s.key.clone(), s.key.as_str()));
        crate::diagnostics::nearest(&citation_key(label), keys)
    }
}

/// A source as a schema.org `CreativeWork`: name, url, publisher, datePublished, author.
pub fn creative_work(meta: &FrontMatter) -> serde_json::Value {
    use serde_json::json;
    let mut v = json!({"@type": "CreativeWork", "name": meta.title});
    if let Some(url) = &meta.source.url {
        v["url"] = json!(url);
    }
    if let Some(publisher) = &meta.source.publisher {
        v["publisher"] = json!({"@type": "Organization", "name": publisher});
    }
    if let Some(date) = &meta.date {
        v["datePublished"] = json!(date.iso);
    }
    if let Some(author) = &meta.source.author {
        v["author"] = json!({"@type": "Person", "name": author});
    }
    v
}

/// `PBS NewsHour, “Witkoff and Kushner meet…”, 2 December 2025`, escaped for an attribute.
fn tip(meta: &FrontMatter) -> String {
    let mut parts: Vec<String> = Vec::new();
    parts.extend(meta.source.publisher.clone());
    parts.push(format!("“{}”", meta.title));
    parts.extend(meta.date.as_ref().map(|d| d.display.clone()));
    let mut tip = String::new();
    // Writing to a String cannot fail.
    let _ = escape_html(&mut tip, &parts.join(", "));
    tip
}

/// A source as the HTML of a note: publisher, linked title, date, archived copy, and a link
/// to the source's page (`href`).
fn note(meta: &FrontMatter, href: &str) -> String {
    let s = &meta.source;
    let mut html = String::new();
    if let Some(publisher) = &s.publisher {
        let _ = escape_html(&mut html, publisher);
        html.push_str(", ");
    }
    match &s.url {
        Some(url) => {
            html.push_str("<a href=\"");
            let _ = escape_href(&mut html, url.trim());
            html.push_str("\">");
            let _ = escape_html(&mut html, &meta.title);
            html.push_str("</a>");
        }
        None => {
            html.push('“');
            let _ = escape_html(&mut html, &meta.title);
            html.push_str("”, no web address recorded");
        }
    }
    if let Some(date) = &meta.date {
        html.push_str(", <time datetime=\"");
        let _ = escape_html(&mut html, &date.iso);
        html.push_str("\">");
        let _ = escape_html(&mut html, &date.display);
        html.push_str("</time>");
    }
    html.push('.');
    if let Some(archive) = &s.archive_url {
        html.push_str(" <a href=\"");
        let _ = escape_href(&mut html, archive.trim());
        html.push_str("\">Archived copy</a>.");
    }
    let _ = write!(html, " <a class=\"source-page\" href=\"");
    let _ = escape_href(&mut html, href);
    html.push_str("\">About this source</a>");
    html
}

/// A footnote label or file stem as a citation key: trimmed and lowercase, as footnote
/// labels match ignoring case.
pub fn citation_key(label: &str) -> Cow<'_, str> {
    let label = label.trim();
    // Most keys are plain lowercase ASCII (`seed`, `source-12`): skip the Unicode case test.
    if label
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        return Cow::Borrowed(label);
    }
    if label.chars().any(char::is_uppercase) {
        Cow::Owned(label.to_lowercase())
    } else {
        Cow::Borrowed(label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_case_and_suggest_near_ones() {
        assert_eq!(citation_key(" Seed "), "seed");
        let mut sources = Sources::default();
        for (i, key) in ["seed", "kremlin", "pbs"].iter().enumerate() {
            sources.by_key.insert(key.to_string(), i);
            sources.sources.push(Source {
                page: PageId(i),
                key: key.to_string(),
                tip: String::new(),
                json: String::new(),
                note: String::new(),
            });
        }
        assert_eq!(sources.lookup("SEED"), Some(SourceId(0)));
        assert_eq!(sources.lookup("sede"), None);
        assert_eq!(sources.suggest("sede").first(), Some(&"seed"));
        assert_eq!(sources.suggest("kremiln").first(), Some(&"kremlin"));
    }
}
