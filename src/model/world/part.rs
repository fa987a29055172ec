//! A world that simulates only some of the shards, and the merge of such parts back into the
//! whole world, shard by shard and reader by reader, for models whose shards do not interact.
//!
//! A part is built exactly as the whole world is (every stream, shard and reader, with the same
//! names and random streams), but only the readers of its own shards get a first event, and only
//! its own shards are brought to the end of the run. Its events therefore come out in the same
//! relative order as in the whole world, provided no event of one shard reads state another
//! shard's events change; deciding that is the caller's business.

use super::{Account, ConsumerState, Event, ReaderId, World};
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
    ///
    /// Every field of the part is named here, with why it is merged or not: a new field is a
    /// compile error until its merge is decided.
    pub fn absorb(&mut self, part: World) {
        let World {
            spec: _,
            mut shards,
            mut readers,
            consumers,
            account,
            // Traces are drawn from runs on one thread.
            trace: _,
            // Parts are made only of models without lineage (`split::plan`).
            lineage: _,
            owned,
            // The caller replays the parts' logs of concurrency changes itself.
            busy_log: _,
            // Every part draws the same starts from the same spec.
            mapping_start: _,
        } = part;
        let mask = owned.expect("a part owns a set of shards");
        for (si, stream) in mask.iter().enumerate() {
            for (sh, &own) in stream.iter().enumerate() {
                if own {
                    std::mem::swap(
                        &mut self.shards.stream_mut(si)[sh],
                        &mut shards.stream_mut(si)[sh],
                    );
                    if let Some(m) = &mut self.owned {
                        m[si][sh] = true;
                    }
                }
            }
        }
        for r in self.readers.ids() {
            let rd = &readers[r];
            if mask[rd.stream as usize][rd.shard as usize] {
                self.readers.swap(&mut readers, r);
            }
        }
        for (mine, theirs) in self.consumers.iter_mut().zip(consumers) {
            let ConsumerState {
                metrics,
                // Warm environments are never shared across parts (`split::plan`).
                envs: _,
                depth: _,
            } = theirs;
            mine.metrics.absorb(&metrics);
        }
        let Account {
            // The same for every part: set from the spec.
            unreserved: _,
            // The state of the part's own loop, which nothing reads once the run is over.
            unreserved_busy: _,
            busy: _,
            // Replayed from the parts' logs (`World::set_peaks`).
            peak_busy: _,
            throttled,
        } = account;
        self.account.throttled += throttled;
    }

    /// Sets the most concurrent executions seen, per consumer and for the account.
    pub fn set_peaks(&mut self, consumers: &[u32], account: u32) {
        for (c, &p) in self.consumers.iter_mut().zip(consumers) {
            c.metrics.peak_concurrency = p;
        }
        self.account.peak_busy = account;
    }
}
