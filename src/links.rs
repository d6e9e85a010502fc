//! Link stage: each page's path (from its file, section and front matter), the menus, and
//! the resolution of links between pages. How a path becomes a URL or an output file is
//! [`crate::urls`]'s business.
//!
//! Assigns each page its site path (`glossary/donbas/`) from its file path and `slug`,
//! finds each page's section, refuses collisions, and resolves the links authors write
//! (`../meeting.md#three-pillars`) to those URLs. Pure: never touches the file system.
// Input from files reaches every line here: no panicking index, slice or unwrap (issue 13).
#![deny(
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::collections::HashMap;

use crate::content::{Page, PageKind};
use crate::diagnostics::Diagnostic;
use crate::ids::PageId;
use crate::urls::{self, GENERATED_FILES};

/// Makes a URL segment: lowercase ASCII letters, digits and hyphens (`Luhansk Oblast` →
/// `luhansk-oblast`, `Донбас` → `donbas`). May be empty (`!!!`).
pub fn slugify(text: &str) -> String {
    slug::slugify(text)
}

/// Gives every page its site path and section; reports URL collisions and empty slugs.
pub fn assign_paths(pages: &mut [Page]) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let section_slugs: HashMap<String, Option<String>> = pages
        .iter()
        .filter(|p| p.kind == PageKind::Section)
        .map(|p| (p.dir().to_string(), p.meta.slug.clone()))
        .collect();
    let sections: HashMap<String, usize> = pages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.kind == PageKind::Section)
        .map(|(i, p)| (p.dir().to_string(), i))
        .collect();

    for page in pages.iter_mut() {
        let mut path = String::new();
        let dir = page.dir().to_string();
        let mut so_far = String::new();
        for component in dir.split('/').filter(|c| !c.is_empty()) {
            if !so_far.is_empty() {
                so_far.push('/');
            }
            so_far.push_str(component);
            let name = section_slugs.get(&so_far).cloned().flatten();
            path.push_str(&slugify(name.as_deref().unwrap_or(component)));
            path.push('/');
        }
        if page.kind != PageKind::Section {
            let own = slugify(page.meta.slug.as_deref().unwrap_or(page.stem()));
            if own.is_empty() {
                diagnostics.push(
                    Diagnostic::error(&page.path, "the page's URL slug comes out empty")
                        .with_help("name the file with letters or digits, or set `slug = \"...\"`"),
                );
            }
            path.push_str(&own);
            path.push('/');
        }
        if path.contains("//") || path.starts_with('/') {
            diagnostics.push(
                Diagnostic::error(&page.path, "a folder name gives an empty URL segment")
                    .with_help("rename the folder with letters or digits"),
            );
        }
        page.site_path = path;
        page.parent = parent_section(page, &sections);
        let (redirects, problems) = redirects(page);
        page.redirects = redirects;
        diagnostics.extend(problems);
    }
    diagnostics.extend(collisions(pages));
    diagnostics
}

/// The nearest `_index.md` above the page (for a section: above its own folder).
fn parent_section(page: &Page, sections: &HashMap<String, usize>) -> Option<usize> {
    let mut dir = page.dir();
    if page.kind == PageKind::Section {
        if dir.is_empty() {
            return None;
        }
        dir = dir.rsplit_once('/').map_or("", |(d, _)| d);
    }
    loop {
        if let Some(&i) = sections.get(dir) {
            return Some(i);
        }
        if dir.is_empty() {
            return None;
        }
        dir = dir.rsplit_once('/').map_or("", |(d, _)| d);
    }
}

/// The output files for a page's old URLs (`aliases` that start with `/`). On a term, other
/// aliases are names of the term; on any other page, every alias must be a URL.
fn redirects(page: &Page) -> (Vec<String>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for alias in &page.meta.aliases {
        let problem = |why: &str| {
            crate::content::front_matter::located(
                &page.path,
                &page.text,
                "aliases",
                format!("alias `{alias}` {why}"),
            )
            .with_help("aliases of a page are its old URLs, e.g. `aliases = [\"/old/url/\"]`")
        };
        let Some(path) = alias.strip_prefix('/') else {
            if page.kind != PageKind::Term {
                problems.push(problem("is not a URL path starting with `/`"));
            }
            continue;
        };
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        let unsafe_part =
            |p: &&str| *p == "." || *p == ".." || p.contains(['\\', ':', '\0', '?', '#']);
        if parts.is_empty() || parts.iter().any(unsafe_part) {
            problems.push(problem("would not stay inside the site"));
            continue;
        }
        let joined = parts.join("/");
        let is_file = !path.ends_with('/') && parts.last().is_some_and(|l| l.contains('.'));
        files.push(if is_file {
            joined
        } else {
            urls::page_file(&format!("{joined}/"))
        });
    }
    (files, problems)
}

/// Two pages, a page and an alias, or an alias and a generated file that would be written
/// to the same path. Paths are compared ignoring case: a case-insensitive host (macOS,
/// Windows, some buckets) would store `/Old/` and `/old/` as one file.
fn collisions(pages: &[Page]) -> Vec<Diagnostic> {
    let mut seen: HashMap<String, &Page> = HashMap::new();
    let mut diagnostics = Vec::new();
    for page in pages {
        for redirect in &page.redirects {
            if let Some(generated) = GENERATED_FILES
                .iter()
                .find(|g| g.eq_ignore_ascii_case(redirect))
            {
                diagnostics.push(
                    crate::content::front_matter::located(
                        &page.path,
                        &page.text,
                        "aliases",
                        format!(
                            "alias /{redirect} of {} would replace the generated file /{generated}",
                            page.path.display()
                        ),
                    )
                    .with_help("remove the alias: lede writes that file itself"),
                );
                continue;
            }
            let as_page = urls::page_of_file(redirect).unwrap_or(redirect);
            if let Some(first) = seen.insert(as_page.to_lowercase(), page) {
                diagnostics.push(
                    Diagnostic::error(
                        &page.path,
                        format!(
                            "alias /{redirect} of {} is also the URL of {}",
                            page.path.display(),
                            first.path.display()
                        ),
                    )
                    .with_help("remove the alias or change one of the URLs (case does not count)"),
                );
            }
        }
    }
    for page in pages {
        if let Some(first) = seen.insert(page.site_path.to_lowercase(), page) {
            diagnostics.push(
                Diagnostic::error(
                    &page.path,
                    format!(
                        "{} and {} would both be written to /{}",
                        first.path.display(),
                        page.path.display(),
                        page.site_path
                    ),
                )
                .with_help("rename one of the files or give it another `slug`"),
            );
        }
    }
    diagnostics
}

/// A menu item: a page and the name the menu shows for it.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub page: PageId,
    pub title: String,
}

/// The site's menus, resolved to pages.
#[derive(Debug, Clone, Default)]
pub struct Nav {
    pub main: Vec<NavItem>,
    pub footer: Vec<NavItem>,
}

/// Resolves the menus: the `[nav]` entries of `site.toml` in order (each must name a content
/// file: a missing one is an error at its line), then the pages whose front matter says
/// `menu = "main"` or `"footer"`, by weight then title. With neither, the main menu is the
/// home page and the glossary, and the footer the glossary.
pub fn navigation(
    config: &crate::config::NavConfig,
    pages: &[Page],
    glossary_dir: &str,
) -> (Nav, Vec<Diagnostic>) {
    let by_key: HashMap<&str, usize> = pages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.key.as_str(), i))
        .collect();
    let mut problems = Vec::new();
    let mut nav = Nav {
        main: menu(pages, &by_key, "main", &config.main, &mut problems),
        footer: menu(pages, &by_key, "footer", &config.footer, &mut problems),
    };
    let glossary = format!("{glossary_dir}/{}", crate::layout::SECTION_FILE);
    let default = |keys: &[&str]| -> Vec<NavItem> {
        keys.iter()
            .filter_map(|k| by_key.get(k))
            .map(|&page| NavItem {
                page: PageId(page),
                title: menu_title(pages, page),
            })
            .collect()
    };
    if nav.main.is_empty() && config.main.is_empty() {
        nav.main = default(&[crate::layout::SECTION_FILE, &glossary]);
        let home = by_key.get(crate::layout::SECTION_FILE).copied();
        if let Some(item) = nav.main.first_mut().filter(|i| Some(i.page.0) == home) {
            item.title = "Home".into();
        }
    }
    if nav.footer.is_empty() && config.footer.is_empty() {
        nav.footer = default(&[&glossary]);
    }
    (nav, problems)
}

/// The menu `name`: the pages `site.toml` lists, then those whose front matter says
/// `menu = "name"`, by weight then title.
fn menu(
    pages: &[Page],
    by_key: &HashMap<&str, usize>,
    name: &str,
    entries: &[crate::config::NavEntry],
    problems: &mut Vec<Diagnostic>,
) -> Vec<NavItem> {
    let mut items = Vec::new();
    for entry in entries {
        let key = entry.page.trim_start_matches('/');
        match by_key.get(key) {
            Some(&page) => items.push(NavItem {
                page: PageId(page),
                title: (entry.title.clone()).unwrap_or_else(|| menu_title(pages, page)),
            }),
            None => problems.push(missing_nav_entry(name, entry, by_key)),
        }
    }
    let mut listed: Vec<usize> = (pages.iter().enumerate())
        .filter(|(i, p)| {
            p.meta.menu.as_deref() == Some(name) && !items.iter().any(|n| n.page.0 == *i)
        })
        .map(|(i, _)| i)
        .collect();
    listed.sort_by_cached_key(|&i| {
        let m = pages.get(i).map(|p| &p.meta);
        let weight = m.and_then(|m| m.weight);
        (weight.is_none(), weight, m.map(|m| m.title.to_lowercase()))
    });
    items.extend(listed.into_iter().map(|page| NavItem {
        page: PageId(page),
        title: menu_title(pages, page),
    }));
    items
}

/// A page's name in menus: `menu_title`, else its title.
fn menu_title(pages: &[Page], page: usize) -> String {
    pages
        .get(page)
        .map(|p| {
            p.meta
                .menu_title
                .clone()
                .unwrap_or_else(|| p.meta.title.clone())
        })
        .unwrap_or_default()
}

fn missing_nav_entry(
    menu: &str,
    entry: &crate::config::NavEntry,
    by_key: &HashMap<&str, usize>,
) -> Diagnostic {
    let mut keys: Vec<&str> = by_key.keys().copied().collect();
    keys.sort_unstable();
    let help = match crate::diagnostics::did_you_mean(&entry.page, keys) {
        Some(close) => format!("did you mean `{close}`?"),
        None => {
            "name a content file relative to content/, e.g. `meeting.md` or `glossary/_index.md`"
                .into()
        }
    };
    Diagnostic::error(
        crate::layout::CONFIG_FILE,
        format!(
            "`[nav] {menu}` names `{}`, which is not a page in content/",
            entry.page
        ),
    )
    .at_line_col(entry.line, entry.col)
    .with_help(help)
}

/// What a link written in Markdown points to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Another page (index into the page list), maybe at an anchor.
    Page {
        page: PageId,
        anchor: Option<String>,
    },
    /// An anchor on the same page.
    SamePage { anchor: String },
    /// A file of the built site (e.g. `/images/map.png`), as a path from the site root.
    SiteFile { path: String, href: String },
    /// Leave as written (`https://...`, `mailto:`, a relative non-Markdown path).
    External,
    /// A `.md` file that is not in the site.
    Missing { path: String },
    /// `javascript:`, `data:` or `vbscript:`: never emitted as a live link.
    Unsafe { scheme: String },
}

/// Finds pages by the path of their source.
pub struct LinkIndex {
    /// Looked up for every internal link of every page: a fast hasher (foldhash).
    by_key: foldhash::HashMap<String, usize>,
    base_path: String,
    /// Each page's href, computed once.
    hrefs: Vec<String>,
}

impl LinkIndex {
    pub fn new(pages: &[Page], base_path: &str) -> Self {
        let by_key = pages
            .iter()
            .enumerate()
            .map(|(i, p)| (p.key.clone(), i))
            .collect();
        let hrefs = pages
            .iter()
            .map(|p| format!("{base_path}{}", p.site_path))
            .collect();
        LinkIndex {
            by_key,
            base_path: base_path.to_string(),
            hrefs,
        }
    }

    /// The href of the page at `index`: `/explainer/glossary/donbas/`.
    pub fn href(&self, page: PageId) -> &str {
        let index = page.0;
        self.hrefs
            .get(index)
            .map_or(&self.base_path, String::as_str)
    }

    /// The page whose key is closest to a missing `key` (a likely typo), for "did you mean".
    pub fn suggest(&self, key: &str) -> Option<&str> {
        let dir = key.rsplit_once('/').map_or("", |(d, _)| d);
        let mut keys: Vec<&str> = self.by_key.keys().map(String::as_str).collect();
        keys.sort_unstable();
        // A page in the same folder first: `document.md` for `documents.md`.
        let same_dir = keys
            .iter()
            .copied()
            .filter(|k| k.rsplit_once('/').map_or("", |(d, _)| d) == dir);
        crate::diagnostics::did_you_mean(key, same_dir)
            .or_else(|| crate::diagnostics::did_you_mean(key, keys.iter().copied()))
    }

    /// Resolves `dest` as written in the page whose source key is `from`.
    pub fn resolve(&self, from: &str, dest: &str) -> Target {
        let dest = dest.trim();
        if let Some(scheme) = unsafe_scheme(dest) {
            return Target::Unsafe { scheme };
        }
        if let Some(anchor) = dest.strip_prefix('#') {
            return Target::SamePage {
                anchor: anchor.to_string(),
            };
        }
        if has_scheme(dest) || dest.starts_with("//") {
            return Target::External;
        }
        let (path, anchor) = match dest.split_once('#') {
            Some((p, a)) => (p, Some(a.to_string())),
            None => (dest, None),
        };
        let path = path.split('?').next().unwrap_or(path);
        if !path.ends_with(".md") {
            return match path.strip_prefix('/') {
                Some(rest) => {
                    let rest = url_path(rest);
                    // `path` is where `dest` starts: the rest is its query and anchor.
                    let query_anchor = dest.get(path.len()..).unwrap_or_default();
                    Target::SiteFile {
                        href: format!("{}{rest}{query_anchor}", self.base_path),
                        path: rest,
                    }
                }
                None => Target::External,
            };
        }
        let from_dir = from.rsplit_once('/').map_or("", |(d, _)| d);
        let joined = match path.strip_prefix('/') {
            Some(abs) => abs.to_string(),
            None if from_dir.is_empty() => path.to_string(),
            None => format!("{from_dir}/{path}"),
        };
        let Some(key) = normalize(&joined) else {
            return Target::Missing {
                path: path.to_string(),
            };
        };
        let key = percent_decode(&key);
        match self.by_key.get(&key) {
            Some(&page) => Target::Page {
                page: PageId(page),
                anchor,
            },
            None => Target::Missing { path: key },
        }
    }
}

/// Resolves `.` and `..`; `None` if the path climbs out of `content/`.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// Resolves `.` and `..` in a path from the site root as a browser does (`..` stops at the
/// root, `%2e` is a dot), so `/a/../map.png` is `map.png` and never climbs above the base path.
fn url_path(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    let mut out: Vec<&str> = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        let lower = segment.to_ascii_lowercase();
        let dot = lower == "." || lower == "%2e";
        let dots = matches!(lower.as_str(), ".." | ".%2e" | "%2e." | "%2e%2e");
        if dots {
            out.pop();
        }
        if dot || dots {
            if i + 1 == segments.len() {
                out.push("");
            }
        } else {
            out.push(segment);
        }
    }
    out.join("/")
}

/// `%20` and friends in a path, so `my%20page.md` finds `my page.md`.
fn percent_decode(path: &str) -> String {
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
}

fn has_scheme(dest: &str) -> bool {
    dest.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

/// The dangerous scheme of a link, however it is cased or padded (`  JavaScript:`,
/// `java\tscript:` — browsers drop tabs and newlines inside URLs).
pub fn unsafe_scheme(dest: &str) -> Option<String> {
    // Browsers ignore leading spaces and control characters and every tab and newline
    // inside a URL (`jav\tascript:`): compare what they would read, without allocating,
    // as this runs for every link.
    let mut head = ['\0'; 11];
    let read = dest
        .trim_start_matches(|c: char| c.is_whitespace() || c.is_control())
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .map(|c| c.to_ascii_lowercase());
    for (slot, c) in head.iter_mut().zip(read) {
        *slot = c;
    }
    ["javascript:", "data:", "vbscript:"]
        .iter()
        .find(|scheme| scheme.chars().zip(&head).all(|(a, &b)| a == b))
        .map(|s| s.trim_end_matches(':').to_string())
}

/// The children of each section, ordered by weight (pages without one last), then title.
pub fn children(pages: &[Page]) -> Vec<Vec<usize>> {
    let mut children = vec![Vec::new(); pages.len()];
    for (i, page) in pages.iter().enumerate() {
        if let Some(list) = page.parent.and_then(|parent| children.get_mut(parent)) {
            list.push(i);
        }
    }
    for list in &mut children {
        list.sort_by_cached_key(|&i| {
            let m = pages.get(i).map(|p| &p.meta);
            let weight = m.and_then(|m| m.weight);
            (weight.is_none(), weight, m.map(|m| m.title.to_lowercase()))
        });
    }
    children
}

/// Each page's place among the pages (not sections) of its section's list, from 1: what
/// "Part N" says. Sections and pages outside a section have none.
pub fn positions(pages: &[Page], children: &[Vec<usize>]) -> Vec<Option<usize>> {
    let mut positions = vec![None; pages.len()];
    for list in children {
        let listed = list
            .iter()
            .filter(|&&i| pages.get(i).is_some_and(|p| p.kind != PageKind::Section));
        for (n, &i) in listed.enumerate() {
            if let Some(slot) = positions.get_mut(i) {
                *slot = Some(n + 1);
            }
        }
    }
    positions
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_schemes_are_found_as_a_browser_reads_them() {
        for (dest, scheme) in [
            ("javascript:alert(1)", Some("javascript")),
            ("  JaVa\tScRiPt:x", Some("javascript")),
            ("\u{1}\u{7f} data:text/html,x", Some("data")),
            ("dat\na:x", Some("data")),
            ("VBSCRIPT:msgbox", Some("vbscript")),
            ("java script:x", None),
            ("data", None),
            ("javascript", None),
            ("https://example.org/javascript:", None),
            ("../data:x.md", None),
            ("", None),
            ("ǰavascript:x", None),
        ] {
            assert_eq!(unsafe_scheme(dest).as_deref(), scheme, "{dest:?}");
        }
    }

    fn index(keys: &[&str]) -> LinkIndex {
        LinkIndex {
            by_key: keys
                .iter()
                .enumerate()
                .map(|(i, k)| (k.to_string(), i))
                .collect(),
            base_path: "/x/".into(),
            hrefs: Vec::new(),
        }
    }

    #[test]
    fn resolves_relative_markdown_paths() {
        let idx = index(&["meeting.md", "glossary/donbas.md", "my page.md"]);
        assert_eq!(
            idx.resolve("meeting.md", "glossary/donbas.md#history"),
            Target::Page {
                page: PageId(1),
                anchor: Some("history".into())
            }
        );
        assert_eq!(
            idx.resolve("glossary/donbas.md", "../meeting.md"),
            Target::Page {
                page: PageId(0),
                anchor: None
            }
        );
        assert_eq!(
            idx.resolve("a/b.md", "/meeting.md"),
            Target::Page {
                page: PageId(0),
                anchor: None
            }
        );
        assert_eq!(
            idx.resolve("meeting.md", "my%20page.md"),
            Target::Page {
                page: PageId(2),
                anchor: None
            }
        );
        assert!(matches!(
            idx.resolve("meeting.md", "../../etc.md"),
            Target::Missing { .. }
        ));
        assert!(matches!(
            idx.resolve("meeting.md", "nope.md"),
            Target::Missing { .. }
        ));
    }

    #[test]
    fn classifies_other_links() {
        let idx = index(&[]);
        assert_eq!(idx.resolve("a.md", "https://example.org"), Target::External);
        assert_eq!(
            idx.resolve("a.md", "#top"),
            Target::SamePage {
                anchor: "top".into()
            }
        );
        assert_eq!(
            idx.resolve("a.md", "/img/map.png"),
            Target::SiteFile {
                path: "img/map.png".into(),
                href: "/x/img/map.png".into()
            }
        );
        for bad in [
            "javascript:alert(1)",
            " JavaScript:x",
            "DATA:text/html,x",
            "java\tscript:x",
        ] {
            assert!(
                matches!(idx.resolve("a.md", bad), Target::Unsafe { .. }),
                "{bad}"
            );
        }
    }

    #[test]
    fn slugs_are_url_safe() {
        assert_eq!(slugify("Luhansk Oblast"), "luhansk-oblast");
        assert_eq!(slugify("!!!"), "");
        assert_eq!(slugify("Café"), slugify("Cafe\u{301}"));
    }
}
