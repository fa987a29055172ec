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
//! threads and whether the sweep was interrupted and resumed.

use super::bands::{self, Bands, SetSummaries, HEADLINE};
use super::design::{AssumptionDesign, AUTO_START};
use super::metric::Metric;
use super::stats::PointSummaries;
use super::SweepError;
use crate::experiment::Experiment;
use crate::model::RunReport;

/// The most sets `--assumptions auto` grows to unless `--max-assumptions` says otherwise.
pub const DEFAULT_CAP: usize = 128;

/// How far a band edge may move between rounds, as a share of its metric's span across the study.
pub const EDGE_TOLERANCE: f64 = 0.10;

/// Assumptions ranked per architecture and headline metric.
const RANKED: usize = 3;

/// How one round compared with the one before.
#[derive(Clone, Debug, PartialEq)]
pub struct Round {
    /// Sets after the round.
    pub sets: usize,
    /// Whether the top three of every headline metric at every architecture's most contended
    /// point kept their places.
    pub ranking_stable: bool,
    /// The largest move of a band edge, as a share of its metric's span (0 to 1).
    pub edge_move: f64,
}

impl Round {
    /// Whether this round ends the growth.
    pub fn settled(&self) -> bool {
        self.ranking_stable && self.edge_move <= EDGE_TOLERANCE
    }
}

/// How `--assumptions auto` came to its number of sets.
#[derive(Clone, Debug, PartialEq)]
pub struct Grown {
    /// Every round after the first, in order.
    pub rounds: Vec<Round>,
    /// The cap it was allowed.
    pub cap: usize,
}

impl Grown {
    /// The sets it ended with.
    pub fn sets(&self) -> usize {
        self.rounds.last().map_or(AUTO_START, |r| r.sets)
    }

    /// Whether the last round settled (else the cap stopped it).
    pub fn settled(&self) -> bool {
        self.rounds.last().is_some_and(Round::settled)
    }

    /// One line saying how many sets were used and why, e.g. `64 sets: the top three stayed in
    /// place and no band edge moved more than 4.1% (tolerance 10%)`.
    pub fn text(&self) -> String {
        let Some(last) = self.rounds.last() else {
            return format!("{} sets (the cap)", AUTO_START);
        };
        let why = match (last.settled(), last.ranking_stable) {
            (true, _) => "the top three stayed in place and".to_string(),
            (false, true) => format!(
                "stopped at the cap of {}: the top three stayed in place but",
                self.cap
            ),
            (false, false) => format!(
                "stopped at the cap of {}: the top three still changed places and",
                self.cap
            ),
        };
        format!(
            "{} sets: {why} band edges moved by at most {:.1}% of their metric's span (tolerance {:.0}%)",
            last.sets,
            last.edge_move * 100.0,
            EDGE_TOLERANCE * 100.0
        )
    }
}

/// What runs a round's sets: given the grown design and the first set it adds, their reports in
/// set-then-point-then-replicate order.
pub type RunRound<'a> =
    dyn FnMut(&AssumptionDesign, usize) -> Result<Vec<RunReport>, SweepError> + 'a;

/// Grows `first` (a nested design of [`AUTO_START`] sets), doubling while the stopping rule is
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_settles_only_when_both_hold() {
        let r = |ranking_stable, edge_move| Round {
            sets: 64,
            ranking_stable,
            edge_move,
        };
        assert!(r(true, 0.04).settled());
        assert!(!r(false, 0.0).settled());
        assert!(!r(true, 0.2).settled());
        let grown = Grown {
            rounds: vec![r(false, 0.3), r(true, 0.041)],
            cap: 128,
        };
        assert_eq!((grown.sets(), grown.settled()), (64, true));
        assert_eq!(
            grown.text(),
            "64 sets: the top three stayed in place and band edges moved by at most 4.1% of \
             their metric's span (tolerance 10%)"
        );
        let capped = Grown {
            rounds: vec![r(false, 0.3)],
            cap: 64,
        };
        assert!(capped
            .text()
            .starts_with("64 sets: stopped at the cap of 64"));
    }
}
