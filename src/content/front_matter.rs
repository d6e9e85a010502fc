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
    /// The menu the page is listed in: `main` or `footer` (ordered by `weight`).
    pub menu: Option<String>,
    /// The page's name in the menu, when shorter than its title.
    pub menu_title: Option<String>,
    /// Who wrote the page, for structured data.
    pub authors: Vec<String>,
    /// `search = false`: the page is left out of the search index.
    pub hidden_from_search: bool,
    /// Sources only: who published the report, and where it is.
    pub source: SourceMeta,
    pub extra: toml::Table,
    /// `[[updates]]`: what changed on the page and when, as written (the newest is not
    /// necessarily first).
    pub updates: Vec<Update>,
    /// `[[events]]`: the page's entries in the site's timeline.
    pub events: Vec<TimelineEvent>,
    /// `publish_at`: the page is left out of the build until the build's clock passes it.
    pub publish_at: Option<crate::when::Moment>,
}

/// Whether an update adds to a page or corrects it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum UpdateKind {
    #[default]
    Update,
    Correction,
}

/// One `[[updates]]` table of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub at: crate::when::Moment,
    /// Inline Markdown (may be empty for an update; never for a correction).
    pub text: String,
    pub kind: UpdateKind,
    /// Byte offset of the table (its `[[updates]]` line) in the file, for messages.
    pub offset: usize,
    /// Byte offset of `text` in the file when it is written there verbatim.
    pub text_offset: Option<usize>,
}

/// One `[[events]]` table of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEvent {
    pub date: crate::when::EventDate,
    pub title: String,
    /// Inline Markdown (may be empty).
    pub text: String,
    /// Byte offset of the table in the file, for messages.
    pub offset: usize,
    /// Byte offset of `text` in the file when it is written there verbatim.
    pub text_offset: Option<usize>,
}

/// The front matter only a source has (`content/sources/*.md`); `date` is when it was
/// published and `title` the report's title.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceMeta {
    pub publisher: Option<String>,
    pub url: Option<String>,
    pub archive_url: Option<String>,
    pub accessed: Option<Date>,
    pub author: Option<String>,
    pub language: Option<String>,
    /// A short note on how far to trust it: "aggregator; used only alongside another source".
    pub reliability: Option<String>,
}

impl SourceMeta {
    /// The keys that are set, for "only sources may set `publisher`".
    pub fn keys_set(&self) -> Vec<&'static str> {
        let fields = [
            ("publisher", self.publisher.is_some()),
            ("url", self.url.is_some()),
            ("archive_url", self.archive_url.is_some()),
            ("accessed", self.accessed.is_some()),
            ("author", self.author.is_some()),
            ("language", self.language.is_some()),
            ("reliability", self.reliability.is_some()),
        ];
        fields
            .iter()
            .filter(|(_, set)| *set)
            .map(|(k, _)| *k)
            .collect()
    }
}

/// The menus a page can be listed in with `menu = "..."`.
pub const MENUS: &[&str] = &["main", "footer"];

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
    publisher: Option<String>,
    url: Option<String>,
    archive_url: Option<String>,
    accessed: Option<toml::value::Datetime>,
    author: Option<String>,
    language: Option<String>,
    reliability: Option<String>,
    menu: Option<String>,
    menu_title: Option<String>,
    authors: Option<Vec<String>>,
    extra: Option<toml::Table>,
    updates: Option<Vec<RawUpdate>>,
    events: Option<Vec<RawEvent>>,
    publish_at: Option<toml::value::Datetime>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUpdate {
    at: Option<toml::value::Datetime>,
    text: Option<String>,
    kind: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    date: Option<toml::Value>,
    time: Option<String>,
    title: Option<String>,
    text: Option<String>,
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
    "publisher",
    "url",
    "archive_url",
    "accessed",
    "author",
    "language",
    "reliability",
    "menu",
    "menu_title",
    "authors",
    "extra",
    "updates",
    "events",
    "publish_at",
    "at",
    "text",
    "kind",
    "time",
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
    let toml_start = next_line(text, open);
    let closings = closing_fences(text, toml_start);
    let Some(&first) = closings.first() else {
        return Err(Diagnostic::error(path, "front matter is not closed")
            .at(text, open, FENCE.len())
            .with_help("add a line containing only `+++` after the front matter"));
    };
    // A `+++` line can sit inside a TOML multi-line string: take the first closing fence
    // whose front matter parses, and report the error of the first one if none does. Only
    // the first few candidates are tried, so a file of many `+++` lines costs linear time.
    let mut first_error = None;
    for &close in closings.iter().take(MAX_FENCE_TRIES) {
        let toml = text.get(toml_start..close).unwrap_or("");
        match toml::from_str::<RawFrontMatter>(toml) {
            Ok(raw) => return Ok((check(path, text, raw)?, next_line(text, close))),
            Err(e) if close == first => first_error = Some(e),
            Err(_) => {}
        }
    }
    let Some(err) = first_error else {
        // Unreachable: the loop always tries `first`, and returns if it parses.
        return Err(Diagnostic::error(path, "front matter is not closed").at(text, open, 3));
    };
    Err(from_toml_error(
        path,
        text,
        toml_start,
        &err,
        "front matter",
        KEYS,
    ))
}

/// Where the body starts when the front matter could not be parsed: after the first
/// closing `+++` line (the whole text is front matter when there is none).
pub fn body_start(text: &str) -> usize {
    let Some(open) = open_fence(text) else {
        return 0;
    };
    closing_fences(text, next_line(text, open))
        .first()
        .map_or(text.len(), |&close| next_line(text, close))
}

/// How many `+++` lines are tried as the end of the front matter.
const MAX_FENCE_TRIES: usize = 8;

/// The offset of the line after the one at `offset` (the end of the text if none follows).
fn next_line(text: &str, offset: usize) -> usize {
    text.get(offset..)
        .and_then(|rest| rest.find('\n'))
        .map_or(text.len(), |i| offset + i + 1)
}

/// True for a fence line: `+++` and, after it, only white space (any Unicode space, so a
/// no-break space an editor slipped in does not hide the fence).
fn is_fence(line: &str) -> bool {
    line.trim_end() == FENCE
}

/// Byte offset of the opening `+++` line; blank lines before it are allowed.
fn open_fence(text: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if is_fence(line) {
            return Some(offset);
        }
        if !line.trim().is_empty() {
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
        if is_fence(line) {
            found.push(offset);
        }
        offset += line.len();
    }
    found
}

/// The fields that must make sense on their own: a title, a slug that is one URL segment,
/// dates with a day, a known menu.
fn check_fields(path: &Path, text: &str, raw: &RawFrontMatter) -> Result<(), Diagnostic> {
    if raw.title.as_deref().unwrap_or_default().trim().is_empty() {
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
    for (key, value) in [
        ("date", &raw.date),
        ("updated", &raw.updated),
        ("accessed", &raw.accessed),
    ] {
        if value.as_ref().is_some_and(|d| d.date.is_none()) {
            return Err(located(
                path,
                text,
                key,
                format!("`{key}` has a time but no day"),
            )
            .with_help(format!(
                "write the day first: `{key} = 2025-12-02` or `{key} = 2025-12-02T10:00:00+03:00`"
            )));
        }
    }
    if let Some(menu) = raw.menu.as_deref().filter(|m| !MENUS.contains(m)) {
        let help = match crate::diagnostics::did_you_mean(menu, MENUS.iter().copied()) {
            Some(close) => format!("did you mean `{close}`?"),
            None => "write `menu = \"main\"` or `menu = \"footer\"`".to_string(),
        };
        return Err(located(path, text, "menu", format!("unknown menu `{menu}`")).with_help(help));
    }
    Ok(())
}

fn check(path: &Path, text: &str, raw: RawFrontMatter) -> Result<FrontMatter, Diagnostic> {
    check_fields(path, text, &raw)?;
    let title = raw.title.unwrap_or_default();
    let updates = updates(path, text, raw.updates.unwrap_or_default())?;
    let events = events(path, text, raw.events.unwrap_or_default())?;
    let publish_at = match &raw.publish_at {
        Some(at) => Some(crate::when::Moment::from_toml(at).map_err(|why| {
            located(path, text, "publish_at", format!("`publish_at` {why}")).with_help(
                "write a date-time with its offset: `publish_at = 2025-12-04T06:00:00+00:00`",
            )
        })?),
        None => None,
    };
    // `updated` defaults to the day of the newest update.
    let newest = updates.iter().max_by_key(|u| u.at.utc).map(|u| Date {
        iso: u.at.iso.clone(),
        display: u.at.display.clone(),
    });
    Ok(FrontMatter {
        updates,
        events,
        publish_at,
        title,
        description: raw.description,
        date: raw.date.map(|d| date(&d)),
        updated: raw.updated.map(|d| date(&d)).or(newest),
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
        source: SourceMeta {
            publisher: raw.publisher,
            url: raw.url,
            archive_url: raw.archive_url,
            accessed: raw.accessed.map(|d| date(&d)),
            author: raw.author,
            language: raw.language,
            reliability: raw.reliability,
        },
        menu: raw.menu,
        menu_title: raw.menu_title,
        authors: raw.authors.unwrap_or_default(),
        extra: raw.extra.unwrap_or_default(),
    })
}

/// The most `[[updates]]` or `[[events]]` tables one page may have.
const MAX_ENTRIES: usize = 1000;

/// Checks the `[[updates]]` tables: a moment each, a known kind, text for a correction.
fn updates(path: &Path, text: &str, raw: Vec<RawUpdate>) -> Result<Vec<Update>, Diagnostic> {
    if raw.len() > MAX_ENTRIES {
        return Err(located(
            path,
            text,
            "updates",
            format!("more than {MAX_ENTRIES} updates on one page"),
        )
        .with_help(
            "keep the updates that matter to readers; move old ones to a page of their own",
        ));
    }
    let mut found = Vec::with_capacity(raw.len());
    for (n, u) in raw.into_iter().enumerate() {
        let offset = table_offset(text, "updates", n);
        let at_table = |message: String| Diagnostic::error(path, message).at(text, offset, 1);
        let Some(at) = u.at else {
            return Err(at_table(format!("update {} has no `at`", n + 1)).with_help(
                "say when it was made: `at = 2025-12-04` or `at = 2025-12-04T09:30:00+03:00`",
            ));
        };
        let at = crate::when::Moment::from_toml(&at).map_err(|why| {
            at_table(format!("update {}: `at` {why}", n + 1))
                .with_help("write `at = 2025-12-04` or `at = 2025-12-04T09:30:00+03:00`")
        })?;
        let kind = match u.kind.as_deref() {
            None | Some("update") => UpdateKind::Update,
            Some("correction") => UpdateKind::Correction,
            Some(other) => {
                return Err(
                    at_table(format!("update {}: unknown kind `{other}`", n + 1)).with_help(
                        "write `kind = \"update\"` (the default) or `kind = \"correction\"`",
                    ),
                );
            }
        };
        let body = u.text.unwrap_or_default();
        if kind == UpdateKind::Correction && body.trim().is_empty() {
            return Err(at_table(format!("correction {} has no text", n + 1)).with_help(
                "say what was wrong and what is right: `text = \"An earlier version said ...\"`",
            ));
        }
        found.push(Update {
            at,
            text_offset: text_offset(text, offset, &body),
            text: body,
            kind,
            offset,
        });
    }
    Ok(found)
}

/// Checks the `[[events]]` tables: a date that parses and a title each.
fn events(path: &Path, text: &str, raw: Vec<RawEvent>) -> Result<Vec<TimelineEvent>, Diagnostic> {
    if raw.len() > MAX_ENTRIES {
        return Err(located(
            path,
            text,
            "events",
            format!("more than {MAX_ENTRIES} events on one page"),
        )
        .with_help("split the chronology over the pages that explain it"));
    }
    let mut found = Vec::with_capacity(raw.len());
    for (n, e) in raw.into_iter().enumerate() {
        let offset = table_offset(text, "events", n);
        let at_table = |message: String| Diagnostic::error(path, message).at(text, offset, 1);
        let help = "write `date = 2025-11-30`, a month `date = \"2025-11\"` or a year `date = \"2025\"`, and optionally `time = \"19:30+03:00\"`";
        let Some(date) = e.date else {
            return Err(at_table(format!("event {} has no `date`", n + 1)).with_help(help));
        };
        let date = crate::when::event_date(&date, e.time.as_deref())
            .map_err(|why| at_table(format!("event {}: `date` {why}", n + 1)).with_help(help))?;
        let title = e.title.unwrap_or_default();
        if title.trim().is_empty() {
            return Err(at_table(format!("event {} has no `title`", n + 1))
                .with_help("give it a short title: `title = \"Geneva talks\"`"));
        }
        let body = e.text.unwrap_or_default();
        found.push(TimelineEvent {
            date,
            title,
            text_offset: text_offset(text, offset, &body),
            text: body,
            offset,
        });
    }
    Ok(found)
}

/// The offset of the `n`th `[[name]]` line (from 0), or of the first line setting `name`
/// (an inline array), or 0.
fn table_offset(text: &str, name: &str, n: usize) -> usize {
    let header = format!("[[{name}]]");
    let mut offset = 0;
    let mut seen = 0;
    let mut fallback = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed == header || trimmed.starts_with(&format!("{header} ")) {
            if seen == n {
                return offset + (line.len() - line.trim_start().len());
            }
            seen += 1;
        }
        if fallback.is_none()
            && trimmed
                .strip_prefix(name)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        {
            fallback = Some(offset);
        }
        offset += line.len();
    }
    fallback.unwrap_or(0)
}

/// Where `value` is written verbatim after `from` in the file (a string without escapes),
/// so that problems in it are reported at their own line and column.
fn text_offset(text: &str, from: usize, value: &str) -> Option<usize> {
    if value.is_empty() {
        return None;
    }
    text.get(from..)?.find(value).map(|i| from + i)
}

/// A diagnostic pointing at the first front matter line that sets `key`.
pub(crate) fn located(path: &Path, text: &str, key: &str, message: String) -> Diagnostic {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let sets_key = trimmed
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='));
        if sets_key {
            let indent = line.len() - trimmed.len();
            return Diagnostic::error(path, message).at(text, offset + indent, key.len());
        }
        offset += line.len();
    }
    Diagnostic::error(path, message).at(text, 0, 3)
}

fn date(value: &toml::value::Datetime) -> Date {
    let iso = value.to_string();
    let display = match &value.date {
        Some(d) => {
            let month = crate::when::MONTHS
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
#[allow(clippy::indexing_slicing, clippy::string_slice, clippy::unwrap_used)]
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
