//! Files of one run: `summary.json` (the `--json` object) and `timeseries.csv` (one row per minute
//! per consumer).

use crate::fsio;
use crate::model::report::MinuteSeries;
use crate::model::RunReport;
use anyhow::Result;
use std::io::Write;
use std::path::Path;

/// The run's JSON object, pretty-printed, with a trailing newline.
pub fn json(report: &RunReport) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("reports serialize");
    s.push('\n');
    s
}

/// The per-minute series as tidy CSV.
pub fn timeseries_csv(series: &MinuteSeries) -> Vec<u8> {
    let mut out = Vec::new();
    write_timeseries(&mut out, series).expect("in-memory write");
    out
}

/// Writes the per-minute series as tidy CSV to `out`, one row at a time (a long run's series is
/// never held in memory as text).
pub fn write_timeseries(out: &mut dyn Write, series: &MinuteSeries) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    if series.is_empty() {
        w.write_record(HEADER)?;
    }
    for r in series.rows() {
        w.serialize(r)?;
    }
    w.flush()
}

const HEADER: [&str; 11] = [
    "minute",
    "consumer",
    "stream",
    "iterator_age_avg_ms",
    "iterator_age_max_ms",
    "samples",
    "invocations",
    "errors",
    "records_processed",
    "throttled_reads",
    "stream_throttled_reads",
];

/// The files [`write_files`] writes, which it may overwrite only where `sim` wrote them.
pub const FILES: [&str; 2] = ["summary.json", "timeseries.csv"];

/// Writes `summary.json` and `timeseries.csv` into `dir`, marked as written by `sim`.
pub fn write_files(dir: &Path, report: &RunReport) -> Result<()> {
    fsio::write_with(&dir.join("timeseries.csv"), |w| {
        write_timeseries(w, &report.minutes)
    })?;
    fsio::write(&dir.join("summary.json"), json(report).as_bytes())?;
    fsio::mark(dir)
}
