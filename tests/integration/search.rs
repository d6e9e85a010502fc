//! The search index (issue 19): written into `pagefind/` by `lede build`, absent with
//! `[search] enabled = false`, never holding a page with `search = false`; what lede hands
//! the indexer (the records) is checked through the library. The index is read back from
//! Pagefind's fragment files, one gzipped JSON document per page.

use std::io::Read as _;

use lede::search;

use super::*;

/// The pages in the built index: the `url` of every fragment under `public/pagefind/`.
fn indexed_urls(site: &TestSite) -> Vec<String> {
    let mut urls: Vec<String> = tree(&site.path("public/pagefind/fragment"))
        .into_values()
        .map(|gz| {
            let mut json = Vec::new();
            flate2::read::GzDecoder::new(&gz[..])
                .read_to_end(&mut json)
                .expect("a gzipped fragment");
            // Pagefind's own signature precedes the JSON.
            let json = json
                .strip_prefix(b"pagefind_dcd")
                .expect("Pagefind's signature");
            let fragment: serde_json::Value = serde_json::from_slice(json).expect("fragment JSON");
            fragment["url"].as_str().expect("a url").to_string()
        })
        .collect();
    urls.sort();
    urls
}

fn entry(site: &TestSite) -> serde_json::Value {
    serde_json::from_str(&site.read("public/pagefind/pagefind-entry.json")).expect("entry JSON")
}

#[test]
fn every_page_is_indexed_and_only_what_the_search_box_loads_is_written() {
    let site = TestSite::fixture("basic");
    site.build_ok(&[]);
    assert_eq!(
        indexed_urls(&site),
        [
            "/",
            "/a/",
            "/b/",
            "/glossary/",
            "/glossary/donbas/",
            "/glossary/kremlin/",
            "/sub/",
            "/sub/c/"
        ],
        "every page, section and term; not the 404 page"
    );
    assert_eq!(entry(&site)["languages"]["en"]["page_count"], 8);
    let files = tree(&site.path("public/pagefind"));
    for needed in ["pagefind.js", "pagefind-worker.js", "wasm.en.pagefind"] {
        assert!(files.contains_key(needed), "missing pagefind/{needed}");
    }
    assert!(files.keys().any(|f| f.ends_with(".pf_meta")));
    assert!(files.keys().any(|f| f.starts_with("index/")));
    for unused in ["pagefind-ui.js", "pagefind-ui.css", "wasm.unknown.pagefind"] {
        assert!(!files.contains_key(unused), "pagefind/{unused} is written");
    }
}

#[test]
fn search_off_leaves_no_index_even_where_a_build_left_one() {
    let site = TestSite::fixture("basic");
    site.build_ok(&[]);
    assert!(site.path("public/pagefind/pagefind.js").is_file());
    let config = site.read("site.toml");
    site.write(
        "site.toml",
        format!("{config}\n[search]\nenabled = false\n"),
    );
    site.build_ok(&[]);
    assert!(!site.path("public/pagefind").exists(), "pagefind/ is left");
    // And the staging folder (the build before last) does not keep it either.
    site.build_ok(&[]);
    assert!(!site.path("public/pagefind").exists());
}

#[test]
fn a_page_with_search_false_is_not_in_the_index() {
    let site = TestSite::fixture("basic");
    let page = site.read("content/a.md");
    site.write(
        "content/a.md",
        page.replacen("weight = 2\n", "weight = 2\nsearch = false\n", 1),
    );
    site.build_ok(&[]);
    let urls = indexed_urls(&site);
    assert!(!urls.contains(&"/a/".to_string()), "{urls:?}");
    assert!(urls.contains(&"/b/".to_string()), "{urls:?}");
    assert_eq!(entry(&site)["languages"]["en"]["page_count"], 7);
    assert!(
        site.path("public/a/index.html").is_file(),
        "the page itself is still built"
    );
}

#[test]
fn search_must_be_true_or_false() {
    let site = TestSite::fixture("basic");
    let page = site.read("content/a.md");
    site.write(
        "content/a.md",
        page.replacen("weight = 2\n", "weight = 2\nsearch = \"no\"\n", 1),
    );
    let err = site.build_err(&[]);
    assert!(
        err.contains("content/a.md:6") && err.contains("true or false"),
        "{err}"
    );
}

#[test]
fn an_unknown_search_setting_suggests_the_right_one() {
    let site = TestSite::fixture("basic");
    let config = site.read("site.toml");
    site.write("site.toml", format!("{config}\n[search]\nenable = false\n"));
    let err = site.build_err(&[]);
    assert!(
        err.contains("`enable`") && err.contains("`enabled`"),
        "{err}"
    );
}

#[test]
fn records_carry_titles_aliases_kinds_and_escaped_text_without_hover_definitions() {
    let site = TestSite::fixture("basic");
    site.write(
        "content/e.md",
        "+++\ntitle = \"Extra\"\ndescription = \"About <b> & more.\"\n+++\nMentions Donbas twice: Donbas.\n",
    );
    let loaded = lede::Site::load(&lede::Options {
        root: site.root().to_path_buf(),
        ..Default::default()
    })
    .expect("the site loads");
    let records = search::records(&loaded);
    let find = |url: &str| {
        records
            .iter()
            .find(|r| r.url == url)
            .unwrap_or_else(|| panic!("no record for {url}"))
    };
    let term = find("/glossary/donbas/");
    assert_eq!((term.title.as_str(), term.kind), ("Donbas", "term"));
    assert_eq!(term.aliases, ["Donbass"]);
    assert_eq!(
        term.content, "Ukraine&#39;s eastern industrial region. A region; see the Kremlin.",
        "a term's text is its summary, then its definition"
    );
    let e = find("/e/");
    assert_eq!((e.kind, e.aliases.len()), ("page", 0));
    assert_eq!(
        e.content,
        "About &lt;b&gt; &amp; more. Mentions Donbas twice: Donbas."
    );
    // The hover definition of the linked mention is not part of the page's text.
    assert!(!e.content.contains("eastern industrial"), "{}", e.content);
}
