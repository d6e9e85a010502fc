//! Bad input (issue 2): each gives exit 1, the file and line, a hint, no panic, and leaves
//! the previous output as it was.

use super::*;

/// Builds the fixture once, applies `change`, and returns the failed build's stderr after
/// checking that the previous output is untouched.
fn fails_after(change: impl FnOnce(&TestSite)) -> String {
    let site = TestSite::fixture("basic");
    site.build_ok(&[]);
    let before = tree(&site.path("public"));
    change(&site);
    let err = site.build_err(&[]);
    assert_eq!(
        tree(&site.path("public")),
        before,
        "previous output changed"
    );
    err
}

fn page(front: &str, body: &str) -> String {
    format!("+++\n{front}\n+++\n{body}\n")
}

#[test]
fn invalid_toml_names_file_and_line() {
    let err = fails_after(|s| {
        s.write(
            "content/a.md",
            page("title = \"A\"\ndate = 2025-13-45", "x"),
        )
    });
    assert!(err.contains("--> content/a.md:3:"), "{err}");
    assert!(err.contains("invalid front matter"), "{err}");
}

#[test]
fn unknown_key_suggests_a_fix() {
    let err = fails_after(|s| {
        s.write(
            "content/a.md",
            page("title = \"A\"\ndescripion = \"d\"", "x"),
        )
    });
    assert!(
        err.contains("error: unknown front matter key `descripion`"),
        "{err}"
    );
    assert!(err.contains("--> content/a.md:3:1"), "{err}");
    assert!(err.contains("did you mean `description`?"), "{err}");
}

#[test]
fn unknown_site_toml_key() {
    let err = fails_after(|s| s.write("site.toml", "title = \"T\"\nbase_ur = \"/\"\n"));
    assert!(err.contains("--> site.toml:2:1"), "{err}");
    assert!(err.contains("did you mean `base_url`?"), "{err}");
}

#[test]
fn wrong_type() {
    let err = fails_after(|s| {
        s.write(
            "content/a.md",
            page("title = \"A\"\nweight = \"first\"", "x"),
        )
    });
    assert!(err.contains("--> content/a.md:3:"), "{err}");
    assert!(
        err.contains("error: wrong type in front matter: expected a whole number, found a string"),
        "{err}"
    );
}

#[test]
fn front_matter_not_closed() {
    let err = fails_after(|s| s.write("content/a.md", "+++\ntitle = \"A\"\nBody text\n"));
    assert!(err.contains("error: front matter is not closed"), "{err}");
    assert!(err.contains("--> content/a.md:1:1"), "{err}");
    assert!(err.contains("add a line containing only `+++`"), "{err}");
}

#[test]
fn missing_title() {
    let err = fails_after(|s| s.write("content/a.md", page("description = \"d\"", "x")));
    assert!(err.contains("front matter has no `title`"), "{err}");
    assert!(err.contains("content/a.md:1"), "{err}");
}

#[test]
fn invalid_utf8_names_the_line() {
    let err = fails_after(|s| {
        s.write(
            "content/a.md",
            b"+++\ntitle = \"A\"\n+++\nline four \xC3\x28 here\n",
        )
    });
    assert!(err.contains("invalid UTF-8 at line 4"), "{err}");
    assert!(err.contains("content/a.md:4:"), "{err}");
    assert!(err.contains("save the file as UTF-8"), "{err}");
}

#[test]
fn missing_template() {
    let err = fails_after(|s| {
        s.write(
            "content/a.md",
            page("title = \"A\"\ntemplate = \"wide.html\"", "x"),
        )
    });
    assert!(err.contains("template `wide.html` does not exist"), "{err}");
    assert!(err.contains("--> content/a.md:3:1"), "{err}");
}

#[test]
fn template_syntax_error() {
    let err = fails_after(|s| {
        s.write("templates/page.html", "{% extends \"base.html\" %}\n{% block content %}\n{{ page.title }\n{% endblock content %}")
    });
    assert!(err.contains("--> templates/page.html:3:"), "{err}");
}

#[test]
fn undefined_template_variable_names_the_page() {
    let err = fails_after(|s| {
        s.write("templates/page.html", "{% extends \"base.html\" %}\n{% block content %}\n\n{{ page.subtitle }}{% endblock content %}")
    });
    assert!(err.contains("--> templates/page.html:4:"), "{err}");
    assert!(err.contains("while rendering content/"), "{err}");
    assert_eq!(
        err.matches("templates/page.html:4:").count(),
        1,
        "one report for all pages: {err}"
    );
}

#[test]
fn broken_link() {
    let err = fails_after(|s| {
        s.write(
            "content/b.md",
            page("title = \"B\"", "Intro.\n\nSee [gone](gone.md) now."),
        )
    });
    assert!(
        err.contains("error: link to a missing page: `gone.md`"),
        "{err}"
    );
    assert!(err.contains("--> content/b.md:6:5"), "{err}");
}

#[test]
fn broken_anchor_suggests_the_heading() {
    let err = fails_after(|s| {
        s.write(
            "content/b.md",
            page("title = \"B\"", "See [A](a.md#part-on)."),
        )
    });
    assert!(
        err.contains("link to a missing anchor: `#part-on` on content/a.md"),
        "{err}"
    );
    assert!(err.contains("--> content/b.md:4:5"), "{err}");
    assert!(err.contains("did you mean `#part-one`?"), "{err}");
}

#[test]
fn url_collision_names_both_files() {
    let err = fails_after(|s| s.write("content/A.md", page("title = \"Other A\"", "x")));
    assert!(
        err.contains("content/A.md and content/a.md would both be written to /a/"),
        "{err}"
    );
}

#[test]
fn unicode_normalisation_collision() {
    let err = fails_after(|s| {
        s.write("content/caf\u{e9}.md", page("title = \"NFC\"", "x"));
        s.write("content/cafe\u{301}.md", page("title = \"NFD\"", "x"));
    });
    assert!(err.contains("would both be written to /cafe/"), "{err}");
}

#[test]
fn every_error_is_reported_not_just_the_first() {
    let err = fails_after(|s| {
        s.write(
            "content/a.md",
            page("title = \"A\"", "[x](nope.md) and [y](gone.md)"),
        );
        s.write(
            "content/b.md",
            page("title = \"B\"", "[z](also-missing.md)"),
        );
    });
    assert_eq!(
        err.matches("error: link to a missing page").count(),
        3,
        "{err}"
    );
    assert!(err.contains("build failed with 3 errors"), "{err}");
}

#[test]
fn refused_output_dirs_delete_nothing() {
    let site = TestSite::fixture("basic");
    let before = tree(site.root());
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("precious.txt"), "mine").unwrap();
    let root = site.root().to_str().unwrap().to_string();
    let content = site.path("content");
    let cases: Vec<(String, &str)> = vec![
        (root.clone(), "contains the site itself"),
        (
            site.path("..").to_str().unwrap().into(),
            "contains the site itself",
        ),
        (
            content.to_str().unwrap().into(),
            "inside the site's content/ folder",
        ),
        (
            site.path("templates").to_str().unwrap().into(),
            "inside the site's templates/ folder",
        ),
        (
            site.path("static/css").to_str().unwrap().into(),
            "inside the site's static/ folder",
        ),
        ("/".into(), "file-system root"),
        (home, "home folder"),
        (
            outside.path().to_str().unwrap().into(),
            "not empty and was not created by lede",
        ),
    ];
    for (dir, why) in cases {
        let err = site.build_err(&["--output-dir", &dir]);
        assert!(
            err.contains("refusing to write the site to"),
            "{dir}: {err}"
        );
        assert!(err.contains(why), "{dir}: expected `{why}` in {err}");
    }
    std::os::unix::fs::symlink(site.root(), site.path("link-to-root")).unwrap();
    let err = site.build_err(&["--output-dir", site.path("link-to-root").to_str().unwrap()]);
    assert!(err.contains("it is a symlink"), "{err}");
    fs::remove_file(site.path("link-to-root")).unwrap();
    assert_eq!(tree(site.root()), before, "the site was changed");
    assert_eq!(
        fs::read_to_string(outside.path().join("precious.txt")).unwrap(),
        "mine"
    );
}
