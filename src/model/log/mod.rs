//! The retained records of one shard, and the range queries readers ask of them.
//!
//! Records are numbered from 0 in write order. Every query (how many records are readable by time
//! t, how many fit in n bytes, the sum of their timestamps) costs O(log distance) from a hint,
//! whatever the number of records in a range. Two representations answer identically: while every
//! record is written alone (exact mode) the compact `unit::UnitLog`, about 9 bytes a record; once a
//! chunk of several records arrives (aggregate mode, duplicates, routed writes) the general
//! `chunks::ChunkLog`, into which the compact one is converted once.
//!
//! Guarantees: record numbers never change; trimming drops records from the front only;
//! [`ShardLog::end`] counts every record ever pushed.

mod chunks;
mod hint;
pub(crate) mod unit;

use crate::engine::Nanos;
use chunks::ChunkLog;
pub(crate) use hint::Hint;
use unit::UnitLog;

enum Repr {
    Unit(UnitLog),
    Chunks(ChunkLog),
}

/// A shard's log of records; see the module documentation.
pub struct ShardLog(Repr);

impl Default for ShardLog {
    fn default() -> Self {
        ShardLog(Repr::Unit(UnitLog::default()))
    }
}

/// Calls `$f` on whichever representation the log has.
macro_rules! either {
    ($log:expr, $l:ident => $f:expr) => {
        match $log {
            Repr::Unit($l) => $f,
            Repr::Chunks($l) => $f,
        }
    };
}

impl ShardLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// A log that starts in the general representation (to check the two agree).
    #[cfg(test)]
    fn general() -> Self {
        ShardLog(Repr::Chunks(ChunkLog::default()))
    }

    /// True while the log is in its compact representation.
    pub fn is_compact(&self) -> bool {
        matches!(self.0, Repr::Unit(_))
    }

    /// Number of records ever written (the next record's number).
    #[inline(always)]
    pub fn end(&self) -> u64 {
        either!(&self.0, l => l.end())
    }

    /// Number of the first record still retained.
    #[inline]
    pub fn start(&self) -> u64 {
        either!(&self.0, l => l.start())
    }

    /// Number of chunks retained (records, in the compact representation).
    pub fn chunks(&self) -> usize {
        either!(&self.0, l => l.chunks())
    }

    /// Appends `count` records written between `t_first` and `t_last` totalling `bytes`.
    #[inline(always)]
    pub fn push(&mut self, t_first: Nanos, t_last: Nanos, count: u64, bytes: u64) {
        debug_assert!(count > 0 && t_first <= t_last);
        match &mut self.0 {
            // A one-record chunk's record carries the chunk's last time, whatever its first.
            Repr::Unit(l) if count == 1 => l.push(t_last, bytes),
            Repr::Unit(_) => {
                self.generalise();
                self.push(t_first, t_last, count, bytes);
            }
            Repr::Chunks(l) => l.push(t_first, t_last, count, bytes),
        }
    }

    /// The compact representation, to append one-record chunks to it directly (None once the
    /// log is general).
    #[inline]
    pub(crate) fn unit_mut(&mut self) -> Option<&mut UnitLog> {
        match &mut self.0 {
            Repr::Unit(l) => Some(l),
            Repr::Chunks(_) => None,
        }
    }

    /// Converts the compact log into the chunk log, one chunk per retained record.
    #[cold]
    fn generalise(&mut self) {
        let Repr::Unit(u) = &self.0 else { return };
        let mut c = ChunkLog::starting_at(
            u.start(),
            u.bytes_before(u.start()),
            u.ts_sum_before(u.start()),
        );
        c.reserve(u.chunks() + 1);
        for (t, bytes) in u.records() {
            c.push(t, t, 1, bytes);
        }
        self.0 = Repr::Chunks(c);
    }

    /// Time of the last record written (None if nothing retained).
    #[inline]
    pub fn last_time(&self) -> Option<Nanos> {
        either!(&self.0, l => l.last_time())
    }

    /// Timestamp of record `r`, which must be retained.
    #[inline(always)]
    pub fn ts_of(&self, r: u64, hint: &Hint) -> Nanos {
        match &self.0 {
            Repr::Unit(l) => l.ts_of(r),
            Repr::Chunks(l) => l.ts_of(r, hint),
        }
    }

    /// Bytes of records before `r` (cumulative; `start() <= r <= end()`).
    #[inline(always)]
    pub fn bytes_before(&self, r: u64, hint: &Hint) -> u64 {
        match &self.0 {
            Repr::Unit(l) => l.bytes_before(r),
            Repr::Chunks(l) => l.bytes_before(r, hint),
        }
    }

    /// Sum of timestamps of records before `r` (cumulative; `start() <= r <= end()`).
    #[inline(always)]
    pub fn ts_sum_before(&self, r: u64, hint: &Hint) -> u128 {
        match &self.0 {
            Repr::Unit(l) => l.ts_sum_before(r),
            Repr::Chunks(l) => l.ts_sum_before(r, hint),
        }
    }

    /// Sum of the timestamps of records `start..end` (all retained, or `end == end()`).
    #[inline(always)]
    pub fn ts_sum_range(&self, start: u64, end: u64, hint: &Hint) -> u128 {
        match &self.0 {
            // One record (an enhanced fan-out push, usually): not worth remembering.
            Repr::Unit(l) if end <= start + 1 => l.ts_sum_range(start, end),
            Repr::Unit(l) => l.ts_sum_batch(start, end, hint),
            Repr::Chunks(l) => l.ts_sum_before(end, hint) - l.ts_sum_before(start, hint),
        }
    }

    /// Number just past the last record written at or before `t`.
    #[inline]
    pub fn end_at(&self, t: Nanos, hint: &Hint) -> u64 {
        either!(&self.0, l => l.end_at(t, hint))
    }

    /// Number just past the last record `e >= from` such that records `from..e` hold at most `bytes`.
    #[inline]
    pub fn end_within_bytes(&self, from: u64, bytes: u64, hint: &Hint) -> u64 {
        match &self.0 {
            Repr::Unit(l) => l.end_within_bytes(from, bytes),
            Repr::Chunks(l) => l.end_within_bytes(from, bytes, hint),
        }
    }

    /// [`ShardLog::end_within_bytes`], but no further than `cap`: answered without a search when
    /// the records `from..cap` fit, the usual case for a read limited by its record count.
    #[inline]
    pub fn end_within_bytes_upto(&self, from: u64, bytes: u64, cap: u64, hint: &Hint) -> u64 {
        self.end_and_bytes_within_upto(from, bytes, cap, hint).0
    }

    /// [`ShardLog::end_within_bytes_upto`] with the bytes of the records `from..end` it returns
    /// (a read needs both, and the search already looked the byte totals up).
    #[inline]
    pub fn end_and_bytes_within_upto(
        &self,
        from: u64,
        bytes: u64,
        cap: u64,
        hint: &Hint,
    ) -> (u64, u64) {
        let cap = cap.min(self.end());
        if cap <= from {
            return (from, 0);
        }
        let before = self.bytes_before(from, hint);
        // Everything written fits (a reader that keeps up), or at least everything up to `cap`.
        let to_end = self.bytes_before(self.end(), hint) - before;
        if to_end <= bytes && cap == self.end() {
            return (cap, to_end);
        }
        let to_cap = self.bytes_before(cap, hint) - before;
        if to_end <= bytes || to_cap <= bytes {
            return (cap, to_cap);
        }
        let e = self.end_within_bytes(from, bytes, hint).min(cap);
        (e, self.bytes_before(e, hint) - before)
    }

    /// Drops the records before `r` (whole chunks only in the chunk representation).
    pub fn trim_before(&mut self, r: u64) {
        either!(&mut self.0, l => l.trim_before(r))
    }
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
    fn the_compact_log_answers_like_the_chunk_log() {
        // One-record pushes, some spanning an interval (an aggregate chunk cut to one record by
        // the write limits), some seconds apart or huge (blocks that outgrow 32 bits), with trims,
        // queried from random hints in both representations.
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        let (mut fast, mut slow) = (ShardLog::new(), ShardLog::general());
        let mut t = 0;
        for n in 0..2000 {
            t += match rng.random_range(0..100) {
                0 => rng.random_range(5_000_000_000..9_000_000_000),
                _ => rng.random_range(0..20),
            };
            let span = if rng.random_bool(0.2) {
                rng.random_range(1..15)
            } else {
                0
            };
            let bytes = if rng.random_bool(0.01) {
                3_000_000_000
            } else {
                rng.random_range(1..50)
            };
            if span == 0 && rng.random_bool(0.1) {
                // A run of one-record writes through the compact log's tail (generation's path),
                // crossing block boundaries from wherever the log stands.
                let mut tail = fast.unit_mut().expect("compact").tail();
                for _ in 0..rng.random_range(1..150) {
                    t += rng.random_range(0..20);
                    tail.push(t, bytes);
                    slow.push(t, t, 1, bytes);
                }
                drop(tail);
                assert_eq!(fast.end(), slow.end());
                continue;
            }
            fast.push(t, t + span, 1, bytes);
            slow.push(t, t + span, 1, bytes);
            t += span;
            if n % 300 == 299 {
                let r = rng.random_range(fast.start()..=fast.end() + 5);
                fast.trim_before(r);
                slow.trim_before(r);
            }
            assert_eq!(fast.last_time(), slow.last_time());
        }
        assert!(fast.is_compact() && !slow.is_compact());
        for _ in 0..5000 {
            let (hf, hs) = (Hint::default(), Hint::default());
            hf.0.set(rng.random_range(0..2500));
            hs.0.set(rng.random_range(0..2500));
            assert_eq!((fast.start(), fast.end()), (slow.start(), slow.end()));
            let r = rng.random_range(fast.start()..fast.end());
            assert_eq!(fast.ts_of(r, &hf), slow.ts_of(r, &hs));
            let r = rng.random_range(fast.start()..=fast.end());
            assert_eq!(fast.bytes_before(r, &hf), slow.bytes_before(r, &hs));
            assert_eq!(fast.ts_sum_before(r, &hf), slow.ts_sum_before(r, &hs));
            let e = rng.random_range(r..=(r + 90).min(fast.end()));
            assert_eq!(fast.ts_sum_range(r, e, &hf), slow.ts_sum_range(r, e, &hs));
            let b = rng.random_range(0..400);
            assert_eq!(
                fast.end_within_bytes(r, b, &hf),
                slow.end_within_bytes(r, b, &hs)
            );
            // Capped: the cap when everything up to it (or to the end) fits, else the search's
            // answer below the cap; with the bytes of the records up to the answer.
            let cap = rng.random_range(r..=fast.end() + 3);
            let want = if cap.min(fast.end()) <= r {
                r
            } else if slow.bytes_before(slow.end(), &hs) - slow.bytes_before(r, &hs) <= b
                || slow.bytes_before(cap.min(slow.end()), &hs) - slow.bytes_before(r, &hs) <= b
            {
                cap.min(slow.end())
            } else {
                slow.end_within_bytes(r, b, &hs).min(cap)
            };
            let within = slow.bytes_before(want, &hs) - slow.bytes_before(r, &hs);
            assert_eq!(
                fast.end_and_bytes_within_upto(r, b, cap, &hf),
                (want, within)
            );
            assert_eq!(
                slow.end_and_bytes_within_upto(r, b, cap, &hs),
                (want, within)
            );
            let q = rng.random_range(0..t + 10);
            assert_eq!(fast.end_at(q, &hf), slow.end_at(q, &hs), "t {q}");
        }
        // A reader's batches, one after another with one hint (so each starts where the hint's
        // remembered sum ends), now and then one that starts elsewhere (a retry, an expiry skip):
        // the sums agree with the chunk log's, and with the compact log asked without a hint.
        let (reader, mut cached) = (Hint::default(), 0u32);
        let mut r = fast.start();
        while r < fast.end() {
            let e = rng.random_range(r..=(r + 150).min(fast.end()));
            let before = reader.1.get();
            let want = slow.ts_sum_range(r, e, &Hint::default());
            assert_eq!(fast.ts_sum_range(r, e, &reader), want, "{r}..{e}");
            assert_eq!(fast.unit_mut().expect("compact").ts_sum_range(r, e), want);
            cached += u32::from(before.0 == r && r < e);
            r = if rng.random_bool(0.1) {
                rng.random_range(fast.start()..=fast.end())
            } else {
                e
            };
        }
        assert!(cached > 10, "the remembered sum was used {cached} times");
        // A multi-record chunk turns the compact log into the chunk log, with the same answers.
        fast.push(t + 1, t + 91, 10, 1000);
        slow.push(t + 1, t + 91, 10, 1000);
        assert!(!fast.is_compact());
        let h = Hint::default();
        for r in fast.start()..=fast.end() {
            assert_eq!(fast.bytes_before(r, &h), slow.bytes_before(r, &h));
            assert_eq!(fast.ts_sum_before(r, &h), slow.ts_sum_before(r, &h));
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
