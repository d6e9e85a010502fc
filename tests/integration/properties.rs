//! Properties of auto-linking (issue 3) for arbitrary Markdown made of tricky pieces:
//! it never changes the visible text, never nests links, and keeps the HTML balanced.

use lede::config::Config;
use lede::content::Source;
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
    let site = Site::from_sources(".".into(), config, sources, false, Vec::new())
        .unwrap_or_else(|e| panic!("{e:?}"));
    site.parsed[site.pages.iter().position(|p| p.key == "page.md").unwrap()]
        .html
        .clone()
}

/// The text a reader sees: tags and hover definitions removed.
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with("<span class=\"term-tip\"") {
            let end = rest.find("</span>").unwrap();
            rest = &rest[end + "</span>".len()..];
        } else {
            let end = rest.find('>').map_or(rest.len(), |e| e + 1);
            rest = &rest[end..];
        }
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
