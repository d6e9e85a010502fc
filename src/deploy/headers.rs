//! The `Content-Type` and `Cache-Control` of each uploaded object: `[[deploy.headers]]` rules
//! by glob first, then defaults by kind of file. Pure: never touches files or the network.
//!
//! Defaults: HTML, feeds, the sitemap, JSON and text files are short-lived (they change with
//! every edit); file names with a content hash (`app.3f9a2c1b.css`) are cached for a year;
//! other assets (CSS, scripts, images, fonts without a hash) for an hour.

use globset::GlobMatcher;

use crate::config::HeaderRule;
use crate::urls::content_type;

/// HTML, feeds and other files that change when the content does.
pub const SHORT: &str = "public, max-age=60";
/// Assets whose name carries a hash of their content: a change gives a new name.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Other assets: they may change under the same name, so not for long.
pub const ASSET: &str = "public, max-age=3600";

/// The headers one object is uploaded with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectHeaders {
    pub content_type: String,
    pub cache_control: String,
}

/// The compiled `[[deploy.headers]]` rules of a target.
pub struct HeaderRules {
    rules: Vec<(GlobMatcher, HeaderRule)>,
}

impl HeaderRules {
    pub fn new(rules: &[HeaderRule]) -> Self {
        let rules = rules
            .iter()
            .map(|r| (r.glob.compile_matcher(), r.clone()))
            .collect();
        HeaderRules { rules }
    }

    /// For each header, the first rule that matches `path` and sets it, else the default.
    pub fn for_path(&self, path: &str) -> ObjectHeaders {
        let matching = || {
            self.rules
                .iter()
                .filter(|(m, _)| m.is_match(path))
                .map(|(_, r)| r)
        };
        let content_type = matching()
            .find_map(|r| r.content_type.clone())
            .unwrap_or_else(|| content_type(path));
        let cache_control = matching()
            .find_map(|r| r.cache_control.clone())
            .unwrap_or_else(|| cache_control(path, &content_type).to_string());
        ObjectHeaders {
            content_type,
            cache_control,
        }
    }
}

fn cache_control(path: &str, content_type: &str) -> &'static str {
    let short = [
        "text/html",
        "text/plain",
        "application/json",
        "application/xml",
    ]
    .iter()
    .any(|t| content_type.starts_with(t))
        || content_type.contains("+xml") && !content_type.starts_with("image/")
        || path.ends_with(".xml");
    if short {
        SHORT
    } else if is_hashed(path) {
        IMMUTABLE
    } else {
        ASSET
    }
}

/// True when a part of the file name looks like a content hash: 8 or more hex digits,
/// at least one of them a digit (`app.3f9a2c1b.css`, `main-a1b2c3d4e5.js`).
fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.split(['.', '-', '_']).any(|part| {
        part.len() >= 8
            && part.bytes().all(|b| b.is_ascii_hexdigit())
            && part.bytes().any(|b| b.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(glob: &str, cache: Option<&str>, kind: Option<&str>) -> HeaderRule {
        HeaderRule {
            glob: globset::Glob::new(glob).unwrap(),
            cache_control: cache.map(str::to_string),
            content_type: kind.map(str::to_string),
        }
    }

    #[test]
    fn defaults_by_kind_of_file() {
        let rules = HeaderRules::new(&[]);
        let page = rules.for_path("glossary/donbas/index.html");
        assert_eq!(page.content_type, "text/html; charset=utf-8");
        assert_eq!(page.cache_control, SHORT);
        assert_eq!(rules.for_path("atom.xml").cache_control, SHORT);
        assert_eq!(rules.for_path("search.json").cache_control, SHORT);
        let css = rules.for_path("style.css");
        assert_eq!(css.content_type, "text/css; charset=utf-8");
        assert_eq!(css.cache_control, ASSET);
        assert_eq!(rules.for_path("app.3f9a2c1b.js").cache_control, IMMUTABLE);
        let image = rules.for_path("images/map.png");
        assert_eq!(
            (image.content_type.as_str(), image.cache_control.as_str()),
            ("image/png", ASSET)
        );
        assert_eq!(
            rules.for_path("CNAME").content_type,
            "application/octet-stream"
        );
        assert_eq!(
            rules.for_path("logo.svg").content_type,
            "image/svg+xml; charset=utf-8"
        );
    }

    #[test]
    fn first_matching_rule_wins_per_header() {
        let rules = HeaderRules::new(&[
            rule("fonts/**", Some("public, max-age=604800"), None),
            rule("*.css", Some("no-cache"), Some("text/css")),
            rule("*", Some("never used for css"), None),
        ]);
        assert_eq!(rules.for_path("a/b/style.css").cache_control, "no-cache");
        assert_eq!(rules.for_path("a/b/style.css").content_type, "text/css");
        let font = rules.for_path("fonts/x.woff2");
        assert_eq!(font.cache_control, "public, max-age=604800");
        assert_eq!(font.content_type, "font/woff2");
        assert_eq!(
            rules.for_path("index.html").cache_control,
            "never used for css"
        );
    }

    #[test]
    fn only_hex_runs_with_a_digit_count_as_hashes() {
        assert!(is_hashed("assets/main-a1b2c3d4e5.js"));
        assert!(
            !is_hashed("assets/deadbeefcafe.js"),
            "no digit: a word, not a hash"
        );
        assert!(!is_hashed("1234567.js"), "too short");
        assert!(!is_hashed("facade.css"));
        assert!(!is_hashed("2025/index.html"));
    }
}
