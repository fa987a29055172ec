//! Commands a user types by mistake get an answer that names what they typed and the way out:
//! each test runs the exact command and checks the message.

use crate::common::root;
use assert_cmd::Command;

/// Runs `sim` with `args` from the repository root; returns exit code, stdout and stderr.
fn sim(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::cargo_bin("sim")
        .unwrap()
        .current_dir(root())
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fails_with(args: &[&str], fragment: &str) -> String {
    let (code, _, err) = sim(args);
    assert_eq!(code, Some(2), "{args:?}: {err}");
    assert!(
        err.contains(fragment),
        "{args:?}: expected `{fragment}` in:\n{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn validate_accepts_an_experiment_and_checks_every_point() {
    let (code, out, err) = sim(&["validate", "experiments/hot-stream.toml"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("ok: experiments/hot-stream.toml (experiment, 60 point(s), 2 model(s))"),
        "{out}"
    );
    let (code, out, _) = sim(&[
        "validate",
        "models/kinesis-standard.toml",
        "experiments/hot-stream.toml",
    ]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("ok: models/kinesis-standard.toml (model)"),
        "{out}"
    );
}

#[test]
fn validate_finds_a_bad_axis_value_of_an_experiment() {
    fails_with(
        &["validate", "tests/bad/experiments/axis-bad-value.toml"],
        "tests/bad/experiments/axis-bad-value.toml:",
    );
}

#[test]
fn run_given_an_experiment_names_sweep() {
    fails_with(
        &["run", "experiments/hot-stream.toml"],
        "this is an experiment file (it has `axes`): run it with `sim sweep experiments/hot-stream.toml`",
    );
}

#[test]
fn sweep_given_a_model_names_run() {
    fails_with(
        &["sweep", "models/kinesis-standard.toml"],
        "this is a model file (it has `streams`): run it with `sim run models/kinesis-standard.toml`",
    );
}

#[test]
fn a_duration_under_the_warmup_blames_the_flag_as_typed() {
    let err = fails_with(
        &["run", "models/kinesis-standard.toml", "--duration", "5m"],
        "--duration 5m: ",
    );
    assert!(
        err.contains("the warm-up must be shorter than the duration (5m)"),
        "{err}"
    );
    assert!(
        err.contains("`warmup` is set on line 6 of models/kinesis-standard.toml"),
        "{err}"
    );
    assert!(!err.contains("--set"), "{err}");
}

#[test]
fn a_duration_flag_with_a_bad_unit_is_named_as_typed_with_the_accepted_forms() {
    let err = fails_with(
        &[
            "run",
            "models/kinesis-standard.toml",
            "--duration",
            "5fortnights",
        ],
        "--duration 5fortnights: ",
    );
    assert!(!err.contains("--set"), "{err}");
    assert!(err.contains("\"1h30m\""), "{err}");
    assert!(err.contains("m (min, mins, minute, minutes)"), "{err}");
}

#[test]
fn a_misspelt_name_in_a_set_path_gets_did_you_mean() {
    fails_with(
        &[
            "run",
            "models/kinesis-standard.toml",
            "--set",
            "consumers.fun.batch_size=10",
        ],
        "no consumer `fun`; did you mean `fn`?",
    );
    fails_with(
        &[
            "run",
            "models/kinesis-standard.toml",
            "--set",
            "consumer.fn.batch_size=10",
        ],
        "did you mean `consumers`?",
    );
    fails_with(
        &[
            "run",
            "models/kinesis-standard.toml",
            "--set",
            "consumers.fn.batchsize=10",
        ],
        "did you mean `batch_size`?",
    );
    fails_with(
        &[
            "run",
            "models/kinesis-standard.toml",
            "--set",
            "streams.event.shards=2",
        ],
        "no stream `event`; did you mean `events`?",
    );
}

#[test]
fn run_refuses_to_overwrite_files_it_did_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    std::fs::write(dir.path().join("summary.json"), "mine").unwrap();
    let args = [
        "run",
        "models/kinesis-standard.toml",
        "--duration",
        "3m",
        "--warmup",
        "1m",
        "--out",
        &out,
    ];
    let err = fails_with(&args, "refusing to write into");
    assert!(
        err.contains(&format!("{out}/summary.json was not written by sim")),
        "{err}"
    );
    assert!(err.contains("choose another --out"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("summary.json")).unwrap(),
        "mine"
    );
    std::fs::remove_file(dir.path().join("summary.json")).unwrap();
    let (code, _, err) = sim(&args);
    assert_eq!(code, Some(0), "{err}");
    assert!(dir.path().join(".sim-output").exists());
    let (code, _, err) = sim(&args);
    assert_eq!(code, Some(0), "a run replaces what it wrote: {err}");
}

/// A two-by-two sweep of three simulated minutes, in a temporary folder.
fn tiny_experiment(dir: &std::path::Path) -> String {
    let models = root().join("models");
    let text = format!(
        "name = \"tiny\"\nmodel = \"{m}/kinesis-standard.toml\"\nduration = \"3m\"\nwarmup = \"1m\"\n\
         replicates = 2\n[[axes]]\npath = \"consumers.fn.count\"\nlabel = \"subscribers\"\nvalues = [1, 5]\n\
         [[axes]]\npath = \"model\"\nvalues = [\"{m}/kinesis-standard.toml\", \"{m}/kinesis-efo.toml\"]\n",
        m = models.display()
    );
    let path = dir.join("tiny.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn a_sweep_table_names_points_by_axis_labels_and_fits_100_columns() {
    let dir = tempfile::tempdir().unwrap();
    let exp = tiny_experiment(dir.path());
    let out = dir.path().join("out").display().to_string();
    let (code, text, err) = sim(&["sweep", &exp, "--out", &out, "-q"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        text.contains("subscribers=5, model=kinesis-standard"),
        "{text}"
    );
    assert!(!text.contains("consumers.fn.count="), "{text}");
    for line in text.lines() {
        assert!(
            line.chars().count() <= 100,
            "{} wide: {line}",
            line.chars().count()
        );
    }
    assert!(text.contains("choose with --columns"), "{text}");
    let (code, text, err) = sim(&[
        "sweep",
        &exp,
        "--out",
        &out,
        "-q",
        "--columns",
        "iterator_age_max,peak_concurrency",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let header = text
        .lines()
        .find(|l| l.trim_start().starts_with("point"))
        .unwrap();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["point", "age", "max", "peak_concurrency"]
    );
}

#[test]
fn an_unknown_column_gets_did_you_mean() {
    fails_with(
        &[
            "sweep",
            "experiments/hot-stream.toml",
            "--columns",
            "iterator_age_mx",
        ],
        "did you mean `iterator_age_max_ms`?",
    );
}

#[test]
fn completions_and_version_follow_cli_conventions() {
    let (code, script, _) = sim(&["completions", "bash"]);
    assert_eq!(code, Some(0));
    assert!(
        script.contains("_sim()") && script.contains("completions"),
        "{script}"
    );
    let (code, version, _) = sim(&["--version"]);
    assert_eq!(code, Some(0));
    assert!(
        version.starts_with(&format!("sim {}", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    let (_, help, _) = sim(&["run", "--help"]);
    assert!(
        help.contains("Examples:\n  sim run models/kinesis-standard.toml"),
        "{help}"
    );
}

#[test]
fn a_located_error_shows_the_line_with_a_caret_under_the_key() {
    let err = fails_with(
        &["validate", "tests/bad/models/warmup-equals-duration.toml"],
        "tests/bad/models/warmup-equals-duration.toml:5:1: key `warmup`: ",
    );
    assert!(
        err.contains(" --> tests/bad/models/warmup-equals-duration.toml:5:1\n  |\n5 | warmup = \"10m\"\n  | ^^^^^^"),
        "{err}"
    );
}

#[test]
fn params_lists_every_set_path_with_its_value_or_default() {
    let (code, text, err) = sim(&[
        "params",
        "models/kinesis-standard.toml",
        "--set",
        "consumers.fn.batch_size=500",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let value = |path: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(path))
            .unwrap_or_else(|| panic!("no {path} in\n{text}"))
            .split_whitespace()
            .nth(1)
            .unwrap()
            .to_string()
    };
    assert_eq!(value("consumers.fn.batch_size"), "500");
    // Keys left out show the value a run uses, then `(default)`.
    assert_eq!(value("consumers.fn.function.memory_mb"), "128");
    assert_eq!(value("account.concurrency"), "1000");
    assert!(text.contains("1000 (default)"), "{text}");
    assert_eq!(value("warmup"), "\"5m\"");
}
