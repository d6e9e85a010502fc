//! The explainer this repository ships: it builds, and every internal link resolves.

use super::*;

#[test]
fn the_bundled_explainer_builds_and_its_links_resolve() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("public");
    let run = lede_in(root, &["build", "--output-dir", target.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The one warning is the primary report's unknown address (see check.rs).
    assert_eq!(
        run.stderr.matches("warning:").count(),
        1,
        "the explainer builds with one warning: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("source `seed` has no `url`"),
        "{}",
        run.stderr
    );
    assert_internal_links_resolve(&target, "/");
    // Every term page lists where the term is mentioned.
    for entry in fs::read_dir(root.join("content/glossary")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".md").filter(|s| *s != "_index") else {
            continue;
        };
        let html =
            fs::read_to_string(target.join("glossary").join(stem).join("index.html")).unwrap();
        assert!(
            html.contains("#mention-"),
            "glossary/{stem} lists no mention"
        );
    }
}

/// Every direct quote of the seed article (`../shared/seed/article.txt`), as printed there
/// without the sentence's trailing comma.
const SEED_QUOTES: &[&str] = &[
    "constructive",
    "very useful, constructive",
    "We specifically discussed territorial issues, without which we see no resolution to the crisis",
    "There was a document containing 27 points. We naturally reviewed it. However, we didn’t work on the wording, and there were no discussions with our American colleagues about it",
    "A compromise hasn’t been found yet, but some American proposals seem more or less acceptable, but they need to be discussed. Some of the language we’ve been offered is acceptable. The work will continue. It is indeed one of the most important questions.",
    "at the level of representatives, aides and other representatives, in particular with these two people who arrived in the Kremlin today",
    "No further, that’s for sure. But there’s still a lot of work to be done, both in Washington and Moscow. This has been agreed upon, and contacts will continue.",
    "demilitarized",
    "There are three pillars on which we will not compromise",
    "One is the territory of the Donbas. The second is a limit on Ukraine’s armed forces. The third is the recognition of territory by America and Europe.",
];

fn normalized(text: &str) -> String {
    text.replace('\'', "’")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The generated quotes page (issue 16) holds every seed quote, under its speaker.
#[test]
fn every_seed_quote_appears_verbatim_with_its_speaker() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("public");
    let run = lede_in(root, &["build", "--output-dir", target.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = fs::read_to_string(target.join("quotes/index.html")).unwrap();
    let quotes = normalized(&html);
    for quote in SEED_QUOTES {
        assert!(
            quotes.contains(&normalized(quote)),
            "the quotes page lacks the seed quote: {quote}"
        );
    }
    for speaker in [
        "id=\"speaker-yuri-ushakov\"",
        "id=\"speaker-anonymous-russian-official\"",
        "— A Russian official briefed on the matter",
    ] {
        assert!(quotes.contains(speaker), "the quotes page lacks {speaker}");
    }
    // Every quote figure of every page is on it, and every one has a known speaker.
    let figures: usize = walkdir::WalkDir::new(&target)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() == "index.html" && !e.path().starts_with(target.join("quotes")))
        .map(|e| fs::read_to_string(e.path()).unwrap())
        .map(|h| {
            let prose = h.split("<div class=\"prose\">").nth(1).unwrap_or("");
            prose.matches("<figure class=\"quote\" id=").count()
        })
        .sum();
    assert!(figures >= 10, "{figures}");
    assert_eq!(quotes.matches("<figure class=\"quote\">").count(), figures);
    assert!(!quotes.contains("id=\"speaker-others\""));
}

#[test]
fn the_glossary_has_enough_well_formed_terms() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("content/glossary");
    let mut terms = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap() == "_index.md" {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        let (front, body) = text[4..].split_once("\n+++\n").unwrap();
        for key in ["title = ", "aliases = ", "summary = ", "category = "] {
            assert!(front.contains(key), "{}: no {key}", path.display());
        }
        // The definition itself, without the footnote definitions at the end.
        let prose: String = body
            .lines()
            .filter(|l| !l.starts_with("[^"))
            .collect::<Vec<_>>()
            .join(" ");
        let words = prose.split_whitespace().count();
        assert!(
            (80..=250).contains(&words),
            "{}: {words} words",
            path.display()
        );
        assert!(
            body.contains("[^"),
            "{}: no footnote to a source",
            path.display()
        );
        terms += 1;
    }
    assert!(terms >= 18, "only {terms} terms");
}
