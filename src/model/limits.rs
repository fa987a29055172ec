//! Per-shard rate limits: the write window, the shared read limiter and the EFO byte pipe.
//!
//! Each limiter is a small state machine over simulated time with no allocation after creation.
//! AWS documents the limits but not the algorithms that enforce them; the algorithms chosen here are
//! documented in docs/model.md as assumptions.

use super::spec::ShardLimits;
use crate::engine::time::SEC;
use crate::engine::Nanos;

/// Write limits in fixed one-second windows: records beyond the limit in a window are rejected.
#[derive(Clone, Debug, Default)]
pub(crate) struct WriteWindow {
    window: u64,
    records: u64,
    bytes: u64,
}

impl WriteWindow {
    /// How many of `count` records (`bytes` in total) written at `t` are accepted.
    pub(crate) fn admit(&mut self, limits: &ShardLimits, t: Nanos, count: u64, bytes: u64) -> u64 {
        if count == 1 {
            self.admit_one(limits, t, bytes)
        } else {
            self.admit_many(limits, t, count, bytes)
        }
    }

    /// Starts a fresh window when `t` lies in a later second.
    #[inline]
    fn roll(&mut self, t: Nanos) {
        let w = t / SEC;
        if w != self.window {
            *self = WriteWindow {
                window: w,
                records: 0,
                bytes: 0,
            };
        }
    }

    fn admit_many(&mut self, limits: &ShardLimits, t: Nanos, count: u64, bytes: u64) -> u64 {
        self.roll(t);
        let by_records = limits
            .write_records_per_s
            .map_or(count, |l| l.saturating_sub(self.records).min(count));
        let per_record = bytes / count.max(1);
        let by_bytes = limits.write_bytes_per_s.map_or(count, |l| {
            let left = l.saturating_sub(self.bytes);
            left.checked_div(per_record).map_or(count, |n| n.min(count))
        });
        let n = by_records.min(by_bytes);
        self.records += n;
        self.bytes += per_record * n;
        n
    }

    /// [`WriteWindow::admit`] for a single record (exact mode): the same decisions without the
    /// integer divisions, which dominated the cost of writing one record.
    #[inline(always)]
    pub(crate) fn admit_one(&mut self, limits: &ShardLimits, t: Nanos, bytes: u64) -> u64 {
        self.roll(t);
        u64::from(self.take_one(limits.write_records_per_s, limits.write_bytes_per_s, bytes))
    }

    /// Counts one record of `bytes` bytes into the current window if it fits under the limits
    /// (records and bytes per second; None: no limit); true if it did.
    #[inline(always)]
    fn take_one(&mut self, max_records: Option<u64>, max_bytes: Option<u64>, bytes: u64) -> bool {
        let by_records = max_records.is_none_or(|l| self.records < l);
        let by_bytes =
            max_bytes.is_none_or(|l| bytes == 0 || l.saturating_sub(self.bytes) >= bytes);
        if by_records && by_bytes {
            self.records += 1;
            self.bytes += bytes;
            true
        } else {
            false
        }
    }
}

/// A [`WriteWindow`] taken out of its shard while a run of single records is admitted: the same
/// decisions as [`WriteWindow::admit_one`], with the window's bounds and the limits kept in locals
/// so that a record costs two comparisons to place in its second, not a division.
pub(crate) struct WriteRun {
    w: WriteWindow,
    /// The window's second, `[start, end)`.
    start: Nanos,
    end: Nanos,
    max_records: Option<u64>,
    max_bytes: Option<u64>,
}

impl WriteWindow {
    /// Starts admitting records one by one under `limits`; [`WriteWindow::finish`] puts it back.
    #[inline]
    pub(crate) fn run(&self, limits: &ShardLimits) -> WriteRun {
        WriteRun {
            w: self.clone(),
            start: self.window.saturating_mul(SEC),
            end: self.window.saturating_add(1).saturating_mul(SEC),
            max_records: limits.write_records_per_s,
            max_bytes: limits.write_bytes_per_s,
        }
    }

    /// Takes back the state of a finished [`WriteRun`].
    #[inline]
    pub(crate) fn finish(&mut self, run: WriteRun) {
        *self = run.w;
    }
}

impl WriteRun {
    /// True if a record of `bytes` bytes written at `t` is accepted.
    #[inline(always)]
    pub(crate) fn admit(&mut self, t: Nanos, bytes: u64) -> bool {
        if t >= self.end || t < self.start {
            self.roll(t);
        }
        self.w.take_one(self.max_records, self.max_bytes, bytes)
    }

    #[cold]
    fn roll(&mut self, t: Nanos) {
        self.w.roll(t);
        self.start = self.w.window.saturating_mul(SEC);
        self.end = self.w.window.saturating_add(1).saturating_mul(SEC);
    }
}

/// Outcome of a GetRecords call against the shared limiter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallVerdict {
    /// The call may read at most this many bytes.
    Allowed {
        max_bytes: u64,
    },
    Throttled,
}

/// The read limits every shared reader of a shard competes for.
///
/// A call is throttled when: a penalty is running; `read_calls_per_s` successful calls already fell
/// in the last second (sliding window); or the byte budget is overdrawn (which also starts the
/// overdraw penalty). A call that returns `max_bytes_per_call` starts the big-read penalty.
/// Throttled calls consume nothing.
#[derive(Clone, Debug)]
pub(crate) struct ReadLimiter {
    /// Times of the most recent successful calls (ring buffer, capacity = calls per second).
    recent: Vec<Nanos>,
    head: usize,
    tokens: f64,
    refreshed: Nanos,
    penalty_until: Nanos,
    /// Throttled calls caused by the byte limits (a penalty after a big or overdrawn read, or an
    /// overdrawn budget), as opposed to the call rate.
    pub throttled_by_bytes: u64,
}

impl ReadLimiter {
    pub(crate) fn new(limits: &ShardLimits) -> Self {
        let cap = limits.read_calls_per_s.unwrap_or(0) as usize;
        ReadLimiter {
            recent: Vec::with_capacity(cap),
            head: 0,
            tokens: limits.read_burst_bytes as f64,
            refreshed: 0,
            penalty_until: 0,
            throttled_by_bytes: 0,
        }
    }

    /// Asks to make a call at `t`.
    pub(crate) fn call(&mut self, limits: &ShardLimits, t: Nanos) -> CallVerdict {
        if t < self.penalty_until {
            self.throttled_by_bytes += 1;
            return CallVerdict::Throttled;
        }
        if let Some(cap) = limits.read_calls_per_s {
            if self.recent.len() == cap as usize && t < self.recent[self.head] + SEC {
                if limits.throttled_calls_count {
                    self.remember(cap, t);
                }
                return CallVerdict::Throttled;
            }
        }
        let max_bytes = match limits.read_bytes_per_s {
            Some(rate) => {
                let dt = (t - self.refreshed) as f64 / SEC as f64;
                self.tokens = (self.tokens + dt * rate as f64).min(limits.read_burst_bytes as f64);
                self.refreshed = t;
                if self.tokens < 0.0 {
                    self.penalty_until = t + limits.overdraw_penalty;
                    self.throttled_by_bytes += 1;
                    return CallVerdict::Throttled;
                }
                limits.max_bytes_per_call
            }
            None => limits.max_bytes_per_call,
        };
        if let Some(cap) = limits.read_calls_per_s {
            self.remember(cap, t);
        }
        CallVerdict::Allowed { max_bytes }
    }

    /// Counts a call at `t` in the sliding window.
    fn remember(&mut self, cap: u32, t: Nanos) {
        if self.recent.len() < cap as usize {
            self.recent.push(t);
        } else {
            self.recent[self.head] = t;
            self.head += 1;
            if self.head == self.recent.len() {
                self.head = 0;
            }
        }
    }

    /// Charges `bytes` returned by an allowed call at `t`.
    pub(crate) fn consume(&mut self, limits: &ShardLimits, t: Nanos, bytes: u64) {
        if limits.read_bytes_per_s.is_some() {
            self.tokens -= bytes as f64;
        }
        if bytes >= limits.max_bytes_per_call {
            self.penalty_until = self.penalty_until.max(t + limits.big_read_penalty);
        }
    }
}

/// A dedicated byte pipe (enhanced fan-out): a token bucket holding at most one second of bytes.
#[derive(Clone, Debug)]
pub(crate) struct BytePipe {
    tokens: f64,
    refreshed: Nanos,
}

impl BytePipe {
    pub(crate) fn new(rate: u64) -> Self {
        BytePipe {
            tokens: rate as f64,
            refreshed: 0,
        }
    }

    /// Bytes that may be pushed at `t` (at least 1 when the bucket is not overdrawn).
    pub(crate) fn available(&mut self, rate: u64, t: Nanos) -> u64 {
        let dt = (t - self.refreshed) as f64 / SEC as f64;
        self.tokens = (self.tokens + dt * rate as f64).min(rate as f64);
        self.refreshed = t;
        self.tokens.max(0.0) as u64
    }

    /// Charges `bytes` pushed at the last `available` time.
    pub(crate) fn consume(&mut self, bytes: u64) {
        self.tokens -= bytes as f64;
    }

    /// When the bucket will next hold at least one byte.
    pub(crate) fn refill_time(&self, rate: u64, t: Nanos) -> Nanos {
        if self.tokens >= 1.0 {
            t
        } else {
            t + ((1.0 - self.tokens) / rate as f64 * SEC as f64).ceil() as Nanos
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::MS;

    fn kinesis() -> ShardLimits {
        ShardLimits {
            write_records_per_s: Some(1000),
            write_bytes_per_s: Some(1 << 20),
            read_calls_per_s: Some(5),
            read_bytes_per_s: Some(2 << 20),
            read_burst_bytes: 2 << 20,
            max_records_per_call: 10_000,
            max_bytes_per_call: 10 << 20,
            big_read_penalty: 5 * SEC,
            overdraw_penalty: SEC,
            max_efo_consumers: 20,
            throttled_calls_count: false,
        }
    }

    #[test]
    fn five_calls_per_sliding_second() {
        let l = kinesis();
        let mut r = ReadLimiter::new(&l);
        for i in 0..5 {
            assert_ne!(r.call(&l, i * 100 * MS), CallVerdict::Throttled);
        }
        assert_eq!(r.call(&l, 999 * MS), CallVerdict::Throttled);
        assert_ne!(r.call(&l, 1000 * MS), CallVerdict::Throttled);
        assert_eq!(r.call(&l, 1050 * MS), CallVerdict::Throttled);
        assert_ne!(r.call(&l, 1100 * MS), CallVerdict::Throttled);
    }

    #[test]
    fn a_ten_megabyte_read_blocks_five_seconds() {
        let l = kinesis();
        let mut r = ReadLimiter::new(&l);
        assert_ne!(r.call(&l, 0), CallVerdict::Throttled);
        r.consume(&l, 0, 10 << 20);
        assert_eq!(r.call(&l, 4999 * MS), CallVerdict::Throttled);
        // Budget overdrawn by 8 MiB after 5 s at 2 MiB/s: back to positive after 4 s, so allowed.
        assert_ne!(r.call(&l, 5000 * MS), CallVerdict::Throttled);
    }

    #[test]
    fn an_overdrawn_budget_throttles_for_a_second() {
        let l = kinesis();
        let mut r = ReadLimiter::new(&l);
        assert_ne!(r.call(&l, 0), CallVerdict::Throttled);
        r.consume(&l, 0, 4 << 20); // 2 MiB overdrawn: positive again after 1 s of refill
        assert_eq!(r.call(&l, 500 * MS), CallVerdict::Throttled); // starts a 1 s penalty
        assert_eq!(r.call(&l, 1400 * MS), CallVerdict::Throttled);
        assert_ne!(r.call(&l, 1500 * MS), CallVerdict::Throttled);
    }

    #[test]
    fn the_write_window_rejects_beyond_the_limit() {
        let l = kinesis();
        let mut w = WriteWindow::default();
        assert_eq!(w.admit(&l, 0, 600, 600), 600);
        assert_eq!(w.admit(&l, 10, 600, 600), 400);
        assert_eq!(w.admit(&l, SEC, 1, 1), 1);
        assert_eq!(w.admit(&l, SEC, 10, 2 << 20), 5);
    }

    #[test]
    fn admitting_one_record_decides_like_the_general_rule() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        let mut limits = kinesis();
        limits.write_records_per_s = Some(40);
        limits.write_bytes_per_s = Some(30_000);
        let (mut fast, mut slow) = (WriteWindow::default(), WriteWindow::default());
        let mut t = 0;
        for i in 0..100_000u64 {
            t += rng.random_range(0..5 * MS);
            let bytes = rng.random_range(0..2000);
            let want = slow.admit_many(&limits, t, 1, bytes);
            assert_eq!(fast.admit(&limits, t, 1, bytes), want, "record {i}");
            assert_eq!(
                (fast.window, fast.records, fast.bytes),
                (slow.window, slow.records, slow.bytes)
            );
        }
    }

    #[test]
    fn a_run_of_single_records_decides_like_admitting_them_one_by_one() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(4);
        for (records, bytes) in [
            (Some(40), Some(30_000)),
            (None, Some(9_000)),
            (Some(7), None),
        ] {
            let mut limits = kinesis();
            limits.write_records_per_s = records;
            limits.write_bytes_per_s = bytes;
            let (mut one, mut batched) = (WriteWindow::default(), WriteWindow::default());
            let mut t = 0;
            for chunk in 0..200 {
                let mut run = batched.run(&limits);
                for i in 0..500u64 {
                    t += rng.random_range(0..5 * MS);
                    let b = rng.random_range(0..2000);
                    let want = one.admit_one(&limits, t, b) == 1;
                    assert_eq!(run.admit(t, b), want, "chunk {chunk} record {i}");
                }
                batched.finish(run);
                assert_eq!(
                    (batched.window, batched.records, batched.bytes),
                    (one.window, one.records, one.bytes)
                );
            }
        }
    }

    #[test]
    fn the_efo_pipe_refills_at_its_rate() {
        let mut p = BytePipe::new(1000);
        assert_eq!(p.available(1000, 0), 1000);
        p.consume(1500);
        assert_eq!(p.available(1000, 0), 0);
        assert_eq!(p.refill_time(1000, 0), 501 * MS);
        assert_eq!(p.available(1000, 600 * MS), 100);
    }
}
