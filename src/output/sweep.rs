//! Files of a sweep: `runs.csv`, `summary.csv`, `timeseries/`, the `--json` object, and plots.

use crate::experiment::{Experiment, Point};
use crate::fsio;
use crate::model::report::ConsumerReport;
use crate::sweep::bands::Bands;
use crate::sweep::metric::Metric;
use crate::sweep::stats::PointSummaries;
use crate::sweep::SweepResult;
use anyhow::Result;
use serde_json::{json, Map, Value};
use std::path::Path;

/// The band statistics of a metric, in column order.
pub const BAND_COLUMNS: [&str; 5] = ["p5", "p50", "p95", "min", "max"];

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

/// `summary.csv`: one row per point, mean and 95% half-width of every point metric; with
/// assumption sets, then each metric's band across them (`<metric>_band_p5` … `_band_max`).
pub fn summary_csv(exp: &Experiment, sums: &[PointSummaries], bands: Option<&Bands>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["point".to_string()];
    header.extend(axis_header(exp));
    header.push("replicates".into());
    for m in Metric::ALL {
        header.push(m.name().to_string());
        header.push(format!("{}_ci95", m.name()));
    }
    if bands.is_some() {
        for m in Metric::ALL {
            header.extend(BAND_COLUMNS.map(|c| format!("{}_band_{c}", m.name())));
        }
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
        if let Some(b) = bands {
            for m in Metric::ALL {
                let s = crate::sweep::bands::spread(&b.sets, p.index, *m);
                row.extend([s.p5, s.p50, s.p95, s.min, s.max].map(num));
            }
        }
        w.write_record(&row).expect("in-memory write");
    }
    w.into_inner().expect("in-memory write")
}

/// The `--json` object of a sweep; with assumption sets, each metric also has its `band`.
pub fn json(
    exp: &Experiment,
    res: &SweepResult,
    sums: &[PointSummaries],
    bands: Option<&Bands>,
) -> Value {
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
            let metrics: Map<String, Value> = s
                .iter()
                .map(|(m, v)| {
                    let mut o = json!({"mean": v.mean, "ci95": v.ci95});
                    if let Some(b) = bands {
                        let s = crate::sweep::bands::spread(&b.sets, p.index, m);
                        o["band"] = json!({"p5": s.p5, "p50": s.p50, "p95": s.p95,
                                           "min": s.min, "max": s.max});
                    }
                    (m.name().to_string(), o)
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

/// Writes every CSV of the sweep into `dir` (which must exist or be creatable).
pub fn write_tables(
    dir: &Path,
    exp: &Experiment,
    res: &SweepResult,
    sums: &[PointSummaries],
    bands: Option<&Bands>,
) -> Result<()> {
    fsio::write(&dir.join("runs.csv"), &runs_csv(exp, res))?;
    fsio::write(&dir.join("summary.csv"), &summary_csv(exp, sums, bands))?;
    if let Some(b) = bands {
        fsio::write(
            &dir.join("sensitivity.csv"),
            &super::bands::sensitivity_csv(exp, b),
        )?;
    }
    for p in &exp.points {
        let first = &res.point_runs(p.index, exp.replicates)[0];
        let path = dir
            .join("timeseries")
            .join(format!("{}.csv", point_file_stem(p)));
        fsio::write(&path, &super::run::timeseries_csv(&first.report.minutes))?;
    }
    Ok(())
}
