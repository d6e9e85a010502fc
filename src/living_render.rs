//! Render stage, for updates, the timeline and quotes: the template data of each, borrowed
//! from the site (`page.updates`, `page.events`, `term.events`, `term.quotes`, and the
//! globals `timeline`, `changes` and `quotes`).
//!
//! Pure: builds serialisable views; never renders or writes.

use serde::Serialize;

use crate::content::front_matter::UpdateKind;
use crate::site::Site;
use crate::when::{EventDate, Moment};

/// An update or correction, as templates see it.
#[derive(Serialize)]
pub struct UpdateView<'a> {
    /// `update` or `correction`.
    pub kind: UpdateKind,
    /// `{iso, display, display_time}`.
    pub at: &'a Moment,
    /// The text as HTML (print with `| safe`) and as plain text.
    pub html: &'a str,
    pub text: &'a str,
    /// Its id on its page, and the link to it there.
    pub id: &'a str,
    pub anchor_url: String,
    pub page_title: &'a str,
    pub page_url: &'a str,
}

/// A timeline event, as templates see it.
#[derive(Serialize)]
pub struct EventView<'a> {
    /// `{iso, display, precision}`: `precision` is `year`, `month`, `day` or `time`.
    pub date: &'a EventDate,
    pub title: &'a str,
    pub html: &'a str,
    pub text: &'a str,
    /// Its id on the timeline page, and the link to it there (empty without a timeline page).
    pub id: &'a str,
    pub timeline_url: String,
    /// The page that explains it.
    pub page_title: &'a str,
    pub page_url: &'a str,
}

/// A quote, as templates see it.
#[derive(Serialize)]
pub struct QuoteView<'a> {
    pub text: &'a str,
    pub attribution: &'a str,
    pub page_title: &'a str,
    pub page_url: &'a str,
    /// The quote in place: `/meeting/#quote-2`.
    pub anchor_url: String,
    /// The speaker's name and page (absent when the attribution names no person).
    pub speaker: Option<&'a str>,
    pub speaker_url: Option<&'a str>,
}

/// The quotes of one speaker (or, last, of no known speaker).
#[derive(Serialize)]
pub struct SpeakerView<'a> {
    /// The person's name, or `Others` for quotes whose attribution names no person.
    pub title: &'a str,
    pub url: Option<&'a str>,
    /// An id for the group's heading: `speaker-yuri-ushakov`.
    pub id: String,
    pub quotes: Vec<QuoteView<'a>>,
}

pub fn update(site: &Site, i: usize) -> Option<UpdateView<'_>> {
    let u = site.updates.all.get(i)?;
    let page = site.pages.get(u.page.0)?;
    let page_url = site.links.href(u.page);
    Some(UpdateView {
        kind: u.kind,
        at: &u.at,
        html: &u.html,
        text: &u.plain,
        id: &u.id,
        anchor_url: crate::urls::anchor(page_url, &u.id),
        page_title: &page.meta.title,
        page_url,
    })
}

pub fn event(site: &Site, i: usize) -> Option<EventView<'_>> {
    let e = site.timeline.events.get(i)?;
    let page = site.pages.get(e.page.0)?;
    let timeline_url = site
        .generated
        .timeline
        .map(|t| crate::urls::anchor(site.links.href(t), &e.id))
        .unwrap_or_default();
    Some(EventView {
        date: &e.date,
        title: &e.title,
        html: &e.html,
        text: &e.plain,
        id: &e.id,
        timeline_url,
        page_title: &page.meta.title,
        page_url: site.links.href(e.page),
    })
}

pub fn quote(site: &Site, i: usize) -> Option<QuoteView<'_>> {
    let q = site.quotes.all.get(i)?;
    let page = site.pages.get(q.page.0)?;
    let r = site.parsed.get(q.page.0)?.quotes.get(q.quote)?;
    let page_url = site.links.href(q.page);
    let speaker = q.speaker.and_then(|t| site.glossary.terms.get(t.0));
    Some(QuoteView {
        text: &r.text,
        attribution: &r.attribution,
        page_title: &page.meta.title,
        page_url,
        anchor_url: crate::urls::anchor(page_url, &r.id),
        speaker: speaker.map(|t| t.title.as_str()),
        speaker_url: speaker.map(|t| site.links.href(t.page)),
    })
}

/// Every update of the site, newest first (the global `changes`).
pub fn changes(site: &Site) -> Vec<UpdateView<'_>> {
    (0..site.updates.all.len())
        .filter_map(|i| update(site, i))
        .collect()
}

/// A page's updates, newest first (`page.updates`).
pub fn page_updates(site: &Site, page: usize) -> Vec<UpdateView<'_>> {
    site.updates
        .by_page
        .get(page)
        .map(|list| list.iter().filter_map(|&i| update(site, i)).collect())
        .unwrap_or_default()
}

/// Every event, in date order (the global `timeline`).
pub fn timeline(site: &Site) -> Vec<EventView<'_>> {
    (0..site.timeline.events.len())
        .filter_map(|i| event(site, i))
        .collect()
}

/// A page's own events (`page.events`).
pub fn page_events(site: &Site, page: usize) -> Vec<EventView<'_>> {
    site.timeline
        .by_page
        .get(page)
        .map(|list| list.iter().filter_map(|&i| event(site, i)).collect())
        .unwrap_or_default()
}

/// The events that mention a term (`term.events`).
pub fn term_events(site: &Site, term: crate::ids::TermId) -> Vec<EventView<'_>> {
    site.timeline
        .by_term
        .get(term.0)
        .map(|list| list.iter().filter_map(|&i| event(site, i)).collect())
        .unwrap_or_default()
}

/// A person's quotes (`term.quotes`).
pub fn term_quotes(site: &Site, term: crate::ids::TermId) -> Vec<QuoteView<'_>> {
    site.quotes
        .by_speaker
        .get(term.0)
        .map(|list| list.iter().filter_map(|&i| quote(site, i)).collect())
        .unwrap_or_default()
}

/// Every quote grouped by speaker, A–Z, then the quotes of no known speaker (the global
/// `quotes`).
pub fn speakers(site: &Site) -> Vec<SpeakerView<'_>> {
    let mut groups: Vec<SpeakerView> = Vec::new();
    let mut people: Vec<usize> = (0..site.glossary.terms.len())
        .filter(|&t| site.quotes.by_speaker.get(t).is_some_and(|l| !l.is_empty()))
        .collect();
    people.sort_by_key(|&t| {
        site.glossary
            .terms
            .get(t)
            .map(|term| term.title.to_lowercase())
    });
    for t in people {
        let Some(term) = site.glossary.terms.get(t) else {
            continue;
        };
        groups.push(SpeakerView {
            title: &term.title,
            url: Some(site.links.href(term.page)),
            id: format!("speaker-{}", term.slug),
            quotes: term_quotes(site, crate::ids::TermId(t)),
        });
    }
    let others: Vec<QuoteView> = site
        .quotes
        .all
        .iter()
        .enumerate()
        .filter(|(_, q)| q.speaker.is_none())
        .filter_map(|(i, _)| quote(site, i))
        .collect();
    if !others.is_empty() {
        groups.push(SpeakerView {
            title: "Others",
            url: None,
            id: "speaker-others".into(),
            quotes: others,
        });
    }
    groups
}
