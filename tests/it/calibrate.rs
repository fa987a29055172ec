//! Calibrating a model against a CloudWatch export: traffic replayed from IncomingRecords, hidden
//! assumption values recovered from simulated IteratorAge and throttles, bad exports refused with
//! a located error and no output folder.
//!
//! The observed export is made by the simulator itself (a run with hidden values, written with
//! the CloudWatch writer), so the true values are known. With `SIM_WRITE_EXAMPLE=DIR` the one-hour
//! example of the README is written to DIR instead of a temporary folder.

use sim::calibrate::observed::{as_cloudwatch, as_lambda_cloudwatch};
use sim::cloudwatch::{time, write_metric_data, Dimension, Known, Series, Stat};
use sim::config::{ModelFile, Override};
use sim::model::simulate;
use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) const HIDDEN: [(&str, &str); 2] = [
    ("consumers.fn.min_call_interval", "\"500ms\""),
    ("consumers.fn.throttle_backoff.max", "\"30s\""),
];

pub(crate) fn model(minutes: u64, consumers: u32) -> String {
    format!(
        r#"# A replayed stream: 4 shards read by {consumers} Lambda functions through shared polling.
name = "replayed"
duration = "{minutes}m"
warmup = "2m"
seed = 7

[streams.events]
kind = "kinesis"
shards = 4
# Instant calls and invokes, as the round trips below were drawn up with.
get_records_latency = "0s"

[producers.orders]
stream = "events"
rate = {{ from = "traffic/result.json", queries = "traffic/queries.json", id = "incoming_records" }}
record_size = {{ from = "traffic/result.json", queries = "traffic/queries.json", bytes_id = "incoming_bytes", records_id = "incoming_records" }}

[consumers.fn]
stream = "events"
count = {consumers}
read = "shared"
batch_size = 100
# The pre-caught-up poller, which re-polls at min_call_interval whenever anything is new: under it
# the busy interval shows in the series, so the round trip can recover it.
busy_poll = "any-new"
throttle_backoff = {{ kind = "exponential", initial = "1s", multiplier = 2.0, max = "10s", jitter = "full" }}
invoke_overhead = "0s"

[consumers.fn.function]
duration = {{ kind = "lognormal", median = "40ms", p99 = "250ms" }}
per_record = "0.2ms"
"#
    )
}

pub(crate) fn start() -> i64 {
    time::parse("2024-05-01T10:00:00Z").unwrap()
}

/// IncomingRecords and IncomingBytes per minute: a daily-looking swell between 150 and 450 records/s.
pub(crate) fn traffic(minutes: u64) -> Vec<Series> {
    let records: Vec<(i64, f64)> = (0..minutes)
        .map(|k| {
            let phase = k as f64 / minutes as f64 * std::f64::consts::TAU;
            (
                start() + 60 * k as i64,
                (300.0 - 150.0 * phase.cos()).round() * 60.0,
            )
        })
        .collect();
    let series = |id: &str, metric, points: Vec<(i64, f64)>| Series {
        id: id.into(),
        metric,
        stat: Stat::Sum,
        period_s: 60,
        dimensions: vec![Dimension::new("StreamName", "events")],
        points,
    };
    let bytes = records.iter().map(|&(t, n)| (t, n * 1100.0)).collect();
    vec![
        series("incoming_records", Known::KinesisIncomingRecords, records),
        series("incoming_bytes", Known::KinesisIncomingBytes, bytes),
    ]
}

pub(crate) fn write_export(dir: &Path, series: &[Series], result: &str) {
    let e = write_metric_data(series, Some(50)).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("queries.json"), e.queries).unwrap();
    std::fs::write(dir.join(result), e.result).unwrap();
}

/// Writes the model, its traffic and the observed export (a run with the hidden values) into dir.
fn scenario(dir: &Path, minutes: u64, consumers: u32) -> PathBuf {
    write_export(&dir.join("traffic"), &traffic(minutes), "result.json");
    let path = dir.join("stream.toml");
    std::fs::write(&path, model(minutes, consumers)).unwrap();
    let file = ModelFile::open(&path).unwrap();
    let hidden: Vec<Override> = HIDDEN
        .iter()
        .map(|(k, v)| Override::parse(&format!("{k}={v}")).unwrap())
        .collect();
    let report = simulate(&file.resolve(&hidden).unwrap()).unwrap();
    let observed = as_cloudwatch("events", start(), minutes as usize, report.minutes.rows());
    write_export(&dir.join("observed"), &observed, "result.json");
    // The same run as a Lambda team sees it: each function's IteratorAge.
    let names: Vec<String> = report.consumers.iter().map(|c| c.name.clone()).collect();
    let rows: Vec<_> = report.minutes.rows().collect();
    let lambda = as_lambda_cloudwatch(&names, start(), minutes as usize, &rows);
    write_export(&dir.join("observed-lambda"), &lambda, "result.json");
    path
}

pub(crate) fn sim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(args)
        .output()
        .unwrap()
}

pub(crate) fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The value on the `# fitted KEY = VALUE` line of the calibrated model, in ms.
pub(crate) fn fitted_ms(toml: &str, key: &str) -> f64 {
    let line = toml
        .lines()
        .find(|l| l.starts_with(&format!("# fitted {key} = ")))
        .unwrap_or_else(|| panic!("no fitted line for {key} in\n{toml}"));
    let v = line.split(" = ").nth(1).unwrap().split(' ').next().unwrap();
    let ns = sim::engine::time::parse_duration(v).unwrap();
    ns as f64 / 1e6
}

#[test]
fn a_calibration_recovers_hidden_values_from_a_simulated_export() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("SIM_WRITE_EXAMPLE").map_or(tmp.path().to_path_buf(), PathBuf::from);
    let example = dir != tmp.path();
    let (minutes, consumers) = if example { (60, 10) } else { (30, 6) };
    let model = scenario(&dir, minutes, consumers);
    if example {
        return;
    }
    let out = dir.join("cal");
    let o = sim(&[
        "calibrate",
        s(&model),
        "--queries",
        s(&dir.join("observed/queries.json")),
        "--observed",
        s(&dir.join("observed/result.json")),
        "--fit",
        HIDDEN[0].0,
        "--fit",
        HIDDEN[1].0,
        "--runs",
        "48",
        "--out",
        s(&out),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let toml = std::fs::read_to_string(out.join("replayed-calibrated.toml")).unwrap();
    let interval = fitted_ms(&toml, HIDDEN[0].0);
    assert!(
        (350.0..=700.0).contains(&interval),
        "min_call_interval {interval} ms\n{stdout}"
    );
    let backoff = fitted_ms(&toml, HIDDEN[1].0) / 1e3;
    assert!(
        (15.0..=45.0).contains(&backoff),
        "throttle_backoff.max {backoff} s\n{stdout}"
    );
    let loss_line = toml.lines().find(|l| l.starts_with("# Loss: ")).unwrap();
    let number = |after: &str| -> f64 {
        let rest = loss_line.split(after).nth(1).unwrap().trim_start();
        rest.split(|c: char| c != '.' && !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let (loss, start, noise) = (number("Loss:"), number("written:"), number("noise floor"));
    assert!(
        loss < 0.7 * start,
        "the fit improves on the model as written: {loss_line}"
    );
    assert!(
        loss < 1.5 * noise,
        "the fit is within the noise of other seeds: {loss_line}"
    );
    let (low, high) = (number("seeds score"), number(" to "));
    assert!(
        low <= noise && noise <= high,
        "the noise floor is the mean of the seeds' losses: {loss_line}"
    );
    for f in [
        "calibration.csv",
        "overlay-iterator-age.png",
        "overlay-throttled.svg",
        "report.html",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(page.matches("<svg").count(), 2, "both overlays inline");
    assert!(page.contains("replayed-calibrated.toml") && !page.contains("<script"));
    // The calibrated model is an ordinary model: it runs, replaying the same traffic.
    let run = sim(&[
        "run",
        s(&out.join("replayed-calibrated.toml")),
        "--out",
        s(&dir.join("run")),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn every_bad_export_gets_a_located_error_and_no_output_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let model = scenario(tmp.path(), 10, 2);
    let bad = Path::new("tests/fixtures/cloudwatch/bad");
    let good_queries = tmp.path().join("observed/queries.json");
    let mut cases = 0;
    for entry in std::fs::read_dir(bad).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.starts_with("statistics") {
            continue;
        }
        let (queries, observed) = if name.starts_with("queries") {
            (path.clone(), tmp.path().join("observed/result.json"))
        } else {
            (good_queries.clone(), path.clone())
        };
        let out = tmp.path().join(format!("out-{name}"));
        let o = sim(&[
            "calibrate",
            s(&model),
            "--queries",
            s(&queries),
            "--observed",
            s(&observed),
            "--out",
            s(&out),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(&name),
            "{name}: the error names the file: {err}"
        );
        assert!(!out.exists(), "{name}: no output folder");
        cases += 1;
    }
    assert!(cases >= 5);
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".sim-"))
        .collect();
    assert!(leftovers.is_empty(), "no staging folder left behind");
}

#[test]
fn a_bad_reference_to_an_export_is_located_at_its_key() {
    let tmp = tempfile::tempdir().unwrap();
    let model = scenario(tmp.path(), 10, 2);
    let text = std::fs::read_to_string(&model).unwrap();
    std::fs::write(
        &model,
        text.replace("id = \"incoming_records\"", "id = \"incoming\""),
    )
    .unwrap();
    let o = sim(&["validate", s(&model)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("stream.toml:15:"), "{err}");
    assert!(err.contains("producers.orders.rate.id"), "{err}");
}

#[test]
fn a_function_duration_is_fitted_from_lambda_percentiles_and_reported_by_run_json() {
    let tmp = tempfile::tempdir().unwrap();
    let model = scenario(tmp.path(), 10, 2);
    let fixtures = std::path::absolute("tests/fixtures/cloudwatch").unwrap();
    let text = std::fs::read_to_string(&model).unwrap().replace(
        r#"duration = { kind = "lognormal", median = "40ms", p99 = "250ms" }"#,
        &format!(
            r#"duration = {{ from = "{0}/result.json", queries = "{0}/queries.json", id = "d50", p99_id = "d99" }}"#,
            fixtures.display()
        ),
    );
    std::fs::write(&model, text).unwrap();
    let o = sim(&[
        "run",
        s(&model),
        "--json",
        "--out",
        s(&tmp.path().join("run")),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let keys: Vec<&str> = v["fitted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "producers.orders.rate",
            "producers.orders.record_size",
            "consumers.fn.function.duration"
        ]
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("fitted consumers.fn.function.duration: log-normal"),
        "{stderr}"
    );
}

/// Replaces the first `from` in the file at `path` by `to` (the test fails if there is none).
fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no {from}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// `sim calibrate` on the scenario in `dir`, with a `--fit` key that is refused only after the
/// export is read: what the export's reading says, without a single run.
fn calibrate_reads(dir: &Path, model: &Path) -> (Option<i32>, String) {
    let o = sim(&[
        "calibrate",
        s(model),
        "--queries",
        s(&dir.join("observed/queries.json")),
        "--observed",
        s(&dir.join("observed/result.json")),
        "--fit",
        "no.such.key",
        "--out",
        s(&dir.join("cal")),
    ]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!err.contains("panicked"), "{err}");
    assert!(!dir.join("cal").exists(), "no output folder: {err}");
    (o.status.code(), err)
}

#[test]
fn a_stray_observed_timestamp_is_left_out_with_a_warning_not_a_huge_allocation() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let model = scenario(dir, 10, 2);
    let observed = dir.join("observed/result.json");
    edit(&observed, "2024-05-01T10:09:00", "9999-05-01T10:09:00");
    let out = dir.join("cal");
    let o = sim(&[
        "calibrate",
        s(&model),
        "--queries",
        s(&dir.join("observed/queries.json")),
        "--observed",
        s(&observed),
        "--fit",
        HIDDEN[0].0,
        "--runs",
        "8",
        "--out",
        s(&out),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let expected = format!(
        "warning: {}: left out 1 observed point outside the window 2024-05-01T10:00:00+00:00 to \
         2024-05-01T10:10:00+00:00 (the replayed traffic), the first at 9999-05-01T10:09:00+00:00",
        observed.display()
    );
    assert!(err.contains(&expected), "{err}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("against 10 minutes"), "{stdout}");
}

#[test]
fn without_a_replay_the_window_is_the_models_duration_where_the_points_are() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let model = scenario(dir, 10, 2);
    let text = std::fs::read_to_string(&model).unwrap();
    let plain: String = text
        .lines()
        .filter(|l| !l.starts_with("record_size"))
        .map(|l| {
            if l.starts_with("rate") {
                "rate = 300.0"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&model, plain).unwrap();
    // One point dated years before the rest (which start after the 2-minute warm-up): it must
    // not place the window.
    edit(
        &dir.join("observed/result.json"),
        "2024-05-01T10:09:00",
        "2019-05-01T10:09:00",
    );
    let (code, err) = calibrate_reads(dir, &model);
    assert_eq!(code, Some(2), "refused for --fit only: {err}");
    assert!(
        err.contains(
            "left out 1 observed point outside the window 2024-05-01T10:02:00+00:00 to \
             2024-05-01T10:12:00+00:00 (the model's duration), the first at 2019-05-01T10:09:00+00:00"
        ),
        "{err}"
    );
}

#[test]
fn an_observed_export_with_no_point_in_the_window_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let model = scenario(dir, 10, 2);
    let observed = dir.join("observed/result.json");
    let text = std::fs::read_to_string(&observed).unwrap();
    std::fs::write(&observed, text.replace("2024-05-01T10:", "2024-05-02T10:")).unwrap();
    let (code, err) = calibrate_reads(dir, &model);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("result.json: no observed point inside the window 2024-05-01T10:00:00+00:00"),
        "{err}"
    );
}

#[test]
fn a_stray_traffic_timestamp_is_left_out_of_the_replay_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let model = scenario(dir, 10, 2);
    let traffic = dir.join("traffic/result.json");
    edit(&traffic, "2024-05-01T10:09:00", "9999-05-01T10:09:00");
    let o = sim(&["run", s(&model), "--out", s(&dir.join("run"))]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains(&format!(
            "warning: {}: incoming_records: left out 1 point outside the replayed window \
             2024-05-01T10:00:00+00:00 to 2024-05-01T10:09:00+00:00 (the longest run of consecutive \
             60 s periods), the first at 9999-05-01T10:09:00+00:00",
            traffic.display()
        )),
        "{err}"
    );
    assert!(err.contains("over 9 periods of 60 s (0 missing"), "{err}");
}

#[test]
fn export_metadata_that_makes_data_wrong_is_an_error_naming_file_and_series() {
    type Edit = (&'static str, &'static str, &'static str, &'static str);
    // (file, from, to, what the error says)
    let cases: [Edit; 4] = [
        (
            "observed/result.json",
            "\"StatusCode\": \"Complete\"",
            "\"StatusCode\": \"InternalError\"",
            ": StatusCode InternalError in result entry",
        ),
        (
            "observed/result.json",
            "\"StatusCode\": \"Complete\"",
            "\"StatusCode\": \"Forbidden\"",
            ": StatusCode Forbidden in result entry",
        ),
        (
            "observed/result.json",
            "\"Values\": [\n                ",
            "\"Values\": [\n                -",
            "negative values, the first -",
        ),
        (
            "traffic/queries.json",
            "\"Period\": 60",
            "\"Period\": 86400",
            "incoming_records: points 60 s apart, but the query's Period is 86400 s",
        ),
    ];
    for (file, from, to, says) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let model = scenario(dir, 10, 2);
        edit(&dir.join(file), from, to);
        let (code, err) = calibrate_reads(dir, &model);
        assert_eq!(code, Some(2), "{file} {to}: {err}");
        assert!(err.contains(says), "{file} {to}: {err}");
        let named = dir.join(file.replace("queries", "result"));
        assert!(err.contains(&named.display().to_string()), "{err}");
    }
}

#[test]
fn export_metadata_worth_knowing_is_named_in_a_warning() {
    // (file, from, to, what the warning says)
    let cases = [
        (
            "observed/result.json",
            "\"StatusCode\": \"Complete\"",
            "\"Messages\": [{\"Code\": \"ArithmeticError\", \"Value\": \"division by zero\"}], \"StatusCode\": \"Complete\"",
            "CloudWatch says ArithmeticError: division by zero",
        ),
        (
            "observed/result.json",
            "\"StatusCode\": \"Complete\"",
            "\"StatusCode\": \"PartialData\"",
            "the last page is PartialData",
        ),
        (
            "observed/result.json",
            "\"Timestamps\": [\n                \"2024-05-01T10:09:00+00:00\",\n                \"2024-05-01T10:08:00+00:00\"",
            "\"Timestamps\": [\n                \"2024-05-01T10:09:00+00:00\",\n                \"2024-05-01T10:09:00+00:00\"",
            "1 timestamps appeared more than once; kept the later entry in the file (1 with a different value)",
        ),
        (
            "traffic/result.json",
            "\"StatusCode\": \"Complete\"",
            "\"Messages\": [{\"Code\": \"Throttled\", \"Value\": \"slow down\"}], \"StatusCode\": \"Complete\"",
            "CloudWatch says Throttled: slow down",
        ),
    ];
    for (file, from, to, says) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let model = scenario(dir, 10, 2);
        edit(&dir.join(file), from, to);
        let (code, err) = calibrate_reads(dir, &model);
        assert_eq!(code, Some(2), "refused for --fit only: {err}");
        assert!(err.contains("--fit no.such.key"), "{err}");
        let line = err
            .lines()
            .find(|l| l.contains(says))
            .unwrap_or_else(|| panic!("{file} {to}: no warning `{says}` in\n{err}"));
        assert!(line.starts_with("warning: "), "{line}");
        assert!(
            line.contains(&dir.join(file).display().to_string()),
            "{line}"
        );
    }
}

#[test]
fn a_calibration_forecast_over_max_events_is_refused_before_any_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let model = scenario(dir, 10, 2);
    let out = dir.join("cal");
    let o = sim(&[
        "calibrate",
        s(&model),
        "--queries",
        s(&dir.join("observed/queries.json")),
        "--observed",
        s(&dir.join("observed/result.json")),
        "--max-events",
        "1000",
        "--out",
        s(&out),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("error: this calibration is forecast to need about"),
        "{err}"
    );
    assert!(err.contains("more than --max-events 1.0e3"), "{err}");
    assert!(!out.exists());
}
