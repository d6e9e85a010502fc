//! Link stage, glossary: the term index and the matcher that finds mentions in text.
//!
//! One leftmost-longest Aho-Corasick automaton over every title and alias, so finding all
//! mentions costs time linear in the text, however many terms there are. Matches are then
//! checked for whole words. Once every page is parsed, [`backlinks`] and [`related`] turn
//! the recorded mentions into each term's "Mentioned in" and "Related terms".
//! Pure: never touches the file system.
// Input from files reaches every line here: no panicking index, slice or unwrap (issue 13).
#![deny(
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::collections::HashMap;
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use serde::Serialize;

use crate::content::{Page, PageKind};
use crate::diagnostics::Diagnostic;
use crate::ids::{PageId, TermId};

crate::ids::index_by!(TermId, Term);

/// A glossary term: a page in the glossary folder.
#[derive(Debug, Clone, Serialize)]
pub struct Term {
    /// The term's page.
    #[serde(skip)]
    pub page: PageId,
    pub title: String,
    /// The file stem made URL-safe (`donbas`), used in mention anchors (`mention-donbas-1`):
    /// never the raw file name, which could carry quotes into an attribute.
    pub slug: String,
    pub summary: String,
    /// `summary` escaped for an HTML attribute, once: every link to the term carries it.
    #[serde(skip)]
    pub summary_attr: String,
    pub category: Option<String>,
    pub aliases: Vec<String>,
}

/// All terms, and the automaton that finds them in text.
pub struct Glossary {
    pub terms: Vec<Term>,
    matcher: Option<AhoCorasick>,
    /// Every spelling searched for, and its term.
    patterns: Vec<(String, usize)>,
    /// Lowercased titles, aliases and stems → term, for `[[wikilinks]]`.
    by_name: HashMap<String, usize>,
    /// Asked for every page listed anywhere (is it a term?): a fast hasher.
    by_page: foldhash::HashMap<usize, usize>,
}

impl Glossary {
    /// Builds the index from the loaded pages; reports names shared by two terms.
    pub fn new(pages: &[Page]) -> (Glossary, Vec<Diagnostic>) {
        let mut terms = Vec::new();
        let mut diagnostics = Vec::new();
        let mut names = Names::default();
        let term_pages = pages.iter().enumerate();
        for (page_index, page) in term_pages.filter(|(_, p)| p.kind == PageKind::Term) {
            names.add(pages, &terms, page, &mut diagnostics);
            terms.push(term_of(page, PageId(page_index), &mut diagnostics));
        }
        let mut by_name: HashMap<String, usize> =
            names.owner.into_iter().map(|(k, (t, _))| (k, t)).collect();
        for (i, term) in terms.iter().enumerate() {
            if let Some(page) = pages.get(term.page.0) {
                by_name.entry(fold(page.stem())).or_insert(i);
            }
        }
        let by_page = terms
            .iter()
            .enumerate()
            .map(|(i, t)| (t.page.0, i))
            .collect();
        let patterns = names.patterns;
        let matcher = (!patterns.is_empty())
            .then(|| automaton(&patterns))
            .and_then(|built| match built {
                Ok(matcher) => Some(matcher),
                Err(e) => {
                    let d = Diagnostic::error(
                        "content/glossary",
                        format!("the glossary is too large to search: {e}"),
                    )
                    .with_help("split the site, or remove rarely used aliases");
                    diagnostics.push(d);
                    None
                }
            });
        let glossary = Glossary {
            terms,
            matcher,
            patterns,
            by_name,
            by_page,
        };
        (glossary, diagnostics)
    }

    /// The term whose page this is.
    pub fn term_of_page(&self, page: PageId) -> Option<TermId> {
        self.by_page.get(&page.0).copied().map(TermId)
    }

    /// A term by title, alias or file stem, any case (for `[[wikilinks]]`).
    pub fn lookup(&self, name: &str) -> Option<TermId> {
        self.by_name.get(&fold(name.trim())).copied().map(TermId)
    }

    /// The names closest to `name`, for "did you mean" on an unknown wikilink.
    pub fn suggest(&self, name: &str) -> Vec<&str> {
        let names = self
            .terms
            .iter()
            .flat_map(|t| std::iter::once(&t.title).chain(&t.aliases))
            .map(|n| (fold(n), n.as_str()));
        crate::diagnostics::nearest(&fold(name), names)
    }

    /// Every whole-word mention of a term in `text`, left to right, longest first.
    pub fn mentions<'t>(
        &'t self,
        text: &'t str,
    ) -> impl Iterator<Item = (Range<usize>, TermId)> + 't {
        let matches = self.matcher.iter().flat_map(move |m| m.find_iter(text));
        matches.filter_map(move |m| {
            // The automaton was built from `patterns`: every pattern id is an index into it.
            let &(_, term) = self.patterns.get(m.pattern().as_usize())?;
            is_whole_word(text, m.range()).then(|| (m.range(), TermId(term)))
        })
    }
}

/// The names of the terms read so far: who owns each (folded) name, and the spellings the
/// matcher searches for.
#[derive(Default)]
struct Names<'p> {
    owner: HashMap<String, (usize, &'p str)>,
    patterns: Vec<(String, usize)>,
}

impl<'p> Names<'p> {
    /// Adds the title and aliases of `page`, the next term after `terms`: a name another
    /// term has is an error, a name too long to search is skipped with one.
    fn add(&mut self, pages: &[Page], terms: &[Term], page: &'p Page, found: &mut Vec<Diagnostic>) {
        let term = terms.len();
        let names = std::iter::once(page.meta.title.as_str())
            .chain(page.meta.aliases.iter().map(String::as_str))
            .filter(|n| !n.trim().is_empty() && !n.starts_with('/'));
        for name in names {
            if name.chars().count() > MAX_NAME_CHARS {
                found.push(too_long(page, name));
                continue;
            }
            let key = fold(name);
            if let Some(&(other, other_name)) = self.owner.get(&key) {
                let other_page = pages.get(terms_page(terms, other));
                if let Some(other_page) = other_page.filter(|_| other != term) {
                    found.push(collision(page, name, other_page, other_name));
                }
                continue;
            }
            self.owner.insert(key, (term, name));
            for variant in spellings(name.trim()) {
                self.patterns.push((variant, term));
            }
        }
    }
}

/// The term a term page defines; a missing or empty summary is reported.
fn term_of(page: &Page, id: PageId, found: &mut Vec<Diagnostic>) -> Term {
    let summary = summary_of(page);
    let written = page.meta.summary.as_deref();
    if written.is_some_and(|s| s.trim().is_empty()) {
        found.push(empty_summary(page, &summary));
    } else if summary.is_empty() {
        found.push(no_summary(page));
    }
    let mut summary_attr = String::with_capacity(summary.len() + 16);
    let _ = pulldown_cmark_escape::escape_html(&mut summary_attr, &summary);
    Term {
        page: id,
        title: page.meta.title.clone(),
        slug: id_safe(page.stem()),
        summary,
        summary_attr,
        category: page.meta.category.clone(),
        aliases: (page.meta.aliases.iter())
            .filter(|a| !a.starts_with('/'))
            .cloned()
            .collect(),
    }
}

/// A file stem as an id part: lowercase ASCII letters, digits and hyphens only.
fn id_safe(stem: &str) -> String {
    let slug = crate::links::slugify(stem);
    if slug.is_empty() { "term".into() } else { slug }
}

fn terms_page(terms: &[Term], term: usize) -> usize {
    terms.get(term).map_or(0, |t| t.page.0)
}

/// The longest title or alias searched for in text. Names are words people write; a bound
/// keeps building the automaton linear (a 6,000-character repetitive alias took seconds).
const MAX_NAME_CHARS: usize = 120;

fn too_long(page: &Page, name: &str) -> Diagnostic {
    let front = page.text.get(..page.body_start).unwrap_or("");
    let prefix: String = name.chars().take(12).collect();
    let offset = front.find(&prefix).unwrap_or(0);
    Diagnostic::error(
        &page.path,
        format!(
            "glossary name `{prefix}…` is {} characters long (at most {MAX_NAME_CHARS})",
            name.chars().count()
        ),
    )
    .at(&page.text, offset, prefix.len())
    .with_help("titles and aliases are the names readers see in the text: shorten it")
}

/// The term's `summary`, or else the first sentence of its body as plain text.
fn summary_of(page: &Page) -> String {
    match page.meta.summary.as_deref().map(str::trim) {
        Some(summary) if !summary.is_empty() => summary.to_string(),
        _ => first_sentence(page.body()),
    }
}

/// The longest summary taken from a body, in characters.
const MAX_SUMMARY_CHARS: usize = 200;

/// The first sentence of the first paragraph of Markdown, as plain text (`[[Donbas]]` is
/// read as `Donbas`), cut at a word to at most [`MAX_SUMMARY_CHARS`] characters.
pub fn first_sentence(markdown: &str) -> String {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut text = String::new();
    let mut in_paragraph = false;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Paragraph) => in_paragraph = true,
            Event::End(TagEnd::Paragraph) if in_paragraph => break,
            Event::Text(t) | Event::Code(t) if in_paragraph => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak if in_paragraph => text.push(' '),
            _ => {}
        }
    }
    let text = unwrap_wikilinks(&text);
    let end = crate::sentences::sentence_starts(&text)
        .next()
        .unwrap_or(text.len());
    let sentence = text.get(..end).unwrap_or(&text).trim();
    if sentence.chars().count() <= MAX_SUMMARY_CHARS {
        return sentence.to_string();
    }
    let cut: String = sentence.chars().take(MAX_SUMMARY_CHARS - 1).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a);
    format!("{}…", cut.trim_end_matches([',', ';', ':', ' ']))
}

/// `[[Donbas]]` → `Donbas`, `[[donbas|the eastern region]]` → `the eastern region`.
fn unwrap_wikilinks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((before, after)) = rest.split_once("[[") {
        out.push_str(before);
        match after.split_once("]]") {
            Some((inner, tail)) => {
                out.push_str(inner.rsplit('|').next().unwrap_or(inner));
                rest = tail;
            }
            None => {
                out.push_str(after);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn no_summary(page: &Page) -> Diagnostic {
    Diagnostic::warning(&page.path, "glossary term has no `summary` and no text to take one from")
        .at(&page.text, 0, 3)
        .with_help(
            "add `summary = \"One sentence that defines the term.\"`, or start the body with that sentence: it is shown on hover",
        )
}

fn empty_summary(page: &Page, used: &str) -> Diagnostic {
    let message = "`summary` is empty".to_string();
    let d = crate::content::front_matter::located(&page.path, &page.text, "summary", message);
    let help = if used.is_empty() {
        "write the one-sentence definition between the quotes"
    } else {
        "write the one-sentence definition between the quotes, or remove the line to use the body's first sentence"
    };
    d.as_warning().with_help(help)
}

fn collision(page: &Page, name: &str, other: &Page, other_name: &str) -> Diagnostic {
    let front = |p: &Page| p.text.get(..p.body_start).unwrap_or_default().to_string();
    let other_front = front(other);
    let other_line = other_front
        .split_once(&format!("\"{other_name}\""))
        .map_or(1, |(before, _)| before.matches('\n').count() + 1);
    let other_at = format!("{}:{other_line}", other.path.display());
    let offset = front(page).find(&format!("\"{name}\"")).unwrap_or(0);
    Diagnostic::error(
        &page.path,
        format!("glossary name `{name}` is also used by {other_at} (`{other_name}`)"),
    )
    .at(&page.text, offset, name.len() + 2)
    .with_help("every title and alias must belong to one term: remove or change one of them")
}

/// Case-folds a name and makes typographic apostrophes straight, for comparisons.
fn fold(name: &str) -> String {
    name.trim().to_lowercase().replace('\u{2019}', "'")
}

/// The spellings a name is found by. A name with capitals matches only as written; an
/// all-lowercase one also capitalised (`Demilitarization`), in title case (`Three Pillars`)
/// and in capitals. Either way `'` and `’` are the same. Exact spellings let the automaton
/// search without case folding, which is about twice as fast.
fn spellings(name: &str) -> Vec<String> {
    let mut cases = vec![name.to_string()];
    if !name.chars().any(char::is_uppercase) {
        let capitalised = |word: &str| {
            let mut chars = word.chars();
            chars.next().map_or(String::new(), |first| {
                first.to_uppercase().chain(chars).collect()
            })
        };
        cases.push(capitalised(name));
        cases.push(
            name.split(' ')
                .map(capitalised)
                .collect::<Vec<_>>()
                .join(" "),
        );
        cases.push(name.to_uppercase());
    }
    let mut spellings: Vec<String> = Vec::new();
    for case in cases {
        let straight = case.replace('\u{2019}', "'");
        let curly = straight.replace('\'', "\u{2019}");
        for s in [straight, curly] {
            if !spellings.contains(&s) {
                spellings.push(s);
            }
        }
    }
    spellings
}

/// One leftmost-longest automaton over every spelling: a DFA (a few MB for a thousand
/// terms, and the fastest search), or a smaller NFA if a huge glossary makes the DFA too big.
fn automaton(patterns: &[(String, usize)]) -> Result<AhoCorasick, aho_corasick::BuildError> {
    let build = |kind| {
        AhoCorasick::builder()
            .kind(kind)
            .match_kind(MatchKind::LeftmostLongest)
            .build(patterns.iter().map(|(p, _)| p.as_str()))
    };
    build(Some(AhoCorasickKind::DFA)).or_else(|_| build(None))
}

/// True if `range` is not glued to letters or digits on either side. A possessive
/// (`Luhansk's`, `Luhansk’s`) still counts as the word; a contraction (`Don't`) does not.
fn is_whole_word(text: &str, range: Range<usize>) -> bool {
    let before = text.get(..range.start).and_then(|t| t.chars().next_back());
    if before.is_some_and(is_word_char) {
        return false;
    }
    let mut after = text.get(range.end..).unwrap_or("").chars();
    match after.next() {
        Some(c) if is_word_char(c) => false,
        Some('\'' | '\u{2019}') => match after.next() {
            Some('s') => !after.next().is_some_and(is_word_char),
            Some(c) => !is_word_char(c),
            None => true,
        },
        _ => true,
    }
}

/// Letters, digits, and combining marks: `Cafe` followed by U+0301 is the word `Café`
/// written decomposed, so `Cafe` alone is not a whole word there.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn first_sentence_is_plain_text_and_short() {
        assert_eq!(
            first_sentence("A *region* of [[Donbas]], U.S. officials said. More.\n"),
            "A region of Donbas, U.S. officials said."
        );
        assert_eq!(first_sentence("## Heading\n\nThe body. Next."), "The body.");
        assert_eq!(first_sentence(""), "");
        assert_eq!(
            first_sentence("Near [[donbas|the eastern region]]. Then."),
            "Near the eastern region."
        );
        let long = format!("{} end.", "word ".repeat(100));
        let cut = first_sentence(&long);
        assert!(cut.chars().count() <= MAX_SUMMARY_CHARS, "{cut}");
        assert!(cut.ends_with("word…"), "{cut}");
    }

    fn term_page(stem: &str, title: &str, aliases: &[&str]) -> Page {
        let text = format!(
            "+++\ntitle = \"{title}\"\naliases = [{}]\nsummary = \"S\"\n+++\n",
            aliases
                .iter()
                .map(|a| format!("\"{a}\""))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let (meta, body_start) =
            crate::content::front_matter::parse(std::path::Path::new("x"), &text).unwrap();
        Page {
            kind: PageKind::Term,
            path: format!("content/glossary/{stem}.md").into(),
            key: format!("glossary/{stem}.md"),
            text,
            body_start,
            meta,
            site_path: String::new(),
            parent: None,
            redirects: Vec::new(),
        }
    }

    fn found(g: &Glossary, text: &str) -> Vec<String> {
        g.mentions(text)
            .map(|(r, t)| format!("{}={}", &text[r], g.terms[t].slug))
            .collect()
    }

    #[test]
    fn whole_words_longest_first_with_case_rules() {
        let pages = vec![
            term_page("donetsk", "Donetsk", &[]),
            term_page("donetsk-region", "Donetsk region", &[]),
            term_page("don", "Don", &[]),
            term_page("luhansk", "Luhansk", &["Lugansk"]),
            term_page("demilitarization", "demilitarization", &[]),
            term_page("kremlin", "Kremlin", &[]),
        ];
        let (g, errors) = Glossary::new(&pages);
        assert!(errors.is_empty());
        assert_eq!(
            found(&g, "the Donetsk region and Donbas"),
            ["Donetsk region=donetsk-region"]
        );
        assert_eq!(
            found(&g, "Luhansk's and Luhansk’s, not Don't"),
            ["Luhansk=luhansk", "Luhansk=luhansk"]
        );
        assert_eq!(
            found(&g, "Demilitarization, kremlin, DEMILITARIZATION"),
            [
                "Demilitarization=demilitarization",
                "DEMILITARIZATION=demilitarization"
            ]
        );
        assert_eq!(
            found(&g, "Lugansk.Kremlin"),
            ["Lugansk=luhansk", "Kremlin=kremlin"]
        );
    }

    #[test]
    fn shared_names_are_errors_naming_both_files() {
        let pages = vec![
            term_page("a", "Donbas", &["Donbass"]),
            term_page("b", "donbass", &[]),
        ];
        let (_, errors) = Glossary::new(&pages);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].message.contains("content/glossary/a.md:3"),
            "{}",
            errors[0].message
        );
        assert_eq!(
            errors[0].path,
            std::path::PathBuf::from("content/glossary/b.md")
        );
    }

    #[test]
    fn lookup_by_title_alias_or_stem() {
        let pages = vec![term_page("luhansk-region", "Luhansk region", &["Lugansk"])];
        let (g, _) = Glossary::new(&pages);
        assert_eq!(g.lookup("lugansk"), Some(TermId(0)));
        assert_eq!(g.lookup("Luhansk-Region"), Some(TermId(0)));
        assert_eq!(g.lookup("LUHANSK REGION"), Some(TermId(0)));
        assert_eq!(g.suggest("Luhansk regoin").first(), Some(&"Luhansk region"));
    }
}
