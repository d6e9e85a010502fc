//! Live reload: what the server tells open pages after a rebuild, and the script that
//! listens (`reload.js`, served at [`SCRIPT_PATH`] and added to HTML only by `lede serve`).
//!
//! Messages are JSON on a Server-Sent Events stream at [`EVENTS_PATH`]. Every message
//! carries the build number and the errors of the last build (none after a good one), so
//! the page shows or clears its error overlay. Also the latency hook for benchmarks: each
//! build message has `timing` (when the first file event arrived, when the message was
//! sent, how long the rebuild took), and `/__lede/status` returns the last one.

use serde::Serialize;

use crate::Diagnostic;
use crate::{Delta, NOT_FOUND_FILE, page_of_file};

pub const SCRIPT_PATH: &str = "/__lede/reload.js";
pub const EVENTS_PATH: &str = "/__lede/events";
pub const STATUS_PATH: &str = "/__lede/status";
pub const SCRIPT: &str = include_str!("reload.js");

/// More changed pages than this and the message just says "everything".
const MAX_LISTED: usize = 200;

/// One message to the open pages.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub kind: Kind,
    /// Which server process (a restarted server has another).
    pub instance: String,
    /// Counts rebuilds, failed ones too; the first build is 1.
    pub build: u64,
    /// Every page should reload.
    pub all: bool,
    /// URLs of the pages that changed (`/glossary/donbas/`).
    pub pages: Vec<String>,
    /// URLs of the stylesheets that changed (`/style.css`), swapped without a reload.
    pub css: Vec<String>,
    /// The last build's errors; empty after a good build.
    pub errors: Vec<ErrorInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timing: Option<Timing>,
}

/// What a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Sent when a page connects.
    Hello,
    /// After each rebuild.
    Build,
}

/// A build error as the overlay shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorInfo {
    /// `content/meeting.md:12:3`.
    pub location: String,
    pub message: String,
    pub help: Option<String>,
    /// The whole rustc-style report, as printed in the terminal.
    pub text: String,
}

impl From<&Diagnostic> for ErrorInfo {
    fn from(d: &Diagnostic) -> Self {
        ErrorInfo {
            location: d.location(),
            message: d.message.clone(),
            help: d.help.clone(),
            text: d.to_string(),
        }
    }
}

/// When a rebuild happened, for measuring edit-to-reload latency.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Timing {
    /// The first file event of the batch, in milliseconds since the Unix epoch.
    pub event_unix_ms: u64,
    /// When the message was sent.
    pub sent_unix_ms: u64,
    /// How long the rebuild itself took.
    pub build_ms: f64,
}

impl Message {
    fn new(kind: Kind, instance: &str, build: u64) -> Self {
        Message {
            kind,
            instance: instance.to_string(),
            build,
            all: false,
            pages: Vec::new(),
            css: Vec::new(),
            errors: Vec::new(),
            timing: None,
        }
    }

    /// What a page hears first: the current build and its errors.
    pub fn hello(instance: &str, build: u64, errors: &[ErrorInfo]) -> Self {
        Message {
            errors: errors.to_vec(),
            ..Message::new(Kind::Hello, instance, build)
        }
    }

    /// After a good rebuild: which pages reload and which stylesheets are swapped.
    pub fn built(instance: &str, build: u64, rebuilt: &Delta) -> Self {
        let mut message = Message::new(Kind::Build, instance, build);
        for path in rebuilt
            .changed
            .iter()
            .map(|(p, _)| p)
            .chain(&rebuilt.removed)
        {
            if path == NOT_FOUND_FILE {
                message.all = true;
            } else if let Some(dir) = page_of_file(path) {
                message.pages.push(format!("/{dir}"));
            }
        }
        for path in &rebuilt.statics {
            if path.ends_with(".css") {
                message.css.push(format!("/{path}"));
            } else {
                // Images, scripts, fonts: the page may use them in ways only a reload refreshes.
                message.all = true;
            }
        }
        if message.pages.len() > MAX_LISTED {
            message.all = true;
        }
        if message.all {
            message.pages.clear();
        }
        message
    }

    /// After a failed rebuild: the errors, and the last good pages stay.
    pub fn failed(instance: &str, build: u64, errors: &[ErrorInfo]) -> Self {
        Message {
            errors: errors.to_vec(),
            ..Message::new(Kind::Build, instance, build)
        }
    }

    /// Sent to a page that missed messages: reload.
    pub fn resync(instance: &str, build: u64) -> Self {
        Message {
            all: true,
            ..Message::new(Kind::Build, instance, build)
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }
}

/// Adds the live-reload script to an HTML page, before its last `</body>` (or at the end).
pub fn inject(html: &[u8], build: u64, instance: &str, not_found: bool) -> Vec<u8> {
    let status = if not_found {
        " data-status=\"404\""
    } else {
        ""
    };
    let tag = format!(
        "<script src=\"{SCRIPT_PATH}\" data-build=\"{build}\" data-instance=\"{instance}\"{status} defer></script>"
    );
    let at = rfind_ignore_case(html, b"</body").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tag.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn rfind_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .rposition(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn the_script_goes_before_the_last_body_end() {
        let html = b"<html><body><p>&lt;/body&gt;</p></BODY></html>";
        let out = String::from_utf8(inject(html, 3, "i", false)).unwrap();
        assert!(out.ends_with(
            "<script src=\"/__lede/reload.js\" data-build=\"3\" data-instance=\"i\" defer></script></BODY></html>"
        ));
        let out = String::from_utf8(inject(b"<p>no body", 1, "i", true)).unwrap();
        assert!(out.starts_with("<p>no body<script"));
        assert!(out.contains("data-status=\"404\""));
    }

    #[test]
    fn messages_name_the_pages_and_stylesheets() {
        let bytes: Arc<[u8]> = Arc::from(&b"x"[..]);
        let rebuilt = Delta {
            changed: vec![
                ("index.html".into(), bytes.clone()),
                ("glossary/donbas/index.html".into(), bytes),
            ],
            statics: vec!["css/site.css".into()],
            ..Delta::default()
        };
        let m = Message::built("i", 2, &rebuilt);
        assert_eq!(m.pages, ["/", "/glossary/donbas/"]);
        assert_eq!(m.css, ["/css/site.css"]);
        assert!(!m.all);
        let images = Delta {
            statics: vec!["map.png".into()],
            ..Delta::default()
        };
        assert!(Message::built("i", 3, &images).all);
    }
}
