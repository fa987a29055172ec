//! Running an experiment: every point x replicate in parallel, results in a fixed order.
//!
//! Guarantees: results are identical whatever the number of threads (each run's seed depends only
//! on the experiment seed, the point's parameters and the replicate; results are collected in
//! point-then-replicate order); a progress bar is drawn only when asked.

pub mod stats;

use crate::experiment::Experiment;
use crate::model::{simulate, RunReport};
use anyhow::{Context, Result};
use indicatif::{ParallelProgressIterator, ProgressBar, ProgressStyle};
use rayon::prelude::*;
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

/// Runs every point and replicate of `exp` on `jobs` threads (0: all cores).
pub fn run(exp: &Experiment, jobs: usize, progress: bool) -> Result<SweepResult> {
    let started = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .context("cannot start worker threads")?;
    let tasks: Vec<(usize, u32)> = (0..exp.points.len())
        .flat_map(|p| (0..exp.replicates).map(move |r| (p, r)))
        .collect();
    let bar = if progress {
        ProgressBar::new(tasks.len() as u64).with_style(
            ProgressStyle::with_template(
                "{msg} [{bar:40}] {pos}/{len} runs, {elapsed} elapsed, ~{eta} left",
            )
            .expect("static template"),
        )
    } else {
        ProgressBar::hidden()
    };
    bar.set_message(exp.name.clone());
    let runs: Vec<Result<Run>> = pool.install(|| {
        tasks
            .par_iter()
            .progress_with(bar.clone())
            .map(|&(point, replicate)| {
                let spec = exp.spec(point, replicate);
                let report = simulate(&spec).with_context(|| {
                    format!("point {} replicate {replicate}", exp.points[point].key())
                })?;
                Ok(Run {
                    point,
                    replicate,
                    seed: spec.seed,
                    report,
                })
            })
            .collect()
    });
    bar.finish_and_clear();
    let runs = runs.into_iter().collect::<Result<Vec<_>>>()?;
    let events = runs.iter().map(|r| r.report.events).sum();
    Ok(SweepResult {
        runs,
        wall_s: started.elapsed().as_secs_f64(),
        events,
    })
}
