//! What a user reads matches what ran (issue #31, item 6): the run report carries the per-minute
//! charts and the cost, the deploy line says the run does not depend on it, the sweep report's
//! assumption table shows choices as their values and each model once, `sim params` shows
//! default values, and `--jobs`, durations in words and `sweep --duration` are handled as a user
//! expects.

use crate::common::{root, sim};
use std::path::Path;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `sim run` of kinesis-standard for five minutes into `out`: its stdout.
fn run_standard(out: &Path, more: &[&str]) -> String {
    let o = sim()
        .args([
            "run",
            "models/kinesis-standard.toml",
            "--duration",
            "5m",
            "--warmup",
            "1m",
            "--set",
            "control_plane.deploy=true",
        ])
        .args(more)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    text(&o.stdout)
}

#[test]
fn the_run_report_carries_the_per_minute_charts_the_cost_and_the_deployment() {
    let dir = tempfile::tempdir().unwrap();
    run_standard(dir.path(), &[]);
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert_eq!(
        html.matches("<svg").count(),
        2,
        "IteratorAge and throttled reads"
    );
    assert!(html.contains("IteratorAge per minute"));
    assert!(html.contains("throttled reads per minute"));
    assert!(html.contains("Cost and deployment") && html.contains("USD per month"));
    assert!(html.contains("fn-1: Lambda requests"));
    assert!(html.contains("deployment does not change it"));
}

#[test]
fn the_deploy_line_says_the_run_starts_with_every_subscriber_whatever_the_deployment_says() {
    let dir = tempfile::tempdir().unwrap();
    // One attempt per call: every deploy fails, and yet the ten functions read all along.
    let out = run_standard(dir.path(), &["--set", "control_plane.retry.max_attempts=1"]);
    let deploy = out.lines().position(|l| l.contains("Deploy:")).expect(&out);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[deploy].contains("failed"), "{out}");
    assert!(
        lines[deploy + 1].contains(
            "the run itself starts with all 10 subscribed, each reading once its mapping starts polling; deployment does not change it"
        ),
        "{out}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap())
            .unwrap();
    let consumers = summary["consumers"].as_array().unwrap();
    assert_eq!(consumers.len(), 10);
    assert!(consumers
        .iter()
        .all(|c| c["records_processed"].as_u64().unwrap() > 0));
}

#[test]
fn the_sweep_reports_assumptions_show_choices_as_values_and_each_model_once() {
    let dir = tempfile::tempdir().unwrap();
    let exp = dir.path().join("e.toml");
    let models = root().join("models");
    // The base model is also a value of the model axis, as in experiments/hot-stream.toml.
    std::fs::write(
        &exp,
        format!(
            "name = \"twice\"\nmodel = \"{m}/kinesis-standard.toml\"\nduration = \"2m\"\n\
             warmup = \"30s\"\nreplicates = 1\n\
             [[axes]]\npath = \"model\"\nvalues = [\"{m}/kinesis-standard.toml\", \"{m}/kinesis-efo.toml\"]\n",
            m = models.display()
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    sim()
        .args(["sweep", "--quiet", "--out"])
        .arg(&out)
        .arg(&exp)
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let table =
        &html[html.find("id=\"assumptions\"").unwrap()..html.find("id=\"inputs\"").unwrap()];
    let busy_poll = table.matches("consumers.fn.busy_poll").count();
    assert_eq!(busy_poll, 1, "one kinesis-standard block");
    assert!(table.contains("one of caught-up, any-new"), "busy_poll");
    assert!(table.contains("one of none, equal, full"), "jitter");
    assert!(
        table.contains("one of false, true"),
        "throttled_calls_count"
    );
    assert!(!table.contains("0 to 0"));
    let inputs = &html[html.find("id=\"inputs\"").unwrap()..];
    assert_eq!(
        inputs.matches("kinesis-standard.toml</").count(),
        1,
        "the model once"
    );
}

#[test]
fn params_shows_the_value_of_every_key_left_to_its_default() {
    let o = sim()
        .args(["params", "models/kinesis-standard.toml"])
        .output()
        .unwrap();
    let out = text(&o.stdout);
    let value = |key: &str| {
        out.lines()
            .find(|l| l.split_whitespace().next() == Some(key))
            .map(|l| l.trim_start()[key.len()..].trim().to_string())
            .unwrap_or_else(|| panic!("no {key} in {out}"))
    };
    assert_eq!(
        value("streams.events.limits.read_calls_per_s"),
        "5 (default)"
    );
    assert_eq!(
        value("streams.events.limits.read_bytes_per_s"),
        "2MiB (default)"
    );
    assert_eq!(value("consumers.fn.function.memory_mb"), "128 (default)");
    assert_eq!(value("consumers.fn.service"), "lambda (default)");
    assert_eq!(
        value("consumers.fn.function.reserved_concurrency"),
        "none (default)"
    );
    assert!(
        !out.lines()
            .any(|l| l.trim_end().ends_with(" (default)") && l.split_whitespace().count() == 2),
        "{out}"
    );
}

#[test]
fn jobs_zero_means_one_per_core_and_more_than_1024_is_refused_with_the_range() {
    let help = text(&sim().args(["sweep", "--help"]).output().unwrap().stdout);
    assert!(help.contains("0 or left out: one per core"), "{help}");
    let o = sim()
        .args([
            "sweep",
            "experiments/two-reader-rule.toml",
            "--jobs",
            "5000",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("from 1 to 1024, or 0 for one per core"));
    let dir = tempfile::tempdir().unwrap();
    sim()
        .args([
            "sweep",
            "experiments/two-reader-rule.toml",
            "--quiet",
            "--jobs",
            "0",
            "--out",
        ])
        .arg(dir.path().join("out"))
        .assert()
        .success();
}

#[test]
fn durations_in_words_are_accepted_and_other_units_refused_with_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let o = sim()
        .args([
            "run",
            "models/kinesis-standard.toml",
            "--duration",
            "5 mins",
        ])
        .args(["--warmup", "1 minute", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    let out = text(&o.stdout);
    assert!(
        out.starts_with("kinesis-standard: 300 s simulated (first 60 s warm-up)"),
        "{out}"
    );
    let o = sim()
        .args([
            "run",
            "models/kinesis-standard.toml",
            "--duration",
            "5 parsecs",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("m (min, mins, minute, minutes)"), "{err}");
}

#[test]
fn sweep_duration_says_where_a_sweeps_duration_is_set() {
    let o = sim()
        .args([
            "sweep",
            "experiments/two-reader-rule.toml",
            "--duration",
            "5m",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("sim sweep has no --duration"), "{err}");
    assert!(
        err.contains("`duration = \"5m\"` at the top of experiments/two-reader-rule.toml"),
        "{err}"
    );
    assert!(!err.contains("--assumptions"), "{err}");
}
