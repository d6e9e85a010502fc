//! Publishing (issue 6): sitemap, feed, robots.txt, redirects, structured data, sub-paths.

use super::*;
use quick_xml::events::Event;

/// The text of every element named `name` in an XML document (which must parse).
fn xml_texts(xml: &str, name: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut current, mut texts): (Option<String>, Vec<String>) = (None, Vec::new());
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) if e.name().as_ref() == name.as_bytes() => {
                current = Some(String::new())
            }
            Event::End(e) if e.name().as_ref() == name.as_bytes() => texts.extend(current.take()),
            Event::Text(t) => {
                if let Some(text) = &mut current {
                    text.push_str(&t.decode().unwrap());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(text) = &mut current {
                    let entity = match &*r {
                        b"lt" => "<",
                        b"gt" => ">",
                        b"amp" => "&",
                        b"quot" => "\"",
                        b"apos" => "'",
                        other => panic!("unexpected entity {other:?}"),
                    };
                    text.push_str(entity);
                }
            }
            Event::Eof => return texts,
            _ => {}
        }
    }
}

#[test]
fn sitemap_lists_every_page_with_lastmod() {
    let site = TestSite::fixture("basic");
    site.build_ok(&[]);
    let xml = site.read("public/sitemap.xml");
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"));
    let locs = xml_texts(&xml, "loc");
    assert_eq!(locs.len(), 8, "{locs:?}");
    assert!(locs.contains(&"https://example.org/a/".to_string()));
    assert!(locs.contains(&"https://example.org/glossary/donbas/".to_string()));
    assert_eq!(
        xml_texts(&xml, "lastmod"),
        ["2025-12-03"],
        "only a.md has a date"
    );
    assert_eq!(
        site.read("public/robots.txt"),
        "User-agent: *\nAllow: /\n\nSitemap: https://example.org/sitemap.xml\n"
    );
}

#[test]
fn atom_feed_of_dated_pages() {
    let site = TestSite::fixture("basic");
    site.write("content/b.md", "+++\ntitle = \"B <&> \\u0001\"\ndescription = \"About B\"\ndate = 2025-12-04\n+++\n## Part two\n");
    site.build_ok(&[]);
    let xml = site.read("public/atom.xml");
    assert!(xml.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">"));
    // Newest first; markup escaped; the control character removed.
    assert_eq!(
        xml_texts(&xml, "title"),
        ["Basic fixture", "B <&> ", "First page"]
    );
    assert_eq!(
        xml_texts(&xml, "updated"),
        [
            "2025-12-04T00:00:00Z",
            "2025-12-04T00:00:00Z",
            "2025-12-03T00:00:00Z"
        ]
    );
    assert_eq!(
        xml_texts(&xml, "id"),
        [
            "https://example.org/",
            "https://example.org/b/",
            "https://example.org/a/"
        ]
    );
    assert_eq!(
        xml_texts(&xml, "summary"),
        ["About B", "A page that links around."]
    );
}

#[test]
fn no_full_urls_without_a_host() {
    let site = TestSite::fixture("basic");
    site.write("site.toml", "title = \"T\"\nbase_url = \"/\"\n");
    site.build_ok(&[]);
    assert!(!site.path("public/sitemap.xml").exists());
    assert_eq!(site.read("public/robots.txt"), "User-agent: *\nAllow: /\n");
}

#[test]
fn json_ld_is_valid_and_cannot_close_the_script() {
    let site = TestSite::fixture("basic");
    site.write(
        "content/a.md",
        "+++\ntitle = \"A </script><b>\"\ndescription = \"x & y\"\ndate = 2025-12-03\n+++\nx\n",
    );
    site.build_ok(&[]);
    let ld = |page: &str| {
        let html = site.read(page);
        let start = html.find("<script type=\"application/ld+json\">").unwrap() + 35;
        let end = start + html[start..].find("</script>").unwrap();
        serde_json::from_str::<serde_json::Value>(&html[start..end]).expect("valid JSON")
    };
    let a = ld("public/a/index.html");
    assert_eq!(a["@type"], "NewsArticle");
    assert_eq!(
        a["headline"], "A </script><b>",
        "escaped in HTML, intact as JSON"
    );
    assert_eq!(a["datePublished"], "2025-12-03");
    assert_eq!(a["publisher"]["name"], "Basic fixture");
    let term = ld("public/glossary/donbas/index.html");
    assert_eq!(term["@type"], "DefinedTerm");
    assert_eq!(term["inDefinedTermSet"], "https://example.org/glossary/");
    let set = ld("public/glossary/index.html");
    assert_eq!(set["@type"], "DefinedTermSet");
    assert_eq!(set["hasDefinedTerm"].as_array().unwrap().len(), 2);
}

#[test]
fn aliases_write_redirect_pages() {
    let site = TestSite::fixture("basic");
    site.write(
        "content/b.md",
        "+++\ntitle = \"B\"\naliases = [\"/old/b/\", \"/older.html\"]\n+++\n## Part two\n",
    );
    site.build_ok(&["--base-url", "https://example.org/sub/"]);
    let old = site.read("public/old/b/index.html");
    assert!(
        old.contains("<link rel=\"canonical\" href=\"https://example.org/sub/b/\">"),
        "{old}"
    );
    assert!(old.contains("<meta http-equiv=\"refresh\" content=\"0; url=/sub/b/\">"));
    assert!(site.read("public/older.html").contains("url=/sub/b/"));
}

#[test]
fn aliases_that_escape_are_refused() {
    for alias in ["../../x", "/a/../../x", "/a\\\\b", "/C:x", "old-name"] {
        let site = TestSite::fixture("basic");
        site.write(
            "content/b.md",
            format!("+++\ntitle = \"B\"\naliases = [\"{alias}\"]\n+++\nx\n"),
        );
        let err = site.build_err(&[]);
        assert!(err.contains("--> content/b.md:3:1"), "{alias}: {err}");
        assert!(err.contains("error: alias"), "{alias}: {err}");
    }
}

#[test]
fn a_sub_path_build_keeps_every_link_inside_it() {
    let site = TestSite::fixture("basic");
    site.build_ok(&["--base-url", "https://user.github.io/repo/"]);
    assert_internal_links_resolve(&site.path("public"), "/repo/");
    let xml = site.read("public/sitemap.xml");
    assert!(
        xml_texts(&xml, "loc")
            .iter()
            .all(|l| l.starts_with("https://user.github.io/repo/"))
    );
}
