//! The tables of a sweep: `runs.csv`, `summary.csv` and the `--json` object; and the listings of
//! a sweep's runs (`--list-runs`) and of runs a merge misses.

use super::columns::{axis_docs, metric_docs, ColumnDoc, RUN_ID_COLUMNS};
use crate::experiment::{Experiment, Point};
use crate::model::report::ConsumerReport;
use crate::sweep::bands::Bands;
use crate::sweep::merge::Missing;
use crate::sweep::metric::Metric;
use crate::sweep::partition::RunInfo;
use crate::sweep::stats::PointSummaries;
use crate::sweep::SweepResult;
use serde_json::{json, Map, Value};

/// The band statistics of a metric, in column order.
pub(crate) const BAND_COLUMNS: [&str; 5] = ["p5", "p50", "p95", "min", "max"];

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

/// Every column of `runs.csv`, in order.
pub(crate) fn runs_columns(exp: &Experiment) -> Vec<ColumnDoc> {
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
pub(crate) fn runs_csv(exp: &Experiment, res: &SweepResult) -> Vec<u8> {
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

/// Every column of `summary.csv`, in order; with assumption sets, each metric's band columns
/// (`<metric>_band_p5` ... `_band_max`) follow the means.
pub(crate) fn summary_columns(exp: &Experiment, bands: bool) -> Vec<ColumnDoc> {
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
    if bands {
        for &m in Metric::ALL {
            let unit = super::columns::unit_name(m.unit());
            for c in BAND_COLUMNS {
                d.push(ColumnDoc::new(
                    &format!("{}_band_{c}", m.name()),
                    unit,
                    &format!(
                        "{c} across plausible assumption sets of the mean of {}",
                        m.name()
                    ),
                ));
            }
        }
    }
    d
}

/// `summary.csv`: one row per point, mean and 95% half-width of every point metric; with
/// assumption sets, then each metric's band across them.
pub(crate) fn summary_csv(
    exp: &Experiment,
    sums: &[PointSummaries],
    bands: Option<&Bands>,
    precision: Option<&crate::sweep::adaptive::Achieved>,
) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = summary_columns(exp, bands.is_some());
    header.extend(super::precision::columns(precision));
    w.write_record(header.iter().map(|c| &c.name))
        .expect("in-memory write");
    for (p, s) in exp.points.iter().zip(sums) {
        let mut row = vec![p.index.to_string()];
        row.extend(axis_cells(p));
        row.push(s.replicates().to_string());
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
        row.extend(super::precision::cells(precision, p.index));
        w.write_record(&row).expect("in-memory write");
    }
    w.into_inner().expect("in-memory write")
}

/// The `--json` object of a sweep; with assumption sets, each metric also has its `band`.
pub(crate) fn json(
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
            let params = params_json(p);
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
            let mut o = json!({"params": params, "replicates": s.replicates(), "metrics": metrics});
            if let Some(reached) = super::precision::json_of(res.precision.as_ref(), p.index) {
                o["precision"] = reached;
            }
            o
        })
        .collect();
    let mut out = json!({
        "experiment": exp.name,
        "wall_s": res.wall_s,
        "events": res.events,
        "events_per_s": if res.wall_s > 0.0 { res.events as f64 / res.wall_s } else { 0.0 },
        "points": points,
    });
    if let Some(b) = bands {
        out["assumptions"] = super::bands::json(b);
    }
    let verdict = super::verdict::json(exp, sums, bands);
    if verdict.as_array().is_some_and(|v| !v.is_empty()) {
        out["throttle_verdict"] = verdict;
    }
    out
}

/// A file name for point `p`'s per-minute series.
pub(crate) fn point_file_stem(p: &Point) -> String {
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

/// `, assumption set S` for a run under set S, nothing for a plain run.
fn set_text(set: Option<usize>) -> String {
    set.map_or(String::new(), |s| format!(", assumption set {s}"))
}

/// `sim sweep --list-runs --json`: every run with its forecast and owner, and each shard's load.
pub(crate) fn runs_list_json(exp: &Experiment, runs: &[RunInfo], shards: Option<u32>) -> Value {
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
            let mut run = json!({
                "id": r.id, "point": r.point, "params": params, "replicate": r.replicate,
                "seed": r.seed, "key": r.key, "forecast_events": r.forecast.events,
                "forecast_memory_mib": r.forecast.memory_bytes / (1 << 20) as f64,
                "shard": r.partition,
            });
            if let Some(s) = r.set {
                run["set"] = json!(s);
            }
            run
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
        if let Some(k) = r.partition {
            load[k as usize] += r.forecast.events;
        }
    }
    load
}

/// `sim sweep --list-runs`: one line per run, then each shard's forecast load.
pub(crate) fn runs_list_text(exp: &Experiment, runs: &[RunInfo], shards: Option<u32>) -> String {
    let mut t = format!("{}: {} runs\n", exp.name, runs.len());
    t += "  run  replicate  seed                 events     MiB  shard  point\n";
    for r in runs {
        let shard = r.partition.map_or("-".to_string(), |k| k.to_string());
        t += &format!(
            "  {:>3}  {:>9}  {:<19}  {:>8.2e}  {:>6.1}  {:>5}  {}\n",
            r.id,
            r.replicate,
            r.seed,
            r.forecast.events,
            r.forecast.memory_bytes / (1 << 20) as f64,
            shard,
            params_text(exp, &exp.points[r.point]) + &set_text(r.set)
        );
    }
    if let Some(n) = shards {
        for (k, load) in shard_loads(runs, n).iter().enumerate() {
            let count = runs
                .iter()
                .filter(|r| r.partition == Some(k as u32))
                .count();
            t += &format!("  shard {k}/{n}: {count} runs, {load:.2e} events forecast\n");
        }
    }
    t
}

/// The error of a merge with runs missing: each run, and the shards to run again.
pub(crate) fn missing_runs_text(exp: &Experiment, missing: &[Missing], total: usize) -> String {
    let mut t = format!(
        "{} of {total} runs of {} are in no journal:\n",
        missing.len(),
        exp.name
    );
    for m in missing {
        let owner = m
            .partition
            .map_or("unknown shard".into(), |s| format!("shard {s}"));
        t += &format!(
            "  point {} ({}) replicate {}{}: {owner}\n",
            m.point,
            params_text(exp, &exp.points[m.point]),
            m.replicate,
            set_text(m.set)
        );
    }
    let mut shards: Vec<_> = missing.iter().filter_map(|m| m.partition).collect();
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
