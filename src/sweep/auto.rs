//! `--assumptions auto`: as many assumption sets as the answer needs. The design is a nested
//! Latin hypercube ([`AssumptionDesign::nested`]): 16 sets, then 32, 64, ..., each round running
//! only the sets it adds, since the sets before keep their values and journal keys. After each
//! round from 32 on, the sweep stops when both
//! - the ranking is stable: at every architecture's most contended point, the three assumptions
//!   with the largest total effect on each headline metric ([`HEADLINE`]) are the same, in the
//!   same order, as with half the sets; and
//! - the bands have settled: no 5th or 95th percentile of any metric, at any point, moved by more
//!   than [`EDGE_TOLERANCE`] of that metric's span across the whole study (smallest to largest
//!   per-set value over every point) since the round before;
//!
//! or when the next round would pass the cap (`--max-assumptions`, default
//! [`DEFAULT_CAP`]). Every decision rests only on the runs' results, which depend only on the
//! design and the seeds, so the rounds, and the outputs, are the same whatever the number of
//! threads and whether the sweep was interrupted and resumed. What a round found, and how the
//! growth ended, are [`super::growth`]'s.

use super::bands::{self, Bands, SetSummaries, HEADLINE};
use super::design::AssumptionDesign;
pub use super::growth::{Grown, Round, EDGE_TOLERANCE};
use super::metric::Metric;
use super::stats::PointSummaries;
use super::SweepError;
use crate::experiment::Experiment;
use crate::model::RunReport;

/// The most sets `--assumptions auto` grows to unless `--max-assumptions` says otherwise.
pub const DEFAULT_CAP: usize = 128;

/// Assumptions ranked per architecture and headline metric.
const RANKED: usize = 3;

/// What runs a round's sets: given the grown design and the first set it adds, their reports in
/// set-then-point-then-replicate order.
pub type RunRound<'a> =
    dyn FnMut(&AssumptionDesign, usize) -> Result<Vec<RunReport>, SweepError> + 'a;

/// Grows `first` (a nested design of [`AUTO_START`](super::design::AUTO_START) sets), doubling while the stopping rule is
/// not met and the cap allows. `run` runs the sets `from..design.runs()` of the design it is
/// given and returns their reports in set-then-point-then-replicate order; `told` hears each
/// round as it ends.
pub fn grow(
    exp: &Experiment,
    sums: &[PointSummaries],
    (first, cap): (AssumptionDesign, usize),
    run: &mut RunRound,
    told: &mut dyn FnMut(&Round),
) -> Result<Bands, SweepError> {
    let mut design = first;
    let mut sets: SetSummaries = bands::summarise(exp, &run(&design, 0)?);
    let mut rounds = Vec::new();
    let mut last = Bands::new(design.clone(), sets.clone());
    while 2 * design.sets() <= cap {
        let from = design.sets();
        design = design.grown(2 * from);
        sets.extend(bands::summarise(exp, &run(&design, from)?));
        let now = Bands::new(design.clone(), sets.clone());
        let round = compare(exp, sums, &last, &now);
        told(&round);
        let settled = round.settled();
        rounds.push(round);
        last = now;
        if settled {
            break;
        }
    }
    last.auto = Some(Grown { rounds, cap });
    Ok(last)
}

/// How `now` compares with `before` (the same design with half the sets).
pub fn compare(exp: &Experiment, sums: &[PointSummaries], before: &Bands, now: &Bands) -> Round {
    let contended: Vec<usize> = (exp.architectures().into_iter())
        .map(|(_, points)| bands::most_contended(sums, &points))
        .collect();
    let top = |b: &Bands, p: usize, m| -> Vec<String> {
        (bands::effects(exp, b, p, m).into_iter())
            .take(RANKED)
            .map(|e| e.key)
            .collect()
    };
    let ranking_stable = (contended.iter()).all(|&p| {
        HEADLINE
            .iter()
            .all(|&m| top(before, p, m) == top(now, p, m))
    });
    let mut edge_move: f64 = 0.0;
    for &m in Metric::ALL {
        let all: Vec<f64> = (0..exp.points.len())
            .flat_map(|p| bands::per_set(&now.sets, p, m))
            .collect();
        let span = all.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            - all.iter().copied().fold(f64::INFINITY, f64::min);
        if span.is_nan() || span <= 0.0 {
            continue;
        }
        for p in 0..exp.points.len() {
            let (a, b) = (
                bands::spread(&before.sets, p, m),
                bands::spread(&now.sets, p, m),
            );
            let moved = (a.p5 - b.p5).abs().max((a.p95 - b.p95).abs()) / span;
            edge_move = edge_move.max(moved);
        }
    }
    Round {
        sets: now.design.sets(),
        ranking_stable,
        edge_move,
    }
}
