//! The glossary engine (issue 3): auto-linking rules, wikilinks, hover definitions,
//! "Mentioned in", related terms and the checks.

use super::*;

fn built() -> TestSite {
    let site = TestSite::fixture("glossary");
    site.build_ok(&[]);
    site
}

/// A built page with the tooltips' `data-def` attributes left out, so that assertions
/// about the text around term links stay short.
fn page_html(site: &TestSite, rel: &str) -> String {
    let html = site.read(rel);
    let mut out = String::with_capacity(html.len());
    let mut rest = html.as_str();
    while let Some(i) = rest.find(" data-def=\"") {
        out.push_str(&rest[..i]);
        rest = &rest[i + " data-def=\"".len()..];
        rest = &rest[rest.find('"').unwrap() + 1..];
    }
    out.push_str(rest);
    out
}

/// The visible text of every term link on a page, in order.
fn linked_words(html: &str) -> Vec<String> {
    html.split("<a class=\"term\" ")
        .skip(1)
        .map(|rest| {
            let text = &rest[rest.find('>').unwrap() + 1..];
            text[..text.find("</a>").unwrap()].to_string()
        })
        .collect()
}

fn paragraph<'a>(html: &'a str, starting: &str) -> &'a str {
    let start = html
        .find(starting)
        .unwrap_or_else(|| panic!("no paragraph starting {starting}"));
    let end = html[start..].find("</p>").unwrap();
    &html[start..start + end]
}

#[test]
fn whole_words_longest_match_possessives_and_contractions() {
    let site = built();
    let html = page_html(&site, "public/edge/index.html");
    let first = paragraph(&html, "<p>The ");
    // "Donetsk region" wins over "Donetsk"; "Don" never matches inside "Donbas";
    // "the Don’s" is a possessive of Don; aliases link to their term.
    assert_eq!(
        linked_words(first),
        [
            "Donetsk region",
            "Donetsk",
            "Don",
            "Donbas",
            "Don",
            "Donbass"
        ]
    );
    assert!(first.contains(r#"href="/glossary/donetsk-region/" id="mention-donetsk-region-1""#));
    assert!(first.contains(r#"href="/glossary/donbas/" id="mention-donbas-2" aria-describedby="def-donbas">Donbass</a>"#));
    let second = paragraph(
        &html,
        "<p><span class=\"term-ref\"><a class=\"term\" href=\"/glossary/luhansk/\"",
    );
    assert_eq!(linked_words(second), ["Luhansk", "Luhansk", "Lugansk"]);
    assert!(
        second.ends_with("Don’t link Don’t."),
        "contractions are not the word: {second}"
    );
}

#[test]
fn never_inside_code_links_images_headings_raw_html_or_footnotes() {
    let site = built();
    let html = page_html(&site, "public/edge/index.html");
    assert!(html.contains("<p>Code <code>Donetsk</code> and a <a href=\"https://example.org\">link about Donetsk</a> and <img src=\"/map.png\" alt=\"Donetsk map\" />.</p>"), "{html}");
    assert!(html.contains("<pre><code>Donetsk in a code block\n</code></pre>"));
    assert!(
        html.contains("<h2 id=\"donetsk-in-a-heading\">Donetsk in a heading <a class=\"anchor\"")
    );
    assert!(html.contains(
        "<p>Raw <a href=\"https://example.org\">Donetsk</a> link and <b><span class=\"term-ref\">"
    ));
    assert!(html.contains("<li id=\"fn-n\"><p>A note about Donetsk. <a href=\"#fnref-n\""));
    // 6 + 3 in the first two paragraphs, 1 in bold, 4 + 2 + 3 + 1 below: nothing else.
    assert_eq!(linked_words(&html).len(), 20, "{html}");
}

#[test]
fn case_rules_and_apostrophes() {
    let site = built();
    let html = page_html(&site, "public/edge/index.html");
    let p = paragraph(
        &html,
        "<p><span class=\"term-ref\"><a class=\"term\" href=\"/glossary/demilitarization/\"",
    );
    // A lowercase name matches any case; a capitalised one only as written.
    assert_eq!(
        linked_words(p),
        [
            "Demilitarization",
            "DEMILITARIZATION",
            "demilitarized",
            "Kremlin"
        ]
    );
    assert!(p.contains("The kremlin is lowercase"));
    // Straight and typographic apostrophes are the same (smart punctuation curls both here).
    let p = paragraph(
        &html,
        "<p><span class=\"term-ref\"><a class=\"term\" href=\"/glossary/russias-demands/\"",
    );
    assert_eq!(linked_words(p), ["Russia’s demands", "Russia’s demands"]);
}

#[test]
fn auto_link_modes_first_all_off() {
    let site = built();
    let first = page_html(&site, "public/first/index.html");
    // first: one auto link per term; an explicit wikilink still links.
    assert_eq!(linked_words(&first), ["Donbas", "Donbas", "Kremlin"]);
    assert!(first.contains("</span>, then Donbas again, and <span"));
    let off = page_html(&site, "public/off/index.html");
    assert_eq!(linked_words(&off), ["Kremlin"], "{off}");
    assert!(off.contains("<p>Donbas and the Kremlin, but <span class=\"term-ref\">"));
    let edge = page_html(&site, "public/edge/index.html");
    assert_eq!(
        edge.matches("href=\"/glossary/kremlin/\"").count(),
        2,
        "all: every mention"
    );

    site.write(
        "site.toml",
        "title = \"T\"\n[glossary]\nauto_link = \"off\"\n",
    );
    site.build_ok(&[]);
    let home_first = page_html(&site, "public/first/index.html");
    assert_eq!(
        linked_words(&home_first),
        ["Donbas"],
        "site-wide off leaves only the wikilink"
    );
}

#[test]
fn a_term_page_never_links_itself() {
    let site = built();
    let donbas = site.read("public/glossary/donbas/index.html");
    assert!(
        !donbas.contains("href=\"/glossary/donbas/\" id="),
        "{donbas}"
    );
    let luhansk = site.read("public/glossary/luhansk/index.html");
    assert_eq!(linked_words(&luhansk), ["Donbas"]);
}

#[test]
fn wikilinks_by_title_alias_or_stem() {
    let site = built();
    let html = page_html(&site, "public/edge/index.html");
    let p = paragraph(&html, "<p>Wikilinks: ");
    assert_eq!(
        linked_words(p),
        ["luhansk", "the eastern region", "donetsk-region"]
    );
    assert!(p.contains("href=\"/glossary/donbas/\" id=\"mention-donbas-3\""));
}

#[test]
fn unknown_wikilink_is_an_error_with_suggestions() {
    let site = TestSite::fixture("glossary");
    site.write(
        "content/first.md",
        "+++\ntitle = \"F\"\n+++\nSee [[Donbsa]] here.\n",
    );
    let err = site.build_err(&[]);
    assert!(
        err.contains("error: unknown glossary term `Donbsa` in [[wikilink]]"),
        "{err}"
    );
    assert!(err.contains("--> content/first.md:4:5"), "{err}");
    assert!(err.contains("did you mean `Donbas`"), "{err}");
}

#[test]
fn shared_names_are_an_error_naming_both_files_and_lines() {
    let site = TestSite::fixture("glossary");
    site.write(
        "content/glossary/donbass.md",
        "+++\ntitle = \"The Donbass\"\naliases = [\"donbass\"]\nsummary = \"Dup.\"\n+++\nx\n",
    );
    let err = site.build_err(&[]);
    assert!(
        err.contains(
            "glossary name `donbass` is also used by content/glossary/donbas.md:3 (`Donbass`)"
        ),
        "{err}"
    );
    assert!(err.contains("--> content/glossary/donbass.md:3:"), "{err}");
}

#[test]
fn a_term_with_neither_summary_nor_text_is_a_warning() {
    let site = TestSite::fixture("glossary");
    site.write("content/glossary/x.md", "+++\ntitle = \"X\"\n+++\n");
    let run = site.lede(&["check", "--format", "short"]);
    assert!(
        run.stdout.contains("content/glossary/x.md:1:1: warning: glossary term has no `summary` and no text to take one from"),
        "{}",
        run.stdout
    );
    // Without a summary, the body's first sentence is the definition.
    site.write(
        "content/glossary/x.md",
        "+++\ntitle = \"X\"\n+++\nThe first. The second.\n",
    );
    let run = site.lede(&["check", "--format", "short"]);
    assert!(!run.stdout.contains("no `summary`"), "{}", run.stdout);
}

#[test]
fn hover_definition_is_escaped_and_describes_the_link() {
    let site = built();
    let html = site.read("public/first/index.html");
    // The tooltip is generated content from `data-def`; the link is described by the one
    // hidden copy of the definition at the end of the page.
    assert!(html.contains(
        "<span class=\"term-ref\" data-def=\"Ukraine&#39;s eastern industrial region.\"><a class=\"term\" href=\"/glossary/donbas/\" id=\"mention-donbas-1\" aria-describedby=\"def-donbas\">Donbas</a></span>"
    ), "{html}");
    assert!(html.contains("<div class=\"term-defs\" hidden>\n<p id=\"def-donbas\">Ukraine&#39;s eastern industrial region.</p>"), "{html}");
    assert_eq!(html.matches("id=\"def-donbas\"").count(), 1);
}

#[test]
fn term_pages_list_mentions_with_sentence_and_anchor() {
    let site = built();
    let kremlin = site.read("public/glossary/kremlin/index.html");
    // One entry per page (its first mention), pages in source order.
    assert!(kremlin.contains(concat!(
        "<ul class=\"mentions\">",
        "<li><a href=\"/edge/#mention-kremlin-1\">Edge cases</a>: The kremlin is lowercase; the Kremlin is not.</li>",
        "<li><a href=\"/first/#mention-kremlin-1\">First only</a>: Kremlin and Kremlin.</li>",
        "<li><a href=\"/off/#mention-kremlin-1\">No auto links</a>: Donbas and the Kremlin, but Kremlin is explicit.</li>",
        "</ul>"
    )), "{kremlin}");
    assert_internal_links_resolve(&site.path("public"), "/");
}

#[test]
fn related_terms_go_both_ways() {
    let site = built();
    let donbas = site.read("public/glossary/donbas/index.html");
    // Linked from Donbas's definition, then terms whose definitions link Donbas.
    assert!(
        donbas.contains(concat!(
            "<ul class=\"related\">",
            "<li><a href=\"/glossary/donetsk-region/\">Donetsk region</a></li>",
            "<li><a href=\"/glossary/luhansk/\">Luhansk</a></li>",
            "<li><a href=\"/glossary/don/\">Don</a></li>",
            "</ul>"
        )),
        "{donbas}"
    );
}

#[test]
fn an_unmentioned_term_is_a_warning_once() {
    let site = TestSite::fixture("glossary");
    let run = site.build_ok(&[]);
    assert_eq!(
        run.stderr
            .matches("warning: glossary term `Orphan term` is not mentioned on any page")
            .count(),
        1,
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--> content/glossary/orphan.md"));
    assert_eq!(run.stderr.matches("warning:").count(), 1, "{}", run.stderr);
}
