//! Single-record latency of a run, per consumer: the terminal table, `latency.csv` and the run
//! page's section. The numbers are the report's (`model::report::LatencyStats`).

use crate::model::report::{ConsumerReport, LatencyPart};
use crate::model::RunReport;

/// What every rendering says about the numbers: where they start and end, and how precise.
pub(crate) const NOTE: &str = "Latency: per record, from its write to the start of the handler's \
first invocation of it, after warm-up; wait (write to the read) + delivery (read to in hand) + \
to handler (in hand to start) = total. Percentiles within 0.8% (log buckets 1/64 wide, at their \
midpoint); the total's and the wait's are taken over a sample, the records whose number in their \
shard is a multiple of metrics.latency_sample (32 by default; latency.csv's `sampled` column and \
summary.json's latency_ms.sampled say how many); means and max exact, over every record.";

/// The CSV's columns: per consumer, the total's and each part's statistics in milliseconds.
const HEADER: [&str; 22] = [
    "consumer",
    "stream",
    "read",
    "records",
    "sampled",
    "latency_mean_ms",
    "latency_p50_ms",
    "latency_p90_ms",
    "latency_p99_ms",
    "latency_max_ms",
    "wait_mean_ms",
    "wait_p50_ms",
    "wait_p99_ms",
    "wait_max_ms",
    "delivery_mean_ms",
    "delivery_p50_ms",
    "delivery_p99_ms",
    "delivery_max_ms",
    "to_handler_mean_ms",
    "to_handler_p50_ms",
    "to_handler_p99_ms",
    "to_handler_max_ms",
];

/// `latency.csv`: one row per consumer, with [`HEADER`]'s columns.
pub(crate) fn csv(r: &RunReport) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).expect("in-memory write");
    for c in &r.consumers {
        w.write_record(row(c)).expect("in-memory write");
    }
    w.into_inner().expect("in-memory write")
}

fn row(c: &ConsumerReport) -> Vec<String> {
    let l = &c.latency_ms;
    let mut cells = vec![
        c.name.clone(),
        c.stream.clone(),
        c.read.clone(),
        l.records.to_string(),
        l.sampled.to_string(),
    ];
    cells.extend([l.mean, l.p50, l.p90, l.p99, l.max].map(|v| v.to_string()));
    for p in [&l.wait, &l.delivery, &l.to_handler] {
        cells.extend(part_cells(p).map(|v| v.to_string()));
    }
    cells
}

fn part_cells(p: &LatencyPart) -> [f64; 4] {
    [p.mean, p.p50, p.p99, p.max]
}

/// A duration in milliseconds, with the digits that matter at its size.
fn ms(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.1}s", v / 1000.0)
    } else if v >= 100.0 {
        format!("{v:.0}ms")
    } else if v >= 1.0 {
        format!("{v:.1}ms")
    } else {
        format!("{v:.2}ms")
    }
}

/// The header and rows shown in the terminal and on the run page.
pub(crate) fn rows(r: &RunReport) -> (Vec<String>, Vec<Vec<String>>) {
    let header = [
        "consumer",
        "latency p50",
        "p90",
        "p99",
        "max",
        "wait mean",
        "p99",
        "delivery mean",
        "p99",
        "to handler mean",
        "p99",
    ]
    .map(String::from)
    .to_vec();
    let rows = r
        .consumers
        .iter()
        .map(|c| {
            let l = &c.latency_ms;
            let mut cells = vec![c.name.clone()];
            cells.extend([l.p50, l.p90, l.p99, l.max].map(ms));
            for p in [&l.wait, &l.delivery, &l.to_handler] {
                cells.extend([p.mean, p.p99].map(ms));
            }
            cells
        })
        .collect();
    (header, rows)
}
