//! A log-bucketed histogram of latencies with a fixed relative precision, filled in bulk: a
//! bucket takes any number of records at once, so a batch's records are counted per bucket they
//! fall in, not one by one.
//!
//! Values are kept in whole microseconds (a latency in ns is truncated to µs). Below 256 µs each
//! microsecond has its own bucket; above, every power of two is cut into 128 buckets, so a bucket
//! is at most 1/128 (0.78%) of its lower edge wide. A percentile is reported at its bucket's
//! midpoint, so it is within 0.4% (plus 1 µs of truncation) of the exact nearest-rank value. The
//! sum and the maximum are kept exactly, in ns. Counts are integers: merging histograms (threads,
//! replicates) gives the same answer in any order.

use crate::engine::time::US;
use crate::engine::Nanos;

/// Sub-buckets per power of two (2^7 = 128).
const SUB_BITS: u32 = 7;
const SUB: u64 = 1 << SUB_BITS;

/// The bucket of a value in µs.
#[inline(always)]
pub(super) fn index_of(us: u64) -> usize {
    if us < 2 * SUB {
        us as usize
    } else {
        let e = 63 - us.leading_zeros() - SUB_BITS;
        (e as u64 * SUB + (us >> e)) as usize
    }
}

/// The smallest value (µs) of bucket `k`.
#[inline(always)]
pub(super) fn lower_of(k: usize) -> u64 {
    let k = k as u64;
    if k < 2 * SUB {
        k
    } else {
        let e = k / SUB - 1;
        (k % SUB + SUB) << e
    }
}

/// One past the largest value (µs) of bucket `k`.
fn upper_of(k: usize) -> u64 {
    let k = k as u64;
    if k < 2 * SUB {
        k + 1
    } else {
        let e = k / SUB - 1;
        (k % SUB + SUB + 1) << e
    }
}

/// Latencies of records; see the module documentation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LatencyHistogram {
    counts: Vec<u64>,
    len: u64,
    /// Exact sum of the values, in ns.
    pub(super) sum_ns: u128,
    /// Exact largest value, in ns.
    pub(super) max_ns: Nanos,
}

impl LatencyHistogram {
    /// Adds `n` records whose values fall in bucket `k`.
    #[inline]
    pub(super) fn add(&mut self, k: usize, n: u64) {
        if k >= self.counts.len() {
            self.grow(k);
        }
        self.counts[k] += n;
        self.len += n;
    }

    /// Adds `n` records of the same value `ns` (its sum and maximum too).
    #[inline]
    pub(super) fn add_same(&mut self, ns: Nanos, n: u64) {
        self.add(index_of(ns / US), n);
        self.sum_ns += u128::from(ns) * u128::from(n);
        self.max_ns = self.max_ns.max(ns);
    }

    #[cold]
    fn grow(&mut self, k: usize) {
        // Whole powers of two at a time: a histogram of one-second latencies holds ~1,800 counts.
        self.counts.resize((k | (SUB as usize - 1)) + 1, 0);
    }

    /// Number of records counted.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Mean in ns (0 when empty).
    pub fn mean_ns(&self) -> f64 {
        if self.len == 0 {
            0.0
        } else {
            self.sum_ns as f64 / self.len as f64
        }
    }

    /// Largest value in ns, exact (0 when empty).
    pub fn max_ns(&self) -> Nanos {
        self.max_ns
    }

    /// The nearest-rank value at `quantile` (0 to 1), in ns: the midpoint of the bucket where the
    /// running count reaches `ceil(quantile * len)` (at least 1; a bucket of one microsecond, below
    /// 256 µs, is that microsecond), never above the exact maximum. 0 when empty.
    pub fn quantile_ns(&self, quantile: f64) -> f64 {
        if self.len == 0 {
            return 0.0;
        }
        let target = ((quantile.clamp(0.0, 1.0) * self.len as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (k, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= target {
                let us = if k < 2 * SUB as usize {
                    lower_of(k) as f64
                } else {
                    (lower_of(k) + upper_of(k)) as f64 / 2.0
                };
                return (us * US as f64).min(self.max_ns as f64);
            }
        }
        self.max_ns as f64
    }

    /// Adds every record `other` counted: counts, sums and maxima combine exactly, in any order.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        if other.counts.len() > self.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
        self.len += other.len;
        self.sum_ns += other.sum_ns;
        self.max_ns = self.max_ns.max(other.max_ns);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_tile_the_values_and_are_at_most_a_128th_wide() {
        let mut next = 0;
        for k in 0..(60 * SUB as usize) {
            assert_eq!(lower_of(k), next, "bucket {k} starts where {} ends", k - 1);
            let (lo, hi) = (lower_of(k), upper_of(k));
            assert!(hi > lo);
            assert!((hi - lo) * SUB <= lo.max(SUB), "bucket {k}: {lo}..{hi}");
            assert_eq!(index_of(lo), k);
            assert_eq!(index_of(hi - 1), k);
            next = hi;
            if hi > u64::MAX / 4 {
                break;
            }
        }
        assert_eq!(index_of(u64::MAX), index_of(u64::MAX - 1));
    }

    #[test]
    fn quantiles_are_within_the_stated_precision() {
        let mut h = LatencyHistogram::default();
        let values: Vec<Nanos> = (1..=10_000u64).map(|i| i * 123_457).collect();
        for &v in &values {
            h.add_same(v, 1);
        }
        for q in [0.01, 0.5, 0.9, 0.99, 1.0] {
            let exact = values[((q * values.len() as f64).ceil() as usize).max(1) - 1] as f64;
            let got = h.quantile_ns(q);
            assert!(
                (got - exact).abs() <= exact * 0.004 + 1_000.0,
                "q {q}: {got} vs {exact}"
            );
        }
        assert_eq!(h.max_ns(), *values.last().unwrap());
        let mean = values.iter().sum::<u64>() as f64 / values.len() as f64;
        assert_eq!(h.mean_ns(), mean);
    }

    #[test]
    fn merging_equals_counting_everything_in_one() {
        let mut a = LatencyHistogram::default();
        let mut b = LatencyHistogram::default();
        let mut all = LatencyHistogram::default();
        for i in 0..3_000u64 {
            let v = (i * 7_919) % 5_000_000 + i * i;
            let part: &mut LatencyHistogram = if i % 3 == 0 { &mut a } else { &mut b };
            part.add_same(v, i % 4 + 1);
            all.add_same(v, i % 4 + 1);
        }
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b;
        ba.merge(&a);
        assert_eq!(ab.len(), all.len());
        for q in [0.0, 0.3, 0.5, 0.99, 1.0] {
            assert_eq!(ab.quantile_ns(q), all.quantile_ns(q));
            assert_eq!(ba.quantile_ns(q), all.quantile_ns(q));
        }
        assert_eq!((ab.sum_ns, ab.max_ns), (all.sum_ns, all.max_ns));
    }
}
