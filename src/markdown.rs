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
use crate::links::{LinkIndex, Target, slugify};
use crate::options::Mode;
use crate::sentences::{sentence_around, sentence_starts};
use crate::sources::{Sources, citation_key};

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
    pub term: usize,
    /// The link's id on the page: `mention-donbas-1`.
    pub id: String,
    /// The sentence around the mention, as plain text.
    pub sentence: String,
}

/// A footnote reference that cites a source (`[^seed]` with no `[^seed]:` on the page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    /// Index into the site's [`Sources`].
    pub source: usize,
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
    pub page: usize,
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
    pub terms: Vec<usize>,
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
    walker.stand_ins = unresolved
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
    image: usize,
    /// For each open image: where it is, and whether it has alt text yet.
    image_alt: Vec<(usize, usize, bool)>,
    /// Raw `<a>` tags opened by the author and not yet closed.
    raw_links: usize,
    /// Link kinds for the open Markdown links (innermost last).
    links: Vec<Option<TermLink>>,
    in_footnote: bool,
}

/// What closes the HTML [`Walker::term_link`] opens.
const TERM_LINK_CLOSE: &str = "</a></span>";

/// A Markdown link to a term, open: what closes it (`</a></span>`, or nothing for the term
/// page's own name, left as plain text).
struct TermLink {
    close: &'static str,
}

struct HeadingBuf<'a> {
    level: HeadingLevel,
    id: Option<String>,
    classes: Vec<String>,
    attrs: Vec<(String, String)>,
    events: Vec<Event<'a>>,
    text: String,
}

struct Walker<'e, 'a> {
    env: &'e Env<'e>,
    page: &'a Page,
    index: usize,
    self_term: Option<usize>,
    auto_link: AutoLink,
    out: Vec<Event<'a>>,
    state: State,
    /// Consecutive text, joined so that names split across events still match.
    pending: String,
    heading: Option<HeadingBuf<'a>>,
    headings: Vec<(u8, String, String)>,
    footnote: Option<(String, Vec<Event<'a>>)>,
    footnote_defs: Vec<(String, Vec<Event<'a>>)>,
    /// Each cited note (by id key): its number, the id its `fn-`/`fnref-` ids are made of,
    /// and how many references it has so far.
    footnote_numbers: HashMap<String, NoteNumber>,
    /// Each footnote definition's id key → its label as first written.
    footnote_labels: HashMap<String, String>,
    /// For each id base, the next suffix to try (see [`Walker::next_free`]).
    suffixes: HashMap<String, usize>,
    /// Open blockquotes on the page, for the attribution rewrite, and the block depth.
    quotes: Vec<QuoteFrame>,
    depth: usize,
    /// Plain text of the current block, and mentions waiting for their sentence.
    block_text: String,
    waiting: Vec<(Waiting, usize)>,
    /// Labels with no definition on the page (by citation key): citations of sources, or
    /// unknown. See [`parse`].
    stand_ins: HashSet<String>,
    /// The top-level paragraph being read, if any.
    paragraph: Option<ParagraphRef>,
    /// Notes that cite a source (by id key) → the source.
    cited: HashMap<String, usize>,
    linked: HashSet<usize>,
    mention_counts: HashMap<usize, usize>,
    /// Each linked term's hidden definition id, and the terms in order of first link.
    def_ids: HashMap<usize, String>,
    def_order: Vec<usize>,
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
        Walker {
            env,
            page,
            index,
            self_term: env.glossary.term_of_page(index),
            auto_link,
            // About one event per 20 bytes of Markdown: sized once, not grown by doubling.
            out: Vec::with_capacity(page.body().len() / 20),
            state: State::default(),
            pending: String::new(),
            heading: None,
            headings: Vec::new(),
            footnote: None,
            footnote_defs: Vec::new(),
            footnote_numbers: HashMap::default(),
            footnote_labels: HashMap::default(),
            suffixes: HashMap::default(),
            quotes: Vec::new(),
            depth: 0,
            block_text: String::new(),
            waiting: Vec::new(),
            stand_ins: HashSet::default(),
            paragraph: None,
            cited: HashMap::default(),
            linked: HashSet::default(),
            mention_counts: HashMap::default(),
            def_ids: HashMap::default(),
            def_order: Vec::new(),
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
        if let Some(heading) = &mut self.heading {
            heading.events.push(event);
        } else if let Some((_, events)) = &mut self.footnote {
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

    /// Records a quote that became a figure, and gives the figure an id to link to.
    fn record_quote(&mut self, frame: &QuoteFrame) {
        let events = self.out.get(frame.start..frame.end).unwrap_or_default();
        let caption = events
            .iter()
            .position(|e| matches!(e, Event::Html(h) if h.contains("<figcaption>")))
            .unwrap_or(events.len());
        let text_of = |events: &[Event]| {
            let mut text = String::new();
            for e in events {
                match e {
                    Event::Text(t) | Event::Code(t) => text.push_str(t),
                    Event::End(TagEnd::Paragraph) | Event::SoftBreak | Event::HardBreak => {
                        text.push(' ');
                    }
                    _ => {}
                }
            }
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        let text = text_of(events.get(..caption).unwrap_or_default());
        let attribution = text_of(events.get(caption..).unwrap_or_default());
        let attribution = attribution
            .trim_start_matches(['—', '–', '-'])
            .trim()
            .to_string();
        let n = self.result.quotes.len() + 1;
        let id = self.fresh_single_id(format!("quote-{n}"));
        if let Some(event) = self.out.get_mut(frame.start) {
            *event =
                Event::Html(format!("<figure class=\"quote\" id=\"{id}\">\n<blockquote>\n").into());
        }
        self.result.quotes.push(QuoteRef {
            id,
            text,
            attribution,
            offset: frame.source.start,
        });
    }

    /// Warns about a quote whose last line starts with a dash but is not an attribution.
    fn failed_attribution(&mut self, frame: &QuoteFrame) {
        let d = Diagnostic::warning(
            &self.page.path,
            "the last line of this quote looks like an attribution but is not one",
        )
        .at(&self.page.text, frame.source.start, 1)
        .with_help(
            "put the attribution in its own paragraph after a line with only `>`: `> — Name, role`",
        );
        self.result.diagnostics.push(d);
    }

    /// Follows the blocks of the page as they are emitted, so that a blockquote knows its
    /// last paragraph when it closes (in constant time, however deep quotes nest).
    /// Returns the frame of a blockquote this event closes.
    fn track_blocks(&mut self, event: &Event) -> Option<QuoteFrame> {
        let index = self.out.len();
        match event {
            Event::Start(Tag::BlockQuote(_)) => {
                if let Some(f) = in_frame(&mut self.quotes, self.depth) {
                    f.block(None);
                }
                self.depth += 1;
                self.quotes.push(QuoteFrame::new(index, self.depth));
            }
            Event::Start(tag) if is_block(tag) => {
                let paragraph = matches!(tag, Tag::Paragraph).then_some(index);
                if let Some(f) = in_frame(&mut self.quotes, self.depth) {
                    f.block(paragraph);
                }
                self.depth += 1;
            }
            Event::Html(_) => {
                if let Some(f) = in_frame(&mut self.quotes, self.depth) {
                    f.block(None);
                }
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                self.depth = self.depth.saturating_sub(1);
                return self.quotes.pop().map(|f| QuoteFrame { end: index, ..f });
            }
            Event::End(tag) if is_block_end(tag) => {
                self.depth = self.depth.saturating_sub(1);
                if let (TagEnd::Paragraph, Some(f)) = (tag, in_frame(&mut self.quotes, self.depth))
                {
                    f.paragraph_end = Some(index);
                }
            }
            _ => {}
        }
        None
    }

    fn text(&mut self, text: CowStr<'a>) {
        if let Some(image) = self.state.image_alt.last_mut() {
            image.2 |= !text.trim().is_empty();
        }
        if let Some(heading) = &mut self.heading {
            heading.text.push_str(&text);
            heading.events.push(Event::Text(text));
        } else if self.state.code_block {
            self.emit(Event::Text(text));
        } else {
            self.pending.push_str(&text);
        }
    }

    /// Emits the pending text, linking the glossary terms it mentions.
    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.pending);
        self.result.word_count += count_words(&text);
        let linkable = self.state.links.is_empty()
            && self.state.image == 0
            && self.state.raw_links == 0
            && !self.state.in_footnote
            && self.auto_link != AutoLink::Off;
        let mut last = 0;
        if linkable {
            let found: Vec<_> = self.env.glossary.mentions(&text).collect();
            for (range, term) in found {
                if Some(term) == self.self_term
                    || (self.auto_link == AutoLink::First && self.linked.contains(&term))
                {
                    continue;
                }
                // Match ranges come from searching `text` for whole UTF-8 names: they fall on
                // character boundaries, and `get` keeps it so whatever the matcher does.
                let before = text.get(last..range.start).unwrap_or_default();
                self.emit(Event::Text(CowStr::from(before.to_string())));
                let sentence_at = self.block_text.len() + range.start;
                let open = self.term_link(term, sentence_at);
                self.emit(Event::InlineHtml(open.into()));
                let name = text.get(range.clone()).unwrap_or_default();
                self.emit(Event::Text(CowStr::from(name.to_string())));
                self.emit(Event::InlineHtml(CowStr::Borrowed(TERM_LINK_CLOSE)));
                last = range.end;
            }
        }
        self.block_text.push_str(&text);
        if last == 0 {
            self.emit(Event::Text(CowStr::from(text)));
        } else if last < text.len() {
            let rest = text.get(last..).unwrap_or_default();
            self.emit(Event::Text(CowStr::from(rest.to_string())));
        }
    }

    /// The HTML around a link to `term`, and the mention it records. The definition is
    /// not in the text: the wrapper carries it in `data-def` for the CSS tooltip (generated
    /// content, never copied or read as text), and the link's `aria-describedby` points at
    /// the page's one hidden copy of it (see [`Walker::definitions`]).
    // Term ids come from this glossary (its matcher, `lookup` or `term_of_page`), so they
    // index `terms`.
    #[allow(clippy::indexing_slicing)]
    fn term_link(&mut self, term: usize, sentence_at: usize) -> String {
        let t = &self.env.glossary.terms[term];
        let count = self.mention_counts.entry(term).or_insert(0);
        *count += 1;
        let mut base = String::with_capacity(t.slug.len() + 16);
        base.push_str("mention-");
        base.push_str(&t.slug);
        base.push('-');
        base.push_str(itoa::Buffer::new().format(*count));
        let id = self.fresh_single_id(base);
        if !self.def_ids.contains_key(&term) {
            let def_id = self.fresh_single_id(concat(&["def-", &t.slug]));
            self.def_ids.insert(term, def_id);
            self.def_order.push(term);
        }
        let def_id = self.def_ids.get(&term).map_or("", String::as_str);
        let href = self.env.links.href(t.page);
        let mut open =
            String::with_capacity(t.summary_attr.len() + href.len() + id.len() + def_id.len() + 96);
        open.push_str("<span class=\"term-ref\" data-def=\"");
        open.push_str(&t.summary_attr);
        open.push_str("\"><a class=\"term\" href=\"");
        let _ = escape_href(&mut open, href);
        // Both ids are made of a slug, `-` and digits: nothing to escape.
        open.push_str("\" id=\"");
        open.push_str(&id);
        open.push_str("\" aria-describedby=\"");
        open.push_str(def_id);
        open.push_str("\">");
        self.record_mention(term, id, sentence_at);
        open
    }

    /// Appends each linked term's definition once, hidden: what the links' `aria-describedby`
    /// name. Hidden content is not shown, copied, or kept by reader modes, but still
    /// describes the links to assistive technology.
    fn definitions(&self, html: &mut String) {
        if self.def_order.is_empty() {
            return;
        }
        html.push_str("<div class=\"term-defs\" hidden>\n");
        for term in &self.def_order {
            let (Some(t), Some(id)) = (self.env.glossary.terms.get(*term), self.def_ids.get(term))
            else {
                continue;
            };
            let _ = write!(html, "<p id=\"{id}\">");
            let _ = escape_html(&mut *html, &t.summary);
            html.push_str("</p>\n");
        }
        html.push_str("</div>\n");
    }

    fn record_mention(&mut self, term: usize, id: String, sentence_at: usize) {
        self.linked.insert(term);
        if !self.result.terms.contains(&term) {
            self.result.terms.push(term);
        }
        // Term pages show the sentence of a page's first mention only.
        if self.mention_counts.get(&term) == Some(&1) {
            self.waiting
                .push((Waiting::Mention(self.result.mentions.len()), sentence_at));
        }
        self.result.mentions.push(Mention {
            term,
            id,
            sentence: String::new(),
        });
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
                let top_level =
                    self.depth == 0 && !self.state.in_footnote && self.heading.is_none();
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
            TagEnd::Link => match self.state.links.pop().flatten() {
                Some(term_link) => self.emit(Event::InlineHtml(CowStr::Borrowed(term_link.close))),
                None => self.emit(Event::End(tag)),
            },
            TagEnd::Paragraph => {
                if self.depth == 1 && !self.state.in_footnote {
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

    fn start_heading(
        &mut self,
        level: HeadingLevel,
        id: Option<CowStr<'a>>,
        classes: Vec<CowStr<'a>>,
        attrs: Vec<(CowStr<'a>, Option<CowStr<'a>>)>,
    ) {
        let attrs = attrs
            .into_iter()
            .filter(|(k, _)| crate::html::is_data_attribute(k))
            .map(|(k, v)| {
                let v = v.as_deref().unwrap_or("");
                let v = v
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(v);
                (k.to_string(), v.to_string())
            })
            .collect();
        self.heading = Some(HeadingBuf {
            level,
            id: id.map(|i| i.to_string()),
            classes: classes.into_iter().map(|c| c.to_string()).collect(),
            attrs,
            events: Vec::new(),
            text: String::new(),
        });
    }

    fn start_image(
        &mut self,
        link_type: LinkType,
        dest_url: CowStr<'a>,
        title: CowStr<'a>,
        id: CowStr<'a>,
        offset: usize,
        len: usize,
    ) {
        self.state.image += 1;
        self.state.image_alt.push((offset, len, false));
        let dest_url = self
            .rewrite(&dest_url, offset, len)
            .map_or(dest_url, CowStr::from);
        self.emit(Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }));
    }

    fn end_image(&mut self) {
        self.state.image = self.state.image.saturating_sub(1);
        if let Some((offset, len, false)) = self.state.image_alt.pop() {
            let help =
                "describe the image for readers who cannot see it: `![A map of Donbas](map.png)`";
            self.error("image has no alt text".into(), offset, len, help.into());
        }
        self.emit(Event::End(TagEnd::Image));
    }

    fn start_footnote(&mut self, label: &str, offset: usize, len: usize) {
        self.state.in_footnote = true;
        let key = footnote_key(label);
        if let Some(first) = self.footnote_labels.get(&key) {
            let message = if *first == label {
                format!("footnote `[^{label}]` is defined twice")
            } else {
                format!("footnotes `[^{first}]` and `[^{label}]` would have the same id")
            };
            let help = "give each footnote its own label".to_string();
            self.error(message, offset, len.min(label.len() + 4), help);
        } else {
            self.footnote_labels.insert(key, label.to_string());
        }
        self.footnote = Some((label.to_string(), Vec::new()));
    }

    fn end_footnote(&mut self) {
        self.state.in_footnote = false;
        if let Some(def) = self.footnote.take() {
            self.footnote_defs.push(def);
        }
    }

    fn start_quote(
        &mut self,
        kind: Option<pulldown_cmark::BlockQuoteKind>,
        offset: usize,
        len: usize,
    ) {
        let open = self.quotes.len();
        self.emit(Event::Start(Tag::BlockQuote(kind)));
        if self.quotes.len() > open {
            if let Some(frame) = self.quotes.last_mut() {
                frame.source = offset..offset + len;
            }
        }
    }

    fn end_heading(&mut self) {
        let Some(h) = self.heading.take() else { return };
        if self.keep_text {
            push_words(&mut self.result.text, &h.text);
        }
        let level = h.level as u8;
        let base = h.id.clone().unwrap_or_else(|| {
            let s = slugify(&h.text);
            if s.is_empty() { "section".into() } else { s }
        });
        let id = self.unique_id(base, h.id.is_some());
        let mut html = format!("<h{level} id=\"");
        let _ = escape_html(&mut html, &id);
        html.push('"');
        if !h.classes.is_empty() {
            html.push_str(" class=\"");
            let _ = escape_html(&mut html, &h.classes.join(" "));
            html.push('"');
        }
        for (name, value) in &h.attrs {
            crate::html::push_attribute(&mut html, name, value);
        }
        html.push('>');
        pulldown_cmark::html::push_html(&mut html, h.events.into_iter());
        let _ = writeln!(
            html,
            " <a class=\"anchor\" href=\"#{}\" aria-hidden=\"true\" tabindex=\"-1\">#</a></h{level}>",
            escape_attr(&id)
        );
        if level > 1 {
            self.headings.push((level, id, h.text.trim().to_string()));
        }
        self.emit(Event::Html(html.into()));
    }

    /// Makes `id` unique on the page (`-1`, `-2`...); an explicit duplicate is an error.
    fn unique_id(&mut self, base: String, explicit: bool) -> String {
        if self.result.ids.insert(base.clone()) {
            return base;
        }
        if explicit {
            self.result.diagnostics.push(
                Diagnostic::warning(
                    &self.page.path,
                    format!("two headings have the id `{base}`"),
                )
                .with_help("give each heading its own `{#id}`"),
            );
        }
        let id = self.next_free(&base, 1, |c| vec![c.to_string()]);
        self.result.ids.insert(id.clone());
        id
    }

    /// The first of `base-n`, `base-(n+1)`... for which none of the ids `ids` makes is taken.
    /// Remembers where each base got to, so that 10,000 headings of the same text cost
    /// linear time, not quadratic.
    fn next_free(&mut self, base: &str, first: usize, ids: impl Fn(&str) -> Vec<String>) -> String {
        let n = self.suffixes.entry(base.to_string()).or_insert(first);
        loop {
            let candidate = format!("{base}-{n}");
            *n += 1;
            if ids(&candidate)
                .iter()
                .all(|id| !self.result.ids.contains(id))
            {
                return candidate;
            }
        }
    }

    fn link(
        &mut self,
        link_type: LinkType,
        dest_url: CowStr<'a>,
        title: CowStr<'a>,
        id: CowStr<'a>,
        offset: usize,
        len: usize,
    ) {
        let term = if let LinkType::WikiLink { .. } = link_type {
            self.wikilink(&dest_url, offset, len)
        } else {
            match self.env.links.resolve(&self.page.key, &dest_url) {
                Target::Page { page, anchor: None } => self.env.glossary.term_of_page(page),
                _ => None,
            }
        };
        let linkable =
            self.heading.is_none() && self.state.links.is_empty() && self.state.raw_links == 0;
        match term {
            // A term page does not link to itself (nor list itself under "Mentioned in"):
            // the link's text stays, as plain text.
            Some(term) if Some(term) == self.self_term => {
                self.state.links.push(Some(TermLink { close: "" }));
            }
            Some(term) if linkable => {
                let sentence_at = self.block_text.len();
                let open = self.term_link(term, sentence_at);
                self.state.links.push(Some(TermLink {
                    close: TERM_LINK_CLOSE,
                }));
                self.emit(Event::InlineHtml(open.into()));
            }
            Some(term) => {
                let page = self.env.glossary.terms.get(term).map_or(0, |t| t.page);
                let href = self.env.links.href(page);
                self.state.links.push(None);
                self.emit(link_event(
                    LinkType::Inline,
                    href.to_string().into(),
                    title,
                    id,
                ));
            }
            None => {
                let dest = match link_type {
                    LinkType::WikiLink { .. } => dest_url,
                    _ => self
                        .rewrite(&dest_url, offset, len)
                        .map_or(dest_url, CowStr::from),
                };
                self.state.links.push(None);
                self.emit(link_event(link_type, dest, title, id));
            }
        }
    }

    fn wikilink(&mut self, name: &str, offset: usize, len: usize) -> Option<usize> {
        let found = self.env.glossary.lookup(name);
        if found.is_none() {
            let suggestions = self.env.glossary.suggest(name);
            let help = if suggestions.is_empty() {
                "wikilinks name a glossary term by title, alias or file name".to_string()
            } else {
                format!("did you mean {}?", quote_list(&suggestions))
            };
            self.error(
                format!("unknown glossary term `{name}` in [[wikilink]]"),
                offset,
                len,
                help,
            );
        }
        found
    }

    /// The URL to write for a link or image destination, or `None` to keep it as written.
    fn rewrite(&mut self, dest: &str, offset: usize, len: usize) -> Option<String> {
        self.result.links += 1;
        let at = |target: String| LinkRef {
            target,
            offset,
            len,
        };
        match self.env.links.resolve(&self.page.key, dest) {
            Target::Page { page, anchor } => {
                let mut href = self.env.links.href(page).to_string();
                if let Some(anchor) = anchor {
                    self.result.anchor_refs.push(AnchorRef {
                        page,
                        anchor: anchor.clone(),
                        offset,
                        len,
                    });
                    href = crate::urls::anchor(&href, &anchor);
                }
                Some(href)
            }
            Target::SamePage { anchor } => {
                self.result.anchor_refs.push(AnchorRef {
                    page: self.index,
                    anchor,
                    offset,
                    len,
                });
                None
            }
            Target::SiteFile { path, href } => {
                self.result.site_files.push(at(path));
                Some(href)
            }
            Target::External => {
                if dest.starts_with("http://") || dest.starts_with("https://") {
                    self.result.external.push(at(dest.to_string()));
                }
                None
            }
            Target::Missing { path } => {
                let help = self.missing_page_help(dest, &path);
                self.error(
                    format!("link to a missing page: `{path}`"),
                    offset,
                    len,
                    help,
                );
                None
            }
            Target::Unsafe { scheme } => {
                let help = "remove the link: lede never publishes script or data links";
                self.error(format!("`{scheme}:` link"), offset, len, help.into());
                Some(String::new())
            }
        }
    }

    /// "Did you mean" the page closest to the missing `key`, written as the link was: the
    /// last part of `dest` replaced when the page is in the same folder.
    fn missing_page_help(&self, dest: &str, key: &str) -> String {
        let Some(close) = self.env.links.suggest(key) else {
            return "link to the .md file relative to this page, e.g. `../meeting.md`".into();
        };
        let same_dir = |k: &str| k.rsplit_once('/').map(|(d, _)| d.to_string());
        let written = dest.split('#').next().unwrap_or(dest);
        let anchor = dest.get(written.len()..).unwrap_or_default();
        if same_dir(key) != same_dir(close) {
            return format!("did you mean content/{close}?");
        }
        let folder = written
            .rfind('/')
            .map_or("", |i| written.get(..=i).unwrap_or(""));
        let name = close.rsplit('/').next().unwrap_or(close);
        format!("did you mean `{folder}{name}{anchor}`?")
    }

    fn error(&mut self, message: String, offset: usize, len: usize, help: String) {
        let d = Diagnostic::error(&self.page.path, message).at(&self.page.text, offset, len);
        self.result.diagnostics.push(d.with_help(help));
    }

    /// Counts the `<a>` tags an author opens and closes in raw HTML, so that no term link is
    /// put inside one (which would nest links).
    fn track_raw_link(&mut self, html: &str) {
        let lower = html.to_ascii_lowercase();
        let ends_name = |rest: &str| !rest.starts_with(|c: char| c.is_ascii_alphanumeric());
        for (i, _) in lower.match_indices('<') {
            // `<` is one byte, so `i + 1` is a character boundary.
            let tag = lower.get(i + 1..).unwrap_or_default();
            if tag.strip_prefix("/a").is_some_and(ends_name) {
                self.state.raw_links = self.state.raw_links.saturating_sub(1);
            } else if tag.strip_prefix('a').is_some_and(ends_name) {
                self.state.raw_links += 1;
            }
        }
    }

    fn footnote_reference(&mut self, label: &str, offset: usize, len: usize) {
        if let Some(paragraph) = &mut self.paragraph {
            paragraph.cites = true;
        }
        // No definition on the page: the label must name a source.
        let source = if self.stand_ins.contains(citation_key(label).as_ref()) {
            match self.env.sources.lookup(label) {
                Some(source) => Some(source),
                None => return self.unknown_citation(label, offset, len),
            }
        } else {
            None
        };
        // By id, not by label as written: `[^Seed]` cites the note `[^seed]` (labels match
        // ignoring case), so both get one number and one set of ids.
        let key = footnote_key(label);
        let (number, id, uses) = match self.footnote_numbers.get_mut(&key) {
            Some(note) => {
                note.uses += 1;
                (note.number, note.id.clone(), note.uses)
            }
            None => {
                let number = self.footnote_numbers.len() + 1;
                let id = self.fresh_id(&key, |c| vec![concat(&["fn-", c]), concat(&["fnref-", c])]);
                if let Some(source) = source {
                    self.cited.insert(key.clone(), source);
                }
                let note = NoteNumber {
                    number,
                    id: id.clone(),
                    uses: 1,
                };
                self.footnote_numbers.insert(key, note);
                (number, id, 1)
            }
        };
        let ref_id = if uses == 1 {
            concat(&["fnref-", &id])
        } else {
            self.fresh_single_id(format!("fnref-{id}-{uses}"))
        };
        let number_text = number.to_string();
        let mut html = String::with_capacity(160 + 2 * id.len());
        for part in [
            "<sup class=\"footnote-ref\"><a href=\"#fn-",
            &id,
            "\" id=\"",
            &ref_id,
            "\" aria-label=\"Note ",
            &number_text,
            "\"",
        ] {
            html.push_str(part);
        }
        if let Some(source) = source {
            // The source on hover and focus, from CSS (`content: attr(data-tip)`), so it is
            // never part of the text; the note itself is the accessible description.
            let tip = self.env.sources.sources.get(source).map_or("", |s| &s.tip);
            for part in [" aria-describedby=\"fn-", &id, "\" data-tip=\"", tip, "\""] {
                html.push_str(part);
            }
            // "Cited on" shows the sentence of a page's first citation of a source only.
            let first = !self.result.citations.iter().any(|c| c.source == source);
            if first {
                self.waiting.push((
                    Waiting::Citation(self.result.citations.len()),
                    self.block_text.len(),
                ));
            }
            self.result.citations.push(Citation {
                source,
                id: ref_id,
                sentence: String::new(),
                offset,
                first,
            });
        }
        for part in [">", &number_text, "</a></sup>"] {
            html.push_str(part);
        }
        self.emit(Event::InlineHtml(html.into()));
    }

    fn unknown_citation(&mut self, label: &str, offset: usize, len: usize) {
        let suggestions = self.env.sources.suggest(label);
        let sources = &self.env.config.sources.dir;
        let help = if suggestions.is_empty() {
            format!(
                "add the source as content/{sources}/{}.md, or write the note on this page: `[^{label}]: ...`",
                citation_key(label)
            )
        } else {
            format!("did you mean {}?", quote_list(&suggestions))
        };
        self.error(
            format!("`[^{label}]` names no source and no note on this page"),
            offset,
            len,
            help,
        );
    }

    /// An id lede makes up (mentions, footnotes): `base`, else `base-2`, `base-3`... so that
    /// none of the ids `ids` makes of it is taken yet (by a heading above, or another made-up
    /// id); they are taken at once, so that headings further down avoid them too.
    /// [`Walker::fresh_id`] for an element with one id, without the list.
    fn fresh_single_id(&mut self, base: String) -> String {
        let id = if self.result.ids.contains(&base) {
            self.next_free(&base, 2, |c| vec![c.to_string()])
        } else {
            base
        };
        self.result.ids.insert(id.clone());
        id
    }

    fn fresh_id(&mut self, base: &str, ids: impl Fn(&str) -> Vec<String>) -> String {
        let taken = |c: &str| ids(c).iter().any(|id| self.result.ids.contains(id));
        let id = if taken(base) {
            self.next_free(base, 2, &ids)
        } else {
            base.to_string()
        };
        self.result.ids.extend(ids(&id));
        id
    }

    fn finish(mut self) -> Parsed {
        self.flush();
        self.end_block();
        self.result.toc = nest(&self.headings);
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

    /// Appends the numbered notes, the page's own and the sources it cites, in the order
    /// they are first referenced.
    fn footnotes(&mut self, html: &mut String) {
        let mut notes: Vec<(usize, String, Note<'a>)> = Vec::new();
        for (label, events) in std::mem::take(&mut self.footnote_defs) {
            match self.footnote_numbers.get(&footnote_key(&label)) {
                Some(note) => notes.push((note.number, note.id.clone(), Note::Own(events))),
                None => self.result.diagnostics.push(
                    Diagnostic::warning(
                        &self.page.path,
                        format!("footnote `[^{label}]` is never referenced"),
                    )
                    .with_help(format!("cite it with `[^{label}]` or remove it")),
                ),
            }
        }
        for (key, &source) in &self.cited {
            if let Some(note) = self.footnote_numbers.get(key) {
                notes.push((note.number, note.id.clone(), Note::Source(source)));
            }
        }
        if notes.is_empty() || self.env.mode == Mode::Check {
            return;
        }
        notes.sort_by_key(|(n, _, _)| *n);
        html.push_str("<section class=\"footnotes\" aria-label=\"Notes\">\n<ol>\n");
        for (_, id, note) in notes {
            let back = concat(&[
                " <a href=\"#fnref-",
                &id,
                "\" class=\"footnote-back\" aria-label=\"Back to the text\">↩</a>",
            ]);
            match note {
                Note::Own(mut events) => {
                    match events
                        .iter()
                        .rposition(|e| matches!(e, Event::End(TagEnd::Paragraph)))
                    {
                        Some(i) => events.insert(i, Event::InlineHtml(back.into())),
                        None => events.push(Event::InlineHtml(back.into())),
                    }
                    let _ = write!(html, "<li id=\"fn-{id}\">");
                    pulldown_cmark::html::push_html(html, events.into_iter());
                }
                Note::Source(source) => {
                    let _ = write!(html, "<li id=\"fn-{id}\" class=\"source-note\"><p>");
                    if let Some(s) = self.env.sources.sources.get(source) {
                        html.push_str(&s.note);
                    }
                    html.push_str(&back);
                    html.push_str("</p>\n");
                }
            }
            html.push_str("</li>\n");
        }
        html.push_str("</ol>\n</section>\n");
    }
}

/// A cited note's number, the id its `fn-`/`fnref-` ids are made of, and its references.
struct NoteNumber {
    number: usize,
    id: String,
    uses: usize,
}

/// The parts joined, allocated once: cheaper than `format!` on the per-reference path.
fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

/// A note at the end of a page.
enum Note<'a> {
    /// The page's own footnote, `[^1]: a remark`.
    Own(Vec<Event<'a>>),
    /// A source the page cites.
    Source(usize),
}

/// What is waiting for the sentence around it (see [`Walker::end_block`]).
#[derive(Debug, Clone, Copy)]
enum Waiting {
    Mention(usize),
    Citation(usize),
}

fn link_event<'a>(
    link_type: LinkType,
    dest_url: CowStr<'a>,
    title: CowStr<'a>,
    id: CowStr<'a>,
) -> Event<'a> {
    Event::Start(Tag::Link {
        link_type,
        dest_url,
        title,
        id,
    })
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

/// The innermost open quote, if `depth` is the depth of its direct children.
fn in_frame(quotes: &mut [QuoteFrame], depth: usize) -> Option<&mut QuoteFrame> {
    quotes.last_mut().filter(|f| f.depth == depth)
}

/// An open blockquote: where it starts in the output and what blocks it holds.
#[derive(Debug, Clone)]
struct QuoteFrame {
    start: usize,
    /// The block depth of the quote's own children.
    depth: usize,
    /// How many blocks the quote holds directly.
    blocks: usize,
    /// The last direct child, if it is a paragraph: its start and end in the output.
    paragraph: Option<usize>,
    paragraph_end: Option<usize>,
    end: usize,
    /// The quote's range in the page's source.
    source: std::ops::Range<usize>,
}

impl QuoteFrame {
    fn new(start: usize, depth: usize) -> Self {
        QuoteFrame {
            start,
            depth,
            blocks: 0,
            paragraph: None,
            paragraph_end: None,
            end: 0,
            source: 0..0,
        }
    }

    /// A direct child block starts (`Some(index)` if it is a paragraph).
    fn block(&mut self, paragraph: Option<usize>) {
        self.blocks += 1;
        self.paragraph = paragraph;
        self.paragraph_end = None;
    }
}

/// What a closing blockquote turned out to be.
#[derive(Debug, PartialEq, Eq)]
enum Attribution {
    /// Its last line was an attribution: it is now a `<figure>` with a `<figcaption>`.
    Figure,
    /// A plain quote.
    None,
    /// Its last line starts with a dash but could not be read as an attribution.
    Failed,
}

/// A blockquote whose last paragraph starts with a dash (`— Yuri Ushakov`, `– `, `-- `) or
/// whose last block is a one-item `-` list (`> - Yuri Ushakov`, which Markdown reads as a
/// list) becomes a `<figure>` with the quote and a `<figcaption>` attribution. `text` is the
/// page's source, where the frame's `source` range points.
fn attribute_quote(out: &mut [Event], frame: &QuoteFrame, text: &str) -> Attribution {
    // Only a quote that ends in text can end in an attribution; the check returns before
    // reading the source otherwise, so deeply nested quotes cost linear time.
    let last = frame.end.checked_sub(1).and_then(|i| out.get(i));
    if !matches!(last, Some(Event::End(TagEnd::Paragraph | TagEnd::List(_)))) {
        return Attribution::None;
    }
    let last_line = text
        .get(frame.source.clone())
        .unwrap_or_default()
        .trim_end()
        .rsplit('\n')
        .next()
        .unwrap_or_default()
        .trim_start_matches(|c: char| c == '>' || c.is_whitespace());
    let dashed = attribution_text(last_line).is_some();
    let caption = match (frame.paragraph, frame.paragraph_end) {
        (Some(para), Some(para_end)) if para_end + 1 == frame.end => {
            let is_attribution = matches!(out.get(para + 1), Some(Event::Text(t))
                if t.starts_with(['—', '–']) || t.starts_with("-- "));
            is_attribution.then_some((para, vec![], para_end))
        }
        _ => hyphen_list(out, frame, last_line),
    };
    let Some((open, blanks, close)) = caption.filter(|_| frame.blocks >= 2) else {
        let last_is_text = matches!(
            frame.end.checked_sub(1).and_then(|i| out.get(i)),
            Some(Event::End(TagEnd::Paragraph))
        );
        return if dashed && last_is_text {
            Attribution::Failed
        } else {
            Attribution::None
        };
    };
    let replacements = [
        (frame.start, "<figure class=\"quote\">\n<blockquote>\n"),
        (open, "</blockquote>\n<figcaption>"),
        (close, "</figcaption>\n"),
        (frame.end, "</figure>\n"),
    ];
    for (at, html) in replacements.into_iter().chain(blanks) {
        if let Some(event) = out.get_mut(at) {
            *event = Event::Html(html.into());
        }
    }
    Attribution::Figure
}

/// Where a caption starts and ends in the output, and events to replace inside it.
type Caption = (usize, Vec<(usize, &'static str)>, usize);

/// The name after an attribution's dash (`—`, `–`, `--` or `-`), if the line has one.
fn attribution_text(line: &str) -> Option<&str> {
    let rest = ["—", "–", "--", "-"]
        .iter()
        .find_map(|dash| line.strip_prefix(dash))?;
    let name = rest.trim();
    (!name.is_empty() && !name.starts_with(['-', '—', '–'])).then_some(name)
}

/// When the quote's last block is a tight one-item list written with `-` whose item is
/// one line of text: (the list's start, the events to blank, the list's end), with the
/// item's start turned into the caption's dash.
fn hyphen_list(out: &[Event], frame: &QuoteFrame, last_line: &str) -> Option<Caption> {
    let close = frame.end.checked_sub(1)?;
    let item_end = close.checked_sub(1)?;
    if !matches!(out.get(close), Some(Event::End(TagEnd::List(false))))
        || !matches!(out.get(item_end), Some(Event::End(TagEnd::Item)))
        || !last_line.starts_with("- ")
    {
        return None;
    }
    let open = (frame.start..close)
        .rev()
        .find(|&i| matches!(out.get(i), Some(Event::Start(Tag::List(None)))))?;
    let item = open + 1;
    let inline_only = out.get(item + 1..item_end)?.iter().all(|e| match e {
        Event::Start(tag) => !is_block(tag),
        Event::End(tag) => !is_block_end(tag),
        _ => true,
    });
    let one_item = matches!(out.get(item), Some(Event::Start(Tag::Item)));
    (inline_only && one_item).then(|| (open, vec![(item, "— "), (item_end, "")], close))
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

/// Builds the nested table of contents from (level, id, title) in document order.
fn nest(headings: &[(u8, String, String)]) -> Vec<TocEntry> {
    let mut roots: Vec<TocEntry> = Vec::new();
    for (level, id, title) in headings {
        let entry = TocEntry {
            level: *level,
            id: id.clone(),
            title: title.clone(),
            children: Vec::new(),
        };
        insert(&mut roots, entry);
    }
    roots
}

fn insert(siblings: &mut Vec<TocEntry>, entry: TocEntry) {
    match siblings.last_mut() {
        Some(last) if last.level < entry.level => insert(&mut last.children, entry),
        _ => siblings.push(entry),
    }
}

/// The labels of footnote references (`[^seed]`) that no line of `body` defines
/// (`[^seed]: ...`), one per citation key, in order of first use. A plain scan of the text:
/// a label in a code span is found too, and its stand-in is simply never referenced.
fn labels_without_definition(body: &str) -> Vec<String> {
    // One SIMD scan for `[^` (most pages have none), then each place is looked at alone.
    let mut defined: HashSet<std::borrow::Cow<str>> = HashSet::default();
    let mut used: Vec<&str> = Vec::new();
    for at in memchr::memmem::find_iter(body.as_bytes(), b"[^") {
        let (Some(before), Some(rest)) = (body.get(..at), body.get(at + 2..)) else {
            continue;
        };
        let line_start = before
            .bytes()
            .rev()
            .take_while(|&b| b != b'\n')
            .all(|b| b == b' ');
        let line = rest.split('\n').next().unwrap_or_default();
        match line.split_once("]:") {
            // `[^label]: ...` at the start of a line (after spaces) defines the label.
            Some((label, _)) if line_start => {
                defined.insert(citation_key(label));
            }
            _ => {}
        }
        if let Some((label, _)) = rest.split_once(']') {
            used.push(label);
        }
    }
    let mut seen = HashSet::default();
    let mut labels = Vec::new();
    for label in used {
        let key = citation_key(label);
        if is_plain_label(label) && !defined.contains(&key) && seen.insert(key) {
            labels.push(label.to_string());
        }
    }
    labels
}

/// A label a citation can use: short, on one line, no brackets, carets or backslashes,
/// no spaces around it.
fn is_plain_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 100
        && !label.contains(['[', '\n', '^', '\\'])
        && label.trim() == label
}

/// A footnote label as an id: `seed` → `seed`, `A note` → `a-note`.
fn footnote_key(label: &str) -> String {
    // Most labels (`seed`, `1`, `source-12`) are already slugs: skip the transliteration.
    let plain = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
    if !label.is_empty()
        && label.bytes().all(plain)
        && !label.starts_with('-')
        && !label.ends_with('-')
        && !label.contains("--")
    {
        return label.to_string();
    }
    let s = slugify(label);
    if s.is_empty() { "note".into() } else { s }
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

    #[test]
    fn toc_nests_by_level() {
        let h = |l: u8, id: &str| (l, id.to_string(), id.to_string());
        let toc = nest(&[h(2, "a"), h(3, "b"), h(3, "c"), h(2, "d"), h(4, "e")]);
        assert_eq!(toc.len(), 2);
        assert_eq!(
            toc[0]
                .children
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>(),
            ["b", "c"]
        );
        assert_eq!(toc[1].children[0].id, "e");
    }

    /// The first version of [`labels_without_definition`], line by line: the rules plainly.
    fn labels_without_definition_by_line(body: &str) -> Vec<String> {
        let defined: HashSet<std::borrow::Cow<str>> = body
            .lines()
            .filter_map(|line| {
                let line = line.trim_start_matches(' ');
                let label = line.strip_prefix("[^")?.split_once("]:")?.0;
                Some(citation_key(label))
            })
            .collect();
        let mut seen = HashSet::default();
        let mut labels = Vec::new();
        for (i, _) in body.match_indices("[^") {
            let Some((label, _)) = body[i + 2..].split_once(']') else {
                continue;
            };
            let key = citation_key(label);
            if is_plain_label(label) && !defined.contains(&key) && seen.insert(key) {
                labels.push(label.to_string());
            }
        }
        labels
    }

    proptest::proptest! {
        #[test]
        fn labels_without_definition_agrees_with_the_line_by_line_rules(
            body in "(\\[\\^|\\]:?|[ \n]|[aB]|é|\\^){0,40}"
        ) {
            proptest::prop_assert_eq!(
                labels_without_definition(&body),
                labels_without_definition_by_line(&body)
            );
        }
    }

    #[test]
    fn labels_defined_on_a_line_of_their_own_are_not_stand_ins() {
        let body = "A[^wire] and[^seed] and [^Wire].\n\n  [^seed]: Defined.\nx [^other]: not a definition\n";
        assert_eq!(labels_without_definition(body), ["wire", "other"]);
    }

    proptest::proptest! {
        #[test]
        fn words_are_counted_as_split_whitespace_does(
            text in "([ \t\n\u{b}\u{c}\r\u{1c}\u{85}\u{a0}\u{2003}]|[ab]|é){0,30}"
        ) {
            proptest::prop_assert_eq!(count_words(&text), text.split_whitespace().count());
        }
    }
}
