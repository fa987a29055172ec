//! The call trace behind `sim timeline`: every GetRecords call on one shard within a window.

use super::{ReaderId, World};
use crate::engine::Nanos;

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
}

impl World<'_> {
    /// Adds a call to the trace if it is on the traced shard and within the window.
    #[inline(always)]
    pub(super) fn record_call(&mut self, now: Nanos, r: ReaderId, outcome: CallOutcome) {
        if self.trace.is_some() {
            self.trace_call(now, r, outcome);
        }
    }

    #[cold]
    fn trace_call(&mut self, now: Nanos, r: ReaderId, outcome: CallOutcome) {
        let Some(t) = &self.trace else { return };
        let rd = &self.readers[r];
        if rd.stream as usize != t.stream || rd.shard != t.shard || now < t.from || now > t.to {
            return;
        }
        let in_flight = self
            .shards
            .slot(rd.stream, rd.shard)
            .readers
            .iter()
            .map(|&i| self.readers[i].in_flight())
            .sum();
        let consumer = rd.consumer as usize;
        let t = self.trace.as_mut().expect("checked above");
        t.calls.push((now, consumer, outcome));
        t.in_flight.push((now, in_flight));
    }
}
