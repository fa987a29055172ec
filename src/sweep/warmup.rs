//! Warm-up detection: the initial transient of a point's per-minute IteratorAge, found with MSER-5
//! (White 1997; White, Cobb and Spratt 2000), used by `warmup = "auto"` and to warn when a fixed
//! warm-up is shorter than the transient.
//!
//! MSER-5 groups the series into batches of 5 observations and truncates the d first batches
//! for the d (at most half of the batches) that minimises the squared standard error of the
//! kept batch means, `sum (z_i - mean)^2 / (k - d)^2`: cutting a transient removes much squared
//! error for few observations, cutting steady-state data does not pay. On short noisy series it
//! also cuts a batch by chance now and then, and on a very steady series it cuts a level shift
//! too small to matter (84.0 ms against 83.6 ms), so [`transient`] keeps a cut only when the cut
//! batches' mean differs from the kept ones' beyond noise (a two-sample t test at 95% on batch
//! means) and by more than [`MATERIAL`] of the steady mean: a warning or a longer warm-up then
//! rests on a transient that is there and moves the numbers.

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
/// The smallest level shift, as a share of the steady mean, that counts as a transient.
pub const MATERIAL: f64 = 0.05;

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

/// The transient of `series` in observations: MSER-5's truncation when the discarded batches'
/// mean lies outside what the kept batches' spread allows (Student t at 95%, the two means'
/// standard error from the kept batches' variance) and differs from the kept mean by more than
/// [`MATERIAL`] of it, else 0.
pub fn transient(series: &[f64]) -> usize {
    let cut = mser5(series);
    if cut == 0 {
        return 0;
    }
    let z = batch_means(series);
    let (head, kept) = z.split_at(cut / BATCH);
    let m = kept.len();
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    let kept_mean = mean(kept);
    let var = kept.iter().map(|x| (x - kept_mean).powi(2)).sum::<f64>() / (m - 1).max(1) as f64;
    let se = (var * (1.0 / head.len() as f64 + 1.0 / m as f64)).sqrt();
    let t = super::stats::t975(m - 1);
    let shift = (mean(head) - kept_mean).abs();
    match shift > t * se && shift > MATERIAL * kept_mean.abs() {
        true => cut,
        false => 0,
    }
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
        for seed in 0..20 {
            // 10 minutes decaying from 100 to 0, then noise around 0, 60 minutes in all.
            let series: Vec<f64> = (0..60u64)
                .map(|i| match i < 10 {
                    true => 100.0 * (1.0 - i as f64 / 10.0),
                    false => noise(seed, i),
                })
                .collect();
            assert_eq!(mser5(&series), 10, "seed {seed}");
            assert_eq!(transient(&series), 10, "seed {seed}");
        }
    }

    #[test]
    fn a_stationary_series_has_no_transient() {
        let mut cut_by_mser = 0;
        for seed in 0..200 {
            let series: Vec<f64> = (0..60u64).map(|i| 50.0 + 5.0 * noise(seed, i)).collect();
            cut_by_mser += usize::from(mser5(&series) > 0);
            assert!(mser5(&series) <= 30, "never past half the series");
            assert_eq!(transient(&series), 0, "seed {seed}");
        }
        // MSER-5 alone cuts a stationary series now and then; the test keeps none of those.
        assert!(cut_by_mser < 100, "{cut_by_mser}");
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
    fn a_short_series_or_a_constant_one_is_never_cut() {
        assert_eq!(mser5(&[5.0; 9]), 0);
        assert_eq!(mser5(&[3.0; 40]), 0);
        assert_eq!(transient(&[3.0; 40]), 0);
        assert_eq!(mser5(&[]), 0);
    }
}
