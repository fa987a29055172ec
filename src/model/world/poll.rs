//! Shared reading: GetRecords polls on the shard's shared call and byte budget, and moving read
//! records into a reader's buffer (used by pushes too).

use super::{CallOutcome, Event, ReaderId, World};
use crate::dist::draw;
use crate::engine::{Nanos, Queue};
use crate::model::function::backoff;
use crate::model::latency::Stages;
use crate::model::limits::CallVerdict;
use crate::model::spec::BusyPoll;
use rand::Rng;

impl World<'_> {
    /// A shared reader's GetRecords call.
    ///
    /// On an open lazy shard ([`Shard::lazy`](crate::model::shard::Shard::lazy)), the log and the
    /// reader's expiry are brought up to date only by a call that reads: nothing else there looks
    /// at them. Records are the same whenever they are generated, and expiry moves the cursor of a
    /// reader with nothing buffered, which only the next call that reads (or the end of the run)
    /// looks at, and which counts the same records expired then. Most calls of a contended shard
    /// are throttled, so they skip that work. On any other shard every call refreshes first: how
    /// far the log is generated is what an `any-new` poller's next decision sees.
    pub(super) fn on_poll(&mut self, now: Nanos, r: ReaderId, q: &mut Queue<Event>) {
        self.readers[r].scheduled = false;
        let shard = self.shard_of(r);
        let deferred = shard.lazy() && !shard.sealed();
        if !deferred {
            self.refresh_shard(now, r);
            if self.shard_of(r).sealed() && self.check_finished(now, r, q) {
                return;
            }
        }
        if self.readers[r].free_lanes == 0 {
            return;
        }
        let c = self.consumer(r);
        let stream = &self.spec.streams[c.stream];
        let verdict = self.shard_of(r).read_call(&stream.limits, now);
        let ci = self.readers[r].consumer as usize;
        self.consumers[ci].metrics.read_calls += 1;
        let rd = &mut self.readers[r];
        rd.last_call = now;
        let latency = draw(&stream.get_records_latency, &mut rd.rng);
        let max_bytes = match verdict {
            CallVerdict::Throttled => {
                self.record_call(now, r, CallOutcome::Throttled);
                self.consumers[ci].metrics.throttled(now);
                let rd = &mut self.readers[r];
                let wait = backoff(&c.throttle_backoff, rd.throttle_streak, &mut rd.rng);
                rd.throttle_streak = rd.throttle_streak.saturating_add(1);
                self.dispatch(now, r, q);
                let rd = &mut self.readers[r];
                if !rd.scheduled && rd.free_lanes > 0 {
                    // The backoff starts when the refusal reaches the poller.
                    rd.scheduled = true;
                    q.schedule(now + latency + wait, Event::Read(r));
                }
                return;
            }
            CallVerdict::Allowed { max_bytes } => max_bytes,
        };
        if latency == 0 {
            self.answer(now, r, max_bytes, deferred, q);
        } else {
            // The answer is one event later; meanwhile the poller makes no other call.
            let rd = &mut self.readers[r];
            rd.answer_bytes = max_bytes;
            rd.scheduled = true;
            q.schedule(now + latency, Event::Answer(r));
        }
    }

    /// The answer to a shared reader's allowed GetRecords call made at `last_call` reaches it.
    pub(super) fn on_answer(&mut self, now: Nanos, r: ReaderId, q: &mut Queue<Event>) {
        self.readers[r].scheduled = false;
        let shard = self.shard_of(r);
        let deferred = shard.lazy() && !shard.sealed();
        let max_bytes = self.readers[r].answer_bytes;
        self.answer(now, r, max_bytes, deferred, q);
    }

    /// Serves an allowed call at `now`, when its answer reaches the poller: the call returns the
    /// records readable when it was made (`last_call`, less the stream's write-to-readable
    /// delay), and the poller sends batches and decides its next call from here.
    fn answer(
        &mut self,
        now: Nanos,
        r: ReaderId,
        max_bytes: u64,
        deferred: bool,
        q: &mut Queue<Event>,
    ) {
        if deferred {
            self.refresh_shard(now, r);
        }
        let c = self.consumer(r);
        let stream = &self.spec.streams[c.stream];
        let limits = &stream.limits;
        let call_at = self.readers[r].last_call;
        let readable_at = call_at.saturating_sub(stream.write_to_readable);
        self.readers[r].throttle_streak = 0;
        let read = Stages::read(call_at, now);
        let got = self.fetch(
            now,
            r,
            limits.max_records_per_call,
            max_bytes,
            readable_at,
            read,
        );
        let outcome = if got.0 > 0 {
            CallOutcome::Records(got.0)
        } else {
            CallOutcome::Empty
        };
        // Traced when the answer arrives, so that the trace stays in time order.
        self.record_call(now, r, outcome);
        let bytes = got.1;
        self.shard_of(r).read_consume(limits, now, bytes);
        self.readers[r].behind = self.left_behind(readable_at, r);
        self.dispatch(now, r, q);
        self.schedule_poll(now, r, got.0 > 0, true, q);
    }

    /// Moves the records readable at `readable_at` into the reader's buffer (read but not yet
    /// sent), noting when they were read (`read`, for the latency measurement). Returns
    /// `(records, bytes)` fetched.
    pub(super) fn fetch(
        &mut self,
        now: Nanos,
        r: ReaderId,
        max_records: u64,
        max_bytes: u64,
        readable_at: Nanos,
        read: Stages,
    ) -> (u64, u64) {
        let c = self.consumer(r);
        let rd = &self.readers[r];
        let shard = self.shards.of(rd);
        let log = shard.log();
        let h = &rd.hint;
        let buffered = rd.cursor - rd.pend_start;
        let want_n = c.fetch_records.saturating_sub(buffered).min(max_records);
        let avail = shard.readable_end(readable_at, h);
        let cursor = rd.cursor;
        if avail <= cursor || want_n == 0 {
            return (0, 0);
        }
        let by_count = (cursor + want_n).min(avail);
        // Only the nearer limit matters, so the byte search stops at the count's.
        let (by_bytes, within) = log.end_and_bytes_within_upto(cursor, max_bytes, by_count, h);
        let e = by_count.min(by_bytes).max(cursor + 1); // a call returns at least one record
        let bytes = if e == by_bytes {
            within
        } else {
            log.bytes_before(e, h) - log.bytes_before(cursor, h)
        };
        let rd = &mut self.readers[r];
        if buffered == 0 {
            rd.window_start = now;
        }
        rd.cursor = e;
        rd.latency.read(cursor, e, read);
        self.consumers[rd.consumer as usize].metrics.bytes_read += bytes;
        self.lineage.note_read(r, now);
        (e - cursor, bytes)
    }

    /// Schedules a shared reader's next call, if it has a free lane and none is scheduled.
    pub(super) fn schedule_poll(
        &mut self,
        now: Nanos,
        r: ReaderId,
        got: bool,
        after_answer: bool,
        q: &mut Queue<Event>,
    ) {
        let c = self.consumer(r);
        let rd = &self.readers[r];
        if rd.scheduled || rd.free_lanes == 0 || self.holds_full_batch(r) {
            return;
        }
        // After an answer the idle timer runs from its call, not from the answer: Lambda documents
        // a polling rate, so a call's latency shortens the wait rather than lengthening the
        // period. When a lane frees it runs from then, as without latency.
        let since = if after_answer { rd.last_call } else { now };
        let next = if rd.cursor > rd.pend_start {
            (since + self.idle_wait(r)).min(self.readers[r].window_start + c.batching_window)
        } else if self.more_waiting(now, r, got) {
            now
        } else {
            since + self.idle_wait(r)
        };
        let rd = &mut self.readers[r];
        let next = next.max(rd.last_call + c.min_call_interval).max(now);
        rd.scheduled = true;
        q.schedule(next, Event::Read(r));
    }

    /// The wait before an idle call: the consumer's interval, or a uniform draw within its
    /// jitter around it (drawn only when there is a jitter).
    fn idle_wait(&mut self, r: ReaderId) -> Nanos {
        let c = self.consumer(r);
        let (interval, jitter) = (c.idle_poll_interval, c.idle_poll_jitter);
        if jitter == 0 {
            return interval;
        }
        interval - jitter + self.readers[r].rng.random_range(0..=2 * jitter)
    }

    /// Whether a poller that is not gathering a batch should call again at its busy rate: under
    /// `caught-up`, only when its last read was capped, as GetRecords tells the caller; under
    /// `any-new`, when the log holds a record past its cursor (`got`: the last call found records).
    fn more_waiting(&self, now: Nanos, r: ReaderId, got: bool) -> bool {
        match self.consumer(r).busy_poll {
            BusyPoll::CaughtUp => self.readers[r].behind,
            BusyPoll::AnyNew => {
                let d = self.spec.streams[self.consumer(r).stream].write_to_readable;
                got && self.left_behind(now.saturating_sub(d), r)
            }
        }
    }

    /// The reader's shard holds records written by `readable_at` that the reader has not read (as
    /// far as the log has been generated: up to the shard's latest call by any reader).
    fn left_behind(&self, readable_at: Nanos, r: ReaderId) -> bool {
        let rd = &self.readers[r];
        self.shards.of(rd).readable_end(readable_at, &rd.hint) > rd.cursor
    }
}
