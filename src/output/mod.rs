//! Turning reports into bytes: the summary table, JSON and CSV.

pub mod run;
pub mod sweep;
pub mod sweep_plots;
pub mod table;
pub mod timeline;

use crate::experiment::Experiment;
use crate::sweep::stats::PointSummaries;
use crate::sweep::SweepResult;
use std::path::Path;

/// Writes every output file of a finished sweep into `dir`: the one function a one-machine sweep
/// and `sim merge` both call, so a new sweep output added here reaches both.
pub fn write_sweep(
    dir: &Path,
    exp: &Experiment,
    res: &SweepResult,
    sums: &[PointSummaries],
) -> anyhow::Result<()> {
    sweep::write_tables(dir, exp, res, sums)?;
    sweep_plots::write_plots(dir, exp, res, sums)
}
