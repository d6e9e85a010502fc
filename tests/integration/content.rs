//! The bundled explainer read against its sources: the seed article
//! (`<repo>/../shared/seed/article.txt`) and the fact sheet (`<repo>/../shared/factsheet.md`).
//! CI runs with a copy of `shared/` beside the clone; without it these tests fail and say so.
//!
//! The site is built, and the prose of every page (`div.prose`: no navigation, no term
//! tooltips, no heading anchors) is cut into blocks: paragraphs, list items, table rows,
//! headings, quote figures and footnotes. What is checked, mechanically:
//!
//! - **Quotations.** Every quotation on the site: each `figure.quote` blockquote, and every
//!   span in curly double quotes (“…”, which smart punctuation makes of "…") in any block,
//!   whatever its length, so a short quote is held to the same rule as a long one. A
//!   quotation passes if it is word for word in the seed and is cited to `[^seed]`, or word
//!   for word in a row of the fact sheet's section 2 (the C items) and is cited to a note
//!   whose URL, or whose site name, is in that same row. An inline quotation is cited by the
//!   first run of note references after it in its block (`“…”.[^a][^b]`). Quotes and apostrophes are
//!   compared as straight marks, white space is collapsed, and a final `.`, `,`, `;` or `:`
//!   is dropped (the seed closes some quotes with a comma where the sentence goes on). A
//!   A quote figure is cited by its caption and the nearest paragraph before it in its
//!   section.
//!   A heading cannot carry a note, so a quotation in a heading need only be word for word
//!   in the seed or in a C row (the section under it cites the source).
//!   Footnotes are not searched for quotations: they hold the titles of the sources.
//! - **Every paragraph of a story page is sourced or marked.** Story pages are the pages
//!   `content/*.md` other than the home page and `sources.md` (which describes the method,
//!   not the events). Each paragraph, list item and table body row cites a note, or starts
//!   with "In plain words" (the explainer's own explanation, adding no facts), or says what
//!   is "not known", or is a short pointer to another page ("See …", up to 12 words).
//! - **The translation caveat.** Wherever a block carries the sentence the fact sheet flags
//!   (C19: “Some of the language we’ve been offered is acceptable.”), or paraphrases it
//!   ("language" with "acceptable"), a block at or after it and before the next heading says
//!   that other renderings read "does not suit us", and cites a source.
//! - **Notes.** One label is one source: a label's note reads the same on every page. Each
//!   note links a URL that is in the fact sheet, or says "no web address recorded" (the
//!   notes are made from content/sources/, so this checks each source's `url`).

use super::*;
use html5gum::{Token, Tokenizer};
use std::collections::HashMap;

/// The sentence the fact sheet (C19) says other translations render as the opposite.
const DISPUTED: &str = "Some of the language we’ve been offered is acceptable.";
/// The words the caveat must carry (C19: "add a note that other translations render this
/// sentence as 'does not suit us'").
const CAVEAT: &str = "does not suit us";

/// What a block of prose is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Heading,
    Paragraph,
    Item,
    Row,
    /// The text of a `figure.quote` blockquote.
    Quote,
    Caption,
    /// A footnote's note; the label is the block's only citation.
    Note,
}

/// A paragraph, item, row, heading, quote or note of a page, with the notes it cites.
#[derive(Debug)]
struct Block {
    kind: Kind,
    text: String,
    /// Footnote labels cited in the block (for a note: its own label).
    cites: Vec<String>,
    /// Where in `text` each of `cites` stands (byte offsets).
    cited_at: Vec<usize>,
    /// `http…` links in the block.
    urls: Vec<String>,
    /// For table rows: a header row.
    header: bool,
}

/// A built page: its path under the output folder and its blocks of prose.
struct Page {
    rel: String,
    blocks: Vec<Block>,
}

/// The seed and the fact sheet.
struct Sources {
    seed: String,
    /// Section 2 of the fact sheet: one normalized line per C row.
    rows: Vec<String>,
    /// Every URL written in the fact sheet.
    urls: Vec<String>,
}

fn shared(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the content tests read {}: {e}\nThey check the explainer against the seed and the \
             fact sheet in the `shared/` folder that sits beside the repository (CI puts a copy \
             there). Copy `shared/` next to the clone and run again.",
            path.display()
        )
    })
}

fn sources() -> Sources {
    let sheet = shared("factsheet.md");
    Sources {
        seed: normalized(&shared("seed/article.txt")),
        rows: sheet
            .lines()
            .filter(|l| l.starts_with("| C"))
            .map(normalized)
            .collect(),
        urls: sheet
            .split_whitespace()
            .filter(|w| w.starts_with("http"))
            .map(str::to_string)
            .collect(),
    }
}

/// Straight quote marks, one space between words, no Markdown bold.
fn normalized(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| match c {
            '‘' | '’' => '\'',
            '“' | '”' => '"',
            c => c,
        })
        .collect();
    text.replace("**", "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Builds the bundled explainer once per test and reads every page's prose.
fn built_site() -> Vec<Page> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("public");
    let run = lede_in(root, &["build", "--output-dir", target.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    tree(&target)
        .into_iter()
        .filter(|(rel, _)| rel.ends_with(".html"))
        .map(|(rel, bytes)| Page {
            blocks: blocks(&String::from_utf8_lossy(&bytes)),
            rel,
        })
        .collect()
}

/// An element open in the walk: its name and classes.
struct Open {
    name: String,
    class: String,
}

/// Elements whose text is not part of the prose a reader reads as sentences.
fn hidden(open: &Open) -> bool {
    ["term-tip", "anchor", "footnote-back"]
        .iter()
        .any(|c| open.class.split(' ').any(|k| k == *c))
}

/// What block, if any, an element starts.
fn block_kind(name: &str, stack: &[Open]) -> Option<Kind> {
    let inside = |tag: &str| stack.iter().any(|o| o.name == tag);
    let kind = match name {
        "h2" | "h3" | "h4" | "h5" | "h6" => Kind::Heading,
        "li" if stack.iter().any(|o| o.class == "footnotes") => Kind::Note,
        "li" => Kind::Item,
        "tr" => Kind::Row,
        "figcaption" => Kind::Caption,
        "p" if inside("blockquote") => Kind::Quote,
        "p" if inside("li") => return None,
        "p" => Kind::Paragraph,
        _ => return None,
    };
    Some(kind)
}

const VOID: &[&str] = &["br", "hr", "img", "input", "meta", "link", "source", "wbr"];

/// The blocks of the `div.prose` parts of a page, in document order.
fn blocks(html: &str) -> Vec<Block> {
    let mut stack: Vec<Open> = Vec::new();
    let mut open_blocks: Vec<(usize, Block)> = Vec::new();
    let mut done = Vec::new();
    for Ok(token) in Tokenizer::new(html) {
        match token {
            Token::StartTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).into_owned();
                let attr = |key: &str| {
                    tag.attributes
                        .get(key.as_bytes())
                        .map(|v| String::from_utf8_lossy(v).into_owned())
                        .unwrap_or_default()
                };
                let in_prose = stack
                    .iter()
                    .any(|o| o.class.split(' ').any(|c| c == "prose"));
                if in_prose {
                    start_tag(&name, &attr("href"), &attr("id"), &stack, &mut open_blocks);
                }
                if !VOID.contains(&name.as_str()) && !tag.self_closing {
                    stack.push(Open {
                        name,
                        class: attr("class"),
                    });
                }
            }
            Token::EndTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).into_owned();
                if let Some(at) = stack.iter().rposition(|o| o.name == name) {
                    stack.truncate(at);
                }
                while open_blocks
                    .last()
                    .is_some_and(|(depth, _)| *depth > stack.len())
                {
                    let (_, block) = open_blocks.pop().unwrap();
                    if !block.text.trim().is_empty() {
                        done.push(block);
                    }
                }
            }
            Token::String(text) => {
                let shown = !stack.iter().any(hidden);
                let in_ref = stack.iter().any(|o| o.class == "footnote-ref");
                if let (true, false, Some((_, block))) = (shown, in_ref, open_blocks.last_mut()) {
                    block.text.push_str(&String::from_utf8_lossy(&text));
                }
            }
            _ => {}
        }
    }
    done
}

/// A start tag inside the prose: opens a block, or records a citation, link or header cell.
fn start_tag(
    name: &str,
    href: &str,
    id: &str,
    stack: &[Open],
    open_blocks: &mut Vec<(usize, Block)>,
) {
    if let Some(kind) = block_kind(name, stack) {
        let cites = match id.strip_prefix("fn-") {
            Some(label) if kind == Kind::Note => vec![label.to_string()],
            _ => Vec::new(),
        };
        let block = Block {
            kind,
            text: String::new(),
            cited_at: vec![0; cites.len()],
            cites,
            urls: Vec::new(),
            header: false,
        };
        // The block closes when the element that opened it does.
        open_blocks.push((stack.len() + 1, block));
        return;
    }
    let Some((_, block)) = open_blocks.last_mut() else {
        return;
    };
    match name {
        "th" => block.header = true,
        "a" if href.starts_with("http") => block.urls.push(href.to_string()),
        "a" => {
            let in_ref = stack.iter().any(|o| o.class == "footnote-ref");
            if let (true, Some(label)) = (in_ref, href.strip_prefix("#fn-")) {
                block.cites.push(label.to_string());
                block.cited_at.push(block.text.len());
            }
        }
        _ => {}
    }
}

/// Every span of `text` between “ and ”, without the marks, with the offset after its ”.
fn quotations(text: &str) -> Vec<(&str, usize)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(start) = text[from..].find('“') {
        let open = from + start + '“'.len_utf8();
        let Some(len) = text[open..].find('”') else {
            break;
        };
        from = open + len + '”'.len_utf8();
        found.push((&text[open..open + len], from));
    }
    found
}

/// The notes of a page, by label.
fn notes(page: &Page) -> HashMap<&str, &Block> {
    page.blocks
        .iter()
        .filter(|b| b.kind == Kind::Note)
        .map(|b| (b.cites[0].as_str(), b))
        .collect()
}

/// The site name of a URL: `newsx` for `https://www.newsx.com/…`, for matching the fact
/// sheet's rows, which name some sources without their URL.
fn site_name(url: &str) -> Option<String> {
    let host = url.split('/').nth(2)?;
    host.split('.')
        .filter(|l| !["www", "com", "org", "en", "news", "preview"].contains(l))
        .max_by_key(|l| l.len())
        .filter(|l| l.len() >= 4)
        .map(str::to_lowercase)
}

/// Whether `quote`, cited by `cites` on `page`, is traced to the seed or the fact sheet.
fn traced(quote: &str, block: &Block, cites: &[String], page: &Page, src: &Sources) -> bool {
    let wanted = normalized(quote);
    let wanted = wanted.trim_end_matches(['.', ',', ';', ':']).trim();
    if wanted.is_empty() {
        return false;
    }
    if block.kind == Kind::Heading {
        return src.seed.contains(wanted) || src.rows.iter().any(|row| row.contains(wanted));
    }
    if src.seed.contains(wanted) && cites.iter().any(|c| c == "seed") {
        return true;
    }
    let notes = notes(page);
    src.rows
        .iter()
        .filter(|row| row.contains(wanted))
        .any(|row| {
            let row_lower = row.to_lowercase();
            cites
                .iter()
                .filter_map(|c| notes.get(c.as_str()))
                .flat_map(|note| &note.urls)
                .any(|url| {
                    row.contains(url.as_str())
                        || site_name(url).is_some_and(|name| row_lower.contains(&name))
                })
        })
}

/// The citations of a quotation ending at `end` in `blocks[at]`: the first run of note
/// references after it; for a quote figure, those of its caption and of the nearest
/// paragraph before it in its section.
fn context_cites(blocks: &[Block], at: usize, end: usize) -> Vec<String> {
    let block = &blocks[at];
    if block.kind != Kind::Quote {
        let Some(first) = block.cited_at.iter().position(|&i| i >= end) else {
            return Vec::new();
        };
        let run = block.cited_at[first..]
            .iter()
            .take_while(|&&i| i == block.cited_at[first])
            .count();
        return block.cites[first..first + run].to_vec();
    }
    let mut cites = Vec::new();
    let after = blocks[at + 1..]
        .iter()
        .take_while(|b| b.kind == Kind::Quote);
    let caption = blocks[at + 1..].get(after.count());
    if let Some(caption) = caption.filter(|b| b.kind == Kind::Caption) {
        cites.extend(caption.cites.iter().cloned());
    }
    let before = blocks[..at]
        .iter()
        .rev()
        .take_while(|b| b.kind != Kind::Heading)
        .find(|b| b.kind == Kind::Paragraph);
    if let Some(before) = before {
        cites.extend(before.cites.iter().cloned());
    }
    cites
}

#[test]
fn every_quotation_is_in_the_seed_or_cited_to_a_fact_sheet_source() {
    let src = sources();
    let pages = built_site();
    let mut problems = Vec::new();
    let mut checked = 0;
    for page in &pages {
        for (at, block) in page.blocks.iter().enumerate() {
            if block.kind == Kind::Note {
                continue;
            }
            let found = quotations(&block.text);
            if block.kind == Kind::Quote && found.is_empty() {
                problems.push(format!(
                    "{}: a quote figure without “…”: {}",
                    page.rel, block.text
                ));
            }
            for (quote, end) in found {
                checked += 1;
                let cites = context_cites(&page.blocks, at, end);
                if !traced(quote, block, &cites, page, &src) {
                    problems.push(format!(
                        "{}: “{quote}” (cited to {cites:?}) is neither in the seed with [^seed] \
                         nor in a fact-sheet row that names the source cited for it",
                        page.rel
                    ));
                }
            }
        }
    }
    assert!(
        checked >= 50,
        "only {checked} quotations found: is the site's prose read?"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The story pages: `content/*.md` except the home page and the method page.
fn story_pages() -> Vec<String> {
    let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    let mut pages: Vec<String> = fs::read_dir(content)
        .unwrap()
        .filter_map(|e| {
            e.unwrap()
                .file_name()
                .to_str()?
                .strip_suffix(".md")
                .map(String::from)
        })
        .filter(|stem| stem != "_index" && stem != "sources")
        .map(|stem| format!("{stem}/index.html"))
        .collect();
    pages.sort();
    pages
}

/// Why a block of a story page may stand without a citation, if it may.
fn marked(block: &Block) -> bool {
    let text = block.text.trim();
    text.starts_with("In plain words")
        || text.contains("not known")
        || (text.starts_with("See ") && text.split_whitespace().count() <= 12)
}

#[test]
fn every_paragraph_of_a_story_page_cites_a_source_or_says_what_it_is() {
    let pages = built_site();
    let story = story_pages();
    assert!(story.len() >= 5, "story pages: {story:?}");
    let mut problems = Vec::new();
    for rel in &story {
        let page = pages
            .iter()
            .find(|p| &p.rel == rel)
            .unwrap_or_else(|| panic!("{rel} was not built"));
        let prose = page.blocks.iter().filter(|b| match b.kind {
            Kind::Paragraph | Kind::Item => true,
            Kind::Row => !b.header,
            _ => false,
        });
        let mut paragraphs = 0;
        for block in prose {
            paragraphs += 1;
            if block.cites.is_empty() && !marked(block) {
                problems.push(format!(
                    "{rel}: cites no source and is not marked as explanation (\"In plain \
                     words\") or as not known: {}",
                    block.text.trim()
                ));
            }
        }
        assert!(paragraphs >= 3, "{rel}: only {paragraphs} paragraphs read");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Whether a block carries the disputed sentence, word for word or paraphrased.
fn carries_disputed(block: &Block) -> bool {
    let text = normalized(&block.text).to_lowercase();
    text.contains(&normalized(DISPUTED).to_lowercase())
        || (text.contains("language") && text.contains("acceptable"))
}

#[test]
fn the_translation_caveat_follows_the_disputed_sentence_wherever_it_is_quoted() {
    let pages = built_site();
    let mut problems = Vec::new();
    let mut quoted = 0;
    for page in &pages {
        for (at, block) in page.blocks.iter().enumerate() {
            if block.kind == Kind::Note || !carries_disputed(block) {
                continue;
            }
            quoted += 1;
            let caveat = page.blocks[at..]
                .iter()
                .take_while(|b| b.kind != Kind::Heading)
                .any(|b| b.text.contains(CAVEAT) && !b.cites.is_empty());
            if !caveat {
                problems.push(format!(
                    "{}: quotes “{DISPUTED}” with no cited note, before the next heading, that \
                     other translations say “{CAVEAT}” (fact sheet C19)",
                    page.rel
                ));
            }
        }
    }
    assert!(
        quoted >= 3,
        "the disputed sentence was found only {quoted} times"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn each_source_has_one_note_wording_and_a_url_from_the_fact_sheet() {
    let src = sources();
    let pages = built_site();
    let mut wording: HashMap<String, (String, String)> = HashMap::new();
    let mut problems = Vec::new();
    for page in &pages {
        for (label, note) in notes(page) {
            let text = normalized(&note.text);
            let known = note.urls.iter().any(|u| src.urls.contains(u));
            if !known && !text.contains("no web address recorded") {
                problems.push(format!(
                    "{}: note [^{label}] links no URL of the fact sheet and does not say \
                     \"no web address recorded\": {text}",
                    page.rel
                ));
            }
            let first = wording
                .entry(label.to_string())
                .or_insert_with(|| (text.clone(), page.rel.clone()));
            if first.0 != text {
                problems.push(format!(
                    "[^{label}] reads differently on {} and {}:\n  {}\n  {text}",
                    first.1, page.rel, first.0
                ));
            }
        }
    }
    assert!(wording.len() >= 5, "only {} sources cited", wording.len());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_home_page_says_how_to_read_the_explainer_and_when_it_was_updated() {
    let pages = built_site();
    let home = pages.iter().find(|p| p.rel == "index.html").unwrap();
    let headings: Vec<&str> = home
        .blocks
        .iter()
        .filter(|b| b.kind == Kind::Heading)
        .map(|b| b.text.trim())
        .collect();
    assert!(
        headings.contains(&"How to read this explainer"),
        "home headings: {headings:?}"
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let index = fs::read_to_string(root.join("content/_index.md")).unwrap();
    assert!(
        index.lines().any(|l| l.starts_with("updated = ")),
        "content/_index.md has no `updated` date for the note to point to"
    );
}
