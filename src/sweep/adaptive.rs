//! An adaptive sweep (`--precision`): every point runs replicates in rounds until the stopping
//! rule of [`super::precision`] says it is precise or it hits the cap.
//!
//! Deterministic: replicate k of a point has the seed it has in any sweep (from the experiment
//! seed, the point and k), a round starts only when the one before has ended, and what a point
//! runs next depends only on its own replicates so far, so the same command gives the same runs,
//! and the same bytes, whatever the number of threads. Each run is journaled as it ends, so an
//! interrupted adaptive sweep resumed takes its runs back from the journal, makes the same
//! decisions from them and goes on exactly where it stopped.

use super::journal::RunId;
use super::metric::Metric;
use super::precision::{decide, relative, Precision, Verdict};
pub use super::reached::{Achieved, PointPrecision};
use super::{run_ids, Options, Run, SweepError, SweepResult};
use crate::experiment::Experiment;
use crate::model::RunReport;
use std::time::Instant;

/// Runs `exp` until every point is precise as `asked` says or at its cap. `opts.partition` must
/// be None (the caller refuses a partitioned adaptive sweep: a partition owns runs, and which
/// runs there are is known only as the rounds go). `opts.on_done` is told of each run, and
/// `more` of the forecast events of each run a round after the first adds (the first round is
/// every point's [`Precision::first_round`] replicates), so that a progress display can grow.
pub fn run_precise(
    exp: &Experiment,
    asked: &Precision,
    opts: &Options,
    more: &dyn Fn(&[f64]),
) -> Result<SweepResult, SweepError> {
    debug_assert!(opts.partition.is_none(), "refused by the caller");
    let started = Instant::now();
    let points = exp.points.len();
    let mut reports: Vec<Vec<RunReport>> = vec![Vec::new(); points];
    let mut want = vec![asked.first_round(exp.replicates); points];
    let mut verdicts: Vec<Option<Verdict>> = vec![None; points];
    let mut rounds = 0;
    loop {
        let ids: Vec<RunId> = (0..points)
            .filter(|&p| verdicts[p].is_none())
            .flat_map(|p| {
                (reports[p].len() as u32..want[p]).map(move |replicate| RunId {
                    set: None,
                    point: p,
                    replicate,
                })
            })
            .collect();
        if ids.is_empty() {
            break;
        }
        rounds += 1;
        if rounds > 1 {
            let cost = super::partition::point_forecasts(exp);
            more(&(ids.iter().map(|id| cost[id.point].events)).collect::<Vec<_>>());
        }
        for (id, report) in ids.iter().zip(run_ids(exp, None, &ids, opts)?) {
            reports[id.point].push(report);
        }
        for p in 0..points {
            if verdicts[p].is_some() {
                continue;
            }
            match decide(
                &samples(&asked.metrics, &reports[p]),
                asked.share,
                asked.max_replicates,
            ) {
                Verdict::More(n) => want[p] = n,
                done => verdicts[p] = Some(done),
            }
        }
    }
    let achieved = Achieved {
        asked: asked.clone(),
        points: (reports.iter().zip(&verdicts))
            .map(|(rs, v)| PointPrecision {
                replicates: rs.len() as u32,
                relative: (samples(&asked.metrics, rs).iter())
                    .map(|xs| relative(xs))
                    .collect(),
                capped: *v == Some(Verdict::Capped),
            })
            .collect(),
        rounds,
    };
    let runs: Vec<Run> = (reports.into_iter().enumerate())
        .flat_map(|(point, rs)| {
            rs.into_iter().enumerate().map(move |(r, report)| Run {
                point,
                replicate: r as u32,
                seed: exp.seed_of(point, r as u32),
                report,
            })
        })
        .collect();
    Ok(SweepResult::of_runs(runs, started, Some(achieved)))
}

/// Per metric of `metrics`, its value in each of `reports`.
fn samples(metrics: &[Metric], reports: &[RunReport]) -> Vec<Vec<f64>> {
    (metrics.iter())
        .map(|m| reports.iter().map(|r| m.read(r)).collect())
        .collect()
}
