//! Arbitrary bytes → `load::decode` → `front_matter::parse` (and the page built from
//! it, as a page and as a glossary term). Must never panic; every diagnostic must point
//! inside the file and print.
//!
//! The harness is `lede_fuzz::front_matter` (fuzz/src/lib.rs), shared with the regression tests.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = lede_fuzz::front_matter(data);
});
