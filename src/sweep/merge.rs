//! Merging the journals that shards of a sweep wrote into the result a one-machine sweep would
//! have had: every run, in point-then-replicate order, read back exactly as it was journaled.

use super::{journal, shard, Run, SweepResult};
use crate::experiment::Experiment;
use std::path::PathBuf;

/// A run no journal holds, and the shard that owns it.
#[derive(Debug, Clone, PartialEq)]
pub struct Missing {
    pub point: usize,
    pub replicate: u32,
    pub key: String,
    /// Owner among the shard count the journal's writers used (None if none said).
    pub shard: Option<shard::Shard>,
}

/// Why a merge cannot give the sweep's result.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// A journal belongs to something else (another experiment, version, design, format).
    #[error("{0}")]
    Foreign(String),
    /// Some runs are in no journal.
    #[error("{} of {total} runs are missing", missing.len())]
    Missing { missing: Vec<Missing>, total: usize },
}

/// Checks that every journal in `dirs` was written for `exp` (and all with the same prices), and
/// returns the shard count their writers used, if any said.
fn check_headers(exp: &Experiment, dirs: &[PathBuf]) -> Result<Option<u32>, MergeError> {
    let mut shards = None;
    let mut prices: Option<String> = None;
    for dir in dirs {
        let have = journal::read_header(dir).map_err(|e| MergeError::Foreign(format!("{e:#}")))?;
        let want = journal::Header::new(exp, prices.as_deref().unwrap_or(&have.prices));
        if let Some(why) = have.mismatch(&want) {
            return Err(MergeError::Foreign(format!(
                "journal {} does not belong to {}: {why}",
                dir.display(),
                exp.path.display()
            )));
        }
        prices.get_or_insert(have.prices);
        shards = shards.or(have.shards);
    }
    Ok(shards)
}

fn find(dirs: &[PathBuf], key: &str) -> Option<crate::model::RunReport> {
    dirs.iter().find_map(|d| journal::load(d, key))
}

/// Every run of `exp` read from the journals in `dirs`, as a one-machine sweep would have
/// returned them; `wall_s` is the runs' own wall time summed.
pub fn merge(exp: &Experiment, dirs: &[PathBuf]) -> Result<SweepResult, MergeError> {
    let shards = check_headers(exp, dirs)?;
    let mut runs = Vec::with_capacity(exp.runs());
    let mut missing = Vec::new();
    for point in 0..exp.points.len() {
        for replicate in 0..exp.replicates {
            let key = journal::key(exp, point, replicate);
            match find(dirs, &key) {
                Some(report) => runs.push(Run {
                    point,
                    replicate,
                    seed: exp.seed_of(point, replicate),
                    report,
                }),
                None => missing.push(Missing {
                    point,
                    replicate,
                    key,
                    shard: None,
                }),
            }
        }
    }
    if !missing.is_empty() {
        name_owners(exp, shards, &mut missing);
        return Err(MergeError::Missing {
            missing,
            total: exp.runs(),
        });
    }
    Ok(SweepResult {
        wall_s: runs.iter().map(|r| r.report.wall_s).sum(),
        events: runs.iter().map(|r| r.report.events).sum(),
        runs,
    })
}

fn name_owners(exp: &Experiment, shards: Option<u32>, missing: &mut [Missing]) {
    let Some(count) = shards else { return };
    let owner = shard::assign(exp, count);
    for m in missing {
        let index = owner[m.point * exp.replicates as usize + m.replicate as usize];
        m.shard = Some(shard::Shard { index, count });
    }
}
