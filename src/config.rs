//! Parse stage, for settings: the text of `site.toml` → [`Config`], checked once.
//!
//! Parse raw (serde, unknown keys refused), validate once, then every later stage reads
//! the checked `Config`. Never touches the file system itself: the caller passes the text.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::diagnostics::{Diagnostic, from_toml_error};
use crate::layout::CONFIG_FILE;

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
    /// Who publishes the site, for structured data and the feed (default: the title).
    pub publisher: Publisher,
    /// The `lang` of every page (default `en`).
    pub language: String,
    /// Where `lede build` writes, relative to the site root (default `public`).
    #[serde(skip)]
    pub output_dir: PathBuf,
    pub markdown: MarkdownOptions,
    pub glossary: GlossaryOptions,
    pub search: SearchOptions,
    pub sources: SourcesOptions,
    /// `[timeline]`: the page that merges every page's `[[events]]`.
    pub timeline: GeneratedPage,
    /// `[quotes]`: the page that lists every attributed quote by speaker.
    pub quotes: GeneratedPage,
    /// `[updates]`: the "What's changed" page listing every update and correction.
    pub updates: GeneratedPage,
    /// The navigation menus as written in `[nav]` (checked against the pages later).
    pub nav: NavConfig,
    /// Free-form settings passed to templates as `site.extra`.
    pub extra: toml::Table,
    /// Where `lede deploy` publishes (`[[deploy]]` tables); never shown to templates.
    #[serde(skip)]
    pub deploy: Vec<DeployTarget>,
}

/// One `[[deploy]]` table: a place `lede deploy` publishes the output folder to.
/// Credentials are never here: they come from the provider's environment variables and files.
#[derive(Debug, Clone)]
pub struct DeployTarget {
    /// The name `lede deploy --target NAME` picks it by.
    pub name: String,
    /// `s3://bucket/prefix?region=...`, `gs://bucket/prefix`, `az://container/prefix`, or
    /// `file:///absolute/folder`; only the query keys in [`DEPLOY_URL_OPTIONS`].
    pub url: url::Url,
    /// `[[deploy.headers]]`: header rules by glob over output paths, the first match wins.
    pub headers: Vec<HeaderRule>,
    /// The line of `name` in site.toml, for messages about this target.
    pub line: usize,
}

/// A `[[deploy.headers]]` rule: headers for the output files whose path matches `glob`.
#[derive(Debug, Clone)]
pub struct HeaderRule {
    /// Matched against paths relative to the output folder (`glossary/donbas/index.html`);
    /// `*` also matches `/`.
    pub glob: globset::Glob,
    pub cache_control: Option<String>,
    pub content_type: Option<String>,
}

/// The query keys a deploy URL may carry. Anything else (a secret above all) is refused.
pub const DEPLOY_URL_OPTIONS: &[&str] = &["region", "endpoint", "allow_http"];
const DEPLOY_SCHEMES: &[&str] = &["s3", "gs", "az", "file"];
/// The organisation that publishes the site (`[publisher]`, or `publisher = "Name"`).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Publisher {
    pub name: String,
    /// Its home page.
    pub url: Option<String>,
    /// Its logo: a path in `static/` (`/logo.png`) or a URL.
    pub logo: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawPublisher {
    Name(String),
    Table(Publisher),
}

/// The `[nav]` table: the menus, each a list of content files.
#[derive(Debug, Clone, Serialize, Default)]
pub struct NavConfig {
    pub main: Vec<NavEntry>,
    pub footer: Vec<NavEntry>,
}

/// One `[nav]` entry: a content file (`meeting.md`), maybe with a shorter title.
#[derive(Debug, Clone, Serialize)]
pub struct NavEntry {
    /// The file, relative to `content/`.
    pub page: String,
    pub title: Option<String>,
    /// Where the entry is in `site.toml` (1-based), for messages.
    pub line: usize,
    pub col: usize,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawNav {
    #[serde(default)]
    main: Vec<RawNavEntry>,
    #[serde(default)]
    footer: Vec<RawNavEntry>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawNavEntry {
    Page(String),
    Titled { page: String, title: Option<String> },
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

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SourcesOptions {
    /// The content folder whose pages are sources: one file per source, its stem the key
    /// that `[^key]` cites.
    pub dir: String,
    /// `"paragraph"`: every paragraph of a page that is not a glossary term or a source
    /// must cite something (`lede check` warns at each one that does not).
    pub require: Require,
}

impl Default for SourcesOptions {
    fn default() -> Self {
        SourcesOptions {
            dir: "sources".into(),
            require: Require::Off,
        }
    }
}

/// A page lede makes from what every page says (`[timeline]`, `[quotes]`, `[updates]`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct GeneratedPage {
    /// Where it is published, relative to the base URL: `timeline/`.
    pub path: String,
    /// Its title, unless a content file at that path gives one.
    pub title: String,
}

impl GeneratedPage {
    fn new(path: &str, title: &str) -> Self {
        GeneratedPage {
            path: path.into(),
            title: title.into(),
        }
    }

    /// The content key of the page at `path` (`timeline/` → `timeline.md`).
    pub fn key(&self) -> String {
        format!("{}.md", self.path.trim_matches('/'))
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawGenerated {
    path: Option<String>,
    title: Option<String>,
}

impl RawGenerated {
    fn checked(
        self,
        table: &str,
        default: GeneratedPage,
        text: &str,
    ) -> Result<GeneratedPage, Diagnostic> {
        let path = self.path.unwrap_or(default.path.clone());
        let trimmed = path.trim_matches('/');
        let bad = trimmed.is_empty()
            || trimmed
                .split('/')
                .any(|part| part.is_empty() || part.starts_with('.'))
            || trimmed.contains(['\\', '?', '#', ':'])
            || trimmed.chars().any(char::is_whitespace);
        if bad {
            return Err(locate(
                Diagnostic::error(
                    Path::new(CONFIG_FILE),
                    format!("`{table}.path = {path:?}` is not a page path"),
                ),
                text,
                "path",
            )
            .with_help(format!(
                "write a folder-like path such as `path = \"{}\"`",
                default.path
            )));
        }
        Ok(GeneratedPage {
            path: format!("{trimmed}/"),
            title: self
                .title
                .filter(|t| !t.trim().is_empty())
                .unwrap_or(default.title),
        })
    }
}

/// How much of a page must cite a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Require {
    #[default]
    Off,
    Paragraph,
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
    publisher: Option<RawPublisher>,
    language: Option<String>,
    output_dir: Option<String>,
    #[serde(default)]
    nav: RawNav,
    #[serde(default)]
    markdown: MarkdownOptions,
    #[serde(default)]
    glossary: GlossaryOptions,
    #[serde(default)]
    search: SearchOptions,
    #[serde(default)]
    sources: SourcesOptions,
    #[serde(default)]
    extra: toml::Table,
    #[serde(default)]
    deploy: Vec<RawDeploy>,
    #[serde(default)]
    timeline: RawGenerated,
    #[serde(default)]
    quotes: RawGenerated,
    #[serde(default)]
    updates: RawGenerated,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeploy {
    name: Spanned<String>,
    url: Spanned<String>,
    #[serde(default)]
    headers: Vec<RawHeaderRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeaderRule {
    glob: Spanned<String>,
    cache_control: Option<String>,
    content_type: Option<String>,
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
    "sources",
    "require",
    "nav",
    "extra",
    "main",
    "footer",
    "page",
    "name",
    "url",
    "logo",
    "raw_html",
    "smart_punctuation",
    "dir",
    "auto_link",
    "enabled",
    "deploy",
    "name",
    "url",
    "headers",
    "glob",
    "cache_control",
    "content_type",
    "timeline",
    "quotes",
    "updates",
    "path",
];

impl Config {
    /// Parses and checks the text of `site.toml`.
    pub fn parse(text: &str) -> Result<Config, Diagnostic> {
        let path = Path::new(CONFIG_FILE);
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut raw: RawConfig = toml::from_str(text)
            .map_err(|e| from_toml_error(path, text, 0, &e, "site.toml", KEYS))?;
        let missing = |key: &str| {
            Diagnostic::error(path, format!("site.toml has no `{key}`"))
                .with_help(format!("add a line such as `{key} = \"...\"`"))
        };
        let title = raw.title.take().ok_or_else(|| missing("title"))?;
        let base_url = normalize_base_url(raw.base_url.as_deref().unwrap_or("/"))
            .map_err(|why| locate(Diagnostic::error(path, why), text, "base_url"))?;
        let (glossary_dir, sources_dir) = content_dirs(&raw, text)?;
        let deploy = deploy_targets(raw.deploy, text)?;
        let (timeline, quotes, updates) =
            generated_pages([raw.timeline, raw.quotes, raw.updates], text)?;
        let publisher = match raw.publisher {
            Some(RawPublisher::Table(p)) => p,
            Some(RawPublisher::Name(name)) => Publisher {
                name,
                ..Publisher::default()
            },
            None => Publisher {
                name: title.clone(),
                ..Publisher::default()
            },
        };
        let nav = NavConfig {
            main: nav_entries(text, "main", raw.nav.main),
            footer: nav_entries(text, "footer", raw.nav.footer),
        };
        Ok(Config {
            timeline,
            quotes,
            updates,
            deploy,
            publisher,
            nav,
            title,
            base_path: base_path(&base_url),
            base_url,
            description: raw.description.unwrap_or_default(),
            language: raw.language.unwrap_or_else(|| "en".into()),
            output_dir: PathBuf::from(
                raw.output_dir
                    .unwrap_or_else(|| crate::urls::OUTPUT_DIR.into()),
            ),
            markdown: raw.markdown,
            glossary: GlossaryOptions {
                dir: glossary_dir,
                ..raw.glossary
            },
            search: raw.search,
            sources: SourcesOptions {
                dir: sources_dir,
                ..raw.sources
            },
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
        crate::urls::permalink(&self.base_url, site_path)
    }
}

/// `[glossary] dir` and `[sources] dir`: folders inside content/, and not the same one.
fn content_dirs(raw: &RawConfig, text: &str) -> Result<(String, String), Diagnostic> {
    let path = Path::new(CONFIG_FILE);
    let sources_dir = raw.sources.dir.trim_matches('/').to_string();
    if sources_dir.is_empty()
        || sources_dir.contains("..")
        || sources_dir == raw.glossary.dir.trim_matches('/')
    {
        return Err(locate(
            Diagnostic::error(
                path,
                "`sources.dir` must name a folder inside content/, other than the glossary's",
            ),
            text,
            "dir",
        ));
    }
    let glossary_dir = raw.glossary.dir.trim_matches('/').to_string();
    if glossary_dir.is_empty() || glossary_dir.contains("..") {
        return Err(locate(
            Diagnostic::error(path, "`glossary.dir` must name a folder inside content/"),
            text,
            "dir",
        ));
    }
    Ok((glossary_dir, sources_dir))
}

/// The timeline, quotes and "What's changed" pages, each at a path of its own.
fn generated_pages(
    [timeline, quotes, updates]: [RawGenerated; 3],
    text: &str,
) -> Result<(GeneratedPage, GeneratedPage, GeneratedPage), Diagnostic> {
    let path = Path::new(CONFIG_FILE);
    let timeline = timeline.checked(
        "timeline",
        GeneratedPage::new("timeline/", "Timeline"),
        text,
    )?;
    let quotes = quotes.checked(
        "quotes",
        GeneratedPage::new("quotes/", "Who said what"),
        text,
    )?;
    let updates_page = updates.checked(
        "updates",
        GeneratedPage::new("changes/", "What’s changed"),
        text,
    )?;
    let updates = updates_page;
    let same = [
        ("timeline", "quotes", &timeline, &quotes),
        ("timeline", "updates", &timeline, &updates),
        ("quotes", "updates", &quotes, &updates),
    ];
    if let Some((a, b, page, _)) = same.iter().find(|(_, _, x, y)| x.key() == y.key()) {
        return Err(locate(
            Diagnostic::error(
                path,
                format!("`[{a}]` and `[{b}]` are both published at `{}`", page.path),
            ),
            text,
            "path",
        )
        .with_help(format!("give `[{b}] path` a path of its own")));
    }
    Ok((timeline, quotes, updates))
}

/// Checks the `[[deploy]]` tables: unique names, a known URL scheme, no secrets, valid globs.
fn deploy_targets(raw: Vec<RawDeploy>, text: &str) -> Result<Vec<DeployTarget>, Diagnostic> {
    let error = |message: String, span: std::ops::Range<usize>| {
        Diagnostic::error(CONFIG_FILE, message).at(text, span.start, span.len())
    };
    let mut targets: Vec<DeployTarget> = Vec::new();
    for d in raw {
        let name = d.name.get_ref().trim();
        if name.is_empty() || targets.iter().any(|t| t.name == name) {
            let why = format!("deploy target name `{name}` is empty or used twice");
            return Err(
                error(why, d.name.span()).with_help("give every [[deploy]] table its own `name`")
            );
        }
        let url = deploy_url(d.url.get_ref()).map_err(|(why, help)| {
            // Located without the source line: a URL may hold a secret by mistake.
            let at = crate::diagnostics::Position::of(text, d.url.span().start);
            Diagnostic::error(CONFIG_FILE, format!("deploy target `{name}`: {why}"))
                .at_line_col(at.line, at.col)
                .with_help(help)
        })?;
        let headers = d
            .headers
            .into_iter()
            .map(|h| header_rule(h, text))
            .collect::<Result<_, _>>()?;
        let line = crate::diagnostics::Position::of(text, d.name.span().start).line;
        targets.push(DeployTarget {
            name: name.to_string(),
            url,
            headers,
            line,
        });
    }
    Ok(targets)
}

fn header_rule(raw: RawHeaderRule, text: &str) -> Result<HeaderRule, Diagnostic> {
    let glob = globset::Glob::new(raw.glob.get_ref()).map_err(|e| {
        let span = raw.glob.span();
        Diagnostic::error(
            CONFIG_FILE,
            format!("invalid glob in [[deploy.headers]]: {e}"),
        )
        .at(text, span.start, span.len())
        .with_help("write a glob such as `*.css` or `images/**`")
    })?;
    Ok(HeaderRule {
        glob,
        cache_control: raw.cache_control,
        content_type: raw.content_type,
    })
}

/// Parses a deploy URL. Error messages never repeat the URL: it could hold a secret.
fn deploy_url(text: &str) -> Result<url::Url, (String, String)> {
    let example = "e.g. `s3://bucket/prefix?region=eu-west-1`, `gs://bucket`, `file:///srv/site`";
    let fail = |why: &str| Err((why.to_string(), example.to_string()));
    let Ok(url) = url::Url::parse(text.trim()) else {
        return fail("`url` is not a URL");
    };
    if !DEPLOY_SCHEMES.contains(&url.scheme()) {
        let why = format!("unknown URL scheme `{}:`", url.scheme());
        return Err((
            why,
            format!("use s3://, gs://, az:// or file://, {example}"),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err((
            "the URL holds credentials".into(),
            "remove them: credentials come from the provider's environment variables and files"
                .into(),
        ));
    }
    if let Some((key, _)) = url
        .query_pairs()
        .find(|(k, _)| !DEPLOY_URL_OPTIONS.contains(&&**k))
    {
        let allowed = DEPLOY_URL_OPTIONS.join("`, `");
        let why = format!("unknown URL option `{key}`");
        return Err((
            why,
            format!("allowed: `{allowed}`; credentials go in the environment"),
        ));
    }
    let folder = url.scheme() == "file";
    if folder && (url.host().is_some() || url.path().len() < 2) {
        return fail("a file:// URL needs an absolute folder: `file:///srv/site`");
    }
    if !folder && url.host_str().is_none_or(str::is_empty) {
        return fail("the URL names no bucket");
    }
    Ok(url)
}

/// The entries of a `[nav]` menu, each with the place of its file name in `site.toml`.
fn nav_entries(text: &str, key: &str, raw: Vec<RawNavEntry>) -> Vec<NavEntry> {
    let nav_at = text.find("[nav]").unwrap_or(0);
    let key_at = text.get(nav_at..).and_then(|rest| rest.find(key));
    let mut from = key_at.map_or(nav_at, |i| nav_at + i);
    raw.into_iter()
        .map(|entry| {
            let (page, title) = match entry {
                RawNavEntry::Page(page) => (page, None),
                RawNavEntry::Titled { page, title } => (page, title),
            };
            let quoted = format!("\"{page}\"");
            let at = text
                .get(from..)
                .and_then(|rest| rest.find(&quoted))
                .map_or(nav_at, |i| from + i);
            from = at + 1;
            let pos = crate::diagnostics::Position::of(text, at);
            NavEntry {
                page,
                title,
                line: pos.line,
                col: pos.col,
            }
        })
        .collect()
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
    if url.starts_with("//") {
        return Err(format!(
            "base_url `{url}` has no scheme: browsers would read `{url}` as another host; write `https:{url}` or a path such as `/explainer/`"
        ));
    }
    let path = match url.split_once("://") {
        Some((_, host_and_path)) => {
            if host_and_path.is_empty() || host_and_path.starts_with('/') {
                return Err(format!(
                    "base_url `{url}` has no host name, e.g. `https://example.org/`"
                ));
            }
            host_and_path
                .find('/')
                .and_then(|i| host_and_path.get(i..))
                .unwrap_or("/")
        }
        None => url,
    };
    if path.contains("//") || url.contains('\\') {
        return Err(format!(
            "base_url `{url}` has an empty path segment (`//`) or a backslash; write it like `https://example.org/explainer/`"
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
    fn base_urls_that_would_mislead_browsers_are_refused() {
        for bad in [
            "//evil.example/",
            "https:///x/",
            "https://",
            "/a//b/",
            "/a\\b/",
        ] {
            assert!(normalize_base_url(bad).is_err(), "{bad}");
        }
        for good in ["/", "/explainer/", "https://x.org", "https://x.org/a/b/"] {
            assert!(normalize_base_url(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn generated_pages_have_paths_of_their_own() {
        let c = Config::parse("title = \"T\"").unwrap();
        assert_eq!(
            (c.timeline.key(), c.quotes.key(), c.updates.key()),
            (
                "timeline.md".into(),
                "quotes.md".into(),
                "changes.md".into()
            )
        );
        let c = Config::parse("title = \"T\"\n[timeline]\npath = \"/story/chronology\"").unwrap();
        assert_eq!(c.timeline.path, "story/chronology/");
        let err = Config::parse("title = \"T\"\n[timeline]\npath = \"a/\"\n[quotes]\npath = \"a\"")
            .unwrap_err();
        assert!(
            err.message.contains("`[timeline]` and `[quotes]`"),
            "{}",
            err.message
        );
        for bad in ["\"\"", "\"../x\"", "\"a b\"", "\"a//b\"", "\".hidden\""] {
            let text = format!("title = \"T\"\n[quotes]\npath = {bad}");
            assert!(Config::parse(&text).is_err(), "{bad}");
        }
        assert!(Config::parse("title = \"T\"\n[quotes]\npaht = \"q/\"").is_err());
    }

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
    fn unknown_values_and_missing_values_are_named() {
        let err = Config::parse("title = \"T\"\n[glossary]\nauto_link = \"frist\"\n").unwrap_err();
        assert_eq!(err.message, "unknown value `frist` in the site.toml");
        assert_eq!(err.help.as_deref(), Some("did you mean `first`?"));
        assert_eq!(err.line, 3);
        let err = Config::parse("title = \"T\"\nlanguage =\n").unwrap_err();
        assert_eq!(err.message, "`language` has no value in the site.toml");
        assert_eq!(err.line, 2);
    }

    #[test]
    fn nav_entries_remember_their_line() {
        let c = Config::parse(
            "title = \"T\"\n[nav]\nmain = [\"a.md\",\n  { page = \"b.md\", title = \"B\" }]\nfooter = [\"a.md\"]\n",
        )
        .unwrap();
        let at: Vec<(&str, usize)> = c
            .nav
            .main
            .iter()
            .map(|e| (e.page.as_str(), e.line))
            .collect();
        assert_eq!(at, [("a.md", 3), ("b.md", 4)]);
        assert_eq!(c.nav.main[1].title.as_deref(), Some("B"));
        assert_eq!(c.nav.footer[0].line, 5);
    }

    #[test]
    fn bad_base_url_is_located() {
        let err = Config::parse("title = \"T\"\nbase_url = \"ftp://x\"\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("ftp://x"));
    }

    const DEPLOY: &str = "title = \"T\"\n\n[[deploy]]\nname = \"production\"\n";

    fn deploy_error(rest: &str) -> Diagnostic {
        Config::parse(&format!("{DEPLOY}{rest}")).unwrap_err()
    }

    #[test]
    fn deploy_targets_with_header_rules() {
        let text = format!(
            "{DEPLOY}url = \"s3://b/p?region=eu-west-1\"\n[[deploy.headers]]\nglob = \"*.css\"\ncache_control = \"no-cache\"\n\n[[deploy]]\nname = \"copy\"\nurl = \"file:///srv/site\"\n"
        );
        let c = Config::parse(&text).unwrap();
        assert_eq!(c.deploy.len(), 2);
        assert_eq!(
            (c.deploy[0].name.as_str(), c.deploy[0].line),
            ("production", 4)
        );
        assert_eq!(c.deploy[0].url.host_str(), Some("b"));
        assert_eq!(
            c.deploy[0].headers[0].cache_control.as_deref(),
            Some("no-cache")
        );
        assert_eq!(c.deploy[1].url.path(), "/srv/site");
    }

    #[test]
    fn deploy_errors_name_the_line_and_never_repeat_secrets() {
        let err = deploy_error("url = \"ftp://b/p\"\n");
        assert_eq!(err.line, 5);
        assert!(
            err.message.contains("unknown URL scheme `ftp:`"),
            "{}",
            err.message
        );
        let err = deploy_error("url = \"s3://b/p?secret_access_key=hunter22\"\n");
        assert_eq!(err.line, 5);
        assert!(
            err.message.contains("`secret_access_key`"),
            "{}",
            err.message
        );
        assert!(!err.to_string().contains("hunter22"), "{err}");
        let err = deploy_error("url = \"s3://AKID:hunter22@b/p\"\n");
        assert!(err.message.contains("holds credentials"), "{}", err.message);
        assert!(!format!("{err}{:?}", err.help).contains("hunter22"));
        let err = deploy_error("url = \"s3://b\"\ncache_contrl = \"x\"\n");
        assert_eq!(err.line, 6);
        assert_eq!(err.help.as_deref(), Some("did you mean `cache_control`?"));
        let err = deploy_error("url = \"s3://b\"\n[[deploy.headers]]\nglob = \"a/[\"\n");
        assert_eq!(err.line, 7);
        assert!(err.message.contains("invalid glob"), "{}", err.message);
        let err = deploy_error("url = \"file://relative/dir\"\n");
        assert!(err.message.contains("absolute folder"), "{}", err.message);
    }
}
