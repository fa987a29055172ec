//! Record generation: a shard's producers' arrivals drawn up to a time (all of them, or on a lazy
//! shard only as far as a reader looks), passed through the write limits into the log, with
//! duplicates, poison marks and routed writes, and counted in [`WriteCounts`].

use super::{Generator, Shard, UNRESOLVED};
use crate::engine::Nanos;
use crate::model::arrivals::Source;

impl Shard {
    /// The earliest time a record not yet in the log may be written (`Nanos::MAX` if never).
    pub fn next_arrival(&self) -> Nanos {
        if self.sealed() {
            return Nanos::MAX;
        }
        if self.generator.chunk > 0 {
            return self.generator.next_chunk;
        }
        self.generator
            .sources
            .iter()
            .map(Source::next_time)
            .min()
            .unwrap_or(Nanos::MAX)
    }

    /// Makes a lazy shard generate its records as time passes, like an eager one, from now on:
    /// `sim teach` samples what the traced shard holds. A lazy shard generates the same records,
    /// only later, so the run does not change (a test of `sim teach` holds this).
    pub fn make_eager(&mut self) {
        self.generator.lazy = false;
    }

    /// Generates every arrival up to time `t` (in aggregate mode: every chunk starting by `t`).
    #[inline]
    pub fn extend_to(&mut self, t: Nanos) {
        // Most calls find nothing due (every reader looks at every event): answered inline.
        if let [s] = &self.generator.sources[..] {
            if self.generator.chunk == 0 && s.next_time() > t {
                return;
            }
        }
        self.extend_due(t);
    }

    /// What a polling reader needs at `now`: on a lazy shard, the records written by `now` up to
    /// record number `need` (exclusive), and every record stamped at or before `keep_through`
    /// (so that a search for expired records finds them all); on any other shard, every record
    /// written by `now`. The records are the same whenever they are generated: a shard's draws
    /// come from its own sources, in order, and its write limits see them in the same order.
    #[inline]
    pub fn extend_for(&mut self, now: Nanos, need: u64, keep_through: Nanos) {
        if !self.generator.lazy {
            return self.extend_to(now);
        }
        if keep_through > 0 {
            self.extend_to(keep_through);
        }
        if let [s] = &self.generator.sources[..] {
            if self.generator.chunk == 0 && (s.next_time() > now || self.log.end() >= need) {
                return;
            }
        }
        self.extend_due_for(now, need);
    }

    /// [`Shard::extend_for`] when an arrival may be due and needed.
    #[inline(never)]
    fn extend_due_for(&mut self, t: Nanos, need: u64) {
        if self.alone() && self.extend_alone::<true>(t, need) {
            return;
        }
        self.extend_due(t);
    }

    /// Brings the shard to the end of the run at `end`. On a lazy shard, the records stamped at or
    /// before `keep_through` are kept (expiry at the end looks for them), and the rest that no
    /// reader reached are counted without being kept: no reader reads after the end.
    pub fn finish(&mut self, end: Nanos, keep_through: Nanos) {
        if self.generator.lazy {
            if keep_through > 0 {
                self.extend_to(keep_through);
            }
            if self.alone() && self.extend_alone::<false>(end, u64::MAX) {
                return;
            }
        }
        self.extend_to(end);
    }

    /// The shard can take the generation loop: open, exact mode, one source that never
    /// duplicates, no poison marks.
    #[inline]
    fn alone(&self) -> bool {
        !self.sealed()
            && self.generator.chunk == 0
            && self.marks.is_empty()
            && matches!(&self.generator.sources[..], [s] if s.never_duplicates())
    }

    /// [`Shard::extend_to`] when an arrival may be due.
    #[inline(never)]
    fn extend_due(&mut self, t: Nanos) {
        if self.sealed() {
            return;
        }
        if self.generator.chunk > 0 {
            while self.generator.next_chunk <= t {
                let a = self.generator.next_chunk;
                self.generator.next_chunk += self.generator.chunk;
                let (mut count, mut bytes, mut dups) = (0, 0, 0);
                for s in self.generator.sources.iter_mut() {
                    let (c, b) = s.draw_chunk(a, self.generator.chunk);
                    count += c;
                    bytes += b;
                    dups += s.draw_duplicates(c);
                }
                if count > 0 {
                    // Expected first and last order statistics of `count` uniform points.
                    let step = self.generator.chunk as f64 / (count + 1) as f64;
                    let t_first = a + step as Nanos;
                    let t_last = a + (step * count as f64) as Nanos;
                    let written = self.append(t_first, t_last, count, bytes);
                    self.append_duplicates(t_last, dups.min(written), bytes / count);
                }
            }
            return;
        }
        if self.alone() && self.extend_alone::<true>(t, u64::MAX) {
            return;
        }
        while let Some(i) = self.next_source(t) {
            let a = self.generator.sources[i].pop_exact();
            let written = self.append_one(a.t_last, a.bytes);
            let dups = self.generator.sources[i].draw_duplicates(written);
            self.append_duplicates(a.t_last, dups, a.bytes);
        }
    }

    /// [`Shard::extend_to`] in exact mode for a shard with one source that never duplicates and no
    /// poison marks, while the log is compact: the same records, limits and counts as
    /// [`Shard::append_one`] record by record, with the log's representation and the shard's
    /// counters looked up once per call instead of once per record. False (nothing done) when
    /// the log is no longer compact or the source is not a flat Poisson one. With `KEEP` it stops
    /// once the log holds `need` records; without, the records are counted and not kept (the end
    /// of a lazy shard's run: nothing may be appended after them).
    fn extend_alone<const KEEP: bool>(&mut self, t: Nanos, need: u64) -> bool {
        let Shard {
            log,
            generator:
                Generator {
                    sources,
                    limits,
                    write,
                    unkept,
                    ..
                },
            writes,
            ..
        } = self;
        let Some(log) = log.unit_mut() else {
            return false;
        };
        let source = &mut sources[0];
        let Some(r) = source.flat_poisson() else {
            return false;
        };
        debug_assert!(
            !KEEP || *unkept == 0,
            "a record kept after records counted only"
        );
        let (mut offered, mut offered_bytes, mut written, mut units) = (0u64, 0u64, 0u64, 0u64);
        // Records still to keep before `need` (KEEP), or counted without being kept (not KEEP).
        let mut room = need.saturating_sub(log.end());
        let mut tail = log.tail();
        let mut run = write.run(limits);
        let mut arrivals = source.flat_run(r);
        while arrivals.next_time() <= t && room > 0 {
            let (ts, bytes) = arrivals.pop();
            offered += 1;
            offered_bytes += bytes;
            if !run.admit(ts, bytes) {
                throttle_write(&mut writes.throttled, &mut writes.throttled_minutes, ts, 1);
                continue;
            }
            let bytes = bytes.max(1);
            written += bytes;
            units += put_units(bytes);
            if KEEP {
                tail.push(ts, bytes);
                room -= 1;
            } else {
                *unkept += 1;
            }
        }
        source.finish_flat(arrivals);
        drop(tail);
        write.finish(run);
        writes.offered_records += offered;
        writes.offered_bytes += offered_bytes;
        writes.bytes_written += written;
        writes.put_units += units;
        true
    }

    /// Writes `count` second copies of records just written at `t` (`bytes` each), and marks them.
    fn append_duplicates(&mut self, t: Nanos, count: u64, bytes: u64) {
        if count > 0 {
            let first = self.log.end();
            let written = self.append(t, t, count, bytes.max(1) * count);
            self.dups.push(first, written);
        }
    }

    /// [`Shard::append`] for one record written at `t`, the exact-mode path every record takes.
    #[inline(always)]
    fn append_one(&mut self, t: Nanos, bytes: u64) -> u64 {
        let admitted = self
            .generator
            .write
            .admit_one(&self.generator.limits, t, bytes);
        self.writes.offered_records += 1;
        self.writes.offered_bytes += bytes;
        if admitted == 0 {
            self.throttle_write(t, 1);
            return 0;
        }
        let bytes = bytes.max(1);
        self.writes.bytes_written += bytes;
        self.writes.put_units += bytes.div_ceil(25_000).max(1);
        let first = self.log.end();
        self.log.push(t, t, 1, bytes);
        if !self.marks.is_empty() {
            self.resolve_marks(t, first);
        }
        1
    }

    /// Counts `n` records rejected by the write limits at `t`.
    fn throttle_write(&mut self, t: Nanos, n: u64) {
        throttle_write(
            &mut self.writes.throttled,
            &mut self.writes.throttled_minutes,
            t,
            n,
        );
    }

    /// Points the poison marks reached by a write stamped `t_last` at its first record.
    fn resolve_marks(&mut self, t_last: Nanos, first: u64) {
        for m in self.marks.iter_mut() {
            if m.1 == UNRESOLVED && t_last >= m.0 {
                m.1 = first;
            }
        }
    }

    fn append(&mut self, t_first: Nanos, t_last: Nanos, count: u64, bytes: u64) -> u64 {
        let g = &mut self.generator;
        let admitted = g.write.admit(&g.limits, t_first, count, bytes);
        self.writes.offered_records += count;
        self.writes.offered_bytes += bytes;
        if admitted < count {
            self.throttle_write(t_first, count - admitted);
        }
        if admitted == 0 {
            return 0;
        }
        let first = self.log.end();
        let bytes = if count == 1 {
            bytes.max(1)
        } else {
            (bytes / count * admitted).max(admitted)
        };
        self.writes.bytes_written += bytes;
        self.writes.put_units += if admitted == 1 {
            bytes.div_ceil(25_000).max(1)
        } else {
            admitted * (bytes / admitted).div_ceil(25_000).max(1)
        };
        self.log.push(t_first, t_last, admitted, bytes);
        self.resolve_marks(t_last, first);
        admitted
    }

    /// A write by a router at `now` of `count` records and `bytes` bytes, first written anywhere
    /// between `origin_first` and `origin_last`. Arrivals of the shard's own producers up to `now`
    /// are written first. Returns how many records the write limits admitted (the rest are
    /// counted as write throttles, for the writer to retry).
    pub fn write_routed(
        &mut self,
        now: Nanos,
        count: u64,
        bytes: u64,
        origin_first: Nanos,
        origin_last: Nanos,
    ) -> u64 {
        self.extend_to(now);
        // In aggregate mode the last chunk may be stamped a little after `now`.
        let t = now.max(self.log.last_time().unwrap_or(0));
        let first = self.log.end();
        let admitted = self.append(t, t, count, bytes.max(count));
        let (lag_first, lag_last) = (
            t.saturating_sub(origin_first),
            t.saturating_sub(origin_last),
        );
        self.origin.push(first, admitted, lag_first, lag_last);
        admitted
    }

    #[inline]
    fn next_source(&self, t: Nanos) -> Option<usize> {
        if self.generator.sources.len() == 1 {
            return (self.generator.sources[0].next_time() <= t).then_some(0);
        }
        let (i, s) = self
            .generator
            .sources
            .iter()
            .enumerate()
            .min_by_key(|(_, s)| s.next_time())?;
        (s.next_time() <= t).then_some(i)
    }
}

/// Kinesis PUT payload units of one record of `bytes >= 1` bytes: one per started 25 KB. Nearly
/// every record is under 25 KB, so that case is a comparison, not a division.
#[inline(always)]
fn put_units(bytes: u64) -> u64 {
    if bytes <= 25_000 {
        1
    } else {
        bytes.div_ceil(25_000)
    }
}

/// Counts `n` records rejected by the write limits at `t`, in total and in `t`'s minute.
#[cold]
fn throttle_write(total: &mut u64, minutes: &mut Vec<u64>, t: Nanos, n: u64) {
    *total += n;
    let m = (t / crate::engine::time::MIN) as usize;
    if minutes.len() <= m {
        minutes.resize(m + 1, 0);
    }
    minutes[m] += n;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Dist;
    use crate::engine::rng::stream;
    use crate::engine::time::{MS, SEC};
    use crate::model::log::Hint;
    use crate::model::shard::WriteCounts;
    use crate::model::spec::ArrivalKind;
    use rand::Rng;
    use std::sync::Arc;

    /// A shard fed 1,300 records a second of log-normal sizes (about 1.9 MB/s), beyond both write
    /// limits of a Kinesis shard (1,000 records and 1 MiB a second).
    fn busy_shard(lazy: bool) -> Shard {
        let size = Dist::LogNormal {
            mu: 6.9,
            sigma: 0.9,
        };
        let profile: Arc<[(Nanos, f64)]> = Arc::from(vec![(0, 1.0)]);
        let source = Source::new(
            1300.0,
            ArrivalKind::Poisson,
            size,
            profile,
            stream(3, &[1]),
            0,
        );
        Shard::new(vec![source], 0, &crate::model::aws::kinesis_limits(), lazy)
    }

    /// What a shard counted of the records offered to it, and where its source stands.
    fn counts(s: &Shard) -> (u64, WriteCounts, Nanos) {
        (s.records_written(), s.writes.clone(), s.next_arrival())
    }

    /// A lazy shard generates only what its readers ask for, keeps what is stamped before the
    /// expiry cutoff, and at the end counts the rest without keeping it: its counts are an eager
    /// shard's, and every record it kept is the eager shard's record.
    #[test]
    fn a_lazy_shard_counts_what_an_eager_one_writes() {
        let (mut lazy, mut eager) = (busy_shard(true), busy_shard(false));
        let mut rng = stream(5, &[3]);
        let (mut t, mut cursor) = (0, 0);
        for _ in 0..300 {
            t += rng.random_range(0..300 * MS);
            cursor = (cursor + rng.random_range(0..60)).min(lazy.log.end());
            let keep_through = t.saturating_sub(40 * SEC);
            lazy.extend_for(t, cursor + 101, keep_through);
            eager.extend_for(t, cursor + 101, keep_through);
            let h = Hint::default();
            // What a reader at `cursor` may look at is there, and the same.
            let want = eager.readable_end(t, &h).min(cursor + 101);
            assert!(lazy.readable_end(t, &h) >= want, "at {t}");
            assert!(lazy.log.end() <= eager.log.end());
            if keep_through > 0 {
                assert_eq!(
                    lazy.log.end_at(keep_through, &h),
                    eager.log.end_at(keep_through, &h)
                );
            }
        }
        assert!(
            lazy.log.end() < eager.log.end() / 2,
            "the lazy shard kept less: {} of {}",
            lazy.log.end(),
            eager.log.end()
        );
        let end = t + 10 * SEC;
        lazy.finish(end, end - 40 * SEC);
        eager.finish(end, end - 40 * SEC);
        assert!(lazy.generator.unkept > 0 && eager.generator.unkept == 0);
        let h = Hint::default();
        let kept = lazy.log.end();
        assert_eq!(
            lazy.log.end_at(end - 40 * SEC, &h),
            eager.log.end_at(end - 40 * SEC, &h)
        );
        for r in (0..kept).step_by(331) {
            assert_eq!(lazy.log.ts_of(r, &h), eager.log.ts_of(r, &h));
        }
        assert_eq!(
            lazy.log.bytes_before(kept, &h),
            eager.log.bytes_before(kept, &h)
        );
        assert_eq!(counts(&lazy), counts(&eager));
        assert!(lazy.writes.throttled > 0, "the write limits were reached");
    }

    #[test]
    fn the_generation_loop_writes_what_the_record_by_record_path_writes() {
        let (mut fast, mut slow) = (busy_shard(false), busy_shard(false));
        // A poison mark that is never reached keeps `slow` on the record-by-record path.
        slow.add_mark(Nanos::MAX);
        let mut rng = stream(4, &[2]);
        let mut t = 0;
        for _ in 0..400 {
            t += rng.random_range(0..300 * MS);
            fast.extend_to(t);
            slow.extend_to(t);
            assert_eq!(fast.log.end(), slow.log.end(), "at {t}");
        }
        let h = Hint::default();
        let end = fast.log.end();
        assert!(end > 20_000 && fast.log.is_compact(), "{end}");
        assert_eq!(
            fast.log.bytes_before(end, &h),
            slow.log.bytes_before(end, &h)
        );
        assert_eq!(
            fast.log.ts_sum_before(end, &h),
            slow.log.ts_sum_before(end, &h)
        );
        for r in (0..end).step_by(997) {
            assert_eq!(fast.log.ts_of(r, &h), slow.log.ts_of(r, &h));
        }
        assert_eq!(counts(&fast), counts(&slow));
        assert!(fast.writes.throttled > 0, "the write limits were reached");
        assert!(t > 40 * SEC);
    }

    #[test]
    fn put_units_count_one_per_started_25_kb() {
        for bytes in (1..200_000).chain([u64::MAX / 2, u64::MAX]) {
            assert_eq!(put_units(bytes), bytes.div_ceil(25_000).max(1), "{bytes}");
        }
    }
}
