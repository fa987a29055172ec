//! The figures README.md quotes, tied to the commands that measure them, so the README and the tool
//! cannot drift apart. Each [`Quote`] is the README's own words with `{}` where a figure stands,
//! and names the figure and how the README rounds it. `docs/readme-figures.json` holds every
//! figure as last measured; `scripts/readme-figures.sh` writes it by running every quoted command
//! (the 32-set assumption study included, a few minutes). The tests check that the README says
//! what that file holds, and run the cheap commands again (about 20 s of CPU in a release build) to
//! check that the README still says what the tool measures now.

use assert_cmd::Command;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod quotes;
pub(super) use quotes::*;

/// The commands whose outputs the README quotes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Study {
    HotStream,
    Propagation,
    PowerApi,
    PowerApiCost,
    ReaderStreams,
    Calibrate,
    CalibrateFit,
    /// `sim sweep experiments/hot-stream.toml --assumptions 32`: minutes, so only the script runs it.
    HotStreamBands,
    /// `sim run` of the standard, enhanced fan-out and DynamoDB Streams models: single-record latency.
    Latency,
}

pub(super) const STUDIES: [Study; 9] = [
    Study::HotStream,
    Study::Propagation,
    Study::PowerApi,
    Study::PowerApiCost,
    Study::ReaderStreams,
    Study::Calibrate,
    Study::CalibrateFit,
    Study::HotStreamBands,
    Study::Latency,
];

/// The committed figures, as last measured by `scripts/readme-figures.sh`.
pub(super) const COMMITTED: &str = "docs/readme-figures.json";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sim(args: &[&str]) -> String {
    let out = Command::cargo_bin("sim")
        .unwrap()
        .current_dir(root())
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "sim {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A sweep's `--json` summary, its output folder in `tmp`.
fn sweep(tmp: &Path, name: &str, extra: &[&str]) -> (Value, PathBuf) {
    let out = tmp.join(format!("{name}{}", extra.join("")));
    let exp = format!("experiments/{name}.toml");
    let mut args = vec![
        "sweep",
        &exp,
        "-q",
        "--json",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    (serde_json::from_str(&sim(&args)).unwrap(), out)
}

/// The metrics of the point whose parameters include every `(key, value)` of `at`.
fn point<'a>(summary: &'a Value, at: &[(&str, Value)]) -> &'a Value {
    let points = summary["points"].as_array().unwrap();
    let hit = points.iter().find(|p| {
        at.iter().all(|(k, v)| match (&p["params"][k], v) {
            (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
            (a, b) => a == b,
        })
    });
    &hit.unwrap_or_else(|| panic!("no point {at:?}"))["metrics"]
}

fn mean(summary: &Value, metric: &str, at: &[(&str, Value)]) -> f64 {
    point(summary, at)[metric]["mean"].as_f64().unwrap()
}

/// The means of `metric` over every point whose parameters include `at`.
fn means(summary: &Value, metric: &str, at: &[(&str, Value)]) -> Vec<f64> {
    let points = summary["points"].as_array().unwrap();
    points
        .iter()
        .filter(|p| at.iter().all(|(k, v)| &p["params"][k] == v))
        .map(|p| p["metrics"][metric]["mean"].as_f64().unwrap())
        .collect()
}

fn avg(v: &[f64]) -> f64 {
    assert!(!v.is_empty());
    v.iter().sum::<f64>() / v.len() as f64
}

/// What `study` measures, by figure name.
pub(super) fn measure(study: Study, tmp: &Path) -> BTreeMap<String, Value> {
    let mut f = BTreeMap::new();
    let mut put = |k: &str, v: f64| {
        f.insert(k.to_string(), json!(v));
    };
    match study {
        Study::HotStream => {
            let s = sweep(tmp, "hot-stream", &[]).0;
            let std = |n: u32| {
                vec![
                    ("consumers.fn.count", json!(n)),
                    ("model", json!("kinesis-standard")),
                ]
            };
            let thr = "throttled_reads_per_min";
            let up_to_5 = (1..=5).map(|n| mean(&s, thr, &std(n))).fold(0.0, f64::max);
            put("hot.throttled.standard.up_to_5", up_to_5);
            put("hot.throttled.standard.6", mean(&s, thr, &std(6)));
            put("hot.throttled.standard.30", mean(&s, thr, &std(30)));
            let age = "iterator_age_avg_ms";
            put("hot.age_avg_s.standard.15", mean(&s, age, &std(15)) / 1e3);
            put("hot.age_avg_s.standard.30", mean(&s, age, &std(30)) / 1e3);
            let efo = means(&s, age, &[("model", json!("kinesis-efo"))]);
            assert_eq!(efo.len(), 30);
            put("hot.age_avg_ms.efo.mean", avg(&efo));
        }
        Study::Propagation => {
            let s = sweep(tmp, "propagation", &[]).0;
            let at = |n: u32, r: &str| {
                vec![
                    ("consumers.app.count", json!(n)),
                    ("consumers.app.read", json!(r)),
                ]
            };
            let d = "delivery_latency_ms";
            put(
                "propagation.delivery_ms.shared.1",
                mean(&s, d, &at(1, "shared")),
            );
            put(
                "propagation.delivery_ms.shared.5",
                mean(&s, d, &at(5, "shared")),
            );
            let efo = means(&s, d, &[("consumers.app.read", json!("efo"))]);
            put("propagation.delivery_ms.efo.mean", avg(&efo));
        }
        Study::PowerApi => {
            let s = sweep(tmp, "power-api", &[]).0;
            for m in ARCHITECTURES {
                let at = [("model", json!(m))];
                put(
                    &format!("power.worst_s.{m}"),
                    mean(&s, "iterator_age_worst_minute_avg_ms", &at) / 1e3,
                );
                put(
                    &format!("power.max_s.{m}"),
                    mean(&s, "iterator_age_max_ms", &at) / 1e3,
                );
            }
            let four_readers = mean(
                &s,
                "iterator_age_max_ms",
                &[("model", json!(ARCHITECTURES[0]))],
            );
            // The post's maximum with four readers: 60 to 70 s.
            put("power.max_over_post", four_readers / 70e3);
        }
        Study::PowerApiCost => {
            let s = sweep(tmp, "power-api-cost", &[]).0;
            for m in ARCHITECTURES {
                put(
                    &format!("cost.power.{m}"),
                    mean(&s, "cost_per_month_usd", &[("model", json!(m))]),
                );
            }
        }
        Study::ReaderStreams => {
            let s = sweep(tmp, "reader-streams", &[]).0;
            let at = |m: &str| vec![("model", json!(format!("reader-streams-{m}")))];
            let (thr, first, cost) = (
                "throttled_reads_per_min",
                "first_write_latency_ms",
                "cost_per_month_usd",
            );
            put("readers.throttled.central", mean(&s, thr, &at("central")));
            put("readers.throttled.router", mean(&s, thr, &at("router")));
            put(
                "readers.first_write_s.central",
                mean(&s, first, &at("central")) / 1e3,
            );
            put(
                "readers.first_write_s.router",
                mean(&s, first, &at("router")) / 1e3,
            );
            put("readers.first_write_ms.efo", mean(&s, first, &at("efo")));
            put(
                "readers.cost_more.router",
                mean(&s, cost, &at("router")) - mean(&s, cost, &at("central")),
            );
            put(
                "readers.skew_s.router",
                mean(&s, "cross_stream_skew_ms", &at("router")) / 1e3,
            );
            put("readers.cost.efo", mean(&s, cost, &at("efo")));
        }
        Study::Calibrate => calibration(tmp, "calibrate", &[], &mut f),
        Study::CalibrateFit => {
            let fit = [
                "--fit",
                "consumers.fn.min_call_interval",
                "--fit",
                "consumers.fn.throttle_backoff.max",
                "--runs",
                "48",
            ];
            calibration(tmp, "calibrate_fit", &fit, &mut f)
        }
        Study::HotStreamBands => bands(tmp, &mut f),
        Study::Latency => latency(tmp, &mut f),
    }
    f
}

const ARCHITECTURES: [&str; 3] = [
    "dynamodb-streams",
    "dynamodb-fanout-function",
    "power-api-kinesis",
];

/// The number after `after` in `text` (up to the first character that is not part of one).
fn number_after(text: &str, after: &str) -> f64 {
    let rest = text
        .split(after)
        .nth(1)
        .unwrap_or_else(|| panic!("no `{after}` in\n{text}"))
        .trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    rest[..end]
        .trim_end_matches('.')
        .parse()
        .unwrap_or_else(|_| panic!("no number after `{after}` in\n{text}"))
}

/// A fitted parameter's line of the summary: its value and near-best range, in `unit_ns` units.
fn fitted(text: &str, key: &str, unit_ns: f64) -> [f64; 3] {
    let fitted = text
        .split("fitted (value;")
        .nth(1)
        .unwrap_or_else(|| panic!("{text}"));
    let line = fitted
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{key} ")))
        .unwrap_or_else(|| panic!("no fitted {key} in\n{text}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    let ns = |w: &str| sim::engine::time::parse_duration(w).unwrap() as f64 / unit_ns;
    let (lo, hi) = words[2].split_once("..").unwrap();
    [ns(words[1]), ns(lo), ns(hi)]
}

/// The figures of `sim calibrate` on the README's example, with `extra` flags, named `name.*`.
fn calibration(tmp: &Path, name: &str, extra: &[&str], f: &mut BTreeMap<String, Value>) {
    let out = tmp.join(name);
    let ex = "examples/calibrate";
    let (q, o) = (
        format!("{ex}/observed/queries.json"),
        format!("{ex}/observed/result.json"),
    );
    let mut args = vec![
        "calibrate",
        "examples/calibrate/stream.toml",
        "--queries",
        &q,
        "--observed",
        &o,
    ];
    args.extend_from_slice(extra);
    args.extend(["--out", out.to_str().unwrap()]);
    let text = sim(&args);
    let mut put = |k: &str, v: Value| {
        f.insert(format!("{name}.{k}"), v);
    };
    put("runs", json!(runs_of(&text)));
    put("loss", json!(number_after(&text, "\n  loss ")));
    put(
        "loss_as_written",
        json!(number_after(&text, "model as written ")),
    );
    put("noise_floor", json!(number_after(&text, "noise floor ")));
    put(
        "noise_seeds",
        json!(number_after(&text, "best values under ")),
    );
    put(
        "noise_low",
        json!(number_after(&text, "other seeds score ")),
    );
    put(
        "noise_high",
        json!(number_after(
            text.split("other seeds score ").nth(1).unwrap(),
            " to "
        )),
    );
    let series = text
        .split("per series: ")
        .nth(1)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    put(
        "error.iterator_age_avg",
        json!(number_after(&series, "IteratorAge Average (ms) ")),
    );
    put(
        "error.iterator_age_max",
        json!(number_after(&series, "IteratorAge Maximum (ms) ")),
    );
    put(
        "error.throttled",
        json!(number_after(
            &series,
            "ReadProvisionedThroughputExceeded Sum "
        )),
    );
    let fitted_keys: Vec<String> = text
        .split("fitted (value;")
        .nth(1)
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("    "))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    put("fitted", json!(fitted_keys));
    if name == "calibrate" {
        put("screen_picks", json!(fitted_keys));
        let [v, lo, hi] = fitted(&text, "consumers.fn.throttle_backoff.max", 1e9);
        put("throttle_backoff_max_s", json!(v));
        put("throttle_backoff_max_s.near_low", json!(lo));
        put("throttle_backoff_max_s.near_high", json!(hi));
    } else {
        put(
            "min_call_interval_ms",
            json!(fitted(&text, "consumers.fn.min_call_interval", 1e6)[0]),
        );
        put(
            "throttle_backoff_max_s",
            json!(fitted(&text, "consumers.fn.throttle_backoff.max", 1e9)[0]),
        );
    }
}

/// The single-record latency figures: `sim run` of three shipped models (one standard poller, ten,
/// one enhanced fan-out subscriber, the DynamoDB Streams readers), per consumer from `--json`.
fn latency(tmp: &Path, f: &mut BTreeMap<String, Value>) {
    let run = |name: &str, model: &str, sets: &[&str]| -> Vec<Value> {
        let out = tmp.join(format!("latency-{name}"));
        let path = format!("models/{model}.toml");
        let mut args = vec!["run", &path, "--json", "--out", out.to_str().unwrap()];
        for s in sets {
            args.extend(["--set", s]);
        }
        let v: Value = serde_json::from_str(&sim(&args)).unwrap();
        let cs = v["consumers"].as_array().unwrap();
        cs.iter().map(|c| c["latency_ms"].clone()).collect()
    };
    let of = |ls: &[Value], path: &[&str]| -> Vec<f64> {
        ls.iter()
            .map(|l| path.iter().fold(l, |v, k| &v[*k]).as_f64().unwrap())
            .collect()
    };
    let top = |v: Vec<f64>| v.into_iter().fold(0.0, f64::max);
    let low = |v: Vec<f64>| v.into_iter().fold(f64::INFINITY, f64::min);
    let mut put = |k: &str, v: f64| {
        f.insert(format!("latency.{k}"), json!(v));
    };
    let one = ["consumers.fn.count=1"];
    let std1 = run("standard-1", "kinesis-standard", &one);
    put("standard.1.p50_ms", avg(&of(&std1, &["p50"])));
    put("standard.1.p99_ms", top(of(&std1, &["p99"])));
    let std10 = run("standard-10", "kinesis-standard", &[]);
    put("standard.10.p50_s", avg(&of(&std10, &["p50"])) / 1e3);
    put("standard.10.p99_s", top(of(&std10, &["p99"])) / 1e3);
    put(
        "standard.10.to_handler_ms",
        avg(&of(&std10, &["to_handler", "mean"])),
    );
    let efo1 = run("efo-1", "kinesis-efo", &one);
    put("efo.1.p50_ms", avg(&of(&efo1, &["p50"])));
    put("efo.1.p99_ms", top(of(&efo1, &["p99"])));
    put("efo.1.delivery_ms", avg(&of(&efo1, &["delivery", "mean"])));
    put("efo.1.wait_ms", avg(&of(&efo1, &["wait", "mean"])));
    let ddb = run("dynamodb", "dynamodb-streams", &[]);
    put("dynamodb.p50_s.min", low(of(&ddb, &["p50"])) / 1e3);
    put("dynamodb.p50_s.max", top(of(&ddb, &["p50"])) / 1e3);
    put("dynamodb.p99_s.min", low(of(&ddb, &["p99"])) / 1e3);
    put("dynamodb.p99_s.max", top(of(&ddb, &["p99"])) / 1e3);
}

/// The run count on the first line of a calibration's summary (`...: N runs`).
fn runs_of(text: &str) -> f64 {
    let first = text.lines().next().unwrap();
    let words: Vec<&str> = first.split_whitespace().collect();
    assert_eq!(words.last(), Some(&"runs"), "{first}");
    words[words.len() - 2].parse().unwrap()
}

/// The figures of the hot-stream sweep over 32 assumption sets.
fn bands(tmp: &Path, f: &mut BTreeMap<String, Value>) {
    let (s, out) = sweep(tmp, "hot-stream", &["--assumptions", "32"]);
    let mut put = |k: &str, v: Value| {
        f.insert(format!("bands.{k}"), v);
    };
    let band = |n: u32, model: &str, metric: &str, end: &str| {
        let at = [("consumers.fn.count", json!(n)), ("model", json!(model))];
        point(&s, &at)[metric]["band"][end].as_f64().unwrap()
    };
    let (std, efo, age) = ("kinesis-standard", "kinesis-efo", "iterator_age_max_ms");
    let up_to_4 = (1..=4)
        .map(|n| band(n, std, age, "max"))
        .fold(0.0, f64::max);
    put("age_max_s.standard.up_to_4.max", json!(up_to_4 / 1e3));
    put(
        "age_max_s.standard.5.min",
        json!(band(5, std, age, "min") / 1e3),
    );
    put(
        "age_max_s.standard.5.max",
        json!(band(5, std, age, "max") / 1e3),
    );
    // Per set, from 6 standard subscribers on: the worst IteratorAge of each point. A set whose
    // readers read nothing at all (every call throttled) has no IteratorAge sample, shown as 0:
    // such sets are counted apart, and the smallest value is over the sets that read.
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let col = (results["metrics"].as_array().unwrap().iter())
        .position(|m| m == age)
        .unwrap();
    let index = |n: u32| {
        (s["points"].as_array().unwrap().iter())
            .position(|p| {
                p["params"]["consumers.fn.count"].as_f64() == Some(f64::from(n))
                    && p["params"]["model"] == std
            })
            .unwrap()
    };
    let sets = results["sets"].as_array().unwrap();
    let at = |set: &Value, n: u32| set[index(n)][col][0].as_f64().unwrap();
    let starved: Vec<u32> = (sets.iter())
        .filter_map(|set| (6..=30).find(|&n| at(set, n) == 0.0))
        .collect();
    let from_6 = (sets.iter())
        .flat_map(|set| {
            (6..=30)
                .map(|n| at(set, n))
                .filter(|&v| v > 0.0)
                .collect::<Vec<_>>()
        })
        .fold(f64::INFINITY, f64::min);
    put("age_max_s.standard.from_6.min", json!(from_6 / 1e3));
    put("age_max_s.standard.starved_sets", json!(starved.len()));
    put(
        "age_max_s.standard.starved_from",
        json!(starved.iter().min().copied().unwrap_or(0)),
    );
    put(
        "cost.efo.30.min",
        json!(band(30, efo, "cost_per_month_usd", "min")),
    );
    put(
        "cost.efo.30.max",
        json!(band(30, efo, "cost_per_month_usd", "max")),
    );
    let csv = std::fs::read_to_string(out.join("sensitivity.csv")).unwrap();
    put(
        "deciding.age_max.standard.5",
        json!(deciding(&csv, 5, std, age)),
    );
    put(
        "deciding.age_max.standard.6",
        json!(deciding(&csv, 6, std, age)),
    );
    put(
        "deciding.cost.efo.30",
        json!(deciding(&csv, 30, efo, "cost_per_month_usd")),
    );
}

/// The assumption with the largest total effect on `metric` at the point with `n` subscribers of
/// `model`, from sensitivity.csv.
fn deciding(csv: &str, n: u32, model: &str, metric: &str) -> String {
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| {
        head.iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no {name} in {head:?}"))
    };
    let (c_n, c_model, c_metric, c_a, c_e) = (
        col("consumers.fn.count"),
        col("model"),
        col("metric"),
        col("assumption"),
        col("total_effect"),
    );
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|r| r[c_n] == n.to_string() && r[c_model] == model && r[c_metric] == metric)
        .max_by(|a, b| {
            a[c_e]
                .parse::<f64>()
                .unwrap()
                .total_cmp(&b[c_e].parse::<f64>().unwrap())
        })
        .map(|r| r[c_a].to_string())
        .unwrap_or_else(|| panic!("no {metric} rows at {n} {model}"))
}

/// Which study measures a figure, by its name's first part.
pub(super) fn study_of(figure: &str) -> Study {
    match figure.split('.').next().unwrap() {
        "hot" => Study::HotStream,
        "propagation" => Study::Propagation,
        "power" => Study::PowerApi,
        "cost" => Study::PowerApiCost,
        "readers" => Study::ReaderStreams,
        "calibrate" => Study::Calibrate,
        "calibrate_fit" => Study::CalibrateFit,
        "bands" => Study::HotStreamBands,
        "latency" => Study::Latency,
        other => panic!("no study measures `{other}`"),
    }
}

/// The committed figures.
pub(super) fn committed() -> BTreeMap<String, Value> {
    let text = std::fs::read_to_string(root().join(COMMITTED))
        .unwrap_or_else(|e| panic!("{COMMITTED}: {e}; run scripts/readme-figures.sh"));
    let v: Value = serde_json::from_str(&text).unwrap();
    let figures: &Map<String, Value> = v["figures"].as_object().unwrap();
    figures
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Every figure of `studies`, measured now.
pub(super) fn measure_all(studies: &[Study]) -> BTreeMap<String, Value> {
    let tmp = tempfile::tempdir().unwrap();
    studies
        .iter()
        .flat_map(|s| measure(*s, tmp.path()))
        .collect()
}

/// Writes `figures` as the committed file.
pub(super) fn write_committed(figures: &BTreeMap<String, Value>) {
    let doc = json!({
        "written_by": "scripts/readme-figures.sh: every figure README.md quotes, as measured by the commands it quotes",
        "figures": figures,
    });
    let text = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    std::fs::write(root().join(COMMITTED), text).unwrap();
}
