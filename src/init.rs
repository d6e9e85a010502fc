//! `lede init DIR`: scaffold a new explainer that builds and checks clean at once.
//!
//! The templates, CSS and script are the ones this repository's explainer uses (compiled
//! into the binary), so a new site starts with the same tested design.

use std::fs;
use std::path::Path;

use crate::diagnostics::Diagnostic;
use crate::urls::{LOCK, OUTPUT_DIR as OUTPUT, STAGING};

/// Every file of a new site: (path in the site, contents).
const FILES: &[(&str, &str)] = &[
    ("site.toml", SITE_TOML),
    ("content/_index.md", HOME),
    ("content/story.md", STORY),
    ("content/glossary/_index.md", GLOSSARY),
    ("content/glossary/envoy.md", TERM_ENVOY),
    ("content/glossary/summit.md", TERM_SUMMIT),
    ("content/sources/_index.md", SOURCES),
    ("content/sources/wire.md", SOURCE_WIRE),
    (
        "templates/base.html",
        include_str!("../templates/base.html"),
    ),
    (
        "templates/index.html",
        include_str!("../templates/index.html"),
    ),
    (
        "templates/section.html",
        include_str!("../templates/section.html"),
    ),
    (
        "templates/page.html",
        include_str!("../templates/page.html"),
    ),
    (
        "templates/term.html",
        include_str!("../templates/term.html"),
    ),
    (
        "templates/glossary.html",
        include_str!("../templates/glossary.html"),
    ),
    (
        "templates/source.html",
        include_str!("../templates/source.html"),
    ),
    (
        "templates/sources.html",
        include_str!("../templates/sources.html"),
    ),
    ("templates/404.html", include_str!("../templates/404.html")),
    (
        "templates/partials/meta.html",
        include_str!("../templates/partials/meta.html"),
    ),
    (
        "templates/partials/mention.html",
        include_str!("../templates/partials/mention.html"),
    ),
    (
        "templates/timeline.html",
        include_str!("../templates/timeline.html"),
    ),
    (
        "templates/quotes.html",
        include_str!("../templates/quotes.html"),
    ),
    (
        "templates/changes.html",
        include_str!("../templates/changes.html"),
    ),
    (
        "templates/partials/updates.html",
        include_str!("../templates/partials/updates.html"),
    ),
    (
        "templates/partials/events.html",
        include_str!("../templates/partials/events.html"),
    ),
    (
        "templates/partials/quotes.html",
        include_str!("../templates/partials/quotes.html"),
    ),
    ("static/style.css", include_str!("../static/style.css")),
    ("static/glossary.js", include_str!("../static/glossary.js")),
    ("static/search.js", include_str!("../static/search.js")),
    ("static/favicon.svg", include_str!("../static/favicon.svg")),
];

/// Creates a new site in `dir`, which must be empty or missing.
pub fn init(dir: &Path) -> Result<(), Vec<Diagnostic>> {
    let shown = dir.display().to_string();
    let fail =
        |why: String, help: &str| vec![Diagnostic::error("", why).with_help(help.to_string())];
    match fs::read_dir(dir).map(|mut entries| entries.next().is_some()) {
        Ok(true) => {
            return Err(fail(
                format!("refusing to create a site in `{shown}`: it is not empty"),
                "name a new folder, e.g. `lede init my-explainer`",
            ));
        }
        Ok(false) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(fail(
                format!("cannot use `{shown}`: {e}"),
                "name a folder you can write to",
            ));
        }
    }
    // The output folder and what lede keeps beside it, named by their one owner.
    let gitignore = [
        OUTPUT,
        &format!(".{OUTPUT}.{STAGING}"),
        &format!(".{OUTPUT}.{LOCK}"),
    ]
    .map(|name| format!("/{name}\n"))
    .concat();
    let files = FILES
        .iter()
        .copied()
        .chain([(".gitignore", gitignore.as_str())]);
    for (path, contents) in files {
        let target = dir.join(path);
        let written = target
            .parent()
            .map_or(Ok(()), fs::create_dir_all)
            .and_then(|()| fs::write(&target, contents));
        if let Err(e) = written {
            return Err(fail(
                format!("cannot write {}: {e}", target.display()),
                "check the folder's permissions and free space",
            ));
        }
    }
    Ok(())
}

const SITE_TOML: &str = r#"title = "My explainer"
description = "What happened, who is involved, and what every term means."
# Where the site will be published, e.g. "https://example.org/explainer/".
base_url = "/"
language = "en"

[glossary]
auto_link = "first"

# Who publishes the explainer (structured data for search engines, the feed's author).
[publisher]
name = "My newsroom"
# url = "https://example.org/"
# logo = "/logo.png"

[extra]
reflects = "Reporting up to today"

# The menus name content files; `lede check` says if one is missing. A page can also
# join a menu from its front matter: `menu = "main"` (ordered by `weight`).
[nav]
main = [
  { page = "_index.md", title = "Home" },
  { page = "story.md" },
  { page = "glossary/_index.md" },
]
footer = ["story.md", "glossary/_index.md"]
"#;

const HOME: &str = r#"+++
title = "My explainer"
description = "The story in a few sentences, and one card per part."
+++
Say what happened in one short sentence. Then who is involved. Then why it matters.
"#;

const STORY: &str = r#"+++
title = "The story"
description = "What happened, told in order, with every claim sourced."
weight = 1
authors = ["Your name"]
+++
An envoy travelled to a summit.[^wire] Mention a glossary term by its name and lede links
it, with its definition on hover. Cite a source by its file name in `content/sources/`:
the note, numbered, is made from the source's own page.[^1]

## What was said

> “Quote people word for word.”
>
> — A named speaker, their role, and where they said it

## What comes next

Say what is not known yet, without guessing.

[^1]: A note of the page's own, for a remark rather than a source.
"#;

const SOURCES: &str = r#"+++
title = "Sources"
description = "Every report this explainer cites, and where."
+++
One file per source in this folder; its file name is the key pages cite it by.
"#;

const SOURCE_WIRE: &str = r#"+++
title = "The title of the report"
publisher = "The publication"
url = "https://example.org/the-report"
date = 2025-01-01
reliability = "A short note on how far to trust it."
+++
What this source was used for. The page lists every page that cites it.
"#;

const GLOSSARY: &str = r#"+++
title = "Glossary"
description = "Every term of the story, with a one-sentence definition."
+++
Every name and term the explainer uses, A to Z.
"#;

const TERM_ENVOY: &str = r#"+++
title = "envoy"
aliases = ["envoys"]
summary = "A representative sent by a government for one task."
category = "concept"
description = "What an envoy is, and who the envoy in this story is."
+++
A one-sentence summary shows when readers hover over or focus a link to this term. This
body says more, with sources, and the page lists every page that mentions the term.
"#;

const TERM_SUMMIT: &str = r#"+++
title = "summit"
summary = "A meeting of heads of state or government."
category = "event"
description = "What a summit is."
+++
Terms link each other too: an [[envoy]] may prepare a summit.
"#;
