//! The general log: chunks of records with prefix sums, for logs that hold multi-record chunks
//! (aggregate mode, duplicates, routed writes). Inside a chunk, record timestamps are spread evenly
//! and bytes shared evenly, so a chunk of one record is exact.

use super::hint::{gallop, Hint};
use crate::engine::Nanos;

#[derive(Clone, Copy, Debug)]
struct Chunk {
    t_first: Nanos,
    t_last: Nanos,
    /// Record number just past this chunk.
    end: u64,
    /// Bytes of all records up to `end`.
    bytes_end: u64,
    /// Sum of timestamps of all records up to `end`.
    ts_end: u128,
}

/// Chunks of records with prefix sums; see the module documentation. Retained chunks live in a
/// contiguous vector (trimming drains its front); lookups by record number gallop from a hint.
#[derive(Clone, Debug, Default)]
pub(super) struct ChunkLog {
    chunks: Vec<Chunk>,
    /// Absolute number of the first retained chunk.
    first_chunk: u64,
    /// Totals before the first retained chunk.
    base_end: u64,
    base_bytes: u64,
    base_ts: u128,
}

impl ChunkLog {
    /// A log whose retained records start at `start`, after `bytes` bytes and timestamps summing to
    /// `ts`; its chunks are numbered from `start` (one record each until now), so hints stay valid.
    pub(super) fn starting_at(start: u64, bytes: u64, ts: u128) -> Self {
        ChunkLog {
            chunks: Vec::new(),
            first_chunk: start,
            base_end: start,
            base_bytes: bytes,
            base_ts: ts,
        }
    }

    /// Makes room for `n` more chunks.
    pub(super) fn reserve(&mut self, n: usize) {
        self.chunks.reserve(n);
    }

    /// Number of records ever written (the next record's number).
    #[inline(always)]
    pub(super) fn end(&self) -> u64 {
        self.chunks.last().map_or(self.base_end, |c| c.end)
    }

    /// Number of the first record still retained.
    #[inline]
    pub(super) fn start(&self) -> u64 {
        self.base_end
    }

    /// Number of chunks retained.
    pub(super) fn chunks(&self) -> usize {
        self.chunks.len()
    }

    /// Appends `count` records written between `t_first` and `t_last` totalling `bytes`.
    #[inline]
    pub(super) fn push(&mut self, t_first: Nanos, t_last: Nanos, count: u64, bytes: u64) {
        debug_assert!(count > 0 && t_first <= t_last);
        let (end, bytes_end, ts_end) = self
            .chunks
            .last()
            .map_or((self.base_end, self.base_bytes, self.base_ts), |c| {
                (c.end, c.bytes_end, c.ts_end)
            });
        let ts_sum = if count == 1 {
            t_last as u128
        } else {
            spread_ts_sum(t_first, t_last, count, count)
        };
        self.chunks.push(Chunk {
            t_first,
            t_last,
            end: end + count,
            bytes_end: bytes_end + bytes,
            ts_end: ts_end + ts_sum,
        });
    }

    /// Time of the last record written (None if nothing retained).
    #[inline]
    pub(super) fn last_time(&self) -> Option<Nanos> {
        self.chunks.last().map(|c| c.t_last)
    }

    /// Index of the chunk holding record `r` (`start() <= r < end()`), searched from `hint`.
    #[inline(always)]
    fn chunk_of(&self, r: u64, hint: &Hint) -> usize {
        let h = hint.0.get().saturating_sub(self.first_chunk) as usize;
        let i = gallop(self.chunks.len(), h, |i| self.chunks[i].end <= r);
        hint.0.set(self.first_chunk + i as u64);
        i
    }

    #[inline(always)]
    fn chunk_start(&self, i: usize) -> (u64, u64, u128) {
        if i == 0 {
            (self.base_end, self.base_bytes, self.base_ts)
        } else {
            let c = &self.chunks[i - 1];
            (c.end, c.bytes_end, c.ts_end)
        }
    }

    /// Timestamp of record `r`, which must be retained.
    #[inline(always)]
    pub(super) fn ts_of(&self, r: u64, hint: &Hint) -> Nanos {
        let i = self.chunk_of(r, hint);
        let c = &self.chunks[i];
        let (start, _, _) = self.chunk_start(i);
        spread_ts(c.t_first, c.t_last, c.end - start, r - start)
    }

    /// Bytes of records before `r` (cumulative; `start() <= r <= end()`).
    #[inline(always)]
    pub(super) fn bytes_before(&self, r: u64, hint: &Hint) -> u64 {
        if r == self.end() {
            return self.chunks.last().map_or(self.base_bytes, |c| c.bytes_end);
        }
        let i = self.chunk_of(r, hint);
        let (start, b0, _) = self.chunk_start(i);
        if r == start {
            return b0;
        }
        let c = &self.chunks[i];
        let n = c.end - start;
        b0 + mul_div(c.bytes_end - b0, r - start, n)
    }

    /// Sum of timestamps of records before `r` (cumulative; `start() <= r <= end()`).
    #[inline(always)]
    pub(super) fn ts_sum_before(&self, r: u64, hint: &Hint) -> u128 {
        if r == self.end() {
            return self.chunks.last().map_or(self.base_ts, |c| c.ts_end);
        }
        let i = self.chunk_of(r, hint);
        let (start, _, t0) = self.chunk_start(i);
        if r == start {
            return t0;
        }
        let c = &self.chunks[i];
        t0 + spread_ts_sum(c.t_first, c.t_last, c.end - start, r - start)
    }

    /// Number just past the last record written at or before `t`.
    #[inline]
    pub(super) fn end_at(&self, t: Nanos, hint: &Hint) -> u64 {
        let h = hint.0.get().saturating_sub(self.first_chunk) as usize;
        let i = gallop(self.chunks.len(), h, |i| self.chunks[i].t_last <= t);
        let (start, _, _) = self.chunk_start(i);
        match self.chunks.get(i) {
            Some(c) if c.t_first <= t => {
                let n = c.end - start;
                // Records j with spread_ts(j) <= t, i.e. floor(span * j / (n - 1)) <= t - t_first:
                // exactly the timestamps `ts_of` reports, so the two never disagree.
                let span = c.t_last - c.t_first;
                let d = u128::from(t - c.t_first) + 1;
                let j = (d * u128::from(n - 1)).div_ceil(u128::from(span)) as u64;
                start + j.min(n)
            }
            _ => start,
        }
    }

    /// Number just past the last record `e >= from` such that records `from..e` hold at most `bytes`.
    #[inline]
    pub(super) fn end_within_bytes(&self, from: u64, bytes: u64, hint: &Hint) -> u64 {
        let target = self.bytes_before(from, hint).saturating_add(bytes);
        if self.chunks.last().is_none_or(|c| c.bytes_end <= target) {
            // Everything left fits (the common case: limits far above what is buffered).
            return self.end();
        }
        let h = hint.0.get().saturating_sub(self.first_chunk) as usize;
        let i = gallop(self.chunks.len(), h, |i| self.chunks[i].bytes_end <= target);
        let (start, b0, _) = self.chunk_start(i);
        match self.chunks.get(i) {
            Some(c) => {
                let n = c.end - start;
                let cb = c.bytes_end - b0;
                // Largest k with floor(cb * k / n) <= target - b0.
                let k = (((target - b0) as u128 + 1) * n as u128).div_ceil(cb as u128) - 1;
                (start + k as u64).max(from)
            }
            None => self.end(),
        }
    }

    /// Drops whole chunks that lie entirely before record `r`.
    pub(super) fn trim_before(&mut self, r: u64) {
        let k = self.chunks.partition_point(|c| c.end <= r);
        if k == 0 {
            return;
        }
        let c = self.chunks[k - 1];
        self.base_end = c.end;
        self.base_bytes = c.bytes_end;
        self.base_ts = c.ts_end;
        self.chunks.drain(..k);
        self.first_chunk += k as u64;
    }
}

/// Timestamp of record `j` of `n` spread evenly over `[t_first, t_last]`.
#[inline]
fn spread_ts(t_first: Nanos, t_last: Nanos, n: u64, j: u64) -> Nanos {
    if n <= 1 {
        return t_last;
    }
    t_first + mul_div(t_last - t_first, j, n - 1)
}

/// `a * b / d` rounded down, exactly (`d > 0`, result below 2^64): in u64 when the product fits,
/// avoiding a 128-bit division, which costs several times more.
#[inline(always)]
fn mul_div(a: u64, b: u64, d: u64) -> u64 {
    match a.checked_mul(b) {
        Some(p) => p / d,
        None => (a as u128 * b as u128 / d as u128) as u64,
    }
}

/// Sum of the timestamps of the first `k` of `n` records spread evenly over `[t_first, t_last]`.
#[inline]
fn spread_ts_sum(t_first: Nanos, t_last: Nanos, n: u64, k: u64) -> u128 {
    if n <= 1 {
        return k as u128 * t_last as u128;
    }
    let span = t_last - t_first;
    let pairs = k as u128 * (k as u128).saturating_sub(1) / 2;
    let spread = match u64::try_from(pairs).ok().and_then(|p| span.checked_mul(p)) {
        Some(p) => (p / (n - 1)) as u128,
        None => span as u128 * pairs / (n - 1) as u128,
    };
    k as u128 * t_first as u128 + spread
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mul_div_is_exact_beyond_64_bits() {
        assert_eq!(mul_div(u64::MAX, u64::MAX, u64::MAX), u64::MAX);
        assert_eq!(mul_div(1 << 40, 1 << 40, 1 << 30), 1 << 50);
        assert_eq!(mul_div(7, 9, 4), 15);
        let big = spread_ts_sum(0, 1 << 40, 1 << 30, 1 << 30);
        let k = 1u128 << 30;
        assert_eq!(big, (1u128 << 40) * (k * (k - 1) / 2) / (k - 1));
    }
}
