//! The resume journal of a sweep: one file per finished run, written as each run ends, so an
//! interrupted sweep keeps its work and `--resume` can skip it.
//!
//! A run is found again only if its point parameters, replicate, seed and resolved model are all
//! unchanged (the key hashes all four), so a resumed sweep produces the same files as an
//! uninterrupted one.

use crate::engine::rng::name_id;
use crate::fsio;
use crate::model::report::MinuteSeries;
use crate::model::{ModelSpec, RunReport};
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Serialize, Deserialize)]
struct Entry {
    report: RunReport,
    minutes: MinuteSeries,
}

/// The folder holding the journal of the sweep writing to `out_dir`.
pub fn folder(out_dir: &Path) -> PathBuf {
    let name = out_dir
        .file_name()
        .map_or("sweep".into(), |n| n.to_string_lossy().into_owned());
    out_dir.with_file_name(format!(".{name}.resume"))
}

/// The journal key of a run.
pub fn key(point_key: &str, replicate: u32, spec: &ModelSpec) -> String {
    let model = name_id(&format!("{spec:?}"));
    let id = name_id(&format!(
        "{point_key}|{replicate}|{}|{model:016x}",
        spec.seed
    ));
    format!("{id:016x}")
}

/// Records a finished run.
pub fn save(dir: &Path, key: &str, report: &RunReport) -> Result<()> {
    let entry = Entry {
        report: report.clone(),
        minutes: report.minutes.clone(),
    };
    let bytes = serde_json::to_vec(&entry)?;
    fsio::write(&dir.join(format!("{key}.json")), &bytes)
}

/// A run finished earlier, if the journal has it (an unreadable entry counts as missing).
pub fn load(dir: &Path, key: &str) -> Option<RunReport> {
    let bytes = std::fs::read(dir.join(format!("{key}.json"))).ok()?;
    let entry: Entry = serde_json::from_slice(&bytes).ok()?;
    let mut report = entry.report;
    report.minutes = entry.minutes;
    Some(report)
}

/// Number of runs in the journal.
pub fn count(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.filter_map(|e| e.ok()).count())
}
