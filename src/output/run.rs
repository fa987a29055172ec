//! Files of one run: `summary.json` (the `--json` object) and `timeseries.csv` (one row per minute
//! per consumer).

use super::atomic;
use crate::model::report::MinuteRow;
use crate::model::RunReport;
use anyhow::Result;
use std::path::Path;

/// The run's JSON object, pretty-printed, with a trailing newline.
pub fn json(report: &RunReport) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("reports serialize");
    s.push('\n');
    s
}

/// The per-minute series as tidy CSV.
pub fn timeseries_csv(rows: &[MinuteRow]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    if rows.is_empty() {
        w.write_record(HEADER).expect("in-memory write");
    }
    for r in rows {
        w.serialize(r).expect("in-memory write");
    }
    w.into_inner().expect("in-memory write")
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

/// Writes `summary.json` and `timeseries.csv` into `dir`.
pub fn write_files(dir: &Path, report: &RunReport) -> Result<()> {
    atomic::write(
        &dir.join("timeseries.csv"),
        &timeseries_csv(&report.minutes),
    )?;
    atomic::write(&dir.join("summary.json"), json(report).as_bytes())?;
    Ok(())
}
