//! Calibrating from the metrics a Lambda team has: each function's `AWS/Lambda IteratorAge`
//! (Average, Maximum), for Kinesis and for DynamoDB Streams (whose only age signal it is). The
//! observed exports are made by the simulator with hidden values, so the truth is known; every
//! series of an export the calibration does not use is named with its reason, and a value fitted
//! at the end of its plausible range is flagged.

use crate::calibrate::{fitted_ms, model, s, sim, start, traffic, write_export, HIDDEN};
use sim::calibrate::observed::{as_cloudwatch, as_lambda_cloudwatch};
use sim::cloudwatch::{Dimension, Known, Series, Stat};
use sim::config::{ModelFile, Override};
use sim::model::report::MinuteRow;
use sim::model::{simulate, RunReport};
use std::path::{Path, PathBuf};

/// A DynamoDB table's stream read by three functions that poll whenever anything is new: at four
/// calls a second each they ask for 12 calls a second, more than the shard serves.
fn dynamodb_model(minutes: u64) -> String {
    format!(
        r#"# A DynamoDB table's stream read by three Lambda functions.
name = "table"
duration = "{minutes}m"
warmup = "2m"
seed = 5

[streams.orders]
kind = "dynamodb-streams"
shards = 2
# Instant calls and invokes, as the round trip below was drawn up with.
get_records_latency = "0s"

[producers.app]
stream = "orders"
rate = 150.0
record_size = 600

[consumers.fn]
stream = "orders"
count = 3
batch_size = 100
busy_poll = "any-new"
invoke_overhead = "0s"

[consumers.fn.function]
duration = {{ kind = "lognormal", median = "40ms", p99 = "250ms" }}
per_record = "0.2ms"
"#
    )
}

/// The hidden value of the DynamoDB round trip: the shard serves 9 calls a second, not 10.
const DDB_HIDDEN: (&str, &str) = ("streams.orders.limits.read_calls_per_s", "9");

fn overrides(pairs: &[(&str, &str)]) -> Vec<Override> {
    pairs
        .iter()
        .map(|(k, v)| Override::parse(&format!("{k}={v}")).unwrap())
        .collect()
}

fn consumer_names(report: &RunReport) -> Vec<String> {
    report.consumers.iter().map(|c| c.name.clone()).collect()
}

/// Mean IteratorAge (ms, sample-weighted over every consumer and minute) and throttled reads of a
/// run's minutes.
fn headline(rows: &[MinuteRow]) -> (f64, u64) {
    let samples: u64 = rows.iter().map(|r| r.samples).sum();
    let age = rows
        .iter()
        .map(|r| r.iterator_age_avg_ms * r.samples as f64)
        .sum::<f64>()
        / samples.max(1) as f64;
    (age, rows.iter().map(|r| r.throttled_reads).sum())
}

/// Writes `text` as dir/MODEL.toml and the per-function export of a run with `hidden` into
/// dir/observed; returns the model's path and the hidden run's minutes.
fn lambda_scenario(
    dir: &Path,
    text: &str,
    hidden: &[(&str, &str)],
    minutes: usize,
) -> (PathBuf, Vec<MinuteRow>) {
    let path = dir.join("model.toml");
    std::fs::write(&path, text).unwrap();
    let file = ModelFile::open(&path).unwrap();
    let report = simulate(&file.resolve(&overrides(hidden)).unwrap()).unwrap();
    let rows: Vec<MinuteRow> = report.minutes.rows().collect();
    let observed = as_lambda_cloudwatch(&consumer_names(&report), start(), minutes, &rows);
    write_export(&dir.join("observed"), &observed, "result.json");
    (path, rows)
}

fn calibrate(dir: &Path, model: &Path, more: &[&str]) -> std::process::Output {
    let (queries, observed, out) = (
        dir.join("observed/queries.json"),
        dir.join("observed/result.json"),
        dir.join("cal"),
    );
    let mut args = vec![
        "calibrate",
        s(model),
        "--queries",
        s(&queries),
        "--observed",
        s(&observed),
        "--out",
        s(&out),
    ];
    args.extend_from_slice(more);
    sim(&args)
}

/// The calibrated model's run, by the library: its minutes.
fn calibrated_rows(dir: &Path, name: &str) -> Vec<MinuteRow> {
    let file = ModelFile::open(&dir.join("cal").join(format!("{name}-calibrated.toml"))).unwrap();
    let report = simulate(&file.resolve(&[]).unwrap()).unwrap();
    report.minutes.rows().collect()
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_kinesis_calibration_from_per_function_iterator_age_alone_recovers_the_hidden_values() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_export(&dir.join("traffic"), &traffic(30), "result.json");
    // Eight functions share the shards' five reads a second: the backoff cap after a throttle
    // sets how far they fall behind, and so their IteratorAge.
    let hidden = [HIDDEN[1]];
    let (model, truth) = lambda_scenario(dir, &model(30, 8), &hidden, 30);
    let o = calibrate(dir, &model, &["--fit", hidden[0].0, "--runs", "24"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    // Every function's series are matched, as one group, and none is left over.
    assert!(
        out.contains("IteratorAge Average (ms) of fn (8 functions)"),
        "{out}"
    );
    assert!(!out.contains("not matched"), "{out}");
    let toml = std::fs::read_to_string(dir.join("cal/replayed-calibrated.toml")).unwrap();
    let backoff = fitted_ms(&toml, hidden[0].0) / 1e3;
    assert!(
        (20.0..=45.0).contains(&backoff),
        "throttle_backoff.max {backoff} s\n{out}"
    );
    let (age, throttled) = headline(&calibrated_rows(dir, "replayed"));
    let (true_age, true_throttled) = headline(&truth);
    assert!(
        (age - true_age).abs() <= 0.25 * true_age,
        "mean IteratorAge {age:.0} ms vs observed {true_age:.0} ms"
    );
    assert!(
        (throttled as f64 - true_throttled as f64).abs() <= 0.25 * true_throttled as f64,
        "throttled reads {throttled} vs the hidden run's {true_throttled}"
    );
    eprintln!(
        "kinesis: throttle_backoff.max {backoff} s (hidden 30 s); mean age {age:.0} vs \
         {true_age:.0} ms; throttled {throttled} vs {true_throttled}"
    );
    // One overlay per function, beside the calibrated model.
    for k in 1..=8 {
        assert!(dir
            .join(format!("cal/overlay-iterator-age-fn-{k}.svg"))
            .exists());
    }
    let page = std::fs::read_to_string(dir.join("cal/report.html")).unwrap();
    assert_eq!(page.matches("<svg").count(), 8, "one overlay per function");
}

#[test]
fn a_dynamodb_streams_calibration_from_per_function_iterator_age_recovers_the_read_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (model, truth) = lambda_scenario(dir, &dynamodb_model(30), &[DDB_HIDDEN], 30);
    let o = calibrate(dir, &model, &["--fit", DDB_HIDDEN.0, "--runs", "24"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    let toml = std::fs::read_to_string(dir.join("cal/table-calibrated.toml")).unwrap();
    let line = toml
        .lines()
        .find(|l| l.starts_with(&format!("# fitted {} = ", DDB_HIDDEN.0)))
        .unwrap_or_else(|| panic!("{toml}"));
    let fitted: f64 = line
        .split(" = ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((8.0..=10.0).contains(&fitted), "{line}\n{out}");
    let (age, throttled) = headline(&calibrated_rows(dir, "table"));
    let (true_age, true_throttled) = headline(&truth);
    assert!(
        (age - true_age).abs() <= 0.25 * true_age,
        "mean IteratorAge {age:.0} ms vs observed {true_age:.0} ms"
    );
    assert!(
        (throttled as f64 - true_throttled as f64).abs() <= 0.25 * true_throttled as f64,
        "throttled reads {throttled} vs the hidden run's {true_throttled}"
    );
    eprintln!(
        "dynamodb: read_calls_per_s {fitted} (hidden 9); mean age {age:.0} vs {true_age:.0} ms; \
         throttled {throttled} vs {true_throttled}"
    );
}

fn series(
    id: &str,
    metric: Known,
    stat: Stat,
    dims: &[(&str, &str)],
    points: &[(i64, f64)],
) -> Series {
    Series {
        id: id.into(),
        metric,
        stat,
        period_s: 60,
        dimensions: dims.iter().map(|(n, v)| Dimension::new(n, v)).collect(),
        points: points.to_vec(),
    }
}

#[test]
fn every_series_the_calibration_does_not_use_is_named_with_its_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_export(&dir.join("traffic"), &traffic(10), "result.json");
    let path = dir.join("model.toml");
    std::fs::write(&path, model(10, 2)).unwrap();
    let report = simulate(&ModelFile::open(&path).unwrap().resolve(&[]).unwrap()).unwrap();
    let rows: Vec<MinuteRow> = report.minutes.rows().collect();
    let mut export = as_lambda_cloudwatch(&consumer_names(&report), start(), 10, &rows);
    export.extend(as_cloudwatch("events", start(), 10, rows.iter().cloned()));
    let pts: Vec<(i64, f64)> = (0..10).map(|k| (start() + 60 * k, 1.0)).collect();
    let f = [("FunctionName", "fn-1")];
    export.extend([
        series("errors", Known::LambdaErrors, Stat::Sum, &f, &pts),
        series("throttles", Known::LambdaThrottles, Stat::Sum, &f, &pts),
        series(
            "conc",
            Known::LambdaConcurrentExecutions,
            Stat::Maximum,
            &f,
            &pts,
        ),
        series("dur", Known::LambdaDuration, Stat::Average, &f, &pts),
        series(
            "age_p99",
            Known::LambdaIteratorAge,
            Stat::Percentile(99.0),
            &f,
            &pts,
        ),
        series(
            "stranger",
            Known::LambdaIteratorAge,
            Stat::Average,
            &[("FunctionName", "billing")],
            &pts,
        ),
        series(
            "account",
            Known::LambdaIteratorAge,
            Stat::Maximum,
            &[],
            &pts,
        ),
        series(
            "alias",
            Known::LambdaIteratorAge,
            Stat::Average,
            &[("FunctionName", "fn-2"), ("Resource", "fn-2:live")],
            &pts,
        ),
    ]);
    write_export(&dir.join("observed"), &export, "result.json");
    let o = calibrate(dir, &path, &["--fit", HIDDEN[0].0, "--runs", "8"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    for (id, why) in [
        ("errors", "function failures are an input"),
        ("throttles", "no per-minute series of Lambda concurrency"),
        ("conc", "no per-minute series of Lambda concurrency"),
        ("dur", "Duration is an input of the model"),
        ("age_p99", "only Average and Maximum"),
        ("stranger", "function `billing` is no consumer of the model"),
        ("account", "no FunctionName dimension"),
        ("alias", "per-version or per-alias"),
    ] {
        let warned = out.lines().any(|l| {
            l.starts_with("warning: ") && l.contains(&format!("{id} (")) && l.contains(why)
        });
        assert!(warned, "{id}: {why}\n{out}");
    }
    // The calibrated model's comment says what was matched and what was not.
    let toml = std::fs::read_to_string(dir.join("cal/replayed-calibrated.toml")).unwrap();
    assert!(
        toml.contains("# Matched: IteratorAge Average (ms); "),
        "{toml}"
    );
    assert!(
        toml.contains("IteratorAge Average (ms) of fn (2 functions)"),
        "{toml}"
    );
    assert_eq!(toml.matches("\n# Not matched: ").count(), 8, "{toml}");
}

#[test]
fn functions_named_otherwise_are_mapped_to_consumers_and_a_bad_map_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_export(&dir.join("traffic"), &traffic(10), "result.json");
    let path = dir.join("model.toml");
    std::fs::write(&path, model(10, 2)).unwrap();
    let report = simulate(&ModelFile::open(&path).unwrap().resolve(&[]).unwrap()).unwrap();
    let rows: Vec<MinuteRow> = report.minutes.rows().collect();
    let names = [
        "orders-audit-prod".to_string(),
        "orders-search-prod".to_string(),
    ];
    // The run's consumers fn-1 and fn-2, exported under the functions' deployed names.
    let mut export = as_lambda_cloudwatch(&consumer_names(&report), start(), 10, &rows);
    for s in &mut export {
        let k: usize = s.id.rsplit('_').next().unwrap().parse().unwrap();
        s.dimensions = vec![Dimension::new("FunctionName", &names[k - 1])];
    }
    write_export(&dir.join("observed"), &export, "result.json");
    let unmapped = calibrate(dir, &path, &["--fit", HIDDEN[0].0, "--runs", "8"]);
    let out = text(&unmapped);
    assert_eq!(unmapped.status.code(), Some(2), "nothing matched: {out}");
    assert!(
        out.contains("function `orders-audit-prod` is no consumer"),
        "{out}"
    );
    assert!(!dir.join("cal").exists());
    let bad = calibrate(dir, &path, &["--function", "orders-audit-prod=fn-9"]);
    let out = text(&bad);
    assert_eq!(bad.status.code(), Some(2), "{out}");
    assert!(
        out.contains("--function orders-audit-prod=fn-9: the model has no consumer `fn-9`"),
        "{out}"
    );
    assert!(!dir.join("cal").exists());
    let mapped = calibrate(
        dir,
        &path,
        &[
            "--fit",
            HIDDEN[0].0,
            "--runs",
            "8",
            "--function",
            "orders-audit-prod=fn-1",
            "--function",
            "orders-search-prod=fn-2",
        ],
    );
    let out = text(&mapped);
    assert!(mapped.status.success(), "{out}");
    assert!(
        out.contains("IteratorAge Average (ms) of fn (2 functions)"),
        "{out}"
    );
    let page = std::fs::read_to_string(dir.join("cal/report.html")).unwrap();
    assert_eq!(page.matches("<svg").count(), 2, "one overlay per function");
    assert!(
        page.contains("overlay-iterator-age-fn-1"),
        "named by its consumer"
    );
}

#[test]
fn a_value_fitted_at_the_end_of_its_range_is_flagged() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // The hidden backoff cap, 2 s, is below the plausible range (5 s to 1 min): the best fit sits
    // at its low end, and the truth below it.
    let hidden = [("consumers.fn.throttle_backoff.max", "\"2s\"")];
    write_export(&dir.join("traffic"), &traffic(20), "result.json");
    let (model, _) = lambda_scenario(dir, &model(20, 8), &hidden, 20);
    let o = calibrate(dir, &model, &["--fit", hidden[0].0, "--runs", "16"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("at the low end of its plausible range: the truth may lie below it"),
        "{out}"
    );
    let toml = std::fs::read_to_string(dir.join("cal/replayed-calibrated.toml")).unwrap();
    assert!(
        toml.contains(
            "#   consumers.fn.throttle_backoff.max is at the low end of its plausible range"
        ),
        "{toml}"
    );
}

#[test]
fn a_value_beyond_any_measurement_is_refused_naming_the_file_series_and_value() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_export(&dir.join("traffic"), &traffic(10), "result.json");
    let path = dir.join("model.toml");
    std::fs::write(&path, model(10, 2)).unwrap();
    let report = simulate(&ModelFile::open(&path).unwrap().resolve(&[]).unwrap()).unwrap();
    let rows: Vec<MinuteRow> = report.minutes.rows().collect();
    let mut export = as_lambda_cloudwatch(&consumer_names(&report), start(), 10, &rows);
    let avg = export
        .iter_mut()
        .find(|s| s.id == "age_avg_1")
        .expect("an age_avg_1 series");
    avg.points[3].1 = 1e160;
    write_export(&dir.join("observed"), &export, "result.json");
    let o = calibrate(dir, &path, &["--fit", HIDDEN[0].0, "--runs", "8"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    let result = dir.join("observed/result.json");
    assert!(
        out.contains(&format!("{}: series `", result.display())),
        "{out}"
    );
    assert!(out.contains("(Id \"age_avg_1\")"), "{out}");
    assert!(out.contains("the value 1e160 at "), "{out}");
    assert!(!out.contains("no candidate"), "{out}");
    assert!(!dir.join("cal").exists());
}

/// The export of `functions_named_otherwise...`: fn-1 and fn-2 exported as the functions'
/// deployed names; the model's path.
fn renamed_export(dir: &Path) -> PathBuf {
    write_export(&dir.join("traffic"), &traffic(10), "result.json");
    let path = dir.join("model.toml");
    std::fs::write(&path, model(10, 2)).unwrap();
    let report = simulate(&ModelFile::open(&path).unwrap().resolve(&[]).unwrap()).unwrap();
    let rows: Vec<MinuteRow> = report.minutes.rows().collect();
    let names = ["orders-audit-prod", "orders-search-prod"];
    let mut export = as_lambda_cloudwatch(&consumer_names(&report), start(), 10, &rows);
    for s in &mut export {
        let k: usize = s.id.rsplit('_').next().unwrap().parse().unwrap();
        s.dimensions = vec![Dimension::new("FunctionName", names[k - 1])];
    }
    write_export(&dir.join("observed"), &export, "result.json");
    path
}

/// A `--function` map that cannot be: refused with exit 2, the flag named as typed, nothing
/// written.
fn refused_map(dir: &Path, model: &Path, flags: &[&str], expect: &str) {
    let mut more = vec!["--fit", HIDDEN[0].0, "--runs", "8"];
    for f in flags {
        more.extend(["--function", f]);
    }
    let o = calibrate(dir, model, &more);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{flags:?}: {out}");
    assert!(out.contains(expect), "{flags:?}: {out}");
    assert!(!out.contains("warning: "), "{flags:?}: {out}");
    assert!(!dir.join("cal").exists());
}

#[test]
fn a_function_map_with_a_typo_on_either_side_or_two_consumers_for_one_function_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let model = renamed_export(dir);
    let result = dir.join("observed/result.json");
    refused_map(
        dir,
        &model,
        &["nosuchfn=fn-1", "orders-search-prod=fn-2"],
        &format!(
            "{}: --function nosuchfn=fn-1: the export has no AWS/Lambda IteratorAge series of \
             function `nosuchfn`; its functions: orders-audit-prod, orders-search-prod",
            result.display()
        ),
    );
    // The consumer side is checked before the export is read: the flag, not a file, is named.
    refused_map(
        dir,
        &model,
        &["orders-audit-prod=fn-9"],
        "error: --function orders-audit-prod=fn-9: the model has no consumer `fn-9`",
    );
    refused_map(
        dir,
        &model,
        &["orders-audit-prod=fn-1", "orders-audit-prod=fn-2"],
        "--function orders-audit-prod=fn-1 and --function orders-audit-prod=fn-2: one function's",
    );
    // The same pair twice is one pair.
    let o = calibrate(
        dir,
        &model,
        &[
            "--fit",
            HIDDEN[0].0,
            "--runs",
            "8",
            "--function",
            "orders-audit-prod=fn-1",
            "--function",
            "orders-audit-prod=fn-1",
            "--function",
            "orders-search-prod=fn-2",
        ],
    );
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(!out.contains("not matched"), "{out}");
}

#[test]
fn a_fitted_choice_is_reported_by_its_near_best_values_not_a_share_of_a_range() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let model = renamed_export(dir);
    let key = "consumers.fn.throttle_backoff.jitter";
    let flags = [
        "--fit",
        key,
        "--runs",
        "8",
        "--function",
        "orders-audit-prod=fn-1",
        "--function",
        "orders-search-prod=fn-2",
    ];
    let o = calibrate(dir, &model, &flags);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with(key))
        .unwrap();
    assert!(
        !line.contains("of its range") && !line.contains(".."),
        "{line}"
    );
    let values: Vec<&str> = line.split_whitespace().nth(2).unwrap().split('|').collect();
    assert!(
        !values.is_empty() && values.iter().all(|v| ["none", "equal", "full"].contains(v)),
        "{line}"
    );
    let toml = std::fs::read_to_string(dir.join("cal/replayed-calibrated.toml")).unwrap();
    let comment = toml
        .lines()
        .find(|l| l.starts_with(&format!("# fitted {key} = ")))
        .unwrap();
    assert!(comment.contains("(near-best "), "{comment}");
    assert!(!comment.contains("of its range"), "{comment}");
}
