//! An explainer that lives (issue 16): updates and corrections, the merged timeline, quotes
//! by speaker and embargoes. Over the `living` fixture: a meeting page with an update, a
//! correction, two events and three quotes (one by alias, one unmatched); a background page
//! with a year, a day and a timed event; a page embargoed until 2030.

use super::*;

fn built() -> TestSite {
    let site = TestSite::fixture_with_bundled_theme("living");
    site.build_ok(&[]);
    site
}

/// The values of `attr="..."` on the elements of `html` whose opening tag has `class`.
fn ids_of(html: &str, class: &str) -> Vec<String> {
    html.split("<li ")
        .skip(1)
        .filter(|li| li.split('>').next().unwrap().contains(class))
        .filter_map(|li| {
            let rest = li.split("id=\"").nth(1)?;
            Some(rest.split('"').next()?.to_string())
        })
        .collect()
}

fn json_ld(html: &str) -> serde_json::Value {
    let script = html
        .split("<script type=\"application/ld+json\">")
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    serde_json::from_str(script).unwrap()
}

#[test]
fn the_timeline_merges_every_page_in_date_order() {
    let site = built();
    let html = site.read("public/timeline/index.html");
    // A year before its months, a month before its days, an untimed day before its times,
    // and times by the instant they name: 10:00 at UTC-5 (15:00 UTC) before 19:30 at UTC+3
    // (16:30 UTC).
    assert_eq!(
        ids_of(&html, "event"),
        [
            "event-2025-a-year-of-talks",
            "event-2025-11-talks-are-planned",
            "event-2025-11-30-florida-talks",
            "event-2025-12-02-envoys-arrive",
            "event-2025-12-02-the-meeting-b-begins-b",
        ]
    );
    assert!(html.contains("<time datetime=\"2025-11\">November 2025</time>"));
    assert!(html.contains("<time datetime=\"2025\">2025</time>"));
    assert!(html.contains(
        "<time datetime=\"2025-12-02T19:30+03:00\">2 December 2025, 19:30 (UTC+03:00)</time>"
    ));
    // Titles are text, never markup; each event links back to the page that explains it.
    assert!(
        html.contains("The meeting &lt;b&gt;begins&lt;&#x2F;b&gt;")
            || html.contains("The meeting &lt;b&gt;begins&lt;/b&gt;"),
        "{html}"
    );
    assert!(!html.contains("<b>begins"));
    assert!(html.contains("Explained in <a href=\"/meeting/\">The meeting</a>"));
    // Texts are auto-linked and cite sources.
    assert!(html.contains("Talks about <a class=\"term\" href=\"/glossary/donbas/\">Donbas</a>."));
    assert!(html.contains("href=\"/sources/wire/\""));
    // The term page lists the events that mention it, linked into the timeline.
    let donbas = site.read("public/glossary/donbas/index.html");
    assert!(
        donbas.contains("<a href=\"/timeline/#event-2025-11-30-florida-talks\">Florida talks</a>"),
        "{donbas}"
    );
    let ushakov = site.read("public/glossary/yuri-ushakov/index.html");
    assert!(ushakov.contains("/timeline/#event-2025-12-02-the-meeting-b-begins-b"));
    assert!(!ushakov.contains("florida-talks"));
}

#[test]
fn updates_show_newest_first_and_set_updated() {
    let site = built();
    let html = site.read("public/meeting/index.html");
    // `updated` is not in the front matter: it is the newest update's day.
    assert!(
        html.contains("Updated <time datetime=\"2025-12-04\">4 December 2025</time>"),
        "{html}"
    );
    assert_eq!(ids_of(&html, "update "), ["update-2", "update-1"]);
    assert!(html.contains("<li id=\"update-2\" class=\"update update-correction\">"));
    assert!(
        html.contains("<span class=\"update-label\">Correction, <time datetime=\"2025-12-04\">")
    );
    // Inline Markdown: wikilinks, auto-links and citations, as in the body.
    assert!(
        html.contains("said more about <a class=\"term\" href=\"/glossary/donbas/\">Donbas</a>"),
        "{html}"
    );
    let ld = json_ld(&html);
    assert_eq!(ld["dateModified"], "2025-12-04");
    // The "What's changed" page lists every update, newest first, linking to it in place.
    let changes = site.read("public/changes/index.html");
    let first = changes.find("/meeting/#update-2").unwrap();
    let second = changes.find("/meeting/#update-1").unwrap();
    assert!(first < second);
}

#[test]
fn a_correction_is_in_the_json_ld() {
    let site = built();
    let ld = json_ld(&site.read("public/meeting/index.html"));
    let corrections = ld["correction"].as_array().expect("a correction list");
    assert_eq!(corrections.len(), 1, "{ld}");
    assert_eq!(corrections[0]["@type"], "CorrectionComment");
    assert_eq!(corrections[0]["datePublished"], "2025-12-04");
    assert!(
        corrections[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("An earlier version")
    );
    // A page without corrections has none.
    let ld = json_ld(&site.read("public/background/index.html"));
    assert!(ld.get("correction").is_none());
}

#[test]
fn the_feed_is_valid_atom_with_an_entry_per_update() {
    let site = built();
    let xml = site.read("public/atom.xml");
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut entries = Vec::new();
    let mut path: Vec<String> = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) => {
                path.push(String::from_utf8_lossy(e.name().as_ref()).into_owned())
            }
            quick_xml::events::Event::End(_) => {
                path.pop();
            }
            quick_xml::events::Event::Text(t) if path.join("/") == "feed/entry/id" => {
                entries.push(t.decode().unwrap().into_owned());
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert!(path.is_empty(), "unclosed elements: {path:?}");
    assert!(
        entries.contains(&"https://example.org/meeting/#update-1".to_string()),
        "{entries:?}"
    );
    assert!(entries.contains(&"https://example.org/meeting/#update-2".to_string()));
    assert!(entries.contains(&"https://example.org/meeting/".to_string()));
    assert_eq!(entries.len(), 4, "{xml}");
    assert!(xml.contains("<title>Correction: The meeting</title>"));
    // The feed's own `updated` is its newest change: the correction.
    assert!(xml.contains("<updated>2025-12-04T00:00:00Z</updated>"));
}

#[test]
fn quotes_are_attributed_to_the_person_their_attribution_names() {
    let site = built();
    let term = site.read("public/glossary/yuri-ushakov/index.html");
    let quoted = term
        .split("id=\"term-quotes\"")
        .nth(1)
        .expect("a Quoted list");
    // By alias ("— Ushakov, ...") and by title ("— Yuri Ushakov, ...").
    assert!(quoted.contains("/meeting/#quote-1"), "{quoted}");
    assert!(quoted.contains("/meeting/#quote-2"));
    assert!(
        !quoted.contains("/meeting/#quote-3"),
        "the misspelt one is not his"
    );
    assert!(quoted.contains("“We discussed Donbas.”"));
    // The quote is there to link to.
    assert!(
        site.read("public/meeting/index.html")
            .contains("<figure class=\"quote\" id=\"quote-1\">")
    );
    // The quotes page groups every quote by speaker, the unmatched one last.
    let page = site.read("public/quotes/index.html");
    let ushakov = page.find("id=\"speaker-yuri-ushakov\"").unwrap();
    let others = page.find("id=\"speaker-others\"").unwrap();
    assert!(ushakov < others);
    assert_eq!(page.matches("<figure class=\"quote\">").count(), 3);
    assert!(page[others..].contains("“Nobody knows.”"));
    // Donbas is a place: it is never a speaker.
    assert!(
        !site
            .read("public/glossary/donbas/index.html")
            .contains("id=\"term-quotes\"")
    );
}

#[test]
fn an_unmatched_attribution_is_a_warning_at_its_line() {
    let site = TestSite::fixture_with_bundled_theme("living");
    let run = site.lede(&["check", "--format", "short"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("names no person"))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(
        line.starts_with(
            "content/meeting.md:36:1: warning: the quote's attribution `Yuri Ushakob, by mistake`"
        ),
        "{line}"
    );
    assert!(line.contains("`Yuri Ushakov`"), "nearest names: {line}");
}

#[test]
fn every_quote_of_an_unnamed_speaker_warns_with_the_nearest_names() {
    // The suggestions for one name are worked out once and given to each of its quotes.
    let site = TestSite::fixture_with_bundled_theme("living");
    let text = site.read("content/meeting.md");
    site.write(
        "content/meeting.md",
        format!("{text}\n> “Again.”\n>\n> — Yuri Ushakob, a second time\n"),
    );
    let run = site.lede(&["check", "--format", "short"]);
    let warned: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("names no person"))
        .collect();
    assert_eq!(warned.len(), 2, "{}", run.stdout);
    assert!(
        warned
            .iter()
            .all(|l| l.contains("did you mean `Yuri Ushakov`")),
        "{warned:?}"
    );
    assert!(
        warned[1].contains("Yuri Ushakob, a second time"),
        "{warned:?}"
    );
}

#[test]
fn an_embargoed_page_is_nowhere_until_the_clock_passes_it() {
    let site = built();
    let files = tree(&site.path("public"));
    assert!(!files.is_empty());
    for (rel, bytes) in &files {
        assert!(
            !String::from_utf8_lossy(bytes).contains("Zebra"),
            "{rel} mentions the embargoed page"
        );
    }
    assert!(!site.path("public/secret").exists());
    // One second before: still out. After: in, with its event on the timeline.
    site.build_ok(&["--at", "2030-01-01T05:59:59Z"]);
    assert!(!site.path("public/secret").exists());
    site.build_ok(&["--at", "2030-01-01T07:00:00+01:00"]);
    assert!(
        site.read("public/secret/index.html")
            .contains("Secret Plan Zebra")
    );
    assert!(
        site.read("public/timeline/index.html")
            .contains("Zebra event")
    );
    assert!(site.read("public/sitemap.xml").contains("/secret/"));
    // A moment that is not one is a usage error.
    let run = site.lede(&["build", "--at", "tomorrow"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn a_link_to_an_embargoed_page_is_an_error() {
    let site = TestSite::fixture_with_bundled_theme("living");
    let text = site.read("content/background.md");
    site.write(
        "content/background.md",
        text.replace(
            "Before the meeting",
            "See [the plan](secret.md). Before the meeting",
        ),
    );
    let err = site.build_err(&[]);
    assert!(
        err.contains(
            "link to content/secret.md, which is embargoed until 1 January 2030, 06:00 (UTC)"
        ),
        "{err}"
    );
    assert!(err.contains("--> content/background.md:20:"), "{err}");
    // Once published, the link is fine.
    site.build_ok(&["--at", "2030-02-01"]);
    // A link in an update's text is checked the same way.
    site.write(
        "content/background.md",
        text.replace(
            "weight = 2\n",
            "weight = 2\n\n[[updates]]\nat = 2025-12-03\ntext = \"See [the plan](secret.md).\"\n",
        ),
    );
    let err = site.build_err(&[]);
    assert!(err.contains("which is embargoed until"), "{err}");
}

#[test]
fn links_to_updates_events_and_speakers_are_checked_like_headings() {
    let site = TestSite::fixture_with_bundled_theme("living");
    let text = site.read("content/background.md");
    let linked = "See [the correction](meeting.md#update-2), [the talks](timeline.md#event-2025-11-30-florida-talks) and [Ushakov](quotes.md#speaker-yuri-ushakov). Before the meeting";
    site.write(
        "content/background.md",
        text.replace("Before the meeting", linked),
    );
    site.build_ok(&[]);
    assert_internal_links_resolve(&site.path("public"), "/");
    site.write(
        "content/background.md",
        text.replace(
            "Before the meeting",
            "See [it](meeting.md#update-9). Before the meeting",
        ),
    );
    let err = site.build_err(&[]);
    assert!(
        err.contains("link to a missing anchor: `#update-9`"),
        "{err}"
    );
}

#[test]
fn check_rules_for_updates_and_events() {
    let site = TestSite::fixture_with_bundled_theme("living");
    let page =
        |extra: &str| format!("+++\ntitle = \"P\"\ndescription = \"D\"\n{extra}+++\nBody.\n");
    // A correction with no text: an error at its table.
    site.write(
        "content/p.md",
        page("\n[[updates]]\nat = 2025-12-04\nkind = \"correction\"\n"),
    );
    let run = site.lede(&["check", "--format", "short"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("content/p.md:5:1: error: correction 1 has no text"),
        "{}",
        run.stdout
    );
    // An update in the future of the build: a warning.
    site.write(
        "content/p.md",
        page("\n[[updates]]\nat = 2099-01-01T00:00:00Z\ntext = \"Later.\"\n"),
    );
    let run = site.lede(&["check", "--format", "short"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("content/p.md:5:1: warning: this update is dated 1 January 2099"),
        "{}",
        run.stdout
    );
    // A date-time without an offset, an unknown kind, an unknown key: errors.
    for (bad, message) in [
        (
            "at = 2025-12-04T10:00:00\n",
            "`at` has a time but no UTC offset",
        ),
        (
            "at = 2025-12-04\nkind = \"erratum\"\n",
            "unknown kind `erratum`",
        ),
        ("at = 2025-12-04\ntxt = \"x\"\n", "txt"),
    ] {
        site.write("content/p.md", page(&format!("\n[[updates]]\n{bad}")));
        let run = site.lede(&["check", "--format", "short"]);
        assert_eq!(run.code, 1, "{bad}");
        assert!(run.stdout.contains(message), "{bad}: {}", run.stdout);
    }
    // An event whose date does not parse.
    for bad in ["\"2025-13\"", "\"next week\"", "2025-02-30", "true"] {
        site.write(
            "content/p.md",
            page(&format!("\n[[events]]\ndate = {bad}\ntitle = \"T\"\n")),
        );
        let run = site.lede(&["check", "--format", "short"]);
        assert_eq!(run.code, 1, "{bad}: {}", run.stdout);
        // At the table (lede's own check) or at the date (TOML's: `2025-02-30`).
        assert!(
            run.stdout.contains("content/p.md:5:1: error: event 1")
                || run
                    .stdout
                    .contains("content/p.md:6:8: error: invalid front matter: invalid date"),
            "{bad}: {}",
            run.stdout
        );
    }
    // The same event (date and title, any case) on two pages: an error naming both.
    site.write(
        "content/p.md",
        page("\n[[events]]\ndate = 2025-11-30\ntitle = \"florida TALKS\"\n"),
    );
    let run = site.lede(&["check", "--format", "short"]);
    assert_eq!(run.code, 1);
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("is also on"))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(
        (line.starts_with("content/p.md:5:1") && line.contains("content/background.md"))
            || (line.starts_with("content/background.md") && line.contains("content/p.md")),
        "{line}"
    );
}

#[test]
fn hostile_updates_and_events_do_not_break_the_build() {
    let site = TestSite::fixture_with_bundled_theme("living");
    let mut many = String::from("+++\ntitle = \"Many\"\ndescription = \"D\"\n");
    for i in 0..400 {
        many.push_str(&format!(
            "\n[[events]]\ndate = \"{}\"\ntitle = \"<script>alert({i})</script>\"\ntext = \"[x](javascript:alert(1)) <img src=x onerror=alert(1)> [^nope\"\n",
            1000 + i
        ));
    }
    many.push_str("+++\nBody.\n");
    site.write("content/many.md", &many);
    let run = site.lede(&["check", "--format", "short"]);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    // The `javascript:` links are errors; fix them and the page builds with everything escaped.
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("`javascript:` links are not allowed"),
        "{}",
        run.stdout
    );
    site.write(
        "content/many.md",
        many.replace("[x](javascript:alert(1)) ", ""),
    );
    site.build_ok(&[]);
    let html = site.read("public/timeline/index.html");
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<img src=x"));
    assert_eq!(html.matches("class=\"event\"").count(), 405);
}

#[test]
fn the_newest_update_is_the_latest_instant_whatever_its_offset() {
    let site = TestSite::fixture_with_bundled_theme("living");
    let text = site.read("content/background.md");
    // 4 December 01:00 at UTC+5 is 3 December 20:00 UTC: before 21:00 UTC on the 3rd.
    site.write(
        "content/background.md",
        text.replace(
            "weight = 2\n",
            "weight = 2\n\n[[updates]]\nat = 2025-12-04T01:00:00+05:00\ntext = \"East.\"\n\n[[updates]]\nat = 2025-12-03T21:00:00Z\ntext = \"West.\"\n",
        ),
    );
    site.build_ok(&[]);
    let html = site.read("public/background/index.html");
    let west = html.find("West.").unwrap();
    let east = html.find("East.").unwrap();
    assert!(west < east, "newest first: {html}");
    assert!(
        html.contains("Updated <time datetime=\"2025-12-03T21:00:00Z\">3 December 2025</time>"),
        "{html}"
    );
    // `update-1` is the oldest, wherever it is written.
    assert!(html.contains("<li id=\"update-1\" class=\"update update-update\">\n<p><span class=\"update-label\">Update, <time datetime=\"2025-12-04T01:00:00+05:00\">"), "{html}");
    // An explicit `updated` wins over the updates.
    site.write(
        "content/background.md",
        text.replace(
            "weight = 2\n",
            "weight = 2\nupdated = 2025-12-10\n\n[[updates]]\nat = 2025-12-04\ntext = \"x\"\n",
        ),
    );
    site.build_ok(&[]);
    assert!(
        site.read("public/background/index.html")
            .contains("Updated <time datetime=\"2025-12-10\">")
    );
}
