//! Load stage, part one: `site.toml` → [`Config`].
//!
//! Parse raw (serde, unknown keys refused), validate once, then every later stage reads
//! the checked `Config`. Never touches the file system itself: the caller passes the text.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, from_toml_error};

/// The site's settings, from `site.toml`, checked.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// The site's name, shown in titles and the navigation.
    pub title: String,
    /// Where the site is published, always ending in `/`: `https://example.org/explainer/`,
    /// or just `/` for a site that only uses root-relative links.
    pub base_url: String,
    /// The path part of `base_url` (`/explainer/`): every internal link starts with it.
    pub base_path: String,
    pub description: String,
    /// Who publishes the site, for structured data (default: the title).
    pub publisher: String,
    /// The `lang` of every page (default `en`).
    pub language: String,
    /// Where `lede build` writes, relative to the site root (default `public`).
    #[serde(skip)]
    pub output_dir: PathBuf,
    pub markdown: MarkdownOptions,
    pub glossary: GlossaryOptions,
    pub search: SearchOptions,
    /// Free-form settings passed to templates as `site.extra`.
    pub extra: toml::Table,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarkdownOptions {
    /// Pass raw HTML in Markdown through (authors are trusted); `false` escapes it.
    pub raw_html: bool,
    /// Curly quotes, dashes and ellipses.
    pub smart_punctuation: bool,
}

impl Default for MarkdownOptions {
    fn default() -> Self {
        MarkdownOptions {
            raw_html: true,
            smart_punctuation: true,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GlossaryOptions {
    /// The content folder whose pages are glossary terms.
    pub dir: String,
    /// Which mentions of a term become links.
    pub auto_link: AutoLink,
}

impl Default for GlossaryOptions {
    fn default() -> Self {
        GlossaryOptions {
            dir: "glossary".into(),
            auto_link: AutoLink::First,
        }
    }
}

/// `[search]`: the search index `lede build` writes into `pagefind/`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchOptions {
    /// Index every page for the search box; `false` writes no index and no trace of one.
    pub enabled: bool,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions { enabled: true }
    }
}

/// Which plain-text mentions of glossary terms are linked on a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AutoLink {
    /// The first mention of each term on the page.
    #[default]
    First,
    /// Every mention.
    All,
    /// None (explicit links and `[[wikilinks]]` still work).
    Off,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: Option<String>,
    base_url: Option<String>,
    description: Option<String>,
    publisher: Option<String>,
    language: Option<String>,
    output_dir: Option<String>,
    #[serde(default)]
    markdown: MarkdownOptions,
    #[serde(default)]
    glossary: GlossaryOptions,
    #[serde(default)]
    search: SearchOptions,
    #[serde(default)]
    extra: toml::Table,
}

const KEYS: &[&str] = &[
    "title",
    "base_url",
    "description",
    "publisher",
    "language",
    "output_dir",
    "markdown",
    "glossary",
    "search",
    "extra",
    "raw_html",
    "smart_punctuation",
    "dir",
    "auto_link",
    "enabled",
];

pub const CONFIG_FILE: &str = "site.toml";

impl Config {
    /// Parses and checks the text of `site.toml`.
    pub fn parse(text: &str) -> Result<Config, Diagnostic> {
        let path = Path::new(CONFIG_FILE);
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let raw: RawConfig = toml::from_str(text)
            .map_err(|e| from_toml_error(path, text, 0, &e, "site.toml", KEYS))?;
        let missing = |key: &str| {
            Diagnostic::error(path, format!("site.toml has no `{key}`"))
                .with_help(format!("add a line such as `{key} = \"...\"`"))
        };
        let title = raw.title.ok_or_else(|| missing("title"))?;
        let base_url = normalize_base_url(raw.base_url.as_deref().unwrap_or("/"))
            .map_err(|why| locate(Diagnostic::error(path, why), text, "base_url"))?;
        let glossary_dir = raw.glossary.dir.trim_matches('/').to_string();
        if glossary_dir.is_empty() || glossary_dir.contains("..") {
            return Err(locate(
                Diagnostic::error(path, "`glossary.dir` must name a folder inside content/"),
                text,
                "dir",
            ));
        }
        Ok(Config {
            publisher: raw.publisher.unwrap_or_else(|| title.clone()),
            title,
            base_path: base_path(&base_url),
            base_url,
            description: raw.description.unwrap_or_default(),
            language: raw.language.unwrap_or_else(|| "en".into()),
            output_dir: PathBuf::from(raw.output_dir.unwrap_or_else(|| "public".into())),
            markdown: raw.markdown,
            glossary: GlossaryOptions {
                dir: glossary_dir,
                ..raw.glossary
            },
            search: raw.search,
            extra: raw.extra,
        })
    }

    /// Replaces the base URL (the `--base-url` flag, or serve's own address).
    pub fn set_base_url(&mut self, url: &str) -> Result<(), String> {
        self.base_url = normalize_base_url(url)?;
        self.base_path = base_path(&self.base_url);
        Ok(())
    }

    /// True when `base_url` names a host, so full URLs (sitemap, feed, canonical) can be made.
    pub fn has_host(&self) -> bool {
        self.base_url.contains("://")
    }

    /// The full URL of a site path such as `meeting/` (for canonical links, feeds, sitemaps).
    pub fn permalink(&self, site_path: &str) -> String {
        format!("{}{}", self.base_url, site_path)
    }
}

/// Points a diagnostic at the line of `key` in the file, when it is there.
fn locate(diagnostic: Diagnostic, text: &str, key: &str) -> Diagnostic {
    match text.lines().position(|l| l.trim_start().starts_with(key)) {
        Some(i) => {
            let offset: usize = text.split_inclusive('\n').take(i).map(str::len).sum();
            diagnostic.at(text, offset, key.len())
        }
        None => diagnostic,
    }
}

/// Accepts `http(s)://host/path` or a root path `/path`; always ends in `/`.
fn normalize_base_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    let ok = url.starts_with('/') || url.starts_with("http://") || url.starts_with("https://");
    if !ok || url.contains(char::is_whitespace) || url.contains(['?', '#']) {
        return Err(format!(
            "base_url `{url}` is not an http(s) URL or a path starting with `/`, e.g. `https://example.org/explainer/`"
        ));
    }
    Ok(if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    })
}

fn base_path(base_url: &str) -> String {
    match base_url.split_once("://") {
        Some((_, rest)) => match rest.find('/') {
            Some(i) => rest[i..].to_string(),
            None => "/".into(),
        },
        None => base_url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_base_path() {
        let c = Config::parse("title = \"T\"\nbase_url = \"https://x.org/explainer\"").unwrap();
        assert_eq!(c.base_url, "https://x.org/explainer/");
        assert_eq!(c.base_path, "/explainer/");
        assert_eq!(c.language, "en");
        assert_eq!(c.output_dir, PathBuf::from("public"));
        assert_eq!(c.glossary.auto_link, AutoLink::First);
        assert!(c.markdown.raw_html);
        assert!(c.search.enabled);
        assert_eq!(c.permalink("meeting/"), "https://x.org/explainer/meeting/");
    }

    #[test]
    fn unknown_key_suggests_the_right_one() {
        let err = Config::parse("title = \"T\"\ndescriptoin = \"x\"\n").unwrap_err();
        assert_eq!(err.message, "unknown site.toml key `descriptoin`");
        assert_eq!((err.line, err.col), (2, 1));
        assert_eq!(err.help.as_deref(), Some("did you mean `description`?"));
    }

    #[test]
    fn bad_base_url_is_located() {
        let err = Config::parse("title = \"T\"\nbase_url = \"ftp://x\"\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("ftp://x"));
    }
}
