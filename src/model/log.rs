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
///
/// Retained chunks live in a contiguous vector (trimming drains its front). While every retained
/// chunk holds exactly one record (always so in exact mode), record `r` is chunk `r - start()`, so
/// lookups by record number are direct indexing, with no search.
#[derive(Clone, Debug)]
pub struct ShardLog {
    chunks: Vec<Chunk>,
    /// Absolute number of the first retained chunk.
    first_chunk: u64,
    /// Totals before the first retained chunk.
    base_end: u64,
    base_bytes: u64,
    base_ts: u128,
    /// Every retained chunk holds exactly one record.
    unit: bool,
}

impl Default for ShardLog {
    fn default() -> Self {
        ShardLog {
            chunks: Vec::new(),
            first_chunk: 0,
            base_end: 0,
            base_bytes: 0,
            base_ts: 0,
            unit: true,
        }
    }
}

impl ShardLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of records ever written (the next record's number).
    #[inline(always)]
    pub fn end(&self) -> u64 {
        self.chunks.last().map_or(self.base_end, |c| c.end)
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
    #[inline]
    pub fn push(&mut self, t_first: Nanos, t_last: Nanos, count: u64, bytes: u64) {
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
            self.unit = false;
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
    pub fn last_time(&self) -> Option<Nanos> {
        self.chunks.last().map(|c| c.t_last)
    }

    /// Index of the chunk holding record `r` (`start() <= r < end()`), searched from `hint`.
    #[inline(always)]
    fn chunk_of(&self, r: u64, hint: &Hint) -> usize {
        if self.unit {
            return (r - self.base_end) as usize;
        }
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
    pub fn ts_of(&self, r: u64, hint: &Hint) -> Nanos {
        let i = self.chunk_of(r, hint);
        let c = &self.chunks[i];
        if self.unit {
            return c.t_last;
        }
        let (start, _, _) = self.chunk_start(i);
        spread_ts(c.t_first, c.t_last, c.end - start, r - start)
    }

    /// Bytes of records before `r` (cumulative; `start() <= r <= end()`).
    #[inline(always)]
    pub fn bytes_before(&self, r: u64, hint: &Hint) -> u64 {
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
    pub fn ts_sum_before(&self, r: u64, hint: &Hint) -> u128 {
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
    pub fn end_at(&self, t: Nanos, hint: &Hint) -> u64 {
        let h = hint.0.get().saturating_sub(self.first_chunk) as usize;
        let i = gallop(self.chunks.len(), h, |i| self.chunks[i].t_last <= t);
        if self.unit {
            // Chunk i is the first ending after t. A one-record chunk's record carries the chunk's
            // last time (as `ts_of` says, and the general case below), so it is not readable yet.
            hint.0.set(self.first_chunk + i as u64);
            return self.base_end + i as u64;
        }
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
    pub fn end_within_bytes(&self, from: u64, bytes: u64, hint: &Hint) -> u64 {
        let target = self.bytes_before(from, hint).saturating_add(bytes);
        if self.chunks.last().is_none_or(|c| c.bytes_end <= target) {
            // Everything left fits (the common case: limits far above what is buffered).
            return self.end();
        }
        let h = if self.unit {
            (from - self.base_end) as usize
        } else {
            hint.0.get().saturating_sub(self.first_chunk) as usize
        };
        let i = gallop(self.chunks.len(), h, |i| self.chunks[i].bytes_end <= target);
        if self.unit {
            // Chunk i is the first whose record does not fit.
            return (self.base_end + i as u64).max(from);
        }
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
    fn mul_div_is_exact_beyond_64_bits() {
        assert_eq!(mul_div(u64::MAX, u64::MAX, u64::MAX), u64::MAX);
        assert_eq!(mul_div(1 << 40, 1 << 40, 1 << 30), 1 << 50);
        assert_eq!(mul_div(7, 9, 4), 15);
        let big = spread_ts_sum(0, 1 << 40, 1 << 30, 1 << 30);
        let k = 1u128 << 30;
        assert_eq!(big, (1u128 << 40) * (k * (k - 1) / 2) / (k - 1));
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
    fn the_one_record_fast_path_answers_like_the_general_search() {
        // One-record chunks, some spanning an interval (an aggregate chunk cut to one record by
        // the write limits), queried with and without the fast path from random hints.
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        let mut fast = ShardLog::new();
        let mut t = 0;
        for _ in 0..400 {
            t += rng.random_range(0..20);
            let span = if rng.random_bool(0.2) {
                rng.random_range(1..15)
            } else {
                0
            };
            fast.push(t, t + span, 1, rng.random_range(1..50));
            t += span;
        }
        fast.trim_before(37);
        let mut slow = fast.clone();
        slow.unit = false;
        assert!(fast.unit);
        for _ in 0..3000 {
            let (hf, hs) = (Hint::default(), Hint::default());
            hs.0.set(rng.random_range(0..500));
            let r = rng.random_range(fast.start()..fast.end());
            assert_eq!(fast.ts_of(r, &hf), slow.ts_of(r, &hs));
            let r = rng.random_range(fast.start()..=fast.end());
            assert_eq!(fast.bytes_before(r, &hf), slow.bytes_before(r, &hs));
            assert_eq!(fast.ts_sum_before(r, &hf), slow.ts_sum_before(r, &hs));
            let b = rng.random_range(0..400);
            assert_eq!(
                fast.end_within_bytes(r, b, &hf),
                slow.end_within_bytes(r, b, &hs)
            );
            let q = rng.random_range(0..t + 10);
            assert_eq!(fast.end_at(q, &hf), slow.end_at(q, &hs), "t {q}");
        }
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

    #[test]
    fn end_at_agrees_with_ts_of_inside_chunks() {
        let h = Hint::default();
        let mut log = ShardLog::new();
        log.push(1_000, 1_997, 7, 700);
        log.push(2_003, 2_503, 3, 300);
        for r in 0..10 {
            let t = log.ts_of(r, &h);
            assert!(
                log.end_at(t, &h) > r,
                "record {r} at {t} must be readable at {t}"
            );
            if t > 0 && (r == 0 || log.ts_of(r - 1, &h) < t) {
                assert!(
                    log.end_at(t - 1, &h) <= r,
                    "record {r} must not be readable before {t}"
                );
            }
        }
    }
}
