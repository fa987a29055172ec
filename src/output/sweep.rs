//! Files of a sweep: `runs.csv`, `summary.csv`, `timeseries/`, the `--json` object, and plots.

use crate::experiment::{Experiment, Point};
use crate::fsio;
use crate::sweep::stats::{mean_ci, run_metrics, METRICS};
use crate::sweep::SweepResult;
use anyhow::Result;
use serde_json::{json, Map, Value};
use std::path::Path;

/// Per point: for each metric in [`METRICS`] order, `(mean, ci95)` across replicates.
pub fn point_summaries(exp: &Experiment, res: &SweepResult) -> Vec<Vec<(f64, f64)>> {
    exp.points
        .iter()
        .map(|p| {
            let per_run: Vec<[f64; METRICS.len()]> = res
                .point_runs(p.index, exp.replicates)
                .iter()
                .map(|r| run_metrics(&r.report))
                .collect();
            (0..METRICS.len())
                .map(|m| mean_ci(&per_run.iter().map(|x| x[m]).collect::<Vec<_>>()))
                .collect()
        })
        .collect()
}

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

/// `runs.csv`: one row per point x replicate x consumer, every axis value and every metric.
pub fn runs_csv(exp: &Experiment, res: &SweepResult) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["point".to_string(), "replicate".into(), "seed".into()];
    header.extend(axis_header(exp));
    header.extend(
        [
            "consumer",
            "stream",
            "read",
            "iterator_age_avg_ms",
            "iterator_age_max_ms",
            "iterator_age_mean_ms",
            "iterator_age_p50_ms",
            "iterator_age_p99_ms",
            "iterator_age_samples",
            "records_processed",
            "records_in_flight",
            "records_unread",
            "records_discarded",
            "records_expired",
            "read_calls",
            "throttled_reads",
            "throttled_reads_per_min",
            "invocations",
            "errors",
            "retries",
            "duplicates",
            "cold_starts",
            "peak_concurrency",
            "delivery_latency_ms",
            "end_to_end_ms_mean",
            "end_to_end_ms_max",
        ]
        .map(String::from),
    );
    w.write_record(&header).expect("in-memory write");
    for run in &res.runs {
        let p = &exp.points[run.point];
        for c in &run.report.consumers {
            let a = &c.iterator_age_ms;
            let mut row = vec![
                run.point.to_string(),
                run.replicate.to_string(),
                run.seed.to_string(),
            ];
            row.extend(axis_cells(p));
            row.extend([c.name.clone(), c.stream.clone(), c.read.clone()]);
            row.extend([a.minute_avg, a.max, a.mean, a.p50, a.p99, a.samples as f64].map(num));
            row.extend(
                [
                    c.records_processed,
                    c.records_in_flight,
                    c.records_unread,
                    c.records_discarded,
                    c.records_expired,
                    c.read_calls,
                    c.throttled_reads,
                ]
                .map(|x| x.to_string()),
            );
            row.push(num(c.throttled_reads_per_min));
            row.extend(
                [
                    c.invocations,
                    c.errors,
                    c.retries,
                    c.duplicates,
                    c.cold_starts,
                    u64::from(c.peak_concurrency),
                ]
                .map(|x| x.to_string()),
            );
            row.extend(
                [
                    c.delivery_latency_ms,
                    c.end_to_end_ms_mean,
                    c.end_to_end_ms_max,
                ]
                .map(num),
            );
            w.write_record(&row).expect("in-memory write");
        }
    }
    w.into_inner().expect("in-memory write")
}

/// `summary.csv`: one row per point, mean and 95% half-width of every point metric.
pub fn summary_csv(exp: &Experiment, sums: &[Vec<(f64, f64)>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["point".to_string()];
    header.extend(axis_header(exp));
    header.push("replicates".into());
    for m in METRICS {
        header.push(m.to_string());
        header.push(format!("{m}_ci95"));
    }
    w.write_record(&header).expect("in-memory write");
    for (p, s) in exp.points.iter().zip(sums) {
        let mut row = vec![p.index.to_string()];
        row.extend(axis_cells(p));
        row.push(exp.replicates.to_string());
        for &(mean, ci) in s {
            row.push(num(mean));
            row.push(num(ci));
        }
        w.write_record(&row).expect("in-memory write");
    }
    w.into_inner().expect("in-memory write")
}

/// The `--json` object of a sweep.
pub fn json(exp: &Experiment, res: &SweepResult, sums: &[Vec<(f64, f64)>]) -> Value {
    let points: Vec<Value> = exp
        .points
        .iter()
        .zip(sums)
        .map(|(p, s)| {
            let params: Map<String, Value> = p
                .values
                .iter()
                .map(|(k, v)| {
                    let val = v.as_f64().map_or_else(|| json!(v.display()), |x| json!(x));
                    (k.clone(), val)
                })
                .collect();
            let metrics: Map<String, Value> = METRICS
                .iter()
                .zip(s)
                .map(|(m, (mean, ci))| (m.to_string(), json!({"mean": mean, "ci95": ci})))
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

/// Writes every CSV of the sweep into `dir` (which must exist or be creatable).
pub fn write_tables(
    dir: &Path,
    exp: &Experiment,
    res: &SweepResult,
    sums: &[Vec<(f64, f64)>],
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
