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
    /// The run starts: every initial reader's first read (when its mapping starts polling).
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
    /// calls at once). The mechanisms schedule their own next read after a read event. Nothing is
    /// decided before the reader's mapping starts polling: until then `now` is that start.
    pub(super) fn next_read(&mut self, now: Nanos, r: ReaderId, wake: Wake, q: &mut Queue<Event>) {
        let now = now.max(self.mapping_start[self.readers[r].consumer as usize]);
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
                Wake::LaneFree => self.schedule_poll(now, r, true, false, q),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::SEC;

    /// When each reader of `sets`'s model first reads, with its read mode, in reader order (the
    /// world as built, before any event runs).
    fn first_reads(sets: &[&str]) -> Vec<(ReadMode, Nanos)> {
        let spec = crate::config::test_spec(
            r#"
            duration = "1m"
            warmup = "0s"
            [streams.s]
            kind = "kinesis"
            shards = 3
            [producers.p]
            stream = "s"
            rate = 100.0
            [consumers.std]
            stream = "s"
            count = 2
            [consumers.efo]
            stream = "s"
            read = "efo"
            "#,
            sets,
        );
        let mut q = Queue::new();
        let world = World::new(&spec, &mut q);
        let mut first = vec![None; world.readers.ids().count()];
        while let Some((t, e)) = q.pop_until(Nanos::MAX) {
            if let Event::Read(r) = e {
                first[r.index()].get_or_insert(t);
            }
        }
        world
            .readers
            .ids()
            .map(|r| {
                (
                    world.consumer(r).read,
                    first[r.index()].expect("every reader reads"),
                )
            })
            .collect()
    }

    #[test]
    fn a_mapping_start_delay_shifts_the_first_read_of_every_reader_by_it() {
        let at_once = first_reads(&["control_plane.mapping_start=0s"]);
        let later = first_reads(&["control_plane.mapping_start=7s"]);
        assert_eq!(
            at_once.len(),
            9,
            "2 standard and 1 EFO consumer on 3 shards"
        );
        let efo = at_once.iter().filter(|(m, _)| m.subscribes()).count();
        assert_eq!(efo, 3);
        for (r, (&(mode, a), &(_, b))) in at_once.iter().zip(&later).enumerate() {
            if mode.reads_by_calls() {
                // A poller keeps its random phase within the idle interval.
                assert_eq!(b, a + 7 * SEC, "standard reader {r}");
                assert!(
                    a < SEC,
                    "standard reader {r} started within its first second"
                );
            } else {
                // A subscription finds seven seconds of records waiting and pushes at once.
                assert_eq!(b, 7 * SEC, "EFO reader {r}");
                assert!(a < SEC, "EFO reader {r} pushed its first record at once");
            }
        }
    }

    #[test]
    fn without_a_simulated_deployment_readers_start_at_once() {
        let off = first_reads(&[
            "control_plane.deploy=false",
            "control_plane.mapping_start=7s",
        ]);
        assert!(off.iter().all(|&(_, t)| t < SEC), "{off:?}");
    }
}
