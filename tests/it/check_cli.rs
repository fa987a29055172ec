//! `sim check`'s command line at its edges: an architecture and its base of several files, the
//! output files named through `..`, what the Markdown comment escapes, and the flag a missing
//! export was named by.

use crate::common::{root, sim};
use std::path::Path;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The AWS CLI output of one architecture: seven files, in name order.
fn cli_files() -> Vec<String> {
    let dir = root().join("tests/fixtures/import/orders/cli");
    let mut files: Vec<String> = (std::fs::read_dir(&dir).unwrap())
        .map(|e| e.unwrap().path().to_str().unwrap().to_string())
        .filter(|p| p.ends_with(".json"))
        .collect();
    files.sort();
    assert!(files.len() > 2, "{files:?}");
    files
}

#[test]
fn every_file_after_base_is_the_base_so_the_same_files_are_no_change() {
    let files = cli_files();
    let out = sim()
        .arg("check")
        .args(&files)
        .arg("--base")
        .args(&files)
        .args(["--slo", "iterator_age_max<30s", "--rate", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = stdout(&out);
    let change = said.lines().find(|l| l.starts_with("change: ")).unwrap();
    assert!(
        change.starts_with("change: no change to the architecture: "),
        "{said}"
    );
}

#[test]
fn repeating_base_once_per_file_gives_the_same_base() {
    let files = cli_files();
    let mut cmd = sim();
    cmd.arg("check").args(&files);
    for f in &files {
        cmd.args(["--base", f]);
    }
    let out = cmd
        .args(["--slo", "iterator_age_max<30s", "--rate", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("change: no change to the architecture: "),
        "{}",
        stdout(&out)
    );
}

#[test]
fn the_help_says_how_several_base_files_are_given() {
    let out = sim().args(["check", "--help"]).output().unwrap();
    let help = stdout(&out);
    assert!(help.contains("--base old/*.json"), "{help}");
    assert!(
        help.contains("--base takes every file up to the next flag"),
        "{help}"
    );
}

/// A check whose Markdown and JUnit XML name one file: refused, nothing written.
fn one_file_twice(cwd: &Path, markdown: &str, junit: &str) {
    let out = sim()
        .current_dir(cwd)
        .args([
            "check",
            s(&root().join(AUDIT)),
            "--slo",
            "iterator_age_max<30s",
        ])
        .args(["--markdown", markdown, "--junit", junit])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--markdown and --junit both name"),
        "{}",
        stderr(&out)
    );
    assert!(!cwd.join("x.md").exists());
}

/// The shipped example of a change that breaks its objective (exit 1 when it runs).
const AUDIT: &str = "examples/check/dynamodb-readers-audit.toml";

#[test]
fn markdown_and_junit_naming_one_file_through_dotdot_or_a_symlink_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("d")).unwrap();
    one_file_twice(d, "d/../x.md", "x.md");
    one_file_twice(d, "x.md", "./d/../x.md");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(d, d.join("link")).unwrap();
        one_file_twice(d, "link/x.md", "x.md");
    }
}

#[test]
fn the_markdown_escapes_html_in_the_model_name_and_backticks_in_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("models/dynamodb-readers.toml")).unwrap();
    let text = text.replacen(
        "name = \"dynamodb-readers\"",
        "name = \"<img src=x onerror=alert(1)> a|b\"",
        1,
    );
    assert!(text.contains("<img"));
    let model = dir.path().join("a`b.toml");
    std::fs::write(&model, text).unwrap();
    let md = dir.path().join("check.md");
    let out = sim()
        .args(["check", s(&model), "--slo", "iterator_age_max<30s"])
        .args(["--markdown", s(&md)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let md = std::fs::read_to_string(&md).unwrap();
    let head = md.lines().next().unwrap();
    assert!(
        head.ends_with("on \\<img src=x onerror=alert(1)\\> a\\|b"),
        "{head}"
    );
    assert!(!md.contains(" <img"), "{md}");
    let checked = format!("Checked: ``{}``.", model.display());
    assert!(md.contains(&checked), "{checked}\n{md}");
}

#[test]
fn a_traffic_export_that_does_not_exist_is_named_as_typed() {
    let dir = tempfile::tempdir().unwrap();
    let out = sim()
        .current_dir(dir.path())
        .args(["check", s(&root().join("models/dynamodb-readers.toml"))])
        .args(["--slo", "iterator_age_max<30s", "--traffic", "nowhere"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("--traffic nowhere: nowhere does not exist: give a folder holding"),
        "{err}"
    );
    assert!(!err.contains("queries.json: cannot read"), "{err}");
}
