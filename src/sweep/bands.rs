//! Bands over plausible assumptions: what every point of an experiment gave under each set of a
//! [`design`](super::design), the spread of each metric across the sets, and how much of that
//! spread each assumption explains. The runs themselves are the sweep runner's
//! ([`run_sets`](super::run_sets)).
//!
//! Sensitivity is estimated one of two ways ([`Estimator`](super::design::Estimator)). By
//! default from the same runs ("given data"): for each parameter, the sets are sorted by its value
//! and cut into about √N equal slices, and the share of the metric's variance that the slice
//! means explain (the correlation ratio η², adjusted for the number of slices) is its main
//! effect: 0 when the metric does not follow the parameter, 1 when the parameter alone decides
//! it. This costs no runs beyond the band's, but misses interactions. A Saltelli design instead
//! runs N(d + 2) sets (A, B and each AB_i) and gives Jansen's first-order and total effects; its
//! band comes from A and B.
//! docs/model.md §19 says when to use which.

use super::design::AssumptionDesign;
use super::metric::Metric;
use super::stats::PointSummaries;
use crate::assumptions::sensitivity::{main_effect, noise_floor};
use crate::assumptions::{jansen, Band, Param};
use crate::experiment::Experiment;
use crate::model::RunReport;

/// Per set, per point: the metrics' means across replicates.
pub type SetSummaries = Vec<Vec<PointSummaries>>;

/// A sweep's assumption sets and what every point gave under each.
#[derive(Clone, Debug)]
pub struct Bands {
    pub design: AssumptionDesign,
    /// The band's sets (A then B for a Saltelli design).
    pub sets: SetSummaries,
    /// A Saltelli design's AB_i sets, one block of N per key of the design; empty otherwise.
    pub ab: Vec<SetSummaries>,
}

impl Bands {
    /// The bands from what every row of `design` gave, in its rows' order.
    pub fn new(design: AssumptionDesign, mut all: SetSummaries) -> Bands {
        let ab = match design.saltelli {
            Some(n) => all.split_off(2 * n).chunks(n).map(<[_]>::to_vec).collect(),
            None => Vec::new(),
        };
        Bands {
            design,
            sets: all,
            ab,
        }
    }
}

/// The legend of a band across assumption sets.
pub const BAND_LABEL: &str = "plausible assumptions, 5-95%";

/// Per row and point, the means of the metrics over `reports`: every assumption run in
/// row-then-point-then-replicate order.
pub fn summarise(exp: &Experiment, reports: &[RunReport]) -> SetSummaries {
    let reps = exp.replicates as usize;
    reports
        .chunks(exp.points.len() * reps)
        .map(|set| {
            set.chunks(reps)
                .map(|runs| PointSummaries::of(runs.iter()))
                .collect()
        })
        .collect()
}

/// The spread of a metric's per-set means at one point.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Spread {
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    pub fn of(ys: &[f64]) -> Spread {
        let b = Band::of(ys);
        Spread {
            p5: b.low,
            p50: b.median,
            p95: b.high,
            min: ys.iter().copied().fold(f64::INFINITY, f64::min).min(b.low),
            max: ys
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max)
                .max(b.high),
        }
    }

    pub fn width(&self) -> f64 {
        self.max - self.min
    }
}

/// The per-set means of `m` at point `p`.
pub fn per_set(sets: &SetSummaries, p: usize, m: Metric) -> Vec<f64> {
    sets.iter().map(|s| s[p][m].mean).collect()
}

/// The spread of `m` at point `p`.
pub fn spread(sets: &SetSummaries, p: usize, m: Metric) -> Spread {
    Spread::of(&per_set(sets, p, m))
}

/// How much of a metric's spread at one point one assumption explains.
#[derive(Clone, Debug, PartialEq)]
pub struct Effect {
    pub key: String,
    /// Share of the variance across sets it explains alone (0 to 1 but for estimation noise).
    pub first_order: f64,
    /// Share it has any part in, interactions included: 0 means no influence. With the
    /// given-data estimator, which does not see interactions, this is the first-order share, a
    /// lower bound.
    pub total: f64,
}

/// Every parameter of point `p`'s model with its effect on `m`, largest total first (ties by
/// key), by the estimator the design was made for.
pub fn effects(exp: &Experiment, b: &Bands, p: usize, m: Metric) -> Vec<Effect> {
    let params = &b.design.params[exp.points[p].model];
    let mut out = match b.design.saltelli {
        Some(_) => jansen_effects(b, params, p, m),
        None => given_data_effects(b, params, p, m),
    };
    out.sort_by(|a, b| b.total.total_cmp(&a.total).then(a.key.cmp(&b.key)));
    out
}

fn given_data_effects(b: &Bands, params: &[Param], p: usize, m: Metric) -> Vec<Effect> {
    let y = per_set(&b.sets, p, m);
    params
        .iter()
        .map(|param| {
            let x: Vec<f64> = (0..b.design.sets())
                .map(|s| b.design.coordinate(s, &param.key))
                .collect();
            let effect = main_effect(&x, &y);
            Effect {
                key: param.key.clone(),
                first_order: effect,
                total: effect,
            }
        })
        .collect()
}

/// Jansen's indices from the A, B and AB_i sets. A parameter the model never reads leaves every
/// AB_i run equal to its A run (the same seed and the same values), so its total effect is 0.
fn jansen_effects(b: &Bands, params: &[Param], p: usize, m: Metric) -> Vec<Effect> {
    let n = b.design.sets() / 2;
    let y = per_set(&b.sets, p, m);
    let y_ab: Vec<Vec<f64>> = params
        .iter()
        .map(|param| {
            let k = b.design.keys.iter().position(|x| x == &param.key);
            per_set(&b.ab[k.expect("every parameter is a column")], p, m)
        })
        .collect();
    let ix = jansen(&y[..n], &y[n..], &y_ab);
    params
        .iter()
        .zip(ix)
        .map(|(param, ix)| Effect {
            key: param.key.clone(),
            first_order: ix.first,
            total: ix.total,
        })
        .collect()
}

/// The metrics whose deciding assumption the summary names.
pub const HEADLINE: [Metric; 2] = [Metric::IteratorAgeMax, Metric::ThrottledReadsPerMin];

/// The smallest effect that names an assumption deciding: the [`noise_floor`] of the given-data
/// estimator, or any total effect above 0 in a Saltelli design (where an assumption without
/// influence gets exactly 0).
pub fn deciding_floor(design: &AssumptionDesign) -> f64 {
    match design.saltelli {
        Some(_) => f64::MIN_POSITIVE,
        None => noise_floor(design.sets()),
    }
}

/// The assumption that decides the headline metrics at point `p`, with its effect and metric:
/// the largest total effect on a headline metric whose band has any width; None when none
/// reaches the [`deciding_floor`].
pub fn deciding(exp: &Experiment, b: &Bands, p: usize) -> Option<(Effect, Metric)> {
    HEADLINE
        .iter()
        .filter(|&&m| spread(&b.sets, p, m).width() > 0.0)
        .filter_map(|&m| {
            let top = effects(exp, b, p, m).into_iter().next()?;
            Some((top, m))
        })
        .filter(|(e, _)| e.total >= deciding_floor(&b.design))
        .max_by(|a, b| a.0.total.total_cmp(&b.0.total))
}

/// The most contended of `points`: the most throttled reads per minute, then the oldest
/// IteratorAge (the later point on ties).
pub fn most_contended(sums: &[PointSummaries], points: &[usize]) -> usize {
    let key = |p: usize| {
        (
            sums[p][Metric::ThrottledReadsPerMin].mean,
            sums[p][Metric::IteratorAgeMax].mean,
        )
    };
    points
        .iter()
        .copied()
        .max_by(|&a, &b| {
            let (ka, kb) = (key(a), key(b));
            ka.0.total_cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_keep_the_extremes() {
        let s = Spread::of(&[1.0, 2.0, 3.0, 4.0, 100.0]);
        assert_eq!((s.min, s.max, s.p50), (1.0, 100.0, 3.0));
        assert!(s.p95 < 100.0 && s.p5 > 1.0);
        assert_eq!(Spread::of(&[2.0; 4]).width(), 0.0);
    }
}
