//! `sim check`: exit codes (0 every objective holds, 1 one does not, 2 bad input with nothing
//! written), the verdict on stdout, the Markdown and JUnit XML files, `--base` on a change that
//! breaks an objective, the count of assumption sets an objective holds in, where objectives are
//! stated, `--traffic`, and that a file sim did not write is never overwritten.

use crate::common::{root, sim};
use std::path::{Path, PathBuf};

/// The shipped model the checks start from: one DynamoDB stream shard read by two functions.
const MODEL: &str = "models/dynamodb-readers.toml";

/// The shipped model with a subscriber `audit` of four more functions on its stream: six readers
/// on a shard that serves two without throttling.
fn with_audit(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(root().join(MODEL)).unwrap()
        + "\n[consumers.audit]\nstream = \"table\"\ncount = 4\nbatch_size = 100\n\
           function = { duration = { kind = \"lognormal\", median = \"50ms\", p99 = \"400ms\" }, timeout = \"30s\" }\n";
    let path = dir.join("orders.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_model_that_meets_every_objective_exits_0_with_the_measured_values() {
    let out = sim()
        .args(["check", MODEL, "--slo", "iterator_age_max < 30s"])
        .args(["--slo", "throttled_reads_per_min < 1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("sim check: 2 of 2 objectives hold on dynamodb-readers\n"));
    assert!(
        text.contains("ok    iterator_age_max < 30s       measured "),
        "{text}"
    );
    assert!(
        text.contains("ok    throttled_reads_per_min < 1  measured 0/min"),
        "{text}"
    );
}

#[test]
fn an_objective_that_does_not_hold_exits_1_and_is_named() {
    let out = sim()
        .args(["check", MODEL, "--slo", "iterator_age_max < 1ms"])
        .args(["--slo", "errors < 1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "sim check: 1 of 2 objectives fails on dynamodb-readers: `iterator_age_max < 1ms`"
        ),
        "{text}"
    );
    assert!(
        text.contains("FAIL  iterator_age_max < 1ms  measured "),
        "{text}"
    );
    assert!(
        text.contains("ok    errors < 1              measured 0"),
        "{text}"
    );
}

#[test]
fn a_change_that_adds_subscribers_is_told_in_words_and_breaks_the_objective() {
    let dir = tempfile::tempdir().unwrap();
    let change = with_audit(dir.path());
    let (md, xml) = (dir.path().join("check.md"), dir.path().join("check.xml"));
    let out = sim()
        .args(["check", s(&change), "--base", MODEL])
        .args(["--slo", "iterator_age_max < 30s", "--slo", "errors < 1"])
        .args(["--markdown", s(&md), "--junit", s(&xml)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let said = text.lines().find(|l| l.starts_with("change: ")).unwrap();
    assert!(
        said.starts_with(
            "change: adds subscriber `audit` (4 functions) to `table`: throttled reads 0/min -> "
        ),
        "{said}"
    );
    assert!(said.contains(", worst IteratorAge "), "{said}");
    assert!(
        said.ends_with("; objective `iterator_age_max < 30s` now fails"),
        "{said}"
    );

    let md = std::fs::read_to_string(&md).unwrap();
    assert!(
        md.starts_with("### sim check: **FAIL**: 1 of 2 objectives fails on dynamodb-readers"),
        "{md}"
    );
    assert!(
        md.contains("**What this change does:** adds subscriber `audit`"),
        "{md}"
    );
    assert!(
        md.contains("| objective | before | measured | verdict |\n|---|---|---|---|\n"),
        "{md}"
    );
    let row = md
        .lines()
        .find(|l| l.starts_with("| `iterator_age_max < 30s` |"))
        .unwrap();
    assert!(
        row.contains("(holds) |") && row.ends_with("| **fails** |"),
        "{row}"
    );
    let row = md
        .lines()
        .find(|l| l.starts_with("| `errors < 1` |"))
        .unwrap();
    assert_eq!(row, "| `errors < 1` | 0 (holds) | 0 | holds |");

    let doc = xml::parse(&std::fs::read_to_string(&xml).unwrap());
    assert_eq!(doc.name, "testsuites");
    assert_eq!((doc.attr("tests"), doc.attr("failures")), ("2", "1"));
    let suite = &doc.children[0];
    assert_eq!(suite.name, "testsuite");
    let cases: Vec<&xml::Element> = suite
        .children
        .iter()
        .filter(|c| c.name == "testcase")
        .collect();
    let names: Vec<&str> = cases.iter().map(|c| c.attr("name")).collect();
    assert_eq!(names, ["iterator_age_max < 30s", "errors < 1"]);
    let failure = &cases[0].children[0];
    assert_eq!(failure.name, "failure");
    assert!(
        failure.attr("message").contains("does not hold: measured "),
        "{failure:?}"
    );
    assert!(failure.attr("message").contains(" s (base "), "{failure:?}");
    assert!(cases[1].children.iter().all(|c| c.name != "failure"));
    let props = &suite.children[0];
    assert_eq!(props.name, "properties");
    let change_prop = props
        .children
        .iter()
        .find(|p| p.attr("name") == "change")
        .unwrap();
    assert!(change_prop.attr("value").contains("now fails"));
}

#[test]
fn assumption_sets_say_in_how_many_each_objective_holds() {
    let dir = tempfile::tempdir().unwrap();
    let change = with_audit(dir.path());
    let md = dir.path().join("check.md");
    let out = sim()
        .args([
            "check",
            s(&change),
            "--assumptions",
            "8",
            "--markdown",
            s(&md),
        ])
        .args([
            "--slo",
            "iterator_age_max < 30s",
            "--slo",
            "errors < 1",
            "--slo",
            "records_written < 1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let count = |objective: &str| -> usize {
        let line = text
            .lines()
            .skip(1)
            .find(|l| l.contains(objective))
            .unwrap();
        let rest = line
            .split("holds in ")
            .nth(1)
            .unwrap_or_else(|| panic!("{line}"));
        assert!(rest.ends_with(" of 8 plausible assumption sets"), "{line}");
        rest.split(' ').next().unwrap().parse().unwrap()
    };
    // Contention: which side of 30 s depends on what AWS does not publish.
    let contended = count("iterator_age_max < 30s");
    assert!((1..8).contains(&contended), "{text}");
    assert_eq!(count("errors < 1"), 8, "{text}");
    assert_eq!(count("records_written < 1"), 0, "{text}");
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(md.contains("| holds in (of 8 assumption sets) |"), "{md}");
    assert!(md.contains(&format!("| {contended} |\n")), "{md}");
}

#[test]
fn objectives_come_from_the_model_the_file_beside_it_and_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(root().join(MODEL)).unwrap() + "\n[plan]\nslo = [\"errors < 1\"]\n";
    let model = dir.path().join("m.toml");
    std::fs::write(&model, text).unwrap();
    std::fs::write(
        dir.path().join("sim-objectives.toml"),
        "[plan]\nslo = [\"duplicates < 1\", \"errors < 1\"]\n",
    )
    .unwrap();
    let out = sim()
        .args(["check", s(&model), "--slo", "records_written > 0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let objectives: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l[8..].split("  measured").next().unwrap().trim())
        .collect();
    assert_eq!(
        objectives,
        ["errors < 1", "duplicates < 1", "records_written > 0"],
        "{text}"
    );
}

#[test]
fn traffic_from_an_export_is_what_the_model_replays_when_it_names_the_export() {
    let dir = tempfile::tempdir().unwrap();
    let named = root().join("examples/calibrate/stream.toml");
    let text = std::fs::read_to_string(&named).unwrap();
    let plain: String = text
        .lines()
        .map(|l| match l {
            l if l.starts_with("rate = ") => "rate = 10.0",
            l if l.starts_with("record_size = ") => "",
            l => l,
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let model = dir.path().join("stream.toml");
    std::fs::write(&model, plain).unwrap();
    let check = |m: &Path, traffic: &[&str]| {
        let out = sim()
            .args(["check", s(m), "--set", "duration=\"10m\""])
            .args([
                "--slo",
                "records_written > 0",
                "--slo",
                "iterator_age_max < 1h",
            ])
            .args(traffic)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    let export = root().join("examples/calibrate/traffic");
    let replayed = check(&model, &["--traffic", s(&export)]);
    assert_eq!(replayed, check(&named, &[]));
    assert_ne!(replayed, check(&model, &[]));
}

/// Runs a check that must fail with exit 2 naming `expect`, and leave no file in `dir` but
/// those it had.
fn refused(dir: &Path, args: &[&str], expect: &str) {
    let before: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let (md, xml) = (dir.join("out.md"), dir.join("out.xml"));
    let out = sim()
        .arg("check")
        .args(args)
        .args(["--markdown", s(&md), "--junit", s(&xml)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    assert!(stderr(&out).contains(expect), "{args:?}: {}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"));
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    let after: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(before, after, "{args:?} wrote files");
}

#[test]
fn bad_input_is_located_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let slo = ["--slo", "iterator_age_max < 30s"];
    refused(
        d,
        &[MODEL, "--slo", "iterator_age_max 30s"],
        "'--slo <OBJECTIVE>': `iterator_age_max 30s` is not METRIC < VALUE",
    );
    refused(
        d,
        &[MODEL, "--slo", "latency < 3s"],
        "unknown metric `latency`",
    );
    refused(
        d,
        &["models/no-such.toml", slo[0], slo[1]],
        "models/no-such.toml: cannot read",
    );
    refused(
        d,
        &[MODEL, "--base", "models/no-such.toml", slo[0], slo[1]],
        "models/no-such.toml",
    );
    refused(d, &[MODEL], "no objectives: give --slo");
    refused(
        d,
        &["experiments/hot-stream.toml", slo[0], slo[1]],
        "this is an experiment file",
    );
    refused(
        d,
        &[MODEL, "--set", "consumers.fun.count=3", slo[0], slo[1]],
        "did you mean `fn`",
    );
    refused(d, &[MODEL, "--traffic", "nobody=examples/calibrate/traffic", slo[0], slo[1]], "--traffic nobody=examples/calibrate/traffic: models/dynamodb-readers.toml has no producer `nobody`");
    refused(
        d,
        &[
            "models/kinesis-standard.toml",
            "--traffic",
            "models",
            slo[0],
            slo[1],
        ],
        "--traffic models: bad export",
    );
    // A bad objective in the file beside the model: its file, line and key.
    let model = d.join("m.toml");
    std::fs::copy(root().join(MODEL), &model).unwrap();
    std::fs::write(
        d.join("sim-objectives.toml"),
        "[plan]\nslo = [\"errors < 1\", \"latency < 3s\"]\n",
    )
    .unwrap();
    refused(
        d,
        &[s(&model)],
        "sim-objectives.toml:2:22: key `plan.slo.1`: unknown metric `latency`",
    );
}

#[test]
fn a_file_sim_did_not_write_is_never_overwritten_and_its_own_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("verdict.md");
    let check = |slo: &str| {
        sim()
            .args(["check", MODEL, "--slo", slo, "--markdown", s(&md)])
            .output()
            .unwrap()
    };
    std::fs::write(&md, "# my notes\n").unwrap();
    let out = check("errors < 1");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("refusing to overwrite"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&md).unwrap(), "# my notes\n");
    std::fs::remove_file(&md).unwrap();
    assert_eq!(check("errors < 1").status.code(), Some(0));
    assert!(std::fs::read_to_string(&md)
        .unwrap()
        .contains("`errors < 1`"));
    assert_eq!(check("duplicates < 1").status.code(), Some(0));
    let second = std::fs::read_to_string(&md).unwrap();
    assert!(second.contains("`duplicates < 1`") && !second.contains("`errors < 1`"));
    // Edited by hand, it is the user's now.
    std::fs::write(&md, second.replace("PASS", "pass")).unwrap();
    assert_eq!(check("errors < 1").status.code(), Some(2));
    let dup = sim()
        .args([
            "check",
            MODEL,
            "--slo",
            "errors < 1",
            "--markdown",
            "x.md",
            "--junit",
            "./x.md",
        ])
        .output()
        .unwrap();
    assert_eq!(dup.status.code(), Some(2));
    assert!(stderr(&dup).contains("both name"), "{}", stderr(&dup));
}

pub(crate) mod xml;

/// The words of a shell command line: plain words and double-quoted ones.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = line.trim();
    while !rest.is_empty() {
        let (word, after) = match rest.strip_prefix('"') {
            Some(q) => q.split_once('"').expect("closed quote"),
            None => rest.split_once(' ').unwrap_or((rest, "")),
        };
        words.push(word.to_string());
        rest = after.trim_start();
    }
    words
}

#[test]
fn the_readme_shows_what_sim_check_prints() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let block = readme
        .split("```text\n$ sim check ")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .expect("README quotes a sim check");
    let (command, shown) = block.split_once('\n').unwrap();
    let out = sim()
        .arg("check")
        .args(shell_words(command))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{shown}\n"));
}

mod properties {
    use super::xml;
    use proptest::prelude::*;

    fn config() -> ProptestConfig {
        ProptestConfig {
            cases: 256,
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    /// Model-ish TOML: a few tables and keys of the three named sections, good and bad values.
    fn doc() -> impl Strategy<Value = String> {
        let line = prop_oneof![
            "\\[(streams|producers|consumers)\\.[a-c]\\]",
            "(stream|count|shards|kind|rate) = (1|2|\"a\"|\"b\"|\\{ x = 1 \\}|\\[1, 2\\])",
            "(duration|seed) = (\"1h\"|3)",
            "[ -~]{0,12}",
        ];
        proptest::collection::vec(line, 0..12).prop_map(|l| l.join("\n"))
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn any_two_versions_are_compared_without_panicking(a in doc(), b in doc()) {
            let said = sim::config::diff::changes(&a, &b);
            if a == b {
                prop_assert!(said.is_empty(), "{said:?}");
            }
        }

        #[test]
        fn any_objective_text_parses_or_is_refused_without_panicking(t in "[ -~]{0,40}") {
            let _ = sim::plan::Slo::parse(&t);
        }

        #[test]
        fn any_text_escaped_for_junit_reads_back_from_well_formed_xml(t in any::<String>()) {
            let e = sim::output::junit::escape(&t);
            let doc = xml::parse(&format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a x=\"{e}\">{e}</a>\n"
            ));
            let allowed: String = t
                .chars()
                .map(|c| match c {
                    '\t' | '\n' | '\r' => c,
                    c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
                    c => c,
                })
                .collect();
            prop_assert_eq!(doc.attr("x"), allowed.as_str());
            prop_assert_eq!(&doc.text, &allowed);
        }
    }
}
