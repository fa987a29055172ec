//! Merging the journals that the partitions of a sweep wrote into the result a one-machine sweep would
//! have had: every run, in point-then-replicate order, read back exactly as it was journaled, and
//! for a sweep over assumption sets every set's runs summarised as the one-machine sweep does.

use super::bands::{self, SetSummaries};
use super::design::{run_key, AssumptionDesign};
use super::journal::{self, RunId};
use super::{partition, Run, SweepResult};
use crate::experiment::Experiment;
use crate::model::RunReport;
use std::path::PathBuf;

/// A run no journal holds, and the partition that owns it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Missing {
    /// The assumption set it runs under (None: a plain run).
    pub set: Option<usize>,
    pub point: usize,
    pub replicate: u32,
    pub key: String,
    /// Owner among the partition count the journal's writers used (None if none said).
    pub partition: Option<partition::Partition>,
}

/// Why a merge cannot give the sweep's result.
#[derive(Debug, thiserror::Error)]
pub(crate) enum MergeError {
    /// A journal belongs to something else (another experiment, version, design, format), or one
    /// of its entries is not the run its name says (damaged, or copied from another run).
    #[error("{0}")]
    Foreign(String),
    /// Some runs are in no journal.
    #[error("{} of {total} runs are missing", missing.len())]
    Missing { missing: Vec<Missing>, total: usize },
}

/// What the journals give: the plain runs, and per assumption set the points' summaries when the
/// sweep had a design.
#[derive(Debug, Clone)]
pub(crate) struct Merged {
    pub result: SweepResult,
    pub sets: Option<SetSummaries>,
    /// Every run merged, plain and under assumption sets: how many, their events and their own
    /// seconds added up.
    pub runs: usize,
    pub events: u64,
    pub run_s: f64,
}

/// The assumption design the first journal in `dirs` was written with, by id (None: none).
pub(crate) fn design_id(dirs: &[PathBuf]) -> Result<Option<String>, MergeError> {
    let Some(dir) = dirs.first() else {
        return Ok(None);
    };
    let header = journal::read_header(dir).map_err(|e| MergeError::Foreign(e.to_string()))?;
    Ok(header.design)
}

/// Checks that every journal in `dirs` was written for `exp` under the design `design` (and all
/// with the same prices), and returns the partition count their writers used, if any said.
fn check_headers(
    exp: &Experiment,
    design: Option<&str>,
    dirs: &[PathBuf],
) -> Result<Option<u32>, MergeError> {
    let mut partitions = None;
    let mut prices: Option<String> = None;
    for dir in dirs {
        let have = journal::read_header(dir).map_err(|e| MergeError::Foreign(e.to_string()))?;
        let mut want = journal::Header::new(exp, prices.as_deref().unwrap_or(&have.prices));
        want.design = design.map(String::from);
        if let Some(why) = have.mismatch(&want) {
            return Err(MergeError::Foreign(format!(
                "journal {} does not belong to {}: {why}",
                dir.display(),
                exp.path.display()
            )));
        }
        prices.get_or_insert(have.prices);
        partitions = partitions.or(have.partitions);
    }
    Ok(partitions)
}

/// The run `id` of `exp` from the first journal in `dirs` holding its key; an entry there that is
/// not that run (damaged, or another run's file under its name) refuses the merge.
fn find(
    exp: &Experiment,
    dirs: &[PathBuf],
    key: &str,
    id: &RunId,
) -> Result<Option<RunReport>, MergeError> {
    let seed = exp.seed_of(id.point, id.replicate);
    for dir in dirs {
        match journal::load(dir, key, id, seed) {
            Ok(Some(report)) => return Ok(Some(report)),
            Ok(None) => {}
            Err(e) => return Err(MergeError::Foreign(e.to_string())),
        }
    }
    Ok(None)
}

/// Every run of `exp` (crossed with `design`'s sets when given) read from the journals in `dirs`,
/// as a one-machine sweep would have had them; `wall_s` is the plain runs' own wall time summed.
pub(crate) fn merge(
    exp: &Experiment,
    dirs: &[PathBuf],
    design: Option<&AssumptionDesign>,
) -> Result<Merged, MergeError> {
    let id = design.map(AssumptionDesign::id);
    let partitions = check_headers(exp, id.as_deref(), dirs)?;
    let ids = partition::run_ids(exp, design.map_or(0, AssumptionDesign::runs));
    let mut reports = Vec::with_capacity(ids.len());
    let (mut missing, mut at) = (Vec::new(), Vec::new());
    for (i, run) in ids.iter().enumerate() {
        let key = run_key(exp, design, run);
        match find(exp, dirs, &key, run)? {
            Some(report) => reports.push(report),
            None => {
                at.push(i);
                missing.push(Missing {
                    set: run.set,
                    point: run.point,
                    replicate: run.replicate,
                    key,
                    partition: None,
                })
            }
        }
    }
    if !missing.is_empty() {
        name_owners(exp, design, partitions, &at, &mut missing);
        let total = ids.len();
        return Err(MergeError::Missing { missing, total });
    }
    let (runs, events, run_s) = (
        reports.len(),
        reports.iter().map(|r| r.events).sum(),
        reports.iter().map(|r| r.wall_s).sum(),
    );
    let sets = reports.split_off(exp.runs());
    Ok(Merged {
        result: plain_result(exp, reports),
        sets: design.map(|_| bands::summarise(exp, &sets)),
        runs,
        events,
        run_s,
    })
}

/// The plain runs' reports (in point-then-replicate order) as a sweep's result.
fn plain_result(exp: &Experiment, reports: Vec<RunReport>) -> SweepResult {
    let runs: Vec<Run> = (reports.into_iter().enumerate())
        .map(|(i, report)| {
            let (point, replicate) = (
                i / exp.replicates as usize,
                (i % exp.replicates as usize) as u32,
            );
            Run {
                point,
                replicate,
                seed: exp.seed_of(point, replicate),
                report,
            }
        })
        .collect();
    SweepResult {
        wall_s: runs.iter().map(|r| r.report.wall_s).sum(),
        events: runs.iter().map(|r| r.report.events).sum(),
        runs,
        precision: None,
    }
}

/// Names the owner of each missing run, the run at position `at[i]` of the sweep's runs.
fn name_owners(
    exp: &Experiment,
    design: Option<&AssumptionDesign>,
    partitions: Option<u32>,
    at: &[usize],
    missing: &mut [Missing],
) {
    let Some(count) = partitions else { return };
    let owner = partition::assign_all(exp, design.map_or(0, AssumptionDesign::runs), count);
    for (m, &i) in missing.iter_mut().zip(at) {
        m.partition = Some(partition::Partition {
            index: owner[i],
            count,
        });
    }
}
