//! What a run measures, per consumer and per stream, in whole-run counters and per-minute buckets.
//!
//! IteratorAge follows the Lambda definition: one sample per invocation, the age of the last record
//! of the batch. Per-minute buckets hold the Average and Maximum CloudWatch would show; the run-wide
//! distribution (after warm-up) goes into an HDR histogram with 3 significant digits.

use super::latency::LatencyMetrics;
use crate::engine::time::{MIN, US};
use crate::engine::Nanos;

/// Largest age tracked, in microseconds (400 days); larger samples count as this.
const AGE_HIGH_US: u64 = 400 * 24 * 3600 * 1_000_000;

/// An HDR histogram of IteratorAge in microseconds with 3 significant digits (2,048 sub-buckets,
/// values 1 to 400 days), answering exactly as `hdrhistogram::Histogram::new_with_bounds(1,
/// 400 days, 3)` fed with `saturating_record` would: the same buckets, quantiles and maximum.
///
/// It exists for speed: its counts grow only as far as the largest age seen, and each sample's
/// counter is prefetched and incremented at the next sample, so that a cache miss on a counter
/// (ages spread over tens of kilobytes of counters per consumer) no longer stalls the event loop.
#[derive(Clone, Debug, Default)]
pub struct AgeHistogram {
    /// The count of each sub-bucket modulo 2^32 (half the memory of `u64` counts, which matters
    /// when every reader falls far behind: tens of thousands of sub-buckets per consumer).
    counts: Vec<u32>,
    /// The sub-buckets whose count passed `u32::MAX`, with how many times it wrapped.
    wraps: Vec<(usize, u64)>,
    /// Index whose increment is deferred to the next sample.
    pending: Option<usize>,
    total: u64,
    /// Largest (clamped) value recorded.
    max_value: u64,
}

/// Sub-buckets per bucket half: 1,024 (3 significant digits need 2,048 sub-buckets).
const HALF_MAGNITUDE: u32 = 10;
const SUB_MASK: u64 = (1 << (HALF_MAGNITUDE + 1)) - 1;
/// 64 - unit magnitude (0) - sub-bucket count magnitude (11).
const LZ_BASE: u32 = 53;

#[inline(always)]
fn bucket_for(v: u64) -> u32 {
    LZ_BASE - (v | SUB_MASK).leading_zeros()
}

#[inline(always)]
fn index_for(v: u64) -> usize {
    let b = bucket_for(v);
    let sub = (v >> b) as usize;
    ((b as usize + 1) << HALF_MAGNITUDE) + sub - (1 << HALF_MAGNITUDE)
}

fn value_for(index: usize) -> u64 {
    let mut b = (index >> HALF_MAGNITUDE) as i64 - 1;
    let mut sub = (index as u64 & ((1 << HALF_MAGNITUDE) - 1)) + (1 << HALF_MAGNITUDE);
    if b < 0 {
        sub -= 1 << HALF_MAGNITUDE;
        b = 0;
    }
    sub << b
}

fn highest_equivalent(v: u64) -> u64 {
    let b = bucket_for(v);
    ((v >> b) << b) + (1u64 << b) - 1
}

impl AgeHistogram {
    /// Records one value (microseconds, at least 1), clamped to 400 days.
    #[inline]
    pub fn saturating_record(&mut self, value: u64) {
        let v = value.min(AGE_HIGH_US);
        let i = index_for(v);
        if i >= self.counts.len() {
            self.grow_to(i);
        }
        #[cfg(target_arch = "x86_64")]
        // SAFETY: prefetching is a hint; `i` is in bounds, and the pointer is never dereferenced.
        unsafe {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            _mm_prefetch::<_MM_HINT_T0>(self.counts.as_ptr().add(i).cast());
        }
        if let Some(p) = self.pending.replace(i) {
            self.bump(p);
        }
        self.total += 1;
        self.max_value = self.max_value.max(v);
    }

    /// Makes room for index `i`, up to the end of its bucket (1,024 counts) and no further (the
    /// length is part of what a histogram is; a histogram holds at most 37 x 1,024 counts, under
    /// 300 KiB). The capacity grows by doubling: when every reader falls further behind, ages
    /// cross a bucket every few minutes, and growing exactly copied the whole histogram each time.
    #[cold]
    #[inline(never)]
    fn grow_to(&mut self, i: usize) {
        let len = ((i >> HALF_MAGNITUDE) + 1) << HALF_MAGNITUDE;
        self.counts.resize(len, 0);
    }

    /// Adds one to sub-bucket `p`.
    #[inline(always)]
    fn bump(&mut self, p: usize) {
        let c = &mut self.counts[p];
        *c = c.wrapping_add(1);
        if *c == 0 {
            self.wrapped(p, 1);
        }
    }

    /// Notes that sub-bucket `p`'s count passed `u32::MAX` `n` more times.
    #[cold]
    fn wrapped(&mut self, p: usize, n: u64) {
        match self.wraps.iter_mut().find(|w| w.0 == p) {
            Some(w) => w.1 += n,
            None => self.wraps.push((p, n)),
        }
    }

    /// What the wraps and the deferred increment add to the sub-buckets `[from, to)`.
    fn extra_in(&self, from: usize, to: usize) -> u64 {
        let wraps: u64 = (self.wraps.iter())
            .filter(|w| (from..to).contains(&w.0))
            .map(|w| w.1 << 32)
            .sum();
        wraps + u64::from(self.pending.is_some_and(|p| (from..to).contains(&p)))
    }

    /// Adds every value `other` recorded, as if they had been recorded here: the counts, the total
    /// and the maximum combine exactly, whatever the order the values came in.
    pub fn merge(&mut self, other: &AgeHistogram) {
        self.flush();
        if other.counts.len() > self.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for i in 0..other.counts.len() {
            let (sum, wrapped) = self.counts[i].overflowing_add(other.counts[i]);
            self.counts[i] = sum;
            if wrapped {
                self.wrapped(i, 1);
            }
        }
        for &(p, n) in &other.wraps {
            self.wrapped(p, n);
        }
        if let Some(p) = other.pending {
            self.bump(p);
        }
        self.total += other.total;
        self.max_value = self.max_value.max(other.max_value);
    }

    /// Applies the deferred increment.
    fn flush(&mut self) {
        if let Some(p) = self.pending.take() {
            self.bump(p);
        }
    }

    /// Number of values recorded.
    pub fn len(&self) -> u64 {
        self.total
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The largest value recorded, at the top of its bucket (0 if none).
    pub fn max(&self) -> u64 {
        if self.total == 0 {
            0
        } else {
            highest_equivalent(self.max_value)
        }
    }

    /// The value at `quantile` (0 to 1): the top of the first bucket where the running count
    /// reaches `ceil(quantile * len)` (at least 1), as HDR histograms define it.
    pub fn value_at_quantile(&self, quantile: f64) -> u64 {
        let quantile = quantile.min(1.0);
        let target = ((quantile * self.total as f64).ceil() as u64).max(1);
        // Whole buckets are summed first (a loop the compiler vectorizes), and only the bucket where
        // the running count reaches the target is walked one count at a time.
        const BUCKET: usize = 1 << HALF_MAGNITUDE;
        let mut seen = 0u64;
        let mut from = 0;
        while from < self.counts.len() {
            let to = (from + BUCKET).min(self.counts.len());
            let sum: u64 = self.counts[from..to].iter().map(|&c| u64::from(c)).sum();
            let sum = sum + self.extra_in(from, to);
            if seen + sum >= target {
                break;
            }
            seen += sum;
            from = to;
        }
        for i in from..self.counts.len() {
            seen += u64::from(self.counts[i]) + self.extra_in(i, i + 1);
            if seen >= target {
                let v = value_for(i);
                return if quantile == 0.0 {
                    (v >> bucket_for(v)) << bucket_for(v)
                } else {
                    highest_equivalent(v)
                };
            }
        }
        0
    }
}

/// One simulated minute of one consumer: 40 bytes, since a long run keeps one per consumer per
/// minute. Event counts are `u32` (they saturate at 4.29 billion per consumer-minute, 71 million
/// per second, far beyond any stream); sums of nanoseconds and records stay `u64`.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Minute {
    pub age_sum_ns: u64,
    pub age_max_ns: u64,
    pub records_processed: u64,
    pub age_samples: u32,
    pub throttled_reads: u32,
    pub invocations: u32,
    pub errors: u32,
}

impl Minute {
    /// Adds the same minute of another part of the consumer. Counts saturate as [`bump`] does, and
    /// a saturating sum of non-negative counts is the same in any order.
    fn absorb(&mut self, other: &Minute) {
        self.age_sum_ns += other.age_sum_ns;
        self.age_max_ns = self.age_max_ns.max(other.age_max_ns);
        self.records_processed += other.records_processed;
        self.age_samples = self.age_samples.saturating_add(other.age_samples);
        self.throttled_reads = self.throttled_reads.saturating_add(other.throttled_reads);
        self.invocations = self.invocations.saturating_add(other.invocations);
        self.errors = self.errors.saturating_add(other.errors);
    }
}

/// Adds one to a [`Minute`] count, saturating.
#[inline(always)]
fn bump(count: &mut u32) {
    *count = count.saturating_add(1);
}

/// Everything measured about one consumer (over all shards of its stream).
#[derive(Clone, Debug)]
pub struct ConsumerMetrics {
    pub records_processed: u64,
    pub records_discarded: u64,
    pub records_expired: u64,
    pub invocations: u64,
    pub errors: u64,
    pub retries: u64,
    pub duplicates: u64,
    /// Of `duplicates`: copies the source wrote twice (not redeliveries).
    pub source_duplicates: u64,
    pub read_calls: u64,
    pub throttled_reads: u64,
    pub cold_starts: u64,
    /// Summed invocation durations (what Lambda bills, before memory).
    pub billed_ns: u64,
    /// Summed durations of fan-out downstream calls.
    pub downstream_billed_ns: u64,
    /// Bytes pushed by enhanced fan-out (EFO data retrieval).
    pub efo_bytes: u64,
    /// Bytes read, by GetRecords or pushes.
    pub bytes_read: u64,
    pub concurrency: u32,
    pub peak_concurrency: u32,
    /// Invocations Lambda rejected for lack of concurrency (each retried later).
    pub throttled_invocations: u64,
    /// A router's records sent to an output stream, and those no route took.
    pub records_routed: u64,
    pub records_filtered: u64,
    /// IteratorAge measured from each record's first write anywhere (streams fed by routers),
    /// after warm-up, in microseconds; and its sum in ns.
    pub origin_hist: AgeHistogram,
    pub origin_age_sum_ns: u128,
    /// First-write-to-successful-processing latency, summed over records processed, and its max.
    pub origin_e2e_sum_ns: u128,
    pub origin_e2e_max_ns: Nanos,
    /// IteratorAge samples after warm-up, in microseconds.
    pub age_hist: AgeHistogram,
    pub age_sum_ns: u128,
    /// Write-to-first-send latency, summed over records sent for the first time.
    pub delivery_sum_ns: u128,
    pub delivery_records: u64,
    /// Write-to-successful-processing latency, summed over records processed.
    pub e2e_sum_ns: u128,
    pub e2e_max_ns: Nanos,
    /// Single-record latency, write to handler start, and its parts (`model/latency`).
    pub latency: LatencyMetrics,
    pub minutes: Vec<Minute>,
    warmup: Nanos,
}

impl ConsumerMetrics {
    /// Metrics of a run of `duration` whose first `warmup` is left out of the statistics; the
    /// latency percentiles sample one record in `latency_sample` (a power of two).
    pub fn new(duration: Nanos, warmup: Nanos, latency_sample: u64) -> Self {
        let minutes = (duration / MIN + 1) as usize;
        ConsumerMetrics {
            records_processed: 0,
            records_discarded: 0,
            records_expired: 0,
            invocations: 0,
            errors: 0,
            retries: 0,
            duplicates: 0,
            source_duplicates: 0,
            read_calls: 0,
            throttled_reads: 0,
            cold_starts: 0,
            billed_ns: 0,
            downstream_billed_ns: 0,
            efo_bytes: 0,
            bytes_read: 0,
            concurrency: 0,
            peak_concurrency: 0,
            throttled_invocations: 0,
            records_routed: 0,
            records_filtered: 0,
            origin_hist: AgeHistogram::default(),
            origin_age_sum_ns: 0,
            origin_e2e_sum_ns: 0,
            origin_e2e_max_ns: 0,
            age_hist: AgeHistogram::default(),
            age_sum_ns: 0,
            delivery_sum_ns: 0,
            delivery_records: 0,
            e2e_sum_ns: 0,
            e2e_max_ns: 0,
            latency: LatencyMetrics::new(warmup, latency_sample),
            minutes: vec![Minute::default(); minutes],
            warmup,
        }
    }

    #[inline]
    pub fn minute(&mut self, now: Nanos) -> &mut Minute {
        let i = ((now / MIN) as usize).min(self.minutes.len() - 1);
        &mut self.minutes[i]
    }

    /// Records one IteratorAge sample taken at `now`.
    #[inline]
    pub fn age_sample(&mut self, now: Nanos, age: Nanos) {
        let m = self.minute(now);
        bump(&mut m.age_samples);
        m.age_sum_ns += age;
        m.age_max_ns = m.age_max_ns.max(age);
        if now >= self.warmup {
            self.age_hist.saturating_record((age / US).max(1));
            self.age_sum_ns += age as u128;
        }
    }

    /// Records one IteratorAge sample taken at `now`, measured from the record's first write.
    pub fn origin_age_sample(&mut self, now: Nanos, age: Nanos) {
        if now >= self.warmup {
            self.origin_hist.saturating_record((age / US).max(1));
            self.origin_age_sum_ns += age as u128;
        }
    }

    #[inline]
    pub fn throttled(&mut self, now: Nanos) {
        self.throttled_reads += 1;
        bump(&mut self.minute(now).throttled_reads);
    }

    /// Counts one invocation sent at `now`.
    #[inline]
    pub fn invoked(&mut self, now: Nanos) {
        self.invocations += 1;
        bump(&mut self.minute(now).invocations);
    }

    /// Counts one failed invocation that ended at `now`.
    #[inline]
    pub fn errored(&mut self, now: Nanos) {
        self.errors += 1;
        bump(&mut self.minute(now).errors);
    }

    /// Adds what `other` measured on other shards of the same consumer: counts and sums add, maxima
    /// combine, histograms and minute buckets merge (integers only, so the order of merging does not
    /// matter). Concurrency is left alone: its peak is a peak of a sum over time, which the parts
    /// cannot tell.
    pub fn absorb(&mut self, other: &ConsumerMetrics) {
        let ConsumerMetrics {
            records_processed,
            records_discarded,
            records_expired,
            invocations,
            errors,
            retries,
            duplicates,
            source_duplicates,
            read_calls,
            throttled_reads,
            cold_starts,
            billed_ns,
            downstream_billed_ns,
            efo_bytes,
            bytes_read,
            concurrency: _,
            peak_concurrency: _,
            throttled_invocations,
            records_routed,
            records_filtered,
            origin_hist,
            origin_age_sum_ns,
            origin_e2e_sum_ns,
            origin_e2e_max_ns,
            age_hist,
            age_sum_ns,
            delivery_sum_ns,
            delivery_records,
            e2e_sum_ns,
            e2e_max_ns,
            latency,
            minutes,
            warmup: _,
        } = other;
        for (mine, theirs) in [
            (&mut self.records_processed, records_processed),
            (&mut self.records_discarded, records_discarded),
            (&mut self.records_expired, records_expired),
            (&mut self.invocations, invocations),
            (&mut self.errors, errors),
            (&mut self.retries, retries),
            (&mut self.duplicates, duplicates),
            (&mut self.source_duplicates, source_duplicates),
            (&mut self.read_calls, read_calls),
            (&mut self.throttled_reads, throttled_reads),
            (&mut self.cold_starts, cold_starts),
            (&mut self.billed_ns, billed_ns),
            (&mut self.downstream_billed_ns, downstream_billed_ns),
            (&mut self.efo_bytes, efo_bytes),
            (&mut self.bytes_read, bytes_read),
            (&mut self.throttled_invocations, throttled_invocations),
            (&mut self.records_routed, records_routed),
            (&mut self.records_filtered, records_filtered),
            (&mut self.delivery_records, delivery_records),
        ] {
            *mine += theirs;
        }
        for (mine, theirs) in [
            (&mut self.origin_age_sum_ns, origin_age_sum_ns),
            (&mut self.origin_e2e_sum_ns, origin_e2e_sum_ns),
            (&mut self.age_sum_ns, age_sum_ns),
            (&mut self.delivery_sum_ns, delivery_sum_ns),
            (&mut self.e2e_sum_ns, e2e_sum_ns),
        ] {
            *mine += theirs;
        }
        self.origin_e2e_max_ns = self.origin_e2e_max_ns.max(*origin_e2e_max_ns);
        self.e2e_max_ns = self.e2e_max_ns.max(*e2e_max_ns);
        self.origin_hist.merge(origin_hist);
        self.age_hist.merge(age_hist);
        self.latency.merge(latency);
        for (mine, theirs) in self.minutes.iter_mut().zip(minutes) {
            mine.absorb(theirs);
        }
    }

    /// First minute index at or after warm-up.
    pub fn first_minute(&self) -> usize {
        self.warmup.div_ceil(MIN) as usize
    }

    /// Minutes that lie wholly or partly after warm-up and before the end of the run.
    pub fn measured_minutes(&self, duration: Nanos) -> std::ops::Range<usize> {
        let end = (duration.div_ceil(MIN) as usize).min(self.minutes.len());
        self.first_minute().min(end)..end
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hdrhistogram::Histogram;
    use rand::{Rng, SeedableRng};

    #[test]
    fn the_age_histogram_answers_like_hdrhistogram() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(17);
        for round in 0..40 {
            let mut want = Histogram::<u64>::new_with_bounds(1, AGE_HIGH_US, 3).unwrap();
            let mut got = AgeHistogram::default();
            let n = [0, 1, 2, 7, 1000, 20_000][round % 6];
            for _ in 0..n {
                let v = match rng.random_range(0..4) {
                    0 => rng.random_range(1..3000),
                    1 => rng.random_range(1..10_000_000),
                    2 => 1u64 << rng.random_range(0..63),
                    _ => rng.random_range(1..u64::MAX),
                };
                want.saturating_record(v);
                got.saturating_record(v);
            }
            assert_eq!(got.len(), want.len());
            assert_eq!(got.max(), if n == 0 { 0 } else { want.max() });
            for q in [0.0, 0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0, 1.5] {
                assert_eq!(
                    got.value_at_quantile(q),
                    want.value_at_quantile(q),
                    "round {round} q {q}"
                );
            }
        }
    }

    #[test]
    fn merged_histograms_answer_as_one_fed_every_value() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        let mut all = AgeHistogram::default();
        let mut a = AgeHistogram::default();
        let mut b = AgeHistogram::default();
        for i in 0..5000 {
            let v = 1u64 << rng.random_range(0..40) | rng.random_range(1..1000);
            all.saturating_record(v);
            if i % 3 == 0 {
                a.saturating_record(v)
            } else {
                b.saturating_record(v)
            }
        }
        a.merge(&b);
        assert_eq!(a.len(), all.len());
        assert_eq!(a.max(), all.max());
        for q in [0.0, 0.1, 0.5, 0.99, 0.999, 1.0] {
            assert_eq!(a.value_at_quantile(q), all.value_at_quantile(q));
        }
    }

    /// A sub-bucket counted past `u32::MAX` keeps its exact count, alone and merged, and the
    /// quantiles see it.
    #[test]
    fn counts_past_u32_max_carry_on_exactly() {
        let mut h = AgeHistogram::default();
        h.saturating_record(100);
        h.saturating_record(5_000);
        h.flush();
        let i = index_for(100);
        // As if 2^32 - 2 values of 100 had been recorded, then three more: 2^32 + 1 in all.
        h.counts[i] = u32::MAX - 1;
        h.total += u64::from(u32::MAX) - 2;
        for _ in 0..3 {
            h.saturating_record(100);
        }
        h.flush();
        assert_eq!((h.counts[i], h.wraps.clone()), (1, vec![(i, 1)]));
        let n = (1u64 << 32) + 2;
        assert_eq!(h.len(), n);
        let low = highest_equivalent(100);
        let high = highest_equivalent(5_000);
        // The target count is ceil(q * n): every count but the last is a 100.
        assert_eq!(h.value_at_quantile((n - 1) as f64 / n as f64 - 1e-12), low);
        assert_eq!(h.value_at_quantile(1.0), high);
        // Merging two: the counts of 1 add without wrapping, the wraps add, and a merge whose
        // counts wrap carries too.
        let mut m = h.clone();
        m.merge(&h);
        assert_eq!(
            (m.counts[i], m.wraps.clone(), m.len()),
            (2, vec![(i, 2)], 2 * n)
        );
        let mut full = AgeHistogram::default();
        full.saturating_record(100);
        full.flush();
        full.counts[i] = u32::MAX;
        full.total = u64::from(u32::MAX);
        let mut w = full.clone();
        w.merge(&full);
        assert_eq!((w.counts[i], w.wraps.clone()), (u32::MAX - 1, vec![(i, 1)]));
        assert_eq!(w.value_at_quantile(1.0), low);
    }

    #[test]
    fn minute_counts_saturate_instead_of_wrapping() {
        let mut m = ConsumerMetrics::new(2 * MIN, 0, 1);
        m.minute(0).throttled_reads = u32::MAX - 1;
        m.minute(0).age_samples = u32::MAX;
        m.throttled(0);
        m.throttled(1);
        m.age_sample(2, 5);
        let b = m.minutes[0];
        assert_eq!(b.throttled_reads, u32::MAX);
        assert_eq!(b.age_samples, u32::MAX);
        assert_eq!(b.age_sum_ns, 5);
        // The run totals are u64 and keep counting.
        assert_eq!(m.throttled_reads, 2);
        assert_eq!(std::mem::size_of::<Minute>(), 40);
    }

    #[test]
    fn histogram_grows_by_whole_buckets_only() {
        let mut h = AgeHistogram::default();
        h.saturating_record(1);
        assert_eq!(h.counts.len(), 1024);
        h.saturating_record(5_000);
        assert_eq!(h.counts.capacity(), h.counts.len());
        assert_eq!(h.counts.len() % 1024, 0);
        h.saturating_record(u64::MAX);
        assert!(h.counts.len() <= 37 * 1024, "{}", h.counts.len());
        assert_eq!(h.len(), 3);
    }
}
