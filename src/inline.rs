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
    pub terms: Vec<usize>,
    /// Sources the text cites, in order, once each.
    pub sources: Vec<usize>,
}

/// The longest front matter text rendered, in bytes: these are sentences, not pages.
const MAX_LEN: usize = 20_000;

/// Renders `text`, written in `env.pages[page]` at byte `origin` of its file when known
/// (else problems are reported at `fallback`, the start of its table).
pub fn render(
    env: &Env,
    page: usize,
    text: &str,
    origin: Option<usize>,
    fallback: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> Inline {
    let mut out = Inline::default();
    let Some(p) = env.pages.get(page) else {
        return out;
    };
    let locate = |at: usize, len: usize| match origin {
        Some(o) => (o + at, len),
        None => (fallback, 1),
    };
    if text.len() > MAX_LEN {
        let (at, len) = locate(0, 1);
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
    let labels = labels(text);
    let mut source = text.to_string();
    source.push_str("\n\n");
    for label in &labels {
        source.push_str(&format!("[^{label}]: -\n\n"));
    }
    let self_term = env.glossary.term_of_page(page);
    let mut links = 0usize;
    let mut code = 0usize;
    let mut blocks = 0usize;
    for (event, range) in Parser::new_ext(&source, options(env)).into_offset_iter() {
        if range.start >= text.len() && !matches!(event, Event::End(_)) {
            break;
        }
        match event {
            Event::Start(Tag::Paragraph | Tag::Heading { .. } | Tag::Item) => {
                if blocks > 0 {
                    out.html.push(' ');
                    out.plain.push(' ');
                }
                blocks += 1;
            }
            Event::Start(Tag::Emphasis) => out.html.push_str("<em>"),
            Event::End(TagEnd::Emphasis) => out.html.push_str("</em>"),
            Event::Start(Tag::Strong) => out.html.push_str("<strong>"),
            Event::End(TagEnd::Strong) => out.html.push_str("</strong>"),
            Event::Start(Tag::Strikethrough) => out.html.push_str("<s>"),
            Event::End(TagEnd::Strikethrough) => out.html.push_str("</s>"),
            Event::Start(Tag::Link {
                link_type: LinkType::WikiLink { .. },
                dest_url,
                ..
            }) => {
                let (at, len) = locate(range.start, range.len());
                let href = wikilink(env, page, &dest_url, at, len, &mut out, diagnostics);
                links += 1;
                out.html.push_str("<a class=\"term\" href=\"");
                let _ = escape_href(&mut out.html, &href);
                out.html.push_str("\">");
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                let (at, len) = locate(range.start, range.len());
                let href = link_href(env, page, &dest_url, at, len, diagnostics);
                links += 1;
                out.html.push_str("<a href=\"");
                let _ = escape_href(&mut out.html, &href);
                out.html.push_str("\">");
            }
            Event::End(TagEnd::Link) => {
                links = links.saturating_sub(1);
                out.html.push_str("</a>");
            }
            Event::Code(c) => {
                out.html.push_str("<code>");
                let _ = escape_html(&mut out.html, &c);
                out.html.push_str("</code>");
                out.plain.push_str(&c);
            }
            Event::Start(Tag::CodeBlock(_)) => code += 1,
            Event::End(TagEnd::CodeBlock) => code = code.saturating_sub(1),
            Event::Text(t) if links > 0 || code > 0 => {
                let _ = escape_html(&mut out.html, &t);
                out.plain.push_str(&t);
            }
            Event::Text(t) => link_terms(env, self_term, &t, &mut out),
            Event::Html(h) | Event::InlineHtml(h) => {
                let _ = escape_html(&mut out.html, &h);
                out.plain.push_str(&h);
            }
            Event::SoftBreak | Event::HardBreak => {
                out.html.push(' ');
                out.plain.push(' ');
            }
            Event::FootnoteReference(label) => {
                let (at, len) = locate(range.start, range.len());
                cite(env, page, &label, at, len, &mut out, diagnostics);
            }
            _ => {}
        }
    }
    out.plain = out.plain.split_whitespace().collect::<Vec<_>>().join(" ");
    out
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
fn link_terms(env: &Env, self_term: Option<usize>, text: &str, out: &mut Inline) {
    let mut last = 0;
    for (range, term) in env.glossary.mentions(text) {
        if Some(term) == self_term || out.terms.contains(&term) || range.start < last {
            continue;
        }
        let Some(t) = env.glossary.terms.get(term) else {
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
    page: usize,
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
        let term_page = env.glossary.terms.get(t).map_or(0, |t| t.page);
        return env.links.href(term_page).to_string();
    }
    if let Some(p) = env.pages.get(page) {
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
    page: usize,
    dest: &str,
    at: usize,
    len: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> String {
    let Some(p) = env.pages.get(page) else {
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
                Some(a) if !a.is_empty() => format!("{href}#{a}"),
                _ => href.to_string(),
            }
        }
        Target::SamePage { anchor } => format!("{}#{anchor}", env.links.href(page)),
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
    page: usize,
    label: &str,
    at: usize,
    len: usize,
    out: &mut Inline,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(source) = env.sources.lookup(label) else {
        if let Some(p) = env.pages.get(page) {
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
    let Some(s) = env.sources.sources.get(source) else {
        return;
    };
    let meta = env.pages.get(s.page).map(|p| &p.meta);
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
