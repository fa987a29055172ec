//! A min-priority event queue on `(time, sequence)`.
//!
//! Guarantees: events come out in non-decreasing time; events with equal time come out in the order
//! they were scheduled (the monotone sequence number breaks ties), so the order never depends on
//! heap internals. Scheduling into the past is a logic error and panics in debug builds.

use super::time::Nanos;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

struct Entry<E> {
    time: Nanos,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap and we want the earliest entry on top.
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// The pending events of a simulation, with the current clock.
pub struct Queue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    now: Nanos,
}

impl<E> Default for Queue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Queue<E> {
    /// An empty queue at time zero.
    pub fn new() -> Self {
        Queue {
            heap: BinaryHeap::with_capacity(1024),
            next_seq: 0,
            now: 0,
        }
    }

    /// The time of the event last popped (zero before the first).
    pub fn now(&self) -> Nanos {
        self.now
    }

    /// Schedules `event` at absolute time `time` (not before [`Queue::now`]).
    pub fn schedule(&mut self, time: Nanos, event: E) {
        debug_assert!(time >= self.now, "event scheduled in the past");
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { time, seq, event });
    }

    /// Removes and returns the earliest event if its time is at most `until`, advancing the clock.
    pub fn pop_until(&mut self, until: Nanos) -> Option<(Nanos, E)> {
        if self.heap.peek()?.time > until {
            return None;
        }
        let entry = self.heap.pop()?;
        self.now = entry.time;
        Some((entry.time, entry.event))
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use std::collections::BTreeMap;

    #[test]
    fn matches_a_btreemap_shadow_under_random_operations() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let mut q = Queue::new();
        let mut shadow: BTreeMap<(Nanos, u64), u32> = BTreeMap::new();
        let mut seq = 0u64;
        let mut now = 0;
        for i in 0..20_000u32 {
            if rng.random_bool(0.55) {
                let t = now + rng.random_range(0..50);
                q.schedule(t, i);
                shadow.insert((t, seq), i);
                seq += 1;
            } else {
                let until = now + rng.random_range(0..30);
                let got = q.pop_until(until);
                let want = shadow
                    .first_key_value()
                    .filter(|(k, _)| k.0 <= until)
                    .map(|(k, v)| (k.0, *v));
                if want.is_some() {
                    shadow.pop_first();
                }
                assert_eq!(got, want);
                if let Some((t, _)) = got {
                    now = t;
                }
            }
        }
    }

    #[test]
    fn equal_times_pop_in_insertion_order() {
        let mut q = Queue::new();
        for i in 0..100 {
            q.schedule(5, i);
        }
        let order: Vec<_> = std::iter::from_fn(|| q.pop_until(10).map(|e| e.1)).collect();
        assert_eq!(order, (0..100).collect::<Vec<_>>());
    }
}
