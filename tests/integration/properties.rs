//! Properties of auto-linking (issue 3) for arbitrary Markdown made of tricky pieces:
//! it never changes the visible text, never nests links, and keeps the HTML balanced.

use lede::config::Config;
use lede::load::Source;
use lede::site::Site;
use proptest::prelude::*;

const TERMS: &[(&str, &str, &str)] = &[
    ("donbas", "Donbas", "\"Donbass\""),
    ("donetsk", "Donetsk", ""),
    ("donetsk-region", "Donetsk region", ""),
    ("don", "Don", ""),
    ("luhansk", "Luhansk", "\"Lugansk\""),
    ("kremlin", "Kremlin", ""),
    ("demilitarization", "demilitarization", "\"demilitarized\""),
    ("demands", "Russia's demands", ""),
];

const PIECES: &[&str] = &[
    "the",
    "Donbas",
    "Donbass",
    "Donetsk",
    "region",
    "Donetsk region",
    "Don",
    "Don't",
    "Luhansk's",
    "Luhansk’s",
    "Lugansk",
    "kremlin",
    "Kremlin",
    "KREMLIN",
    "demilitarized",
    "Demilitarization",
    "Russia's demands",
    "Russia’s demands",
    "and",
    ".",
    ",",
    "!",
    "`Donbas`",
    "**",
    "*",
    "_",
    "[Donetsk link](https://x.org)",
    "![Donbas map](/x.png)",
    "\"",
    "'",
    "&amp;",
    "<",
    "Donbas.Kremlin",
    "\n",
    "\n\n",
    "\n\n## ",
    "\n\n> ",
    "\n\n- ",
    "\n\n    ",
    "\n\n| a | Donbas |\n|---|---|\n| Don | x |\n\n",
];

const RAW_HTML: &[&str] = &[
    "<b>",
    "</b>",
    "<a href=\"https://x.org\">",
    "</a>",
    "<div>\n",
    "\n</div>\n",
];

fn site(body: &str, auto_link: &str) -> String {
    let config = Config::parse(&format!(
        "title = \"T\"\n[glossary]\nauto_link = \"{auto_link}\"\n"
    ))
    .unwrap();
    let mut sources = vec![Source {
        key: "page.md".into(),
        text: format!("+++\ntitle = \"P\"\n+++\n{body}\n"),
    }];
    for (stem, title, aliases) in TERMS {
        sources.push(Source {
            key: format!("glossary/{stem}.md"),
            text: format!("+++\ntitle = \"{title}\"\naliases = [{aliases}]\nsummary = \"About {stem} & <more>.\"\n+++\nx\n"),
        });
    }
    let site = Site::parse_and_link(
        lede::load::Inputs::in_memory(".".into(), config, sources),
        &lede::Options::default(),
    )
    .into_site()
    .unwrap_or_else(|e| panic!("{e:?}"));
    site.parsed[site.pages.iter().position(|p| p.key == "page.md").unwrap()]
        .html
        .clone()
}

/// The text a reader sees: tags and the hidden list of definitions removed.
fn visible(html: &str) -> String {
    const DEFS: &str = "<div class=\"term-defs\" hidden>";
    let html = match html.rfind(DEFS) {
        Some(at) => {
            let end = html[at..].find("</div>\n").unwrap() + at + "</div>\n".len();
            format!("{}{}", &html[..at], &html[end..])
        }
        None => html.to_string(),
    };
    let mut out = String::new();
    let mut rest = html.as_str();
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find('>').map_or(rest.len(), |e| e + 1);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Tags in order: (name, is_closing).
fn tags(html: &str) -> Vec<(String, bool)> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let closing = rest.starts_with('/');
        let name: String = rest
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if !name.is_empty() {
            found.push((name.to_ascii_lowercase(), closing));
        }
    }
    found
}

fn markdown(raw_html: bool) -> impl Strategy<Value = String> {
    let pieces: Vec<&'static str> = if raw_html {
        PIECES.iter().chain(RAW_HTML).copied().collect()
    } else {
        PIECES.to_vec()
    };
    prop::collection::vec(prop::sample::select(pieces), 0..40).prop_map(|p| p.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn linking_never_changes_visible_text(body in markdown(true)) {
        let plain = site(&body, "off");
        for mode in ["first", "all"] {
            let linked = site(&body, mode);
            prop_assert_eq!(visible(&linked), visible(&plain), "mode {}", mode);
        }
    }

    #[test]
    fn term_links_are_never_inside_another_link(body in markdown(true)) {
        let html = site(&body, "all");
        let mut open_links = 0usize;
        let mut rest = html.as_str();
        while let Some(i) = rest.find('<') {
            rest = &rest[i..];
            if rest.starts_with("<a class=\"term\"") {
                prop_assert_eq!(open_links, 0, "nested term link in {}", html);
            }
            if rest.starts_with("<a ") || rest.starts_with("<a>") {
                open_links += 1;
            } else if rest.starts_with("</a>") {
                open_links = open_links.saturating_sub(1);
            }
            rest = &rest[1..];
        }
    }

    #[test]
    fn html_stays_balanced(body in markdown(false)) {
        let html = site(&body, "all");
        let mut stack: Vec<String> = Vec::new();
        for (name, closing) in tags(&html) {
            if ["img", "br", "hr", "input"].contains(&name.as_str()) {
                continue;
            }
            if closing {
                prop_assert_eq!(stack.pop(), Some(name.clone()), "unbalanced </{}> in {}", name, html);
            } else {
                stack.push(name);
            }
        }
        prop_assert!(stack.is_empty(), "unclosed {:?} in {}", stack, html);
    }
}

// Output paths (issue 8): whatever the file names, `slug`s and `aliases`, every file a
// build writes stays inside the output root.

/// One path segment, friendly or hostile.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        40 => "[a-z]{1,8}",
        1 => Just("..".to_string()),
        1 => Just(".".to_string()),
        1 => Just(String::new()),
        1 => Just("a b".to_string()),
        1 => Just("Донбас Луганськ".to_string()),
        1 => Just("a\\b".to_string()),
        1 => Just("C:x".to_string()),
        1 => Just("x\0y".to_string()),
        1 => Just("!!!".to_string()),
        2 => "\\PC{0,8}",
    ]
}

/// A source key: folders, then a file name (`_index.md` or `NAME.md`).
fn key() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(segment(), 0..3),
        prop_oneof![3 => segment().prop_map(|s| format!("{s}.md")), 1 => Just("_index.md".to_string())],
    )
        .prop_map(|(mut dirs, file)| {
            dirs.push(file);
            dirs.join("/")
        })
}

fn slug_value() -> impl Strategy<Value = String> {
    prop_oneof![
        16 => "[a-z]{1,8}",
        4 => "\\PC{1,8}",
        1 => Just("../../x".to_string()),
        1 => Just("/a/../../x".to_string()),
        1 => Just("a\\b".to_string()),
        1 => Just("C:x".to_string()),
        1 => Just("x\0y".to_string()),
        1 => Just("a/b".to_string()),
        1 => segment(),
        1 => prop::collection::vec(segment(), 1..4).prop_map(|s| s.join("/")),
    ]
}

fn alias() -> impl Strategy<Value = String> {
    prop_oneof![
        30 => "/[a-z]{1,6}/",
        10 => "/[a-z]{1,6}/[a-z]{1,6}\\.html",
        10 => prop::collection::vec(segment(), 1..4).prop_map(|s| format!("/{}", s.join("/"))),
        1 => Just("/../x".to_string()),
        1 => Just("/a/../../x".to_string()),
        1 => Just("/./x/".to_string()),
        1 => Just("a\\b".to_string()),
        1 => Just("/a\\b/".to_string()),
        1 => Just("C:x".to_string()),
        1 => Just("/C:x/".to_string()),
        1 => Just("/x\0y/".to_string()),
        1 => Just("/".to_string()),
        1 => Just("//x//y.html".to_string()),
        1 => Just("/old/url/".to_string()),
        1 => segment(),
    ]
}

/// One content file: its key, `slug` and `aliases`.
fn hostile_page() -> impl Strategy<Value = (String, Option<String>, Vec<String>)> {
    (
        key(),
        prop::option::weighted(0.4, slug_value()),
        prop::collection::vec(alias(), 0..3),
    )
}

/// `path` is relative, `/`-separated, without `.`/`..`/empty segments, backslashes, `:` or
/// NUL; and, lexically, `root.join(path)` is below `root`.
fn stays_inside(root: &std::path::Path, path: &str, trailing_slash_ok: bool) -> Result<(), String> {
    let trimmed = if trailing_slash_ok {
        path.strip_suffix('/').unwrap_or(path)
    } else {
        path
    };
    if trimmed.is_empty() {
        return if trailing_slash_ok && path.is_empty() {
            Ok(())
        } else {
            Err(format!("{path:?} is empty"))
        };
    }
    if let Some(bad) = trimmed
        .split('/')
        .find(|s| s.is_empty() || *s == "." || *s == ".." || s.contains(['\\', ':', '\0']))
    {
        return Err(format!("{path:?} has the segment {bad:?}"));
    }
    let joined = root.join(path);
    let mut depth = 0usize;
    for component in joined
        .strip_prefix(root)
        .map_err(|e| e.to_string())?
        .components()
    {
        match component {
            std::path::Component::Normal(_) => depth += 1,
            other => return Err(format!("{path:?} has the component {other:?}")),
        }
    }
    if depth == 0 {
        return Err(format!("{path:?} is the root itself"));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn output_paths_stay_inside_the_output_root(
        pages in prop::collection::vec(hostile_page(), 1..5),
    ) {
        let toml = |s: &str| toml::Value::String(s.to_string()).to_string();
        let sources: Vec<Source> = pages
            .iter()
            .map(|(key, slug, aliases)| {
                let slug = slug.as_deref().map_or(String::new(), |s| format!("slug = {}\n", toml(s)));
                let aliases: Vec<String> = aliases.iter().map(|a| toml(a)).collect();
                Source {
                    key: key.clone(),
                    text: format!(
                        "+++\ntitle = \"P\"\nsummary = \"S\"\n{slug}aliases = [{}]\n+++\nText.\n",
                        aliases.join(", ")
                    ),
                }
            })
            .collect();
        let config = Config::parse("title = \"T\"\n").unwrap();
        let Ok(site) = Site::parse_and_link(lede::load::Inputs::in_memory(".".into(), config, sources), &lede::Options::default()).into_site() else {
            return Ok(());
        };
        let root = std::path::Path::new("/srv/out");
        for page in &site.pages {
            if let Err(why) = stays_inside(root, &page.site_path, true) {
                prop_assert!(false, "{}: site_path: {}", page.key, why);
            }
            for redirect in &page.redirects {
                if let Err(why) = stays_inside(root, redirect, false) {
                    prop_assert!(false, "{}: redirect: {}", page.key, why);
                }
            }
        }
    }
}
