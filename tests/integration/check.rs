//! `lede check` (issue 6): every problem at file:line:col, in three formats, writing nothing.

use super::*;

fn check(site: &TestSite, args: &[&str]) -> Run {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    let run = site.lede(&all);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

/// `check --format short` lines for a fixture after `change`, and the exit code.
fn short_after(change: impl FnOnce(&TestSite)) -> (Vec<String>, i32) {
    let site = TestSite::fixture("basic");
    for p in [
        "content/b.md",
        "content/sub/_index.md",
        "content/sub/c.md",
        "content/glossary/_index.md",
    ] {
        let text = site
            .read(p)
            .replacen("+++\n", "+++\ndescription = \"d\"\n", 1);
        site.write(p, text);
    }
    change(&site);
    let run = check(&site, &["--format", "short"]);
    assert!(!site.path("public").exists(), "check wrote output");
    (run.stdout.lines().map(String::from).collect(), run.code)
}

#[test]
fn a_clean_site_checks_clean() {
    let (lines, code) = short_after(|_| {});
    assert_eq!((lines, code), (Vec::<String>::new(), 0));
}

#[test]
fn each_problem_at_its_position() {
    let cases: Vec<(&str, &str, &str)> = vec![
        (
            "[x](nope.md)",
            "content/a.md:4:1: error: link to a missing page: `nope.md`",
            "broken link",
        ),
        (
            "[x](b.md#nowhere)",
            "content/a.md:4:1: error: link to a missing anchor: `#nowhere` on content/b.md",
            "broken anchor",
        ),
        (
            "![map](/img/map.png)",
            "content/a.md:4:1: error: link to a missing file: `/img/map.png`",
            "missing static file",
        ),
        (
            "[[Donbsa]]",
            "content/a.md:4:1: error: unknown glossary term `Donbsa` in [[wikilink]]",
            "unknown wikilink",
        ),
        (
            "![](/style.css)",
            "content/a.md:4:1: error: image has no alt text",
            "image without alt",
        ),
        (
            "[x](javascript:alert(1))",
            "content/a.md:4:1: error: `javascript:` link",
            "javascript link",
        ),
        (
            "[x]( JavaScript:alert(1))",
            "content/a.md:4:1: error: `javascript:` link",
            "padded mixed-case javascript",
        ),
        (
            "[x](data:text/html,hi)",
            "content/a.md:4:1: error: `data:` link",
            "data link",
        ),
    ];
    for (body, expected, what) in cases {
        let (lines, code) =
            short_after(|s| s.write("content/a.md", format!("+++\ntitle = \"A\"\n+++\n{body}\n")));
        assert_eq!(code, 1, "{what}: {lines:?}");
        assert!(
            lines.iter().any(|l| l.starts_with(expected)),
            "{what}: expected `{expected}` in {lines:#?}"
        );
    }
}

#[test]
fn structural_problems() {
    let (lines, code) = short_after(|s| {
        s.write(
            "content/glossary/other.md",
            "+++\ntitle = \"Other\"\naliases = [\"kremlin\"]\nsummary = \"S\"\n+++\nx\n",
        )
    });
    assert_eq!(code, 1);
    assert!(lines.iter().any(|l| l.starts_with(
        "content/glossary/other.md:3:12: error: glossary name `kremlin` is also used by content/glossary/kremlin.md:2 (`Kremlin`)"
    )), "{lines:#?}");

    let (lines, code) =
        short_after(|s| s.write("content/B.md", "+++\ntitle = \"Upper B\"\n+++\nx\n"));
    assert_eq!(code, 1);
    assert!(
        lines.iter().any(|l| l.starts_with(
            "content/b.md: error: content/B.md and content/b.md would both be written to /b/"
        )),
        "{lines:#?}"
    );
}

#[test]
fn warnings_do_not_fail_the_check() {
    let (lines, code) = short_after(|s| {
        s.write(
            "content/glossary/unused.md",
            "+++\ntitle = \"Unused\"\nsummary = \"S\"\n+++\nx\n",
        );
        s.write("content/b.md", "+++\ntitle = \"B\"\n+++\n## Part two\n");
    });
    assert_eq!(code, 0, "{lines:#?}");
    assert_eq!(
        lines,
        [
            "content/b.md:1:1: warning: page has no `description` (add `description = \"...\"`: search engines and link previews show it)",
            "content/glossary/unused.md: warning: glossary term `Unused` is not mentioned on any page (mention it on a page, add an alias that pages use, or remove the term)",
        ]
    );
}

#[test]
fn human_and_json_formats() {
    let site = TestSite::fixture("basic");
    site.write(
        "content/a.md",
        "+++\ntitle = \"A\"\ndescription = \"d\"\n+++\nSee [x](nope.md).\n",
    );
    let run = check(&site, &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("error: link to a missing page: `nope.md`\n  --> content/a.md:5:5\n"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(" 5 | See [x](nope.md).\n"),
        "{}",
        run.stderr
    );
    let run = check(&site, &["--format", "json"]);
    assert_eq!(run.code, 1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    let first = &json.as_array().unwrap()[0];
    assert_eq!(first["level"], "error");
    assert_eq!(first["path"], "content/a.md");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(5), Some(5))
    );
    assert_eq!(first["message"], "link to a missing page: `nope.md`");
}

#[test]
fn the_bundled_explainer_checks_clean() {
    let run = lede_in(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["check", "--format", "short"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // One warning is expected: the primary report's address is not known (issue 15: the
    // source page says so, and check warns).
    assert_eq!(
        run.stdout,
        "content/sources/seed.md:1:1: warning: source `seed` has no `url` \
         (add `url = \"https://...\"`, or say in its notes why there is none)\n",
        "no other errors or warnings"
    );
}
