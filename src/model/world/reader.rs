//! Readers: one consumer's poller (or subscription) on one shard, its batch lanes, and the typed
//! index that names it.

use super::route::RoutedWrite;
use super::RNG_READER;
use crate::engine::rng::{name_id, stream, SimRng};
use crate::engine::Nanos;
pub use crate::model::ids::ReaderId;
use crate::model::latency;
use crate::model::limits::BytePipe;
use crate::model::log::Hint;
use crate::model::spec::ConsumerSpec;
use std::ops::{Index, IndexMut};

/// Every reader of the world, indexed by [`ReaderId`]; readers are only ever added.
#[derive(Default)]
pub(super) struct Readers(Vec<Reader>);

impl Readers {
    /// Adds a reader and returns its name.
    pub(super) fn push(&mut self, reader: Reader) -> ReaderId {
        let id = ReaderId::new(self.0.len() as u32);
        self.0.push(reader);
        id
    }

    /// Every reader's name, in order of creation (not borrowing the list, so the loop may add to
    /// or change readers).
    pub(super) fn ids(&self) -> impl Iterator<Item = ReaderId> + use<> {
        (0..self.0.len() as u32).map(ReaderId::new)
    }

    pub(super) fn iter(&self) -> std::slice::Iter<'_, Reader> {
        self.0.iter()
    }

    /// Exchanges reader `id` with the same reader of `other` (a part of the same world).
    pub(super) fn swap(&mut self, other: &mut Readers, id: ReaderId) {
        std::mem::swap(&mut self.0[id.index()], &mut other.0[id.index()]);
    }
}

impl Index<ReaderId> for Readers {
    type Output = Reader;

    #[inline]
    fn index(&self, id: ReaderId) -> &Reader {
        &self.0[id.index()]
    }
}

impl IndexMut<ReaderId> for Readers {
    #[inline]
    fn index_mut(&mut self, id: ReaderId) -> &mut Reader {
        &mut self.0[id.index()]
    }
}

/// One concurrent batch slot of a reader.
#[derive(Clone, Debug, Default)]
pub(super) struct Lane {
    pub(super) busy: bool,
    pub(super) start: u64,
    pub(super) end: u64,
    pub(super) attempts: u32,
    /// The records of this batch were sent to the function before.
    pub(super) redelivery: bool,
    pub(super) failed: bool,
    /// Second halves of bisected batches still to send, last one next.
    pub(super) halves: Vec<(u64, u64)>,
    /// Consecutive invocations of this batch rejected for lack of concurrency.
    pub(super) throttles: u32,
    /// A router's batch has been split among its output streams (its writes drawn).
    pub(super) routed: bool,
    /// A router's writes the output streams rejected, to write again.
    pub(super) unwritten: Vec<RoutedWrite>,
    /// The sum of the write times of `start..end`, when the invocation under way computed it (a
    /// first delivery does), so that its end does not sum the same records again.
    pub(super) ts_sum: Option<u128>,
    /// When this batch's records were read, until its first invocation starts.
    pub(super) latency: latency::Batch,
}

impl Lane {
    /// Takes the batch `start..end` as a fresh one: every field reset in place (the vectors keep
    /// their capacity; `halves` is kept as it is). The destructuring names every field, so a new
    /// one cannot be forgotten here.
    pub(super) fn start_batch(&mut self, start: u64, end: u64) {
        let Lane {
            busy,
            start: s,
            end: e,
            attempts,
            redelivery,
            failed,
            halves: _,
            throttles,
            routed,
            unwritten,
            ts_sum,
            latency: _, // refilled by `Pending::take_into` as the batch is dispatched
        } = self;
        *busy = true;
        *s = start;
        *e = end;
        *attempts = 0;
        *redelivery = false;
        *failed = false;
        *throttles = 0;
        *routed = false;
        unwritten.clear();
        *ts_sum = None;
    }
}

/// One consumer on one shard.
pub(super) struct Reader {
    pub(super) consumer: u32,
    pub(super) stream: u32,
    pub(super) shard: u32,
    pub(super) cursor: u64,
    pub(super) pend_start: u64,
    pub(super) window_start: Nanos,
    pub(super) lanes: Vec<Lane>,
    pub(super) free_lanes: u32,
    pub(super) scheduled: bool,
    /// When the poller's latest GetRecords call was made.
    pub(super) last_call: Nanos,
    /// The byte allowance of the allowed call whose answer is on its way.
    pub(super) answer_bytes: u64,
    pub(super) throttle_streak: u32,
    /// The last successful GetRecords call left readable records behind (it was capped).
    pub(super) behind: bool,
    pub(super) rng: SimRng,
    pub(super) pipe: BytePipe,
    pub(super) prop_delay: Nanos,
    /// Enhanced fan-out: the renewal (counted from 1) whose pause `renewal_pause` is drawn for.
    pub(super) renewal: u64,
    /// Enhanced fan-out: how long pushes pause at that renewal (the stream's `renewal_gap` plus
    /// a SubscribeToShard latency).
    pub(super) renewal_pause: Nanos,
    /// Enhanced fan-out: the earliest time the next push may carry records (the last one that did,
    /// plus the stream's `event_gap`).
    pub(super) next_event_at: Nanos,
    /// Indices into the shard's poison marks that fail this consumer.
    pub(super) marks: Vec<usize>,
    /// Where this reader last looked in the shard's log.
    pub(super) hint: Hint,
    /// When the records read but not yet in a batch were read (`pend_start..cursor`).
    pub(super) latency: latency::Pending,
}

impl Reader {
    /// A reader of consumer `ci` (spec `c`, seed `seed`) on shard `shard` of stream `stream`, at the
    /// start of the shard, idle, with its own random stream named by consumer and shard.
    pub(super) fn new(
        seed: u64,
        ci: u32,
        c: &ConsumerSpec,
        stream_index: u32,
        shard: u32,
        efo_bytes_per_s: u64,
        marks: Vec<usize>,
    ) -> Reader {
        let pf = c.parallelization_factor;
        Reader {
            consumer: ci,
            stream: stream_index,
            shard,
            cursor: 0,
            pend_start: 0,
            window_start: 0,
            lanes: vec![Lane::default(); pf as usize],
            free_lanes: pf,
            scheduled: false,
            last_call: 0,
            answer_bytes: 0,
            throttle_streak: 0,
            behind: false,
            rng: stream(seed, &[RNG_READER, name_id(&c.name), u64::from(shard)]),
            pipe: BytePipe::new(efo_bytes_per_s),
            prop_delay: 0,
            renewal: 0,
            renewal_pause: 0,
            next_event_at: 0,
            marks,
            hint: Hint::default(),
            latency: latency::Pending::default(),
        }
    }

    /// The lowest record number this reader may still need.
    pub(super) fn low_water(&self) -> u64 {
        let mut low = self.pend_start.min(self.cursor);
        for l in &self.lanes {
            if l.busy {
                low = low.min(l.start);
            }
            for h in &l.halves {
                low = low.min(h.0);
            }
        }
        low
    }

    /// Records this reader holds between reading and finishing: pending in its buffer, in a lane,
    /// or waiting as a bisected half.
    pub(super) fn in_flight(&self) -> u64 {
        let lanes: u64 = self
            .lanes
            .iter()
            .map(|l| {
                let own = if l.busy { l.end - l.start } else { 0 };
                own + l.halves.iter().map(|h| h.1 - h.0).sum::<u64>()
            })
            .sum();
        (self.cursor - self.pend_start) + lanes
    }
}
