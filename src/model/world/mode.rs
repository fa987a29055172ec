//! What a reader's read mode decides in the world: which mechanism handles its read event, and
//! when (or whether) it reads next. Every such decision is here, each an exhaustive `match` on
//! [`ReadMode`], so a new mode's mechanism is plugged in at this one place.

use super::{Event, ReaderId, World};
use crate::engine::{Nanos, Queue};
use crate::model::spec::ReadMode;
use rand::Rng;

/// Why a reader's next read is decided now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Wake {
    /// The run starts: every initial reader's first read (at time zero).
    Open,
    /// A child shard's reader starts, once its consumer finished the parent shard.
    Start,
    /// A lane of the reader became free (its batch finished, was discarded or vanished).
    LaneFree,
    /// A router wrote records to the reader's shard.
    Written,
}

impl World<'_> {
    /// A reader's read event: a shared reader's GetRecords call, or a push.
    #[inline]
    pub(super) fn on_read(&mut self, now: Nanos, r: ReaderId, q: &mut Queue<Event>) {
        match self.consumer(r).read {
            ReadMode::Shared => self.on_poll(now, r, q),
            ReadMode::Efo => self.on_push(now, r, q),
        }
    }

    /// Decides reader `r`'s next read after `wake`, and schedules it (a starting child poller
    /// calls at once). The mechanisms schedule their own next read after a read event.
    pub(super) fn next_read(&mut self, now: Nanos, r: ReaderId, wake: Wake, q: &mut Queue<Event>) {
        match self.consumer(r).read {
            ReadMode::Shared => match wake {
                // Pollers start at a random phase within their idle interval.
                Wake::Open => {
                    let idle = self.consumer(r).idle_poll_interval;
                    let rd = &mut self.readers[r];
                    let phase = rd.rng.random_range(0..idle.max(1));
                    rd.scheduled = true;
                    q.schedule(now + phase, Event::Read(r));
                }
                Wake::Start => self.on_poll(now, r, q),
                Wake::LaneFree => self.schedule_poll(now, r, true, q),
                // A poller finds the records on its next call.
                Wake::Written => {}
            },
            ReadMode::Efo => self.schedule_push(now, r, q),
        }
    }

    /// Wakes every reader of shard `shard` of stream `stream`, which a router just wrote to.
    pub(super) fn wake_readers(
        &mut self,
        now: Nanos,
        stream: u32,
        shard: u32,
        q: &mut Queue<Event>,
    ) {
        let n = self.shards.slot(stream, shard).readers.len();
        for k in 0..n {
            let i = self.shards.slot(stream, shard).readers[k];
            self.next_read(now, i, Wake::Written, q);
        }
    }
}
