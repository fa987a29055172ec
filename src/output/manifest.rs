//! `manifest.json`: what made a sweep's files (sim version, command line, the experiment and
//! model files with a hash of their text, every run's seed) and what every column of every CSV
//! file means, with its unit.

use super::columns::ColumnDoc;
use crate::engine::rng::name_id;
use crate::experiment::Experiment;
use crate::sweep::SweepResult;
use serde_json::{json, Value};
use std::path::Path;

/// A stable hash of a file's text: 64-bit FNV-1a, in hex.
pub(crate) fn text_hash(text: &str) -> String {
    format!("fnv1a64:{:016x}", name_id(text))
}

fn file(path: &Path, text: &str) -> Value {
    json!({"path": path.display().to_string(), "hash": text_hash(text)})
}

/// The columns of a CSV file as the manifest lists them.
fn table(columns: Vec<ColumnDoc>) -> Value {
    json!({ "columns": columns })
}

/// The manifest of a sweep's folder, pretty-printed with a trailing newline.
pub(crate) fn sweep(
    exp: &Experiment,
    res: &SweepResult,
    command_line: &str,
    bands: bool,
) -> String {
    let runs: Vec<Value> = res
        .runs
        .iter()
        .map(|r| json!({"point": r.point, "replicate": r.replicate, "seed": r.seed}))
        .collect();
    let mut summary_columns = super::sweep::summary_columns(exp, bands);
    summary_columns.extend(super::precision::columns(res.precision.as_ref()));
    let v = json!({
        "sim_version": env!("CARGO_PKG_VERSION"),
        "command_line": command_line,
        "experiment": file(&exp.path, &exp.text),
        "models": exp.model_files().iter().map(|m| file(&m.path, &m.text)).collect::<Vec<_>>(),
        "experiment_seed": exp.seed,
        "replicates": exp.replicates,
        "set_replicates": exp.set_replicates,
        "runs": runs,
        "files": {
            "runs.csv": table(super::sweep::runs_columns(exp)),
            "summary.csv": table(summary_columns),
            "timeseries.csv": table(super::timeseries::columns(exp, res)),
        },
        "hash": "64-bit FNV-1a of the file's bytes, in hex: equal hashes, same text",
    });
    serde_json::to_string_pretty(&v).expect("manifests serialize") + "\n"
}
