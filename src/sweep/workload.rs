//! What a study will run, before it runs: every run's forecast events, plain runs first, then
//! those under assumption sets, so that a progress display counts every run to the end.

use super::bands::AssumptionDesign;
use super::shard::Shard;
use crate::experiment::Experiment;

/// The forecast events of every run a sweep of `exp` will do (its plain runs, then those under
/// `design`'s sets; only `shard`'s when given), in the order they are counted: what a progress
/// display sizes itself by, so that it counts every run to the end.
pub fn planned(
    exp: &Experiment,
    design: Option<&AssumptionDesign>,
    shard: Option<Shard>,
) -> Vec<f64> {
    let cost: Vec<f64> = (super::shard::point_forecasts(exp).iter())
        .map(|e| e.events)
        .collect();
    let plain = super::tasks(exp, shard).into_iter().map(|(p, _)| cost[p]);
    let sets = design
        .map(|d| super::bands::tasks(exp, d, shard))
        .unwrap_or_default()
        .into_iter()
        .map(|id| cost[id.point]);
    plain.chain(sets).collect()
}
