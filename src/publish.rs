//! Render stage, part two: what a published site needs besides its pages — `sitemap.xml`,
//! the Atom feed `atom.xml`, `robots.txt`, redirect pages for old URLs, and the JSON-LD
//! structured data of each page. XML is written with quick-xml, never by string pasting.
//! Pure: returns files, never writes them.

use crate::urls::{FEED_FILE, ROBOTS_FILE, SITEMAP_FILE};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use serde_json::{Value, json};

use crate::content::{Page, PageKind};
use crate::ids::PageId;
use crate::output::OutputFile;
use crate::site::Site;

/// `sitemap.xml`, `atom.xml` (when the site has dated pages) and `robots.txt`. The XML files
/// need full URLs, so they are written only when `base_url` names a host.
pub fn files(site: &Site) -> Vec<OutputFile> {
    let mut files = Vec::new();
    let config = &site.config;
    if config.has_host() {
        files.push(OutputFile {
            path: SITEMAP_FILE.into(),
            contents: sitemap(site),
        });
        if let Some(feed) = feed(site) {
            files.push(OutputFile {
                path: FEED_FILE.into(),
                contents: feed,
            });
        }
    }
    let mut robots = String::from("User-agent: *\nAllow: /\n");
    if config.has_host() {
        robots.push_str(&format!("\nSitemap: {}\n", config.permalink(SITEMAP_FILE)));
    }
    files.push(OutputFile {
        path: ROBOTS_FILE.into(),
        contents: robots.into_bytes(),
    });
    files.extend(redirects(site));
    files
}

fn sitemap(site: &Site) -> Vec<u8> {
    xml_document(|w| {
        w.create_element("urlset")
            .with_attribute(("xmlns", "http://www.sitemaps.org/schemas/sitemap/0.9"))
            .write_inner_content(|w| {
                for page in &site.pages {
                    w.create_element("url").write_inner_content(|w| {
                        text_element(w, "loc", &site.config.permalink(&page.site_path))?;
                        if let Some(date) = page.meta.updated.as_ref().or(page.meta.date.as_ref()) {
                            text_element(w, "lastmod", &date.iso)?;
                        }
                        Ok(())
                    })?;
                }
                Ok(())
            })?;
        Ok(())
    })
}

/// The Atom feed of every dated page (not terms), newest first; `None` if no page has a date.
fn feed(site: &Site) -> Option<Vec<u8>> {
    let mut dated: Vec<&Page> = site
        .pages
        .iter()
        .filter(|p| p.kind == PageKind::Page && p.meta.date.is_some())
        .collect();
    if dated.is_empty() && site.updates.all.is_empty() {
        return None;
    }
    dated.sort_by(|a, b| updated(b).cmp(&updated(a)).then_with(|| a.key.cmp(&b.key)));
    // The feed's last change: its newest page or its newest update, whichever is later.
    let newest_page = dated.first().map(|p| updated(p));
    let newest_update = site.updates.all.first().map(|u| rfc3339(&u.at.iso));
    let instant = |t: &String| crate::when::Moment::parse(t).map_or(i64::MIN, |m| m.utc);
    let feed_updated = match (newest_page, newest_update) {
        (Some(p), Some(u)) if instant(&u) > instant(&p) => u,
        (Some(p), _) => p,
        (None, Some(u)) => u,
        (None, None) => String::new(),
    };
    let config = &site.config;
    Some(xml_document(|w| {
        w.create_element("feed")
            .with_attribute(("xmlns", "http://www.w3.org/2005/Atom"))
            .with_attribute(("xml:lang", config.language.as_str()))
            .write_inner_content(|w| {
                text_element(w, "title", &config.title)?;
                if !config.description.is_empty() {
                    text_element(w, "subtitle", &config.description)?;
                }
                text_element(w, "id", &config.base_url)?;
                link(w, &config.permalink(FEED_FILE), Some("self"))?;
                link(w, &config.base_url, None)?;
                text_element(w, "updated", &feed_updated)?;
                w.create_element("author")
                    .write_inner_content(|w| text_element(w, "name", &config.publisher.name))?;
                for page in &dated {
                    let url = config.permalink(&page.site_path);
                    w.create_element("entry").write_inner_content(|w| {
                        text_element(w, "title", &page.meta.title)?;
                        text_element(w, "id", &url)?;
                        link(w, &url, None)?;
                        text_element(w, "updated", &updated(page))?;
                        if let Some(date) = &page.meta.date {
                            text_element(w, "published", &rfc3339(&date.iso))?;
                        }
                        if let Some(summary) = page
                            .meta
                            .description
                            .as_ref()
                            .or(page.meta.summary.as_ref())
                        {
                            text_element(w, "summary", summary)?;
                        }
                        Ok(())
                    })?;
                }
                for u in &site.updates.all {
                    update_entry(w, site, u)?;
                }
                Ok(())
            })?;
        Ok(())
    }))
}

/// One feed entry per update or correction, linking to it on its page.
fn update_entry(
    w: &mut Writer<Vec<u8>>,
    site: &Site,
    u: &crate::updates::PageUpdate,
) -> std::io::Result<()> {
    let Some(page) = site.pages.get(u.page.0) else {
        return Ok(());
    };
    let url = crate::urls::anchor(&site.config.permalink(&page.site_path), &u.id);
    let what = match u.kind {
        crate::content::front_matter::UpdateKind::Correction => "Correction",
        crate::content::front_matter::UpdateKind::Update => "Update",
    };
    w.create_element("entry").write_inner_content(|w| {
        text_element(w, "title", &format!("{what}: {}", page.meta.title))?;
        text_element(w, "id", &url)?;
        link(w, &url, None)?;
        text_element(w, "updated", &rfc3339(&u.at.iso))?;
        if !u.plain.is_empty() {
            text_element(w, "summary", &u.plain)?;
        }
        Ok(())
    })?;
    Ok(())
}

/// An indented UTF-8 XML document with its declaration; `body` writes the root element.
fn xml_document(body: impl FnOnce(&mut Writer<Vec<u8>>) -> std::io::Result<()>) -> Vec<u8> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let decl = Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None));
    let result = w.write_event(decl).and_then(|()| body(&mut w));
    debug_assert!(result.is_ok(), "writing XML to memory cannot fail");
    w.into_inner()
}

fn text_element(w: &mut Writer<Vec<u8>>, name: &str, text: &str) -> std::io::Result<()> {
    let clean = xml_safe(text);
    w.create_element(name)
        .write_text_content(BytesText::new(&clean))?;
    Ok(())
}

fn link(w: &mut Writer<Vec<u8>>, href: &str, rel: Option<&str>) -> std::io::Result<()> {
    let href = xml_safe(href);
    let element = w
        .create_element("link")
        .with_attribute(("href", href.as_str()));
    match rel {
        Some(rel) => element.with_attribute(("rel", rel)).write_empty()?,
        None => element.write_empty()?,
    };
    Ok(())
}

/// Drops the characters XML 1.0 does not allow (control characters, U+FFFE, U+FFFF).
pub fn xml_safe(text: &str) -> String {
    text.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
        })
        .collect()
}

/// The page's last change, as an RFC 3339 timestamp.
fn updated(page: &Page) -> String {
    let date = page.meta.updated.as_ref().or(page.meta.date.as_ref());
    date.map(|d| rfc3339(&d.iso)).unwrap_or_default()
}

/// `2025-12-03` → `2025-12-03T00:00:00Z`; a full timestamp stays as written.
fn rfc3339(iso: &str) -> String {
    if iso.len() == 10 {
        format!("{iso}T00:00:00Z")
    } else {
        iso.to_string()
    }
}

/// Redirect pages for the old URLs a page lists in `aliases`.
fn redirects(site: &Site) -> Vec<OutputFile> {
    let mut files = Vec::new();
    for (index, page) in site.pages.iter().enumerate() {
        let href = site.links.href(PageId(index));
        let target = if site.config.has_host() {
            site.config.permalink(&page.site_path)
        } else {
            href.to_string()
        };
        for alias in &page.redirects {
            let html = format!(
                "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>Moved: {title}</title>\n<link rel=\"canonical\" href=\"{target}\">\n<meta name=\"robots\" content=\"noindex\">\n<meta http-equiv=\"refresh\" content=\"0; url={href}\">\n</head>\n<body>\n<main>\n<p>This page has moved to <a href=\"{href}\">{title}</a>.</p>\n</main>\n</body>\n</html>\n",
                lang = escape(&site.config.language),
                title = escape(&page.meta.title),
                target = escape(&target),
                href = escape(href),
            );
            files.push(OutputFile {
                path: alias.clone(),
                contents: html.into_bytes(),
            });
        }
    }
    files
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let _ = pulldown_cmark_escape::escape_html(&mut out, text);
    out
}

/// The `[publisher]` as a schema.org `Organization`; a logo in `static/` gets a full URL.
fn publisher_ld(config: &crate::config::Config) -> Value {
    let p = &config.publisher;
    let mut v = json!({"@type": "Organization", "name": p.name});
    if let Some(url) = &p.url {
        v["url"] = json!(url);
    }
    if let Some(logo) = &p.logo {
        let logo = match logo.strip_prefix('/') {
            Some(path) => config.permalink(path),
            None => logo.clone(),
        };
        v["logo"] = json!({"@type": "ImageObject", "url": logo});
    }
    v
}

/// Structured data for a page: `NewsArticle` for pages, `DefinedTerm` for terms,
/// `DefinedTermSet` for the glossary, `WebSite` for home. Safe inside `<script>`: `<`,
/// `>` and `&` are written as JSON escapes, so `</script>` cannot appear.
pub fn json_ld(site: &Site, index: usize) -> String {
    let page = &site.pages[index];
    let config = &site.config;
    let url = config.permalink(&page.site_path);
    // Only a `NewsArticle` (the last arm) lists the sources it cites.
    let mut article = false;
    let value: Value = match page.kind {
        PageKind::Term => term_ld(site, index, &url),
        PageKind::Section if page.is_glossary_index(config) => term_set_ld(site, page, &url),
        PageKind::Section if page.site_path.is_empty() => json!({
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": config.title,
            "description": config.description,
            "url": url,
            "inLanguage": config.language,
            "publisher": publisher_ld(config),
        }),
        PageKind::Source => source_json(site, index).unwrap_or(Value::Null),
        _ => {
            article = true;
            article_ld(site, index, &url)
        }
    };
    let mut text = crate::html::script_safe(serde_json::to_string(&value).unwrap_or_default());
    if article {
        append_citations(&mut text, site, index);
    }
    text
}

/// A term's `DefinedTerm`, in the glossary's set.
fn term_ld(site: &Site, index: usize, url: &str) -> Value {
    let config = &site.config;
    let page = &site.pages[index];
    let glossary_url = (site.pages.iter())
        .find(|p| p.is_glossary_index(config))
        .map(|p| config.permalink(&p.site_path));
    let mut v = json!({
        "@context": "https://schema.org",
        "@type": "DefinedTerm",
        "name": page.meta.title,
        "description": site.glossary.term_of_page(PageId(index)).map(|t| &site.glossary.terms[t].summary),
        "url": url,
    });
    if let Some(set) = glossary_url {
        v["inDefinedTermSet"] = json!(set);
    }
    v
}

/// The glossary page's `DefinedTermSet`, with every term.
fn term_set_ld(site: &Site, page: &crate::content::Page, url: &str) -> Value {
    let config = &site.config;
    let terms: Vec<Value> = site
        .glossary
        .terms
        .iter()
        .map(|t| {
            let p = &site.pages[t.page];
            json!({"@type": "DefinedTerm", "name": t.title, "description": t.summary, "url": config.permalink(&p.site_path)})
        })
        .collect();
    json!({
        "@context": "https://schema.org",
        "@type": "DefinedTermSet",
        "name": page.meta.title,
        "url": url,
        "hasDefinedTerm": terms,
    })
}

/// A story page's `NewsArticle`: headline, authors, dates, corrections.
fn article_ld(site: &Site, index: usize, url: &str) -> Value {
    let config = &site.config;
    let page = &site.pages[index];
    let publisher = publisher_ld(config);
    let mut v = json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": page.meta.title,
        "url": url,
        "mainEntityOfPage": url,
        "inLanguage": config.language,
        "publisher": publisher,
    });
    if let Some(d) = &page.meta.description {
        v["description"] = json!(d);
    }
    if !page.meta.authors.is_empty() {
        let authors: Vec<Value> = page
            .meta
            .authors
            .iter()
            .map(|name| json!({"@type": "Person", "name": name}))
            .collect();
        v["author"] = json!(authors);
    }
    if let Some(d) = &page.meta.date {
        v["datePublished"] = json!(d.iso);
    }
    if let Some(d) = page.meta.updated.as_ref().or(page.meta.date.as_ref()) {
        v["dateModified"] = json!(d.iso);
    }
    if let Some(corrections) = corrections_ld(site, index) {
        v["correction"] = corrections;
    }
    v
}

/// A page's corrections as schema.org `CorrectionComment`s, newest first (`None` if none).
fn corrections_ld(site: &Site, index: usize) -> Option<Value> {
    let url = site.config.permalink(&site.pages.get(index)?.site_path);
    let list: Vec<Value> = site
        .updates
        .by_page
        .get(index)?
        .iter()
        .filter_map(|&i| site.updates.all.get(i))
        .filter(|u| u.kind == crate::content::front_matter::UpdateKind::Correction)
        .map(|u| {
            json!({
                "@type": "CorrectionComment",
                "text": u.plain,
                "datePublished": u.at.iso,
                "url": crate::urls::anchor(&url, &u.id),
            })
        })
        .collect();
    (!list.is_empty()).then(|| json!(list))
}

/// Adds `"citation": [...]` to a page's serialized `NewsArticle`: the sources it cites,
/// once each in order of first citation, as schema.org `CreativeWork`s. Each source's JSON
/// is made once for the whole site, already script-safe (see
/// [`crate::sources::Source::json`]), not per page.
fn append_citations(text: &mut String, site: &Site, index: usize) {
    let Some(parsed) = site.parsed.get(index) else {
        return;
    };
    if parsed.citations.is_empty() || !text.ends_with('}') {
        return;
    }
    text.pop();
    text.push_str(",\"citation\":[");
    let cited = parsed.citations.iter().filter(|c| c.first);
    for (i, source) in cited
        .filter_map(|c| site.sources.sources.get(c.source.0))
        .enumerate()
    {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&source.json);
    }
    text.push_str("]}");
}

/// A source's page as a schema.org `CreativeWork`.
fn source_json(site: &Site, page: usize) -> Option<Value> {
    let meta = &site.pages.get(page)?.meta;
    let mut v = crate::sources::creative_work(meta);
    v["@context"] = json!("https://schema.org");
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_safe_drops_invalid_characters() {
        assert_eq!(xml_safe("a\u{1}b\u{FFFF}c\td"), "abc\td");
    }

    #[test]
    fn dates_become_timestamps() {
        assert_eq!(rfc3339("2025-12-03"), "2025-12-03T00:00:00Z");
        assert_eq!(rfc3339("2025-12-03T10:00:00Z"), "2025-12-03T10:00:00Z");
    }
}
