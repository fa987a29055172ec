//! The retained records of one shard, as a sequence of chunks with prefix sums.
//!
//! Records are numbered from 0 in write order. A chunk groups consecutive records written between
//! `t_first` and `t_last`; inside a chunk, record timestamps are spread evenly and bytes shared
//! evenly, so a chunk of one record is exact. Prefix sums of counts, bytes and timestamps make every
//! range query (how many records are readable by time t, how many fit in n bytes, the sum of their
//! timestamps) cost O(log chunks), whatever the number of records in a range.
//!
//! Guarantees: record numbers never change; trimming drops whole chunks from the front only;
//! [`ShardLog::end`] counts every record ever pushed.

use crate::engine::Nanos;
use std::cell::Cell;
use std::collections::VecDeque;

/// A remembered position in a log (an absolute chunk number), so that lookups near it cost
/// O(log distance) in nearby memory instead of a binary search over the whole log. Any hint is
/// correct; a good one is fast. Each reader keeps its own.
#[derive(Clone, Debug, Default)]
pub struct Hint(Cell<u64>);

/// First index in `0..len` where `pred` is false, for `pred` true-then-false, searched outward
/// from `h` (exponential then binary search).
#[inline]
fn gallop(len: usize, h: usize, pred: impl Fn(usize) -> bool) -> usize {
    if len == 0 {
        return 0;
    }
    let h = h.min(len - 1);
    let (mut lo, mut hi);
    if pred(h) {
        // Answer is in (h, len].
        lo = h + 1;
        let mut step = 1;
        hi = loop {
            let probe = h + step;
            if probe >= len {
                break len;
            }
            if !pred(probe) {
                break probe;
            }
            lo = probe + 1;
            step *= 2;
        };
    } else {
        // Answer is in [0, h].
        hi = h;
        let mut step = 1;
        lo = loop {
            if step > h {
                break 0;
            }
            let probe = h - step;
            if pred(probe) {
                break probe + 1;
            }
            hi = probe;
            step *= 2;
        };
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

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

/// A shard's log of records; see the module documentation.
#[derive(Clone, Debug, Default)]
pub struct ShardLog {
    chunks: VecDeque<Chunk>,
    /// Absolute number of the first retained chunk.
    first_chunk: u64,
    /// Totals before the first retained chunk.
    base_end: u64,
    base_bytes: u64,
    base_ts: u128,
}

impl ShardLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of records ever written (the next record's number).
    #[inline]
    pub fn end(&self) -> u64 {
        self.chunks.back().map_or(self.base_end, |c| c.end)
    }

    /// Number of the first record still retained.
    #[inline]
    pub fn start(&self) -> u64 {
        self.base_end
    }

    /// Number of chunks retained.
    pub fn chunks(&self) -> usize {
        self.chunks.len()
    }

    /// Appends `count` records written between `t_first` and `t_last` totalling `bytes`.
    pub fn push(&mut self, t_first: Nanos, t_last: Nanos, count: u64, bytes: u64) {
        debug_assert!(count > 0 && t_first <= t_last);
        let (end, bytes_end, ts_end) = self
            .chunks
            .back()
            .map_or((self.base_end, self.base_bytes, self.base_ts), |c| {
                (c.end, c.bytes_end, c.ts_end)
            });
        let ts_sum = spread_ts_sum(t_first, t_last, count, count);
        self.chunks.push_back(Chunk {
            t_first,
            t_last,
            end: end + count,
            bytes_end: bytes_end + bytes,
            ts_end: ts_end + ts_sum,
        });
    }

    /// Time of the last record written (None if nothing retained).
    pub fn last_time(&self) -> Option<Nanos> {
        self.chunks.back().map(|c| c.t_last)
    }

    /// Index of the chunk holding record `r` (`start() <= r < end()`), searched from `hint`.
    #[inline]
    fn chunk_of(&self, r: u64, hint: &Hint) -> usize {
        let h = hint.0.get().saturating_sub(self.first_chunk) as usize;
        let i = gallop(self.chunks.len(), h, |i| self.chunks[i].end <= r);
        hint.0.set(self.first_chunk + i as u64);
        i
    }

    #[inline]
    fn chunk_start(&self, i: usize) -> (u64, u64, u128) {
        if i == 0 {
            (self.base_end, self.base_bytes, self.base_ts)
        } else {
            let c = &self.chunks[i - 1];
            (c.end, c.bytes_end, c.ts_end)
        }
    }

    /// Timestamp of record `r`, which must be retained.
    pub fn ts_of(&self, r: u64, hint: &Hint) -> Nanos {
        let i = self.chunk_of(r, hint);
        let c = &self.chunks[i];
        let (start, _, _) = self.chunk_start(i);
        spread_ts(c.t_first, c.t_last, c.end - start, r - start)
    }

    /// Bytes of records before `r` (cumulative; `start() <= r <= end()`).
    pub fn bytes_before(&self, r: u64, hint: &Hint) -> u64 {
        if r == self.end() {
            return self.chunks.back().map_or(self.base_bytes, |c| c.bytes_end);
        }
        let i = self.chunk_of(r, hint);
        let c = &self.chunks[i];
        let (start, b0, _) = self.chunk_start(i);
        let n = c.end - start;
        b0 + ((c.bytes_end - b0) as u128 * (r - start) as u128 / n as u128) as u64
    }

    /// Sum of timestamps of records before `r` (cumulative; `start() <= r <= end()`).
    pub fn ts_sum_before(&self, r: u64, hint: &Hint) -> u128 {
        if r == self.end() {
            return self.chunks.back().map_or(self.base_ts, |c| c.ts_end);
        }
        let i = self.chunk_of(r, hint);
        let c = &self.chunks[i];
        let (start, _, t0) = self.chunk_start(i);
        t0 + spread_ts_sum(c.t_first, c.t_last, c.end - start, r - start)
    }

    /// Number just past the last record written at or before `t`.
    pub fn end_at(&self, t: Nanos, hint: &Hint) -> u64 {
        let h = hint.0.get().saturating_sub(self.first_chunk) as usize;
        let i = gallop(self.chunks.len(), h, |i| self.chunks[i].t_last <= t);
        let (start, _, _) = self.chunk_start(i);
        match self.chunks.get(i) {
            Some(c) if c.t_first <= t => {
                let n = c.end - start;
                // Records j with spread_ts(j) <= t.
                let span = c.t_last - c.t_first;
                let j = ((t - c.t_first) as u128 * (n - 1) as u128 / span as u128) as u64 + 1;
                start + j.min(n)
            }
            _ => start,
        }
    }

    /// Number just past the last record `e >= from` such that records `from..e` hold at most `bytes`.
    pub fn end_within_bytes(&self, from: u64, bytes: u64, hint: &Hint) -> u64 {
        let target = self.bytes_before(from, hint).saturating_add(bytes);
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
    pub fn trim_before(&mut self, r: u64) {
        while let Some(c) = self.chunks.front() {
            if c.end > r {
                break;
            }
            self.base_end = c.end;
            self.base_bytes = c.bytes_end;
            self.base_ts = c.ts_end;
            self.chunks.pop_front();
            self.first_chunk += 1;
        }
    }
}

/// Timestamp of record `j` of `n` spread evenly over `[t_first, t_last]`.
#[inline]
fn spread_ts(t_first: Nanos, t_last: Nanos, n: u64, j: u64) -> Nanos {
    if n <= 1 {
        return t_last;
    }
    t_first + ((t_last - t_first) as u128 * j as u128 / (n - 1) as u128) as Nanos
}

/// Sum of the timestamps of the first `k` of `n` records spread evenly over `[t_first, t_last]`.
#[inline]
fn spread_ts_sum(t_first: Nanos, t_last: Nanos, n: u64, k: u64) -> u128 {
    if n <= 1 {
        return k as u128 * t_last as u128;
    }
    let span = (t_last - t_first) as u128;
    k as u128 * t_first as u128
        + span * (k as u128 * (k as u128).saturating_sub(1) / 2) / (n - 1) as u128
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn exact(times: &[(Nanos, u64)]) -> ShardLog {
        let mut log = ShardLog::new();
        for &(t, b) in times {
            log.push(t, t, 1, b);
        }
        log
    }

    #[test]
    fn exact_records_answer_range_queries() {
        let h = Hint::default();
        let log = exact(&[(10, 100), (20, 200), (30, 300), (30, 50)]);
        assert_eq!(log.end(), 4);
        assert_eq!(log.ts_of(1, &h), 20);
        assert_eq!(log.end_at(9, &h), 0);
        assert_eq!(log.end_at(10, &h), 1);
        assert_eq!(log.end_at(29, &h), 2);
        assert_eq!(log.end_at(30, &h), 4);
        assert_eq!(log.bytes_before(2, &h), 300);
        assert_eq!(log.end_within_bytes(0, 299, &h), 1);
        assert_eq!(log.end_within_bytes(0, 300, &h), 2);
        assert_eq!(log.end_within_bytes(1, 500, &h), 3);
        assert_eq!(log.end_within_bytes(1, 10_000, &h), 4);
        assert_eq!(log.ts_sum_before(3, &h), 60);
    }

    #[test]
    fn a_chunk_spreads_its_records_evenly() {
        let h = Hint::default();
        let mut log = ShardLog::new();
        log.push(100, 190, 10, 1000); // records at 100, 110, ..., 190
        assert_eq!(log.ts_of(0, &h), 100);
        assert_eq!(log.ts_of(9, &h), 190);
        assert_eq!(log.ts_of(4, &h), 140);
        assert_eq!(log.end_at(139, &h), 4);
        assert_eq!(log.end_at(140, &h), 5);
        assert_eq!(log.bytes_before(5, &h), 500);
        assert_eq!(log.ts_sum_before(3, &h), 100 + 110 + 120);
        assert_eq!(log.end_within_bytes(2, 250, &h), 4);
    }

    #[test]
    fn trimming_keeps_numbers_and_sums() {
        let h = Hint::default();
        let mut log = exact(&[(1, 10), (2, 10), (3, 10)]);
        log.trim_before(2);
        assert_eq!(log.start(), 2);
        assert_eq!(log.end(), 3);
        assert_eq!(log.ts_of(2, &h), 3);
        assert_eq!(log.bytes_before(3, &h), 30);
        assert_eq!(log.ts_sum_before(3, &h), 6);
        log.trim_before(10);
        assert_eq!((log.start(), log.end()), (3, 3));
        log.push(4, 4, 1, 10);
        assert_eq!(log.end_at(4, &h), 4);
    }

    #[test]
    fn gallop_agrees_with_partition_point_from_any_hint() {
        let xs: Vec<u64> = (0..300).map(|i| i * 3).collect();
        for target in [0u64, 1, 3, 100, 450, 897, 898, 5000] {
            let want = xs.partition_point(|&x| x <= target);
            for h in [0usize, 1, 7, 150, 299, 1000] {
                assert_eq!(
                    gallop(xs.len(), h, |i| xs[i] <= target),
                    want,
                    "target {target} hint {h}"
                );
            }
        }
        assert_eq!(gallop(0, 5, |_| true), 0);
    }

    #[test]
    fn lookups_agree_with_a_record_by_record_model() {
        // Shadow model: every record with its timestamp and size, in a BTreeMap by number.
        let mut log = ShardLog::new();
        let mut shadow = BTreeMap::new();
        let mut t = 0;
        for n in 0..500u64 {
            t += n % 7;
            let bytes = 1 + n % 13;
            log.push(t, t, 1, bytes);
            shadow.insert(n, (t, bytes));
        }
        let h = Hint::default();
        let mut cum = 0;
        for (&n, &(ts, b)) in &shadow {
            assert_eq!(log.ts_of(n, &h), ts);
            assert_eq!(log.bytes_before(n, &h), cum);
            cum += b;
        }
        for from in [0u64, 17, 250, 499] {
            for budget in [0u64, 5, 60, 1000] {
                let mut e = from;
                let mut used = 0;
                while e < 500 && used + shadow[&e].1 <= budget {
                    used += shadow[&e].1;
                    e += 1;
                }
                assert_eq!(
                    log.end_within_bytes(from, budget, &h),
                    e,
                    "from {from} budget {budget}"
                );
            }
        }
    }
}
