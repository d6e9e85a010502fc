//! The one owner of the site's URLs and output paths: where a page's file goes, the URL of a
//! page's anchor, the full URL of a path, the names of the files lede generates and of the
//! folders it keeps beside the output, and the media type a file is served with. Everything
//! else asks here. A leaf: it asks no one.

use std::path::{Path, PathBuf};

use percent_encoding::percent_decode_str;

/// The file a folder URL serves.
pub const INDEX_FILE: &str = "index.html";

/// The site-wide files lede generates, by their path from the output root. No page, alias
/// or static file may take one of these paths.
pub const NOT_FOUND_FILE: &str = "404.html";
pub const SITEMAP_FILE: &str = "sitemap.xml";
pub const FEED_FILE: &str = "atom.xml";
pub const ROBOTS_FILE: &str = "robots.txt";
pub const GENERATED_FILES: [&str; 4] = [NOT_FOUND_FILE, SITEMAP_FILE, FEED_FILE, ROBOTS_FILE];

/// The folder the search index is written to.
pub const SEARCH_DIR: &str = "pagefind";

/// The output folder, unless `site.toml` says otherwise.
pub const OUTPUT_DIR: &str = "public";

/// What lede keeps beside the output folder `public`: `.public.lede-staging` (the next
/// build, swapped in whole), `.public.lede-lock` (one build at a time), `.public.lede-old`
/// (the last build, while it is swapped out).
pub const STAGING: &str = "lede-staging";
pub const LOCK: &str = "lede-lock";
pub const OLD: &str = "lede-old";

/// The output file of a page at `site_path` (`meeting/` → `meeting/index.html`, `""` →
/// `index.html`).
pub fn page_file(site_path: &str) -> String {
    format!("{site_path}{INDEX_FILE}")
}

/// The page path an output file is the page of (`meeting/index.html` → `meeting/`,
/// `index.html` → `""`); `None` for any other file.
pub fn page_of_file(file: &str) -> Option<&str> {
    let dir = file.strip_suffix(INDEX_FILE)?;
    (dir.is_empty() || dir.ends_with('/')).then_some(dir)
}

/// The URL of an anchor on the page at `page_url`.
pub fn anchor(page_url: &str, id: &str) -> String {
    format!("{page_url}#{id}")
}

/// The full URL of a site path under `base_url` (for canonical links, feeds, sitemaps).
pub fn permalink(base_url: &str, site_path: &str) -> String {
    format!("{base_url}{site_path}")
}

/// `.public.NAME` beside the output folder `public`.
pub fn beside_output(output: &Path, name: &str) -> PathBuf {
    let folder = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| OUTPUT_DIR.into());
    output.with_file_name(format!(".{folder}.{name}"))
}

/// The media type of a file by its extension, with `charset=utf-8` for text (lede writes
/// UTF-8): what `serve` answers and what `deploy` stores.
pub fn content_type(path: &str) -> String {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let textual = mime.type_() == "text"
        || ["json", "xml", "javascript", "svg", "atom", "rss"]
            .iter()
            .any(|t| mime.subtype() == *t || mime.suffix().is_some_and(|s| s == *t));
    if textual {
        format!("{}; charset=utf-8", mime.essence_str())
    } else {
        mime.essence_str().to_string()
    }
}

/// Longer request paths are refused (414).
const MAX_PATH: usize = 2048;

/// A request path, checked: its decoded parts, and whether it ends in `/`.
#[derive(Debug, PartialEq, Eq)]
pub struct RequestPath {
    pub parts: Vec<String>,
    pub dir: bool,
}

/// Why a request path is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    TooLong,
    Unsafe,
}

impl RequestPath {
    /// Percent-decodes a request path and refuses anything that could leave the served root.
    pub fn parse(raw: &str) -> Result<RequestPath, Refused> {
        if raw.len() > MAX_PATH {
            return Err(Refused::TooLong);
        }
        let rest = raw.strip_prefix('/').ok_or(Refused::Unsafe)?;
        let dir = rest.is_empty() || rest.ends_with('/');
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.is_empty() {
            return Ok(RequestPath {
                parts: Vec::new(),
                dir,
            });
        }
        let parts = rest
            .split('/')
            .map(|part| {
                let decoded = percent_decode_str(part)
                    .decode_utf8()
                    .map_err(|_| Refused::Unsafe)?;
                let bad = decoded.is_empty()
                    || decoded == "."
                    || decoded == ".."
                    || decoded.contains(['/', '\\', ':', '\0']);
                if bad {
                    Err(Refused::Unsafe)
                } else {
                    Ok(decoded.into_owned())
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RequestPath { parts, dir })
    }

    /// The output file the path names as it is (`a/b`).
    pub fn file(&self) -> String {
        self.parts.join("/")
    }

    /// The output file the path names as a folder (`a/b/index.html`).
    pub fn index_file(&self) -> String {
        match self.file() {
            key if key.is_empty() => page_file(""),
            key => page_file(&format!("{key}/")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_their_files() {
        assert_eq!(page_file(""), "index.html");
        assert_eq!(page_file("glossary/donbas/"), "glossary/donbas/index.html");
        assert_eq!(
            page_of_file("glossary/donbas/index.html"),
            Some("glossary/donbas/")
        );
        assert_eq!(page_of_file("index.html"), Some(""));
        assert_eq!(page_of_file("notindex.html"), None);
        assert_eq!(page_of_file("style.css"), None);
        assert_eq!(anchor("/a/", "x-1"), "/a/#x-1");
        assert_eq!(permalink("https://x.org/e/", "a/"), "https://x.org/e/a/");
        assert_eq!(
            beside_output(Path::new("/s/public"), STAGING),
            Path::new("/s/.public.lede-staging")
        );
    }

    #[test]
    fn content_types_by_extension() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("style.CSS"), "text/css; charset=utf-8");
        assert_eq!(content_type("app.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("font.woff2"), "font/woff2");
        assert_eq!(content_type("noext"), "application/octet-stream");
        assert_eq!(content_type("logo.svg"), "image/svg+xml; charset=utf-8");
        assert_eq!(content_type("map.png"), "image/png");
    }

    fn parts(raw: &str) -> Result<Vec<String>, Refused> {
        RequestPath::parse(raw).map(|p| p.parts)
    }

    #[test]
    fn paths_are_decoded_and_checked() {
        assert_eq!(parts("/"), Ok(vec![]));
        assert_eq!(parts("/a/b%20c/"), Ok(vec!["a".into(), "b c".into()]));
        assert!(RequestPath::parse("/a/").unwrap().dir);
        assert!(!RequestPath::parse("/a").unwrap().dir);
        for bad in [
            "/../x",
            "/%2e%2e/x",
            "/..%2fx",
            "/%2e%2e%5cx",
            "//etc/passwd",
            "/a/./b",
            "/a\\b",
            "/C:/x",
            "/a%00b",
            "/%ff",
            "x",
            "",
        ] {
            assert_eq!(parts(bad), Err(Refused::Unsafe), "{bad}");
        }
        assert_eq!(
            parts(&format!("/{}", "a".repeat(10_000))),
            Err(Refused::TooLong)
        );
        let folder = RequestPath::parse("/glossary/donbas/").unwrap();
        assert_eq!(folder.index_file(), "glossary/donbas/index.html");
        assert_eq!(RequestPath::parse("/").unwrap().index_file(), "index.html");
        assert_eq!(
            RequestPath::parse("/style.css").unwrap().file(),
            "style.css"
        );
    }
}
