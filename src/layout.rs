//! The layout of a site's folder: the names of what lede reads, and which part of the site a
//! path belongs to. A leaf: every stage may ask it, it asks no one.

use std::path::Path;

/// The site's settings, at its root.
pub const CONFIG_FILE: &str = "site.toml";
/// The Markdown pages, sections and terms.
pub const CONTENT_DIR: &str = "content";
/// The file of a folder under `content/` that makes it a section.
pub const SECTION_FILE: &str = "_index.md";
/// Files copied to the output as they are.
pub const STATIC_DIR: &str = "static";
/// The Tera templates.
pub const TEMPLATE_DIR: &str = "templates";
/// The folders whose files make the site (watched recursively by `serve`).
pub const SOURCE_DIRS: [&str; 3] = [CONTENT_DIR, TEMPLATE_DIR, STATIC_DIR];

/// A path that may have changed, by the part of the site it is in. Paths are relative to
/// that part and `/`-separated; `""` stands for the whole folder.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Change {
    /// Under `content/`.
    Content(String),
    /// Anything under `templates/` (all templates are read again: they are few).
    Templates,
    /// Under `static/`.
    Static(String),
    /// `site.toml`.
    Config,
    /// Events were lost: look at everything again.
    All,
}

impl Change {
    /// The part of the site `rel` (a path relative to the site's root) is in; `None` for
    /// anything lede does not read (the output folder, other files in the root).
    pub fn of_path(rel: &Path) -> Option<Change> {
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let (area, rest) = parts.split_first()?;
        match area.as_str() {
            CONTENT_DIR => Some(Change::Content(rest.join("/"))),
            TEMPLATE_DIR => Some(Change::Templates),
            STATIC_DIR => Some(Change::Static(rest.join("/"))),
            CONFIG_FILE if rest.is_empty() => Some(Change::Config),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_sorted_into_the_parts_of_the_site() {
        let of = |p: &str| Change::of_path(Path::new(p));
        assert_eq!(of("content/a/b.md"), Some(Change::Content("a/b.md".into())));
        assert_eq!(of("content"), Some(Change::Content(String::new())));
        assert_eq!(of("templates/x/page.html"), Some(Change::Templates));
        assert_eq!(
            of("static/img/a.png"),
            Some(Change::Static("img/a.png".into()))
        );
        assert_eq!(of("site.toml"), Some(Change::Config));
        assert_eq!(of("site.toml/x"), None);
        assert_eq!(of("public/index.html"), None);
        assert_eq!(of("README.md"), None);
    }
}
