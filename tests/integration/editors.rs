//! Issue 17: one `check` run finds everything; navigation as data; summaries from the
//! body; attributions; hover definitions kept out of the text.

use super::*;

/// A site made by `lede init`, as a new user starts.
fn new_site() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    let run = lede_in(Path::new("."), &["init", root.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    (dir, root)
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// Builds the site, which must succeed, and reads one output file.
fn built(root: &Path, file: &str) -> String {
    let run = lede_in(root, &["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    fs::read_to_string(root.join(file)).unwrap()
}

/// `check --format short` on the site.
fn short(root: &Path) -> Run {
    lede_in(root, &["check", "--format", "short"])
}

/// Asserts that `output` contains `needle`, showing the output if not.
fn assert_has(output: &str, needle: &str) {
    assert!(output.contains(needle), "{needle}\nnot in\n{output}");
}

/// The five mistakes of the issue, each at a known file and line.
fn five_mistakes(root: &Path) -> Vec<(&'static str, usize, &'static str)> {
    write(
        root,
        "content/story.md",
        "+++\ntitle = \"The story\"\ndescripton = \"misspelt\"\n+++\nSee [the documents](document.md).\n\nAnd [[Donbsa]].\n",
    );
    write(
        root,
        "content/documents.md",
        "+++\ntitle = \"Documents\"\ndescription = \"d\"\n+++\nThe envoy's papers.\n",
    );
    write(
        root,
        "content/glossary/donbas.md",
        "+++\ntitle = \"Donbas\"\nsummary = \"A region.\"\n+++\nThe summit was about Donbas.\n",
    );
    write(
        root,
        "content/glossary/treaty.md",
        "+++\ntitle = \"treaty\"\n+++\n",
    );
    write(
        root,
        "content/glossary/summit.md",
        "+++\ntitle = \"summit\"\naliases = [\"envoys\"]\nsummary = \"A meeting.\"\n+++\nA treaty may follow.\n",
    );
    vec![
        (
            "content/story.md",
            3,
            "unknown front matter key `descripton`",
        ),
        (
            "content/story.md",
            5,
            "link to a missing page: `document.md`",
        ),
        ("content/story.md", 7, "unknown glossary term `Donbsa`"),
        (
            "content/glossary/summit.md",
            3,
            "glossary name `envoys` is also used by",
        ),
        (
            "content/glossary/treaty.md",
            1,
            "glossary term has no `summary`",
        ),
    ]
}

#[test]
fn one_check_run_lists_all_five_mistakes_in_json_and_short() {
    let (_dir, root) = new_site();
    let expected = five_mistakes(&root);

    let run = lede_in(&root, &["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    assert_eq!(json["complete"], true);
    let problems = json["problems"].as_array().unwrap();
    for (path, line, message) in &expected {
        assert!(
            problems.iter().any(|p| p["path"] == *path
                && p["line"].as_u64() == Some(*line as u64)
                && p["message"].as_str().unwrap().starts_with(message)),
            "{path}:{line} {message} not in {}",
            run.stdout
        );
    }
    let missing = problems
        .iter()
        .find(|p| p["message"] == "link to a missing page: `document.md`")
        .unwrap();
    assert_eq!(missing["help"], "did you mean `documents.md`?");

    let run = short(&root);
    assert_eq!(run.code, 1);
    for (path, line, message) in &expected {
        let prefix = format!("{path}:{line}:");
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with(&prefix) && l.contains(message)),
            "{prefix} {message} not in\n{}",
            run.stdout
        );
    }
    assert!(!run.stdout.contains("incomplete"), "{}", run.stdout);
    // build still refuses to write.
    let run = lede_in(&root, &["build"]);
    assert_eq!(run.code, 1);
    assert!(!root.join("public").exists());
}

#[test]
fn a_broken_site_toml_says_the_list_is_incomplete_in_every_format() {
    let (_dir, root) = new_site();
    write(&root, "site.toml", "title = \"T\"\ntitel = \"x\"\n");
    let json = lede_in(&root, &["check", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["complete"], false);
    let short = short(&root);
    assert!(
        short
            .stdout
            .lines()
            .last()
            .unwrap()
            .starts_with("check incomplete"),
        "{}",
        short.stdout
    );
    let human = lede_in(&root, &["check"]);
    assert!(
        human.stderr.contains("check incomplete"),
        "{}",
        human.stderr
    );
}

#[test]
fn a_nav_entry_naming_a_missing_file_fails_check_at_its_line() {
    let (_dir, root) = new_site();
    let toml = fs::read_to_string(root.join("site.toml")).unwrap();
    let toml = toml.replace("{ page = \"story.md\" }", "{ page = \"storry.md\" }");
    let line = toml.lines().position(|l| l.contains("storry.md")).unwrap() + 1;
    write(&root, "site.toml", &toml);
    let run = short(&root);
    assert_eq!(run.code, 1);
    let expected = format!(
        "site.toml:{line}:12: error: `[nav] main` names `storry.md`, which is not a page in content/ (did you mean `story.md`?)"
    );
    assert!(
        run.stdout.lines().any(|l| l == expected),
        "{expected}\n{}",
        run.stdout
    );
}

#[test]
fn menus_come_from_site_toml_then_front_matter_by_weight() {
    let (_dir, root) = new_site();
    write(
        &root,
        "content/later.md",
        "+++\ntitle = \"Later\"\ndescription = \"d\"\nmenu = \"main\"\nweight = 9\n+++\nx\n",
    );
    write(
        &root,
        "content/sooner.md",
        "+++\ntitle = \"Sooner page\"\nmenu_title = \"Sooner\"\ndescription = \"d\"\nmenu = \"main\"\nweight = 2\n+++\nx\n",
    );
    let html = built(&root, "public/index.html");
    let nav = html
        .split("<nav")
        .nth(1)
        .unwrap()
        .split("</nav>")
        .next()
        .unwrap();
    let labels: Vec<&str> = nav
        .split("\">")
        .skip(2)
        .filter_map(|s| s.split("</a>").next())
        .collect();
    assert_eq!(
        labels,
        ["Home", "The story", "Glossary", "Sooner", "Later"],
        "{nav}"
    );
    write(
        &root,
        "content/later.md",
        "+++\ntitle = \"Later\"\nmenu = \"mian\"\n+++\nx\n",
    );
    let run = short(&root);
    assert_has(
        &run.stdout,
        "content/later.md:3:1: error: unknown menu `mian` (did you mean `main`?)",
    );
}

#[test]
fn a_term_without_summary_builds_and_its_tooltip_is_its_first_sentence() {
    let (_dir, root) = new_site();
    write(
        &root,
        "content/glossary/envoy.md",
        "+++\ntitle = \"envoy\"\ndescription = \"d\"\n+++\nA *representative* sent by a government for one task. Envoys travel.\n",
    );
    let check = short(&root);
    assert_eq!((check.code, check.stdout.as_str()), (0, ""));
    let story = built(&root, "public/story/index.html");
    let sentence = "A representative sent by a government for one task.";
    assert!(
        story.contains(&format!(
            "<span class=\"term-ref\" data-def=\"{sentence}\">"
        )),
        "{story}"
    );
    assert!(story.contains(&format!("<p id=\"def-envoy\">{sentence}</p>")));
}

/// The page's HTML with every tag removed.
fn text_of(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

#[test]
fn quotes_read_as_written_with_no_definition_inside() {
    let (_dir, root) = new_site();
    write(
        &root,
        "content/story.md",
        "+++\ntitle = \"The story\"\ndescription = \"d\"\n+++\n> “The envoy spoke of the summit, and the envoy left.”\n>\n> - A named speaker\n\n> “Every summit needs an envoy.”\n>\n> -- Another speaker\n",
    );
    let html = built(&root, "public/story/index.html");
    let text = text_of(&html);
    for quote in [
        "“The envoy spoke of the summit, and the envoy left.”",
        "“Every summit needs an envoy.”",
    ] {
        assert!(text.contains(quote), "{quote} not in {text}");
    }
    // Both attributions make figures, the hyphen one included.
    assert_eq!(
        // Each figure has an id, for links to the quote in place (issue 16).
        html.matches("<figure class=\"quote\" id=\"quote-").count(),
        2,
        "{html}"
    );
    assert!(
        html.contains("<figcaption>— A named speaker</figcaption>"),
        "{html}"
    );
    assert!(
        html.contains("<figcaption>– Another speaker</figcaption>"),
        "{html}"
    );
    // Each definition once, outside the text flow, named by the links.
    let definition = "A representative sent by a government for one task.";
    assert_eq!(text.matches(definition).count(), 1);
    assert!(html.contains("<div class=\"term-defs\" hidden>"));
    assert!(html.contains("aria-describedby=\"def-envoy\""));
}

#[test]
fn a_quote_whose_last_line_looks_like_a_failed_attribution_warns() {
    let (_dir, root) = new_site();
    write(
        &root,
        "content/story.md",
        "+++\ntitle = \"The story\"\ndescription = \"d\"\n+++\n> “Quoted.”\n> — Forgot the blank line\n",
    );
    let run = short(&root);
    assert_has(
        &run.stdout,
        "content/story.md:5:1: warning: the last line of this quote looks like an attribution but is not one",
    );
}

#[test]
fn part_n_counts_pages_in_order_not_the_weight() {
    let (_dir, root) = new_site();
    write(
        &root,
        "content/story.md",
        "+++\ntitle = \"The story\"\ndescription = \"d\"\nweight = 20\n+++\nx\n",
    );
    write(
        &root,
        "content/first.md",
        "+++\ntitle = \"First\"\ndescription = \"d\"\nweight = 10\n+++\nx\n",
    );
    let story = built(&root, "public/story/index.html");
    assert!(story.contains("Part 2 of the explainer"), "{story}");
    assert!(!story.contains("Part 20"));
}

#[test]
fn empty_and_missing_values_are_named() {
    let (_dir, root) = new_site();
    write(
        &root,
        "content/glossary/envoy.md",
        "+++\ntitle = \"envoy\"\nsummary = \"\"\n+++\nAn envoy.\n",
    );
    write(
        &root,
        "content/story.md",
        "+++\ntitle = \"S\"\nweight =\n+++\nx\n",
    );
    let run = short(&root);
    assert_has(
        &run.stdout,
        "content/glossary/envoy.md:3:1: warning: `summary` is empty",
    );
    assert_has(
        &run.stdout,
        "content/story.md:3:9: error: `weight` has no value in the front matter",
    );
}

#[test]
fn term_pages_list_story_pages_first_and_fold_after_eight() {
    let (_dir, root) = new_site();
    for n in 1..=10 {
        write(
            &root,
            &format!("content/p{n:02}.md"),
            &format!(
                "+++\ntitle = \"Page {n}\"\ndescription = \"d\"\nweight = {}\n+++\nThe envoy number {n}.\n",
                20 - n
            ),
        );
    }
    let html = built(&root, "public/glossary/envoy/index.html");
    let mentions = html.split("Mentioned in").nth(1).unwrap();
    // Story pages in reading order (by weight: page 10 first), then the summit term.
    let titles: Vec<&str> = mentions
        .split("\">")
        .filter_map(|s| s.split("</a>").next())
        .filter(|t| t.starts_with("Page ") || *t == "summit")
        .collect();
    assert_eq!(titles.first(), Some(&"Page 10"), "{mentions}");
    assert_eq!(titles.last(), Some(&"summit"), "{mentions}");
    let (shown, folded) = mentions
        .split_once("<details class=\"mentions-more\">")
        .unwrap();
    assert_eq!(shown.matches("<li>").count(), 8, "{shown}");
    assert!(
        folded.starts_with("\n<summary>Show all 11</summary>"),
        "{folded}"
    );
    assert!(mentions.contains("<p class=\"mention-excerpt\">The envoy number 10.</p>"));
}
