//! What an adaptive sweep (`--precision`) asks of its points and what each reached: plain data,
//! which `SweepResult` carries to the outputs; the rule that decides is `sweep/precision.rs`, the
//! rounds `sweep/adaptive.rs`.

use super::metric::Metric;

/// Replicates every point runs in the first round (or the experiment's `replicates`, if more; or
/// the cap, if less). Fewer make the sequential rule stop early by luck too often: with 2 or 3
/// replicates that happen to agree, the estimated spread is far below the true one.
pub const FIRST_ROUND: u32 = 5;
/// What `--precision` asks of every point.
#[derive(Clone, Debug, PartialEq)]
pub struct Precision {
    /// The largest half-width allowed, as a share of the mean (0.05 for `5%`).
    pub share: f64,
    /// The share as the user typed it (`5%`), for messages and the report.
    pub typed: String,
    /// The most replicates a point runs.
    pub max_replicates: u32,
    /// The headline metrics whose half-widths must all reach `share`.
    pub metrics: Vec<Metric>,
}

impl Precision {
    /// Replicates every point runs in the first round: the experiment's `replicates` or
    /// [`FIRST_ROUND`], whichever is more, but never above the cap.
    pub fn first_round(&self, replicates: u32) -> u32 {
        replicates.max(FIRST_ROUND).min(self.max_replicates)
    }
}

/// What an adaptive sweep achieved: the precision asked, and per point what it reached.
#[derive(Clone, Debug, PartialEq)]
pub struct Achieved {
    pub asked: Precision,
    /// Per point, in point order.
    pub points: Vec<PointPrecision>,
    /// Rounds the sweep took.
    pub rounds: u32,
}

/// What one point of an adaptive sweep reached.
#[derive(Clone, Debug, PartialEq)]
pub struct PointPrecision {
    pub replicates: u32,
    /// Per headline metric (in the order of `Precision::metrics`): half-width over mean.
    pub relative: Vec<f64>,
    /// The point stopped at the cap without reaching the precision.
    pub capped: bool,
}

impl Achieved {
    /// Points that hit the cap.
    pub fn capped(&self) -> usize {
        self.points.iter().filter(|p| p.capped).count()
    }

    /// The replicates the points ran, in words: `5 to 12 replicates`, or `20 replicates` when
    /// every point ran as many.
    pub fn replicates_text(&self) -> String {
        match self.replicate_range() {
            (fewest, most) if fewest == most => format!("{most} replicates"),
            (fewest, most) => format!("{fewest} to {most} replicates"),
        }
    }

    /// The fewest and most replicates a point ran.
    pub fn replicate_range(&self) -> (u32, u32) {
        let counts = self.points.iter().map(|p| p.replicates);
        (counts.clone().min().unwrap_or(0), counts.max().unwrap_or(0))
    }
}
