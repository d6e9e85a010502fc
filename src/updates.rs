//! Link stage, updates and corrections: every page's `[[updates]]`, rendered once, newest
//! first, for the page's box, the "What's changed" page, the feed and the JSON-LD.
//!
//! Reads the parsed pages (for free ids); never renders templates or writes files.
#![deny(
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unwrap_used,
    clippy::expect_used
)]

use crate::content::Page;
use crate::content::front_matter::UpdateKind;
use crate::diagnostics::Diagnostic;
use crate::ids::{PageId, TermId};
use crate::markdown::{Env, Parsed};
use crate::when::Moment;

/// One update or correction of a page.
#[derive(Debug, Clone)]
pub struct PageUpdate {
    pub page: PageId,
    pub at: Moment,
    pub kind: UpdateKind,
    /// The text as HTML (inline), and as plain text.
    pub html: String,
    pub plain: String,
    /// Its id on the page (`update-1` is the oldest), for links from the feed and the
    /// "What's changed" page.
    pub id: String,
    pub terms: Vec<TermId>,
}

/// Every update of the site.
#[derive(Debug, Clone, Default)]
pub struct Updates {
    /// Newest first (ties: by page, then as written).
    pub all: Vec<PageUpdate>,
    /// For each page, its updates (indices into `all`), newest first.
    pub by_page: Vec<Vec<usize>>,
}

/// Renders every page's updates; an update dated after `now` (seconds, UTC) is a warning.
pub fn collect(env: &Env, parsed: &[Parsed], now: i64) -> (Updates, Vec<Diagnostic>) {
    let mut found = Vec::new();
    let mut all = Vec::new();
    for (index, page) in env.pages.iter().enumerate() {
        if page.meta.updates.is_empty() {
            continue;
        }
        let ids = parsed.get(index).map(|p| &p.ids);
        // Oldest first, so `update-1` stays the first update when more are added.
        let mut order: Vec<usize> = (0..page.meta.updates.len()).collect();
        order.sort_by_key(|&i| page.meta.updates.get(i).map_or(0, |u| u.at.utc));
        for (n, &i) in order.iter().enumerate() {
            let Some(u) = page.meta.updates.get(i) else {
                continue;
            };
            if u.at.utc > now {
                found.push(future(page, u));
            }
            let inline = crate::inline::render(
                env,
                PageId(index),
                &u.text,
                u.text_offset,
                u.offset,
                &mut found,
            );
            let mut id = format!("update-{}", n + 1);
            while ids.is_some_and(|ids| ids.contains(&id)) {
                id.push_str("-u");
            }
            all.push(PageUpdate {
                page: PageId(index),
                at: u.at.clone(),
                kind: u.kind,
                html: inline.html,
                plain: inline.plain,
                id,
                terms: inline.terms,
            });
        }
    }
    all.sort_by(|a, b| b.at.utc.cmp(&a.at.utc).then(a.page.cmp(&b.page)));
    let mut by_page = vec![Vec::new(); env.pages.len()];
    for (i, u) in all.iter().enumerate() {
        if let Some(list) = by_page.get_mut(u.page.0) {
            list.push(i);
        }
    }
    (Updates { all, by_page }, found)
}

fn future(page: &Page, u: &crate::content::front_matter::Update) -> Diagnostic {
    Diagnostic::warning(
        &page.path,
        format!(
            "this update is dated {}, after the build",
            u.at.display_time
        ),
    )
    .at(&page.text, u.offset, 1)
    .with_help("check `at`; to publish the page later, use `publish_at` instead")
}
