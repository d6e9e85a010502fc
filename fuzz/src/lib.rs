//! The fuzz harnesses of lede, shared by the cargo-fuzz targets in `fuzz_targets/` and by
//! the regression tests in `tests/integration/fuzz_regressions.rs` (which include this file),
//! so that a crash found by a fuzzer is replayed through exactly the same code.
//!
//! Each harness takes the fuzzer's bytes, must never panic on its own account, and panics
//! (an assertion) when lede breaks one of the properties it checks.

use std::path::Path;

use lede::Diagnostic;
use lede::config::Config;
use lede::content::{self, FrontMatter, Page, PageKind, Source, front_matter};
use lede::links::{LinkIndex, Target, unsafe_scheme};
use lede::site::Site;

/// Arbitrary bytes → `load::decode` → `front_matter::parse` (and the page built from
/// it, as a page and as a glossary term). Must never panic; every diagnostic must point
/// inside the file and print.
///
/// Returns the parsed front matter, or the diagnostic.
pub fn front_matter(data: &[u8]) -> Result<FrontMatter, Diagnostic> {
    let path = Path::new("content/fuzz.md");
    let text = match lede::load::decode(path, data.to_vec()) {
        Ok(text) => text,
        Err(d) => {
            let _ = d.to_string();
            return Err(d);
        }
    };
    assert!(!text.contains('\r'), "decode left a CR");
    assert!(!text.contains('\0'), "decode let a NUL through");
    assert!(!text.starts_with('\u{feff}'), "decode left the BOM");

    let parsed = front_matter::parse(path, &text);
    match &parsed {
        Ok((_, body_start)) => {
            assert!(*body_start <= text.len(), "body starts past the end");
            assert!(
                text.is_char_boundary(*body_start),
                "body starts inside a character"
            );
        }
        Err(d) => check_diagnostic(d, &text),
    }

    let config = Config::parse("title = \"T\"").expect("a valid config");
    for key in [
        "fuzz.md",
        "glossary/fuzz.md",
        "glossary/_index.md",
        "sources/fuzz.md",
    ] {
        let source = Source {
            key: key.to_string(),
            text: text.clone(),
        };
        match content::page_from_source(source, &config) {
            Ok(page) => {
                let _ = page.body();
                let _ = page.stem();
            }
            Err(d) => check_diagnostic(&d, &text),
        }
    }
    parsed.map(|(meta, _)| meta)
}

fn check_diagnostic(d: &Diagnostic, text: &str) {
    let lines = text.split('\n').count();
    assert!(
        d.line <= lines,
        "diagnostic at line {} of a {lines}-line file: {d}",
        d.line
    );
    if d.line > 0 && d.col > 0 {
        let chars = text
            .split('\n')
            .nth(d.line - 1)
            .unwrap_or("")
            .chars()
            .count();
        assert!(
            d.col <= chars + 1,
            "diagnostic at column {} of a {chars}-character line: {d}",
            d.col
        );
    }
    let _ = d.to_string();
    let _ = d.short();
}

/// Arbitrary Markdown, and glossary terms named by the input, through the whole pure
/// pipeline (`Site::parse_and_link`: front matter, URLs, glossary, Markdown, auto-linking,
/// wikilinks, anchors). Must never panic. When the site builds:
/// - term links are never inside another link (unless the Markdown writes raw HTML that
///   looks like a term link: then lede's cannot be told apart);
/// - every term link points at a term's page;
/// - with `raw_html = false`, no tag carries an `on*` attribute, no `<script>`/`<iframe>`
///   gets through, no ids repeat on a page, and no link is `javascript:`/`data:`.
///
/// Input: byte 0 holds the options (bits 0-1 `auto_link`, bit 2 `raw_html = false`, bit 3
/// `smart_punctuation = false`, bit 4 the body is also a term's definition, bit 5 each
/// extra term's file is named after its title as written, quotes and all); then UTF-8
/// (lossy) text whose first line names extra terms (`Title,alias,alias|Title2|...`) and
/// whose other lines are the page's Markdown body.
///
/// Returns what `Site::parse_and_link` returned (`None` for an empty input).
pub fn markdown_glossary(data: &[u8]) -> Option<Result<Site, Vec<Diagnostic>>> {
    let (&flags, rest) = data.split_first()?;
    let auto_link = ["first", "all", "off", "first"][usize::from(flags & 3)];
    let raw_html = flags & 4 == 0;
    let smart = flags & 8 == 0;
    let body_in_term = flags & 16 != 0;
    let stems_from_titles = flags & 32 != 0;
    let text = String::from_utf8_lossy(rest);
    let (spec, body) = text.split_once('\n').unwrap_or(("", &text));

    let config = Config::parse(&format!(
        "title = \"T\"\n[markdown]\nraw_html = {raw_html}\nsmart_punctuation = {smart}\n\
         [glossary]\nauto_link = \"{auto_link}\"\n"
    ))
    .expect("a valid config");

    let mut sources = vec![
        source("_index.md", "+++\ntitle = \"Home\"\n+++\nWelcome.\n"),
        source(
            "meeting.md",
            "+++\ntitle = \"Meeting\"\n+++\n## The three pillars {#three-pillars}\n\nDonbas.\n",
        ),
        source("sub/_index.md", "+++\ntitle = \"Sub\"\n+++\n"),
        source("page.md", &format!("+++\ntitle = \"Page\"\n+++\n{body}")),
    ];
    for (stem, title, aliases) in FIXED_TERMS {
        let aliases: Vec<String> = aliases.iter().map(|a| toml_str(a)).collect();
        sources.push(term(stem, &toml_str(title), &aliases, "x\n"));
    }
    for (i, names) in spec.split('|').take(6).enumerate() {
        let mut names = names.split(',').take(4);
        let raw_title = names.next().unwrap_or("");
        let title = toml_str(raw_title);
        let aliases: Vec<String> = names.map(toml_str).collect();
        let definition = if body_in_term && i == 0 { body } else { "y\n" };
        // A file name can hold anything but `/` and NUL (and lede skips hidden names).
        let stem = if stems_from_titles && !raw_title.is_empty() {
            format!("{i}{}", raw_title.replace(['/', '\0'], "-"))
        } else {
            format!("fuzz-{i}")
        };
        sources.push(term(&stem, &title, &aliases, definition));
    }

    let site = match Site::parse_and_link(
        lede::load::Inputs::in_memory(".".into(), config, sources),
        &lede::Options::default(),
    )
    .into_site()
    {
        Ok(site) => site,
        Err(diagnostics) => {
            for d in &diagnostics {
                let _ = d.to_string();
            }
            return Some(Err(diagnostics));
        }
    };

    let term_hrefs: Vec<String> = site
        .glossary
        .terms
        .iter()
        .map(|t| site.links.href(t.page).to_string())
        .collect();
    // With raw HTML on, an author can write `<a class="term"` themselves: such a page's
    // links cannot be told from lede's, so they are not checked.
    let forged = raw_html && body.contains("class=\"term");
    for (page, parsed) in site.pages.iter().zip(&site.parsed) {
        let html = &parsed.html;
        if !forged {
            check_term_links(html, &term_hrefs, &page.key);
        }
        if !raw_html {
            check_escaped(html, &page.key);
        }
    }
    Some(Ok(site))
}

const FIXED_TERMS: &[(&str, &str, &[&str])] = &[
    ("donbas", "Donbas", &["Donbass"]),
    ("donetsk", "Donetsk", &[]),
    ("donetsk-region", "Donetsk region", &[]),
    ("kremlin", "Kremlin", &[]),
    ("demands", "Russia's demands", &[]),
];

fn source(key: &str, text: &str) -> Source {
    Source {
        key: key.into(),
        text: text.into(),
    }
}

fn term(stem: &str, title: &str, aliases: &[String], body: &str) -> Source {
    source(
        &format!("glossary/{stem}.md"),
        &format!(
            "+++\ntitle = {title}\naliases = [{}]\nsummary = {}\n+++\n{body}",
            aliases.join(", "),
            toml_str(&format!("About {stem} & <more>."))
        ),
    )
}

/// A TOML basic string holding exactly `s`.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Term links are never nested in another link, and each goes to a term's page.
fn check_term_links(html: &str, term_hrefs: &[String], key: &str) {
    let lower = html.to_ascii_lowercase();
    let mut open_links = 0usize;
    for (i, _) in lower.match_indices('<') {
        let rest = &lower[i..];
        if rest.starts_with("<a class=\"term\"") {
            assert_eq!(
                open_links, 0,
                "{key}: term link inside another link:\n{html}"
            );
            let href = html[i..]
                .split_once("href=\"")
                .and_then(|(_, h)| h.split_once('"'))
                .map(|(h, _)| h)
                .unwrap_or("");
            assert!(
                term_hrefs.iter().any(|t| t == href),
                "{key}: term link to {href}, not a term:\n{html}"
            );
        }
        let after = rest.as_bytes().get(2).copied();
        if rest.starts_with("<a") && matches!(after, Some(b' ' | b'\t' | b'\n' | b'>' | b'/')) {
            open_links += 1;
        } else if rest.starts_with("</a")
            && !rest[3..].starts_with(|c: char| c.is_ascii_alphanumeric())
        {
            open_links = open_links.saturating_sub(1);
        }
    }
}

/// With raw HTML off, every tag is lede's: no event handlers, no scripts, unique ids,
/// no script or data links.
fn check_escaped(html: &str, key: &str) {
    let mut ids = std::collections::HashSet::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let name: String = rest
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let name = name.to_ascii_lowercase();
        assert!(
            !["script", "iframe", "object", "embed", "style"].contains(&name.as_str()),
            "{key}: <{name}> with raw HTML off:\n{html}"
        );
        // Attributes: name="value" pairs up to the closing `>` (values never hold `"`).
        let mut tag = &rest[rest
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '/')
            .unwrap_or(rest.len())..];
        loop {
            tag = tag.trim_start();
            if tag.is_empty() || tag.starts_with('>') || tag.starts_with("/>") {
                break;
            }
            // A browser ends an attribute name at `/` too: `data-x/onclick` is two attributes.
            tag = tag.trim_start_matches('/');
            if tag.is_empty() || tag.starts_with('>') {
                break;
            }
            let end = tag
                .find(|c: char| c == '=' || c == '>' || c == '/' || c.is_whitespace())
                .unwrap_or(tag.len());
            let attr = tag[..end].to_ascii_lowercase();
            assert!(
                !attr.starts_with("on"),
                "{key}: attribute {attr} with raw HTML off:\n{html}"
            );
            tag = &tag[end..];
            if let Some(quoted) = tag.strip_prefix("=\"") {
                let close = quoted.find('"').expect("a closed attribute value");
                let value = &quoted[..close];
                if attr == "id" {
                    assert!(
                        ids.insert(value.to_string()),
                        "{key}: id {value} twice:\n{html}"
                    );
                }
                if attr == "href" || attr == "src" {
                    assert!(
                        lede::links::unsafe_scheme(&decode_entities(value)).is_none(),
                        "{key}: {attr}={value} with raw HTML off:\n{html}"
                    );
                }
                tag = &quoted[close + 1..];
            } else if !tag.starts_with('>')
                && !tag.is_empty()
                && !tag.starts_with(char::is_whitespace)
                && !tag.starts_with('/')
            {
                panic!("{key}: malformed tag near {tag:.40}:\n{html}");
            }
        }
        rest = tag;
    }
}

/// The entities lede's escaping produces, decoded as a browser would.
fn decode_entities(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Arbitrary link destinations written in pages with arbitrary source keys, through
/// `LinkIndex::resolve` and `unsafe_scheme`. Must never panic, and:
/// - a `Target::Page` is a real page: the page whose key the link names;
/// - a `Target::SiteFile` path has no `..` (or `.`) segments and its href stays under the
///   base path;
/// - every destination a browser would run as `javascript:`, `data:` or `vbscript:` is
///   `Unsafe`.
///
/// Input: UTF-8 (lossy) lines. Line 1 picks the base path (`/` or `/explainer/`), lines
/// starting with `@` are source keys of pages (the page links are written in is the
/// first), every other line is a link destination.
///
/// Returns each destination with what it resolved to.
pub fn links(data: &[u8]) -> Vec<(String, Target)> {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let base_path = if lines.next().unwrap_or("").is_empty() {
        "/"
    } else {
        "/explainer/"
    };
    let mut keys = vec![];
    let mut dests = vec![];
    for line in lines.take(64) {
        match line.strip_prefix('@') {
            Some(key) => keys.push(key.to_string()),
            None => dests.push(line.to_string()),
        }
    }
    if keys.is_empty() {
        keys.push("meeting.md".into());
    }
    keys.extend(["_index.md", "glossary/donbas.md", "my page.md"].map(String::from));
    let pages: Vec<Page> = keys.iter().map(|k| page(k)).collect();
    let index = LinkIndex::new(&pages, base_path);
    let from = keys[0].as_str();

    let mut resolved = Vec::with_capacity(dests.len());
    for dest in dests {
        let scheme = unsafe_scheme(&dest);
        if runs_as_script(&dest) {
            assert!(scheme.is_some(), "{dest:?} is a script link");
        }
        let target = index.resolve(from, &dest);
        match target.clone() {
            Target::Page { page, anchor } => {
                assert!(
                    page.0 < pages.len(),
                    "{dest:?} → page {} of {}",
                    page.0,
                    pages.len()
                );
                let key = &pages[page].key;
                if !dest.contains('%') {
                    let path = dest.trim().split('#').next().unwrap_or("");
                    let path = path.split('?').next().unwrap_or("");
                    assert_eq!(
                        Some(key.as_str()),
                        lexical(from, path).as_deref(),
                        "{dest:?} from {from:?}"
                    );
                }
                if let Some(anchor) = anchor {
                    assert!(dest.contains(&format!("#{anchor}")));
                }
            }
            Target::SiteFile { path, href } => {
                assert!(
                    !path.split('/').any(|s| s == ".." || s == "."),
                    "{dest:?} → site file {path:?}"
                );
                assert!(href.starts_with(base_path), "{dest:?} → href {href:?}");
                let href_path = href[base_path.len()..]
                    .split(['?', '#'])
                    .next()
                    .unwrap_or("");
                assert!(
                    !href_path.split('/').any(|s| s == ".." || s == "."),
                    "{dest:?} → href {href:?} leaves {base_path}"
                );
            }
            Target::Unsafe { scheme: s } => {
                assert_eq!(Some(s), scheme, "{dest:?}");
            }
            Target::SamePage { .. } | Target::External | Target::Missing { .. } => {
                assert!(scheme.is_none(), "{dest:?} is unsafe but not refused");
            }
        }
        resolved.push((dest, target));
    }
    resolved
}

fn page(key: &str) -> Page {
    let kind = if key.ends_with("_index.md") {
        PageKind::Section
    } else {
        PageKind::Page
    };
    Page {
        kind,
        path: std::path::Path::new("content").join(key),
        key: key.to_string(),
        text: String::new(),
        body_start: 0,
        meta: FrontMatter::default(),
        site_path: String::new(),
        parent: None,
        redirects: Vec::new(),
    }
}

/// What a browser does to a URL before reading its scheme: C0 controls and spaces trimmed
/// at both ends, tabs and newlines removed everywhere; then an ASCII case-insensitive match.
fn runs_as_script(dest: &str) -> bool {
    let cleaned: String = dest
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect::<String>()
        .to_ascii_lowercase();
    ["javascript:", "data:", "vbscript:"]
        .iter()
        .any(|s| cleaned.starts_with(s))
}

/// The key a `.md` link names, resolved lexically against the page it is written in;
/// `None` when it climbs out of `content/`.
fn lexical(from: &str, path: &str) -> Option<String> {
    let joined = match path.strip_prefix('/') {
        Some(abs) => abs.to_string(),
        None => match from.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/{path}"),
            None => path.to_string(),
        },
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}
