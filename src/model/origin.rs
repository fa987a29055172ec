//! How long before its write to this stream each record was first written anywhere: the "lag" a
//! record carries from earlier hops of a topology (a router reading one stream and writing to
//! another).
//!
//! A record written by a producer has lag 0 and costs nothing here. Records written by a router
//! come in runs (one run per router write to one shard); inside a run the lag goes evenly from the
//! lag of its first record to that of its last, like timestamps inside a log chunk. The origin time
//! of record `r` is its timestamp in this stream minus its lag.
//!
//! Guarantees: record numbers are those of the shard's log; a record outside every run has lag 0;
//! sums over record ranges are exact for the runs as stored, in O(log runs).

use crate::engine::Nanos;

#[derive(Clone, Copy, Debug)]
struct Run {
    /// Record number of the first record of the run.
    start: u64,
    count: u64,
    lag_first: Nanos,
    lag_last: Nanos,
    /// Sum of the lags of every record in earlier runs.
    lag_before: u128,
}

impl Run {
    /// Sum of the lags of the first `k` records of this run (`k <= count`).
    fn lag_sum(&self, k: u64) -> u128 {
        if self.count <= 1 {
            return k as u128 * self.lag_last as u128;
        }
        // Lags go linearly from lag_first (j = 0) to lag_last (j = count - 1): sum over j < k of
        // lag_first + (lag_last - lag_first) * j / (count - 1), in signed 128-bit arithmetic.
        let d = self.lag_last as i128 - self.lag_first as i128;
        let tri = k as i128 * (k as i128 - 1) / 2;
        let v = k as i128 * self.lag_first as i128 + d * tri / (self.count as i128 - 1);
        v.max(0) as u128
    }

    fn lag_of(&self, j: u64) -> Nanos {
        if self.count <= 1 {
            return self.lag_last;
        }
        let d = self.lag_last as i128 - self.lag_first as i128;
        (self.lag_first as i128 + d * j as i128 / (self.count as i128 - 1)).max(0) as Nanos
    }
}

/// The lags of one shard's router-written records; see the module documentation.
#[derive(Clone, Debug, Default)]
pub struct OriginLog {
    runs: Vec<Run>,
    /// Sum of the lags of every record in every run ever pushed.
    total: u128,
}

impl OriginLog {
    /// True when no record of the shard carries a lag.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Records `count` records starting at record number `start` (after every earlier run), whose
    /// lags go from `lag_first` to `lag_last`.
    pub fn push(&mut self, start: u64, count: u64, lag_first: Nanos, lag_last: Nanos) {
        debug_assert!(self.runs.last().is_none_or(|r| r.start + r.count <= start));
        if count == 0 {
            return;
        }
        let run = Run {
            start,
            count,
            lag_first,
            lag_last,
            lag_before: self.total,
        };
        self.total += run.lag_sum(count);
        self.runs.push(run);
    }

    /// Sum of the lags of every record numbered below `r`.
    pub fn lag_sum_before(&self, r: u64) -> u128 {
        let i = self.runs.partition_point(|x| x.start < r);
        match i.checked_sub(1).map(|k| &self.runs[k]) {
            None => self.runs.first().map_or(0, |x| x.lag_before),
            Some(x) => x.lag_before + x.lag_sum((r - x.start).min(x.count)),
        }
    }

    /// The lag of record `r` (0 outside every run).
    pub fn lag_of(&self, r: u64) -> Nanos {
        let i = self.runs.partition_point(|x| x.start <= r);
        match i.checked_sub(1).map(|k| &self.runs[k]) {
            Some(x) if r < x.start + x.count => x.lag_of(r - x.start),
            _ => 0,
        }
    }

    /// Forgets runs that end at or before record `r` (sums over later records are unchanged).
    pub fn trim_before(&mut self, r: u64) {
        let k = self.runs.partition_point(|x| x.start + x.count <= r);
        self.runs.drain(..k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lags record by record, for comparison.
    fn naive(runs: &[(u64, u64, Nanos, Nanos)], end: u64) -> Vec<Nanos> {
        let mut lags = vec![0; end as usize];
        for &(s, c, a, b) in runs {
            for j in 0..c {
                let lag = if c <= 1 {
                    b
                } else {
                    (a as i128 + (b as i128 - a as i128) * j as i128 / (c as i128 - 1)) as Nanos
                };
                lags[(s + j) as usize] = lag;
            }
        }
        lags
    }

    #[test]
    fn range_sums_and_single_lags_match_a_record_by_record_count() {
        let runs = [
            (3, 1, 50, 50),
            (4, 5, 100, 200),
            (12, 4, 900, 300),
            (20, 3, 7, 7),
        ];
        let mut o = OriginLog::default();
        for &(s, c, a, b) in &runs {
            o.push(s, c, a, b);
        }
        let lags = naive(&runs, 30);
        for r in 0..30u64 {
            assert_eq!(o.lag_of(r), lags[r as usize], "lag of {r}");
            // The sum of a linear run can differ from the record-by-record one by rounding only.
            let want: u128 = lags[..r as usize].iter().map(|&x| x as u128).sum();
            let got = o.lag_sum_before(r);
            assert!(got.abs_diff(want) <= 4, "sum before {r}: {got} vs {want}");
        }
        o.trim_before(10);
        assert_eq!(o.lag_of(12), 900);
        assert_eq!(o.lag_sum_before(30) - o.lag_sum_before(12), {
            let s: u128 = lags[12..30].iter().map(|&x| x as u128).sum();
            s
        });
    }

    #[test]
    fn producer_records_have_no_lag() {
        let o = OriginLog::default();
        assert!(o.is_empty());
        assert_eq!(o.lag_of(5), 0);
        assert_eq!(o.lag_sum_before(1_000_000), 0);
    }
}
