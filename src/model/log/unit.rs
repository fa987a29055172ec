//! The log while every record is written alone (exact mode): about 8.8 bytes a record.
//!
//! Records sit in blocks of [`B`]. A block keeps its first record's time and the totals before it
//! at full width, and per record only two 32-bit offsets: its time after the block's first, and the
//! block's bytes up to and including it. A block whose offsets outgrow 32 bits (records seconds
//! apart, or huge ones) moves them to 64 bits, so nothing is ever rounded. Blocks are boxed, so a
//! growing log never copies records, and trimming frees whole blocks.

use super::hint::{gallop, Hint};
use crate::engine::Nanos;

/// Records per block (a power of two).
const B: usize = 64;
const SHIFT: u32 = B.trailing_zeros();

/// The 64-bit offsets of a block that outgrew 32 bits.
struct Wide {
    t: [u64; B],
    b: [u64; B],
}

struct Block {
    /// Time of the block's first record.
    t0: Nanos,
    /// Bytes, and the sum of timestamps, of every record before the block.
    bytes0: u64,
    ts0: u128,
    /// Per record: its time minus `t0`, and the block's bytes up to and including it.
    t: [u32; B],
    b: [u32; B],
    wide: Option<Box<Wide>>,
}

impl Block {
    fn new(t0: Nanos, bytes0: u64, ts0: u128) -> Box<Block> {
        Box::new(Block {
            t0,
            bytes0,
            ts0,
            t: [0; B],
            b: [0; B],
            wide: None,
        })
    }

    /// Time of the block's record `i`, after `t0`.
    #[inline(always)]
    fn t_off(&self, i: usize) -> u64 {
        match &self.wide {
            None => u64::from(self.t[i]),
            Some(w) => w.t[i],
        }
    }

    /// Bytes of the block's records `0..=i`.
    #[inline(always)]
    fn b_incl(&self, i: usize) -> u64 {
        match &self.wide {
            None => u64::from(self.b[i]),
            Some(w) => w.b[i],
        }
    }

    /// Bytes of the block's records before `i`.
    #[inline(always)]
    fn b_before(&self, i: usize) -> u64 {
        if i == 0 {
            0
        } else {
            self.b_incl(i - 1)
        }
    }

    /// Sum of the time offsets of the block's records before `i`.
    #[inline]
    fn t_off_sum(&self, i: usize) -> u64 {
        self.t_off_sum_range(0, i)
    }

    /// Sum of the time offsets of the block's records `i..j`.
    #[inline]
    fn t_off_sum_range(&self, i: usize, j: usize) -> u64 {
        match &self.wide {
            None => self.t[i..j].iter().map(|&x| u64::from(x)).sum(),
            Some(w) => w.t[i..j].iter().sum(),
        }
    }

    /// Stores record `i` (`t_off` after `t0`, `b` bytes of the block up to it), widening the
    /// block first when either does not fit in 32 bits.
    #[inline]
    fn set(&mut self, i: usize, t_off: u64, b: u64) {
        if self.wide.is_none() {
            if let (Ok(t), Ok(b)) = (u32::try_from(t_off), u32::try_from(b)) {
                self.t[i] = t;
                self.b[i] = b;
                return;
            }
            self.widen(i);
        }
        let w = self.wide.as_mut().expect("widened above");
        w.t[i] = t_off;
        w.b[i] = b;
    }

    #[cold]
    fn widen(&mut self, filled: usize) {
        let mut w = Box::new(Wide {
            t: [0; B],
            b: [0; B],
        });
        for i in 0..filled {
            w.t[i] = u64::from(self.t[i]);
            w.b[i] = u64::from(self.b[i]);
        }
        self.wide = Some(w);
    }
}

/// Appends records to a [`UnitLog`] exactly as repeated [`UnitLog::push`] does, with the log's
/// totals and its last block held in locals (the compiler keeps them in registers) until the tail
/// is dropped. Generating records is most of the work of a run whose readers fall behind, and
/// this is its write.
pub(crate) struct Tail<'a> {
    log: &'a mut UnitLog,
    end: u64,
    bytes_end: u64,
    ts_end: u128,
    /// Place of the next record in `block`.
    i: usize,
    /// The last block while it is partly filled (`None`: the next record starts a block).
    block: Option<Box<Block>>,
    /// Bytes of `block`'s records so far.
    block_bytes: u64,
}

impl Tail<'_> {
    /// Appends one record stamped `t` (no earlier than the last) of `bytes` bytes.
    #[inline(always)]
    pub(crate) fn push(&mut self, t: Nanos, bytes: u64) {
        if self.block.is_none() {
            self.start_block(t);
        }
        self.block_bytes += bytes;
        let (i, b) = (self.i, self.block_bytes);
        let block = self.block.as_mut().expect("started above");
        block.set(i, t - block.t0, b);
        self.end += 1;
        self.bytes_end += bytes;
        self.ts_end += u128::from(t);
        self.i += 1;
        if self.i == B {
            self.close_block();
        }
    }

    #[cold]
    fn start_block(&mut self, t: Nanos) {
        self.i = 0;
        self.block_bytes = 0;
        self.block = Some(Block::new(t, self.bytes_end, self.ts_end));
    }

    #[cold]
    fn close_block(&mut self) {
        if let Some(b) = self.block.take() {
            self.log.blocks.push(b);
        }
        self.i = 0;
    }
}

impl Drop for Tail<'_> {
    fn drop(&mut self) {
        if let Some(b) = self.block.take() {
            self.log.blocks.push(b);
        }
        self.log.end = self.end;
        self.log.bytes_end = self.bytes_end;
        self.log.ts_end = self.ts_end;
    }
}

/// One-record chunks in compact blocks; see the module documentation. Answers every query exactly
/// as [`super::chunks::ChunkLog`] does for the same one-record pushes.
#[derive(Default)]
pub(crate) struct UnitLog {
    // Boxed on purpose: growing the vector moves 8-byte pointers, not 560-byte blocks, and never
    // holds two copies of the records at once.
    #[allow(clippy::vec_box)]
    blocks: Vec<Box<Block>>,
    /// Record number of the first record of `blocks[0]`.
    first: u64,
    /// First record still retained (`first <= start <= end`): trimming is exact to the record, even
    /// though memory is freed a block at a time.
    start: u64,
    end: u64,
    /// Bytes, and the sum of timestamps, of every record ever written.
    bytes_end: u64,
    ts_end: u128,
}

impl UnitLog {
    #[inline(always)]
    pub(crate) fn end(&self) -> u64 {
        self.end
    }

    #[inline(always)]
    pub(crate) fn start(&self) -> u64 {
        self.start
    }

    /// Records retained (each is a chunk).
    pub(crate) fn chunks(&self) -> usize {
        (self.end - self.start) as usize
    }

    /// Appends one record stamped `t` (no earlier than the last) of `bytes` bytes.
    #[inline(always)]
    pub(crate) fn push(&mut self, t: Nanos, bytes: u64) {
        let i = (self.end - self.first) as usize & (B - 1);
        if i == 0 {
            self.blocks.push(Block::new(t, self.bytes_end, self.ts_end));
        }
        let block = self.blocks.last_mut().expect("a block was pushed above");
        let b = block.b_before(i) + bytes;
        block.set(i, t - block.t0, b);
        self.end += 1;
        self.bytes_end += bytes;
        self.ts_end += u128::from(t);
    }

    /// The end of the log, to append many records in a row to it (see [`Tail`]).
    #[inline]
    pub(crate) fn tail(&mut self) -> Tail<'_> {
        let i = (self.end - self.first) as usize & (B - 1);
        // A partly filled last block is taken out while records are appended to it.
        let block = if i == 0 { None } else { self.blocks.pop() };
        let block_bytes = block.as_ref().map_or(0, |b| b.b_incl(i - 1));
        Tail {
            end: self.end,
            bytes_end: self.bytes_end,
            ts_end: self.ts_end,
            i,
            block,
            block_bytes,
            log: self,
        }
    }

    /// Time of the last record retained.
    #[inline]
    pub(crate) fn last_time(&self) -> Option<Nanos> {
        (self.end > self.start).then(|| self.ts_of(self.end - 1))
    }

    /// The block holding record `r` and `r`'s place in it.
    #[inline(always)]
    fn locate(&self, r: u64) -> (&Block, usize) {
        let k = (r - self.first) as usize;
        (&self.blocks[k >> SHIFT], k & (B - 1))
    }

    /// Timestamp of record `r`, which must be retained.
    #[inline(always)]
    pub(crate) fn ts_of(&self, r: u64) -> Nanos {
        let (b, i) = self.locate(r);
        b.t0 + b.t_off(i)
    }

    /// Bytes of records before `r` (`start() <= r <= end()`).
    #[inline(always)]
    pub(crate) fn bytes_before(&self, r: u64) -> u64 {
        if r == self.end {
            return self.bytes_end;
        }
        let (b, i) = self.locate(r);
        b.bytes0 + b.b_before(i)
    }

    /// Sum of the timestamps of records before `r` (`start() <= r <= end()`).
    #[inline]
    pub(crate) fn ts_sum_before(&self, r: u64) -> u128 {
        if r == self.end {
            return self.ts_end;
        }
        let k = (r - self.first) as usize;
        let (b, i) = (&self.blocks[k >> SHIFT], k & (B - 1));
        match self.blocks.get((k >> SHIFT) + 1) {
            // In the second half of a full block, the sum up to the next block's start less the
            // block's records from `i` on: a scan of fewer than half a block either way.
            Some(next) if i > B / 2 => {
                next.ts0
                    - ((B - i) as u128 * u128::from(b.t0) + u128::from(b.t_off_sum_range(i, B)))
            }
            _ => b.ts0 + i as u128 * u128::from(b.t0) + u128::from(b.t_off_sum(i)),
        }
    }

    /// The first retained record from `lo` on for which `past` holds (`end` if none), for `past`
    /// false then true in record order, galloping from record `h`: a reader's next answer is
    /// usually a few records from its last, so this costs a handful of lookups.
    #[inline]
    fn first_past(&self, lo: u64, h: u64, past: impl Fn(u64) -> bool) -> u64 {
        let len = (self.end - self.start) as usize;
        let h = (h.clamp(self.start, self.end) - self.start) as usize;
        let i = gallop(len, h, |i| !past(self.start + i as u64));
        (self.start + i as u64).max(lo)
    }

    /// Sum of the timestamps of records `start..end`: a scan of just those records when one block
    /// holds them all (a small batch), else the difference of two prefix sums.
    #[inline]
    pub(crate) fn ts_sum_range(&self, start: u64, end: u64) -> u128 {
        if start >= end {
            return 0;
        }
        if end - start == 1 {
            // A batch of one record: enhanced fan-out pushes records about as fast as they come.
            return u128::from(self.ts_of(start));
        }
        if self.spans_blocks(start, end) {
            return self.ts_sum_before(end) - self.ts_sum_before(start);
        }
        self.ts_sum_in_block(start, end)
    }

    /// Sum of the timestamps of records `start..end` (`start < end`) that one block holds: a scan
    /// of just those records.
    #[inline(always)]
    fn ts_sum_in_block(&self, start: u64, end: u64) -> u128 {
        let (b, i) = self.locate(start);
        let n = (end - start) as usize;
        n as u128 * u128::from(b.t0) + u128::from(b.t_off_sum_range(i, i + n))
    }

    /// [`Self::ts_sum_range`] of a batch of two or more records, which starts where the hint's
    /// remembered sum ends when the reader's previous batch ended there; remembers the sum before
    /// `end` for the next batch.
    pub(crate) fn ts_sum_batch(&self, start: u64, end: u64, hint: &Hint) -> u128 {
        let (at, before) = hint.1.get();
        if !self.spans_blocks(start, end) {
            let sum = self.ts_sum_in_block(start, end);
            if at == start {
                hint.1.set((end, before + sum));
            }
            return sum;
        }
        let before = if at == start {
            before
        } else {
            self.ts_sum_before(start)
        };
        let before_end = self.ts_sum_before(end);
        hint.1.set((end, before_end));
        before_end - before
    }

    /// Whether records `start..end` (`start < end`) lie in more than one block, where their
    /// timestamp sum is a difference of two prefix sums rather than a scan of the records.
    #[inline(always)]
    pub(crate) fn spans_blocks(&self, start: u64, end: u64) -> bool {
        let (k0, k1) = (start - self.first, end - 1 - self.first);
        k0 >> SHIFT != k1 >> SHIFT
    }

    /// Number just past the last retained record stamped at or before `t`.
    #[inline]
    pub(crate) fn end_at(&self, t: Nanos, hint: &Hint) -> u64 {
        let e = self.first_past(self.start, hint.0.get(), |r| self.ts_of(r) > t);
        hint.0.set(e);
        e
    }

    /// Number just past the last record `e >= from` such that records `from..e` hold at most `bytes`.
    #[inline]
    pub(crate) fn end_within_bytes(&self, from: u64, bytes: u64) -> u64 {
        let target = self.bytes_before(from).saturating_add(bytes);
        if self.bytes_end <= target {
            return self.end;
        }
        // The first record (from `from` on) whose bytes up to and including it exceed the target.
        self.first_past(from, from, |r| self.bytes_before(r + 1) > target)
    }

    /// Retains only records from `r` on (none before `start()` come back); frees whole blocks.
    pub(crate) fn trim_before(&mut self, r: u64) {
        self.start = self.start.max(r.min(self.end));
        // Blocks wholly before `start`: never a partly filled last block, which the next push fills.
        let k = (((self.start - self.first) >> SHIFT) as usize).min(self.blocks.len());
        self.blocks.drain(..k);
        self.first += (k << SHIFT) as u64;
    }

    /// Every retained record as `(timestamp, bytes)`, oldest first.
    pub(crate) fn records(&self) -> impl Iterator<Item = (Nanos, u64)> + '_ {
        (self.start..self.end).map(|r| {
            (
                self.ts_of(r),
                self.bytes_before(r + 1) - self.bytes_before(r),
            )
        })
    }
}
