//! Parse stage, for the short texts of front matter (`[[updates]] text`, `[[events]] text`):
//! one line of inline Markdown → HTML, with glossary terms linked, links to `.md` files
//! rewritten and `[^source]` citations turned into links to the source's page.
//!
//! Raw HTML is escaped (these texts are shown on other pages and in feeds), block syntax is
//! flattened to its text. Records the terms and sources the text names; never does I/O.
#![deny(
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unwrap_used,
    clippy::expect_used
)]

use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd};
use pulldown_cmark_escape::{escape_href, escape_html};

use crate::diagnostics::Diagnostic;
use crate::ids::{PageId, SourceId, TermId};
use crate::links::Target;
use crate::markdown::Env;

/// One front matter text, rendered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inline {
    /// The HTML, without a wrapping `<p>`.
    pub html: String,
    /// The text without markup (for feeds, JSON-LD and search).
    pub plain: String,
    /// Terms the text links, in order, once each.
    pub terms: Vec<TermId>,
    /// Sources the text cites, in order, once each.
    pub sources: Vec<SourceId>,
}

/// The longest front matter text rendered, in bytes: these are sentences, not pages.
const MAX_LEN: usize = 20_000;

/// Renders `text`, written in `env.pages[page]` at byte `origin` of its file when known
/// (else problems are reported at `fallback`, the start of its table).
pub fn render(
    env: &Env,
    page: PageId,
    text: &str,
    origin: Option<usize>,
    fallback: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> Inline {
    let out = Inline::default();
    let Some(p) = env.pages.get(page.0) else {
        return out;
    };
    if text.len() > MAX_LEN {
        let (at, len) = (origin.unwrap_or(fallback), 1);
        diagnostics.push(
            Diagnostic::error(
                &p.path,
                format!("text of {} bytes (at most {MAX_LEN})", text.len()),
            )
            .at(&p.text, at, len)
            .with_help("say it in a sentence or two; the page's body is for the rest"),
        );
        return out;
    }
    let mut source = text.to_string();
    source.push_str("\n\n");
    for label in labels(text) {
        source.push_str(&format!("[^{label}]: -\n\n"));
    }
    let mut walk = Walk {
        env,
        page,
        origin,
        fallback,
        self_term: env.glossary.term_of_page(page),
        out,
        diagnostics,
        links: 0,
        code: 0,
        blocks: 0,
    };
    for (event, range) in Parser::new_ext(&source, options(env)).into_offset_iter() {
        // The stand-in definitions after the text are never shown.
        if range.start >= text.len() && !matches!(event, Event::End(_)) {
            break;
        }
        walk.event(event, range);
    }
    let mut out = walk.out;
    out.plain = out.plain.split_whitespace().collect::<Vec<_>>().join(" ");
    out
}

/// Where the walk through one text is.
struct Walk<'e, 'd> {
    env: &'e Env<'e>,
    page: PageId,
    origin: Option<usize>,
    fallback: usize,
    self_term: Option<TermId>,
    out: Inline,
    diagnostics: &'d mut Vec<Diagnostic>,
    /// Open links and code blocks (no term is linked inside them), blocks seen.
    links: usize,
    code: usize,
    blocks: usize,
}

impl Walk<'_, '_> {
    /// A range of the text → where to report it in the file.
    fn locate(&self, range: &std::ops::Range<usize>) -> (usize, usize) {
        match self.origin {
            Some(o) => (o + range.start, range.len()),
            None => (self.fallback, 1),
        }
    }

    fn event(&mut self, event: Event, range: std::ops::Range<usize>) {
        let html = &mut self.out.html;
        match event {
            Event::Start(Tag::Paragraph | Tag::Heading { .. } | Tag::Item) => {
                if self.blocks > 0 {
                    html.push(' ');
                    self.out.plain.push(' ');
                }
                self.blocks += 1;
            }
            Event::Start(Tag::Emphasis) => html.push_str("<em>"),
            Event::End(TagEnd::Emphasis) => html.push_str("</em>"),
            Event::Start(Tag::Strong) => html.push_str("<strong>"),
            Event::End(TagEnd::Strong) => html.push_str("</strong>"),
            Event::Start(Tag::Strikethrough) => html.push_str("<s>"),
            Event::End(TagEnd::Strikethrough) => html.push_str("</s>"),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) => self.link(link_type, &dest_url, &range),
            Event::End(TagEnd::Link) => {
                self.links = self.links.saturating_sub(1);
                html.push_str("</a>");
            }
            Event::Code(c) => {
                html.push_str("<code>");
                let _ = escape_html(&mut *html, &c);
                html.push_str("</code>");
                self.out.plain.push_str(&c);
            }
            Event::Start(Tag::CodeBlock(_)) => self.code += 1,
            Event::End(TagEnd::CodeBlock) => self.code = self.code.saturating_sub(1),
            Event::Text(t) if self.links > 0 || self.code > 0 => {
                let _ = escape_html(&mut *html, &t);
                self.out.plain.push_str(&t);
            }
            Event::Text(t) => link_terms(self.env, self.self_term, &t, &mut self.out),
            // Raw HTML is shown as text: these texts also go to feeds and other pages.
            Event::Html(h) | Event::InlineHtml(h) => {
                let _ = escape_html(&mut *html, &h);
                self.out.plain.push_str(&h);
            }
            Event::SoftBreak | Event::HardBreak => {
                html.push(' ');
                self.out.plain.push(' ');
            }
            Event::FootnoteReference(label) => {
                let (at, len) = self.locate(&range);
                cite(
                    self.env,
                    self.page,
                    &label,
                    at,
                    len,
                    &mut self.out,
                    self.diagnostics,
                );
            }
            _ => {}
        }
    }

    /// A `[[wikilink]]` to a term, or a link to a page or an address.
    fn link(&mut self, link_type: LinkType, dest: &str, range: &std::ops::Range<usize>) {
        let (at, len) = self.locate(range);
        let (class, href) = match link_type {
            LinkType::WikiLink { .. } => {
                let href = wikilink(
                    self.env,
                    self.page,
                    dest,
                    at,
                    len,
                    &mut self.out,
                    self.diagnostics,
                );
                (" class=\"term\"", href)
            }
            _ => (
                "",
                link_href(self.env, self.page, dest, at, len, self.diagnostics),
            ),
        };
        self.links += 1;
        let html = &mut self.out.html;
        html.push_str("<a");
        html.push_str(class);
        html.push_str(" href=\"");
        let _ = escape_href(&mut *html, &href);
        html.push_str("\">");
    }
}

fn options(env: &Env) -> Options {
    let mut options =
        Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_WIKILINKS;
    if env.config.markdown.smart_punctuation {
        options |= Options::ENABLE_SMART_PUNCTUATION;
    }
    options
}

/// Every glossary term in `text` becomes a link (the first mention of each in this text).
fn link_terms(env: &Env, self_term: Option<TermId>, text: &str, out: &mut Inline) {
    let mut last = 0;
    for (range, term) in env.glossary.mentions(text) {
        if Some(term) == self_term || out.terms.contains(&term) || range.start < last {
            continue;
        }
        let Some(t) = env.glossary.terms.get(term.0) else {
            continue;
        };
        let _ = escape_html(
            &mut out.html,
            text.get(last..range.start).unwrap_or_default(),
        );
        out.html.push_str("<a class=\"term\" href=\"");
        let _ = escape_href(&mut out.html, env.links.href(t.page));
        out.html.push_str("\">");
        let _ = escape_html(&mut out.html, text.get(range.clone()).unwrap_or_default());
        out.html.push_str("</a>");
        out.terms.push(term);
        last = range.end;
    }
    let _ = escape_html(&mut out.html, text.get(last..).unwrap_or_default());
    out.plain.push_str(text);
}

/// `[[Donbas]]`: the term's page; an unknown name is an error with the nearest names.
fn wikilink(
    env: &Env,
    page: PageId,
    name: &str,
    at: usize,
    len: usize,
    out: &mut Inline,
    diagnostics: &mut Vec<Diagnostic>,
) -> String {
    if let Some(t) = env.glossary.lookup(name) {
        if !out.terms.contains(&t) {
            out.terms.push(t);
        }
        let term_page = env.glossary.terms.get(t.0).map_or(PageId(0), |t| t.page);
        return env.links.href(term_page).to_string();
    }
    if let Some(p) = env.pages.get(page.0) {
        let suggestions = env.glossary.suggest(name);
        let help = match suggestions.first() {
            Some(close) => format!("did you mean `{close}`?"),
            None => "wikilinks name a glossary term by title, alias or file name".into(),
        };
        diagnostics.push(
            Diagnostic::error(
                &p.path,
                format!("unknown glossary term `{name}` in [[wikilink]]"),
            )
            .at(&p.text, at, len)
            .with_help(help),
        );
    }
    "#".into()
}

/// Where a link in a front matter text goes; a missing page or an unsafe scheme is an error.
fn link_href(
    env: &Env,
    page: PageId,
    dest: &str,
    at: usize,
    len: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> String {
    let Some(p) = env.pages.get(page.0) else {
        return String::new();
    };
    let mut error = |message: String, help: &str| {
        diagnostics.push(
            Diagnostic::error(&p.path, message)
                .at(&p.text, at, len)
                .with_help(help.to_string()),
        );
        String::from("#")
    };
    match env.links.resolve(&p.key, dest) {
        Target::Page { page, anchor } => {
            let href = env.links.href(page);
            match anchor {
                Some(a) if !a.is_empty() => crate::urls::anchor(href, &a),
                _ => href.to_string(),
            }
        }
        Target::SamePage { anchor } => crate::urls::anchor(env.links.href(page), &anchor),
        Target::SiteFile { href, .. } => href,
        Target::External => dest.to_string(),
        Target::Missing { path } => error(
            format!("link to a missing page: `{path}`"),
            "link to a page's .md file, relative to this page",
        ),
        Target::Unsafe { scheme } => error(
            format!("`{scheme}:` links are not allowed"),
            "link to a page or an http(s) address",
        ),
    }
}

/// `[^key]` names a source: a link to its page. Anything else is an error.
fn cite(
    env: &Env,
    page: PageId,
    label: &str,
    at: usize,
    len: usize,
    out: &mut Inline,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(source) = env.sources.lookup(label) else {
        if let Some(p) = env.pages.get(page.0) {
            let suggestions = env.sources.suggest(label);
            let help = match suggestions.first() {
                Some(close) => format!("did you mean `[^{close}]`?"),
                None => {
                    "front matter texts cite sources only: add the source to the sources folder"
                        .into()
                }
            };
            diagnostics.push(
                Diagnostic::error(&p.path, format!("`[^{label}]` names no source"))
                    .at(&p.text, at, len)
                    .with_help(help),
            );
        }
        return;
    };
    let Some(s) = env.sources.sources.get(source.0) else {
        return;
    };
    let meta = env.pages.get(s.page.0).map(|p| &p.meta);
    let name = meta
        .and_then(|m| m.source.publisher.as_deref())
        .or(meta.map(|m| m.title.as_str()))
        .unwrap_or(&s.key);
    out.html.push_str(" <span class=\"cite\">(<a href=\"");
    let _ = escape_href(&mut out.html, env.links.href(s.page));
    out.html.push_str("\">");
    let _ = escape_html(&mut out.html, name);
    out.html.push_str("</a>)</span>");
    if !out.sources.contains(&source) {
        out.sources.push(source);
    }
}

/// The labels of `[^label]` references in `text`.
fn labels(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("[^") {
        let after = rest.get(start + 2..).unwrap_or_default();
        let Some(end) = after.find(']') else {
            break;
        };
        let label = after.get(..end).unwrap_or_default();
        if !label.is_empty() && !label.contains(['[', '\n']) && !found.iter().any(|l| l == label) {
            found.push(label.to_string());
        }
        rest = after.get(end..).unwrap_or_default();
        if found.len() > 100 {
            break;
        }
    }
    found
}
