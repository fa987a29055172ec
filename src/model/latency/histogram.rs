//! A log-bucketed histogram of latencies with a fixed relative precision, filled in bulk: a
//! bucket takes any number of records at once, so a batch's records are counted per bucket they
//! fall in, not one by one.
//!
//! The percentiles may come from a sample of the records ([`LatencyHistogram::add_sample`]) while
//! the mean and the maximum cover all of them ([`LatencyHistogram::add_records`]).
//!
//! Values are kept in whole microseconds (a latency in ns is truncated to µs). Below 128 µs each
//! microsecond has its own bucket; above, every power of two is cut into 64 buckets, so a bucket
//! is at most 1/64 (1.6%) of its lower edge wide. A percentile is reported at its bucket's
//! midpoint, so it is within 0.8% (plus 1 µs of truncation) of the exact nearest-rank value. The
//! sum and the maximum are kept exactly, in ns. Counts are integers: merging histograms (threads,
//! replicates) gives the same answer in any order.

use crate::engine::time::US;
use crate::engine::Nanos;

/// Sub-buckets per power of two (2^6 = 64).
const SUB_BITS: u32 = 6;
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
    /// Records in `counts` (all of them, or a sample).
    sampled: u64,
    /// Records counted in the sum and the maximum (all of them).
    len: u64,
    /// Exact sum of the values, in ns.
    pub(super) sum_ns: u128,
    /// Exact largest value, in ns.
    pub(super) max_ns: Nanos,
    /// The last run of equal values added by [`LatencyHistogram::add_same`], not yet counted
    /// (value in ns, records): consecutive reads often give a part the same value (no delivery
    /// delay, a free lane), and counting them here costs a comparison. Every reading counts it;
    /// [`LatencyHistogram::settle`] moves it into the counts.
    run: (Nanos, u64),
}

impl LatencyHistogram {
    /// Counts `n` records whose values fall in bucket `k` (in the percentiles only).
    #[inline]
    pub(super) fn add(&mut self, k: usize, n: u64) {
        if k >= self.counts.len() {
            self.grow(k);
        }
        self.counts[k] += n;
        self.sampled += n;
    }

    /// Counts one sampled record of value `ns` in the percentiles (its sum and maximum are added
    /// with the rest of its records, by [`LatencyHistogram::add_records`]).
    #[inline]
    pub(super) fn add_sample(&mut self, ns: Nanos) {
        self.add(index_of(ns / US), 1);
    }

    /// Adds `n` records whose values sum to `sum_ns` and reach at most `max_ns` to the mean and
    /// the maximum (their percentiles come from [`LatencyHistogram::add_sample`]).
    #[inline]
    pub(super) fn add_records(&mut self, n: u64, sum_ns: u128, max_ns: Nanos) {
        self.len += n;
        self.sum_ns += sum_ns;
        self.max_ns = self.max_ns.max(max_ns);
    }

    /// Adds `n` records of the same value `ns`: to the percentiles, the sum and the maximum.
    #[inline]
    pub(super) fn add_same(&mut self, ns: Nanos, n: u64) {
        if ns == self.run.0 {
            self.run.1 += n;
        } else {
            self.settle();
            self.run = (ns, n);
        }
    }

    /// Counts the run of equal values [`LatencyHistogram::add_same`] holds back (the readings
    /// below count it without this).
    pub(super) fn settle(&mut self) {
        let (ns, n) = std::mem::take(&mut self.run);
        if n > 0 {
            self.add(index_of(ns / US), n);
            self.add_records(n, u128::from(ns) * u128::from(n), ns);
        }
    }

    #[cold]
    fn grow(&mut self, k: usize) {
        // Whole powers of two at a time: a histogram of one-second latencies holds ~1,000 counts.
        // Room for latencies up to ~2 minutes from the start, so that growing does not copy.
        let len = (k | (SUB as usize - 1)) + 1;
        if self.counts.capacity() == 0 {
            self.counts
                .reserve(len.max(index_of(1 << 27) + SUB as usize));
        }
        self.counts.resize(len, 0);
    }

    /// Number of records counted.
    pub fn len(&self) -> u64 {
        self.len + self.run.1
    }

    /// Number of records the percentiles are taken from (`len`, or the sample of it).
    pub fn sampled(&self) -> u64 {
        self.sampled + self.run.1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Mean in ns (0 when empty).
    pub fn mean_ns(&self) -> f64 {
        let (ns, n) = self.run;
        match self.len() {
            0 => 0.0,
            len => (self.sum_ns + u128::from(ns) * u128::from(n)) as f64 / len as f64,
        }
    }

    /// Largest value in ns, exact (0 when empty).
    pub fn max_ns(&self) -> Nanos {
        match self.run {
            (ns, n) if n > 0 => self.max_ns.max(ns),
            _ => self.max_ns,
        }
    }

    /// The nearest-rank value at `quantile` (0 to 1) of the counted (sampled) records, in ns: the
    /// midpoint of the bucket where the running count reaches `ceil(quantile * sampled)` (at least
    /// 1; a bucket of one microsecond, below 128 µs, is that microsecond), never above the exact
    /// maximum. 0 when nothing was sampled.
    pub fn quantile_ns(&self, quantile: f64) -> f64 {
        self.quantiles_ns([quantile])[0]
    }

    /// [`LatencyHistogram::quantile_ns`] of each of `quantiles` (rising), in one pass.
    pub fn quantiles_ns<const N: usize>(&self, quantiles: [f64; N]) -> [f64; N] {
        let sampled = self.sampled();
        if sampled == 0 {
            return [0.0; N];
        }
        let max = self.max_ns() as f64;
        let targets =
            quantiles.map(|q| ((q.clamp(0.0, 1.0) * sampled as f64).ceil() as u64).max(1));
        // The run held back, in its bucket (which may lie past the counts).
        let (run_k, run_n) = (index_of(self.run.0 / US), self.run.1);
        let mut out = [max; N];
        let mut next = 0;
        let mut seen = 0;
        let past = self.counts.len()..=run_k;
        for (k, &c) in self.counts.iter().chain(past.map(|_| &0)).enumerate() {
            seen += c;
            if k == run_k {
                seen += run_n;
            }
            if seen < targets[next] {
                continue;
            }
            while next < N && seen >= targets[next] {
                let us = if k < 2 * SUB as usize {
                    lower_of(k) as f64
                } else {
                    (lower_of(k) + upper_of(k)) as f64 / 2.0
                };
                out[next] = (us * US as f64).min(max);
                next += 1;
            }
            if next == N {
                break;
            }
        }
        out
    }

    /// Adds every record `other` counted: counts, sums and maxima combine exactly, in any order.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        self.settle();
        let (ns, n) = other.run;
        self.add_same(ns, n);
        self.settle();
        if other.counts.len() > self.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
        self.sampled += other.sampled;
        self.len += other.len;
        self.sum_ns += other.sum_ns;
        self.max_ns = self.max_ns.max(other.max_ns);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_tile_the_values_and_are_at_most_a_64th_wide() {
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
                (got - exact).abs() <= exact * 0.008 + 1_000.0,
                "q {q}: {got} vs {exact}"
            );
        }
        assert_eq!(h.max_ns(), *values.last().unwrap());
        let mean = values.iter().sum::<u64>() as f64 / values.len() as f64;
        assert_eq!(h.mean_ns(), mean);
    }

    #[test]
    fn merging_equals_counting_everything_in_one_and_settles_the_runs_of_both() {
        let mut a = LatencyHistogram::default();
        let mut b = LatencyHistogram::default();
        let mut all = LatencyHistogram::default();
        for i in 0..3_000u64 {
            // Runs of equal values (held back until settled) and distinct ones.
            let v = if i % 5 < 3 {
                1_234_567
            } else {
                (i * 7_919) % 5_000_000 + i * i
            };
            let part: &mut LatencyHistogram = if i % 3 == 0 { &mut a } else { &mut b };
            part.add_same(v, i % 4 + 1);
            all.add_same(v, i % 4 + 1);
        }
        all.settle();
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
