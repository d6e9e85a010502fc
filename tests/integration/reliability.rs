//! Bad and hostile input (issue 8): each case exits 1 with the file, the position and a
//! hint (or builds, where the input is fine), never panics, and never touches the
//! previous output.

use super::*;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Builds the basic fixture, applies `change`, builds again and returns (exit code, stderr),
/// checking that a failed build left the previous output exactly as it was.
pub(crate) fn after(change: impl FnOnce(&TestSite)) -> (i32, String, TestSite) {
    let site = TestSite::fixture("basic");
    site.build_ok(&[]);
    let before = tree(&site.path("public"));
    change(&site);
    let run = site.lede(&["build"]);
    assert!(!run.stderr.contains("panicked"), "panic: {}", run.stderr);
    if run.code != 0 {
        assert_eq!(
            tree(&site.path("public")),
            before,
            "a failed build changed the output"
        );
    }
    (run.code, run.stderr, site)
}

pub(crate) fn fails(change: impl FnOnce(&TestSite), expected: &[&str]) {
    let (code, err, _) = after(change);
    assert_eq!(code, 1, "{err}");
    for e in expected {
        assert!(err.contains(e), "expected `{e}` in:\n{err}");
    }
}

pub(crate) fn builds(change: impl FnOnce(&TestSite)) -> TestSite {
    let (code, err, site) = after(change);
    assert_eq!(code, 0, "{err}");
    site
}

#[test]
fn utf16_file() {
    let mut bytes = vec![0xFF, 0xFE];
    for unit in "+++\ntitle = \"A\"\n+++\n".encode_utf16() {
        bytes.extend(unit.to_le_bytes());
    }
    fails(
        |s| s.write("content/a.md", bytes),
        &[
            "error: file is UTF-16, not UTF-8",
            "--> content/a.md",
            "save the file as UTF-8",
        ],
    );
}

#[test]
fn nul_byte() {
    fails(
        |s| s.write("content/a.md", "+++\ntitle = \"A\"\n+++\nok\nbad\0here\n"),
        &[
            "error: file contains a NUL byte: is it binary?",
            "--> content/a.md:5:4",
            "move binary files to static/",
        ],
    );
}

#[test]
fn lone_carriage_returns_are_line_breaks() {
    let site = builds(|s| {
        s.write(
            "content/a.md",
            "+++\rtitle = \"Old Mac\"\r+++\rLine one\r\rLine two\r",
        )
    });
    assert!(
        site.read("public/a/index.html")
            .contains("<p>Line one</p>\n<p>Line two</p>")
    );
    fails(
        |s| s.write("content/a.md", "+++\rtitle = \"A\"\r+++\r[x](gone.md)\r"),
        &["--> content/a.md:4:1"],
    );
}

#[test]
fn empty_file() {
    fails(
        |s| s.write("content/a.md", ""),
        &[
            "error: missing front matter",
            "--> content/a.md:1:1",
            "start the file with a `+++` line",
        ],
    );
}

#[test]
fn fence_inside_a_multiline_string_builds() {
    let site = builds(|s| {
        s.write(
            "content/a.md",
            "+++\ntitle = \"A\"\ndescription = \"\"\"\n+++\n\"\"\"\n+++\nBody here.\n",
        )
    });
    assert!(
        site.read("public/a/index.html")
            .contains("<p>Body here.</p>")
    );
}

#[test]
fn duplicate_key() {
    fails(
        |s| {
            s.write(
                "content/a.md",
                "+++\ntitle = \"A\"\nweight = 1\nweight = 2\n+++\n",
            )
        },
        &["--> content/a.md:4:1", "invalid front matter"],
    );
}

#[test]
fn blank_lines_before_the_front_matter_are_allowed() {
    let site = builds(|s| {
        s.write(
            "content/a.md",
            "\n\n+++\ntitle = \"Late start\"\n+++\nText.\n",
        )
    });
    assert!(site.read("public/a/index.html").contains("Late start"));
}

#[test]
fn a_50_mb_page_builds() {
    let paragraph =
        "Donbas and the Kremlin appear in this long paragraph of a very large page. ".repeat(40);
    let mut body = String::with_capacity(52 << 20);
    while body.len() < 50 << 20 {
        body.push_str(&paragraph);
        body.push_str("\n\n");
    }
    let site = builds(|s| {
        s.write(
            "content/a.md",
            format!("+++\ntitle = \"Huge\"\n+++\n{body}"),
        )
    });
    let html = fs::metadata(site.path("public/a/index.html"))
        .unwrap()
        .len();
    assert!(html > 50 << 20, "the whole page was written: {html} bytes");
}

#[test]
fn other_files_in_content_are_ignored_with_a_warning() {
    let site = TestSite::fixture("basic");
    site.write("content/map.png", [0x89, b'P', b'N', b'G', 0, 0, 0]);
    let run = site.build_ok(&[]);
    assert!(
        run.stderr
            .contains("warning: not a Markdown file: ignored\n  --> content/map.png"),
        "{}",
        run.stderr
    );
    fails(
        |s| s.write("content/binary.md", [0u8, 159, 146, 150, 0, 1, 2]),
        &["--> content/binary.md"],
    );
}

#[test]
fn file_names_with_spaces_and_accents_get_clean_urls() {
    let site = builds(|s| {
        s.write(
            "content/Our Story Ünïcode.md",
            "+++\ntitle = \"Spaces\"\n+++\nSee [b](b.md).\n",
        );
        s.write(
            "content/b.md",
            "+++\ntitle = \"B\"\n+++\n## Part two\n\n[back](Our%20Story%20Ünïcode.md)\n",
        );
    });
    assert!(
        site.read("public/our-story-unicode/index.html")
            .contains("Spaces")
    );
    assert!(
        site.read("public/b/index.html")
            .contains("href=\"/our-story-unicode/\"")
    );
}

#[test]
fn slugs_that_come_out_empty_or_escape() {
    fails(
        |s| s.write("content/!!!.md", "+++\ntitle = \"Bang\"\n+++\n"),
        &[
            "error: the page's URL slug comes out empty",
            "--> content/!!!.md",
        ],
    );
    for slug in ["../../x", "/a/../../x", "a\\\\b", "C:x", "\\u0000"] {
        fails(
            |s| {
                s.write(
                    "content/a.md",
                    format!("+++\ntitle = \"A\"\nslug = \"{slug}\"\n+++\n"),
                )
            },
            &["is not a single URL segment", "--> content/a.md:3:1"],
        );
    }
}

#[test]
fn symlink_loops_and_links_out_of_the_site() {
    fails(
        |s| std::os::unix::fs::symlink(s.path("content"), s.path("content/sub/loop")).unwrap(),
        &[
            "error: symlink loop",
            "content/sub/loop",
            "remove the symlink",
        ],
    );
    let outside = tempfile::tempdir().unwrap();
    fs::write(
        outside.path().join("secret.md"),
        "+++\ntitle = \"Secret\"\n+++\n",
    )
    .unwrap();
    fails(
        |s| {
            std::os::unix::fs::symlink(
                outside.path().join("secret.md"),
                s.path("content/secret.md"),
            )
            .unwrap()
        },
        &[
            "error: symlink points outside the site",
            "--> content/secret.md",
            "copy the file into the site",
        ],
    );
}

#[test]
fn unreadable_files() {
    // Tests run as root, which reads any file; a dangling symlink cannot be read by anyone.
    fails(
        |s| {
            std::os::unix::fs::symlink(s.path("content/nowhere.md"), s.path("content/broken.md"))
                .unwrap()
        },
        &["content/broken.md", "cannot read"],
    );
}

#[test]
fn template_cycles() {
    fails(
        |s| {
            s.write("templates/one.html", "{% include \"two.html\" %}");
            s.write("templates/two.html", "{% include \"one.html\" %}");
        },
        &["include each other in a circle"],
    );
    fails(
        |s| s.write("templates/base.html", "{% extends \"base.html\" %}"),
        &["templates/base.html"],
    );
    fails(
        |s| {
            s.write("templates/base.html", "{% extends \"page.html\" %}");
        },
        &["templates/", "circle"],
    );
}

/// Runs lede with a time limit; a hang or a stack overflow fails the test instead of CI.
pub(crate) fn lede_with_timeout(root: &Path, args: &[&str], limit: Duration) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lede"))
        .arg("--root")
        .arg(root)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read stderr while the process runs, so a long message cannot fill the pipe and stall it.
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut err = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut err).unwrap();
        err
    });
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code().unwrap_or(-1), reader.join().unwrap());
        }
        if started.elapsed() > limit {
            child.kill().unwrap();
            panic!("lede {args:?} did not finish in {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn huge_template_expressions_and_deep_nesting_do_not_overflow() {
    let site = TestSite::fixture("basic");
    let terms = vec!["1"; 10_000].join(" + ");
    site.write("templates/page.html", format!("{{% extends \"base.html\" %}}{{% block content %}}{{{{ {terms} }}}}{{% endblock content %}}"));
    let (code, err) = lede_with_timeout(site.root(), &["build"], Duration::from_secs(60));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("--> templates/page.html:1:"), "{err}");

    let site = TestSite::fixture("basic");
    let nested = format!("{}deep\n", ">".repeat(100_000));
    let brackets = format!("{}x{}", "[".repeat(50_000), "]".repeat(50_000));
    site.write(
        "content/a.md",
        format!("+++\ntitle = \"Deep\"\n+++\n{nested}\n{brackets}\n"),
    );
    let (code, err) = lede_with_timeout(site.root(), &["build"], Duration::from_secs(60));
    // The brackets hold a [[wikilink]] to an unknown term: an error, shown on a short line.
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("unknown glossary term `x`"), "{err}");
    assert!(
        err.len() < 2000,
        "the 100,000-character line is cut: {} bytes",
        err.len()
    );
}

#[test]
fn relative_output_dirs_from_the_site_root_are_refused() {
    let site = TestSite::fixture("basic");
    let before = tree(site.root());
    for dir in [".", "..", "content", "templates", "static"] {
        let run = Command::new(env!("CARGO_BIN_EXE_lede"))
            .current_dir(site.root())
            .args(["build", "--output-dir", dir])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(1), "{dir}: {err}");
        assert!(
            err.contains("refusing to write the site to"),
            "{dir}: {err}"
        );
    }
    assert_eq!(tree(site.root()), before);
}

#[test]
fn a_killed_build_leaves_the_previous_output_and_the_next_build_recovers() {
    let site = TestSite::fixture("basic");
    site.build_ok(&[]);
    let before = tree(&site.path("public"));
    // Enough pages that the build is still running when it is killed.
    let body = "Donbas and the Kremlin. ".repeat(400);
    for i in 0..3000 {
        site.write(
            &format!("content/many/p{i}.md"),
            format!("+++\ntitle = \"P{i}\"\n+++\n{body}\n"),
        );
    }
    for delay in [5, 40, 150] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lede"))
            .arg("--root")
            .arg(site.root())
            .arg("build")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        if status.success() {
            break; // finished before the kill: nothing was interrupted
        }
        assert_eq!(
            tree(&site.path("public")),
            before,
            "killed after {delay} ms: output changed"
        );
    }
    site.build_ok(&[]);
    assert!(site.path("public/many/p2999/index.html").is_file());
    assert!(site.path("public/a/index.html").is_file());
}

#[test]
fn heading_attributes_only_id_class_and_data() {
    let site = builds(|s| {
        s.write("content/a.md", "+++\ntitle = \"A\"\n+++\n## Title {#t .c onclick=alert(1) data-x=\"1\" style=\"color:red\"}\n")
    });
    let html = site.read("public/a/index.html");
    assert!(
        html.contains("<h2 id=\"t\" class=\"c\" data-x=\"1\">Title"),
        "{html}"
    );
    assert!(
        !html.contains("onclick") && !html.contains("style=\"color"),
        "{html}"
    );
}

#[test]
fn front_matter_strings_reach_html_escaped() {
    let site = builds(|s| {
        s.write(
            "content/glossary/donbas.md",
            "+++\ntitle = \"Donbas\"\naliases = [\"<b>Donbass</b>\"]\nsummary = \"A <script>alert(1)</script> region\"\n+++\nx\n",
        );
        s.write("content/a.md", "+++\ntitle = \"A <img src=x onerror=alert(1)>\"\ndescription = \"\\\" onmouseover=\\\"x\"\n+++\nDonbas.\n");
    });
    let a = site.read("public/a/index.html");
    assert!(
        !a.contains("<img src=x") && a.contains("A &lt;img src=x onerror=alert(1)&gt;"),
        "{a}"
    );
    assert!(
        a.contains("A &lt;script&gt;alert(1)&lt;&#x2F;script&gt; region")
            || a.contains("A &lt;script&gt;alert(1)&lt;/script&gt; region"),
        "{a}"
    );
    assert!(!a.contains("<script>alert"), "{a}");
}

#[test]
fn raw_html_can_be_turned_off() {
    let site = builds(|s| {
        s.write(
            "site.toml",
            "title = \"T\"\nbase_url = \"https://example.org/\"\n[markdown]\nraw_html = false\n",
        );
        s.write("content/a.md", "+++\ntitle = \"A\"\n+++\n<script>alert(1)</script>\n\nInline <b onclick=\"x\">bold</b>.\n");
    });
    let html = site.read("public/a/index.html");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        html.contains("Inline &lt;b onclick=\"x\"&gt;bold&lt;/b&gt;."),
        "{html}"
    );
    assert!(!html.contains("<script>alert"));
}

#[test]
fn script_and_data_links_are_never_live() {
    for link in [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "%20javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:x",
    ] {
        let (code, err, site) = after(|s| {
            s.write(
                "content/a.md",
                format!("+++\ntitle = \"A\"\n+++\n[x](<{link}>)\n"),
            )
        });
        if link.starts_with('%') {
            // Percent-encoded, it is a relative path, not a script: it may build.
            let html = fs::read_to_string(site.path("public/a/index.html")).unwrap_or_default();
            assert!(!html.to_lowercase().contains("href=\"javascript"), "{html}");
            continue;
        }
        assert_eq!(code, 1, "{link}: {err}");
        assert!(
            err.contains("link\n  --> content/a.md:4:1"),
            "{link}: {err}"
        );
    }
}
