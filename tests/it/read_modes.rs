//! Read modes have one point of extension: what a mode implies is asked of `ReadMode`'s methods
//! (exhaustive matches in `model/spec.rs`), never by comparing a mode with one variant or its
//! name elsewhere, so that a new mode cannot silently count as one of the old ones.

use crate::common::root;
use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_source_file_but_the_spec_compares_a_read_mode_with_one_variant() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut found = Vec::new();
    for f in files {
        if f.ends_with("model/spec.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, line) in text.lines().enumerate() {
            let compares = [
                "== ReadMode::",
                "!= ReadMode::",
                "matches!(",
                "if let ReadMode::",
            ]
            .iter()
            .any(|p| line.contains(p) && line.contains("ReadMode::"));
            let by_name = line.contains(".read\")") && line.contains("== Some(\"");
            if compares || by_name {
                found.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "ask ReadMode's methods instead:\n{}",
        found.join("\n")
    );
}
