//! The shape of the source, checked: data flows one way between the library's modules (no
//! module imports another that imports it back, directly or through others), and `serve`
//! reaches the core only through what the library exports at its root.
//!
//! Read from `src/` as text: a module's imports are the `crate::name` paths in its files
//! (its tests left out), where `name` is another top-level module.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module → the other top-level modules its non-test code names.
type Graph = BTreeMap<String, BTreeSet<String>>;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, with the top-level module it belongs to.
fn files(dir: &Path, module: Option<&str>, out: &mut Vec<(String, PathBuf)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src/ is readable")
        .map(|e| e.expect("an entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let owner = module.map_or(stem.clone(), str::to_string);
        if path.is_dir() {
            files(&path, Some(&owner), out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((owner, path));
        }
    }
}

/// The code of a file without its `mod tests` (by convention the last item) and without
/// comment lines (a doc link is not an import).
fn non_test_code(text: &str) -> String {
    let code = text.find("\nmod tests {").map_or(text, |at| &text[..at]);
    code.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names that follow `crate::` in `code`, with those inside `crate::{a, b::c}` groups.
fn crate_paths(code: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut names = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        // `lede::crate::` cannot occur; `$crate::` is a macro's and names this crate too.
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0usize;
            let mut start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && !c.is_whitespace() => {
                        names.push(ident(&group[i..]));
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            names.push(ident(rest));
        }
    }
    names
}

/// The modules of the library and what each imports.
fn graph() -> (Graph, BTreeMap<String, BTreeSet<String>>) {
    let mut all = Vec::new();
    files(&src(), None, &mut all);
    let modules: BTreeSet<String> = all
        .iter()
        .map(|(m, _)| m.clone())
        .filter(|m| m != "lib" && m != "main")
        .collect();
    let mut imports = Graph::new();
    let mut root_names = BTreeMap::<String, BTreeSet<String>>::new();
    for (module, path) in &all {
        if !modules.contains(module) {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("a source file");
        for name in crate_paths(&non_test_code(&text)) {
            if name == *module || name.is_empty() {
                continue;
            }
            if modules.contains(&name) {
                imports.entry(module.clone()).or_default().insert(name);
            } else {
                root_names.entry(module.clone()).or_default().insert(name);
            }
        }
        imports.entry(module.clone()).or_default();
    }
    (imports, root_names)
}

/// A cycle through `from`, if there is one: `[from, a, b, from]`.
fn cycle_through(graph: &Graph, from: &str) -> Option<Vec<String>> {
    fn walk(
        graph: &Graph,
        at: &str,
        goal: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in graph.get(at).into_iter().flatten() {
            if next == goal {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, next, goal, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![from.to_string()];
    walk(graph, from, from, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn no_two_modules_import_each_other_directly_or_through_others() {
    let (graph, _) = graph();
    assert!(graph.len() > 10, "the modules were found: {graph:?}");
    let cycles: Vec<String> = graph
        .keys()
        .filter_map(|m| cycle_through(&graph, m))
        .map(|c| c.join(" → "))
        .collect();
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_cycle_finder_finds_a_cycle_through_a_third_module() {
    let mut graph = Graph::new();
    for (from, to) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        graph.entry(from.into()).or_default().insert(to.into());
    }
    assert_eq!(cycle_through(&graph, "a").unwrap(), ["a", "b", "c", "a"]);
    assert_eq!(cycle_through(&graph, "d"), None);
}

#[test]
fn crate_paths_are_read_from_paths_and_groups() {
    let code = "use crate::site::{Site, Options};\nuse crate::{Engine, config::{A, B}, search};\nlet x = crate::when::now();";
    assert_eq!(
        crate_paths(code),
        ["site", "Engine", "config", "search", "when"]
    );
}

#[test]
fn serve_reaches_the_core_only_through_the_library_root() {
    let (graph, root_names) = graph();
    let serve = graph.get("serve").expect("a serve module");
    assert!(
        serve.is_empty(),
        "src/serve/ imports the core's modules {serve:?}: use what lib.rs exports instead"
    );
    // The issue's own check, word for word.
    let forbidden = [
        "config", "content", "markdown", "glossary", "links", "render", "publish", "output", "site",
    ];
    let mut serve_files = Vec::new();
    files(&src().join("serve"), Some("serve"), &mut serve_files);
    for (_, path) in serve_files {
        let text = std::fs::read_to_string(&path).unwrap();
        for name in crate_paths(&non_test_code(&text)) {
            assert!(
                !forbidden.contains(&name.as_str()),
                "{} names crate::{name}",
                path.display()
            );
        }
    }
    assert!(
        root_names
            .get("serve")
            .is_some_and(|n| n.contains("Engine")),
        "serve drives the core's engine: {root_names:?}"
    );
}
