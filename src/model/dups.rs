//! Which records of a shard are duplicate copies written by the source itself (Kinesis Data
//! Streams for DynamoDB may write an item change twice), as runs of consecutive record numbers.
//!
//! Guarantees: counting the duplicates in any range of record numbers is exact and costs
//! O(log runs); a shard whose producers never duplicate keeps no runs.

/// Runs `(first record, count, duplicates in earlier runs)`, in record order.
#[derive(Clone, Debug, Default)]
pub struct DupMarks {
    runs: Vec<(u64, u64, u64)>,
    total: u64,
}

impl DupMarks {
    /// Marks records `start..start + count` (after every earlier run) as duplicates.
    pub fn push(&mut self, start: u64, count: u64) {
        if count == 0 {
            return;
        }
        match self.runs.last_mut() {
            Some(last) if last.0 + last.1 == start => last.1 += count,
            _ => self.runs.push((start, count, self.total)),
        }
        self.total += count;
    }

    /// Duplicates numbered below `r`.
    fn before(&self, r: u64) -> u64 {
        let i = self.runs.partition_point(|x| x.0 < r);
        match i.checked_sub(1).map(|k| self.runs[k]) {
            None => self.runs.first().map_or(self.total, |x| x.2),
            Some((s, c, b)) => b + (r - s).min(c),
        }
    }

    /// Duplicates among records `a..b`.
    pub fn count(&self, a: u64, b: u64) -> u64 {
        if self.runs.is_empty() || b <= a {
            return 0;
        }
        self.before(b) - self.before(a)
    }

    /// Forgets runs that end at or before record `r` (counts over later records are unchanged).
    pub fn trim_before(&mut self, r: u64) {
        let k = self.runs.partition_point(|x| x.0 + x.1 <= r);
        self.runs.drain(..k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_match_a_record_by_record_tally() {
        let mut d = DupMarks::default();
        let marks = [(2, 1), (3, 2), (9, 1), (15, 4)];
        let mut dup = [false; 25];
        for (s, c) in marks {
            d.push(s, c);
            for r in s..s + c {
                dup[r as usize] = true;
            }
        }
        for a in 0..25u64 {
            for b in a..25u64 {
                let want = (a..b).filter(|&r| dup[r as usize]).count() as u64;
                assert_eq!(d.count(a, b), want, "{a}..{b}");
            }
        }
        d.trim_before(9);
        assert_eq!(d.count(9, 25), 5);
        assert_eq!(d.count(10, 17), 2);
    }
}
