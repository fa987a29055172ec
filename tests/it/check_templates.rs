//! `sim check` on the infrastructure code a pull request changes: SAM templates (any format `sim
//! import` reads) checked against their base version with the objectives stated beside them, and
//! bad templates refused with a located error and nothing written.

use crate::common::sim;
use std::path::Path;

const V1: &str = "examples/review/orders.yaml";
const V2: &str = "examples/review/orders-v2.yaml";
/// What the templates cannot say: the traffic and the functions' durations.
const TRAFFIC: [&str; 6] = [
    "--rate",
    "200",
    "--record-size",
    "1KiB,8KiB",
    "--function-duration",
    "40ms,250ms",
];

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

#[test]
fn a_template_that_adds_subscribers_is_checked_against_its_base_and_fails_its_objectives() {
    let tmp = tempfile::tempdir().unwrap();
    let (md, xml) = (tmp.path().join("review.md"), tmp.path().join("review.xml"));
    let out = sim()
        .args(["check", V2, "--base", V1])
        .args(TRAFFIC)
        .arg("--markdown")
        .arg(&md)
        .arg("--junit")
        .arg(&xml)
        .output()
        .unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("adds subscribers `audit`, `notifications` and `search-index` to `orders`"),
        "{stdout}"
    );
    // The objectives come from examples/review/sim-objectives.toml, beside the template.
    assert!(
        stdout.contains("objective `iterator_age_max < 30s` now fails"),
        "{stdout}"
    );
    assert!(stdout.contains("throttled reads 0/min -> "), "{stdout}");
    // What the import could not model is said, as `sim import` says it.
    assert!(
        stderr.contains("FilterCriteria is not modelled"),
        "{stderr}"
    );
    let page = std::fs::read_to_string(&md).unwrap();
    assert!(page.contains("**FAIL**") && page.contains(V2), "{page}");
    let junit = std::fs::read_to_string(&xml).unwrap();
    assert_eq!(junit.matches("<failure").count(), 2, "{junit}");
}

#[test]
fn the_base_template_alone_meets_its_objectives() {
    let out = sim().args(["check", V1]).args(TRAFFIC).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn a_template_and_the_model_imported_from_it_get_the_same_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("orders-v2.toml");
    let import = sim()
        .args(["import", V2, "--out"])
        .arg(&model)
        .args(TRAFFIC)
        .output()
        .unwrap();
    assert!(import.status.success(), "{}", text(&import.stderr));
    // The objectives beside the template go beside the model too.
    std::fs::copy(
        "examples/review/sim-objectives.toml",
        tmp.path().join("sim-objectives.toml"),
    )
    .unwrap();
    let verdict = |arch: &str| {
        let out = sim()
            .args(["check", arch, "--slo", "iterator_age_max < 30s"])
            .args(TRAFFIC)
            .output()
            .unwrap();
        let lines: Vec<String> = text(&out.stdout)
            .lines()
            .skip(1)
            .map(String::from)
            .collect();
        (out.status.code(), lines)
    };
    assert_eq!(verdict(V2), verdict(model.to_str().unwrap()));
}

#[test]
fn a_bad_template_is_located_exits_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let md = tmp.path().join("review.md");
    let bad = Path::new("tests/bad/import/cfn-no-stream.yaml");
    for args in [
        vec!["check", bad.to_str().unwrap()],
        vec!["check", V2, "--base", bad.to_str().unwrap()],
        vec!["check", V2, "models/dynamodb-readers.toml"],
    ] {
        let out = sim()
            .args(&args)
            .args(TRAFFIC)
            .arg("--markdown")
            .arg(&md)
            .output()
            .unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!md.exists(), "{args:?}: nothing written");
        assert!(!stderr.contains("panicked"), "{stderr}");
        if args.len() == 2 || args[2] == "--base" {
            assert!(
                stderr.contains("cfn-no-stream.yaml:"),
                "{args:?}: located: {stderr}"
            );
        } else {
            assert!(stderr.contains("not both"), "{stderr}");
        }
    }
}
