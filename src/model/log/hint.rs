//! Where a query into a log starts: a reader's [`Hint`] and the galloping search outward from it,
//! shared by both representations of the log.

use std::cell::Cell;

/// A remembered position in a log (an absolute chunk number, which is the record number while
/// chunks hold one record), so that lookups near it cost O(log distance) in nearby memory instead
/// of a search over the whole log. Any hint is correct; a good one is fast. Each reader keeps its own.
///
/// It also remembers the sum of the timestamps before the end of the last range whose sum it was
/// asked for (`(record, sum)`; `(0, 0)` at first, which is exact). That one is not a guess: it is
/// used only when the next range starts exactly there, as a reader's next batch does, so the
/// batch costs one prefix sum instead of two. A hint must therefore stay with one log, as each
/// reader's stays with its one shard.
#[derive(Clone, Debug, Default)]
pub struct Hint(pub(super) Cell<u64>, pub(super) Cell<(u64, u128)>);

/// First index in `0..len` where `pred` is false, for `pred` true-then-false, searched outward
/// from `h` (exponential then binary search).
#[inline]
pub(super) fn gallop(len: usize, h: usize, pred: impl Fn(usize) -> bool) -> usize {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
