//! What a run of the pipeline is asked to do, from the command line or `serve`.

use std::path::PathBuf;

/// Whether pages are made or only checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// Parse, link and render every page (`lede build`, `lede serve`).
    #[default]
    Build,
    /// Parse and link everything, render no Markdown to HTML, write nothing (`lede check`).
    Check,
}

/// What to build, from the command line.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The site root: the folder with `site.toml`.
    pub root: PathBuf,
    /// Overrides `output_dir` of `site.toml`.
    pub output_dir: Option<PathBuf>,
    /// Overrides `base_url` of `site.toml`.
    pub base_url: Option<String>,
    /// Include pages with `draft = true`.
    pub drafts: bool,
    /// Build pages, or only check (`lede check`).
    pub mode: Mode,
    /// The build's clock: what is embargoed, and what is dated in the future.
    pub clock: Clock,
}

/// The moment a build is made at (`lede build --at`), and whether embargoed pages are
/// shown (with a banner, in `lede serve`) or left out.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// `None`: the machine's clock when the build starts.
    pub at: Option<crate::when::Moment>,
    /// Keep pages whose `publish_at` is still ahead (the preview marks them).
    pub show_embargoed: bool,
}

impl Clock {
    /// Seconds since the epoch, UTC.
    pub fn now(&self) -> i64 {
        self.at
            .as_ref()
            .map_or_else(|| crate::when::Moment::now().utc, |m| m.utc)
    }
}
