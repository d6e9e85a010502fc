//! Words: which words of a page's text go into the index, the way Pagefind 1.6 splits them.
//!
//! Pagefind's WebAssembly stems the reader's query and looks the stems up in the index, so
//! an index is only useful if it holds the same stems for the same text. This is lede's own
//! splitter, written to give what Pagefind's indexer gives for a custom record (its
//! `fossick` module), checked against it by `tests/integration/search.rs`:
//!
//! - the text is split at whitespace; each piece is one position of the page;
//! - a piece is indexed as its letters, digits and connector punctuation (`_`), lower-cased,
//!   without diacritics (`café` → `cafe`, the original kept as a variant) and stemmed with
//!   the stemmer of the site's language (`pagefind_stem`, the WebAssembly's own);
//! - a compound piece (`Donetsk-Luhansk`, `27-point`, `camelCase`, `a.b`) is also indexed as
//!   its parts, which weigh less; emoji are indexed as themselves; a run of katakana by its
//!   suffixes; the part of a dotted piece after each dot, if compound itself.
//!
//! What Pagefind does with HTML and its `___PAGEFIND_…` markers does not apply: lede hands
//! it text, and text is only text here.

use std::sync::Arc;

use convert_case::{Case, Casing};
use pagefind_stem::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};
use unicode_segmentation::UnicodeSegmentation;

/// Characters that belong to a word besides letters and digits: Unicode's "Punctuation,
/// Connector" (Pagefind's `include_characters` when none are configured).
pub const WORD_SYMBOLS: [char; 10] = [
    '_', '\u{203F}', '\u{2040}', '\u{2054}', '\u{FE33}', '\u{FE34}', '\u{FE4D}', '\u{FE4E}',
    '\u{FE4F}', '\u{FF3F}',
];

/// The weight of an ordinary word of the body (Pagefind's weight 1.0, in 24ths).
pub const BODY_WEIGHT: u8 = 24;

/// Dotted tails and katakana suffixes are cut at this many characters (as Pagefind does).
const MAX_TAIL_CHARS: usize = 64;
const MAX_KATAKANA_SUFFIX_CHARS: usize = 16;

/// One word indexed for a piece of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indexed {
    /// Normalised and stemmed: what the query's stems are looked up as.
    pub word: Arc<str>,
    /// The word before its diacritics were removed, where that differs (`café` for `cafe`).
    pub original: Option<Arc<str>>,
    /// A part of a compound piece: it weighs less than the piece.
    pub part: bool,
}

/// The stemmer of a language (ISO 639-1), as Pagefind chooses it; `None` where it has none
/// (then words are indexed unstemmed, and the generic WebAssembly is loaded).
pub fn stemmer(language: &str) -> Option<Stemmer> {
    let algorithm = match language.split('-').next().unwrap_or("") {
        "ar" => Algorithm::Arabic,
        "hy" => Algorithm::Armenian,
        "eu" => Algorithm::Basque,
        "ca" => Algorithm::Catalan,
        "da" => Algorithm::Danish,
        "nl" => Algorithm::Dutch,
        "en" => Algorithm::English,
        "eo" => Algorithm::Esperanto,
        "et" => Algorithm::Estonian,
        "fi" => Algorithm::Finnish,
        "fr" => Algorithm::French,
        "de" => Algorithm::German,
        "el" => Algorithm::Greek,
        "hi" => Algorithm::Hindi,
        "hu" => Algorithm::Hungarian,
        "id" => Algorithm::Indonesian,
        "ga" => Algorithm::Irish,
        "it" => Algorithm::Italian,
        "lt" => Algorithm::Lithuanian,
        "nb" | "nn" | "no" => Algorithm::Norwegian,
        "ne" => Algorithm::Nepali,
        "pt" => Algorithm::Portuguese,
        "ro" => Algorithm::Romanian,
        "ru" => Algorithm::Russian,
        "sr" => Algorithm::Serbian,
        "pl" => Algorithm::Polish,
        "es" => Algorithm::Spanish,
        "sv" => Algorithm::Swedish,
        "ta" => Algorithm::Tamil,
        "tr" => Algorithm::Turkish,
        "yi" => Algorithm::Yiddish,
        _ => return None,
    };
    Some(Stemmer::create(algorithm))
}

/// The words indexed for `piece` (no whitespace in it), in Pagefind's order: the whole
/// piece, katakana suffixes, compound parts, emoji, then (`tails`) the dotted tails.
pub fn indexed(piece: &str, stemmer: Option<&Stemmer>, tails: bool) -> Vec<Indexed> {
    let mut out = Vec::with_capacity(1);
    let normalized = normalize(piece);
    if !normalized.is_empty() {
        out.push(stemmed(&normalized, stemmer, false));
    }
    for suffix in katakana_suffixes(piece) {
        let plain = without_diacritics(suffix);
        out.push(Indexed {
            original: plain.as_ref().map(|_| suffix.into()),
            word: plain.as_deref().unwrap_or(suffix).into(),
            part: true,
        });
    }
    let compound = piece.chars().any(|c| !c.is_alphanumeric())
        || piece.chars().skip(1).any(char::is_uppercase);
    if compound {
        let parts = discrete_words(piece);
        if !normalized.is_empty()
            && (parts.contains(char::is_whitespace) || !normalized.starts_with(&parts))
        {
            // Parts of one byte are not indexed.
            for part in parts.split_whitespace().filter(|p| p.len() > 1) {
                let plain = without_diacritics(part);
                let base = plain.as_deref().unwrap_or(part);
                let word: Arc<str> = match stemmer {
                    Some(stemmer) => stemmer.stem(base).as_ref().into(),
                    None => base.into(),
                };
                out.push(Indexed {
                    word,
                    original: plain.map(|_| part.into()),
                    part: true,
                });
            }
        }
        // No emoji is all ASCII (checked by a test); most pieces are.
        if !piece.is_ascii() {
            for grapheme in piece.graphemes(true) {
                if emojis::get(grapheme).is_some() {
                    out.push(Indexed {
                        word: grapheme.into(),
                        original: None,
                        part: false,
                    });
                }
            }
        }
    }
    if tails && piece.contains('.') {
        for (dot, _) in piece.match_indices('.') {
            let rest = &piece[dot + 1..];
            let tail = match rest.char_indices().nth(MAX_TAIL_CHARS) {
                Some((end, _)) => &rest[..end],
                None => rest,
            };
            // A plain tail is already indexed, as the last part of the piece.
            let tail_compound = tail.chars().any(|c| !c.is_alphanumeric())
                || tail.chars().skip(1).any(char::is_uppercase);
            if !tail_compound {
                continue;
            }
            let normalized = normalize(tail);
            if normalized.chars().count() < 2 {
                continue;
            }
            let word = stemmed(&normalized, stemmer, true);
            // Once, and not if the piece already gave the same word.
            if !out.iter().any(|w| w.word == word.word) {
                out.push(word);
            }
        }
    }
    out
}

/// The letters, digits and connector punctuation of `piece`, lower-cased.
pub fn normalize(piece: &str) -> String {
    let mut out = String::with_capacity(piece.len());
    for c in piece.chars() {
        if c.is_alphanumeric() || WORD_SYMBOLS.contains(&c) {
            let c = c.to_ascii_lowercase();
            if c.is_uppercase() {
                out.extend(c.to_lowercase());
            } else {
                out.push(c);
            }
        }
    }
    out
}

fn stemmed(normalized: &str, stemmer: Option<&Stemmer>, part: bool) -> Indexed {
    let plain = without_diacritics(normalized);
    let base = plain.as_deref().unwrap_or(normalized);
    let word: Arc<str> = match stemmer {
        Some(stemmer) => stemmer.stem(base).as_ref().into(),
        None => base.into(),
    };
    Indexed {
        word,
        original: plain.map(|_| normalized.into()),
        part,
    }
}

/// `piece` split into lower-case words at ASCII punctuation and case and digit changes
/// (`WKWebView2` → `wk web view 2`), joined by single spaces.
fn discrete_words(piece: &str) -> String {
    let spaced = piece.replace(|c: char| c.is_ascii_punctuation(), " ");
    let lower = spaced.to_case(Case::Lower);
    let mut out = String::with_capacity(lower.len());
    for word in lower.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// `word` without its combining marks (`café` → `cafe`), or `None` if that changes nothing.
/// Kana voicing marks are kept (they tell words apart) and recomposed; Hangul stays
/// decomposed, so that a syllable being typed is a prefix of the indexed word.
pub fn without_diacritics(word: &str) -> Option<String> {
    if word.is_ascii() || !decomposes(word) {
        return None;
    }
    let kana_mark = |c: char| matches!(c, '\u{3099}' | '\u{309A}');
    let stripped: String = word
        .nfd()
        .filter(|&c| !is_combining_mark(c) || kana_mark(c))
        .collect();
    let plain = if stripped.chars().any(kana_mark) {
        stripped.nfc().collect()
    } else {
        stripped
    };
    (plain != word).then_some(plain)
}

fn decomposes(word: &str) -> bool {
    word.chars().any(|c| {
        if is_combining_mark(c) {
            return true;
        }
        let mut changed = false;
        decompose_canonical(c, |part| changed |= part != c);
        changed
    })
}

fn is_katakana(c: char) -> bool {
    matches!(c as u32, 0x30A1..=0x30FA | 0x30FC..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F)
}

/// Every suffix of two or more characters of an all-katakana piece of three or more (cut
/// at 16 characters, each once): the browser does not split katakana compounds, and
/// Pagefind matches a query as a prefix.
fn katakana_suffixes(piece: &str) -> Vec<&str> {
    if !piece.chars().all(is_katakana) || piece.chars().nth(2).is_none() {
        return Vec::new();
    }
    let mut seen = foldhash::HashSet::default();
    let mut out = Vec::new();
    for (i, _) in piece.char_indices().skip(1) {
        let rest = &piece[i..];
        let suffix = match rest.char_indices().nth(MAX_KATAKANA_SUFFIX_CHARS) {
            Some((end, _)) => &rest[..end],
            None => rest,
        };
        if suffix.chars().nth(1).is_some() && seen.insert(suffix) {
            out.push(suffix);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(piece: &str, tails: bool) -> Vec<(String, Option<String>, bool)> {
        let stemmer = stemmer("en");
        indexed(piece, stemmer.as_ref(), tails)
            .into_iter()
            .map(|w| {
                (
                    w.word.to_string(),
                    w.original.map(|o| o.to_string()),
                    w.part,
                )
            })
            .collect()
    }

    fn plain(list: &[(&str, bool)]) -> Vec<(String, Option<String>, bool)> {
        list.iter()
            .map(|&(w, p)| (w.to_string(), None, p))
            .collect()
    }

    #[test]
    fn a_word_is_lower_cased_stemmed_and_stripped_of_punctuation() {
        assert_eq!(words("Regions,", true), plain(&[("region", false)]));
        assert_eq!(words("DONBAS", true), plain(&[("donba", false)]));
        // An apostrophe joins; the parts are indexed too, but not those of one letter.
        assert_eq!(
            words("Ukraine's", true),
            plain(&[("ukrain", false), ("ukrain", true)])
        );
    }

    #[test]
    fn compounds_are_indexed_whole_and_in_parts() {
        assert_eq!(
            words("27-point", true),
            plain(&[("27point", false), ("27", true), ("point", true)])
        );
        assert_eq!(
            words("WKWebView2", true),
            plain(&[
                ("wkwebview2", false),
                ("wk", true),
                ("web", true),
                ("view", true)
            ])
        );
    }

    #[test]
    fn diacritics_are_removed_and_the_original_kept() {
        assert_eq!(
            words("Café", true),
            [("cafe".to_string(), Some("café".to_string()), false)]
        );
        assert_eq!(without_diacritics("naïve"), Some("naive".into()));
        assert_eq!(without_diacritics("plain"), None);
        // Kana voicing marks tell words apart: kept.
        assert_eq!(without_diacritics("バンド"), None);
    }

    #[test]
    fn dotted_tails_only_for_the_body() {
        let body = words("sysconfig.is_python_build", true);
        assert!(body.iter().any(|w| w.0 == "is_python_build" && w.2));
        let title = words("sysconfig.is_python_build", false);
        assert!(!title.iter().any(|w| w.0 == "is_python_build"));
    }

    #[test]
    fn emoji_katakana_and_nothing_at_all() {
        assert!(words("cloud🌦️cannon", true).iter().any(|w| w.0 == "🌦️"));
        let kana = words("バックアップ", true);
        assert!(kana.iter().any(|w| w.0 == "アップ" && w.2));
        assert!(words("—", true).is_empty());
        assert!(words("…!!!", true).is_empty());
        assert!(words("", true).is_empty());
    }

    #[test]
    fn no_ascii_text_is_an_emoji() {
        // `indexed` looks for emoji only in pieces with non-ASCII characters.
        for c in (0u8..128).map(char::from) {
            assert!(emojis::get(&c.to_string()).is_none(), "{c:?}");
        }
        assert!(emojis::get("🌾").is_some());
    }

    #[test]
    fn huge_and_odd_pieces_do_not_panic() {
        let stemmer = stemmer("en");
        let huge = "a".repeat(200_000);
        assert_eq!(indexed(&huge, stemmer.as_ref(), true).len(), 1);
        let dots = ".a".repeat(20_000);
        indexed(&dots, stemmer.as_ref(), true);
        let kana = "ア".repeat(20_000);
        assert!(indexed(&kana, stemmer.as_ref(), true).len() <= 16);
        for odd in [
            "\u{0301}",
            "ǅungla",
            "İ",
            "ß",
            "\u{FEFF}",
            "a\u{200D}b",
            "١٢٣",
        ] {
            indexed(odd, stemmer.as_ref(), true);
        }
    }

    #[test]
    fn languages_without_a_stemmer_are_indexed_unstemmed() {
        assert!(stemmer("ja").is_none());
        assert!(stemmer("en-GB").is_some());
        let words: Vec<_> = indexed("Towers", None, true)
            .into_iter()
            .map(|w| w.word.to_string())
            .collect();
        assert_eq!(words, ["towers"]);
    }
}
