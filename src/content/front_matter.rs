//! Load stage, part three: split a file into TOML front matter and Markdown body, and
//! check the front matter once into [`FrontMatter`]. Pure: works on text, never on files.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::AutoLink;
use crate::diagnostics::{Diagnostic, from_toml_error};

/// A calendar date from front matter, ready for templates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Date {
    /// `2025-12-03` (or the full TOML datetime as written).
    pub iso: String,
    /// `3 December 2025`.
    pub display: String,
}

/// The checked front matter of a page, section or term.
#[derive(Debug, Clone, Default)]
pub struct FrontMatter {
    pub title: String,
    pub description: Option<String>,
    pub date: Option<Date>,
    pub updated: Option<Date>,
    /// Order in section lists (lower first); pages without one come after, by title.
    pub weight: Option<i64>,
    pub draft: bool,
    pub slug: Option<String>,
    pub template: Option<String>,
    /// An image for link previews (Open Graph): a path in `static/` (`/images/map.png`) or a URL.
    pub image: Option<String>,
    /// Terms only: other names and spellings of the term.
    pub aliases: Vec<String>,
    /// Terms only: the one-sentence definition shown on hover and in the index.
    pub summary: Option<String>,
    /// Terms only: person, place, document, concept, organisation...
    pub category: Option<String>,
    /// Overrides `[glossary] auto_link` for this page.
    pub auto_link: Option<AutoLink>,
    /// `search = false`: the page is left out of the search index.
    pub hidden_from_search: bool,
    pub extra: toml::Table,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFrontMatter {
    title: Option<String>,
    description: Option<String>,
    date: Option<toml::value::Datetime>,
    updated: Option<toml::value::Datetime>,
    weight: Option<i64>,
    draft: Option<bool>,
    slug: Option<String>,
    template: Option<String>,
    image: Option<String>,
    aliases: Option<Vec<String>>,
    summary: Option<String>,
    category: Option<String>,
    auto_link: Option<AutoLink>,
    search: Option<bool>,
    extra: Option<toml::Table>,
}

const KEYS: &[&str] = &[
    "title",
    "description",
    "date",
    "updated",
    "weight",
    "draft",
    "slug",
    "template",
    "image",
    "aliases",
    "summary",
    "category",
    "auto_link",
    "search",
    "extra",
];

const FENCE: &str = "+++";

/// Parses the front matter of `text` (the whole file, newlines already `\n`).
/// Returns the front matter and the byte offset where the Markdown body starts.
pub fn parse(path: &Path, text: &str) -> Result<(FrontMatter, usize), Diagnostic> {
    let open = open_fence(text).ok_or_else(|| {
        Diagnostic::error(path, "missing front matter")
            .at(text, 0, 0)
            .with_help(
                "start the file with a `+++` line, then `title = \"...\"`, then another `+++` line",
            )
    })?;
    let toml_start = open + FENCE.len() + 1;
    let closings = closing_fences(text, toml_start);
    let first = *closings.first().ok_or_else(|| {
        Diagnostic::error(path, "front matter is not closed")
            .at(text, open, FENCE.len())
            .with_help("add a line containing only `+++` after the front matter")
    })?;
    // A `+++` line can sit inside a TOML multi-line string: take the first closing fence
    // whose front matter parses, and report the error of the first one if none does.
    let mut first_error = None;
    for &close in &closings {
        match toml::from_str::<RawFrontMatter>(&text[toml_start..close]) {
            Ok(raw) => {
                let body = (close + FENCE.len() + 1).min(text.len());
                return Ok((check(path, text, raw)?, body));
            }
            Err(e) if close == first => first_error = Some(e),
            Err(_) => {}
        }
    }
    let err = first_error.expect("the first closing fence was tried");
    Err(from_toml_error(
        path,
        text,
        toml_start,
        &err,
        "front matter",
        KEYS,
    ))
}

/// Byte offset of the opening `+++` line; blank lines before it are allowed.
fn open_fence(text: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed == FENCE {
            return Some(offset);
        }
        if !trimmed.is_empty() {
            return None;
        }
        offset += line.len();
    }
    None
}

/// Byte offsets of every line that is exactly `+++` after `from`.
fn closing_fences(text: &str, from: usize) -> Vec<usize> {
    let mut offset = from;
    let mut found = Vec::new();
    for line in text.get(from..).unwrap_or("").split_inclusive('\n') {
        if line.trim_end() == FENCE {
            found.push(offset);
        }
        offset += line.len();
    }
    found
}

fn check(path: &Path, text: &str, raw: RawFrontMatter) -> Result<FrontMatter, Diagnostic> {
    let title = raw.title.unwrap_or_default();
    if title.trim().is_empty() {
        return Err(Diagnostic::error(path, "front matter has no `title`")
            .at(text, 0, 3)
            .with_help("add `title = \"...\"` between the `+++` lines"));
    }
    if let Some(slug) = &raw.slug {
        let escapes = slug.contains(['/', '\\', '\0', ':']) || slug.contains("..");
        if escapes || slug.trim().is_empty() {
            return Err(located(
                path,
                text,
                "slug",
                format!("`slug = {slug:?}` is not a single URL segment"),
            )
            .with_help("use letters, digits and hyphens only, e.g. `slug = \"the-meeting\"`"));
        }
    }
    Ok(FrontMatter {
        title,
        description: raw.description,
        date: raw.date.map(|d| date(&d)),
        updated: raw.updated.map(|d| date(&d)),
        weight: raw.weight,
        draft: raw.draft.unwrap_or(false),
        slug: raw.slug,
        template: raw.template,
        image: raw.image,
        aliases: raw.aliases.unwrap_or_default(),
        summary: raw.summary,
        category: raw.category,
        auto_link: raw.auto_link,
        hidden_from_search: raw.search == Some(false),
        extra: raw.extra.unwrap_or_default(),
    })
}

/// A diagnostic pointing at the first front matter line that sets `key`.
pub(crate) fn located(path: &Path, text: &str, key: &str, message: String) -> Diagnostic {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with(key) && trimmed[key.len()..].trim_start().starts_with('=') {
            let indent = line.len() - trimmed.len();
            return Diagnostic::error(path, message).at(text, offset + indent, key.len());
        }
        offset += line.len();
    }
    Diagnostic::error(path, message).at(text, 0, 3)
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn date(value: &toml::value::Datetime) -> Date {
    let iso = value.to_string();
    let display = match &value.date {
        Some(d) => {
            let month = MONTHS
                .get(usize::from(d.month).wrapping_sub(1))
                .copied()
                .unwrap_or("?");
            format!("{} {month} {}", d.day, d.year)
        }
        None => iso.clone(),
    };
    Date { iso, display }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> (FrontMatter, usize) {
        parse(Path::new("content/a.md"), text).unwrap()
    }

    fn parse_err(text: &str) -> Diagnostic {
        parse(Path::new("content/a.md"), text).unwrap_err()
    }

    #[test]
    fn splits_front_matter_and_body() {
        let text = "+++\ntitle = \"A\"\ndate = 2025-12-03\n+++\nBody\n";
        let (fm, body) = parse_ok(text);
        assert_eq!(fm.title, "A");
        assert_eq!(&text[body..], "Body\n");
        let d = fm.date.unwrap();
        assert_eq!(
            (d.iso.as_str(), d.display.as_str()),
            ("2025-12-03", "3 December 2025")
        );
    }

    #[test]
    fn fence_inside_a_multiline_string_is_not_the_end() {
        let text = "+++\ntitle = \"A\"\ndescription = \"\"\"\n+++\n\"\"\"\n+++\nBody";
        let (fm, body) = parse_ok(text);
        assert_eq!(fm.description.as_deref(), Some("+++\n"));
        assert_eq!(&text[body..], "Body");
    }

    #[test]
    fn leading_blank_lines_are_accepted() {
        let (fm, _) = parse_ok("\n\n+++\ntitle = \"A\"\n+++\n");
        assert_eq!(fm.title, "A");
    }

    #[test]
    fn errors_are_absolute_in_the_file() {
        let err = parse_err("+++\ntitle = \"A\"\ntitel = \"B\"\n+++\n");
        assert_eq!((err.line, err.col), (3, 1));
        assert_eq!(err.help.as_deref(), Some("did you mean `title`?"));

        let err = parse_err("+++\ntitle = \"A\"\nweight = \"heavy\"\n+++\n");
        assert_eq!(err.line, 3);
        assert!(
            err.message.starts_with("wrong type in front matter"),
            "{}",
            err.message
        );

        let err = parse_err("+++\ntitle = \"A\"\ntitle = \"B\"\n+++\n");
        assert_eq!(err.line, 3, "duplicate key: {err:?}");
    }

    #[test]
    fn missing_pieces_are_explained() {
        assert_eq!(
            parse_err("+++\ntitle = \"A\"\n").message,
            "front matter is not closed"
        );
        assert_eq!(parse_err("no front matter").message, "missing front matter");
        assert_eq!(
            parse_err("+++\n+++\n").message,
            "front matter has no `title`"
        );
        let err = parse_err("+++\ntitle = \"A\"\nslug = \"../../x\"\n+++\n");
        assert_eq!(err.line, 3);
    }
}
