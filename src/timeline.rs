//! Link stage, the timeline: every page's `[[events]]` merged into one chronology, in date
//! order (partial dates first within their period), each event rendered once and linked to
//! the page that explains it; and, for each term, the events that mention it.
//!
//! Never renders templates or writes files.
#![deny(
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::collections::HashMap;

use crate::diagnostics::Diagnostic;
use crate::ids::{PageId, TermId};
use crate::markdown::Env;
use crate::when::EventDate;

/// One event of the timeline.
#[derive(Debug, Clone)]
pub struct Event {
    /// The page that explains it (where it is written).
    pub page: PageId,
    pub date: EventDate,
    pub title: String,
    /// The text as HTML (inline), and as plain text.
    pub html: String,
    pub plain: String,
    /// Its id on the timeline page: `event-2025-11-30-florida-talks`.
    pub id: String,
    /// Terms the title or text mention.
    pub terms: Vec<TermId>,
}

/// The site's chronology.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    /// In date order.
    pub events: Vec<Event>,
    /// For each term, the events that mention it (indices into `events`), in date order.
    pub by_term: Vec<Vec<usize>>,
    /// For each page, its events (indices into `events`), in date order.
    pub by_page: Vec<Vec<usize>>,
}

/// Merges and renders every page's events. The same event (date and title, ignoring case)
/// written twice is an error naming both places.
pub fn collect(env: &Env) -> (Timeline, Vec<Diagnostic>) {
    let mut found = Vec::new();
    let mut events = Vec::new();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for (index, page) in env.pages.iter().enumerate() {
        for e in &page.meta.events {
            let key = (e.date.key.clone(), e.title.trim().to_lowercase());
            if let Some(&first) = seen.get(&key) {
                found.push(twice(env, page, e, first));
                continue;
            }
            seen.insert(key, index);
            events.push(event(env, PageId(index), e, &mut found));
        }
    }
    // A stable sort: events of the same moment keep the order of their pages (by file)
    // and the order they are written in, which the author controls.
    events.sort_by_key(|e| e.date.sort);
    give_ids(&mut events);
    let mut by_term = vec![Vec::new(); env.glossary.terms.len()];
    let mut by_page = vec![Vec::new(); env.pages.len()];
    for (i, e) in events.iter().enumerate() {
        for &t in &e.terms {
            if let Some(list) = by_term.get_mut(t.0) {
                list.push(i);
            }
        }
        if let Some(list) = by_page.get_mut(e.page.0) {
            list.push(i);
        }
    }
    (
        Timeline {
            events,
            by_term,
            by_page,
        },
        found,
    )
}

/// One event of `page`, its text rendered, with the terms its text links or its title names.
fn event(
    env: &Env,
    page: PageId,
    e: &crate::content::front_matter::TimelineEvent,
    found: &mut Vec<Diagnostic>,
) -> Event {
    let inline = crate::inline::render(env, page, &e.text, e.text_offset, e.offset, found);
    let mut terms = inline.terms;
    for (_, term) in env.glossary.mentions(&e.title) {
        if !terms.contains(&term) && env.glossary.term_of_page(page) != Some(term) {
            terms.push(term);
        }
    }
    Event {
        page,
        date: e.date.clone(),
        title: e.title.clone(),
        html: inline.html,
        plain: inline.plain,
        id: String::new(),
        terms,
    }
}

/// The same event (date and title) on a second page.
fn twice(
    env: &Env,
    page: &crate::content::Page,
    e: &crate::content::front_matter::TimelineEvent,
    first: usize,
) -> Diagnostic {
    let other = (env.pages.get(first)).map_or_else(String::new, |p| p.path.display().to_string());
    Diagnostic::error(
        &page.path,
        format!("the event `{} {}` is also on {other}", e.date.key, e.title),
    )
    .at(&page.text, e.offset, 1)
    .with_help("keep it on the page that explains it, and remove the other")
}

/// `event-2025-11-30-florida-talks`, then `-2`, `-3` for the same date and title.
fn give_ids(events: &mut [Event]) {
    let mut ids: HashMap<String, usize> = HashMap::new();
    for e in events {
        let slug: String = crate::links::slugify(&e.title).chars().take(60).collect();
        let base = format!("event-{}-{slug}", e.date.key);
        let n = ids.entry(base.clone()).or_insert(0);
        *n += 1;
        e.id = if *n == 1 { base } else { format!("{base}-{n}") };
    }
}
