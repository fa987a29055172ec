//! Files of a sweep: `runs.csv`, `summary.csv`, `timeseries/`, the `--json` object, and plots;
//! and the listings of a sweep's runs (`--list-runs`) and of runs a merge misses.

use crate::experiment::{Experiment, Point};
use crate::fsio;
use crate::model::report::ConsumerReport;
use crate::sweep::merge::Missing;
use crate::sweep::metric::Metric;
use crate::sweep::shard::RunInfo;
use crate::sweep::stats::PointSummaries;
use crate::sweep::SweepResult;
use anyhow::Result;
use serde_json::{json, Map, Value};
use std::path::Path;

fn axis_header(exp: &Experiment) -> Vec<String> {
    exp.axes.iter().map(|a| a.path.clone()).collect()
}

fn axis_cells(p: &Point) -> Vec<String> {
    p.values.iter().map(|(_, v)| v.display()).collect()
}

fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x:.3}")
    }
}

/// A column of `runs.csv`: its name and how to write a consumer's cell.
type ConsumerColumn = (&'static str, fn(&ConsumerReport) -> String);

/// The per-consumer columns of `runs.csv`, in order.
const CONSUMER_COLUMNS: &[ConsumerColumn] = &[
    ("consumer", |c| c.name.clone()),
    ("stream", |c| c.stream.clone()),
    ("read", |c| c.read.clone()),
    ("iterator_age_avg_ms", |c| num(c.iterator_age_ms.minute_avg)),
    ("iterator_age_max_ms", |c| num(c.iterator_age_ms.max)),
    ("iterator_age_mean_ms", |c| num(c.iterator_age_ms.mean)),
    ("iterator_age_p50_ms", |c| num(c.iterator_age_ms.p50)),
    ("iterator_age_p99_ms", |c| num(c.iterator_age_ms.p99)),
    ("iterator_age_samples", |c| {
        num(c.iterator_age_ms.samples as f64)
    }),
    ("records_processed", |c| c.records_processed.to_string()),
    ("records_in_flight", |c| c.records_in_flight.to_string()),
    ("records_unread", |c| c.records_unread.to_string()),
    ("records_discarded", |c| c.records_discarded.to_string()),
    ("records_expired", |c| c.records_expired.to_string()),
    ("read_calls", |c| c.read_calls.to_string()),
    ("throttled_reads", |c| c.throttled_reads.to_string()),
    (
        "throttled_reads_per_min",
        |c| num(c.throttled_reads_per_min),
    ),
    ("invocations", |c| c.invocations.to_string()),
    ("errors", |c| c.errors.to_string()),
    ("retries", |c| c.retries.to_string()),
    ("duplicates", |c| c.duplicates.to_string()),
    ("cold_starts", |c| c.cold_starts.to_string()),
    ("peak_concurrency", |c| c.peak_concurrency.to_string()),
    ("delivery_latency_ms", |c| num(c.delivery_latency_ms)),
    ("end_to_end_ms_mean", |c| num(c.end_to_end_ms_mean)),
    ("end_to_end_ms_max", |c| num(c.end_to_end_ms_max)),
];

/// `runs.csv`: one row per point x replicate x consumer, every axis value and every consumer
/// column.
pub fn runs_csv(exp: &Experiment, res: &SweepResult) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["point".to_string(), "replicate".into(), "seed".into()];
    header.extend(axis_header(exp));
    header.extend(CONSUMER_COLUMNS.iter().map(|(name, _)| name.to_string()));
    w.write_record(&header).expect("in-memory write");
    for run in &res.runs {
        let p = &exp.points[run.point];
        for c in &run.report.consumers {
            let mut row = vec![
                run.point.to_string(),
                run.replicate.to_string(),
                run.seed.to_string(),
            ];
            row.extend(axis_cells(p));
            row.extend(CONSUMER_COLUMNS.iter().map(|(_, cell)| cell(c)));
            w.write_record(&row).expect("in-memory write");
        }
    }
    w.into_inner().expect("in-memory write")
}

/// `summary.csv`: one row per point, mean and 95% half-width of every point metric.
pub fn summary_csv(exp: &Experiment, sums: &[PointSummaries]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["point".to_string()];
    header.extend(axis_header(exp));
    header.push("replicates".into());
    for m in Metric::ALL {
        header.push(m.name().to_string());
        header.push(format!("{}_ci95", m.name()));
    }
    w.write_record(&header).expect("in-memory write");
    for (p, s) in exp.points.iter().zip(sums) {
        let mut row = vec![p.index.to_string()];
        row.extend(axis_cells(p));
        row.push(exp.replicates.to_string());
        for (_, summary) in s.iter() {
            row.push(num(summary.mean));
            row.push(num(summary.ci95));
        }
        w.write_record(&row).expect("in-memory write");
    }
    w.into_inner().expect("in-memory write")
}

/// The `--json` object of a sweep.
pub fn json(exp: &Experiment, res: &SweepResult, sums: &[PointSummaries]) -> Value {
    let points: Vec<Value> = exp
        .points
        .iter()
        .zip(sums)
        .map(|(p, s)| {
            let params = params_json(p);
            let metrics: Map<String, Value> = s
                .iter()
                .map(|(m, v)| {
                    (
                        m.name().to_string(),
                        json!({"mean": v.mean, "ci95": v.ci95}),
                    )
                })
                .collect();
            json!({"params": params, "replicates": exp.replicates, "metrics": metrics})
        })
        .collect();
    json!({
        "experiment": exp.name,
        "wall_s": res.wall_s,
        "events": res.events,
        "events_per_s": if res.wall_s > 0.0 { res.events as f64 / res.wall_s } else { 0.0 },
        "points": points,
    })
}

/// A file name for point `p`'s per-minute series.
pub fn point_file_stem(p: &Point) -> String {
    let key: String = p
        .values
        .iter()
        .map(|(k, v)| format!("{}={}", k.rsplit('.').next().unwrap_or(k), v.display()))
        .collect::<Vec<_>>()
        .join("_");
    let clean: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "=-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!(
        "point-{:03}{}{}",
        p.index,
        if clean.is_empty() { "" } else { "_" },
        clean
    )
}

fn params_json(p: &Point) -> Map<String, Value> {
    p.values
        .iter()
        .map(|(k, v)| {
            let val = v.as_f64().map_or_else(|| json!(v.display()), |x| json!(x));
            (k.clone(), val)
        })
        .collect()
}

/// The point's parameters by axis label, e.g. `readers=3 model=kinesis-efo`.
fn params_text(exp: &Experiment, p: &Point) -> String {
    exp.axes
        .iter()
        .zip(&p.values)
        .map(|(a, (_, v))| format!("{}={}", a.label, v.display()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `sim sweep --list-runs --json`: every run with its forecast and owner, and each shard's load.
pub fn runs_list_json(exp: &Experiment, runs: &[RunInfo], shards: Option<u32>) -> Value {
    let list: Vec<Value> = runs
        .iter()
        .map(|r| {
            let p = &exp.points[r.point];
            let params: Map<String, Value> = exp
                .axes
                .iter()
                .zip(&p.values)
                .map(|(a, (_, v))| {
                    let val = v.as_f64().map_or_else(|| json!(v.display()), |x| json!(x));
                    (a.label.clone(), val)
                })
                .collect();
            json!({
                "id": r.id, "point": r.point, "params": params, "replicate": r.replicate,
                "seed": r.seed, "key": r.key, "forecast_events": r.forecast.events,
                "forecast_memory_mib": r.forecast.memory_bytes / (1 << 20) as f64,
                "shard": r.shard,
            })
        })
        .collect();
    json!({
        "experiment": exp.name,
        "runs_total": runs.len(),
        "shards": shards,
        "shard_events": shards.map(|n| shard_loads(runs, n)),
        "max_forecast_memory_mib": runs.iter().map(|r| r.forecast.memory_bytes).fold(0.0, f64::max) / (1 << 20) as f64,
        "runs": list,
    })
}

fn shard_loads(runs: &[RunInfo], n: u32) -> Vec<f64> {
    let mut load = vec![0.0; n as usize];
    for r in runs {
        if let Some(k) = r.shard {
            load[k as usize] += r.forecast.events;
        }
    }
    load
}

/// `sim sweep --list-runs`: one line per run, then each shard's forecast load.
pub fn runs_list_text(exp: &Experiment, runs: &[RunInfo], shards: Option<u32>) -> String {
    let mut t = format!("{}: {} runs\n", exp.name, runs.len());
    t += "  run  replicate  seed                 events     MiB  shard  point\n";
    for r in runs {
        let shard = r.shard.map_or("-".to_string(), |k| k.to_string());
        t += &format!(
            "  {:>3}  {:>9}  {:<19}  {:>8.2e}  {:>6.1}  {:>5}  {}\n",
            r.id,
            r.replicate,
            r.seed,
            r.forecast.events,
            r.forecast.memory_bytes / (1 << 20) as f64,
            shard,
            params_text(exp, &exp.points[r.point])
        );
    }
    if let Some(n) = shards {
        for (k, load) in shard_loads(runs, n).iter().enumerate() {
            let count = runs.iter().filter(|r| r.shard == Some(k as u32)).count();
            t += &format!("  shard {k}/{n}: {count} runs, {load:.2e} events forecast\n");
        }
    }
    t
}

/// The error of a merge with runs missing: each run, and the shards to run again.
pub fn missing_runs_text(exp: &Experiment, missing: &[Missing], total: usize) -> String {
    let mut t = format!(
        "{} of {total} runs of {} are in no journal:\n",
        missing.len(),
        exp.name
    );
    for m in missing {
        let owner = m
            .shard
            .map_or("unknown shard".into(), |s| format!("shard {s}"));
        t += &format!(
            "  point {} ({}) replicate {}: {owner}\n",
            m.point,
            params_text(exp, &exp.points[m.point]),
            m.replicate
        );
    }
    let mut shards: Vec<_> = missing.iter().filter_map(|m| m.shard).collect();
    shards.dedup();
    shards.sort_by_key(|s| s.index);
    shards.dedup();
    if !shards.is_empty() {
        let list: Vec<String> = shards.iter().map(|s| s.to_string()).collect();
        t += &format!(
            "run these shards again (each skips the runs it already finished): {}",
            list.join(", ")
        );
    } else {
        t += "run the sweep's shards again into the same journal (each skips the runs it already finished)";
    }
    t
}

/// Writes every CSV of the sweep into `dir` (which must exist or be creatable).
pub fn write_tables(
    dir: &Path,
    exp: &Experiment,
    res: &SweepResult,
    sums: &[PointSummaries],
) -> Result<()> {
    fsio::write(&dir.join("runs.csv"), &runs_csv(exp, res))?;
    fsio::write(&dir.join("summary.csv"), &summary_csv(exp, sums))?;
    for p in &exp.points {
        let first = &res.point_runs(p.index, exp.replicates)[0];
        let path = dir
            .join("timeseries")
            .join(format!("{}.csv", point_file_stem(p)));
        fsio::write(&path, &super::run::timeseries_csv(&first.report.minutes))?;
    }
    Ok(())
}
