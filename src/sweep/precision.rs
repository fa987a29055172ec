//! Precision control (`sim sweep --precision 5%`): what a point's headline metrics must reach,
//! and the stopping rule that says, from the replicates a point has run, whether it is precise
//! enough, how many replicates it needs next, or that it has hit the cap.
//!
//! The rule is the relative-precision sequential procedure of Law and Kelton (Simulation Modeling
//! and Analysis, §9.4.1): a point is precise when, for every headline metric, the 95% confidence
//! half-width of its mean (Student t with n-1 degrees of freedom, [`super::stats::mean_ci`]) is
//! at most `share` of the mean's magnitude. A metric whose replicates are all equal (all 0, say:
//! no throttled reads at all) has a half-width of 0 and is precise whatever its mean; a metric
//! whose mean is 0 while its replicates differ (possible only for a signed metric) can never be,
//! and runs to the cap.

use super::metric::Metric;
use super::stats::mean_ci;

/// Replicates a point may run when neither `--max-replicates` nor `max_replicates` says.
pub const DEFAULT_MAX_REPLICATES: u32 = 20;
/// The headline metrics when neither `--precision-metric` nor the experiment's objectives name
/// any: the mean IteratorAge and the throttled reads, the two numbers a hot-stream study reads.
pub const DEFAULT_METRICS: [Metric; 2] = [Metric::IteratorAgeAvg, Metric::ThrottledReadsPerMin];

pub use super::reached::{Precision, FIRST_ROUND};

/// The achieved precision of a metric's replicates: the 95% half-width over the mean's
/// magnitude; 0 when every value is the same (a zero mean included), infinite when the mean is 0
/// and the values differ, or when there is one value (no interval).
pub fn relative(xs: &[f64]) -> f64 {
    if xs.windows(2).all(|w| w[0] == w[1]) && xs.len() >= 2 {
        return 0.0;
    }
    let s = mean_ci(xs);
    if xs.len() < 2 || s.mean == 0.0 {
        return f64::INFINITY;
    }
    s.ci95 / s.mean.abs()
}

/// What the stopping rule says about a point after a round.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict {
    /// Every headline metric's half-width is within the share of its mean.
    Precise,
    /// Run replicates up to this count (exclusive of those already run), then ask again.
    More(u32),
    /// Not precise, and the cap is reached.
    Capped,
}

/// The stopping rule for one point: `samples` holds, per headline metric, the values of the
/// replicates run so far (all of the same length n). When the point is not precise, the next
/// count is the n at which the half-width would reach the share if the spread stayed as measured
/// (it shrinks as 1/sqrt(n)), at least n+1 and at most 2n (a spread measured on few replicates is
/// itself uncertain, so one round never more than doubles the runs), and never above the cap.
pub fn decide(samples: &[Vec<f64>], share: f64, cap: u32) -> Verdict {
    let n = samples.first().map_or(0, Vec::len) as u32;
    let worst = samples.iter().map(|xs| relative(xs)).fold(0.0f64, f64::max);
    if worst <= share {
        return Verdict::Precise;
    }
    if n >= cap {
        return Verdict::Capped;
    }
    let lower = n + 1;
    let upper = (2 * n).max(lower);
    let wanted = f64::from(n) * (worst / share).powi(2);
    let next = match wanted.is_finite() {
        true => (wanted.ceil().min(f64::from(upper)) as u32).max(lower),
        false => upper,
    };
    Verdict::More(next.min(cap))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::derive_seed;

    #[test]
    fn a_metric_that_is_always_zero_is_precise_and_one_that_varies_around_zero_is_not() {
        assert_eq!(relative(&[0.0; 5]), 0.0);
        assert_eq!(decide(&[vec![0.0; 5]], 0.05, 20), Verdict::Precise);
        assert_eq!(relative(&[-1.0, 1.0, -1.0, 1.0]), f64::INFINITY);
        assert_eq!(relative(&[3.0]), f64::INFINITY);
        // An interval that cannot close asks for twice the replicates, up to the cap.
        assert_eq!(decide(&[vec![-1.0, 1.0, -1.0]], 0.05, 20), Verdict::More(6));
        assert_eq!(decide(&[vec![-1.0, 1.0, -1.0]], 0.05, 4), Verdict::More(4));
        assert_eq!(
            decide(&[vec![-1.0, 1.0, -1.0, 1.0]], 0.05, 4),
            Verdict::Capped
        );
    }

    #[test]
    fn the_worst_headline_metric_decides() {
        let tight = vec![100.0, 100.1, 99.9, 100.0, 100.0];
        let loose = vec![100.0, 150.0, 50.0, 100.0, 100.0];
        assert_eq!(
            decide(std::slice::from_ref(&tight), 0.05, 20),
            Verdict::Precise
        );
        assert!(matches!(
            decide(&[tight, loose], 0.05, 20),
            Verdict::More(_)
        ));
    }

    /// Normal draws (Box-Muller over sim's own seed derivation), mean `mu`, spread `sigma`.
    fn normal(seed: u64, i: u64, mu: f64, sigma: f64) -> f64 {
        let u = |k: u64| ((derive_seed(seed, &[i, k]) >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
        mu + sigma * (-2.0 * u(0).ln()).sqrt() * (std::f64::consts::TAU * u(1)).cos()
    }

    /// Runs the rule on a stream of draws as the sweep runs it on replicates: the first round,
    /// then the counts it asks for, until it stops.
    fn run_rule(draw: impl Fn(u64) -> f64, share: f64, cap: u32) -> (Vec<f64>, Verdict) {
        let mut xs: Vec<f64> = (0..FIRST_ROUND as u64).map(&draw).collect();
        loop {
            match decide(&[xs.clone()], share, cap) {
                Verdict::More(n) => xs.extend((xs.len() as u64..u64::from(n)).map(&draw)),
                v => return (xs, v),
            }
        }
    }

    #[test]
    fn a_metric_of_known_spread_stops_with_the_half_width_asked_and_about_the_replicates_theory_needs(
    ) {
        // Mean 100, standard deviation 20: a 5% half-width (5) needs n with
        // t(n-1) * 20 / sqrt(n) <= 5, that is n = 64 or so (1.96^2 * 16 = 61.5, t raises it).
        let mut counts = Vec::new();
        for seed in 0..40 {
            let (xs, verdict) = run_rule(|i| normal(seed, i, 100.0, 20.0), 0.05, 1000);
            assert_eq!(verdict, Verdict::Precise);
            let s = mean_ci(&xs);
            assert!(s.ci95 <= 0.05 * s.mean, "seed {seed}: {s:?}");
            counts.push(xs.len());
        }
        counts.sort_unstable();
        let median = counts[counts.len() / 2];
        assert!(
            (50..=80).contains(&median),
            "median count {median}: {counts:?}"
        );
        // And the interval it stops with covers the true mean about 95% of the time.
        let covered = (0..200)
            .filter(|&seed| {
                let (xs, _) = run_rule(|i| normal(1000 + seed, i, 100.0, 20.0), 0.05, 1000);
                let s = mean_ci(&xs);
                (s.mean - 100.0).abs() <= s.ci95
            })
            .count();
        assert!(covered >= 176, "covered {covered} of 200");
    }

    #[test]
    fn a_point_that_cannot_reach_the_precision_stops_at_the_cap() {
        let (xs, verdict) = run_rule(|i| normal(7, i, 100.0, 80.0), 0.01, 12);
        assert_eq!(verdict, Verdict::Capped);
        assert_eq!(xs.len(), 12);
    }
}
