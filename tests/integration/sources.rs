//! Sources as data (issue 15): a registry of sources in `content/sources/`, citations as
//! footnote references that name a source, numbered notes, "Cited on" pages, the checks,
//! and the JSON-LD. Over the `sources` fixture: a story citing a wire report twice, a paper
//! once and a note of its own; another page citing the paper.

use super::*;

fn built() -> TestSite {
    let site = TestSite::fixture("sources");
    site.build_ok(&[]);
    site
}

/// The `<li>` items of the page's notes, in order.
fn notes(html: &str) -> Vec<String> {
    let notes = html
        .split("<section class=\"footnotes\"")
        .nth(1)
        .unwrap_or("");
    notes
        .split("<li ")
        .skip(1)
        .map(|li| li.split("</li>").next().unwrap().to_string())
        .collect()
}

#[test]
fn citations_become_numbered_notes_with_the_linked_source() {
    let site = built();
    let html = site.read("public/story/index.html");
    let notes = notes(&html);
    // Numbered in order of first use: the wire (1), the page's own note (2), the paper (3);
    // the wire, cited twice, has one note.
    assert_eq!(notes.len(), 3, "{html}");
    assert!(notes[0].starts_with("id=\"fn-wire\""), "{}", notes[0]);
    assert!(notes[0].contains(
        "The Wire Service, <a href=\"https://wire.example/envoys\">Envoys meet Putin</a>"
    ));
    assert!(notes[0].contains("<time datetime=\"2025-12-02\">2 December 2025</time>"));
    assert!(notes[0].contains("<a href=\"https://archive.example/wire/envoys\">Archived copy</a>"));
    assert!(notes[0].contains("href=\"/sources/wire/\""));
    assert!(notes[1].starts_with("id=\"fn-1\"") && notes[1].contains("The editors’ own remark."));
    assert!(notes[2].starts_with("id=\"fn-paper\""));
    // Both citations of the wire point at its one note, with the source as the tooltip and
    // the note as the accessible description.
    assert_eq!(html.matches("href=\"#fn-wire\"").count(), 2);
    assert_eq!(html.matches(">1</a></sup>").count(), 2);
    assert!(html.contains("aria-describedby=\"fn-wire\" data-tip=\"The Wire Service, “Envoys meet Putin”, 2 December 2025\""));
    // A label cites ignoring case (`[^Paper]`).
    assert!(
        site.read("public/other/index.html")
            .contains("id=\"fn-paper\"")
    );
}

#[test]
fn an_unknown_citation_fails_check_and_build_where_it_is_written() {
    let site = TestSite::fixture("sources");
    site.write(
        "content/story.md",
        "+++\ntitle = \"The story\"\n+++\nFive hours.[^wrie] And [^1] too.\n\n[^1]: Own.\n",
    );
    let check = site.lede(&["check", "--format", "short"]);
    assert_eq!(check.code, 1);
    assert!(
        check.stdout.contains(
            "content/story.md:4:12: error: `[^wrie]` names no source and no note on this page (did you mean `wire`?)"
        ),
        "{}",
        check.stdout
    );
    let err = site.build_err(&[]);
    assert!(err.contains("--> content/story.md:4:12"), "{err}");
    assert!(!site.path("public").exists());
}

#[test]
fn a_code_fence_left_open_shows_its_text_and_nothing_of_the_stand_ins() {
    // `[^wire]` and `[^paper]` outside a definition get stand-in definitions after the body
    // (see markdown::parse); a fence the page never closes runs on over them.
    let site = TestSite::fixture("sources");
    site.write(
        "content/story.md",
        "+++\ntitle = \"The story\"\n+++\nFive hours.[^wire]\n\n```\nlet x = \"[^paper]\";\n",
    );
    site.build_ok(&[]);
    let html = site.read("public/story/index.html");
    let code = html
        .split("<pre>")
        .nth(1)
        .expect("a code block")
        .split("</pre>")
        .next();
    assert_eq!(code, Some("<code>let x = \"[^paper]\";\n</code>"), "{html}");
    assert!(!html.contains("]: -"), "{html}");
    assert_eq!(notes(&html).len(), 1, "{html}");
}

#[test]
fn a_page_that_opens_with_indented_code_keeps_it() {
    let site = TestSite::fixture("sources");
    site.write(
        "content/story.md",
        "+++\ntitle = \"The story\"\n+++\n    indented code\n\nText.[^wire]\n",
    );
    site.build_ok(&[]);
    let html = site.read("public/story/index.html");
    assert!(
        html.contains("<pre><code>indented code\n</code></pre>"),
        "{html}"
    );
    assert!(!html.contains("<!-- -->"), "{html}");
    assert_eq!(notes(&html).len(), 1, "{html}");
}

#[test]
fn unused_sources_sources_without_an_address_and_later_sources_warn() {
    let site = TestSite::fixture("sources");
    site.write(
        "content/sources/unused.md",
        "+++\ntitle = \"Never cited\"\npublisher = \"Nobody\"\n+++\n",
    );
    // The paper was published on 3 December; a page dated 1 December cannot cite it.
    site.write(
        "content/other.md",
        "+++\ntitle = \"Another page\"\ndescription = \"D\"\ndate = 2025-12-01\n+++\nThe paper had it.[^paper]\n",
    );
    let check = site.lede(&["check", "--format", "short"]);
    assert_eq!(check.code, 0, "{}", check.stdout);
    let lines: Vec<&str> = check.stdout.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("content/sources/unused.md:")
                && l.contains("warning: source `unused` is never cited")),
        "{}",
        check.stdout
    );
    assert!(
        lines.iter().any(|l| l
            .starts_with("content/sources/unused.md:1:1: warning: source `unused` has no `url`")),
        "{}",
        check.stdout
    );
    assert!(
        lines.iter().any(|l| l.starts_with("content/other.md:6:18: warning: the page is dated 1 December 2025 but cites `paper`, published 3 December 2025")),
        "{}",
        check.stdout
    );
}

#[test]
fn two_files_with_one_key_and_source_keys_elsewhere_are_errors() {
    let site = TestSite::fixture("sources");
    site.write(
        "content/sources/more/Wire.md",
        "+++\ntitle = \"Copy\"\nurl = \"https://x.example/\"\n+++\n",
    );
    let err = site.build_err(&[]);
    // Pages are read in path order: `more/Wire.md` comes first, and the second is refused.
    assert!(
        err.contains("source key `wire` is also the key of content/sources/more/Wire.md"),
        "{err}"
    );
    assert!(err.contains("--> content/sources/wire.md"), "{err}");

    let site = TestSite::fixture("sources");
    site.write(
        "content/story.md",
        "+++\ntitle = \"S\"\npublisher = \"Me\"\n+++\n",
    );
    let err = site.build_err(&[]);
    assert!(
        err.contains("`publisher` is only for sources (files in content/sources/)"),
        "{err}"
    );
    assert!(err.contains("--> content/story.md:3:1"), "{err}");

    let site = TestSite::fixture("sources");
    site.write(
        "content/sources/bad.md",
        "+++\ntitle = \"Bad\"\nurl = \"javascript:alert(1)\"\n+++\n",
    );
    let err = site.build_err(&[]);
    assert!(err.contains("`url` must be an http(s) address"), "{err}");
}

#[test]
fn cited_on_lists_every_citing_page_once_with_its_sentence() {
    let site = built();
    let html = site.read("public/sources/paper/index.html");
    let cited: Vec<&str> = html
        .split("<ul class=\"cited-on\">")
        .nth(1)
        .unwrap()
        .split("</ul>")
        .next()
        .unwrap()
        .split("<li>")
        .skip(1)
        .collect();
    assert_eq!(cited.len(), 2, "{html}");
    assert!(
        cited[0].starts_with(
            "<a href=\"/other/#fnref-paper\">Another page</a>: The paper had the date first."
        ),
        "{}",
        cited[0]
    );
    assert!(cited[1].starts_with("<a href=\"/story/#fnref-paper\">The story</a>: A second claim comes from the wire again."), "{}", cited[1]);
    let wire = site.read("public/sources/wire/index.html");
    assert_eq!(wire.matches("/story/#fnref-wire").count(), 1, "{wire}");
    assert!(wire.contains("The envoys met for five hours."), "{wire}");
    // The sources section lists every source with its counts.
    let list = site.read("public/sources/index.html");
    assert!(
        list.contains("The Daily Paper</a>: 2 citations on 2 pages"),
        "{list}"
    );
    assert!(
        list.contains("The Wire Service</a>: 2 citations on 1 pages"),
        "{list}"
    );
}

#[test]
fn the_json_ld_lists_the_cited_sources() {
    let site = built();
    let html = site.read("public/story/index.html");
    let json = html
        .split("<script type=\"application/ld+json\">")
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(value["@type"], "NewsArticle");
    let citations = value["citation"].as_array().expect("citation list");
    assert_eq!(citations.len(), 2, "{value}");
    assert_eq!(citations[0]["@type"], "CreativeWork");
    assert_eq!(citations[0]["name"], "Envoys meet Putin");
    assert_eq!(citations[0]["url"], "https://wire.example/envoys");
    assert_eq!(citations[0]["publisher"]["name"], "The Wire Service");
    assert_eq!(citations[0]["datePublished"], "2025-12-02");
    assert_eq!(citations[1]["name"], "The long night in Moscow");
}

#[test]
fn paragraphs_must_cite_when_the_site_says_so() {
    let site = TestSite::fixture("sources");
    let config = site.read("site.toml");
    site.write(
        "site.toml",
        format!("{config}\n[sources]\nrequire = \"paragraph\"\n"),
    );
    site.write(
        "content/story.md",
        "+++\ntitle = \"S\"\ndescription = \"D\"\n+++\nCited.[^wire]\n\nNot cited.\n\n- a list item is not a paragraph\n\nCited too.[^paper]\n",
    );
    let check = site.lede(&["check", "--format", "short"]);
    assert_eq!(check.code, 0, "{}", check.stdout);
    let uncited: Vec<&str> = check
        .stdout
        .lines()
        .filter(|l| l.contains("paragraph cites no source"))
        .collect();
    // The story's second paragraph, and the paragraphs of the home page and the other page
    // that cite nothing (the sources section and the sources themselves are not counted).
    assert!(uncited.contains(&"content/story.md:7:1: warning: paragraph cites no source (cite the source of its claims, e.g. `[^seed]`)"), "{}", check.stdout);
    assert!(
        uncited
            .iter()
            .any(|l| l.starts_with("content/_index.md:5:1:")),
        "{}",
        check.stdout
    );
    assert_eq!(uncited.len(), 2, "{}", check.stdout);
    let human = site.lede(&["check"]);
    assert!(
        human.stderr.contains("3 of 5 paragraphs cite a source"),
        "{}",
        human.stderr
    );
}
