//! The call trace behind `sim timeline` and `sim teach`: every GetRecords call (and enhanced
//! fan-out push) on one shard within a window, and, when asked, the shard and its readers sampled
//! at a fixed step.

use super::{ReaderId, World};
use crate::engine::Nanos;
use crate::model::log::Hint;

/// What a traced call returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallOutcome {
    Records(u64),
    Empty,
    Throttled,
}

/// A record of every GetRecords call on one shard during a window (for `sim timeline`).
#[derive(Clone, Debug, Default)]
pub struct Trace {
    pub stream: usize,
    pub shard: u32,
    pub from: Nanos,
    pub to: Nanos,
    /// `(time, consumer index, outcome)` in time order.
    pub calls: Vec<(Nanos, usize, CallOutcome)>,
    /// `(time, records read but not yet processed by the shard's readers)` at each call.
    pub in_flight: Vec<(Nanos, u64)>,
    /// For each call of `calls`, the age of the last record it returned (GetRecords'
    /// IteratorAge), when it returned records.
    pub read_ages: Vec<Option<Nanos>>,
    /// Enhanced fan-out pushes that carried records: `(time, consumer index, records, age of the
    /// last record pushed)` in time order.
    pub pushes: Vec<(Nanos, usize, u64, Nanos)>,
    /// Sample the shard and its readers every `every` ns from `from` to `to` (0: never).
    pub every: Nanos,
    pub samples: Vec<Sample>,
}

/// The traced shard and its readers at one instant.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sample {
    pub t: Nanos,
    /// Records written to the shard by `t`.
    pub written: u64,
    /// Every reader of the shard, in the order the shard lists them.
    pub readers: Vec<ReaderAt>,
}

/// Where one reader stands at a sample.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReaderAt {
    pub consumer: usize,
    /// Records the reader has read (its position in the shard).
    pub read: u64,
    /// Age of the oldest record written but not yet read (0 when caught up): what the reader's
    /// IteratorAge will be when it reads it.
    pub behind: Nanos,
}

impl World<'_> {
    /// Adds a call to the trace if it is on the traced shard and within the window.
    #[inline(always)]
    pub(super) fn record_call(&mut self, now: Nanos, r: ReaderId, outcome: CallOutcome) {
        if self.trace.is_some() {
            self.trace_call(now, r, outcome);
        }
    }

    /// Adds an enhanced fan-out push of `records` to the trace, as [`World::record_call`] does.
    #[inline(always)]
    pub(super) fn record_push(&mut self, now: Nanos, r: ReaderId, records: u64) {
        if self.trace.is_some() && records > 0 && self.traced(now, r) {
            let age = self.last_read_age(now, r);
            let consumer = self.readers[r].consumer as usize;
            if let Some(t) = self.trace.as_mut() {
                t.pushes.push((now, consumer, records, age));
            }
        }
    }

    fn traced(&self, now: Nanos, r: ReaderId) -> bool {
        let Some(t) = &self.trace else { return false };
        let rd = &self.readers[r];
        rd.stream as usize == t.stream && rd.shard == t.shard && now >= t.from && now <= t.to
    }

    /// The age at `now` of the last record reader `r` read.
    fn last_read_age(&self, now: Nanos, r: ReaderId) -> Nanos {
        let rd = &self.readers[r];
        now.saturating_sub(self.shards.of(rd).log().ts_of(rd.cursor - 1, &rd.hint))
    }

    #[cold]
    fn trace_call(&mut self, now: Nanos, r: ReaderId, outcome: CallOutcome) {
        if !self.traced(now, r) {
            return;
        }
        let rd = &self.readers[r];
        let in_flight = self
            .shards
            .slot(rd.stream, rd.shard)
            .readers
            .iter()
            .map(|&i| self.readers[i].in_flight())
            .sum();
        let age = match outcome {
            CallOutcome::Records(_) => Some(self.last_read_age(now, r)),
            _ => None,
        };
        let consumer = self.readers[r].consumer as usize;
        let t = self.trace.as_mut().expect("checked above");
        t.calls.push((now, consumer, outcome));
        t.in_flight.push((now, in_flight));
        t.read_ages.push(age);
    }

    /// Makes the traced shard keep its log up to the present, so that samples can count what it
    /// holds. A lazy shard generates the same records, only later (see `Shard::extend_for`).
    pub(crate) fn trace_eagerly(&mut self) {
        if let Some(t) = &self.trace {
            let (s, k) = (t.stream as u32, t.shard);
            if let Some(slot) = self.shards.get_mut(s, k) {
                slot.shard.make_eager();
            }
        }
    }

    /// Samples the traced shard and its readers at `now` (every event up to `now` handled).
    pub(crate) fn trace_sample(&mut self, now: Nanos) {
        let Some(t) = &self.trace else { return };
        let (s, k) = (t.stream as u32, t.shard);
        let Some(slot) = self.shards.get_mut(s, k) else {
            return;
        };
        slot.shard.extend_to(now);
        let slot = self.shards.slot(s, k);
        let shard = &slot.shard;
        let log = shard.log();
        let written = shard.records_written();
        let hint = Hint::default();
        let readers = slot
            .readers
            .iter()
            .map(|&i| {
                let rd = &self.readers[i];
                let behind = if rd.cursor < log.end() && rd.cursor >= log.start() {
                    now.saturating_sub(log.ts_of(rd.cursor, &hint))
                } else {
                    0
                };
                ReaderAt {
                    consumer: rd.consumer as usize,
                    read: rd.cursor,
                    behind,
                }
            })
            .collect();
        let sample = Sample {
            t: now,
            written,
            readers,
        };
        if let Some(t) = self.trace.as_mut() {
            t.samples.push(sample);
        }
    }
}
