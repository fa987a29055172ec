//! Variance-based global sensitivity: Saltelli's sampling scheme (matrices A, B and AB_i) and
//! Jansen's estimators of first-order and total-effect indices, plus the band a set of outputs
//! spans.
//!
//! With f evaluated on N rows of A, of B, and of each AB_i (A with column i taken from B), and V
//! the variance of all f(A) and f(B):
//! - first order S_i = (V − Σ_j (f(B)_j − f(AB_i)_j)² / 2N) / V: the share of V that x_i explains
//!   alone;
//! - total effect ST_i = Σ_j (f(A)_j − f(AB_i)_j)² / 2N / V: the share that involves x_i at all.
//!
//! (Jansen 1999; Saltelli et al. 2010, "Variance based sensitivity analysis of model output",
//! Computer Physics Communications 181, table 2.)

use super::design::{sobol_points, AssumptionSet};
use super::expand::Param;
use crate::engine::rng::{name_id, stream};
use rand::Rng;

/// The indices of one parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Indices {
    /// First-order index S_i.
    pub first: f64,
    /// Total-effect index ST_i.
    pub total: f64,
}

/// Jansen's estimators from f(A), f(B) and f(AB_i) for each parameter i (all of length N).
/// An output that does not vary gives zeros, not NaN.
pub fn jansen(y_a: &[f64], y_b: &[f64], y_ab: &[Vec<f64>]) -> Vec<Indices> {
    let n = y_a.len();
    debug_assert!(y_b.len() == n && y_ab.iter().all(|y| y.len() == n));
    let v = variance(y_a.iter().chain(y_b));
    if n == 0 || negligible(v, y_a.iter().chain(y_b)) {
        return vec![
            Indices {
                first: 0.0,
                total: 0.0
            };
            y_ab.len()
        ];
    }
    let half_mean_sq = |x: &[f64], y: &[f64]| {
        x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() / (2 * n) as f64
    };
    y_ab.iter()
        .map(|ab| Indices {
            first: (v - half_mean_sq(y_b, ab)) / v,
            total: half_mean_sq(y_a, ab) / v,
        })
        .collect()
}

/// A 95% bootstrap interval of each index: (low, high) of the first-order and total effects.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub first: (f64, f64),
    pub total: (f64, f64),
}

/// Percentile-bootstrap intervals for [`jansen`]: the N rows are resampled with replacement
/// `resamples` times (the same rows for every parameter), the same for the same seed.
pub fn jansen_intervals(
    y_a: &[f64],
    y_b: &[f64],
    y_ab: &[Vec<f64>],
    resamples: usize,
    seed: u64,
) -> Vec<Interval> {
    let n = y_a.len();
    let mut rng = stream(seed, &[name_id("bootstrap")]);
    let mut draws: Vec<Vec<Indices>> = vec![Vec::with_capacity(resamples); y_ab.len()];
    for _ in 0..resamples {
        let rows: Vec<usize> = (0..n).map(|_| rng.random_range(0..n.max(1))).collect();
        let pick = |y: &[f64]| rows.iter().map(|&j| y[j]).collect::<Vec<f64>>();
        let ab: Vec<Vec<f64>> = y_ab.iter().map(|y| pick(y)).collect();
        for (d, ix) in draws.iter_mut().zip(jansen(&pick(y_a), &pick(y_b), &ab)) {
            d.push(ix);
        }
    }
    draws.iter().map(|d| interval(d)).collect()
}

fn interval(draws: &[Indices]) -> Interval {
    let ends = |f: fn(&Indices) -> f64| {
        let mut v: Vec<f64> = draws.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        (quantile(&v, 0.025), quantile(&v, 0.975))
    };
    Interval {
        first: ends(|i| i.first),
        total: ends(|i| i.total),
    }
}

/// Population variance.
fn variance<'a>(ys: impl Iterator<Item = &'a f64> + Clone) -> f64 {
    let (n, sum) = ys.clone().fold((0usize, 0.0), |(n, s), y| (n + 1, s + y));
    if n == 0 {
        return 0.0;
    }
    let mean = sum / n as f64;
    ys.map(|y| (y - mean) * (y - mean)).sum::<f64>() / n as f64
}

/// A variance that is only rounding noise relative to the outputs' size.
fn negligible<'a>(v: f64, ys: impl Iterator<Item = &'a f64>) -> bool {
    let scale = ys.fold(0.0f64, |m, y| m.max(y.abs()));
    v <= (scale * 1e-12).powi(2)
}

/// Saltelli's scheme in the unit cube: N rows of A, then N of B, then N of each AB_i.
#[derive(Clone, Debug, PartialEq)]
pub struct Saltelli {
    pub n: usize,
    pub dims: usize,
    /// All N (d + 2) points, in the order A, B, AB_1 … AB_d.
    pub points: Vec<Vec<f64>>,
}

impl Saltelli {
    /// A and B are the two halves of one 2d-dimensional scrambled Sobol sequence.
    pub fn new(n: usize, dims: usize, seed: u64) -> Result<Saltelli, super::AssumptionError> {
        let base = sobol_points(n, 2 * dims, seed)?;
        let a: Vec<Vec<f64>> = base.iter().map(|p| p[..dims].to_vec()).collect();
        let b: Vec<Vec<f64>> = base.iter().map(|p| p[dims..].to_vec()).collect();
        let mut points = a.clone();
        points.extend(b.iter().cloned());
        for i in 0..dims {
            points.extend(a.iter().zip(&b).map(|(ra, rb)| {
                let mut r = ra.clone();
                r[i] = rb[i];
                r
            }));
        }
        Ok(Saltelli { n, dims, points })
    }

    /// The points as assumption sets over `params` (one dimension per parameter).
    pub fn sets(&self, params: &[Param]) -> Vec<AssumptionSet> {
        debug_assert_eq!(params.len(), self.dims);
        self.points
            .iter()
            .map(|u| AssumptionSet::at(params, u))
            .collect()
    }

    /// The indices of each parameter from the outputs at every point, in the points' order.
    pub fn analyse(&self, y: &[f64]) -> Vec<Indices> {
        let (a, b, ab) = self.split(y);
        jansen(a, b, &ab)
    }

    /// Bootstrap intervals of the indices (see [`jansen_intervals`]).
    pub fn intervals(&self, y: &[f64], resamples: usize, seed: u64) -> Vec<Interval> {
        let (a, b, ab) = self.split(y);
        jansen_intervals(a, b, &ab, resamples, seed)
    }

    /// f(A), f(B) and each f(AB_i) from the outputs in the points' order.
    fn split<'a>(&self, y: &'a [f64]) -> (&'a [f64], &'a [f64], Vec<Vec<f64>>) {
        assert_eq!(y.len(), self.points.len(), "one output per point");
        let block = |k: usize| &y[k * self.n..(k + 1) * self.n];
        let y_ab = (0..self.dims).map(|i| block(i + 2).to_vec()).collect();
        (block(0), block(1), y_ab)
    }
}

/// The spread of an output over a design: its 5th percentile, median and 95th percentile.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Band {
    pub low: f64,
    pub median: f64,
    pub high: f64,
}

impl Band {
    /// The band of `ys` (empty: all zero). Percentiles interpolate between order statistics.
    pub fn of(ys: &[f64]) -> Band {
        let mut s = ys.to_vec();
        s.sort_by(f64::total_cmp);
        Band {
            low: quantile(&s, 0.05),
            median: quantile(&s, 0.5),
            high: quantile(&s, 0.95),
        }
    }

    pub fn width(&self) -> f64 {
        self.high - self.low
    }
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (i, frac) = (pos.floor() as usize, pos.fract());
    match sorted.get(i + 1) {
        Some(next) if frac > 0.0 => sorted[i] + frac * (next - sorted[i]),
        _ => sorted[i],
    }
}

/// The Ishigami function (a = 7, b = 0.1) of unit coordinates mapped onto [−π, π]³, whose
/// indices are known in closed form: S = 0.3139, 0.4424, 0 and ST = 0.5576, 0.4424, 0.2437. A
/// fourth coordinate, if any, is never read. Shared by the tests of every estimator.
#[cfg(test)]
pub(crate) fn ishigami(x: &[f64]) -> f64 {
    use std::f64::consts::PI;
    let x: Vec<f64> = x[..3].iter().map(|u| -PI + 2.0 * PI * u).collect();
    x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indices(dims: usize) -> Vec<Indices> {
        let s = Saltelli::new(1 << 14, dims, 2024).unwrap();
        let y: Vec<f64> = s.points.iter().map(|p| ishigami(p)).collect();
        s.analyse(&y)
    }

    #[test]
    fn ishigami_indices_match_their_known_values() {
        let got = indices(3);
        let want = [(0.3139, 0.5576), (0.4424, 0.4424), (0.0, 0.2437)];
        for (i, (g, (s1, st))) in got.iter().zip(want).enumerate() {
            assert!(
                (g.first - s1).abs() < 0.02,
                "S{} = {} (want {s1})",
                i + 1,
                g.first
            );
            assert!(
                (g.total - st).abs() < 0.02,
                "ST{} = {} (want {st})",
                i + 1,
                g.total
            );
        }
    }

    #[test]
    fn a_parameter_the_function_never_reads_has_no_effect() {
        let got = indices(4);
        assert!(
            got[3].total.abs() < 0.01 && got[3].first.abs() < 0.01,
            "{:?}",
            got[3]
        );
    }

    #[test]
    fn a_constant_output_has_zero_effects_and_a_zero_band() {
        let s = Saltelli::new(64, 3, 1).unwrap();
        let y = vec![42.0; s.points.len()];
        for ix in s.analyse(&y) {
            assert_eq!(
                ix,
                Indices {
                    first: 0.0,
                    total: 0.0
                }
            );
        }
        let b = Band::of(&y);
        assert_eq!((b.width(), b.median), (0.0, 42.0));
    }

    #[test]
    fn ab_rows_differ_from_a_in_one_column() {
        let s = Saltelli::new(8, 3, 5).unwrap();
        assert_eq!(s.points.len(), 8 * 5);
        for i in 0..3 {
            for j in 0..8 {
                let (a, b, ab) = (&s.points[j], &s.points[8 + j], &s.points[(2 + i) * 8 + j]);
                for k in 0..3 {
                    assert_eq!(ab[k], if k == i { b[k] } else { a[k] });
                }
            }
        }
    }

    #[test]
    fn bootstrap_intervals_hold_the_known_values() {
        let s = Saltelli::new(1 << 12, 3, 7).unwrap();
        let y: Vec<f64> = s.points.iter().map(|p| ishigami(p)).collect();
        let want = [(0.3139, 0.5576), (0.4424, 0.4424), (0.0, 0.2437)];
        for (iv, (s1, st)) in s.intervals(&y, 200, 1).iter().zip(want) {
            assert!(iv.first.0 <= s1 && s1 <= iv.first.1, "{iv:?} vs S {s1}");
            assert!(iv.total.0 <= st && st <= iv.total.1, "{iv:?} vs ST {st}");
            assert!(iv.total.1 - iv.total.0 < 0.1, "{iv:?}");
        }
        let flat = vec![1.0; s.points.len()];
        for iv in s.intervals(&flat, 20, 1) {
            assert_eq!((iv.first, iv.total), ((0.0, 0.0), (0.0, 0.0)));
        }
    }

    #[test]
    fn bands_are_percentiles() {
        let ys: Vec<f64> = (0..=100).map(f64::from).collect();
        let b = Band::of(&ys);
        assert_eq!((b.low, b.median, b.high), (5.0, 50.0, 95.0));
        assert_eq!(Band::of(&[]).width(), 0.0);
    }
}
