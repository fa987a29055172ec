//! Enhanced fan-out: records pushed over each subscriber's dedicated pipe once they have
//! propagated, with the subscription's periodic renewal gap.

use super::{Event, ReaderId, World};
use crate::dist::draw;
use crate::engine::{Nanos, Queue};
use crate::model::latency::Stages;

impl World<'_> {
    /// An EFO push: records written at least one propagation delay ago, within the dedicated pipe.
    pub(super) fn on_push(&mut self, now: Nanos, r: ReaderId, q: &mut Queue<Event>) {
        self.readers[r].scheduled = false;
        self.refresh_shard(now, r);
        if self.shard_of(r).sealed() && self.check_finished(now, r, q) {
            return;
        }
        let c = self.consumer(r);
        let efo = &self.spec.streams[c.stream].efo;
        let rd = &mut self.readers[r];
        if rd.free_lanes == 0 {
            return;
        }
        let period = efo.renewal_period.max(1);
        if now >= period {
            let (renewal, phase) = (now / period, now % period);
            if rd.renewal != renewal {
                // This subscriber's pause at this renewal, drawn at its first push after it.
                rd.renewal = renewal;
                rd.renewal_pause =
                    (efo.renewal_gap + draw(&efo.subscribe_latency, &mut rd.rng)).min(period - 1);
            }
            if phase < rd.renewal_pause {
                rd.scheduled = true;
                q.schedule(now - phase + rd.renewal_pause, Event::Read(r));
                return;
            }
        }
        // Before `next_event_at` this push only ends a batching window: no event has come.
        let room = rd.pipe.available(efo.bytes_per_s, now);
        if room > 0 && now >= rd.next_event_at {
            // Records written by `now - prop_delay` arrive now: sent then, in hand now.
            let readable_at = now.saturating_sub(rd.prop_delay);
            let read = Stages::read(readable_at, now);
            let (records, bytes) = self.fetch(now, r, u64::MAX, room, readable_at, read);
            self.record_push(now, r, records);
            let rd = &mut self.readers[r];
            rd.pipe.consume(bytes);
            if records > 0 {
                rd.next_event_at = now + efo.event_gap;
            }
            let ci = rd.consumer as usize;
            self.consumers[ci].metrics.efo_bytes += bytes;
        }
        self.dispatch(now, r, q);
        self.schedule_push(now, r, q);
    }

    /// Schedules a reader's next push: when its next record will have propagated, and no sooner
    /// than the stream's `event_gap` after the last push that carried records; or when the
    /// batching window of the records it holds ends, if that is earlier.
    pub(super) fn schedule_push(&mut self, now: Nanos, r: ReaderId, q: &mut Queue<Event>) {
        let c = self.consumer(r);
        let efo = &self.spec.streams[c.stream].efo;
        let rd = &self.readers[r];
        if rd.scheduled || rd.free_lanes == 0 || self.holds_full_batch(r) {
            return;
        }
        let shard = self.shards.of(rd);
        let next_ts = if rd.cursor < shard.log().end() {
            shard.log().ts_of(rd.cursor, &rd.hint)
        } else {
            shard.next_arrival()
        };
        let next = if rd.cursor > rd.pend_start {
            let arrives = next_ts.saturating_add(rd.prop_delay).max(rd.next_event_at);
            (rd.window_start + c.batching_window).min(arrives)
        } else {
            if next_ts == Nanos::MAX {
                return;
            }
            let rd = &mut self.readers[r];
            rd.prop_delay = draw(&efo.propagation, &mut rd.rng);
            (next_ts + rd.prop_delay).max(rd.next_event_at)
        };
        let rd = &mut self.readers[r];
        let next = next.max(now).max(rd.pipe.refill_time(efo.bytes_per_s, now));
        if next > self.spec.duration {
            return; // nothing more can be delivered within the run
        }
        rd.scheduled = true;
        q.schedule(next, Event::Read(r));
    }
}
