//! Running an experiment: every point x replicate in parallel, results in a fixed order, and the
//! same runs again under each set of an assumption design. One runner does both, so plain runs
//! and runs under assumption sets are journaled, resumed, divided between machines and counted
//! by the progress display alike.
//!
//! Guarantees: results are identical whatever the number of threads (each run's seed depends only
//! on the experiment seed, the point's parameters and the replicate; results are collected in
//! point-then-replicate order); progress is told to the caller (`Options::on_done`), who shows it.

pub mod adaptive;
pub mod auto;
pub mod bands;
pub mod design;
pub mod growth;
pub(crate) mod journal;
pub(crate) mod merge;
pub mod metric;
pub(crate) mod partition;
pub mod precision;
pub mod reached;
pub(crate) mod resume;
pub mod stats;
pub(crate) mod verdict;
pub mod warmup;
pub(crate) mod workload;

use crate::config::ConfigError;
use crate::experiment::Experiment;
use crate::model::report::ConservationError;
use crate::model::run::{simulate_with, Unobserved};
use crate::model::RunReport;
use design::AssumptionDesign;
use journal::{JournalError, RunId};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
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
    /// What an adaptive sweep (`--precision`) reached per point; None for a sweep of a fixed
    /// number of replicates.
    pub precision: Option<reached::Achieved>,
}

impl SweepResult {
    /// The result of `runs` (in point-then-replicate order) that began at `started`.
    fn of_runs(
        runs: Vec<Run>,
        started: std::time::Instant,
        precision: Option<reached::Achieved>,
    ) -> SweepResult {
        let events = runs.iter().map(|r| r.report.events).sum();
        SweepResult {
            runs,
            wall_s: started.elapsed().as_secs_f64(),
            events,
            precision,
        }
    }

    /// The runs of point `p` (as many as it ran: an adaptive sweep's points differ).
    pub fn point_runs(&self, p: usize) -> &[Run] {
        let start = self.runs.partition_point(|r| r.point < p);
        let end = self.runs.partition_point(|r| r.point <= p);
        &self.runs[start..end]
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
    /// Run only the runs this partition owns (None: every run).
    pub partition: Option<partition::Partition>,
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
    /// A run that could not be made, named as people read it.
    #[error("{run}: {why}")]
    Run { run: String, why: RunFailure },
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("cannot start worker threads: {0}")]
    Threads(rayon::ThreadPoolBuildError),
    #[error("cannot create {}: {why}", dir.display())]
    CreateJournal { dir: PathBuf, why: std::io::Error },
}

/// Why one run could not be made.
#[derive(Debug, thiserror::Error)]
pub enum RunFailure {
    /// Its model under an assumption set does not resolve.
    #[error("{0}")]
    Spec(ConfigError),
    /// Its records did not add up: a bug in sim.
    #[error("{0}")]
    Conservation(ConservationError),
}

impl SweepError {
    /// Whether the user can put it right (a journal entry that is not the run its name says, a
    /// journal that cannot be written: exit 2), rather than a bug in a run (exit 1). An
    /// interruption is neither.
    pub fn is_users(&self) -> bool {
        match self {
            SweepError::Journal(e) => e.is_users(),
            SweepError::CreateJournal { .. } => true,
            SweepError::Interrupted { .. } | SweepError::Run { .. } | SweepError::Threads(_) => {
                false
            }
        }
    }
}

/// Runs `exp` as `opts` says: journaling each finished run, reusing journaled runs on resume,
/// running only one partition's runs when asked, and stopping early when `opts.stop` is set. The
/// runs come back in point-then-replicate order.
pub fn run_with(exp: &Experiment, opts: &Options) -> Result<SweepResult, SweepError> {
    let started = Instant::now();
    let ids = partition::owned(exp, 0, opts.partition);
    let reports = run_ids(exp, None, &ids, opts)?;
    let runs: Vec<Run> = (ids.iter().zip(reports))
        .map(|(id, report)| Run {
            point: id.point,
            replicate: id.replicate,
            seed: exp.seed_of(id.point, id.replicate),
            report,
        })
        .collect();
    Ok(SweepResult::of_runs(runs, started, None))
}

/// Runs every point and replicate of `exp` under every set of `design` as [`run_with`] runs the
/// plain ones (only `opts.partition`'s when given); their reports come back in
/// set-then-point-then-replicate order.
pub fn run_sets(
    exp: &Experiment,
    design: &AssumptionDesign,
    opts: &Options,
) -> Result<Vec<RunReport>, SweepError> {
    let ids: Vec<RunId> = (partition::owned(exp, design.runs(), opts.partition).into_iter())
        .filter(|id| id.set.is_some())
        .collect();
    run_ids(exp, Some(design), &ids, opts)
}

/// The runs under sets `from..design.runs()` of `design` only, as [`run_sets`] runs them all:
/// what each round of `--assumptions auto` adds.
pub fn run_sets_from(
    exp: &Experiment,
    design: &AssumptionDesign,
    from: usize,
    opts: &Options,
) -> Result<Vec<RunReport>, SweepError> {
    let ids: Vec<RunId> = (partition::owned(exp, design.runs(), opts.partition).into_iter())
        .filter(|id| id.set.is_some_and(|s| s >= from))
        .collect();
    run_ids(exp, Some(design), &ids, opts)
}

/// The runs `ids` of `exp` (those under a set, of `design`) in parallel on `opts.jobs` threads,
/// their reports in the order of `ids`. The runs start with the most forecast events, so that the
/// last runs to start are short and no worker waits alone on a long one at the end (the
/// longest-processing-time rule); which worker runs what changes no result, since every run's
/// seed depends only on its point and replicate. `opts.on_done` is told the forecast of each run
/// as it finishes.
fn run_ids(
    exp: &Experiment,
    design: Option<&AssumptionDesign>,
    ids: &[RunId],
    opts: &Options,
) -> Result<Vec<RunReport>, SweepError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()
        .map_err(SweepError::Threads)?;
    if let Some(dir) = opts.journal {
        std::fs::create_dir_all(dir).map_err(|why| SweepError::CreateJournal {
            dir: dir.to_path_buf(),
            why,
        })?;
    }
    let cost: Vec<f64> = (partition::point_forecasts(exp).iter())
        .map(|e| e.events)
        .collect();
    let run_cost: Vec<f64> = ids.iter().map(|id| cost[id.point]).collect();
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by(|&a, &b| run_cost[b].total_cmp(&run_cost[a]).then(a.cmp(&b)));
    let mut done: Vec<(usize, Option<Result<RunReport, SweepError>>)> = pool.install(|| {
        (order.into_iter().par_bridge())
            .map(|i| {
                let run = one_run(exp, design, &ids[i], opts);
                if let Some(tell) = opts.on_done.filter(|_| matches!(run, Some(Ok(_)))) {
                    tell(run_cost[i]);
                }
                (i, run)
            })
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    if done.iter().any(|(_, r)| r.is_none()) {
        return Err(SweepError::Interrupted {
            finished: done
                .iter()
                .filter(|(_, r)| matches!(r, Some(Ok(_))))
                .count(),
            total: done.len(),
            journal: (opts.journal).map_or("memory".into(), |d| d.display().to_string()),
        });
    }
    (done.into_iter())
        .map(|(_, r)| r.expect("checked above"))
        .collect()
}

/// Run `id` of `exp` (under a set of `design` when it names one): taken from the journal when
/// resuming and it is there, else simulated and journaled. None when a stop was asked before it
/// started.
fn one_run(
    exp: &Experiment,
    design: Option<&AssumptionDesign>,
    id: &RunId,
    opts: &Options,
) -> Option<Result<RunReport, SweepError>> {
    let (p, r) = (id.point, id.replicate);
    let named = |why| {
        let point = exp.points[p].key();
        let run = match id.set {
            None => format!("point {point} replicate {r}"),
            Some(s) => format!("assumption set {s}, point {point} replicate {r}"),
        };
        SweepError::Run { run, why }
    };
    let simulate = || {
        let spec = match (id.set, design) {
            (Some(s), Some(d)) => (exp.spec_with(p, r, &d.overrides(exp.points[p].model, s)))
                .map_err(|e| named(RunFailure::Spec(e)))?,
            _ => exp.spec(p, r),
        };
        simulate_with(&spec, opts.prices, &mut Unobserved)
            .map_err(|e| named(RunFailure::Conservation(e)))
    };
    let key = design::run_key(exp, design, id);
    journaled(opts, &key, id, exp.seed_of(p, r), simulate)
}

/// The run `id` (of seed `seed`), journaled under `key`: taken from the journal when resuming and
/// it is there, else made by `simulate` and journaled as it ends. None when a stop was asked
/// before it started; an entry under `key` that is not that run is an error
/// ([`journal::BadEntry`]), never silently taken or overwritten.
fn journaled(
    opts: &Options,
    key: &str,
    id: &RunId,
    seed: u64,
    simulate: impl FnOnce() -> Result<RunReport, SweepError>,
) -> Option<Result<RunReport, SweepError>> {
    if let Some(dir) = opts.journal.filter(|_| opts.resume) {
        match journal::load(dir, key, id, seed) {
            Ok(Some(report)) => return Some(Ok(report)),
            Ok(None) => {}
            Err(e) => return Some(Err(JournalError::from(e).into())),
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
