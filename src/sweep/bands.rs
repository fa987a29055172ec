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
//!
//! Every effect carries a 95% bootstrap interval ([`crate::assumptions::bootstrap`]: the sets, or
//! Saltelli's base rows, resampled [`RESAMPLES`] times from the design's seed), and an assumption
//! is called deciding only when its interval lies above every other's ([`verdict`]); otherwise
//! the leading assumptions are said to be jointly within noise.

use super::design::AssumptionDesign;
use super::metric::Metric;
use super::stats::PointSummaries;
use crate::assumptions::bootstrap::main_effect_intervals;
use crate::assumptions::sensitivity::{main_effect, noise_floor};
use crate::assumptions::{jansen, jansen_intervals, Band, Param, Resamples, RESAMPLES};
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
    /// How `--assumptions auto` came to this many sets (None: a number was asked for).
    pub auto: Option<super::growth::Grown>,
    /// The bootstrap's resamples of the design's rows, drawn when first needed.
    resamples: std::sync::OnceLock<Resamples>,
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
            auto: None,
            resamples: std::sync::OnceLock::new(),
        }
    }

    /// The resamples of the rows the effects rest on: the N sets, or a Saltelli design's N rows.
    fn resamples(&self) -> &Resamples {
        self.resamples.get_or_init(|| {
            let rows = self.design.saltelli.unwrap_or(self.design.sets());
            Resamples::new(rows, RESAMPLES, self.design.seed)
        })
    }
}

/// The legend of a band across `sets` assumption sets.
pub fn band_label(sets: usize) -> String {
    format!("5-95% of {sets} assumption sets")
}

/// Per row and point, the means of the metrics over `reports`: every assumption run in
/// row-then-point-then-replicate order.
pub fn summarise(exp: &Experiment, reports: &[RunReport]) -> SetSummaries {
    let reps = exp.set_replicates as usize;
    reports
        .chunks(exp.set_runs())
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
    /// The 95% bootstrap interval of `total`: (low, high).
    pub interval: (f64, f64),
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
    let xs: Vec<Vec<f64>> = (params.iter())
        .map(|param| {
            (0..b.design.sets())
                .map(|s| b.design.coordinate(s, &param.key))
                .collect()
        })
        .collect();
    let intervals = main_effect_intervals(&xs, &y, b.resamples());
    (params.iter().zip(&xs).zip(intervals))
        .map(|((param, x), interval)| {
            let effect = main_effect(x, &y);
            Effect {
                key: param.key.clone(),
                first_order: effect,
                total: effect,
                interval,
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
    let iv = jansen_intervals(&y[..n], &y[n..], &y_ab, b.resamples());
    (params.iter().zip(ix).zip(iv))
        .map(|((param, ix), iv)| Effect {
            key: param.key.clone(),
            first_order: ix.first,
            total: ix.total,
            interval: iv.total,
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

/// What the headline metrics at one point say about their assumptions.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// One assumption's interval lies above every other's: it decides `Metric`.
    Deciding(Effect, Metric),
    /// The leading assumption's interval overlaps those of the others listed (it first): which of
    /// them decides `Metric` is within the noise of the design.
    WithinNoise(Vec<Effect>, Metric),
    /// No assumption reaches the [`deciding_floor`], or no headline metric has a band.
    Nothing,
}

/// The verdict at point `p`: on the headline metric whose band has any width and whose leading
/// total effect is largest (and at least the [`deciding_floor`]), that assumption decides if
/// its interval's lower end is above the upper end of every other's; else it and those others
/// are jointly within noise.
pub fn verdict(exp: &Experiment, b: &Bands, p: usize) -> Verdict {
    let lead = HEADLINE
        .iter()
        .filter(|&&m| spread(&b.sets, p, m).width() > 0.0)
        .map(|&m| (effects(exp, b, p, m), m))
        .filter(|(e, _)| {
            e.first()
                .is_some_and(|e| e.total >= deciding_floor(&b.design))
        })
        .max_by(|a, b| a.0[0].total.total_cmp(&b.0[0].total));
    let Some((effects, m)) = lead else {
        return Verdict::Nothing;
    };
    let group = leading_group(&effects);
    match group.len() {
        1 => Verdict::Deciding(group[0].clone(), m),
        _ => Verdict::WithinNoise(group, m),
    }
}

/// The first of `effects` (largest total first) and every other whose interval reaches its
/// interval's lower end: those it cannot be told from.
pub fn leading_group(effects: &[Effect]) -> Vec<Effect> {
    let Some(top) = effects.first() else {
        return Vec::new();
    };
    (effects.iter())
        .enumerate()
        .filter(|(i, e)| *i == 0 || e.interval.1 >= top.interval.0)
        .map(|(_, e)| e.clone())
        .collect()
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

    fn effect(key: &str, total: f64, interval: (f64, f64)) -> Effect {
        Effect {
            key: key.into(),
            first_order: total,
            total,
            interval,
        }
    }

    #[test]
    fn an_assumption_decides_only_when_its_interval_clears_every_other() {
        let clear = [
            effect("a", 0.6, (0.45, 0.75)),
            effect("b", 0.2, (0.05, 0.4)),
        ];
        assert_eq!(leading_group(&clear).len(), 1);
        let close = [
            effect("a", 0.24, (0.1, 0.4)),
            effect("b", 0.22, (0.08, 0.38)),
            effect("c", 0.05, (0.0, 0.09)),
            effect("d", 0.02, (0.0, 0.3)),
        ];
        let keys: Vec<String> = leading_group(&close).into_iter().map(|e| e.key).collect();
        assert_eq!(keys, ["a", "b", "d"]);
        assert!(leading_group(&[]).is_empty());
    }

    /// Effects of y on each column of `pts` by the given-data estimator, with their intervals,
    /// largest first.
    fn given_data(pts: &[Vec<f64>], y: &[f64], seed: u64) -> Vec<Effect> {
        use crate::assumptions::bootstrap::main_effect_intervals;
        let xs: Vec<Vec<f64>> = (0..pts[0].len())
            .map(|i| pts.iter().map(|p| p[i]).collect())
            .collect();
        let res = Resamples::new(y.len(), RESAMPLES, seed);
        let iv = main_effect_intervals(&xs, y, &res);
        let mut out: Vec<Effect> = (xs.iter().zip(iv).enumerate())
            .map(|(i, (x, iv))| effect(&format!("x{}", i + 1), main_effect(x, y), iv))
            .collect();
        out.sort_by(|a, b| b.total.total_cmp(&a.total).then(a.key.cmp(&b.key)));
        out
    }

    #[test]
    fn two_inputs_that_enter_alike_are_jointly_within_noise_and_a_third_is_left_out() {
        use crate::assumptions::design::latin_hypercube_points;
        for n in [32, 64, 128] {
            let pts = latin_hypercube_points(n, 4, n as u64);
            // x1 and x2 enter alike, x3 a little, x4 not at all.
            let y: Vec<f64> = pts.iter().map(|p| p[0] + p[1] + 0.05 * p[2]).collect();
            let group: Vec<String> = (leading_group(&given_data(&pts, &y, 1)).into_iter())
                .map(|e| e.key)
                .collect();
            assert!(group.contains(&"x1".to_string()), "n = {n}: {group:?}");
            assert!(group.contains(&"x2".to_string()), "n = {n}: {group:?}");
            assert!(!group.contains(&"x4".to_string()), "n = {n}: {group:?}");
        }
        // The same under Jansen's estimator on a Saltelli design.
        let s = crate::assumptions::Saltelli::new(64, 3, 2).unwrap();
        let y: Vec<f64> = s.points.iter().map(|p| p[0] + p[1]).collect();
        let (a, bb, ab) = s.split(&y);
        let ix = jansen(a, bb, &ab);
        let iv = jansen_intervals(a, bb, &ab, &Resamples::new(64, RESAMPLES, 5));
        let mut effects: Vec<Effect> = (ix.iter().zip(iv).enumerate())
            .map(|(i, (ix, iv))| effect(&format!("x{}", i + 1), ix.total, iv.total))
            .collect();
        effects.sort_by(|a, b| b.total.total_cmp(&a.total));
        let group: Vec<String> = leading_group(&effects).into_iter().map(|e| e.key).collect();
        assert_eq!(group.len(), 2, "{group:?}");
        assert!(!group.contains(&"x3".to_string()));
        assert_eq!(effects[2].interval, (0.0, 0.0));
    }

    #[test]
    fn spreads_keep_the_extremes() {
        let s = Spread::of(&[1.0, 2.0, 3.0, 4.0, 100.0]);
        assert_eq!((s.min, s.max), (1.0, 100.0));
        // Harrell-Davis weighs every value: with five, the largest has 6% of the median's weight.
        assert!(
            s.p5 > 1.0 && s.p5 < s.p50 && s.p50 < 10.0 && s.p95 < 100.0,
            "{s:?}"
        );
        assert_eq!(Spread::of(&[2.0; 4]).width(), 0.0);
    }
}
