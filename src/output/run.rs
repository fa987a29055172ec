//! Files of one run: `summary.json` (the `--json` object), `timeseries.csv` (one row per minute
//! per consumer; no IteratorAge cells in minutes without samples), `latency.csv` (one row per
//! consumer: single-record latency and its parts) and `report.html`.

use super::Result;
use crate::fsio;
use crate::model::report::MinuteSeries;
use crate::model::RunReport;
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
    let mut header_written = false;
    for r in series.rows() {
        let lineage = r.shards.is_some();
        if !header_written {
            let docs = super::minutes::docs(lineage);
            w.write_record(docs.iter().map(|d| d.name.as_str()))?;
            header_written = true;
        }
        w.write_record(super::minutes::cells(&r, lineage))?;
    }
    if !header_written {
        w.write_record(HEADER)?;
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

/// The files [`write_files`] writes.
pub const FILES: [&str; 4] = [
    "summary.json",
    "timeseries.csv",
    "latency.csv",
    "report.html",
];

/// Writes `summary.json`, `timeseries.csv`, `latency.csv` and `report.html` into `dir` (a staging folder: see
/// `fsio::Staged`); `page` describes the page (model text, command line).
pub fn write_files(
    dir: &Path,
    report: &RunReport,
    page: &super::html_report::RunPage,
) -> Result<()> {
    let svgs = super::run_charts::svgs(report)?;
    fsio::write(
        &dir.join("report.html"),
        super::html_report::run_page(report, page, &svgs).as_bytes(),
    )?;
    fsio::write_with(&dir.join("timeseries.csv"), |w| {
        write_timeseries(w, &report.minutes)
    })?;
    fsio::write(&dir.join("latency.csv"), &super::latency::csv(report))?;
    Ok(fsio::write(
        &dir.join("summary.json"),
        json(report).as_bytes(),
    )?)
}
