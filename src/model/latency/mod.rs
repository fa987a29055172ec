//! Single-record latency per consumer: from a record's write (its timestamp in the shard log) to
//! the start of the handler invocation that first processes it, and the three parts it is made of.
//!
//! Each read notes its [`Stages`] for the records it fetched ([`Pending::read`]); a dispatched batch
//! takes its records' stages along ([`Pending::take_into`]), and the batch's first invocation that
//! starts counts them ([`LatencyMetrics::record`]). Per record, with `t` its write time:
//! - total = `started_at - t`;
//! - wait = `fetched_at - t`: until the read that fetched it (a GetRecords call made, or the EFO
//!   push sent; a write-to-readable delay falls here);
//! - delivery = `received_at - fetched_at`: the read until the records are in the poller's hands
//!   (the EFO propagation for pushes; a call's latency once modelled);
//! - to the handler = `started_at - received_at`: batching window, a free lane, concurrency
//!   throttles, cold start, invoke overhead.
//!
//! The parts sum to the total per record. Retries and bisected halves are not counted again: a
//! record counts once, at its first invocation that starts (a throttled invocation did not start);
//! records that expire or are discarded before one starts are not counted. Invocations that start
//! before the warm-up ends are not counted.
//!
//! Cost: delivery and to-the-handler are one value per read. The two parts that depend on a
//! record's write time (total and wait) have exact means (from the batch's sum of write times,
//! which the invocation computes anyway) and exact maxima (a read's oldest record); their
//! percentiles come from a deterministic sample, the records whose number in their shard is a
//! multiple of `metrics.latency_sample` (32 by default), one log lookup each (docs/model.md §11
//! has the measured overhead).

mod histogram;

#[cfg(test)]
use histogram::index_of;
pub(crate) use histogram::LatencyHistogram;

use super::log::{Hint, ShardLog};
use crate::engine::Nanos;

/// When records passed each stage between their write and their handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stages {
    /// The read that fetched them: the GetRecords call made, or the EFO push sent.
    pub(crate) fetched_at: Nanos,
    /// The records in the poller's hands: the call's answer, the push's arrival.
    pub(crate) received_at: Nanos,
    /// The start of the handler invocation that first processes them (`Nanos::MAX` until then).
    pub(crate) started_at: Nanos,
}

impl Stages {
    /// A read made at `fetched_at` whose records reached the poller at `received_at`.
    #[inline]
    pub(crate) fn read(fetched_at: Nanos, received_at: Nanos) -> Stages {
        debug_assert!(fetched_at <= received_at);
        Stages {
            fetched_at,
            received_at,
            started_at: Nanos::MAX,
        }
    }
}

/// Records `start..end` of a shard, read together.
#[derive(Clone, Copy, Debug)]
struct Segment {
    start: u64,
    end: u64,
    stages: Stages,
}

/// A reader's records read but not yet in a batch: per read, its records and stages, in order.
/// A list whose first `head` entries are taken: reads are appended and batches take from the
/// front, and the list empties whenever every read is taken (usually at each batch).
#[derive(Clone, Debug, Default)]
pub(crate) struct Pending {
    segs: Vec<Segment>,
    head: usize,
}

impl Pending {
    /// Notes that records `start..end` were read with `stages`.
    #[inline]
    pub(crate) fn read(&mut self, start: u64, end: u64, stages: Stages) {
        if start >= end {
            return;
        }
        if let Some(last) = self.segs.last_mut() {
            if last.end == start && last.stages == stages {
                last.end = end;
                return;
            }
        }
        self.segs.push(Segment { start, end, stages });
    }

    /// Moves the stages of the records before `end` into `batch` (a batch was dispatched).
    #[inline]
    pub(crate) fn take_into(&mut self, end: u64, batch: &mut Batch) {
        batch.0.clear();
        while let Some(front) = self.segs.get_mut(self.head) {
            if front.start >= end {
                break;
            }
            if front.end <= end {
                batch.0.push(*front);
                self.head += 1;
            } else {
                batch.0.push(Segment { end, ..*front });
                front.start = end;
                break;
            }
        }
        if self.head == self.segs.len() {
            self.segs.clear();
            self.head = 0;
        }
    }

    /// The reads not yet taken.
    #[cfg(test)]
    fn untaken(&self) -> &[Segment] {
        &self.segs[self.head..]
    }
}

/// The stages of one lane's batch, until its first invocation starts.
#[derive(Clone, Debug, Default)]
pub(crate) struct Batch(Vec<Segment>);

/// One consumer's latency histograms (records whose first invocation started after warm-up).
#[derive(Clone, Debug, Default)]
pub struct LatencyMetrics {
    pub total: LatencyHistogram,
    pub wait: LatencyHistogram,
    pub delivery: LatencyHistogram,
    pub to_handler: LatencyHistogram,
    warmup: Nanos,
    /// Total and wait percentiles count records whose number is a multiple of this (a power of 2).
    every: u64,
}

impl LatencyMetrics {
    /// Counts invocations starting from `warmup` on; the total's and wait's percentiles sample
    /// one record in `every` (a power of two: `metrics.latency_sample`).
    pub(crate) fn new(warmup: Nanos, every: u64) -> Self {
        debug_assert!(every.is_power_of_two());
        LatencyMetrics {
            warmup,
            every,
            ..Default::default()
        }
    }

    /// Counts the records `start..end` of `log`, whose first invocation starts at `started_at`;
    /// `ts_sum` is the sum of their write times and `batch` their stages (emptied).
    ///
    /// Delivery and to-the-handler are one value per read, counted for all its records. Total
    /// and wait depend on each record's write time: their sums follow from `ts_sum` and their
    /// maxima from each read's first (oldest) record, exactly; their percentiles count the
    /// records whose number is a multiple of `every` (a lookup each).
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub(crate) fn record(
        &mut self,
        batch: &mut Batch,
        log: &ShardLog,
        hint: &Hint,
        start: u64,
        end: u64,
        started_at: Nanos,
        ts_sum: u128,
    ) {
        if started_at < self.warmup {
            batch.0.clear();
            return;
        }
        let mask = self.every - 1;
        let mut parts_ns = 0u128;
        let mut wait_max = 0;
        let mut covered = 0;
        // The write time of the batch's first (oldest) record: the total's largest value.
        let mut t_first = None;
        for seg in &batch.0 {
            let (a, b) = (seg.start.max(start), seg.end.min(end));
            if a >= b {
                continue;
            }
            let n = b - a;
            covered += n;
            let Stages {
                fetched_at,
                received_at,
                ..
            } = seg.stages;
            let delivery = received_at - fetched_at;
            let to_handler = started_at.saturating_sub(received_at);
            self.delivery.add_same(delivery, n);
            self.to_handler.add_same(to_handler, n);
            parts_ns += u128::from(delivery + to_handler) * u128::from(n);
            // One record's write time is the batch's sum (an EFO push, often): no lookup.
            let t_a = if end - start == 1 {
                ts_sum as Nanos
            } else {
                log.ts_of(a, hint)
            };
            t_first.get_or_insert(t_a);
            wait_max = wait_max.max(fetched_at.saturating_sub(t_a));
            let mut r = (a + mask) & !mask;
            if r == a {
                self.total.add_sample(started_at.saturating_sub(t_a));
                self.wait.add_sample(fetched_at.saturating_sub(t_a));
                r += self.every;
            }
            while r < b {
                let t = log.ts_of(r, hint);
                self.total.add_sample(started_at.saturating_sub(t));
                self.wait.add_sample(fetched_at.saturating_sub(t));
                r += self.every;
            }
        }
        batch.0.clear();
        debug_assert_eq!(covered, end - start, "every record of a batch was read");
        let n = end - start;
        let total_ns = (u128::from(n) * u128::from(started_at)).saturating_sub(ts_sum);
        let total_max = t_first.map_or(0, |t| started_at.saturating_sub(t));
        self.total.add_records(n, total_ns, total_max);
        self.wait
            .add_records(n, total_ns.saturating_sub(parts_ns), wait_max);
    }

    /// Adds what `other` counted (another part of the same consumer).
    pub(crate) fn merge(&mut self, other: &LatencyMetrics) {
        self.total.merge(&other.total);
        self.wait.merge(&other.wait);
        self.delivery.merge(&other.delivery);
        self.to_handler.merge(&other.to_handler);
    }
}

#[cfg(test)]
mod tests;
