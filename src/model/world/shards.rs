//! The world's shards, stream by stream, each with what the world keeps beside it: the readers
//! that read it, and the trimming policy (when its log next drops what every reader is done with).
//! Shards are named by stream and shard number, or by the reader that reads one.

use super::reader::Reader;
use super::ReaderId;
use crate::model::shard::Shard;

/// Chunks a log may hold before its first trim.
const FIRST_TRIM: usize = 1024;

/// One shard of the world, with its readers and trimming state.
pub(super) struct Slot {
    pub(super) shard: Shard,
    /// The world's readers that read this shard.
    pub(super) readers: Vec<ReaderId>,
    /// Chunk count at which the log is next trimmed.
    trim_at: usize,
}

impl Slot {
    pub(super) fn new(shard: Shard) -> Slot {
        Slot {
            shard,
            readers: Vec::new(),
            trim_at: FIRST_TRIM,
        }
    }

    /// The log has grown enough since its last trim to be trimmed again.
    #[inline]
    pub(super) fn trim_due(&self) -> bool {
        self.shard.log().chunks() >= self.trim_at
    }

    /// Drops the records before `low` (the lowest any reader may still need) and trims next when
    /// the log has doubled (at least [`FIRST_TRIM`] chunks): trimming costs amortised O(1) a chunk.
    pub(super) fn trim(&mut self, low: u64) {
        let low = low.min(self.shard.log().end());
        self.shard.trim_before(low);
        self.trim_at = (self.shard.log().chunks() * 2).max(FIRST_TRIM);
    }
}

/// Every shard of the world: `[stream][shard]`. Shards are only ever added.
pub(super) struct Shards(Vec<Vec<Slot>>);

impl Shards {
    pub(super) fn new(streams: Vec<Vec<Slot>>) -> Shards {
        Shards(streams)
    }

    /// Shard `sh` of stream `si`, with its readers.
    #[inline]
    pub(super) fn slot(&self, si: u32, sh: u32) -> &Slot {
        &self.0[si as usize][sh as usize]
    }

    #[inline]
    pub(super) fn slot_mut(&mut self, si: u32, sh: u32) -> &mut Slot {
        &mut self.0[si as usize][sh as usize]
    }

    /// The slot of shard `sh` of stream `si`, if there is one.
    pub(super) fn get_mut(&mut self, si: u32, sh: u32) -> Option<&mut Slot> {
        self.0.get_mut(si as usize)?.get_mut(sh as usize)
    }

    /// The shard reader `rd` reads.
    #[inline]
    pub(super) fn of(&self, rd: &Reader) -> &Shard {
        &self.slot(rd.stream, rd.shard).shard
    }

    /// The shards of stream `si`, in shard order.
    #[inline]
    pub(super) fn stream(&self, si: usize) -> &[Slot] {
        &self.0[si]
    }

    #[inline]
    pub(super) fn stream_mut(&mut self, si: usize) -> &mut Vec<Slot> {
        &mut self.0[si]
    }

    /// Streams, in spec order.
    pub(super) fn streams(&self) -> usize {
        self.0.len()
    }
}
