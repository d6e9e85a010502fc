//! A deterministic synthetic explainer: N pages in 10 sections and T glossary terms, in
//! lede's format, Hugo's and Zola's. Shared by `examples/gen_corpus.rs` (which writes it to
//! disk) and `benches/pipeline.rs` (which keeps it in memory).
//!
//! Every page is generated from its own seeded PRNG (splitmix64), so page `i` is the same
//! whatever N is, and the same in both formats except for the link syntax:
//! lede: `[Name](../glossary/term-0001.md)`, Hugo: `[Name]({{< relref "/glossary/term-0001.md" >}})`,
//! Zola: `[Name](@/glossary/term-0001.md)`.
//! Plain-text mentions of term names are identical in both; lede auto-links them, Hugo
//! (which has no such feature) leaves them as text.
#![allow(dead_code)]

use std::collections::HashSet;
use std::fmt::Write as _;

/// Sections the pages are spread over (`section-0` … `section-9`).
pub const SECTIONS: usize = 10;
const SEED: u64 = 0x1ede_2025_1202;

/// The output format of a generated site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Lede,
    Hugo,
    Zola,
}

impl Format {
    pub fn dir_name(self) -> &'static str {
        match self {
            Format::Lede => "lede",
            Format::Hugo => "hugo",
            Format::Zola => "zola",
        }
    }
}

/// splitmix64: tiny, fast, and good enough for prose.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// A generator for item `index` of stream `stream`, independent of all others.
    pub fn for_item(stream: u64, index: usize) -> Rng {
        let mut r = Rng(SEED ^ stream.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        r.0 ^= r.next_u64() ^ (index as u64).wrapping_mul(0xd1b5_4a32_d192_ed03);
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// The prose vocabulary: plain lowercase English, so no word is ever a term name.
#[rustfmt::skip]
const WORDS: &[&str] = &[
    "the", "the", "the", "a", "a", "of", "of", "to", "to", "and", "and", "in", "in", "on",
    "for", "with", "as", "by", "at", "from", "that", "this", "which", "their", "its", "was",
    "were", "is", "are", "has", "have", "had", "will", "would", "could", "may", "not",
    "but", "after", "before", "during", "while", "about", "over", "under", "between",
    "against", "officials", "talks", "meeting", "envoys", "delegation", "ministers",
    "leaders", "negotiators", "diplomats", "analysts", "observers", "reporters", "agency",
    "ministry", "government", "council", "parliament", "committee", "office", "capital",
    "region", "border", "frontier", "territory", "province", "city", "town", "village",
    "river", "coast", "port", "road", "bridge", "plan", "proposal", "draft", "document",
    "agreement", "deal", "treaty", "framework", "clause", "point", "points", "terms",
    "conditions", "guarantees", "security", "sanctions", "trade", "energy", "grain", "gas",
    "oil", "prices", "markets", "budget", "aid", "reconstruction", "elections", "vote",
    "mandate", "statement", "briefing", "interview", "speech", "letter", "memo", "report",
    "summary", "timeline", "schedule", "deadline", "weeks", "months", "days", "hours",
    "year", "morning", "evening", "night", "week", "said", "told", "asked", "argued",
    "insisted", "denied", "confirmed", "suggested", "proposed", "rejected", "accepted",
    "signed", "discussed", "reviewed", "described", "announced", "expected", "hoped",
    "feared", "warned", "claimed", "noted", "added", "agreed", "refused", "planned",
    "offered", "demanded", "wanted", "needed", "sought", "pressed", "backed", "opposed",
    "cautious", "careful", "firm", "vague", "clear", "early", "late", "long", "short",
    "new", "old", "public", "private", "formal", "informal", "direct", "indirect", "first",
    "second", "third", "final", "next", "last", "several", "many", "few", "some", "both",
    "each", "other", "further", "possible", "likely", "unlikely", "central", "eastern",
    "western", "northern", "southern", "military", "civilian", "economic", "political",
    "legal", "technical", "regional", "national", "foreign", "domestic", "humanitarian",
    "quiet", "progress", "pressure", "position", "question", "issue", "detail", "details",
    "compromise", "ceasefire", "withdrawal", "exchange", "prisoners", "observers",
    "monitors", "mission", "visit", "trip", "return", "response", "reaction", "signal",
    "message", "record", "account", "source", "sources", "people", "side", "sides", "party",
    "parties", "partners", "allies", "neighbours", "residents", "voters",
];

#[rustfmt::skip]
const HEADING_WORDS: &[&str] = &[
    "background", "context", "timeline", "positions", "demands", "guarantees", "reactions",
    "outlook", "history", "numbers", "map", "players", "stakes", "risks", "options",
    "sticking points", "what changed", "what comes next", "who was there", "what was said",
    "the draft", "the region", "the economy", "the talks", "the money", "the deadline",
];

const CATEGORIES: &[&str] = &[
    "person",
    "place",
    "document",
    "concept",
    "organisation",
    "event",
];

const ONSETS: &[&str] = &[
    "b", "br", "d", "dr", "f", "g", "gr", "k", "kr", "l", "m", "n", "p", "r", "s", "st", "t", "tr",
    "v", "z", "th", "sh", "ch", "j", "y", "h", "w", "sk", "pl",
];
const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ei", "ou", "ia", "y"];
const CODAS: &[&str] = &["", "", "", "n", "r", "l", "s", "k", "th", "m", "v", "sk"];

/// One glossary term.
#[derive(Clone, Debug)]
pub struct Term {
    pub title: String,
    pub aliases: Vec<String>,
    pub summary: String,
    pub category: &'static str,
    /// The definition paragraph (plain text: mentions of other terms, no links).
    pub body: String,
}

/// Words of a page when the generator is not told (`--words`).
pub const DEFAULT_WORDS: usize = 700;

/// A generated site: `pages` page numbers and the glossary.
#[derive(Clone, Debug)]
pub struct Corpus {
    pub pages: usize,
    pub terms: Vec<Term>,
    /// How many sources pages cite (3–8 citations a page); 0 for none.
    pub sources: usize,
    /// About how many words of prose a page has (700 unless [`Corpus::with_words`]).
    pub words: usize,
}

/// A file of a generated site: its path (relative to the site root) and its text.
#[derive(Clone, Debug)]
pub struct File {
    pub path: String,
    pub text: String,
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

fn sentence_words(r: &mut Rng, min: usize, max: usize) -> Vec<&'static str> {
    let n = r.range(min, max);
    (0..n).map(|_| r.pick(WORDS)).collect()
}

/// A capitalised sentence with a full stop.
fn sentence(r: &mut Rng, min: usize, max: usize) -> String {
    let words = sentence_words(r, min, max);
    let mut s = capitalise(words[0]);
    for w in &words[1..] {
        s.push(' ');
        s.push_str(w);
    }
    s.push('.');
    s
}

/// Something placed inside the prose of a page.
enum Insert {
    TermLink(usize, usize),
    PageLink(usize),
    Mention(usize, usize),
    Footnote,
    /// A citation of source N (`[^source-N]`).
    Citation(usize),
}

impl Corpus {
    /// Generates the glossary (the pages are generated on demand, one at a time).
    pub fn new(pages: usize, terms: usize) -> Corpus {
        let mut r = Rng::for_item(1, 0);
        let vocabulary: HashSet<&str> = WORDS.iter().chain(HEADING_WORDS).copied().collect();
        let mut used: HashSet<String> = HashSet::new();
        let mut made_up = |r: &mut Rng| loop {
            let syllables = r.range(2, 3);
            let mut w = String::new();
            for _ in 0..syllables {
                w.push_str(r.pick(ONSETS));
                w.push_str(r.pick(VOWELS));
                w.push_str(r.pick(CODAS));
            }
            if w.len() >= 4 && !vocabulary.contains(w.as_str()) && used.insert(w.clone()) {
                return capitalise(&w);
            }
        };
        let mut names = Vec::with_capacity(terms);
        for _ in 0..terms {
            let words = r.range(2, 3);
            let title: Vec<String> = (0..words).map(|_| made_up(&mut r)).collect();
            let n_aliases = r.range(1, 2);
            let aliases: Vec<String> = (0..n_aliases)
                .map(|_| {
                    if r.chance(50) {
                        made_up(&mut r)
                    } else {
                        format!("{} {}", made_up(&mut r), made_up(&mut r))
                    }
                })
                .collect();
            names.push((title.join(" "), aliases));
        }
        let titles: Vec<String> = names.iter().map(|(t, _)| t.clone()).collect();
        let terms = names
            .into_iter()
            .enumerate()
            .map(|(i, (title, aliases))| {
                let mut r = Rng::for_item(2, i);
                let category = r.pick(CATEGORIES);
                let summary = format!("A {category} {}.", sentence_words(&mut r, 6, 12).join(" "));
                let mut body = format!("{title} is {}.", sentence_words(&mut r, 8, 14).join(" "));
                let others = if titles.len() > 1 { r.range(1, 2) } else { 0 };
                for _ in 0..others {
                    let mut other = r.below(titles.len());
                    if other == i {
                        other = (other + 1) % titles.len();
                    }
                    let words = sentence_words(&mut r, 6, 12);
                    let _ = write!(
                        body,
                        " {} {}, {}.",
                        capitalise(words[0]),
                        words[1..].join(" "),
                        titles[other]
                    );
                }
                for _ in 0..r.range(2, 4) {
                    body.push(' ');
                    body.push_str(&sentence(&mut r, 8, 16));
                }
                Term {
                    title,
                    aliases,
                    summary,
                    category,
                    body,
                }
            })
            .collect();
        Corpus {
            pages,
            terms,
            sources: 0,
            words: DEFAULT_WORDS,
        }
    }

    /// The same corpus, with a registry of `n` sources that every page cites 3–8 times. In
    /// lede's format they are `content/sources/source-N.md`; in Hugo's, each page writes
    /// the notes it cites by hand, as a Hugo site must.
    pub fn with_sources(mut self, n: usize) -> Corpus {
        self.sources = n;
        self
    }

    /// The same corpus with pages of about `words` words (the prose scales; headings,
    /// lists, links and mentions stay as many).
    pub fn with_words(mut self, words: usize) -> Corpus {
        self.words = words.max(50);
        self
    }

    /// The terms of category `person`, in order.
    fn people(&self) -> Vec<usize> {
        (0..self.terms.len())
            .filter(|&t| self.terms[t].category == "person")
            .collect()
    }

    /// `sources/source-7.md` (relative to `content/`).
    pub fn source_key(s: usize) -> String {
        format!("sources/source-{s}.md")
    }

    /// Source `s`'s file (lede's format).
    pub fn source_page(&self, s: usize) -> String {
        let mut r = Rng::for_item(6, s);
        let publisher = capitalise(r.pick(WORDS));
        let title = capitalise(&sentence_words(&mut r, 4, 8).join(" "));
        format!(
            "+++\ntitle = {}\npublisher = \"The {publisher} Times\"\nurl = \"https://news.example/{s}\"\ndate = 2024-{:02}-{:02}\n+++\n\n{}\n",
            toml_str(&title),
            1 + s % 12,
            1 + s % 28,
            sentence(&mut r, 8, 14)
        )
    }

    /// The note a Hugo page writes by hand for source `s`.
    fn source_note(s: usize) -> String {
        format!("[^source-{s}]: The report of source {s}, https://news.example/{s}.")
    }

    pub fn section_of(page: usize) -> usize {
        page % SECTIONS
    }

    /// `section-3/page-00013.md` (relative to `content/`).
    pub fn page_key(page: usize) -> String {
        format!("section-{}/page-{page:05}.md", Corpus::section_of(page))
    }

    /// `glossary/term-0001.md` (relative to `content/`).
    pub fn term_key(term: usize) -> String {
        format!("glossary/term-{term:04}.md")
    }

    /// The URL path of a page in both generators' output (`/section-3/page-00013/`).
    pub fn page_url(page: usize) -> String {
        format!("/section-{}/page-{page:05}/", Corpus::section_of(page))
    }

    fn link(format: Format, text: &str, key: &str) -> String {
        match format {
            Format::Lede => format!("[{text}](../{key})"),
            Format::Hugo => format!("[{text}]({{{{< relref \"/{key}\" >}}}})"),
            Format::Zola => format!("[{text}](@/{key})"),
        }
    }

    fn name_of(&self, term: usize, which: usize) -> &str {
        let t = &self.terms[term];
        if which == 0 {
            &t.title
        } else {
            &t.aliases[(which - 1) % t.aliases.len()]
        }
    }

    fn insert_text(&self, format: Format, insert: &Insert) -> String {
        match *insert {
            Insert::TermLink(t, which) => {
                Corpus::link(format, self.name_of(t, which), &Corpus::term_key(t))
            }
            Insert::PageLink(p) => {
                Corpus::link(format, &format!("report {p}"), &Corpus::page_key(p))
            }
            Insert::Mention(t, which) => self.name_of(t, which).to_string(),
            Insert::Footnote | Insert::Citation(_) => String::new(),
        }
    }

    /// The full text (front matter and Markdown) of page `i`, about `self.words` words.
    pub fn page(&self, i: usize, format: Format) -> String {
        let mut r = Rng::for_item(3, i);
        let n_terms = self.terms.len();
        let title_words = sentence_words(&mut r, 3, 5);
        let title = format!(
            "{} {}",
            capitalise(title_words[0]),
            title_words[1..].join(" ")
        );
        let description = sentence(&mut r, 10, 18);
        let month = 1 + i % 12;
        let day = 1 + (i / 12) % 28;

        let headings = r.range(3, 5);
        let paras_per_heading: Vec<usize> = (0..headings).map(|_| r.range(2, 3)).collect();
        let paragraphs = 1 + paras_per_heading.iter().sum::<usize>();
        // By default 48 prose sentences of 7–15 words, plus the list, quote, footnote,
        // headings and inserts: about 700 words in all.
        let total_sentences = (48 * self.words).div_ceil(DEFAULT_WORDS);
        let sentences_per_para: Vec<usize> = (0..paragraphs)
            .map(|p| total_sentences / paragraphs + usize::from(p < total_sentences % paragraphs))
            .collect();

        let mut inserts: Vec<(usize, Insert)> = Vec::new();
        if n_terms > 0 {
            let links = r.range(5, 15);
            for k in 0..links {
                // The first link of page i is term i mod T, so every term is linked somewhere.
                let t = if k == 0 {
                    i % n_terms
                } else {
                    r.below(n_terms)
                };
                let which = r.below(3);
                inserts.push((r.below(total_sentences), Insert::TermLink(t, which)));
            }
            for _ in 0..r.range(10, 20) {
                let t = r.below(n_terms);
                let which = r.below(3);
                inserts.push((r.below(total_sentences), Insert::Mention(t, which)));
            }
        }
        if self.pages > 1 {
            for _ in 0..r.range(2, 5) {
                let mut p = r.below(self.pages);
                if p == i {
                    p = (p + 1) % self.pages;
                }
                inserts.push((r.below(total_sentences), Insert::PageLink(p)));
            }
        }
        inserts.push((r.below(total_sentences), Insert::Footnote));
        let mut cited: Vec<usize> = Vec::new();
        if self.sources > 0 {
            // A stream of its own, so a page's text is the same with or without sources and
            // bench/sources measures only what citing costs.
            let mut rc = Rng::for_item(7, i);
            for _ in 0..rc.range(3, 8) {
                let s = rc.below(self.sources);
                if !cited.contains(&s) {
                    cited.push(s);
                }
                inserts.push((rc.below(total_sentences), Insert::Citation(s)));
            }
        }
        inserts.sort_by_key(|(s, _)| *s);

        let mut out = String::with_capacity(6 * 1024);
        let _ = writeln!(out, "+++");
        let _ = writeln!(out, "title = {}", toml_str(&format!("{title} ({i})")));
        let _ = writeln!(out, "description = {}", toml_str(&description));
        let _ = writeln!(out, "date = 2025-{month:02}-{day:02}");
        let _ = writeln!(out, "weight = {}", i + 1);
        let _ = writeln!(out, "+++\n");

        let mut next_insert = 0;
        let mut sentence_no = 0;
        let mut para_no = 0;
        let mut write_paragraph = |out: &mut String, r: &mut Rng, para_no: usize| {
            for _ in 0..sentences_per_para[para_no] {
                let mut words: Vec<String> = sentence_words(r, 7, 15)
                    .into_iter()
                    .map(str::to_string)
                    .collect();
                words[0] = capitalise(&words[0]);
                while next_insert < inserts.len() && inserts[next_insert].0 == sentence_no {
                    let insert = &inserts[next_insert].1;
                    if let Insert::Footnote = insert {
                        let at = r.below(words.len());
                        words[at].push_str("[^1]");
                    } else if let Insert::Citation(s) = insert {
                        let last = words.len() - 1;
                        let _ = write!(words[last], "[^source-{s}]");
                    } else {
                        let mut text = self.insert_text(format, insert);
                        if matches!(insert, Insert::Mention(..)) && r.chance(15) {
                            text.push_str("’s");
                        }
                        let at = r.range(1, words.len());
                        words.insert(at, text);
                    }
                    next_insert += 1;
                }
                out.push_str(&words.join(" "));
                out.push_str(". ");
                sentence_no += 1;
            }
            out.pop();
            out.push_str("\n\n");
        };

        write_paragraph(&mut out, &mut r, para_no);
        para_no += 1;
        for (h, &paras) in paras_per_heading.iter().enumerate() {
            let heading = format!("{} {}", r.pick(HEADING_WORDS), r.pick(HEADING_WORDS));
            let _ = writeln!(out, "## {}\n", capitalise(&heading));
            for p in 0..paras {
                write_paragraph(&mut out, &mut r, para_no);
                para_no += 1;
                if h == 0 && p == 0 {
                    for _ in 0..r.range(3, 5) {
                        let _ = writeln!(out, "- {}", sentence(&mut r, 5, 10));
                    }
                    out.push('\n');
                }
                if h == 1 && p == 0 {
                    let _ = writeln!(out, "> “{}”\n>", sentence(&mut r, 12, 20));
                    // Quotes are attributed as newsrooms do: a named person (a glossary
                    // term of category `person`, so lede lists the quote on the speaker's
                    // page), then the role.
                    let people = self.people();
                    let speaker = match people.len() {
                        0 => "A spokesperson".to_string(),
                        n => format!("{}, a spokesperson", self.terms[people[i % n]].title),
                    };
                    let _ = writeln!(
                        out,
                        "> — {speaker} for the {} {}\n",
                        r.pick(&["foreign", "defence", "energy", "finance"]),
                        r.pick(&["ministry", "office", "committee"])
                    );
                }
            }
        }
        let _ = writeln!(out, "[^1]: {}", sentence(&mut r, 8, 14));
        if format != Format::Lede {
            for s in cited {
                let _ = writeln!(out, "\n{}", Corpus::source_note(s));
            }
        }
        out
    }

    /// The full text of term `t`'s page.
    pub fn term_page(&self, t: usize, format: Format) -> String {
        let term = &self.terms[t];
        let aliases: Vec<String> = term.aliases.iter().map(|a| toml_str(a)).collect();
        let (aliases_key, summary_key, table) = match format {
            Format::Lede => ("aliases", "summary", ""),
            // Hugo's and Zola's own `aliases` make redirect pages: keep the names as params.
            Format::Hugo => ("term_aliases", "term_summary", ""),
            // Zola refuses unknown front matter keys outside `[extra]`.
            Format::Zola => ("aliases", "summary", "[extra]\n"),
        };
        format!(
            "+++\ntitle = {}\n{table}{aliases_key} = [{}]\n{summary_key} = {}\ncategory = {}\n+++\n\n{}\n",
            toml_str(&term.title),
            aliases.join(", "),
            toml_str(&term.summary),
            toml_str(term.category),
            term.body
        )
    }

    /// The section pages: home, `section-K/_index.md`, `glossary/_index.md` (keys relative
    /// to `content/`). Identical in both formats.
    pub fn index_files(&self) -> Vec<File> {
        let mut files = vec![File {
            path: "_index.md".into(),
            text: format!(
                "+++\ntitle = \"Synthetic explainer\"\ndescription = \"{} pages in {SECTIONS} sections and {} glossary terms.\"\n+++\n\nA generated explainer for benchmarking. Its sections and glossary are listed below.\n",
                self.pages,
                self.terms.len()
            ),
        }];
        for k in 0..SECTIONS {
            let mut r = Rng::for_item(4, k);
            files.push(File {
                path: format!("section-{k}/_index.md"),
                text: format!(
                    "+++\ntitle = \"Section {k}\"\ndescription = {}\nweight = {}\n+++\n\n{} {}\n",
                    toml_str(&sentence(&mut r, 8, 14)),
                    k + 1,
                    sentence(&mut r, 10, 16),
                    sentence(&mut r, 10, 16)
                ),
            });
        }
        if self.sources > 0 {
            files.push(File {
                path: "sources/_index.md".into(),
                text: "+++\ntitle = \"Sources\"\ndescription = \"Every report cited.\"\nweight = 101\n+++\n\nEvery source, by publisher.\n".into(),
            });
        }
        files.push(File {
            path: "glossary/_index.md".into(),
            text: "+++\ntitle = \"Glossary\"\ndescription = \"Every term, A to Z.\"\nweight = 100\n+++\n\nEvery person, place, document and idea in this explainer.\n".into(),
        });
        files
    }

    /// Every content file (keys relative to `content/`), in memory.
    pub fn content_files(&self, format: Format) -> Vec<File> {
        let mut files = self.index_files();
        files.extend((0..self.pages).map(|i| File {
            path: Corpus::page_key(i),
            text: self.page(i, format),
        }));
        files.extend((0..self.terms.len()).map(|t| File {
            path: Corpus::term_key(t),
            text: self.term_page(t, format),
        }));
        if format == Format::Lede {
            files.extend((0..self.sources).map(|s| File {
                path: Corpus::source_key(s),
                text: self.source_page(s),
            }));
        }
        files
    }

    /// Configuration, templates and CSS (paths relative to the site root).
    pub fn site_files(&self, format: Format) -> Vec<File> {
        let file = |path: &str, text: &str| File {
            path: path.into(),
            text: text.into(),
        };
        let title = format!(
            "Synthetic explainer ({} pages, {} terms)",
            self.pages,
            self.terms.len()
        );
        let mut files = vec![file("static/style.css", STYLE)];
        match format {
            Format::Lede => {
                files.push(file(
                    "site.toml",
                    &format!(
                        "title = {}\nbase_url = \"https://example.org/\"\ndescription = \"A generated explainer for benchmarking.\"\n",
                        toml_str(&title)
                    ),
                ));
                for (name, text) in LEDE_TEMPLATES {
                    files.push(file(&format!("templates/{name}"), text));
                }
            }
            Format::Hugo => {
                files.push(file(
                    "hugo.toml",
                    &format!(
                        "baseURL = \"https://example.org/\"\ntitle = {}\nlanguageCode = \"en\"\ndisableKinds = [\"taxonomy\", \"term\", \"RSS\", \"sitemap\", \"robotsTXT\", \"404\"]\n",
                        toml_str(&title)
                    ),
                ));
                for (name, text) in HUGO_LAYOUTS {
                    files.push(file(&format!("layouts/{name}"), text));
                }
            }
            Format::Zola => {
                files.push(file(
                    "config.toml",
                    &format!(
                        "base_url = \"https://example.org/\"\ntitle = {}\ndescription = \"A generated explainer for benchmarking.\"\ncompile_sass = false\ngenerate_feeds = false\nbuild_search_index = false\n",
                        toml_str(&title)
                    ),
                ));
                for (name, text) in ZOLA_TEMPLATES {
                    files.push(file(&format!("templates/{name}"), text));
                }
            }
        }
        files
    }
}

const STYLE: &str = "body { font: 1rem/1.5 system-ui, sans-serif; max-width: 40rem; margin: auto; padding: 1rem; }\n";

/// lede's templates: one base layout; sections list their pages; terms list their mentions.
const LEDE_TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        r#"<!doctype html>
<html lang="{{ site.language }}">
<head>
<meta charset="utf-8">
<title>{% block title %}{{ site.title }}{% endblock title %}</title>
<link rel="stylesheet" href="{{ site.base_path }}style.css">
</head>
<body>
<header><a href="{{ site.base_path }}">{{ site.title }}</a></header>
<main>
{% block content %}{% endblock content %}
</main>
</body>
</html>
"#,
    ),
    (
        "index.html",
        r#"{% extends "base.html" %}
{% block content %}
<h1>{{ section.title }}</h1>
{{ section.content | safe }}
<ul>
{%- for s in section.subsections %}
<li><a href="{{ s.url }}">{{ s.title }}</a></li>
{%- endfor %}
</ul>
{% endblock content %}
"#,
    ),
    (
        "section.html",
        r#"{% extends "base.html" %}
{% block title %}{{ section.title }} · {{ site.title }}{% endblock title %}
{% block content %}
<h1>{{ section.title }}</h1>
{{ section.content | safe }}
<ul>
{%- for p in section.pages %}
<li><a href="{{ p.url }}">{{ p.title }}</a>{% if p.description %} {{ p.description }}{% endif %}</li>
{%- endfor %}
</ul>
{% endblock content %}
"#,
    ),
    (
        "glossary.html",
        r#"{% extends "base.html" %}
{% block title %}{{ section.title }} · {{ site.title }}{% endblock title %}
{% block content %}
<h1>{{ section.title }}</h1>
{{ section.content | safe }}
<dl>
{%- for t in glossary %}
<dt><a href="{{ t.url }}">{{ t.title }}</a></dt><dd>{{ t.summary }}</dd>
{%- endfor %}
</dl>
{% endblock content %}
"#,
    ),
    (
        "page.html",
        r#"{% extends "base.html" %}
{% block title %}{{ page.title }} · {{ site.title }}{% endblock title %}
{% block content %}
<article>
<h1>{{ page.title }}</h1>
{% if page.date %}<p><time datetime="{{ page.date.iso }}">{{ page.date.display }}</time></p>{% endif %}
{{ page.content | safe }}
</article>
{% endblock content %}
"#,
    ),
    (
        "term.html",
        r#"{% extends "base.html" %}
{% block title %}{{ term.title }} · {{ site.title }}{% endblock title %}
{% block content %}
<article>
<h1>{{ term.title }}</h1>
<p>{{ term.summary }}{% if term.category %} ({{ term.category }}){% endif %}</p>
{% if term.aliases | length > 0 %}<p>Also: {{ term.aliases | join(sep=", ") }}</p>{% endif %}
{{ page.content | safe }}
<h2>Mentioned in</h2>
<ul>
{%- for m in term.mentions %}
<li><a href="{{ m.anchor_url }}">{{ m.title }}</a>: {{ m.sentence }}</li>
{%- endfor %}
</ul>
</article>
{% endblock content %}
"#,
    ),
];

/// Hugo's layouts, equivalent to the lede templates (Hugo has no mentions list).
const HUGO_LAYOUTS: &[(&str, &str)] = &[
    (
        "_default/baseof.html",
        r#"<!doctype html>
<html lang="{{ site.LanguageCode }}">
<head>
<meta charset="utf-8">
<title>{{ block "title" . }}{{ site.Title }}{{ end }}</title>
<link rel="stylesheet" href="{{ "style.css" | relURL }}">
</head>
<body>
<header><a href="{{ "" | relURL }}">{{ site.Title }}</a></header>
<main>
{{ block "main" . }}{{ end }}
</main>
</body>
</html>
"#,
    ),
    (
        "index.html",
        r#"{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ .Content }}
<ul>
{{- range .Sections }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{- end }}
</ul>
{{ end }}
"#,
    ),
    (
        "_default/list.html",
        r#"{{ define "title" }}{{ .Title }} · {{ site.Title }}{{ end }}
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ .Content }}
<ul>
{{- range .Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ with .Params.term_summary }} {{ . }}{{ else }}{{ with .Description }} {{ . }}{{ end }}{{ end }}</li>
{{- end }}
</ul>
{{ end }}
"#,
    ),
    (
        "_default/single.html",
        r#"{{ define "title" }}{{ .Title }} · {{ site.Title }}{{ end }}
{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
{{ with .Params.term_summary }}<p>{{ . }}{{ with $.Params.category }} ({{ . }}){{ end }}</p>{{ end }}
{{ with .Params.term_aliases }}<p>Also: {{ delimit . ", " }}</p>{{ end }}
{{ if not .Date.IsZero }}<p><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time></p>{{ end }}
{{ .Content }}
</article>
{{ end }}
"#,
    ),
];

/// Zola's templates (Tera 1), equivalent to the lede templates (Zola has no mentions list).
const ZOLA_TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        r#"<!doctype html>
<html lang="{{ config.default_language }}">
<head>
<meta charset="utf-8">
<title>{% block title %}{{ config.title }}{% endblock title %}</title>
<link rel="stylesheet" href="{{ get_url(path="style.css") }}">
</head>
<body>
<header><a href="{{ get_url(path="") }}">{{ config.title }}</a></header>
<main>
{% block content %}{% endblock content %}
</main>
</body>
</html>
"#,
    ),
    (
        "index.html",
        r#"{% extends "base.html" %}
{% block content %}
<h1>{{ section.title }}</h1>
{{ section.content | safe }}
<ul>
{%- for s in section.subsections %}
{%- set sub = get_section(path=s, metadata_only=true) %}
<li><a href="{{ sub.permalink }}">{{ sub.title }}</a></li>
{%- endfor %}
</ul>
{% endblock content %}
"#,
    ),
    (
        "section.html",
        r#"{% extends "base.html" %}
{% block title %}{{ section.title }} · {{ config.title }}{% endblock title %}
{% block content %}
<h1>{{ section.title }}</h1>
{{ section.content | safe }}
<ul>
{%- for p in section.pages %}
<li><a href="{{ p.permalink }}">{{ p.title }}</a>{% if p.extra.summary %} {{ p.extra.summary }}{% elif p.description %} {{ p.description }}{% endif %}</li>
{%- endfor %}
</ul>
{% endblock content %}
"#,
    ),
    (
        "page.html",
        r#"{% extends "base.html" %}
{% block title %}{{ page.title }} · {{ config.title }}{% endblock title %}
{% block content %}
<article>
<h1>{{ page.title }}</h1>
{% if page.extra.summary %}<p>{{ page.extra.summary }}{% if page.extra.category %} ({{ page.extra.category }}){% endif %}</p>{% endif %}
{% if page.extra.aliases %}<p>Also: {{ page.extra.aliases | join(sep=", ") }}</p>{% endif %}
{% if page.date %}<p><time datetime="{{ page.date }}">{{ page.date | date(format="%-d %B %Y") }}</time></p>{% endif %}
{{ page.content | safe }}
</article>
{% endblock content %}
"#,
    ),
];
