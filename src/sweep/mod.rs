//! Running an experiment: every point x replicate in parallel, results in a fixed order.
//!
//! Guarantees: results are identical whatever the number of threads (each run's seed depends only
//! on the experiment seed, the point's parameters and the replicate; results are collected in
//! point-then-replicate order); progress is told to the caller (`Options::on_done`), who shows it.

pub mod bands;
pub mod journal;
pub mod merge;
pub mod metric;
pub mod resume;
pub mod shard;
pub mod stats;
pub mod workload;

use crate::experiment::Experiment;
use crate::model::run::{simulate_with, Unobserved};
use crate::model::RunReport;
use anyhow::{Context, Result};
use rayon::prelude::*;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// One finished run of a sweep.
#[derive(Debug, Clone)]
pub struct Run {
    pub point: usize,
    pub replicate: u32,
    pub seed: u64,
    pub report: RunReport,
}

/// All runs of an experiment, ordered by point then replicate.
#[derive(Debug, Clone)]
pub struct SweepResult {
    pub runs: Vec<Run>,
    pub wall_s: f64,
    pub events: u64,
}

impl SweepResult {
    /// The runs of point `p`.
    pub fn point_runs(&self, p: usize, replicates: u32) -> &[Run] {
        let r = replicates as usize;
        &self.runs[p * r..(p + 1) * r]
    }
}

/// How a sweep runs besides its experiment.
pub struct Options<'a> {
    /// Worker threads (0: all cores).
    pub jobs: usize,
    /// Where finished runs are journaled as they end (None: no journal).
    pub journal: Option<&'a Path>,
    /// Take runs already in the journal instead of running them again.
    pub resume: bool,
    /// Set (by Ctrl-C) to stop starting new runs.
    pub stop: &'a AtomicBool,
    /// Prices to cost each run with (None: no cost).
    pub prices: Option<&'a crate::model::cost::Prices>,
    /// Run only the runs this shard owns (None: every run).
    pub shard: Option<shard::Shard>,
    /// Told the forecast events of each run as it finishes or is found in the journal (the
    /// weights `planned` in workload.rs gives), to show progress.
    pub on_done: Option<&'a (dyn Fn(f64) + Sync)>,
}

/// Why a sweep did not finish.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("interrupted: {finished} of {total} runs finished and kept in {journal}; run again with --resume to finish")]
    Interrupted {
        finished: usize,
        total: usize,
        journal: String,
    },
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// The `(point, replicate)` of every run of `shard` (all when None), in point-then-replicate
/// order.
pub(crate) fn tasks(exp: &Experiment, shard: Option<shard::Shard>) -> Vec<(usize, u32)> {
    let all = (0..exp.points.len()).flat_map(|p| (0..exp.replicates).map(move |r| (p, r)));
    match shard {
        None => all.collect(),
        Some(s) => {
            let owner = shard::assign(exp, s.count);
            all.zip(owner)
                .filter(|&(_, k)| k == s.index)
                .map(|(t, _)| t)
                .collect()
        }
    }
}

/// `run` applied to every task on the current thread pool, and the results in task order. The
/// tasks start with the most forecast events (of their point, `point_of`), so that the last runs
/// to start are short and no worker waits alone on a long one at the end (the
/// longest-processing-time rule). Which worker runs what changes no result: every run's seed
/// depends only on its point and replicate. `opts.on_done` is told the forecast of each task whose
/// result is `finished`.
pub(crate) fn heaviest_first<T: Sync, R: Send>(
    exp: &Experiment,
    tasks: &[T],
    point_of: impl Fn(&T) -> usize,
    opts: &Options,
    run: impl Fn(&T) -> R + Sync + Send,
    finished: impl Fn(&R) -> bool + Sync + Send,
) -> Vec<R> {
    let cost: Vec<f64> = (shard::point_forecasts(exp).iter())
        .map(|e| e.events)
        .collect();
    let task_cost: Vec<f64> = tasks.iter().map(|t| cost[point_of(t)]).collect();
    let mut order: Vec<usize> = (0..tasks.len()).collect();
    order.sort_by(|&a, &b| task_cost[b].total_cmp(&task_cost[a]).then(a.cmp(&b)));
    let mut done: Vec<(usize, R)> = (order.into_iter().par_bridge())
        .map(|i| {
            let r = run(&tasks[i]);
            if let Some(tell) = opts.on_done.filter(|_| finished(&r)) {
                tell(task_cost[i]);
            }
            (i, r)
        })
        .collect();
    done.sort_by_key(|&(i, _)| i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// One run: taken from the journal when resuming and it is there, else simulated and journaled.
/// None when a stop was asked before it started.
fn one_run(exp: &Experiment, opts: &Options, point: usize, replicate: u32) -> Option<Result<Run>> {
    let spec = exp.spec(point, replicate);
    let id = journal::RunId {
        set: None,
        point,
        replicate,
    };
    let key = journal::key(exp, point, replicate);
    let report = journaled(opts, &key, &id, spec.seed, || {
        simulate_with(&spec, opts.prices, &mut Unobserved)
            .with_context(|| format!("point {} replicate {replicate}", exp.points[point].key()))
    })?;
    Some(report.map(|report| Run {
        point,
        replicate,
        seed: spec.seed,
        report,
    }))
}

/// The run `id` (of seed `seed`), journaled under `key`: taken from the journal when resuming and
/// it is there, else made by `simulate` and journaled as it ends. None when a stop was asked
/// before it started; an entry under `key` that is not that run is an error
/// ([`journal::BadEntry`]), never silently taken or overwritten.
pub(crate) fn journaled(
    opts: &Options,
    key: &str,
    id: &journal::RunId,
    seed: u64,
    simulate: impl FnOnce() -> Result<RunReport>,
) -> Option<Result<RunReport>> {
    if let Some(dir) = opts.journal.filter(|_| opts.resume) {
        match journal::load(dir, key, id, seed) {
            Ok(Some(report)) => return Some(Ok(report)),
            Ok(None) => {}
            Err(e) => return Some(Err(e)),
        }
    }
    if opts.stop.load(Ordering::SeqCst) {
        return None;
    }
    Some(simulate().and_then(|report| {
        if let Some(dir) = opts.journal {
            journal::save(dir, key, id, &report)?;
        }
        Ok(report)
    }))
}

/// Runs `exp` as `opts` says: journaling each finished run, reusing journaled runs on resume,
/// running only one shard's runs when asked, and stopping early when `opts.stop` is set. The runs
/// come back in point-then-replicate order.
pub fn run_with(exp: &Experiment, opts: &Options) -> Result<SweepResult, SweepError> {
    let started = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()
        .context("cannot start worker threads")?;
    if let Some(dir) = opts.journal {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let tasks = tasks(exp, opts.shard);
    let runs: Vec<Option<Result<Run>>> = pool.install(|| {
        heaviest_first(
            exp,
            &tasks,
            |&(point, _)| point,
            opts,
            |&(point, replicate)| one_run(exp, opts, point, replicate),
            |run| matches!(run, Some(Ok(_))),
        )
    });
    let total = runs.len();
    if runs.iter().any(Option::is_none) {
        return Err(SweepError::Interrupted {
            finished: runs.iter().filter(|r| matches!(r, Some(Ok(_)))).count(),
            total,
            journal: opts
                .journal
                .map_or("memory".into(), |d| d.display().to_string()),
        });
    }
    let runs = runs
        .into_iter()
        .map(|r| r.expect("checked above"))
        .collect::<Result<Vec<_>>>()?;
    let events = runs.iter().map(|r| r.report.events).sum();
    Ok(SweepResult {
        runs,
        wall_s: started.elapsed().as_secs_f64(),
        events,
    })
}
