//! What a run measures, per consumer and per stream, in whole-run counters and per-minute buckets.
//!
//! IteratorAge follows the Lambda definition: one sample per invocation, the age of the last record
//! of the batch. Per-minute buckets hold the Average and Maximum CloudWatch would show; the run-wide
//! distribution (after warm-up) goes into an HDR histogram with 3 significant digits.

use crate::engine::time::{MIN, US};
use crate::engine::Nanos;
use hdrhistogram::Histogram;

/// One simulated minute of one consumer.
#[derive(Clone, Copy, Debug, Default)]
pub struct Minute {
    pub age_samples: u64,
    pub age_sum_ns: u64,
    pub age_max_ns: u64,
    pub throttled_reads: u64,
    pub invocations: u64,
    pub errors: u64,
    pub records_processed: u64,
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
    pub read_calls: u64,
    pub throttled_reads: u64,
    pub cold_starts: u64,
    pub concurrency: u32,
    pub peak_concurrency: u32,
    /// IteratorAge samples after warm-up, in microseconds.
    pub age_hist: Histogram<u64>,
    pub age_sum_ns: u128,
    /// Write-to-first-send latency, summed over records sent for the first time.
    pub delivery_sum_ns: u128,
    pub delivery_records: u64,
    /// Write-to-successful-processing latency, summed over records processed.
    pub e2e_sum_ns: u128,
    pub e2e_max_ns: Nanos,
    pub minutes: Vec<Minute>,
    warmup: Nanos,
}

impl ConsumerMetrics {
    pub fn new(duration: Nanos, warmup: Nanos) -> Self {
        let minutes = (duration / MIN + 1) as usize;
        ConsumerMetrics {
            records_processed: 0,
            records_discarded: 0,
            records_expired: 0,
            invocations: 0,
            errors: 0,
            retries: 0,
            duplicates: 0,
            read_calls: 0,
            throttled_reads: 0,
            cold_starts: 0,
            concurrency: 0,
            peak_concurrency: 0,
            age_hist: Histogram::new_with_bounds(1, 400 * 24 * 3600 * 1_000_000, 3)
                .expect("static histogram bounds are valid"),
            age_sum_ns: 0,
            delivery_sum_ns: 0,
            delivery_records: 0,
            e2e_sum_ns: 0,
            e2e_max_ns: 0,
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
        m.age_samples += 1;
        m.age_sum_ns += age;
        m.age_max_ns = m.age_max_ns.max(age);
        if now >= self.warmup {
            self.age_hist.saturating_record((age / US).max(1));
            self.age_sum_ns += age as u128;
        }
    }

    #[inline]
    pub fn throttled(&mut self, now: Nanos) {
        self.throttled_reads += 1;
        self.minute(now).throttled_reads += 1;
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
