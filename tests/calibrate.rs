//! Calibrating a model against a CloudWatch export: traffic replayed from IncomingRecords, hidden
//! assumption values recovered from simulated IteratorAge and throttles, bad exports refused with
//! a located error and no output folder.
//!
//! The observed export is made by the simulator itself (a run with hidden values, written with
//! the CloudWatch writer), so the true values are known. With `SIM_WRITE_EXAMPLE=DIR` the one-hour
//! example of the README is written to DIR instead of a temporary folder.

use sim::calibrate::observed::as_cloudwatch;
use sim::cloudwatch::{time, write_metric_data, Dimension, Known, Series, Stat};
use sim::config::{ModelFile, Override};
use sim::model::simulate;
use std::path::{Path, PathBuf};
use std::process::Command;

const HIDDEN: [(&str, &str); 2] = [
    ("consumers.fn.min_call_interval", "\"500ms\""),
    ("consumers.fn.throttle_backoff.max", "\"30s\""),
];

fn model(minutes: u64, consumers: u32) -> String {
    format!(
        r#"# A replayed stream: 4 shards read by {consumers} Lambda functions through shared polling.
name = "replayed"
duration = "{minutes}m"
warmup = "2m"
seed = 7

[streams.events]
kind = "kinesis"
shards = 4

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

[consumers.fn.function]
duration = {{ kind = "lognormal", median = "40ms", p99 = "250ms" }}
per_record = "0.2ms"
"#
    )
}

fn start() -> i64 {
    time::parse("2024-05-01T10:00:00Z").unwrap()
}

/// IncomingRecords and IncomingBytes per minute: a daily-looking swell between 150 and 450 records/s.
fn traffic(minutes: u64) -> Vec<Series> {
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

fn write_export(dir: &Path, series: &[Series], result: &str) {
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
    path
}

fn sim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(args)
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The value on the `# fitted KEY = VALUE` line of the calibrated model, in ms.
fn fitted_ms(toml: &str, key: &str) -> f64 {
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
    assert!(err.contains("stream.toml:13:"), "{err}");
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
