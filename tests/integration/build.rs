//! The core build (issue 2): URLs, links, sections, drafts, base URL, determinism,
//! atomic output, BOM/CRLF, the summary line.

use super::*;

#[test]
fn pretty_urls_for_pages_sections_and_terms() {
    let site = TestSite::fixture("basic");
    let run = site.build_ok(&[]);
    for file in [
        "index.html",
        "a/index.html",
        "b/index.html",
        "sub/index.html",
        "sub/c/index.html",
        "glossary/index.html",
        "glossary/donbas/index.html",
        "404.html",
        "style.css",
        ".lede-output",
    ] {
        assert!(
            site.path("public").join(file).is_file(),
            "missing public/{file}"
        );
    }
    assert!(
        !site.path("public/z-draft").exists(),
        "drafts are left out by default"
    );
    assert!(
        run.stdout.starts_with("Built 8 pages, 2 terms in ")
            && run.stdout.trim_end().ends_with("public/"),
        "summary line: {}",
        run.stdout
    );
}

#[test]
fn drafts_flag_includes_drafts() {
    let site = TestSite::fixture("basic");
    site.build_ok(&["--drafts"]);
    assert!(
        site.read("public/z-draft/index.html")
            .contains("Not ready.")
    );
}

#[test]
fn md_links_become_urls_with_anchors() {
    let site = TestSite::fixture("basic");
    site.build_ok(&[]);
    let a = site.read("public/a/index.html");
    assert!(
        a.contains(r##"<a href="/b/#part-two">part two of B</a>"##),
        "{a}"
    );
    assert!(a.contains(r##"<a href="#part-one">the top</a>"##));
    assert!(a.contains(r##"<a href="/sub/c/">C</a>"##));
    let c = site.read("public/sub/c/index.html");
    assert!(c.contains(r#"<a href="/">home</a>"#), "{c}");
    assert_internal_links_resolve(&site.path("public"), "/");
}

#[test]
fn headings_get_unique_ids_anchors_and_a_nested_toc() {
    let site = TestSite::fixture("basic");
    site.build_ok(&[]);
    let a = site.read("public/a/index.html");
    assert!(a.contains(r##"<h2 id="part-one">Part one <a class="anchor" href="#part-one""##));
    assert!(
        a.contains(r#"<h2 id="part-one-1">"#),
        "duplicate heading text gets a suffix"
    );
    // The fixture template prints h2 entries, then their children with class "sub".
    assert!(a.contains(r##"<a href="#part-one">Part one</a><a href="#part-one-1">Part one</a><a class="sub" href="#deeper">Deeper</a>"##));
    let b = site.read("public/b/index.html");
    assert!(
        b.contains(r#"<h2 id="part-two" class="wide">Part two"#),
        "{b}"
    );
}

#[test]
fn sections_list_pages_by_weight_then_title() {
    let site = TestSite::fixture("basic");
    site.build_ok(&[]);
    let home = site.read("public/index.html");
    let second = home
        .find(r#"<a href="/b/">Second page</a>"#)
        .expect("b listed");
    let first = home
        .find(r#"<a href="/a/">First page</a>"#)
        .expect("a listed");
    assert!(second < first, "weight 1 before weight 2");
    assert!(home.contains(r#"<ul class="subsections"><li><a href="/sub/">A section</a></li><li><a href="/glossary/">Glossary</a></li></ul>"#), "{home}");
    let sub = site.read("public/sub/index.html");
    assert!(sub.contains(r#"<li><a href="/sub/c/">Third page</a></li>"#));
}

#[test]
fn base_url_with_a_sub_path_prefixes_every_link() {
    let site = TestSite::fixture("basic");
    site.build_ok(&["--base-url", "https://example.org/explainer/"]);
    let a = site.read("public/a/index.html");
    assert!(a.contains(r##"href="/explainer/b/#part-two""##));
    assert!(a.contains(r#"href="/explainer/style.css""#));
    assert!(a.contains(r#"href="/explainer/glossary/donbas/""#));
    assert_internal_links_resolve(&site.path("public"), "/explainer/");
}

#[test]
fn output_dir_flag_and_root_after_the_subcommand() {
    let site = TestSite::fixture("basic");
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("site");
    let run = Command::new(env!("CARGO_BIN_EXE_lede"))
        .args(["build", "--output-dir"])
        .arg(&target)
        .arg("--root")
        .arg(site.root())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(target.join("a/index.html").is_file());
    assert!(!site.path("public").exists());
}

#[test]
fn building_twice_gives_identical_trees() {
    let site = TestSite::fixture("basic");
    site.build_ok(&["--output-dir", site.path("one").to_str().unwrap()]);
    site.build_ok(&["--output-dir", site.path("two").to_str().unwrap()]);
    let (one, two) = (tree(&site.path("one")), tree(&site.path("two")));
    assert!(one.len() > 8);
    assert_eq!(one, two);
    // Rebuilding in place (staging reused) gives the same tree again.
    site.build_ok(&["--output-dir", site.path("one").to_str().unwrap()]);
    site.build_ok(&["--output-dir", site.path("one").to_str().unwrap()]);
    assert_eq!(tree(&site.path("one")), two);
}

#[test]
fn a_failed_build_leaves_the_previous_output_untouched() {
    let site = TestSite::fixture("basic");
    site.build_ok(&[]);
    let before = tree(&site.path("public"));
    site.write(
        "templates/page.html",
        "{% extends \"base.html\" %}{% block content %}{{ page.nope }}{% endblock content %}",
    );
    site.write("content/a.md", "+++\ntitle = \"Changed\"\n+++\nNew text.\n");
    let err = site.build_err(&[]);
    assert!(err.contains("templates/page.html:1:"), "{err}");
    assert_eq!(tree(&site.path("public")), before);
}

#[test]
fn removed_pages_disappear_from_the_next_build() {
    let site = TestSite::fixture("basic");
    site.write(
        "content/sub/d.md",
        "+++\ntitle = \"Fourth\"\n+++\nSoon gone.\n",
    );
    site.build_ok(&[]);
    assert!(site.path("public/sub/d/index.html").exists());
    site.remove("content/sub/d.md");
    // Twice: the second build reuses the staging folder that holds the first build.
    site.build_ok(&[]);
    site.build_ok(&[]);
    assert!(!site.path("public/sub/d").exists());
    assert!(site.path("public/sub/c/index.html").exists());
}

#[test]
fn bom_and_crlf_give_the_same_html_as_lf() {
    let site = TestSite::fixture("basic");
    site.build_ok(&[]);
    let lf = site.read("public/a/index.html");
    let crlf = site.read("content/a.md").replace('\n', "\r\n");
    site.write("content/a.md", format!("\u{feff}{crlf}"));
    site.build_ok(&[]);
    assert_eq!(site.read("public/a/index.html"), lf);
}

#[test]
fn version_and_help_work() {
    let run = lede_in(Path::new("."), &["--version"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with("lede "), "{}", run.stdout);
    let run = lede_in(Path::new("."), &["help", "build"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("--output-dir"), "{}", run.stdout);
    let run = lede_in(Path::new("."), &["build", "--no-such-flag"]);
    assert_eq!(run.code, 2, "usage errors exit 2");
}

#[test]
fn rendered_page_snapshot() {
    let site = TestSite::fixture("basic");
    site.build_ok(&[]);
    insta::assert_snapshot!("basic_a_page", site.read("public/a/index.html"));
}
