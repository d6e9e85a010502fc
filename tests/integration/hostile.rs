//! Hostile input (issue 13): one test per class of defect an adversary found. Each failed
//! on the code before the fix: a panic, an injected attribute, a file from outside the site
//! published or written through, two builds mixed, a generated file replaced, a check that
//! passed what build refused, quadratic time, and the smaller ones.

use std::os::unix::fs::symlink;
use std::time::Duration;

use super::reliability::{builds, fails, lede_with_timeout};
use super::*;

/// Every opening tag `<name ...>` in `html`.
fn tags<'h>(html: &'h str, name: &str) -> Vec<&'h str> {
    let open = format!("<{name}");
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&open) {
        rest = &rest[i..];
        let end = rest.find('>').unwrap_or(rest.len());
        found.push(&rest[..end]);
        rest = &rest[end..];
    }
    found
}

/// The attribute names of an opening tag, read as a browser's tokenizer reads them: `/` and
/// white space separate attributes, values are quoted or run to white space.
fn attribute_names(tag: &str) -> Vec<String> {
    let mut chars = tag
        .chars()
        .skip_while(|c| *c != ' ' && *c != '/')
        .peekable();
    let mut names = Vec::new();
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == '/').is_some() {}
        let name: String = std::iter::from_fn(|| {
            chars.next_if(|c| !c.is_whitespace() && !matches!(c, '/' | '=' | '>'))
        })
        .collect();
        if name.is_empty() {
            return names;
        }
        names.push(name.to_ascii_lowercase());
        if chars.next_if_eq(&'=').is_some() {
            match chars.next() {
                Some(q @ ('"' | '\'')) => while chars.next().is_some_and(|c| c != q) {},
                _ => while chars.next_if(|c| !c.is_whitespace()).is_some() {},
            }
        }
    }
}

#[test]
fn any_white_space_after_the_closing_fence_is_no_panic() {
    for space in ["\u{a0}", "\u{2028}", "\u{3000}", " \t\u{a0} "] {
        let site = builds(|s| {
            s.write(
                "content/a.md",
                format!("+++\ntitle = \"A\"\n+++{space}\nThe body survives.\n"),
            )
        });
        assert!(
            site.read("public/a/index.html")
                .contains("The body survives."),
            "{space:?}"
        );
        let check = site.lede(&["check"]);
        assert!(!check.stderr.contains("panicked"), "{}", check.stderr);
        assert!(
            matches!(check.code, 0 | 1),
            "{space:?}: exit {}",
            check.code
        );
    }
}

#[test]
fn heading_attributes_cannot_carry_an_event_handler() {
    let site = builds(|s| {
        let config = fs::read_to_string(s.path("site.toml")).unwrap();
        s.write(
            "site.toml",
            format!("{config}\n[markdown]\nraw_html = false\n"),
        );
        s.write(
            "content/a.md",
            "+++\ntitle = \"A\"\n+++\n## One {data-x/onmouseover=alert(1)}\n\n\
             ## Two {onclick=alert(2)}\n\n## Three {data-ok=\"fine\" onfocus=alert(3)}\n\n\
             ## Four {data-X=1 data-y=\"\\\" onblur=alert(4)\"}\n",
        );
    });
    let html = site.read("public/a/index.html");
    let headings = tags(&html, "h2");
    assert_eq!(headings.len(), 4, "{html}");
    for tag in &headings {
        for name in attribute_names(tag) {
            assert!(
                name == "id" || name == "class" || name.starts_with("data-"),
                "attribute `{name}` in {tag}"
            );
            assert!(!name.contains(['/', '"', '=']), "{tag}");
        }
    }
    assert!(headings[2].contains("data-ok=\"fine\""), "{}", headings[2]);
}

#[test]
fn a_glossary_file_name_cannot_inject_attributes() {
    let site = builds(|s| {
        s.write(
            "content/glossary/x\" onmouseover=\"alert(1).md",
            "+++\ntitle = \"Xenon\"\nsummary = \"A gas.\"\n+++\nA gas.\n",
        );
        s.write(
            "content/a.md",
            "+++\ntitle = \"A\"\n+++\nXenon and [[Xenon]].\n",
        );
    });
    let html = site.read("public/a/index.html");
    assert!(html.contains("class=\"term\""), "{html}");
    for tag in tags(&html, "a") {
        assert!(!tag.contains("onmouseover=\""), "{tag}");
    }
}

#[test]
fn static_symlinks_out_of_static_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("passwd"), "root:x:0:0").unwrap();
    fails(
        |s| symlink(outside.path().join("passwd"), s.path("static/passwd")).unwrap(),
        &[
            "error: symlink points outside the site's static/ folder",
            "static/passwd",
        ],
    );
    fails(
        |s| symlink(outside.path(), s.path("static/dir")).unwrap(),
        &["static/dir"],
    );
    // The output folder is in the site root, but not in static/: linking it would nest the
    // output in itself.
    fails(
        |s| symlink(s.path("public"), s.path("static/out")).unwrap(),
        &["static/out"],
    );
    // A link that stays inside static/ is fine.
    let site = builds(|s| symlink(s.path("static/style.css"), s.path("static/copy.css")).unwrap());
    assert_eq!(site.read("public/copy.css"), site.read("static/style.css"));
}

#[test]
fn a_planted_staging_folder_is_refused_and_links_in_it_are_never_written_through() {
    let site = TestSite::fixture("basic");
    let victim = tempfile::tempdir().unwrap();
    symlink(victim.path(), site.path(".public.lede-staging")).unwrap();
    let err = site.build_err(&[]);
    assert!(err.contains("is a symlink"), "{err}");
    assert_eq!(fs::read_dir(victim.path()).unwrap().count(), 0);
    fs::remove_file(site.path(".public.lede-staging")).unwrap();

    // Two builds: the first output is now the staging folder. Plant links in it.
    site.build_ok(&[]);
    site.build_ok(&[]);
    let staging = site.path(".public.lede-staging");
    assert!(staging.join("index.html").is_file());
    fs::write(victim.path().join("target.html"), "VICTIM").unwrap();
    fs::remove_file(staging.join("index.html")).unwrap();
    symlink(
        victim.path().join("target.html"),
        staging.join("index.html"),
    )
    .unwrap();
    fs::remove_dir_all(staging.join("a")).unwrap();
    symlink(victim.path(), staging.join("a")).unwrap();
    site.build_ok(&[]);
    assert_eq!(
        fs::read_to_string(victim.path().join("target.html")).unwrap(),
        "VICTIM"
    );
    assert_eq!(fs::read_dir(victim.path()).unwrap().count(), 1);
    let index = fs::symlink_metadata(site.path("public/index.html")).unwrap();
    assert!(index.file_type().is_file());
    assert!(site.read("public/a/index.html").contains("First page"));

    // A staging folder of another user is not ours to write in (tests run as root).
    site.build_ok(&[]);
    std::os::unix::fs::chown(&staging, Some(65534), Some(65534)).unwrap();
    let err = site.build_err(&[]);
    assert!(err.contains("belongs to another user"), "{err}");
}

#[test]
fn a_second_build_of_the_same_output_is_refused_while_one_runs() {
    let site = TestSite::fixture("basic");
    site.build_ok(&[]);
    let before = tree(&site.path("public"));
    let lock = lede::output::OutputLock::acquire(&site.path("public")).unwrap();
    site.write("content/a.md", "+++\ntitle = \"Changed\"\n+++\nNew.\n");
    let err = site.build_err(&[]);
    assert!(err.contains("another lede build is writing"), "{err}");
    assert_eq!(tree(&site.path("public")), before);
    drop(lock);
    site.build_ok(&[]);
    assert!(site.read("public/a/index.html").contains("Changed"));
}

#[test]
fn aliases_cannot_replace_generated_files_or_differ_only_in_case() {
    for generated in [
        "robots.txt",
        "sitemap.xml",
        "atom.xml",
        "404.html",
        "Robots.TXT",
    ] {
        fails(
            |s| {
                s.write(
                    "content/a.md",
                    format!("+++\ntitle = \"A\"\naliases = [\"/{generated}\"]\n+++\n"),
                )
            },
            &["would replace the generated file", "--> content/a.md:3:1"],
        );
    }
    fails(
        |s| {
            s.write(
                "content/a.md",
                "+++\ntitle = \"A\"\naliases = [\"/Old/\"]\n+++\n",
            );
            s.write(
                "content/b.md",
                "+++\ntitle = \"B\"\naliases = [\"/old/\"]\n+++\n",
            );
        },
        &["alias /old/index.html of content/b.md is also the URL of content/a.md"],
    );
}

#[test]
fn check_reports_everything_build_refuses() {
    type Change = fn(&TestSite);
    let cases: [(Change, &str); 4] = [
        (
            |s| {
                s.write(
                    "content/a.md",
                    "+++\ntitle = \"A\"\ntemplate = \"nope.html\"\n+++\n",
                )
            },
            "nope.html",
        ),
        (
            |s| s.write("templates/page.html", "{% block content %}{{ page.title "),
            "templates/page.html",
        ),
        (
            |s| {
                s.write(
                    "templates/page.html",
                    "{% extends \"base.html\" %}{% block content %}{{ page.nothing.deeper }}{% endblock content %}",
                )
            },
            "templates/page.html",
        ),
        (
            |s| s.write("static/a/index.html", "<p>static</p>"),
            "static/a/index.html",
        ),
    ];
    for (change, expected) in cases {
        let site = TestSite::fixture("basic");
        change(&site);
        let check = site.lede(&["check", "--format", "short"]);
        assert_eq!(
            check.code, 1,
            "check passed:\n{}{}",
            check.stdout, check.stderr
        );
        let all = format!("{}{}", check.stdout, check.stderr);
        assert!(all.contains(expected), "expected `{expected}` in:\n{all}");
        assert!(site.build_err(&[]).contains(expected));
    }
}

/// Inputs that took quadratic time. Each runs in well under a second now; the limits are
/// generous (the quadratic versions took minutes) so that a slow machine never fails them.
#[test]
fn pathological_inputs_take_linear_time() {
    let limit = Duration::from_secs(60);
    let footnotes: String = (0..20_000)
        .map(|i| format!("Claim.[^n{i}]\n\n[^n{i}]: Note {i}.\n\n"))
        .collect();
    let headings = "## Same\n\n".repeat(10_000);
    let fences = format!("+++\ntitle = \"A\"\ntitel = 1\n{}", "+++\n".repeat(20_000));
    let cases = [
        (
            "content/a.md",
            format!("+++\ntitle = \"A\"\n+++\n{footnotes}"),
            0,
        ),
        (
            "content/a.md",
            format!("+++\ntitle = \"A\"\n+++\n{headings}"),
            0,
        ),
        ("content/a.md", fences, 1),
        (
            "content/glossary/donbas.md",
            format!(
                "+++\ntitle = \"Donbas\"\naliases = [\"{}\"]\nsummary = \"S.\"\n+++\n",
                "a".repeat(6_000)
            ),
            1,
        ),
    ];
    for (file, text, expected) in cases {
        let site = TestSite::fixture("basic");
        site.write(file, text);
        let (code, err) = lede_with_timeout(site.root(), &["build"], limit);
        assert_eq!(code, expected, "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let site = TestSite::fixture("basic");
    site.write(
        "content/a.md",
        format!("+++\ntitle = \"A\"\n+++\n{headings}"),
    );
    site.build_ok(&[]);
    let html = site.read("public/a/index.html");
    assert!(html.contains("id=\"same-9999\""));
}

#[test]
fn an_alias_too_long_to_be_a_name_is_explained() {
    fails(
        |s| {
            s.write(
                "content/glossary/donbas.md",
                format!(
                    "+++\ntitle = \"Donbas\"\naliases = [\"{}\"]\nsummary = \"S.\"\n+++\n",
                    "ab ".repeat(100)
                ),
            )
        },
        &[
            "characters long (at most 120)",
            "--> content/glossary/donbas.md:3",
        ],
    );
}

#[test]
fn a_refused_folder_link_is_not_walked() {
    let outside = tempfile::tempdir().unwrap();
    for i in 0..2_000 {
        fs::write(outside.path().join(format!("p{i}.txt")), "not a page").unwrap();
    }
    let (code, err, _) =
        super::reliability::after(|s| symlink(outside.path(), s.path("content/usr")).unwrap());
    assert_eq!(code, 1);
    assert_eq!(err.matches("error:").count(), 2, "{err}"); // the link, and the summary
    assert!(err.contains("content/usr"), "{err}");
    assert!(err.len() < 2_000, "{} bytes of diagnostics", err.len());
}

#[test]
fn hidden_files_and_editor_litter_are_not_pages() {
    let site = builds(|s| {
        s.write(
            "content/.secret.md",
            "+++\ntitle = \"Secret\"\n+++\nHidden.\n",
        );
        s.write(
            "content/.drafts/plan.md",
            "+++\ntitle = \"Plan\"\n+++\nHidden.\n",
        );
        s.write("content/._a.md", [0u8, 5, 22, 7, 0, 2, 0, 0]);
        symlink("root@host.1234:1700000000", s.path("content/.#a.md")).unwrap();
        s.write("static/.DS_Store", [0u8, 0, 0, 1]);
        s.write(
            "static/.well-known/security.txt",
            "Contact: mailto:x@example.org\n",
        );
    });
    let out = tree(&site.path("public"));
    for (path, bytes) in &out {
        assert!(
            !path.contains("secret") && !path.contains("plan") && !path.contains("DS_Store"),
            "{path}"
        );
        assert!(
            !String::from_utf8_lossy(bytes).contains("Hidden."),
            "{path}"
        );
    }
    assert!(out.contains_key(".well-known/security.txt"));
    let run = site.lede(&["build"]);
    assert_eq!(run.code, 0);
    assert!(
        !run.stderr.contains(".#a.md") && !run.stderr.contains("._a.md"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_heading_never_takes_an_id_the_templates_use() {
    let site = builds(|s| {
        s.write(
            "content/a.md",
            "+++\ntitle = \"A\"\n+++\n## Main\n\nText.\n",
        )
    });
    let html = site.read("public/a/index.html");
    assert!(html.contains("<h2 id=\"main-1\">"), "{html}");
    assert!(!html.contains("id=\"main\">"), "{html}");
}

#[test]
fn a_date_needs_a_day_and_a_base_url_needs_a_scheme() {
    fails(
        |s| s.write("content/a.md", "+++\ntitle = \"A\"\ndate = 10:00:00\n+++\n"),
        &["`date` has a time but no day", "--> content/a.md:3:1"],
    );
    fails(
        |s| {
            let config = fs::read_to_string(s.path("site.toml")).unwrap();
            s.write(
                "site.toml",
                config.replace("https://example.org/", "//evil.example/"),
            );
        },
        &["has no scheme", "site.toml:3"],
    );
}

#[test]
fn a_decomposed_accent_belongs_to_its_word() {
    let site = builds(|s| {
        s.write(
            "content/glossary/cafe.md",
            "+++\ntitle = \"Cafe\"\nsummary = \"A place.\"\n+++\nA place.\n",
        );
        s.write(
            "content/a.md",
            "+++\ntitle = \"A\"\n+++\nA Cafe\u{301} au lait, then the Cafe itself.\n",
        );
    });
    let html = site.read("public/a/index.html");
    assert!(html.contains("A Cafe\u{301} au lait"), "{html}");
    assert!(html.contains(">Cafe</a>"), "{html}");
}

#[test]
fn a_term_page_neither_links_nor_lists_itself() {
    let site = builds(|s| {
        s.write(
            "content/glossary/donbas.md",
            "+++\ntitle = \"Donbas\"\naliases = [\"Donbass\"]\nsummary = \"A region.\"\n+++\nSee [[Donbas]] and [the region](donbas.md), near the Kremlin.\n",
        )
    });
    let html = site.read("public/glossary/donbas/index.html");
    assert!(html.contains("See Donbas and the region, near"), "{html}");
    assert!(!html.contains("id=\"mention-donbas"), "{html}");
    assert!(!html.contains("href=\"/glossary/donbas/"), "{html}");
}
