//! Random distributions of non-negative quantities (durations in ns, sizes in bytes).
//!
//! A [`Dist`] is built once, at load time, from validated parameters; sampling never fails and never
//! validates. Every distribution knows its mean and variance, which the aggregate arrival mode and
//! the closed-form tests use.

use rand::Rng;
use rand_distr::{Distribution, Exp1, StandardNormal};

/// A distribution over non-negative reals.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Always `value`.
    Fixed(f64),
    /// Exponential with the given mean.
    Exponential { mean: f64 },
    /// Log-normal with parameters `mu`, `sigma` of the underlying normal.
    LogNormal { mu: f64, sigma: f64 },
    /// Uniform on `[min, max]`.
    Uniform { min: f64, max: f64 },
}

/// The longest duration [`draw`] gives: 2^61 ns, about 73 years. A heavy tail (a log-normal's
/// p99 of thousands of hours) can draw beyond what a `u64` of nanoseconds holds; capped here, a
/// time plus two drawn durations still fits, so no caller's sum overflows.
pub const MAX_DRAWN: u64 = 1 << 61;

/// A duration drawn from `d`, rounded to whole nanoseconds and at most [`MAX_DRAWN`]; a fixed one
/// takes nothing from `rng`, so that a latency set to a fixed value leaves every other draw where
/// it was.
#[inline]
pub fn draw<R: Rng + ?Sized>(d: &Dist, rng: &mut R) -> u64 {
    match *d {
        Dist::Fixed(v) => round_u64(v),
        ref d => round_u64(d.sample(rng)),
    }
    .min(MAX_DRAWN)
}

/// `x.round() as u64` (half away from zero, saturating, NaN to 0) without a call into libm:
/// truncation is a single instruction and the fractional part `x - trunc(x)` is exact in `f64`.
#[inline(always)]
pub fn round_u64(x: f64) -> u64 {
    // On [0, 2^52), where every size and duration lands, the signed conversion truncates the same
    // way without the range checks of a saturating `as u64` (NaN, negatives, 2^63 and beyond), and
    // adding one cannot overflow. A separate return, not a shared tail: merged with the general
    // path below, the compiler keeps the range checks on this path too, and every record size and
    // duration drawn pays for them.
    //
    // The conversions stay signed both ways: `i64` to `f64` is one instruction, `u64` to `f64`
    // several on x86-64; on this range both give the same value.
    if (0.0..4_503_599_627_370_496.0).contains(&x) {
        // SAFETY: `x` is finite and in [0, 2^52), so its truncation fits in an `i64`.
        let t = unsafe { x.to_int_unchecked::<i64>() };
        return (t + i64::from(x - t as f64 >= 0.5)) as u64;
    }
    let t = x as u64;
    if x - t as f64 >= 0.5 {
        t.saturating_add(1)
    } else {
        t
    }
}

/// Successes among `n` trials of probability `p`; draws nothing when the answer is certain
/// (`n = 0`, `p <= 0` or `p >= 1`).
#[inline(always)]
pub fn binomial<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    binomial_draw(rng, n, p)
}

/// The draw itself, kept out of line so the certain cases above inline to two comparisons
/// (exact mode asks once per record whether it was written twice, almost always with `p = 0`).
#[inline(never)]
fn binomial_draw<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    rand_distr::Binomial::new(n, p).map_or(0, |b| b.sample(rng))
}

/// Why a distribution cannot be built from the numbers given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DistError {
    #[error("the median must be positive")]
    MedianNotPositive,
    #[error("p99 must be at least the median")]
    P99BelowMedian,
}

/// The 99th percentile of the standard normal distribution.
const Z99: f64 = 2.326_347_874_040_841;

impl Dist {
    /// A log-normal distribution with the given median and 99th percentile (`p99 >= median > 0`).
    pub fn lognormal_from_median_p99(median: f64, p99: f64) -> Result<Dist, DistError> {
        if median <= 0.0 || !median.is_finite() {
            return Err(DistError::MedianNotPositive);
        }
        if p99 < median || !p99.is_finite() {
            return Err(DistError::P99BelowMedian);
        }
        Ok(Dist::LogNormal {
            mu: median.ln(),
            sigma: (p99 / median).ln() / Z99,
        })
    }

    /// Draws one value (never negative).
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            Dist::Fixed(v) => v,
            Dist::Exponential { mean } => {
                let e: f64 = Exp1.sample(rng);
                e * mean
            }
            Dist::LogNormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
            Dist::Uniform { min, max } => min + (max - min) * rng.random::<f64>(),
        }
    }

    /// The mean.
    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Fixed(v) => v,
            Dist::Exponential { mean } => mean,
            Dist::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Uniform { min, max } => (min + max) / 2.0,
        }
    }

    /// The largest value drawn; for a law without one (exponential, log-normal), its 99th
    /// percentile.
    pub fn upper(&self) -> f64 {
        match *self {
            Dist::Fixed(v) => v,
            Dist::Exponential { mean } => mean * 100f64.ln(),
            Dist::LogNormal { mu, sigma } => (mu + sigma * Z99).exp(),
            Dist::Uniform { max, .. } => max,
        }
    }

    /// The variance.
    pub fn variance(&self) -> f64 {
        match *self {
            Dist::Fixed(_) => 0.0,
            Dist::Exponential { mean } => mean * mean,
            Dist::LogNormal { mu, sigma } => {
                let s2 = sigma * sigma;
                (s2.exp() - 1.0) * (2.0 * mu + s2).exp()
            }
            Dist::Uniform { min, max } => (max - min).powi(2) / 12.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn sample_mean_var(d: &Dist) -> (f64, f64) {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
        (m, v)
    }

    #[test]
    fn round_u64_matches_round_then_cast() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            0.49999999999999994,
            -0.4,
            -0.5,
            -3.7,
            4503599627370495.5,
            4503599627370496.0,
            9007199254740993.0,
            1.8446744073709552e19,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
        ];
        for _ in 0..200_000 {
            let scale = 10f64.powi(rng.random_range(-3..20));
            xs.push(rng.random::<f64>() * scale);
            xs.push(rng.random_range(0..1_000_000) as f64 + 0.5);
            xs.push(f64::from_bits(rng.random::<u64>()));
        }
        for x in xs {
            assert_eq!(round_u64(x), x.round() as u64, "{x:e}");
        }
    }

    #[test]
    fn sample_moments_match_the_formulas() {
        let ds = [
            Dist::Fixed(3.0),
            Dist::Exponential { mean: 2.0 },
            Dist::lognormal_from_median_p99(40.0, 400.0).unwrap(),
            Dist::Uniform { min: 1.0, max: 5.0 },
        ];
        for d in ds {
            let (m, v) = sample_mean_var(&d);
            assert!((m - d.mean()).abs() <= 0.02 * d.mean(), "{d:?}: mean {m}");
            assert!(
                (v - d.variance()).abs() <= 0.1 * d.variance().max(1e-9),
                "{d:?}: var {v}"
            );
        }
    }

    #[test]
    fn lognormal_hits_its_median_and_p99() {
        let d = Dist::lognormal_from_median_p99(40.0, 400.0).unwrap();
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(9);
        let mut xs: Vec<f64> = (0..100_000).map(|_| d.sample(&mut rng)).collect();
        xs.sort_by(f64::total_cmp);
        assert!((xs[50_000] / 40.0 - 1.0).abs() < 0.03);
        assert!((xs[99_000] / 400.0 - 1.0).abs() < 0.08);
        assert!(Dist::lognormal_from_median_p99(40.0, 10.0).is_err());
    }
}
