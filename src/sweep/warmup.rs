//! Warm-up detection: the initial transient of a point's per-minute IteratorAge, found with MSER-5
//! (White 1997; White, Cobb and Spratt 2000), used by `warmup = "auto"` and to warn when a fixed
//! warm-up is shorter than the transient.
//!
//! MSER-5 groups the series into batches of 5 observations and truncates the d first batches
//! for the d (at most half of the batches) that minimises the squared standard error of the
//! kept batch means, `sum (z_i - mean)^2 / (k - d)^2`: cutting a transient removes much squared
//! error for few observations, cutting steady-state data does not pay. On short noisy series it
//! also cuts batches by chance now and then (up to half the series when its tail happens to be
//! quiet), and on a very steady series it cuts a level shift too small to matter (84.0 ms against
//! 83.6 ms). So [`transient`] takes MSER-5's cut as an upper bound and ends the transient at the
//! first batch from which the cut batches no longer differ from the kept ones beyond noise (a
//! two-sample t test at 95% on batch means) and keeping them would bias the mean by more than
//! [`MATERIAL`] of it: a
//! warning or a longer warm-up then rests on a transient that is there and moves the numbers. On
//! stationary normal series of 60 observations, 5 in 200 are still reported with a transient
//! (the unit tests count it), against about half that MSER-5 alone cuts.

use super::{Run, SweepError};
use crate::config::Override;
use crate::engine::time::{Nanos, MIN};
use crate::experiment::Experiment;
use crate::model::run::{simulate_with, Unobserved};
use crate::model::RunReport;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

/// Observations per batch.
pub const BATCH: usize = 5;
/// The smallest bias a transient must put into the series' mean, as a share of the steady mean,
/// to count: the level shift times the share of the series it lasts.
pub const MATERIAL: f64 = 0.01;

/// MSER-5's truncation of `series`: how many leading observations to discard (a multiple of
/// [`BATCH`]; 0 for a series of fewer than two batches). Observations after the last whole batch
/// are left out of the statistic.
pub fn mser5(series: &[f64]) -> usize {
    let z = batch_means(series);
    let k = z.len();
    if k < 2 {
        return 0;
    }
    let mut best = (f64::INFINITY, 0);
    for d in 0..=k / 2 {
        let kept = &z[d..];
        let m = kept.len() as f64;
        let mean = kept.iter().sum::<f64>() / m;
        let ss: f64 = kept.iter().map(|x| (x - mean).powi(2)).sum();
        let stat = ss / (m * m);
        if stat < best.0 {
            best = (stat, d);
        }
    }
    best.1 * BATCH
}

/// The transient of `series` in observations. MSER-5's cut bounds it from above (on a short
/// series MSER-5 now and then cuts up to half of it when the tail happens to be quiet); the
/// transient ends at the first batch from which the batches up to that cut no longer [`differ`]
/// from the steady state: 0 when even all of them do not, so a steady series keeps all its data.
/// The steady state is the second half of the batches, which MSER-5 never cuts: its spread is
/// not chosen for being small, as the spread of the batches MSER-5 keeps is, so the test's noise
/// is not underestimated.
pub fn transient(series: &[f64]) -> usize {
    let cut = mser5(series) / BATCH;
    let z = batch_means(series);
    let steady = &z[z.len().div_ceil(2)..];
    let candidates = z.len() / 2 + 1;
    (0..cut)
        .find(|&d| !differ(&z[d..cut], steady, candidates))
        .unwrap_or(cut)
        * BATCH
}

/// Whether the batch means `head` come from another level than `kept`: their means differ beyond
/// noise (a two-sided Student t test at 5% shared among the `candidates` cuts MSER-5 chose from,
/// Bonferroni's correction for the choice; the difference's standard error from `kept`'s
/// variance), and keeping them would move the mean of both by more than [`MATERIAL`] of `kept`'s
/// mean.
fn differ(head: &[f64], kept: &[f64], candidates: usize) -> bool {
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    let m = kept.len();
    let kept_mean = mean(kept);
    let var = kept.iter().map(|x| (x - kept_mean).powi(2)).sum::<f64>() / (m - 1).max(1) as f64;
    let se = (var * (1.0 / head.len() as f64 + 1.0 / m as f64)).sqrt();
    let shift = (mean(head) - kept_mean).abs();
    let bias = shift * head.len() as f64 / (head.len() + m) as f64;
    let z = upper_normal_quantile(0.025 / candidates as f64);
    let t = match m {
        0 | 1 => f64::NAN,
        _ => super::stats::cornish_fisher(z, (m - 1) as f64),
    };
    shift > t * se && bias > MATERIAL * kept_mean.abs()
}

/// The standard normal quantile with upper tail `p` (0 < p <= 0.5): Abramowitz and Stegun
/// 26.2.23, absolute error below 4.5e-4.
fn upper_normal_quantile(p: f64) -> f64 {
    let t = (-2.0 * p.ln()).sqrt();
    t - (2.515_517 + 0.802_853 * t + 0.010_328 * t * t)
        / (1.0 + 1.432_788 * t + 0.189_269 * t * t + 0.001_308 * t * t * t)
}

fn batch_means(series: &[f64]) -> Vec<f64> {
    (series.chunks_exact(BATCH))
        .map(|b| b.iter().sum::<f64>() / BATCH as f64)
        .collect()
}

/// A run's per-minute IteratorAge: per measured minute (from the end of its warm-up), the mean
/// over its consumers of the minute's average IteratorAge, in ms; and the first minute's index.
pub fn age_series(report: &RunReport) -> (usize, Vec<f64>) {
    let mut minutes: BTreeMap<u64, (f64, u32)> = BTreeMap::new();
    for row in report.minutes.rows() {
        let e = minutes.entry(row.minute).or_default();
        e.0 += row.iterator_age_avg_ms;
        e.1 += 1;
    }
    let first = minutes.keys().next().map_or(0, |&m| m as usize);
    let series = minutes.values().map(|(s, n)| s / f64::from(*n)).collect();
    (first, series)
}

/// The replicates' average of [`age_series`] for the runs of one point (None: no runs).
pub fn point_series(runs: &[Run]) -> Option<(usize, Vec<f64>)> {
    let all: Vec<(usize, Vec<f64>)> = runs.iter().map(|r| age_series(&r.report)).collect();
    let first = all.first()?.0;
    let len = all.iter().map(|(_, s)| s.len()).min()?;
    let n = all.len() as f64;
    let avg = (0..len)
        .map(|i| all.iter().map(|(_, s)| s[i]).sum::<f64>() / n)
        .collect();
    Some((first, avg))
}

/// What warm-up detection found at one point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PointWarmup {
    /// The warm-up the point's runs discarded, in minutes (rounded up).
    pub used_min: usize,
    /// The transient MSER-5 finds after it, in minutes (0: none).
    pub beyond_min: usize,
}

/// Per point of `exp`, what MSER-5 finds in its runs' per-minute IteratorAge after their
/// warm-up (None for a point without runs or minutes).
pub fn check_points(exp: &Experiment, res: &super::SweepResult) -> Vec<Option<PointWarmup>> {
    (0..exp.points.len())
        .map(|p| {
            let (first, series) = point_series(res.point_runs(p))?;
            Some(PointWarmup {
                used_min: first,
                beyond_min: transient(&series),
            })
        })
        .collect()
}

/// `exp` with each point's warm-up set to the transient MSER-5 finds in a pilot run of it (its
/// replicate 0 run from time 0, with no warm-up), when the file says `warmup = "auto"`; `exp`
/// unchanged otherwise. The pilots are the sweep's own first replicates run once more, so they
/// cost one run per point, and depend only on the point: the same command detects the same.
pub fn settle(exp: &Experiment, opts: &super::Options) -> Result<Experiment, SweepError> {
    if !exp.warmup_auto {
        return Ok(exp.clone());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()
        .map_err(SweepError::Threads)?;
    let from_zero = [Override {
        path: "warmup".into(),
        value: "\"0s\"".into(),
    }];
    let found: Vec<Option<Result<Nanos, SweepError>>> = pool.install(|| {
        (0..exp.points.len())
            .into_par_iter()
            .map(|p| {
                if opts.stop.load(Ordering::SeqCst) {
                    return None;
                }
                let named = |why| SweepError::Run {
                    run: format!("warm-up pilot of point {}", exp.points[p].key()),
                    why,
                };
                let run = (exp.spec_with(p, 0, &from_zero))
                    .map_err(|e| named(super::RunFailure::Spec(e)))
                    .and_then(|spec| {
                        let duration = spec.duration;
                        simulate_with(&spec, opts.prices, &mut Unobserved)
                            .map_err(|e| named(super::RunFailure::Conservation(e)))
                            .map(|r| (r, duration))
                    });
                Some(run.map(|(report, duration)| {
                    let (_, series) = age_series(&report);
                    let cut = transient(&series) as u64 * MIN;
                    cut.min(duration.saturating_sub(MIN))
                }))
            })
            .collect()
    });
    if found.iter().any(Option::is_none) {
        return Err(SweepError::Interrupted {
            finished: 0,
            total: exp.points.len(),
            journal: "memory (the warm-up pilots are run again on resume)".into(),
        });
    }
    let warmups = (found.into_iter())
        .map(|f| f.expect("checked above"))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(exp.with_warmups(warmups))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::derive_seed;

    fn noise(seed: u64, i: u64) -> f64 {
        let u = |k: u64| ((derive_seed(seed, &[i, k]) >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
        (-2.0 * u(0).ln()).sqrt() * (std::f64::consts::TAU * u(1)).cos()
    }

    #[test]
    fn a_ten_minute_transient_is_cut_at_about_ten_minutes() {
        let mut exactly = 0;
        for seed in 0..20 {
            // 10 minutes decaying from 100 to 0, then noise around 0, 60 minutes in all.
            let series: Vec<f64> = (0..60u64)
                .map(|i| match i < 10 {
                    true => 100.0 * (1.0 - i as f64 / 10.0),
                    false => noise(seed, i),
                })
                .collect();
            assert!((10..=30).contains(&mser5(&series)), "seed {seed}");
            let cut = transient(&series);
            assert!((10..=15).contains(&cut), "seed {seed}: {cut}");
            exactly += usize::from(cut == 10);
        }
        assert!(exactly >= 15, "{exactly} of 20 cut at 10 minutes");
    }

    #[test]
    fn a_stationary_series_has_no_transient_but_for_a_rare_false_alarm() {
        let (mut cut_by_mser, mut reported) = (0, 0);
        for seed in 0..200 {
            let series: Vec<f64> = (0..60u64).map(|i| 50.0 + 5.0 * noise(seed, i)).collect();
            cut_by_mser += usize::from(mser5(&series) > 0);
            assert!(mser5(&series) <= 30, "never past half the series");
            reported += usize::from(transient(&series) > 0);
        }
        // MSER-5 alone cuts a stationary series often; the test keeps almost none of those.
        assert!(cut_by_mser > 20, "{cut_by_mser}");
        assert!(
            reported <= 8,
            "{reported} of 200 stationary series reported a transient"
        );
    }

    #[test]
    fn a_level_shift_too_small_to_matter_is_no_transient() {
        // As hot-stream's enhanced fan-out points: 84 ms, the first minutes 0.5% higher.
        let series: Vec<f64> = (0..20u64)
            .map(|i| if i < 5 { 84.2 } else { 83.8 } + 0.05 * noise(3, i))
            .collect();
        assert_eq!(mser5(&series), 5);
        assert_eq!(transient(&series), 0);
    }

    #[test]
    fn normal_quantiles_match_the_table() {
        for (p, z) in [(0.025, 1.95996), (0.005, 2.57583), (0.0025, 2.80703)] {
            assert!((upper_normal_quantile(p) - z).abs() < 5e-4, "{p}");
        }
    }

    #[test]
    fn a_short_series_or_a_constant_one_is_never_cut() {
        assert_eq!(mser5(&[5.0; 9]), 0);
        assert_eq!(mser5(&[3.0; 40]), 0);
        assert_eq!(transient(&[3.0; 40]), 0);
        assert_eq!(mser5(&[]), 0);
    }
}
