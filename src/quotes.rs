//! Link stage, who said what: every attributed quote the Markdown stage recorded, matched
//! to the person its attribution names (a glossary term of category `person`, by title or
//! alias), for each person's "Quoted" list and the quotes page.
//!
//! An attribution that names no person is a warning at the quote, with the nearest names
//! (on a site whose glossary has people at all).
//! Never renders templates or writes files.
#![deny(
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unwrap_used,
    clippy::expect_used
)]

use foldhash::HashMap;

use crate::content::Page;
use crate::diagnostics::Diagnostic;
use crate::glossary::Glossary;
use crate::ids::{PageId, TermId};
use crate::markdown::Parsed;

/// One attributed quote: where it is, and who said it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    pub page: PageId,
    /// Index into the page's `Parsed::quotes`.
    pub quote: usize,
    /// The person term the attribution names, if any.
    pub speaker: Option<TermId>,
}

/// Every quote of the site.
#[derive(Debug, Clone, Default)]
pub struct Quotes {
    /// In reading order of the pages (by key), then as written.
    pub all: Vec<Quote>,
    /// For each term, its quotes (indices into `all`).
    pub by_speaker: Vec<Vec<usize>>,
}

/// True for a term that can be quoted: category `person` (any case).
pub fn is_person(page: &Page) -> bool {
    page.meta
        .category
        .as_deref()
        .is_some_and(|c| c.trim().eq_ignore_ascii_case("person"))
}

/// Matches every quote's attribution to a person. `skip` is the quotes page itself (its own
/// quotes, if any, are not listed twice).
pub fn collect(
    pages: &[Page],
    parsed: &[Parsed],
    glossary: &Glossary,
    skip: Option<PageId>,
) -> (Quotes, Vec<Diagnostic>) {
    let mut found = Vec::new();
    let mut all = Vec::new();
    let mut by_speaker = vec![Vec::new(); glossary.terms.len()];
    let person = |term: TermId| {
        glossary
            .terms
            .get(term.0)
            .and_then(|t| pages.get(t.page.0))
            .is_some_and(is_person)
    };
    // The names a speaker can go by, lowercased once for every "did you mean" (a site can
    // have thousands of quotes). A site with no person in its glossary does not attribute
    // quotes: no warnings then.
    let people: Vec<(String, &str)> = glossary
        .terms
        .iter()
        .enumerate()
        .filter(|(i, _)| person(TermId(*i)))
        .flat_map(|(_, t)| std::iter::once(&t.title).chain(&t.aliases))
        .map(|name| (name.to_lowercase(), name.as_str()))
        .collect();
    let attributes = !people.is_empty();
    // Unnamed speakers repeat ("a senior official"): each name is compared once.
    let mut suggestions: HashMap<String, String> = HashMap::default();
    for (index, (page, p)) in pages.iter().zip(parsed).enumerate() {
        if Some(PageId(index)) == skip {
            continue;
        }
        for (n, q) in p.quotes.iter().enumerate() {
            let speaker = glossary
                .mentions(&q.attribution)
                .map(|(_, term)| term)
                .find(|&t| person(t));
            if speaker.is_none() && attributes {
                let name = speaker_name(&q.attribution);
                let help = suggestions
                    .entry(name.to_lowercase())
                    .or_insert_with_key(|lower| help_for(lower, &people));
                found.push(unmatched(page, q, help.clone()));
            }
            if let Some(list) = speaker.and_then(|s| by_speaker.get_mut(s.0)) {
                list.push(all.len());
            }
            all.push(Quote {
                page: PageId(index),
                quote: n,
                speaker,
            });
        }
    }
    (Quotes { all, by_speaker }, found)
}

/// The speaker's name in an attribution: what comes before the first comma.
fn speaker_name(attribution: &str) -> &str {
    attribution.split(',').next().unwrap_or_default().trim()
}

/// How to fix an attribution that names no person, with the nearest names to `name`
/// (lowercased).
fn help_for(name: &str, people: &[(String, &str)]) -> String {
    let nearest = crate::diagnostics::nearest(
        name,
        people.iter().map(|(lower, shown)| (lower.as_str(), *shown)),
    );
    if nearest.is_empty() {
        "name the speaker as a glossary term of `category = \"person\"` (by title or alias)"
            .to_string()
    } else {
        format!(
            "did you mean {}? Speakers are glossary terms of `category = \"person\"`, by title or alias",
            nearest
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

fn unmatched(page: &Page, q: &crate::markdown::QuoteRef, help: String) -> Diagnostic {
    let shown: String = q.attribution.chars().take(80).collect();
    Diagnostic::warning(
        &page.path,
        format!("the quote's attribution `{shown}` names no person in the glossary"),
    )
    .at(&page.text, q.offset, 1)
    .with_help(help)
}

/// Whether an edit may add, change or remove an attributed quote: the blockquote lines
/// changed, and before or after the edit one of them starts with a dash (an attribution).
pub fn attributions_changed(old_body: &str, new_body: &str) -> bool {
    let quote_lines = |body: &str| -> Vec<String> {
        body.lines()
            .map(str::trim_start)
            .filter(|line| line.starts_with('>'))
            .map(str::to_string)
            .collect()
    };
    let attribution = |lines: &[String]| {
        lines.iter().any(|line| {
            line.trim_start_matches(|c: char| c == '>' || c.is_whitespace())
                .starts_with(['—', '–', '-'])
        })
    };
    let (old, new) = (quote_lines(old_body), quote_lines(new_body));
    old != new && (attribution(&old) || attribution(&new))
}
