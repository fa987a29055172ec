//! The crate's layers hold, and the architecture page says them: every file of src/ refers only to
//! its own module and the modules below it in [`LAYERS`] (through `use` statements or paths such
//! as `crate::model::simulate`), no files import each other in a circle at any depth, and the
//! layer table of docs/architecture.md lists exactly [`LAYERS`], which is exactly what src/lib.rs
//! declares and documents.
//!
//! Every line of a file is read except its unit-test modules (`#[cfg(test)] mod NAME { ... }`,
//! found by matching braces, and the files of `#[cfg(test)] mod NAME;`): tests may build their
//! inputs with a higher layer, e.g. a model spec from model-file text. Plain comments and the
//! contents of string and character literals are not read; documentation comments are, since
//! their links name items.

use crate::common::root;

#[path = "layers/graph.rs"]
mod graph;
#[path = "layers/source.rs"]
mod source;

use graph::{circle_path, circles, import_graph};
use source::{checked_text, expand_use, read_refs, resolve, File};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level modules from the bottom up; each may use only the ones before it. This is the
/// order stated in the `//!` documentation of src/lib.rs and in docs/architecture.md.
const LAYERS: &[&str] = &[
    "engine",
    "dist",
    "fsio",
    "input",
    "cloudwatch",
    "plot",
    "model",
    "config",
    "import",
    "assumptions",
    "experiment",
    "sweep",
    "plan",
    "output",
    "calibrate",
    "progress",
    "cli",
];

/// Folders whose files import each other in a circle, known and accepted, with why (keep it short):
/// a circle whose files all lie in one of these folders passes. A circle anywhere else, one that
/// leaves its folder, or a folder listed here without a circle fails the test.
const KNOWN_CIRCLES: &[(&str, &str)] = &[
    (
        "experiment/",
        "`expand::build` constructs the `Experiment` of `mod.rs` (private fields included), which \
         `Experiment::open` calls: the type and its one constructor, split for length",
    ),
    (
        "model/world/",
        "`World` is defined in `mod.rs` and each mechanism file adds its methods (`impl World`); \
         `mod.rs` holds their state types (`Reader`, `Lineage`, `Trace`) and dispatches to them",
    ),
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
/// `["model", "world", "lineage"]`, `sweep/mod.rs` is `["sweep"]`, `lib.rs` is `[]`.
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") || parts == ["lib"] {
        parts.pop();
    }
    parts
}

/// Every file of src/ except test modules, read.
fn files() -> Vec<File> {
    let src = root().join("src");
    let mut read = Vec::new();
    let mut test_modules = BTreeSet::new();
    for path in rust_files(&src) {
        let rel = path.strip_prefix(&src).unwrap().to_path_buf();
        let module = module_path(&rel);
        let (code, tests) = checked_text(&std::fs::read_to_string(&path).unwrap());
        for t in tests {
            test_modules.insert([module.clone(), vec![t]].concat());
        }
        read.push((rel.display().to_string(), module, code));
    }
    read.retain(|(_, m, _)| !test_modules.contains(m) && *m != ["main"]);
    let modules: BTreeSet<Vec<String>> = read.iter().map(|(_, m, _)| m.clone()).collect();
    read.into_iter()
        .map(|(rel, module, code)| {
            let children = modules
                .iter()
                .filter(|m| m.len() == module.len() + 1 && m.starts_with(&module))
                .map(|m| m[module.len()].clone())
                .collect();
            File {
                rel,
                ..read_refs(&module, &code, &children)
            }
        })
        .collect()
}

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == module)
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let mut broken = Vec::new();
    for f in files() {
        let Some(top) = f.module.first() else {
            continue;
        };
        let own = rank(top).unwrap_or_else(|| panic!("{}: `{top}` is not in LAYERS", f.rel));
        let all = f.refs.iter().chain(f.imports.iter().map(|i| &i.path));
        for r in all.filter(|r| !r.is_empty()) {
            let target = &r[0];
            match rank(target) {
                Some(t) if t < own || target == top => {}
                Some(_) => broken.push(format!("{} uses `{}`", f.rel, r.join("::"))),
                None => broken.push(format!("{} uses `{target}`, not in LAYERS", f.rel)),
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
fn the_layer_order_is_the_one_lib_rs_documents_and_declares() {
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).unwrap();
    let documented: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//! - [`"))
        .filter_map(|l| l.split('`').next())
        .collect();
    assert_eq!(documented, LAYERS);
    let declared: BTreeSet<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    assert_eq!(declared, LAYERS.iter().copied().collect::<BTreeSet<_>>());
}

/// The first column of the table under `## Layers` in docs/architecture.md, top row first.
fn documented_layers(page: &str) -> Vec<String> {
    page.lines()
        .skip_while(|l| l.trim() != "## Layers")
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_architecture_page_lists_every_layer_in_order() {
    let page = std::fs::read_to_string(root().join("docs/architecture.md")).unwrap();
    assert_eq!(
        documented_layers(&page),
        LAYERS,
        "the layer table of docs/architecture.md (bottom first) and the layers tests/it/layers.rs \
         enforces differ"
    );
}

#[test]
fn no_files_import_each_other_in_a_circle() {
    let graph = import_graph(&files());
    let found = circles(&graph);
    let within = |folder: &str, scc: &[String]| scc.iter().all(|f| f.starts_with(folder));
    let mut problems = Vec::new();
    for scc in &found {
        if !KNOWN_CIRCLES.iter().any(|(folder, _)| within(folder, scc)) {
            problems.push(format!("circle: {}", circle_path(&graph, scc)));
        }
    }
    for (folder, _) in KNOWN_CIRCLES {
        if !found.iter().any(|scc| within(folder, scc)) {
            problems.push(format!(
                "{folder} is in KNOWN_CIRCLES but has no circle: remove it"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn use_trees_expand_and_relative_paths_resolve() {
    assert_eq!(
        expand_use("super::{a, b::{c, d as e}}"),
        ["super::a", "super::b::c", "super::b::d as e"]
    );
    let m = ["model", "world", "lineage"].map(String::from);
    let none = BTreeSet::new();
    assert_eq!(
        resolve(&m, "super::Event", &none).unwrap(),
        ["model", "world", "Event"]
    );
    assert_eq!(
        resolve(&m, "crate::engine::Queue", &none).unwrap(),
        ["engine", "Queue"]
    );
    assert_eq!(resolve(&m, "std::fs", &none), None);
    let world = ["model", "world"].map(String::from);
    let children = BTreeSet::from(["reader".to_string()]);
    assert_eq!(
        resolve(&world, "reader::Reader", &children).unwrap(),
        ["model", "world", "reader", "Reader"]
    );
}

#[test]
fn only_the_test_module_is_skipped_and_the_code_after_it_is_read() {
    let text = r##"use crate::a::A;
#[cfg(test)]
fn helper() { crate::b::f() }
#[cfg(test)]
mod tests {
    use crate::cli::Args;
    const S: &str = "}}} not a brace";
    const R: &str = r#"}"#;
    const C: char = '}';
    fn f<'a>(x: &'a str) -> &'a str { /* } */ x } // }
}
#[cfg(test)]
mod more;
// use crate::commented::Out;
fn after() { let s = "use crate::quoted::Q;"; crate::c::g(s) }
"##;
    let (code, test_files) = checked_text(text);
    assert_eq!(test_files, ["more"]);
    let file = read_refs(&["x".to_string()], &code, &BTreeSet::new());
    let refs: Vec<String> = file.refs.iter().map(|r| r.join("::")).collect();
    assert_eq!(refs, ["a::A", "b::f", "c::g"]);
}

#[test]
fn a_circle_is_found_at_any_depth_and_shown_as_a_path() {
    let edge = |pairs: &[(&str, &str)]| {
        let mut g: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (a, b) in pairs {
            g.entry(a.to_string())
                .or_default()
                .insert(b.to_string(), format!("{b}::X"));
            g.entry(b.to_string()).or_default();
        }
        g
    };
    let g = edge(&[
        ("m/a.rs", "m/deep/b.rs"),
        ("m/deep/b.rs", "n/c.rs"),
        ("n/c.rs", "m/a.rs"),
        ("n/c.rs", "n/d.rs"),
    ]);
    let found = circles(&g);
    assert_eq!(found, [vec!["m/a.rs", "m/deep/b.rs", "n/c.rs"]]);
    assert_eq!(
        circle_path(&g, &found[0]),
        "m/a.rs uses m/deep/b.rs::X, m/deep/b.rs uses n/c.rs::X, n/c.rs uses m/a.rs::X"
    );
    assert!(circles(&edge(&[("a", "b"), ("b", "c"), ("a", "c")])).is_empty());
}

#[test]
fn a_name_is_traced_through_re_exports_to_the_file_that_defines_it() {
    let set = |names: &[&str]| names.iter().map(|n| n.to_string()).collect();
    let m = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let facade = "pub use inner::Thing;\npub use glob::*;\npub use named::Used;\nfn f(_: Used) {}";
    let mut files = vec![
        read_refs(&m(&["top"]), facade, &set(&["inner", "glob", "named"])),
        read_refs(&m(&["top", "inner"]), "pub struct Thing;", &set(&[])),
        read_refs(&m(&["top", "glob"]), "pub fn globbed() {}", &set(&[])),
        read_refs(&m(&["top", "named"]), "pub struct Used;", &set(&[])),
        read_refs(
            &m(&["user"]),
            "fn f() { crate::top::Thing; crate::top::globbed() }",
            &set(&[]),
        ),
    ];
    let rels = [
        "top/mod.rs",
        "top/inner.rs",
        "top/glob.rs",
        "top/named.rs",
        "user.rs",
    ];
    for (f, rel) in files.iter_mut().zip(rels) {
        f.rel = rel.to_string();
    }
    let graph = import_graph(&files);
    let uses = |file: &str| graph[file].keys().cloned().collect::<Vec<_>>();
    // A re-export is the facade's own use only when its code names it; a glob always counts.
    assert_eq!(uses("top/mod.rs"), ["top/glob.rs", "top/named.rs"]);
    assert_eq!(uses("user.rs"), ["top/glob.rs", "top/inner.rs"]);
}
