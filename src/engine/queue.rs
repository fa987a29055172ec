//! A min-priority event queue on `(time, sequence)`.
//!
//! Guarantees: events come out in non-decreasing time; events with equal time come out in the order
//! they were scheduled (the monotone sequence number breaks ties), so the order never depends on
//! heap internals. Scheduling into the past is a logic error and panics in debug builds.
//!
//! Events scheduled for the current instant (common: a reader that finds work already waiting
//! acts "now") skip the heap: they wait in a FIFO behind any heap entries for the same instant,
//! which were all scheduled before them. The order is exactly the `(time, seq)` order.
//!
//! Events scheduled a fixed delay ahead (a throttled reader's constant backoff, an idle poll's
//! interval, a fixed-length invocation) skip the heap too. A delay that a recent heap-bound
//! schedule also had claims one of a few *lanes*: FIFOs that each take every later event scheduled
//! that same delay ahead. The clock never goes back, so each lane's keys only grow and its front is
//! its earliest; a pop takes the least key among the heap's top and the lanes' fronts. So the
//! order is still exactly `(time, seq)`, while most events of a contended run cost a push and a
//! pop at the ends of a FIFO instead of a sift through the heap.

use super::time::Nanos;
use std::collections::VecDeque;

#[derive(Clone, Copy)]
struct Entry<E> {
    /// `time << 64 | seq`: unique, and ordered like `(time, seq)`.
    key: u128,
    event: E,
}

impl<E> Entry<E> {
    /// `self` comes out before `other` (earlier time, then earlier scheduling).
    #[inline(always)]
    fn before(&self, other: &Self) -> bool {
        self.key < other.key
    }
}

/// Children per node: a 4-ary heap is shallower than a binary one and its children share a
/// cache line or two, which makes `pop` (the hot operation) cheaper.
const ARITY: usize = 4;

/// How many fixed delays can have a lane at once.
const LANES: usize = 4;

/// The events scheduled one fixed delay ahead, in scheduling order, which is key order.
struct Lane<E> {
    delay: Nanos,
    fifo: VecDeque<Entry<E>>,
}

/// The pending events of a simulation, with the current clock.
pub struct Queue<E> {
    /// A 4-ary min-heap on `(time, seq)`.
    heap: Vec<Entry<E>>,
    /// Events scheduled at `now` while `now` was the clock, in scheduling order. Every heap entry
    /// for time `now` was scheduled before any of them.
    immediate: VecDeque<E>,
    /// The claimed lanes (at most [`LANES`]), each with a distinct delay and never empty: a lane
    /// is given up when its last event is popped, so that a run whose delays never repeat (most
    /// of an enhanced fan-out run's) pays nothing for lanes.
    lanes: Vec<Lane<E>>,
    /// The FIFO of the lane given up last, kept for the next lane claimed.
    spare: Option<VecDeque<Entry<E>>>,
    /// The delays of the last few schedules that went to the heap (0: none); a heap-bound schedule
    /// whose delay is among them claims a lane for it.
    recent: [Nanos; LANES],
    next_seq: u64,
    now: Nanos,
}

impl<E: Copy> Default for Queue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> Queue<E> {
    /// An empty queue at time zero.
    pub fn new() -> Self {
        Queue {
            heap: Vec::with_capacity(1024),
            immediate: VecDeque::with_capacity(64),
            lanes: Vec::with_capacity(LANES),
            spare: None,
            recent: [0; LANES],
            next_seq: 0,
            now: 0,
        }
    }

    /// The time of the event last popped (zero before the first).
    pub fn now(&self) -> Nanos {
        self.now
    }

    /// Schedules `event` at absolute time `time` (not before [`Queue::now`]).
    #[inline]
    pub fn schedule(&mut self, time: Nanos, event: E) {
        debug_assert!(time >= self.now, "event scheduled in the past");
        let seq = self.next_seq;
        self.next_seq += 1;
        if time == self.now {
            self.immediate.push_back(event);
            return;
        }
        let e = Entry {
            key: (u128::from(time) << 64) | u128::from(seq),
            event,
        };
        let delay = time - self.now;
        if let Some(lane) = self.lanes.iter_mut().find(|l| l.delay == delay) {
            debug_assert!(lane.fifo.back().is_none_or(|b| b.key < e.key));
            lane.fifo.push_back(e);
            return;
        }
        if self.recent.contains(&delay) && self.claim_lane(delay, e) {
            return;
        }
        self.recent[(seq % LANES as u64) as usize] = delay;
        self.push_heap(e);
    }

    /// Gives `delay` a lane, with `e` its first event, while fewer than [`LANES`] exist; false
    /// (nothing done) when all are taken.
    #[cold]
    fn claim_lane(&mut self, delay: Nanos, e: Entry<E>) -> bool {
        if self.lanes.len() == LANES {
            return false;
        }
        let mut fifo = (self.spare.take()).unwrap_or_else(|| VecDeque::with_capacity(64));
        fifo.push_back(e);
        self.lanes.push(Lane { delay, fifo });
        true
    }

    #[inline]
    fn push_heap(&mut self, e: Entry<E>) {
        let mut i = self.heap.len();
        self.heap.push(e);
        let h = &mut self.heap[..];
        while i > 0 {
            let p = (i - 1) / ARITY;
            if !e.before(&h[p]) {
                break;
            }
            h[i] = h[p];
            i = p;
        }
        h[i] = e;
    }

    /// Removes and returns the earliest event if its time is at most `until`, advancing the clock.
    #[inline]
    pub fn pop_until(&mut self, until: Nanos) -> Option<(Nanos, E)> {
        // The earliest scheduled entry: the heap's top or a lane's front (`LANES`: the heap).
        let mut from = LANES;
        let mut first = self.heap.first().map_or(u128::MAX, |top| top.key);
        for (k, lane) in self.lanes.iter().enumerate() {
            let front = lane.fifo.front().expect("a lane is never empty");
            if front.key < first {
                first = front.key;
                from = k;
            }
        }
        let first_time = (first >> 64) as Nanos;
        if !self.immediate.is_empty() && self.now <= until && first_time > self.now {
            let event = self.immediate.pop_front().expect("not empty");
            return Some((self.now, event));
        }
        if first == u128::MAX || first_time > until {
            return None;
        }
        self.now = first_time;
        if from < LANES {
            let e = self.lanes[from].fifo.pop_front().expect("not empty");
            if self.lanes[from].fifo.is_empty() {
                self.spare = Some(self.lanes.swap_remove(from).fifo);
            }
            return Some((first_time, e.event));
        }
        self.pop_heap().map(|e| (first_time, e))
    }

    /// Removes the heap's top (the caller has checked it is the earliest) and returns its event.
    #[inline]
    fn pop_heap(&mut self) -> Option<E> {
        let top = *self.heap.first()?;
        let last = self.heap.pop().expect("not empty");
        let n = self.heap.len();
        if n > 0 {
            // Move the hole at the root down along the earliest children to the bottom, then let
            // the former last entry rise from there (it usually belongs near the bottom).
            let h = &mut self.heap[..];
            let mut i = 0;
            loop {
                let c = ARITY * i + 1;
                if c >= n {
                    break;
                }
                let m = if c + ARITY <= n {
                    // All four children exist: a tournament of two independent pairs, written
                    // so the compiler selects with conditional moves (the comparisons are
                    // data-dependent and would mispredict as branches).
                    let a = c + usize::from(h[c + 1].before(&h[c]));
                    let b = c + 2 + usize::from(h[c + 3].before(&h[c + 2]));
                    if h[b].before(&h[a]) {
                        b
                    } else {
                        a
                    }
                } else {
                    let mut m = c;
                    for k in c + 1..n {
                        if h[k].before(&h[m]) {
                            m = k;
                        }
                    }
                    m
                };
                h[i] = h[m];
                i = m;
            }
            while i > 0 {
                let p = (i - 1) / ARITY;
                if !last.before(&h[p]) {
                    break;
                }
                h[i] = h[p];
                i = p;
            }
            h[i] = last;
        }
        Some(top.event)
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
            + self.immediate.len()
            + self.lanes.iter().map(|l| l.fifo.len()).sum::<usize>()
    }

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use std::collections::BTreeMap;

    type Xo = rand_xoshiro::Xoshiro256PlusPlus;

    /// Drives a queue and a `BTreeMap` keyed by (time, sequence) with the same random schedules
    /// (probability `p_schedule`, at `now + delay(rng)`) and pops (up to `now + 0..horizon`), and
    /// checks that every pop and length agree. Returns how many events were scheduled at `now`.
    fn against_shadow(
        seed: u64,
        steps: u32,
        p_schedule: f64,
        delay: impl Fn(&mut Xo) -> Nanos,
        horizon: Nanos,
    ) -> u32 {
        let mut rng = Xo::seed_from_u64(seed);
        let mut q = Queue::new();
        let mut shadow: BTreeMap<(Nanos, u64), u32> = BTreeMap::new();
        let mut seq = 0u64;
        let mut now = 0;
        let mut same_instant = 0;
        for i in 0..steps {
            if rng.random_bool(p_schedule) {
                let t = now + delay(&mut rng);
                same_instant += u32::from(t == now);
                q.schedule(t, i);
                shadow.insert((t, seq), i);
                seq += 1;
            } else {
                let until = now + rng.random_range(0..horizon);
                let got = q.pop_until(until);
                let want = shadow
                    .first_key_value()
                    .filter(|(k, _)| k.0 <= until)
                    .map(|(k, v)| (k.0, *v));
                if want.is_some() {
                    shadow.pop_first();
                }
                assert_eq!(got, want, "step {i}");
                assert_eq!(q.len(), shadow.len());
                if let Some((t, _)) = got {
                    now = t;
                }
            }
        }
        same_instant
    }

    #[test]
    fn matches_a_btreemap_shadow_under_random_operations() {
        against_shadow(7, 20_000, 0.55, |rng| rng.random_range(0..50), 30);
    }

    /// Most events scheduled at the current instant (the FIFO path), mixed with events already in
    /// the heap for that same instant: the order must still be exactly (time, sequence).
    #[test]
    fn same_instant_events_keep_time_then_sequence_order() {
        let same_instant = against_shadow(
            11,
            50_000,
            0.6,
            |rng| [0, 0, 0, 1, 2][rng.random_range(0..5)],
            3,
        );
        assert!(
            same_instant > 10_000,
            "the FIFO path was exercised {same_instant} times"
        );
    }

    /// Mostly a few fixed delays (as a throttled reader's backoff or an idle poll's interval),
    /// more distinct ones than there are lanes, mixed with random delays and same-instant events:
    /// lanes are claimed, given up when empty and claimed again, and the order is still exactly
    /// (time, seq).
    #[test]
    fn fixed_delays_take_lanes_and_keep_the_order() {
        let lane_events = std::cell::Cell::new(0u64);
        for seed in 0..8 {
            against_shadow(
                seed,
                40_000,
                0.5,
                |rng| match rng.random_range(0..10) {
                    0..=2 => 1_000,
                    3 | 4 => 120,
                    5 => [7, 9, 11, 13, 17, 19][rng.random_range(0..6)],
                    6 => 0,
                    _ => rng.random_range(1..2_000),
                },
                1_500,
            );
        }
        // The same schedules through the lanes alone: every pop comes from a lane or the FIFO.
        let mut q = Queue::new();
        for i in 0..1_000u64 {
            q.schedule(q.now() + 1_000, i);
            q.schedule(q.now() + 120, i);
            if let Some((_, e)) = q.pop_until(Nanos::MAX) {
                lane_events.set(lane_events.get() + e);
            }
        }
        assert!(
            q.heap.len() <= 2,
            "fixed delays went to the heap: {}",
            q.heap.len()
        );
        assert!(q.lanes.len() == 2 && lane_events.get() > 0);
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
