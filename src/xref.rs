//! Cross-references, after every page is parsed: what reads many pages' parse results at
//! once. Backlinks ("Mentioned in"), related terms and "Cited on" lists are computed here,
//! so that the glossary and the source registry never read parsed pages.

use std::collections::HashMap;

use crate::glossary::{Glossary, Term};
use crate::markdown::Parsed;
use crate::sources::Sources;

/// For each term: the mentions that link to it, one per page (its first), in page order.
pub fn backlinks(glossary: &Glossary, parsed: &[Parsed]) -> Vec<Vec<(usize, usize)>> {
    let mut backlinks = vec![Vec::new(); glossary.terms.len()];
    for (page, p) in parsed.iter().enumerate() {
        let mut seen = HashMap::new();
        for (i, m) in p.mentions.iter().enumerate() {
            seen.entry(m.term).or_insert(i);
        }
        let mut firsts: Vec<(usize, usize)> = seen.into_iter().collect();
        firsts.sort_by_key(|&(_, i)| i);
        for (term, mention) in firsts {
            if let Some(list) = backlinks.get_mut(term) {
                list.push((page, mention));
            }
        }
    }
    backlinks
}

/// For each term: terms its definition links to, then terms whose definitions link to it.
pub fn related(glossary: &Glossary, parsed: &[Parsed]) -> Vec<Vec<usize>> {
    let mut related: Vec<Vec<usize>> = vec![Vec::new(); glossary.terms.len()];
    let links = |term: &Term| parsed.get(term.page).map_or(&[][..], |p| &p.terms[..]);
    let mut add = |to: usize, other: usize| {
        if let Some(list) = related
            .get_mut(to)
            .filter(|l| to != other && !l.contains(&other))
        {
            list.push(other);
        }
    };
    for (t, term) in glossary.terms.iter().enumerate() {
        for &other in links(term) {
            add(t, other);
        }
    }
    for (t, term) in glossary.terms.iter().enumerate() {
        for &other in links(term) {
            add(other, t);
        }
    }
    related
}

/// For each source: the first citation on every page that cites it, as (page, citation
/// index in that page's [`Parsed::citations`]), in page order.
pub fn cited_on(sources: &Sources, parsed: &[Parsed]) -> Vec<Vec<(usize, usize)>> {
    let mut cited = vec![Vec::new(); sources.sources.len()];
    for (page, p) in parsed.iter().enumerate() {
        for (i, citation) in p.citations.iter().enumerate().filter(|(_, c)| c.first) {
            if let Some(list) = cited.get_mut(citation.source) {
                list.push((page, i));
            }
        }
    }
    cited
}
