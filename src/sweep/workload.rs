//! What a study will run, before it runs: every run's forecast events, plain runs first, then
//! those under assumption sets, so that a progress display counts every run to the end.

use super::design::AssumptionDesign;
use super::partition::{self, Partition};
use crate::experiment::Experiment;

/// The forecast events of every run a sweep of `exp` will do (its plain runs, then those under
/// `design`'s sets; only `partition`'s when given), in the order they are counted: what a
/// progress display sizes itself by, so that it counts every run to the end.
pub(crate) fn planned(
    exp: &Experiment,
    design: Option<&AssumptionDesign>,
    partition: Option<Partition>,
) -> Vec<f64> {
    let cost: Vec<f64> = (partition::point_forecasts(exp).iter())
        .map(|e| e.events)
        .collect();
    let sets = design.map_or(0, AssumptionDesign::runs);
    (partition::owned(exp, sets, partition).iter())
        .map(|id| cost[id.point])
        .collect()
}
