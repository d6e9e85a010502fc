//! Arbitrary link destinations written in pages with arbitrary source keys, through
//! `LinkIndex::resolve` and `unsafe_scheme`. Must never panic, and:
//! - a `Target::Page` is a real page: the page whose key the link names;
//! - a `Target::SiteFile` path has no `..` (or `.`) segments and its href stays under the
//!   base path;
//! - every destination a browser would run as `javascript:`, `data:` or `vbscript:` is
//!   `Unsafe`.
//!
//! Input: UTF-8 (lossy) lines. Line 1 picks the base path (`/` or `/explainer/`), lines
//! starting with `@` are source keys of pages (the page links are written in is the
//! first), every other line is a link destination.
//!
//! The harness is `lede_fuzz::links` (fuzz/src/lib.rs), shared with the regression tests.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = lede_fuzz::links(data);
});
