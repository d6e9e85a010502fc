//! The explainer this repository ships: it builds, and every internal link resolves.

use super::*;

#[test]
fn the_bundled_explainer_builds_and_its_links_resolve() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("public");
    let run = lede_in(root, &["build", "--output-dir", target.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        !run.stderr.contains("warning"),
        "the explainer builds without warnings: {}",
        run.stderr
    );
    assert_internal_links_resolve(&target, "/");
    // Every term page lists where the term is mentioned.
    for entry in fs::read_dir(root.join("content/glossary")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".md").filter(|s| *s != "_index") else {
            continue;
        };
        let html =
            fs::read_to_string(target.join("glossary").join(stem).join("index.html")).unwrap();
        assert!(
            html.contains("#mention-"),
            "glossary/{stem} lists no mention"
        );
    }
}
