//! The crate's layers hold: every module of src/ refers only to the modules below it in [`LAYERS`]
//! (through `use` statements or paths such as `crate::model::simulate`), and the files inside one
//! module do not import each other in a circle.
//!
//! Unit tests at the bottom of a file (from its `#[cfg(test)]` line on) are not checked: they may
//! build their inputs with a higher layer, e.g. a model spec from model-file text.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level modules from the bottom up; each may use only the ones before it. This is the
/// order stated in the `//!` documentation of src/lib.rs.
const LAYERS: &[&str] = &[
    "engine",
    "dist",
    "fsio",
    "input",
    "cloudwatch",
    "plot",
    "model",
    "config",
    "assumptions",
    "experiment",
    "sweep",
    "plan",
    "output",
    "calibrate",
    "progress",
    "cli",
];

/// Every `.rs` file under `dir`, in a stable order.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The module path of a file relative to src/: `model/world/lineage.rs` is
/// `["model", "world", "lineage"]`, `sweep/mod.rs` is `["sweep"]`.
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The text of a file up to its unit tests, without comments that are not documentation.
fn checked_text(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    code.lines()
        .map(|l| {
            let t = l.trim_start();
            if t.starts_with("//") && !t.starts_with("///") && !t.starts_with("//!") {
                ""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Expands a `use` tree such as `super::{a, b::{c, d}}` into its paths.
fn expand_use(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand_use(&format!("{prefix}{p}")))
        .collect()
}

/// Every path starting with `crate`, `super` or `self` in `text`, from `use` statements and from
/// paths written in code.
fn referenced_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().last();
        rest = &rest[at + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(end) = rest.find(';') {
            out.extend(expand_use(&rest[..end]));
        }
    }
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .collect();
    for w in words {
        if ["crate::", "super::", "self::"]
            .iter()
            .any(|p| w.starts_with(p))
        {
            out.push(w.trim_end_matches(':').to_string());
        }
    }
    out
}

/// `path` (as written in the file of module `module`) as a path from the crate root.
fn resolve(module: &[String], path: &str) -> Option<Vec<String>> {
    let mut segs = path.split("::").filter(|s| !s.is_empty());
    let mut base: Vec<String> = match segs.next()? {
        "crate" => Vec::new(),
        "self" => module.to_vec(),
        "super" => {
            let mut b = module.to_vec();
            b.pop();
            b
        }
        _ => return None,
    };
    for s in segs {
        if s == "super" {
            base.pop();
        } else {
            base.push(s.to_string());
        }
    }
    Some(base)
}

/// For every file under src/: its module path and the crate paths it refers to.
fn references() -> Vec<(String, Vec<String>, Vec<Vec<String>>)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    rust_files(&src)
        .into_iter()
        .map(|path| {
            let rel = path.strip_prefix(&src).unwrap().to_path_buf();
            let module = module_path(&rel);
            let refs = referenced_paths(&checked_text(&path))
                .iter()
                .filter_map(|p| resolve(&module, p))
                .filter(|r| !r.is_empty())
                .collect();
            (rel.display().to_string(), module, refs)
        })
        .collect()
}

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == module)
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let mut broken = Vec::new();
    for (file, module, refs) in references() {
        let Some(top) = module.first().filter(|m| *m != "lib" && *m != "main") else {
            continue;
        };
        let own = rank(top).unwrap_or_else(|| panic!("{file}: `{top}` is not in LAYERS"));
        for r in refs {
            let target = &r[0];
            match rank(target) {
                Some(t) if t < own || target == top => {}
                Some(_) => broken.push(format!("{file} uses `{}`", r.join("::"))),
                None => broken.push(format!("{file} uses `{target}`, not in LAYERS")),
            }
        }
    }
    broken.dedup();
    assert!(
        broken.is_empty(),
        "imports against the layers:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_layer_order_is_the_one_lib_rs_documents() {
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let documented: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//! - [`"))
        .filter_map(|l| l.split('`').next())
        .collect();
    assert_eq!(documented, LAYERS);
}

/// The files (or folders) directly inside one module, with which of their siblings each refers to.
fn sibling_graph(parent: &[String]) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let depth = parent.len();
    for (_, module, refs) in references() {
        if module.len() <= depth || module[..depth] != *parent {
            continue;
        }
        let from = module[depth].clone();
        let edges = graph.entry(from.clone()).or_default();
        for r in refs {
            if r.len() > depth && r[..depth] == *parent && r[depth] != from {
                edges.insert(r[depth].clone());
            }
        }
    }
    graph
}

/// A circle of imports in `graph`, if there is one.
fn find_circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut circle = path[i..].to_vec();
            circle.push(node.to_string());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

/// Modules whose files are not yet checked for circles, and why (none: keep it that way).
const CIRCLES_UNCHECKED: &[(&str, &str)] = &[];

#[test]
fn files_inside_a_module_do_not_import_each_other_in_a_circle() {
    let mut circles = Vec::new();
    let unchecked = |l: &&&str| CIRCLES_UNCHECKED.iter().all(|(m, _)| m != *l);
    for layer in LAYERS.iter().filter(unchecked) {
        if let Some(c) = find_circle(&sibling_graph(&[layer.to_string()])) {
            circles.push(format!("{layer}: {}", c.join(" -> ")));
        }
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn use_trees_expand_and_relative_paths_resolve() {
    assert_eq!(
        expand_use("super::{a, b::{c, d}}"),
        ["super::a", "super::b::c", "super::b::d"]
    );
    let m = [
        "model".to_string(),
        "world".to_string(),
        "lineage".to_string(),
    ];
    assert_eq!(
        resolve(&m, "super::Event").unwrap(),
        ["model", "world", "Event"]
    );
    assert_eq!(
        resolve(&m, "crate::engine::Queue").unwrap(),
        ["engine", "Queue"]
    );
    assert_eq!(resolve(&m, "std::fs"), None);
}
