//! The tables of a sweep: `runs.csv`, `summary.csv` and the `--json` object.

use super::columns::{axis_docs, metric_docs, ColumnDoc};
use crate::experiment::{Experiment, Point};
use crate::model::report::ConsumerReport;
use crate::sweep::metric::Metric;
use crate::sweep::stats::PointSummaries;
use crate::sweep::SweepResult;
use serde_json::{json, Map, Value};

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

/// A column of `runs.csv`: its name, unit, meaning and how to write a consumer's cell.
type ConsumerColumn = (
    &'static str,
    &'static str,
    &'static str,
    fn(&ConsumerReport) -> String,
);

/// The per-consumer columns of `runs.csv`, in order.
const CONSUMER_COLUMNS: &[ConsumerColumn] = &[
    ("consumer", "", "consumer name", |c| c.name.clone()),
    ("stream", "", "stream the consumer reads", |c| {
        c.stream.clone()
    }),
    (
        "read",
        "",
        "how the consumer reads (shared polling, enhanced fan-out, ...)",
        |c| c.read.clone(),
    ),
    (
        "iterator_age_avg_ms",
        "ms",
        "average of the per-minute IteratorAge Averages",
        |c| num(c.iterator_age_ms.minute_avg),
    ),
    ("iterator_age_max_ms", "ms", "largest IteratorAge", |c| {
        num(c.iterator_age_ms.max)
    }),
    (
        "iterator_age_mean_ms",
        "ms",
        "mean IteratorAge over all samples",
        |c| num(c.iterator_age_ms.mean),
    ),
    ("iterator_age_p50_ms", "ms", "median IteratorAge", |c| {
        num(c.iterator_age_ms.p50)
    }),
    (
        "iterator_age_p99_ms",
        "ms",
        "99th percentile of IteratorAge",
        |c| num(c.iterator_age_ms.p99),
    ),
    (
        "iterator_age_samples",
        "count",
        "IteratorAge samples (batches read) after warm-up",
        |c| num(c.iterator_age_ms.samples as f64),
    ),
    ("records_processed", "count", "records processed", |c| {
        c.records_processed.to_string()
    }),
    (
        "records_in_flight",
        "count",
        "records read but not yet processed at the end",
        |c| c.records_in_flight.to_string(),
    ),
    (
        "records_unread",
        "count",
        "records not yet read at the end",
        |c| c.records_unread.to_string(),
    ),
    (
        "records_discarded",
        "count",
        "records given up after failed retries",
        |c| c.records_discarded.to_string(),
    ),
    (
        "records_expired",
        "count",
        "records that left retention before being read",
        |c| c.records_expired.to_string(),
    ),
    (
        "read_calls",
        "count",
        "read calls (GetRecords or pushes)",
        |c| c.read_calls.to_string(),
    ),
    ("throttled_reads", "count", "throttled read calls", |c| {
        c.throttled_reads.to_string()
    }),
    (
        "throttled_reads_per_min",
        "per minute",
        "throttled read calls per measured minute",
        |c| num(c.throttled_reads_per_min),
    ),
    ("invocations", "count", "function invocations", |c| {
        c.invocations.to_string()
    }),
    ("errors", "count", "failed invocations", |c| {
        c.errors.to_string()
    }),
    ("retries", "count", "retried invocations", |c| {
        c.retries.to_string()
    }),
    (
        "duplicates",
        "count",
        "records processed more than once",
        |c| c.duplicates.to_string(),
    ),
    (
        "cold_starts",
        "count",
        "invocations that started a new execution environment",
        |c| c.cold_starts.to_string(),
    ),
    (
        "peak_concurrency",
        "count",
        "most concurrent invocations",
        |c| c.peak_concurrency.to_string(),
    ),
    (
        "delivery_latency_ms",
        "ms",
        "mean time from write to first send to the function",
        |c| num(c.delivery_latency_ms),
    ),
    (
        "end_to_end_ms_mean",
        "ms",
        "mean time from write to processing",
        |c| num(c.end_to_end_ms_mean),
    ),
    (
        "end_to_end_ms_max",
        "ms",
        "largest time from write to processing",
        |c| num(c.end_to_end_ms_max),
    ),
];

/// The leading columns of `runs.csv`, before the axes.
const RUN_ID_COLUMNS: [(&str, &str, &str); 3] = [
    (
        "point",
        "",
        "index of the point (combination of axis values), from 0",
    ),
    ("replicate", "", "replicate of the point, from 0"),
    ("seed", "", "the run's random seed"),
];

/// Every column of `runs.csv`, in order.
pub fn runs_columns(exp: &Experiment) -> Vec<ColumnDoc> {
    let fixed: Vec<&str> = RUN_ID_COLUMNS
        .iter()
        .map(|c| c.0)
        .chain(CONSUMER_COLUMNS.iter().map(|c| c.0))
        .collect();
    let mut d: Vec<ColumnDoc> = RUN_ID_COLUMNS
        .iter()
        .map(|(n, u, m)| ColumnDoc::new(n, u, m))
        .collect();
    d.extend(axis_docs(exp, &fixed));
    d.extend(
        CONSUMER_COLUMNS
            .iter()
            .map(|(n, u, m, _)| ColumnDoc::new(n, u, m)),
    );
    d
}

/// `runs.csv`: one row per point x replicate x consumer, every axis value and every consumer
/// column.
pub fn runs_csv(exp: &Experiment, res: &SweepResult) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = runs_columns(exp);
    w.write_record(header.iter().map(|c| &c.name))
        .expect("in-memory write");
    for run in &res.runs {
        let p = &exp.points[run.point];
        for c in &run.report.consumers {
            let mut row = vec![
                run.point.to_string(),
                run.replicate.to_string(),
                run.seed.to_string(),
            ];
            row.extend(axis_cells(p));
            row.extend(CONSUMER_COLUMNS.iter().map(|(_, _, _, cell)| cell(c)));
            w.write_record(&row).expect("in-memory write");
        }
    }
    w.into_inner().expect("in-memory write")
}

/// Every column of `summary.csv`, in order.
pub fn summary_columns(exp: &Experiment) -> Vec<ColumnDoc> {
    let metrics: Vec<ColumnDoc> = Metric::ALL.iter().flat_map(|&m| metric_docs(m)).collect();
    let mut fixed: Vec<&str> = vec!["point", "replicates"];
    fixed.extend(metrics.iter().map(|c| c.name.as_str()));
    let mut d = vec![ColumnDoc::new("point", "", RUN_ID_COLUMNS[0].2)];
    d.extend(axis_docs(exp, &fixed));
    d.push(ColumnDoc::new(
        "replicates",
        "count",
        "replicates summarised in the row",
    ));
    d.extend(metrics);
    d
}

/// `summary.csv`: one row per point, mean and 95% half-width of every point metric.
pub fn summary_csv(exp: &Experiment, sums: &[PointSummaries]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = summary_columns(exp);
    w.write_record(header.iter().map(|c| &c.name))
        .expect("in-memory write");
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
