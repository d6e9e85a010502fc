//! Arbitrary Markdown, and glossary terms named by the input, through the whole pure
//! pipeline (`Site::from_sources`: front matter, URLs, glossary, Markdown, auto-linking,
//! wikilinks, anchors). Must never panic. When the site builds:
//! - term links are never inside another link;
//! - every term link points at a term's page;
//! - with `raw_html = false`, no tag carries an `on*` attribute, no `<script>`/`<iframe>`
//!   gets through, no ids repeat on a page, and no link is `javascript:`/`data:`.
//!
//! Input: byte 0 holds the options (bits 0-1 `auto_link`, bit 2 `raw_html = false`, bit 3
//! `smart_punctuation = false`, bit 4 the body is also a term's definition); then UTF-8
//! (lossy) text whose first line names extra terms (`Title,alias,alias|Title2|...`) and
//! whose other lines are the page's Markdown body.
//!
//! The harness is `lede_fuzz::markdown_glossary` (fuzz/src/lib.rs), shared with the regression tests.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = lede_fuzz::markdown_glossary(data);
});
