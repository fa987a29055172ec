//! A world that simulates only some of the shards, and the merge of such parts back into the
//! whole world, shard by shard and reader by reader, for models whose shards do not interact.
//!
//! A part is built exactly as the whole world is (every stream, shard and reader, with the same
//! names and random streams), but only the readers of its own shards get a first event, and only
//! its own shards are brought to the end of the run. Its events therefore come out in the same
//! relative order as in the whole world, provided no event of one shard reads state another
//! shard's events change; deciding that is the caller's business.

use super::{Event, ReaderId, World};
use crate::engine::{Nanos, Queue};
use crate::model::spec::ModelSpec;

/// Which shards a world simulates: `mask[stream][shard]`.
pub type ShardMask = Vec<Vec<bool>>;

/// One change of a function's concurrency: an invocation of consumer `consumer` started (`up`) or
/// ended at `at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BusyChange {
    pub at: Nanos,
    pub consumer: u32,
    pub up: bool,
}

impl BusyChange {
    #[inline]
    pub fn new(at: Nanos, consumer: u32, up: bool) -> BusyChange {
        BusyChange { at, consumer, up }
    }
}

impl<'a> World<'a> {
    /// The part of the system made of the shards `mask` marks, at time zero, with the first event
    /// of each of their readers scheduled.
    pub fn new_part(spec: &'a ModelSpec, queue: &mut Queue<Event>, mask: ShardMask) -> World<'a> {
        Self::build(spec, queue, Some(mask))
    }

    /// Whether this world simulates shard `sh` of stream `si`.
    #[inline]
    pub(super) fn owns(&self, si: usize, sh: usize) -> bool {
        self.owned.as_ref().is_none_or(|m| m[si][sh])
    }

    /// Whether this world simulates reader `r`'s shard.
    pub(super) fn owns_reader(&self, r: ReaderId) -> bool {
        let rd = &self.readers[r];
        self.owns(rd.stream as usize, rd.shard as usize)
    }

    /// Takes over the shards `part` simulated, with their readers and what they measured; counts
    /// and histograms add up. Concurrency peaks are not merged (see [`World::set_peaks`]).
    pub fn absorb(&mut self, mut part: World) {
        let mask = part.owned.take().expect("a part owns a set of shards");
        for (si, shards) in mask.iter().enumerate() {
            for (sh, &own) in shards.iter().enumerate() {
                if own {
                    std::mem::swap(
                        &mut self.streams[si].shards[sh],
                        &mut part.streams[si].shards[sh],
                    );
                    if let Some(m) = &mut self.owned {
                        m[si][sh] = true;
                    }
                }
            }
        }
        for r in self.readers.ids() {
            let rd = &part.readers[r];
            if mask[rd.stream as usize][rd.shard as usize] {
                self.readers.swap(&mut part.readers, r);
            }
        }
        for (mine, theirs) in self.consumers.iter_mut().zip(&part.consumers) {
            mine.metrics.absorb(&theirs.metrics);
        }
        self.account.throttled += part.account.throttled;
    }

    /// Sets the most concurrent executions seen, per consumer and for the account.
    pub fn set_peaks(&mut self, consumers: &[u32], account: u32) {
        for (c, &p) in self.consumers.iter_mut().zip(consumers) {
            c.metrics.peak_concurrency = p;
        }
        self.account.peak_busy = account;
    }
}
