//! Cross-references, after every page is parsed: what reads many pages' parse results at
//! once. Backlinks ("Mentioned in"), related terms and "Cited on" lists are computed here,
//! so that the glossary and the source registry never read parsed pages.

use std::collections::HashMap;

use crate::glossary::{Glossary, Term};
use crate::ids::{CitationRef, MentionRef, PageId, TermId};
use crate::markdown::Parsed;
use crate::sources::Sources;

/// For each term (by [`TermId`]): the mentions that link to it, one per page (its first),
/// in page order.
pub fn backlinks(glossary: &Glossary, parsed: &[Parsed]) -> Vec<Vec<MentionRef>> {
    let mut backlinks = vec![Vec::new(); glossary.terms.len()];
    for (page, p) in parsed.iter().enumerate() {
        let mut seen = HashMap::new();
        for (i, m) in p.mentions.iter().enumerate() {
            seen.entry(m.term).or_insert(i);
        }
        let mut firsts: Vec<(TermId, usize)> = seen.into_iter().collect();
        firsts.sort_by_key(|&(_, i)| i);
        for (term, mention) in firsts {
            if let Some(list) = backlinks.get_mut(term.0) {
                list.push(MentionRef {
                    page: PageId(page),
                    mention,
                });
            }
        }
    }
    backlinks
}

/// For each term (by [`TermId`]): terms its definition links to, then terms whose
/// definitions link to it.
pub fn related(glossary: &Glossary, parsed: &[Parsed]) -> Vec<Vec<TermId>> {
    let mut related: Vec<Vec<TermId>> = vec![Vec::new(); glossary.terms.len()];
    let links = |term: &Term| parsed.get(term.page.0).map_or(&[][..], |p| &p.terms[..]);
    let mut add = |to: TermId, other: TermId| {
        if let Some(list) = related
            .get_mut(to.0)
            .filter(|l| to != other && !l.contains(&other))
        {
            list.push(other);
        }
    };
    for (t, term) in glossary.terms.iter().enumerate() {
        for &other in links(term) {
            add(TermId(t), other);
        }
    }
    for (t, term) in glossary.terms.iter().enumerate() {
        for &other in links(term) {
            add(other, TermId(t));
        }
    }
    related
}

/// For each source (by `SourceId`): the first citation on every page that cites it, in
/// page order.
pub fn cited_on(sources: &Sources, parsed: &[Parsed]) -> Vec<Vec<CitationRef>> {
    let mut cited = vec![Vec::new(); sources.sources.len()];
    for (page, p) in parsed.iter().enumerate() {
        for (i, citation) in p.citations.iter().enumerate().filter(|(_, c)| c.first) {
            if let Some(list) = cited.get_mut(citation.source.0) {
                list.push(CitationRef {
                    page: PageId(page),
                    citation: i,
                });
            }
        }
    }
    cited
}
