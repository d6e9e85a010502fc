//! Parse stage: one page's Markdown → HTML, on pulldown-cmark's event stream.
//!
//! On the way through it gives headings unique ids and anchors (and builds the table of
//! contents), rewrites links to `.md` sources into URLs, turns `[[wikilinks]]` and the
//! mentions of glossary terms into term links with a hover definition, numbers footnotes,
//! and turns a blockquote ending in `— Name` into a quote with its attribution.
//! It records what later stages check (anchors it links to, mentions) and never does I/O.
// Input from files reaches every line here: no panicking index, slice or unwrap (issue 13).
#![deny(
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unwrap_used,
    clippy::expect_used
)]

mod footnotes;
mod headings;
mod ids;
mod links;
mod quotes;
mod terms;

use footnotes::labels_without_definition;
use headings::nest;
use quotes::{Attribution, attribute_quote};
use terms::{TERM_LINK_CLOSE, TermLink};

// A fast hasher, seeded per process (foldhash): ids, notes and mentions are hashed many
// times per page, and a random seed keeps crafted ids from colliding on purpose.
use foldhash::{HashMap, HashSet};
use std::fmt::Write as _;

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};
use pulldown_cmark_escape::{escape_href, escape_html};
use serde::Serialize;

use crate::config::{AutoLink, Config};
use crate::content::Page;
use crate::diagnostics::Diagnostic;
use crate::glossary::Glossary;
use crate::ids::{PageId, SourceId, TermId};
use crate::links::{LinkIndex, Target, slugify};
use crate::options::Mode;
use crate::sentences::{sentence_around, sentence_starts};
use crate::sources::{Sources, citation_key};

crate::ids::index_by!(PageId, Parsed);

/// A heading in the table of contents, with the headings nested under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
    pub children: Vec<TocEntry>,
}

/// A mention of a glossary term that became a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub term: TermId,
    /// The link's id on the page: `mention-donbas-1`.
    pub id: String,
    /// The sentence around the mention, as plain text.
    pub sentence: String,
}

/// A footnote reference that cites a source (`[^seed]` with no `[^seed]:` on the page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    pub source: SourceId,
    /// The reference's id on the page: `fnref-seed`, `fnref-seed-2`.
    pub id: String,
    /// The sentence around the citation, as plain text.
    pub sentence: String,
    /// Where the reference is written in the source file.
    pub offset: usize,
    /// True for the page's first citation of this source: the one "Cited on" and the
    /// JSON-LD `citation` list use.
    pub first: bool,
}

/// A top-level paragraph, for `[sources] require = "paragraph"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParagraphRef {
    /// Byte offset in the source file.
    pub offset: usize,
    /// True if the paragraph has a footnote reference (a citation or a local note).
    pub cites: bool,
}

/// A link to an anchor on another page, checked once every page is parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorRef {
    pub page: PageId,
    pub anchor: String,
    /// Byte offset of the link in the source file, and its length.
    pub offset: usize,
    pub len: usize,
}

/// A link destination and where it is written in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRef {
    pub target: String,
    pub offset: usize,
    pub len: usize,
}

/// A quote with an attribution (`<figure class="quote">`), for "who said what".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteRef {
    /// The figure's id on the page: `quote-1`.
    pub id: String,
    /// The quotation as plain text.
    pub text: String,
    /// The attribution as plain text, without its dash.
    pub attribution: String,
    /// Where the quote starts in the source file.
    pub offset: usize,
}

/// What parsing one page produced.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub html: String,
    pub toc: Vec<TocEntry>,
    /// Every id the page defines (headings, footnotes, mentions).
    pub ids: HashSet<String>,
    pub anchor_refs: Vec<AnchorRef>,
    pub mentions: Vec<Mention>,
    /// Distinct terms linked from the page, in order of first link.
    pub terms: Vec<TermId>,
    /// Every citation of a source, in order.
    pub citations: Vec<Citation>,
    /// The page's top-level paragraphs: where each starts, and whether it cites anything.
    pub paragraphs: Vec<ParagraphRef>,
    pub word_count: usize,
    /// The page's words without markup (headings, paragraphs, notes; not code blocks), for
    /// the search index. Empty unless HTML is produced, `[search]` is on and the page is not
    /// `search = false`.
    pub text: String,
    /// How many links and images the page has.
    pub links: usize,
    /// Links to files of the built site (`/images/map.png`), checked against `static/`.
    pub site_files: Vec<LinkRef>,
    /// `http(s)://` links, for `check --external`.
    pub external: Vec<LinkRef>,
    pub diagnostics: Vec<Diagnostic>,
    /// Attributed quotes, in order.
    pub quotes: Vec<QuoteRef>,
}

impl Parsed {
    /// The ids of the page's headings, in document order.
    pub fn toc_ids(&self) -> Vec<&str> {
        fn walk<'t>(entries: &'t [TocEntry], ids: &mut Vec<&'t str>) {
            for e in entries {
                ids.push(&e.id);
                walk(&e.children, ids);
            }
        }
        let mut ids = Vec::new();
        walk(&self.toc, &mut ids);
        ids
    }
}

/// Ids the page templates use (`<main id="main">`, the term page's lists): a heading
/// "Main" gets `main-1`, so no page has an id twice.
pub const RESERVED_IDS: &[&str] = &[
    "main",
    "top",
    "content",
    "parts-title",
    "section-pages",
    "term-mentions",
    "term-related",
    "search-input",
    "search-status",
    "search-results",
    "updates-title",
    "term-quotes",
    "term-events",
];

/// Everything a page's Markdown is resolved against.
pub struct Env<'a> {
    pub config: &'a Config,
    pub pages: &'a [Page],
    pub links: &'a LinkIndex,
    pub glossary: &'a Glossary,
    pub sources: &'a Sources,
    /// [`Mode::Check`] makes no HTML: `check` only needs what parsing records.
    pub mode: Mode,
}

/// Parses the Markdown body of `pages[index]`.
pub fn parse(env: &Env, index: usize) -> Parsed {
    let Some(page) = env.pages.get(index) else {
        return Parsed::default();
    };
    let mut options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_WIKILINKS;
    if env.config.markdown.smart_punctuation {
        options |= Options::ENABLE_SMART_PUNCTUATION;
    }
    let body = page.body();
    let unresolved = labels_without_definition(body);
    // pulldown-cmark turns `[^label]` into a reference only if the page defines the label:
    // give every other label a stand-in definition, so that citations of sources (and typos)
    // reach the walker at their place. The stand-ins go before the body, where nothing the
    // page leaves open (a code fence, say) can swallow them, and end with an HTML comment so
    // that an indented first line of the body does not continue the last one. They are
    // never shown.
    const END: &str = "<!-- -->\n\n";
    let text = if unresolved.is_empty() {
        std::borrow::Cow::Borrowed(body)
    } else {
        let extra: usize = unresolved.iter().map(|l| l.len() + 8).sum();
        let mut text = String::with_capacity(extra + END.len() + body.len());
        for label in &unresolved {
            for part in ["[^", label, "]: -\n\n"] {
                text.push_str(part);
            }
        }
        text.push_str(END);
        text.push_str(body);
        std::borrow::Cow::Owned(text)
    };
    let stand_ins = text.len() - body.len();
    let mut walker = Walker::new(env, page, index);
    walker.notes.stand_ins = unresolved
        .iter()
        .map(|l| citation_key(l).into_owned())
        .collect();
    for (event, range) in Parser::new_ext(&text, options).into_offset_iter() {
        // Events that start before the page's text are the stand-ins: never walked.
        let Some(start) = range.start.checked_sub(stand_ins) else {
            continue;
        };
        walker.event(event, page.body_start + start, range.len());
    }
    walker.finish()
}

/// Where the walker is in the document.
#[derive(Default)]
struct State {
    code_block: bool,
    in_footnote: bool,
}

/// One page's walk through pulldown-cmark's events. The dispatch is here; each concern
/// (headings, footnotes, terms, quotes, links and images, ids) keeps its own state and its
/// methods in a file of its own.
struct Walker<'e, 'a> {
    env: &'e Env<'e>,
    page: &'a Page,
    index: PageId,
    out: Vec<Event<'a>>,
    state: State,
    /// Consecutive text, joined so that names split across events still match.
    pending: String,
    headings: headings::Headings<'a>,
    notes: footnotes::Notes<'a>,
    terms: terms::Terms,
    blocks: quotes::Blocks,
    links: links::Links,
    /// For each id base, the next suffix to try (see [`Walker::next_free`]).
    suffixes: HashMap<String, usize>,
    /// Plain text of the current block, and mentions waiting for their sentence.
    block_text: String,
    waiting: Vec<(Waiting, usize)>,
    /// The top-level paragraph being read, if any.
    paragraph: Option<ParagraphRef>,
    /// Keep the page's plain text in `result.text` (for the search index).
    keep_text: bool,
    result: Parsed,
}

impl<'e, 'a> Walker<'e, 'a>
where
    'e: 'a,
{
    fn new(env: &'e Env<'e>, page: &'a Page, index: usize) -> Self {
        let auto_link = page.meta.auto_link.unwrap_or(env.config.glossary.auto_link);
        let index = PageId(index);
        Walker {
            env,
            page,
            index,
            // About one event per 20 bytes of Markdown: sized once, not grown by doubling.
            out: Vec::with_capacity(page.body().len() / 20),
            state: State::default(),
            pending: String::new(),
            headings: headings::Headings::default(),
            notes: footnotes::Notes::default(),
            terms: terms::Terms::new(env.glossary.term_of_page(index), auto_link),
            blocks: quotes::Blocks::default(),
            links: links::Links::default(),
            suffixes: HashMap::default(),
            block_text: String::new(),
            waiting: Vec::new(),
            paragraph: None,
            keep_text: env.mode == Mode::Build
                && env.config.search.enabled
                && !page.meta.hidden_from_search,
            result: Parsed {
                ids: RESERVED_IDS.iter().map(|id| id.to_string()).collect(),
                ..Parsed::default()
            },
        }
    }

    fn event(&mut self, event: Event<'a>, offset: usize, len: usize) {
        if let Event::Text(text) = event {
            return self.text(text);
        }
        self.flush();
        match event {
            Event::Start(tag) => self.start(tag, offset, len),
            Event::End(tag) => self.end(tag),
            Event::Code(code) => {
                self.block_text.push_str(&code);
                self.emit(Event::Code(code));
            }
            Event::Html(html) | Event::InlineHtml(html) if !self.env.config.markdown.raw_html => {
                self.emit(Event::Text(html));
            }
            Event::InlineHtml(html) => {
                self.track_raw_link(&html);
                self.emit(Event::InlineHtml(html));
            }
            Event::Html(html) => {
                self.track_raw_link(&html);
                self.emit(Event::Html(html));
            }
            Event::FootnoteReference(label) => self.footnote_reference(&label, offset, len),
            Event::SoftBreak => self.text(CowStr::Borrowed(" ")),
            other => self.emit(other),
        }
    }

    /// Sends an event to where output currently goes: a heading, a footnote, or the page.
    fn emit(&mut self, event: Event<'a>) {
        if let Some(heading) = &mut self.headings.open {
            heading.events.push(event);
        } else if let Some((_, events)) = &mut self.notes.open {
            events.push(event);
        } else {
            let closed_quote = self.track_blocks(&event);
            self.out.push(event);
            if let Some(frame) = closed_quote {
                match attribute_quote(&mut self.out, &frame, &self.page.text) {
                    Attribution::Failed => self.failed_attribution(&frame),
                    Attribution::Figure => self.record_quote(&frame),
                    Attribution::None => {}
                }
            }
        }
    }

    fn text(&mut self, text: CowStr<'a>) {
        if let Some(image) = self.links.image_alt.last_mut() {
            image.has_alt |= !text.trim().is_empty();
        }
        if let Some(heading) = &mut self.headings.open {
            heading.text.push_str(&text);
            heading.events.push(Event::Text(text));
        } else if self.state.code_block {
            self.emit(Event::Text(text));
        } else {
            self.pending.push_str(&text);
        }
    }

    fn start(&mut self, tag: Tag<'a>, offset: usize, len: usize) {
        if is_block(&tag) {
            self.end_block();
        }
        match tag {
            Tag::Heading {
                level,
                id,
                classes,
                attrs,
            } => self.start_heading(level, id, classes, attrs),
            Tag::CodeBlock(kind) => {
                self.state.code_block = true;
                self.emit(Event::Start(Tag::CodeBlock(kind)));
            }
            Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            } => self.start_image(link_type, dest_url, title, id, offset, len),
            Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            } => self.link(link_type, dest_url, title, id, offset, len),
            Tag::FootnoteDefinition(label) => self.start_footnote(&label, offset, len),
            Tag::Paragraph => {
                let top_level = self.blocks.depth == 0
                    && !self.state.in_footnote
                    && self.headings.open.is_none();
                if top_level {
                    self.paragraph = Some(ParagraphRef {
                        offset,
                        cites: false,
                    });
                }
                self.emit(Event::Start(Tag::Paragraph));
            }
            Tag::BlockQuote(kind) => self.start_quote(kind, offset, len),
            other => self.emit(Event::Start(other)),
        }
    }

    fn end(&mut self, tag: TagEnd) {
        if is_block_end(&tag) {
            self.end_block();
        }
        match tag {
            TagEnd::Heading(_) => self.end_heading(),
            TagEnd::CodeBlock => {
                self.state.code_block = false;
                self.emit(Event::End(tag));
            }
            TagEnd::Image => self.end_image(),
            TagEnd::Link => match self.links.open.pop().flatten() {
                Some(term_link) => self.emit(Event::InlineHtml(CowStr::Borrowed(term_link.close))),
                None => self.emit(Event::End(tag)),
            },
            TagEnd::Paragraph => {
                if self.blocks.depth == 1 && !self.state.in_footnote {
                    if let Some(paragraph) = self.paragraph.take() {
                        self.result.paragraphs.push(paragraph);
                    }
                }
                self.emit(Event::End(TagEnd::Paragraph));
            }
            TagEnd::FootnoteDefinition => self.end_footnote(),
            other => self.emit(Event::End(other)),
        }
    }

    /// A block ended: the mentions in it get their sentence.
    fn end_block(&mut self) {
        if !self.waiting.is_empty() {
            let starts: Vec<usize> = sentence_starts(&self.block_text).collect();
            for (waiting, at) in self.waiting.drain(..) {
                let sentence = match waiting {
                    Waiting::Mention(i) => self.result.mentions.get_mut(i).map(|m| &mut m.sentence),
                    Waiting::Citation(i) => {
                        self.result.citations.get_mut(i).map(|c| &mut c.sentence)
                    }
                };
                if let Some(sentence) = sentence {
                    *sentence = sentence_around(&self.block_text, &starts, at);
                }
            }
        }
        if self.keep_text {
            push_words(&mut self.result.text, &self.block_text);
        }
        self.block_text.clear();
    }

    fn error(&mut self, message: String, offset: usize, len: usize, help: String) {
        let d = Diagnostic::error(&self.page.path, message).at(&self.page.text, offset, len);
        self.result.diagnostics.push(d.with_help(help));
    }

    fn finish(mut self) -> Parsed {
        self.flush();
        self.end_block();
        self.result.toc = nest(&self.headings.toc);
        let mut html = String::new();
        if self.env.mode == Mode::Build {
            html.reserve(self.page.body().len() * 3 / 2);
            pulldown_cmark::html::push_html(&mut html, std::mem::take(&mut self.out).into_iter());
        }
        self.footnotes(&mut html);
        if self.env.mode == Mode::Build {
            self.definitions(&mut html);
        }
        // Every page's HTML is held until it is rendered: no room to spare (a tenth of a
        // 10,000-page build's memory was capacity no page used).
        html.shrink_to_fit();
        self.result.html = html;
        self.result
    }
}

/// The parts joined, allocated once: cheaper than `format!` on the per-reference path.
fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

/// What is waiting for the sentence around it (see [`Walker::end_block`]).
#[derive(Debug, Clone, Copy)]
enum Waiting {
    Mention(usize),
    Citation(usize),
}

/// Appends a block's text to the page's, a space between them.
fn push_words(text: &mut String, block: &str) {
    let block = block.trim();
    if !block.is_empty() {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(block);
    }
}

fn is_block(tag: &Tag) -> bool {
    !matches!(
        tag,
        Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
            | Tag::Image { .. }
    )
}

fn is_block_end(tag: &TagEnd) -> bool {
    !matches!(
        tag,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
    )
}

/// `text.split_whitespace().count()`, a byte at a time when the text is ASCII (most text,
/// and the char-by-char Unicode test was a tenth of the Markdown stage).
fn count_words(text: &str) -> usize {
    if !text.is_ascii() {
        return text.split_whitespace().count();
    }
    let mut words = 0;
    let mut in_word = false;
    for &b in text.as_bytes() {
        // The ASCII characters `char::is_whitespace` accepts (U+0009–U+000D, U+0020).
        let space = matches!(b, b'\t'..=b'\r' | b' ');
        words += usize::from(in_word && space);
        in_word = !space;
    }
    words + usize::from(in_word)
}

fn escape_attr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let _ = escape_html(&mut out, text);
    out
}

fn quote_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice, clippy::unwrap_used)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn words_are_counted_as_split_whitespace_does(
            text in "([ \t\n\u{b}\u{c}\r\u{1c}\u{85}\u{a0}\u{2003}]|[ab]|é){0,30}"
        ) {
            proptest::prop_assert_eq!(count_words(&text), text.split_whitespace().count());
        }
    }
}
