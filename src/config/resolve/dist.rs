//! The tagged tables shared by many sections: distributions of durations or sizes, and the wait
//! policies (backoffs) after a rejection.

use super::check::{Keys, R};
use crate::config::raw::{BackoffRaw, JitterRaw};
use crate::config::units::{Bytes, DistRaw, Dur, Tagged};
use crate::dist::Dist;
use crate::model::spec::{Backoff, Jitter};

impl From<Dur> for f64 {
    fn from(d: Dur) -> f64 {
        d.0 as f64
    }
}

impl From<Bytes> for f64 {
    fn from(b: Bytes) -> f64 {
        b.0 as f64
    }
}

/// Builds a distribution of nanoseconds or bytes from its raw form, at key `path`.
pub(super) fn dist<Q: Copy + Into<f64>>(path: &str, raw: &DistRaw<Q>) -> R<Dist> {
    let k = Keys::new(path);
    let t = match raw {
        DistRaw::Bare(v) => return Ok(Dist::Fixed((*v).into())),
        DistRaw::Tagged(t) => t,
    };
    Ok(match *t {
        Tagged::Fixed { value } => Dist::Fixed(value.into()),
        Tagged::Exponential { mean } => {
            let mean: f64 = mean.into();
            if mean <= 0.0 {
                return k.bad("mean", "an exponential mean must be positive");
            }
            Dist::Exponential { mean }
        }
        Tagged::Lognormal { median, p99 } => lognormal(&k, median.into(), p99.into())?,
        Tagged::Uniform { min, max } => {
            let (min, max) = (min.into(), max.into());
            if min > max {
                return k.bad("max", "a uniform distribution needs min <= max");
            }
            Dist::Uniform { min, max }
        }
    })
}

fn lognormal(k: &Keys, median: f64, p99: f64) -> R<Dist> {
    if median <= 0.0 {
        return k.bad(
            "median",
            "impossible log-normal: the median must be positive",
        );
    }
    if p99 < median {
        return k.bad(
            "p99",
            "impossible log-normal: p99 must be at least the median",
        );
    }
    Dist::lognormal_from_median_p99(median, p99)
        .or_else(|m| k.bad("", format!("impossible log-normal: {m}")))
}

/// A wait policy after a rejection, at key `path`.
pub(super) fn backoff(path: &str, b: &BackoffRaw) -> R<Backoff> {
    let k = Keys::new(path);
    Ok(match b {
        BackoffRaw::Fixed { delay } => Backoff::Fixed(delay.0),
        BackoffRaw::Exponential {
            initial,
            multiplier,
            max,
            jitter,
        } => {
            let multiplier = multiplier.unwrap_or(2.0);
            if !(multiplier.is_finite() && multiplier >= 1.0) {
                return k.bad(
                    "multiplier",
                    format!("the multiplier must be at least 1, found {multiplier}"),
                );
            }
            if max.0 < initial.0 {
                return k.bad("max", "the cap must be at least the initial wait");
            }
            Backoff::Exponential {
                initial: initial.0,
                multiplier,
                max: max.0,
                jitter: match jitter {
                    None | Some(JitterRaw::Full) => Jitter::Full,
                    Some(JitterRaw::Equal) => Jitter::Equal,
                    Some(JitterRaw::None) => Jitter::None,
                },
            }
        }
    })
}
