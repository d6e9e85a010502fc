//! Load stage, for an explainer that lives: pages under embargo are left out (or kept and
//! marked, in `lede serve`), and the generated pages (the timeline, the quotes, "What's
//! changed") are added as pages of their own, so that URLs, menus, links, the sitemap and
//! search treat them as any other page.
//!
//! Pure: works on the pages in memory.
#![deny(
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::path::{Path, PathBuf};

use crate::config::{Config, GeneratedPage};
use crate::content::{self, Page, PageKind, Source};
use crate::diagnostics::Diagnostic;
use crate::ids::PageId;
use crate::layout::CONFIG_FILE;

/// A page left out because its `publish_at` is ahead of the build's clock.
#[derive(Debug, Clone)]
pub struct Embargoed {
    pub key: String,
    pub path: PathBuf,
    pub until: String,
}

/// Which pages are the generated ones (indices into the page list).
#[derive(Debug, Clone, Copy, Default)]
pub struct Generated {
    pub timeline: Option<PageId>,
    pub quotes: Option<PageId>,
    pub updates: Option<PageId>,
}

/// Takes the pages whose `publish_at` is after `now` out of the build (unless `show`), and
/// returns them for the "link to an embargoed page" error.
pub fn embargo(pages: &mut Vec<Page>, now: i64, show: bool) -> Vec<Embargoed> {
    if show {
        return Vec::new();
    }
    let mut out = Vec::new();
    pages.retain(|p| match &p.meta.publish_at {
        Some(at) if at.utc > now => {
            out.push(Embargoed {
                key: p.key.clone(),
                path: p.path.clone(),
                until: at.display_time.clone(),
            });
            false
        }
        _ => true,
    });
    out
}

/// True if a page's `publish_at` is still ahead of `now` (shown only in the preview).
pub fn is_embargoed(page: &Page, now: i64) -> bool {
    page.meta.publish_at.as_ref().is_some_and(|at| at.utc > now)
}

/// True for a page lede made (it has no file of its own: its path is `site.toml`).
pub fn is_generated(page: &Page) -> bool {
    page.path == Path::new(CONFIG_FILE)
}

/// Adds the timeline, quotes and "What's changed" pages when the site has something to show
/// on them and no content file stands at their path.
pub fn add_generated(pages: &mut Vec<Page>, config: &Config) {
    let has_events = pages.iter().any(|p| !p.meta.events.is_empty());
    let has_updates = pages.iter().any(|p| !p.meta.updates.is_empty());
    let has_people = pages
        .iter()
        .any(|p| p.kind == PageKind::Term && crate::quotes::is_person(p));
    let wanted = [
        (
            has_events,
            &config.timeline,
            "Every dated event of the explainer, in order, each with the page that explains it.",
        ),
        (
            has_people,
            &config.quotes,
            "Every quotation in the explainer, by who said it.",
        ),
        (
            has_updates,
            &config.updates,
            "Every update and correction to the explainer, newest first.",
        ),
    ];
    let mut added = false;
    for (needed, page, description) in wanted {
        let key = page.key();
        if needed && !pages.iter().any(|p| p.key == key) {
            pages.push(synthetic(config, page, &key, description));
            added = true;
        }
    }
    if added {
        pages.sort_by(|a, b| a.key.cmp(&b.key));
    }
}

fn synthetic(config: &Config, page: &GeneratedPage, key: &str, description: &str) -> Page {
    let quoted = |s: &str| toml::Value::String(s.to_string()).to_string();
    let text = format!(
        "+++\ntitle = {}\ndescription = {}\n+++\n",
        quoted(&page.title),
        quoted(description)
    );
    let source = Source {
        key: key.to_string(),
        text,
    };
    let (mut made, _) = content::read_page(source, config);
    made.path = PathBuf::from(CONFIG_FILE);
    made
}

/// The indices of the generated pages (a content file at their path counts as one).
pub fn generated(pages: &[Page], config: &Config) -> Generated {
    let find = |g: &GeneratedPage| {
        let key = g.key();
        pages
            .iter()
            .position(|p| p.key == key && p.kind == PageKind::Page)
            .map(PageId)
    };
    Generated {
        timeline: find(&config.timeline),
        quotes: find(&config.quotes),
        updates: find(&config.updates),
    }
}

/// Records the ids the templates give updates, events and speakers on their pages, so that
/// links to them (`meeting.md#update-1`, `timeline.md#event-2025-11-30-florida-talks`) are
/// checked like links to headings.
pub fn add_ids(
    parsed: &mut [crate::markdown::Parsed],
    updates: &crate::updates::Updates,
    timeline: &crate::timeline::Timeline,
    quotes: &crate::quotes::Quotes,
    glossary: &crate::glossary::Glossary,
    generated: Generated,
) {
    for u in &updates.all {
        if let Some(p) = parsed.get_mut(u.page.0) {
            p.ids.insert(u.id.clone());
        }
    }
    if let Some(p) = generated.timeline.and_then(|t| parsed.get_mut(t.0)) {
        p.ids.extend(timeline.events.iter().map(|e| e.id.clone()));
    }
    if let Some(p) = generated.quotes.and_then(|q| parsed.get_mut(q.0)) {
        for (term, list) in glossary.terms.iter().zip(&quotes.by_speaker) {
            if !list.is_empty() {
                p.ids.insert(format!("speaker-{}", term.slug));
            }
        }
        if quotes.all.iter().any(|q| q.speaker.is_none()) {
            p.ids.insert("speaker-others".into());
        }
    }
}

/// Turns "link to a missing page" into "link to an embargoed page" where it is one.
pub fn embargoed_links(
    found: impl Iterator<Item = Diagnostic>,
    embargoed: &[Embargoed],
) -> Vec<Diagnostic> {
    found
        .map(|mut d| {
            let hit = embargoed.iter().find(|e| {
                d.message == format!("link to a missing page: `{}`", e.key)
            });
            if let Some(e) = hit {
                d.message = format!(
                    "link to {}, which is embargoed until {}",
                    e.path.display(),
                    e.until
                );
                d.help = Some(
                    "the published site would have a broken link: remove the link until then, or give this page the same `publish_at`".into(),
                );
            }
            d
        })
        .collect()
}
