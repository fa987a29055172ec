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
//! record's write time (total and wait) are counted per histogram bucket a batch's records fall in,
//! found with the log's lookups (the records' write times are monotone): one step per bucket, which
//! is one per record when each record has a bucket of its own (docs/model.md §11 has the measured
//! overhead).

mod histogram;

pub(crate) use histogram::LatencyHistogram;
use histogram::{index_of, lower_of};

use super::log::{Hint, ShardLog};
use crate::engine::time::US;
use crate::engine::Nanos;
use std::collections::VecDeque;

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
#[derive(Clone, Debug, Default)]
pub(crate) struct Pending(VecDeque<Segment>);

impl Pending {
    /// Notes that records `start..end` were read with `stages`.
    #[inline]
    pub(crate) fn read(&mut self, start: u64, end: u64, stages: Stages) {
        if start >= end {
            return;
        }
        if let Some(last) = self.0.back_mut() {
            if last.end == start && last.stages == stages {
                last.end = end;
                return;
            }
        }
        self.0.push_back(Segment { start, end, stages });
    }

    /// Moves the stages of the records before `end` into `batch` (a batch was dispatched).
    #[inline]
    pub(crate) fn take_into(&mut self, end: u64, batch: &mut Batch) {
        batch.0.clear();
        while let Some(front) = self.0.front_mut() {
            if front.start >= end {
                break;
            }
            if front.end <= end {
                batch.0.push(*front);
                self.0.pop_front();
            } else {
                batch.0.push(Segment { end, ..*front });
                front.start = end;
                break;
            }
        }
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
}

impl LatencyMetrics {
    pub(crate) fn new(warmup: Nanos) -> Self {
        LatencyMetrics {
            warmup,
            ..Default::default()
        }
    }

    /// Counts the records `start..end` of `log`, whose first invocation starts at `started_at`;
    /// `ts_sum` is the sum of their write times and `batch` their stages (emptied).
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
        let mut covered = 0;
        let mut parts_ns = 0u128;
        for seg in batch.0.drain(..) {
            let (a, b) = (seg.start.max(start), seg.end.min(end));
            if a >= b {
                continue;
            }
            let n = b - a;
            let s = Stages {
                started_at,
                ..seg.stages
            };
            let delivery = s.received_at - s.fetched_at;
            let to_handler = started_at.saturating_sub(s.received_at);
            self.delivery.add_same(delivery, n);
            self.to_handler.add_same(to_handler, n);
            parts_ns += u128::from(delivery + to_handler) * u128::from(n);
            fill(&mut self.total, log, hint, a, b, s.started_at);
            fill(&mut self.wait, log, hint, a, b, s.fetched_at);
            covered += n;
        }
        debug_assert_eq!(covered, end - start, "every record of a batch was read");
        let total_ns = (u128::from(covered) * u128::from(started_at)).saturating_sub(ts_sum);
        self.total.sum_ns += total_ns;
        self.wait.sum_ns += total_ns.saturating_sub(parts_ns);
    }

    /// Adds what `other` counted (another part of the same consumer).
    pub(crate) fn merge(&mut self, other: &LatencyMetrics) {
        self.total.merge(&other.total);
        self.wait.merge(&other.wait);
        self.delivery.merge(&other.delivery);
        self.to_handler.merge(&other.to_handler);
    }
}

/// Counts `at - t` for the records `a..b` of `log` (`t` their write times, rising with the record
/// number, so the values fall): one count per bucket the values fall in. The next record is
/// looked at first (when each record has a bucket of its own, as in a slow stream, that is all);
/// when it shares the bucket, the bucket's last record is found by the log's search.
#[inline]
fn fill(h: &mut LatencyHistogram, log: &ShardLog, hint: &Hint, a: u64, b: u64, at: Nanos) {
    let mut i = a;
    let mut v = at.saturating_sub(log.ts_of(a, hint));
    h.max_ns = h.max_ns.max(v);
    loop {
        let k = index_of(v / US);
        let lo = lower_of(k) * US;
        let mut e = i + 1;
        let mut next = None;
        if e < b {
            let w = at.saturating_sub(log.ts_of(e, hint));
            if w >= lo {
                // Records written by `at - lo` are still in bucket `k`.
                e = log.end_at(at - lo, hint).clamp(i + 2, b);
            } else {
                next = Some(w);
            }
        }
        h.add(k, e - i);
        if e >= b {
            return;
        }
        i = e;
        v = next.unwrap_or_else(|| at.saturating_sub(log.ts_of(i, hint)));
    }
}

#[cfg(test)]
mod tests;
