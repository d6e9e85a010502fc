//! Diagnostics: every problem lede finds, with the file, line and column it is about.
//!
//! Stages never stop at the first problem: they collect `Diagnostic`s and the CLI prints
//! them all, rustc-style (`Display`) or one per line (`short`). This module never does I/O.

use std::fmt;
use std::path::{Path, PathBuf};

/// How bad a problem is: errors fail the build, warnings are printed and the build goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warning,
}

/// One problem, located in a file of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub level: Level,
    /// Path relative to the site root (`content/meeting.md`); empty for problems without a file.
    pub path: PathBuf,
    /// 1-based line and column (in characters); 0 when the problem has no position.
    pub line: usize,
    pub col: usize,
    pub message: String,
    /// How to fix it, when lede can say.
    pub help: Option<String>,
    /// The source line and the width of the part to underline, for the rustc-style display.
    snippet: Option<Box<Snippet>>,
}

impl Diagnostic {
    pub fn error(path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Self::new(Level::Error, path, message)
    }

    pub fn warning(path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Self::new(Level::Warning, path, message)
    }

    fn new(level: Level, path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Diagnostic {
            level,
            path: path.as_ref().to_path_buf(),
            line: 0,
            col: 0,
            message: message.into(),
            help: None,
            snippet: None,
        }
    }

    /// Locates the problem at byte `offset` of `source` (the whole file), underlining `len` bytes.
    pub fn at(mut self, source: &str, offset: usize, len: usize) -> Self {
        let pos = Position::of(source, offset);
        self.line = pos.line;
        self.col = pos.col;
        let line_text = pos.line_text(source);
        let rest = &line_text[(pos.line_offset).min(line_text.len())..];
        let end = floor_char_boundary(rest, len.min(rest.len()));
        let width = rest[..end].chars().count().max(1);
        self.snippet = Some(Box::new(Snippet::new(
            line_text.trim_end(),
            pos.col - 1,
            width,
        )));
        self
    }

    /// Locates the problem at a line and column known without the source text.
    pub fn at_line_col(mut self, line: usize, col: usize) -> Self {
        self.line = line;
        self.col = col;
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The same problem, as a warning.
    pub fn as_warning(mut self) -> Self {
        self.level = Level::Warning;
        self
    }

    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }

    /// `path:line:col` (or less, where the position is unknown).
    pub fn location(&self) -> String {
        let path = self.path.display().to_string();
        match (self.line, self.col) {
            (0, _) => path,
            (line, 0) => format!("{path}:{line}"),
            (line, col) => format!("{path}:{line}:{col}"),
        }
    }

    /// One line for editors and CI: `path:line:col: level: message (help)`.
    pub fn short(&self) -> String {
        let help = self
            .help
            .as_deref()
            .map(|h| format!(" ({h})"))
            .unwrap_or_default();
        format!(
            "{}: {}: {}{help}",
            self.location(),
            self.level,
            self.message
        )
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Error => "error",
            Level::Warning => "warning",
        })
    }
}

/// rustc-style, e.g.
/// ```text
/// error: unknown front matter key `titel`
///   --> content/meeting.md:2:1
///    |
///  2 | titel = "The meeting"
///    | ^^^^^ did you mean `title`?
/// ```
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {}", self.level, self.message)?;
        if !self.path.as_os_str().is_empty() {
            writeln!(f, "  --> {}", self.location())?;
        }
        match self.snippet.as_deref() {
            Some(snippet) => {
                let number = self.line.to_string();
                let pad = " ".repeat(number.len());
                writeln!(f, " {pad} |")?;
                writeln!(f, " {number} | {}", snippet.text)?;
                let indent = " ".repeat(snippet.caret);
                let carets = "^".repeat(snippet.width);
                let help = self.help.as_deref().unwrap_or("");
                writeln!(f, " {pad} | {indent}{carets} {help}")
            }
            None => match &self.help {
                Some(help) => writeln!(f, "   = help: {help}"),
                None => Ok(()),
            },
        }
    }
}

/// The source line shown under a diagnostic, cut to a window around the problem so that a
/// 100,000-character line does not flood the terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snippet {
    text: String,
    /// Characters before the underline, in `text`.
    caret: usize,
    width: usize,
}

impl Snippet {
    const WINDOW: usize = 100;

    fn new(line: &str, col: usize, width: usize) -> Snippet {
        let chars = line.chars().count();
        if chars <= Self::WINDOW {
            return Snippet {
                text: line.to_string(),
                caret: col,
                width,
            };
        }
        let width = width.min(Self::WINDOW / 2);
        let start = col.saturating_sub(Self::WINDOW / 4);
        let end = (start + Self::WINDOW).min(chars);
        let mut text: String = line.chars().skip(start).take(end - start).collect();
        let mut caret = col - start;
        if start > 0 {
            text.insert(0, '…');
            caret += 1;
        }
        if end < chars {
            text.push('…');
        }
        Snippet { text, caret, width }
    }
}

/// A position in a text: 1-based line, 1-based column in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub col: usize,
    /// Byte offset of the position within its line.
    line_offset: usize,
    /// Byte offset where the line starts.
    line_start: usize,
}

impl Position {
    /// The position of byte `offset` in `source` (clamped to the text).
    pub fn of(source: &str, offset: usize) -> Self {
        let offset = floor_char_boundary(source, offset.min(source.len()));
        let before = &source[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let col = source[line_start..offset].chars().count() + 1;
        Position {
            line,
            col,
            line_offset: offset - line_start,
            line_start,
        }
    }

    fn line_text<'a>(&self, source: &'a str) -> &'a str {
        let rest = &source[self.line_start..];
        rest.split('\n').next().unwrap_or("")
    }
}

/// The largest index `<= i` that is a char boundary of `s`.
pub(crate) fn floor_char_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The closest candidate to `word`, if one is close enough to be a likely typo.
/// Up to three candidates closest to `wanted`, best first: each candidate is (the text to
/// compare, already normalised as `wanted` is; the name to show).
pub fn nearest<'a, C: AsRef<str>>(
    wanted: &str,
    candidates: impl IntoIterator<Item = (C, &'a str)>,
) -> Vec<&'a str> {
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|(compared, shown)| (strsim::jaro_winkler(wanted, compared.as_ref()), shown))
        .filter(|(score, _)| *score > 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().take(3).map(|(_, shown)| shown).collect()
}

pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::jaro_winkler(&word.to_lowercase(), &c.to_lowercase()),
                c,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Turns a TOML error into a diagnostic. `offset` is where the TOML text starts in the file,
/// so positions are absolute in the file; `keys` are the allowed keys for a "did you mean".
pub(crate) fn from_toml_error(
    path: &Path,
    file: &str,
    offset: usize,
    err: &toml::de::Error,
    what: &str,
    keys: &[&str],
) -> Diagnostic {
    let message = err.message().trim().to_string();
    let span = err.span().unwrap_or(0..0);
    let (start, len) = (offset + span.start, span.len());
    if let Some(key) = unknown_field(&message) {
        let diagnostic =
            Diagnostic::error(path, format!("unknown {what} key `{key}`")).at(file, start, len);
        let allowed = keys
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        return match did_you_mean(key, keys.iter().copied()) {
            Some(close) => diagnostic.with_help(format!("did you mean `{close}`?")),
            None => diagnostic.with_help(format!("allowed keys: {allowed}")),
        };
    }
    if let Some((value, allowed)) = unknown_variant(&message) {
        let d = Diagnostic::error(path, format!("unknown value `{value}` in the {what}"))
            .at(file, start, len);
        return match did_you_mean(value, allowed.iter().copied()) {
            Some(close) => d.with_help(format!("did you mean `{close}`?")),
            None => d.with_help(format!("write one of `{}`", allowed.join("`, `"))),
        };
    }
    if let Some(key) = missing_value(file, start) {
        return Diagnostic::error(path, format!("`{key}` has no value in the {what}"))
            .at(file, start, 0)
            .with_help(format!(
                "write a value after `=`, such as `{key} = 1` or `{key} = \"...\"`, or remove the line"
            ));
    }
    if let Some((found, expected)) = wrong_type(&message) {
        return Diagnostic::error(
            path,
            format!("wrong type in {what}: expected {expected}, found {found}"),
        )
        .at(file, start, len)
        .with_help(format!("change the value to {expected}"));
    }
    Diagnostic::error(path, format!("invalid {what}: {message}"))
        .at(file, start, len)
        .with_help(format!("fix the TOML syntax of the {what}"))
}

/// Serde's "unknown variant `x`, expected one of `a`, `b`": the value and the allowed ones.
fn unknown_variant(message: &str) -> Option<(&str, Vec<&str>)> {
    let rest = message.strip_prefix("unknown variant `")?;
    let (value, rest) = rest.split_once('`')?;
    let allowed = rest.split('`').skip(1).step_by(2).collect::<Vec<_>>();
    (!allowed.is_empty()).then_some((value, allowed))
}

/// The key of a `key =` line with nothing after the `=`, when the error at `at` is there.
fn missing_value(file: &str, at: usize) -> Option<&str> {
    let at = floor_char_boundary(file, at);
    let line_start = file.get(..at)?.rfind('\n').map_or(0, |i| i + 1);
    let line_end = file.get(at..)?.find('\n').map_or(file.len(), |i| at + i);
    let (key, value) = file.get(line_start..line_end)?.split_once('=')?;
    let key = key.trim();
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    (bare && value.trim().is_empty()).then_some(key)
}

/// Serde's "invalid type: string \"x\", expected i64" in words: ("a string", "a whole number").
fn wrong_type(message: &str) -> Option<(&'static str, &'static str)> {
    let (found, expected) = message
        .strip_prefix("invalid type: ")?
        .split_once(", expected ")?;
    let found = match found.split([' ', '`']).next().unwrap_or("") {
        "string" => "a string",
        "integer" => "a number",
        "floating" => "a number",
        "boolean" => "true or false",
        "sequence" => "a list",
        "map" => "a table",
        _ => "another type",
    };
    let expected = match expected.trim() {
        "i64" | "u64" | "i32" | "u32" | "usize" | "an integer" => "a whole number",
        "a boolean" => "true or false",
        "a string" => "a quoted string",
        "a sequence" => "a list such as [\"a\", \"b\"]",
        e if e.contains("datetime") => "a date such as 2025-12-03 (no quotes)",
        e if e.contains("variant") => "one of the listed values",
        _ => "another type",
    };
    Some((found, expected))
}

/// The field name in serde's "unknown field `x`, expected ..." message.
fn unknown_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split('`').next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "ab\nçd = 1\n";
        let pos = Position::of(text, text.find('d').unwrap());
        assert_eq!((pos.line, pos.col), (2, 2));
        assert_eq!(Position::of(text, 0).line, 1);
        assert_eq!(Position::of(text, 999).line, 3);
    }

    #[test]
    fn display_underlines_the_span() {
        let src = "+++\ntitel = \"x\"\n+++\n";
        let d = Diagnostic::error("content/a.md", "unknown front matter key `titel`")
            .at(src, 4, 5)
            .with_help("did you mean `title`?");
        let shown = d.to_string();
        assert!(shown.contains("--> content/a.md:2:1"), "{shown}");
        assert!(shown.contains(" 2 | titel = \"x\""), "{shown}");
        assert!(shown.contains("^^^^^ did you mean `title`?"), "{shown}");
        assert_eq!(
            d.short(),
            "content/a.md:2:1: error: unknown front matter key `titel` (did you mean `title`?)"
        );
    }

    #[test]
    fn long_lines_are_cut_around_the_problem() {
        let line = format!("{}[[x]]{}", "a".repeat(5000), "b".repeat(5000));
        let d = Diagnostic::error("a.md", "m").at(&line, 5000, 5);
        let shown = d.to_string();
        assert!(shown.len() < 400, "{shown}");
        assert!(
            shown.contains(" | …aaaa")
                && shown.contains("aaaa[[x]]bbbb")
                && shown.contains("bbbb…"),
            "{shown}"
        );
        let text_line = shown.lines().find(|l| l.contains("[[x]]")).unwrap();
        let caret_line = shown.lines().find(|l| l.contains('^')).unwrap();
        let column = |l: &str, c: char| l.chars().position(|x| x == c);
        assert_eq!(column(caret_line, '^'), column(text_line, '['));
    }

    #[test]
    fn suggestions_only_for_close_words() {
        assert_eq!(did_you_mean("titel", ["title", "date"]), Some("title"));
        assert_eq!(did_you_mean("zzz", ["title", "date"]), None);
    }
}
