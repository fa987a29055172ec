//! The simulated system: streams, shards, readers and their event handlers.
//!
//! A reader is one consumer's poller (or EFO subscription) on one shard. It holds a cursor into the
//! shard's log, the records read but not yet sent (`pend_start..cursor`, the batch being formed), and
//! `parallelization_factor` lanes, each sending one batch at a time to the function. Every record a
//! reader has seen is in exactly one place: processed, discarded, expired, pending, in a lane, or
//! still unread in the log; [`World::conservation`] checks this at the end of every run.

use super::arrivals::{profile_steps, Source};
use super::function::{backoff, draw_outcome, EnvPool};
use super::limits::{BytePipe, CallVerdict};
use super::log::Hint;
use super::metrics::ConsumerMetrics;
use super::shard::{Shard, UNRESOLVED};
use super::spec::{AgeEndpoint, ConsumerSpec, ModelSpec, ReadMode};
use crate::dist::{binomial, round_u64};
use crate::engine::rng::{name_id, stream, SimRng};
use crate::engine::{Model, Nanos, Queue};
use rand::Rng;
use std::sync::Arc;

mod lineage;
pub use lineage::LineageSpan;

/// Events of the stream model.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// A reader polls (shared) or receives a push (EFO).
    Read(u32),
    /// An invocation on a lane of a reader ends.
    Done(u32, u16),
    /// A lane of a reader retries its batch after the retry delay.
    Retry(u32, u16),
    /// A shard of a stream is sealed and replaced by its child or children.
    Seal(u32, u32),
    /// A reader of a child shard starts reading.
    Start(u32),
    /// An on-demand stream measures its shards' traffic.
    Scale(u32),
}

/// One concurrent batch slot of a reader.
#[derive(Clone, Debug, Default)]
struct Lane {
    busy: bool,
    start: u64,
    end: u64,
    attempts: u32,
    /// The records of this batch were sent to the function before.
    redelivery: bool,
    failed: bool,
    /// Second halves of bisected batches still to send, last one next.
    halves: Vec<(u64, u64)>,
    /// Consecutive invocations of this batch rejected for lack of concurrency.
    throttles: u32,
    /// A router's batch has been split among its output streams (its writes drawn).
    routed: bool,
    /// A router's writes the output streams rejected, to write again.
    unwritten: Vec<RoutedWrite>,
}

impl Lane {
    /// Takes the batch `start..end` as a fresh one: every field reset in place (the vectors keep
    /// their capacity; `halves` is kept as it is). The destructuring names every field, so a new
    /// one cannot be forgotten here.
    fn start_batch(&mut self, start: u64, end: u64) {
        let Lane {
            busy,
            start: s,
            end: e,
            attempts,
            redelivery,
            failed,
            halves: _,
            throttles,
            routed,
            unwritten,
        } = self;
        *busy = true;
        *s = start;
        *e = end;
        *attempts = 0;
        *redelivery = false;
        *failed = false;
        *throttles = 0;
        *routed = false;
        unwritten.clear();
    }
}

/// Records a router still has to write to one shard of an output stream.
#[derive(Clone, Debug)]
struct RoutedWrite {
    stream: u32,
    shard: u32,
    count: u64,
    bytes: u64,
    origin_first: Nanos,
    origin_last: Nanos,
}

/// One consumer on one shard.
struct Reader {
    consumer: u32,
    stream: u32,
    shard: u32,
    cursor: u64,
    pend_start: u64,
    window_start: Nanos,
    lanes: Vec<Lane>,
    free_lanes: u32,
    scheduled: bool,
    last_call: Nanos,
    throttle_streak: u32,
    rng: SimRng,
    pipe: BytePipe,
    prop_delay: Nanos,
    /// Indices into the shard's poison marks that fail this consumer.
    marks: Vec<usize>,
    /// Where this reader last looked in the shard's log.
    hint: Hint,
}

impl Reader {
    /// A reader of consumer `ci` (spec `c`, seed `seed`) on shard `shard` of stream `stream`, at the
    /// start of the shard, idle, with its own random stream named by consumer and shard.
    fn new(
        seed: u64,
        ci: u32,
        c: &ConsumerSpec,
        stream_index: u32,
        shard: u32,
        efo_bytes_per_s: u64,
        marks: Vec<usize>,
    ) -> Reader {
        let pf = c.parallelization_factor;
        Reader {
            consumer: ci,
            stream: stream_index,
            shard,
            cursor: 0,
            pend_start: 0,
            window_start: 0,
            lanes: vec![Lane::default(); pf as usize],
            free_lanes: pf,
            scheduled: false,
            last_call: 0,
            throttle_streak: 0,
            rng: stream(seed, &[RNG_READER, name_id(&c.name), u64::from(shard)]),
            pipe: BytePipe::new(efo_bytes_per_s),
            prop_delay: 0,
            marks,
            hint: Hint::default(),
        }
    }

    /// The lowest record number this reader may still need.
    fn low_water(&self) -> u64 {
        let mut low = self.pend_start.min(self.cursor);
        for l in &self.lanes {
            if l.busy {
                low = low.min(l.start);
            }
            for h in &l.halves {
                low = low.min(h.0);
            }
        }
        low
    }

    fn in_flight(&self) -> u64 {
        let lanes: u64 = self
            .lanes
            .iter()
            .map(|l| {
                let own = if l.busy { l.end - l.start } else { 0 };
                own + l.halves.iter().map(|h| h.1 - h.0).sum::<u64>()
            })
            .sum();
        (self.cursor - self.pend_start) + lanes
    }
}

/// What a traced call returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallOutcome {
    Records(u64),
    Empty,
    Throttled,
}

/// A record of every GetRecords call on one shard during a window (for `sim timeline`).
#[derive(Clone, Debug, Default)]
pub struct Trace {
    pub stream: usize,
    pub shard: u32,
    pub from: Nanos,
    pub to: Nanos,
    /// `(time, consumer index, outcome)` in time order.
    pub calls: Vec<(Nanos, usize, CallOutcome)>,
    /// `(time, records read but not yet processed by the shard's readers)` at each call.
    pub in_flight: Vec<(Nanos, u64)>,
}

/// Per-stream runtime state.
pub struct StreamState {
    pub shards: Vec<Shard>,
}

/// Per-consumer runtime state.
struct ConsumerState {
    metrics: ConsumerMetrics,
    envs: EnvPool,
    /// Routers upstream of the consumer's stream on the longest path (0: fed by producers only).
    depth: u32,
}

/// Concurrent executions of the whole account. Guarantees: a function with reserved concurrency
/// never runs more than its reservation, and the functions without one (and the downstream
/// functions of fan-outs) together never run more than the unreserved rest of the account limit.
#[derive(Clone, Debug, Default)]
pub struct Account {
    /// The account limit minus every reservation.
    unreserved: u32,
    /// Executions drawing on the unreserved pool now.
    pub unreserved_busy: u32,
    /// Executions of all functions now, and the most at once.
    pub busy: u32,
    pub peak_busy: u32,
    /// Invocations rejected for lack of concurrency, all functions.
    pub throttled: u64,
}
/// The whole simulated system; implements [`Model`].
pub struct World<'a> {
    spec: &'a ModelSpec,
    pub streams: Vec<StreamState>,
    readers: Vec<Reader>,
    consumers: Vec<ConsumerState>,
    pub account: Account,
    /// When set, every call on the traced shard within its window is recorded.
    pub trace: Option<Trace>,
    lineage: lineage::Lineage,
}

/// Identifiers mixed into random stream seeds, one per kind of source.
const RNG_ARRIVALS: u64 = 1;
const RNG_READER: u64 = 2;
const RNG_PROFILE: u64 = 3;

/// The rate-multiplier steps of every producer, drawn once per run from its own random stream.
fn producer_profiles(spec: &ModelSpec) -> Vec<Arc<[(Nanos, f64)]>> {
    spec.producers
        .iter()
        .map(|p| {
            let mut rng = stream(spec.seed, &[RNG_PROFILE, name_id(&p.name)]);
            profile_steps(&p.profile, spec.duration, &mut rng).into()
        })
        .collect()
}

/// Per stream: how many routers lie upstream of it on the longest path (routes form no loop).
pub fn stream_depths(spec: &ModelSpec) -> Vec<u32> {
    let mut depth = vec![0u32; spec.streams.len()];
    // Relax along every route; a chain of k routers settles within k rounds.
    for _ in 0..spec.streams.len() {
        let mut changed = false;
        for c in &spec.consumers {
            for r in &c.routes {
                let d = depth[c.stream] + 1;
                if depth[r.stream] < d {
                    depth[r.stream] = d;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    depth
}

impl<'a> World<'a> {
    /// Builds the system at time zero and schedules each reader's first event.
    pub fn new(spec: &'a ModelSpec, queue: &mut Queue<Event>) -> World<'a> {
        let profiles = producer_profiles(spec);
        let mut streams: Vec<StreamState> = spec
            .streams
            .iter()
            .enumerate()
            .map(|(si, s)| StreamState {
                shards: (0..s.shards)
                    .map(|sh| {
                        let sources = spec
                            .producers
                            .iter()
                            .enumerate()
                            .filter(|(_, p)| p.stream == si)
                            .map(|(pi, p)| {
                                let profile = profiles[pi].clone();
                                let path = [RNG_ARRIVALS, name_id(&p.name), u64::from(sh)];
                                Source::new(
                                    p.rate * p.shard_weights[sh as usize],
                                    p.arrivals,
                                    p.record_size.clone(),
                                    profile,
                                    stream(spec.seed, &path),
                                    s.record_chunk,
                                )
                                .with_duplicates(p.duplicate_probability)
                            })
                            .collect();
                        Shard::new(sources, s.record_chunk, &s.limits)
                    })
                    .collect(),
            })
            .collect();
        let mut readers = Vec::new();
        let mut consumers = Vec::new();
        let depths = stream_depths(spec);
        for (ci, c) in spec.consumers.iter().enumerate() {
            consumers.push(ConsumerState {
                metrics: ConsumerMetrics::new(spec.duration, spec.warmup),
                envs: EnvPool::default(),
                depth: depths[c.stream],
            });
            let s = &spec.streams[c.stream];
            for sh in 0..s.shards {
                let shard = &mut streams[c.stream].shards[sh as usize];
                let marks = c
                    .function
                    .poison
                    .iter()
                    .filter(|p| p.shard == sh)
                    .map(|p| {
                        shard.marks.push((p.at, UNRESOLVED));
                        shard.marks.len() - 1
                    })
                    .collect();
                shard.readers.push(readers.len() as u32);
                readers.push(Reader::new(
                    spec.seed,
                    ci as u32,
                    c,
                    c.stream as u32,
                    sh,
                    s.efo.bytes_per_s,
                    marks,
                ));
            }
        }
        let reserved: u32 = spec
            .consumers
            .iter()
            .filter_map(|c| c.function.reserved_concurrency)
            .sum();
        let mut world = World {
            spec,
            streams,
            readers,
            consumers,
            account: Account {
                unreserved: spec.account.concurrency.saturating_sub(reserved),
                ..Account::default()
            },
            trace: None,
            lineage: Default::default(),
        };
        world.lineage_start(queue);
        for r in 0..world.readers.len() as u32 {
            let c = world.consumer(r);
            match c.read {
                ReadMode::Shared => {
                    let phase = world.readers[r as usize]
                        .rng
                        .random_range(0..c.idle_poll_interval.max(1));
                    world.readers[r as usize].scheduled = true;
                    queue.schedule(phase, Event::Read(r));
                }
                ReadMode::Efo => world.schedule_push(0, r, queue),
            }
        }
        world
    }

    #[inline]
    fn consumer(&self, r: u32) -> &'a ConsumerSpec {
        &self.spec.consumers[self.readers[r as usize].consumer as usize]
    }

    #[inline]
    fn shard_of(&mut self, r: u32) -> &mut Shard {
        let rd = &self.readers[r as usize];
        &mut self.streams[rd.stream as usize].shards[rd.shard as usize]
    }

    /// Generates arrivals up to `now` on the reader's shard and trims what no reader needs.
    fn refresh_shard(&mut self, now: Nanos, r: u32) {
        let rd = &self.readers[r as usize];
        let (si, sh) = (rd.stream as usize, rd.shard as usize);
        let shard = &mut self.streams[si].shards[sh];
        shard.extend_to(now);
        if shard.log.chunks() >= shard.trim_at {
            let low = shard
                .readers
                .iter()
                .map(|&i| self.readers[i as usize].low_water())
                .min()
                .unwrap_or(u64::MAX);
            let low = low.min(shard.log.end());
            shard.log.trim_before(low);
            shard.origin.trim_before(low);
            shard.dups.trim_before(low);
            shard.trim_at = (shard.log.chunks() * 2).max(1024);
        }
        self.expire_unread(now, r);
    }

    /// Moves the reader's cursor past records that outlived retention (counted as expired).
    fn expire_unread(&mut self, now: Nanos, r: u32) {
        let retention = self.spec.streams[self.readers[r as usize].stream as usize].retention;
        let rd = &self.readers[r as usize];
        let shard = &self.streams[rd.stream as usize].shards[rd.shard as usize];
        if rd.cursor != rd.pend_start {
            return; // a batch is being formed; its records are in flight
        }
        let gone = shard.expired_end(rd.cursor, now, retention, &rd.hint);
        if gone > rd.cursor {
            let n = gone - rd.cursor;
            let rd = &mut self.readers[r as usize];
            rd.cursor = gone;
            rd.pend_start = gone;
            self.consumers[rd.consumer as usize].metrics.records_expired += n;
        }
    }

    /// A shared reader's GetRecords call.
    fn on_poll(&mut self, now: Nanos, r: u32, q: &mut Queue<Event>) {
        self.readers[r as usize].scheduled = false;
        self.refresh_shard(now, r);
        if self.shard_of(r).sealed() && self.check_finished(now, r, q) {
            return;
        }
        if self.readers[r as usize].free_lanes == 0 {
            return;
        }
        let c = self.consumer(r);
        let limits = &self.spec.streams[c.stream].limits;
        let verdict = self.shard_of(r).limiter.call(limits, now);
        let ci = self.readers[r as usize].consumer as usize;
        self.consumers[ci].metrics.read_calls += 1;
        self.readers[r as usize].last_call = now;
        let max_bytes = match verdict {
            CallVerdict::Throttled => {
                self.record_call(now, r, CallOutcome::Throttled);
                self.shard_of(r).throttled_reads += 1;
                self.consumers[ci].metrics.throttled(now);
                let rd = &mut self.readers[r as usize];
                let wait = backoff(&c.throttle_backoff, rd.throttle_streak, &mut rd.rng);
                rd.throttle_streak = rd.throttle_streak.saturating_add(1);
                self.dispatch(now, r, q);
                let rd = &mut self.readers[r as usize];
                if !rd.scheduled && rd.free_lanes > 0 {
                    rd.scheduled = true;
                    q.schedule(now + wait, Event::Read(r));
                }
                return;
            }
            CallVerdict::Allowed { max_bytes } => max_bytes,
        };
        self.readers[r as usize].throttle_streak = 0;
        let got = self.fetch(now, r, limits.max_records_per_call, max_bytes, now);
        let outcome = if got.0 > 0 {
            CallOutcome::Records(got.0)
        } else {
            CallOutcome::Empty
        };
        self.record_call(now, r, outcome);
        let bytes = got.1;
        self.shard_of(r).limiter.consume(limits, now, bytes);
        self.dispatch(now, r, q);
        self.schedule_poll(now, r, got.0 > 0, q);
    }

    /// Adds a call to the trace if it is on the traced shard and within the window.
    #[inline]
    fn record_call(&mut self, now: Nanos, r: u32, outcome: CallOutcome) {
        let Some(t) = &self.trace else { return };
        let rd = &self.readers[r as usize];
        if rd.stream as usize != t.stream || rd.shard != t.shard || now < t.from || now > t.to {
            return;
        }
        let shard = &self.streams[t.stream].shards[t.shard as usize];
        let in_flight = shard
            .readers
            .iter()
            .map(|&i| self.readers[i as usize].in_flight())
            .sum();
        let consumer = rd.consumer as usize;
        let t = self.trace.as_mut().expect("checked above");
        t.calls.push((now, consumer, outcome));
        t.in_flight.push((now, in_flight));
    }

    /// Moves readable records into the reader's buffer (read but not yet sent). Returns
    /// `(records, bytes)` fetched.
    fn fetch(
        &mut self,
        now: Nanos,
        r: u32,
        max_records: u64,
        max_bytes: u64,
        readable_at: Nanos,
    ) -> (u64, u64) {
        let c = self.consumer(r);
        let rd = &self.readers[r as usize];
        let shard = &self.streams[rd.stream as usize].shards[rd.shard as usize];
        let log = &shard.log;
        let h = &rd.hint;
        let buffered = rd.cursor - rd.pend_start;
        let want_n = c.fetch_records.saturating_sub(buffered).min(max_records);
        let avail = shard.readable_end(readable_at, h);
        let cursor = rd.cursor;
        if avail <= cursor || want_n == 0 {
            return (0, 0);
        }
        let by_count = (cursor + want_n).min(avail);
        let by_bytes = log.end_within_bytes(cursor, max_bytes, h);
        let e = by_count.min(by_bytes).max(cursor + 1); // a call returns at least one record
        let bytes = log.bytes_before(e, h) - log.bytes_before(cursor, h);
        let rd = &mut self.readers[r as usize];
        if buffered == 0 {
            rd.window_start = now;
        }
        rd.cursor = e;
        self.consumers[rd.consumer as usize].metrics.bytes_read += bytes;
        self.lineage.note_read(r, now);
        (e - cursor, bytes)
    }

    /// The end of the next batch in the buffer, and whether it is full (by count or payload).
    fn next_batch(&self, r: u32) -> (u64, bool) {
        let c = self.consumer(r);
        let rd = &self.readers[r as usize];
        let log = &self.streams[rd.stream as usize].shards[rd.shard as usize].log;
        let by_count = rd.pend_start + c.batch_size;
        let by_bytes = log.end_within_bytes(rd.pend_start, c.payload_cap_bytes, &rd.hint);
        let e = by_count.min(by_bytes).min(rd.cursor).max(rd.pend_start + 1);
        (e, e == by_count || by_bytes < rd.cursor)
    }

    /// Sends batches from the buffer to free lanes: a full batch at once, a partial one when the
    /// batching window has passed.
    fn dispatch(&mut self, now: Nanos, r: u32, q: &mut Queue<Event>) {
        let c = self.consumer(r);
        loop {
            let rd = &self.readers[r as usize];
            if rd.cursor == rd.pend_start || rd.free_lanes == 0 {
                return;
            }
            let (end, full) = self.next_batch(r);
            let rd = &mut self.readers[r as usize];
            if !(full || now >= rd.window_start + c.batching_window) {
                return;
            }
            let lane = rd
                .lanes
                .iter()
                .position(|l| !l.busy)
                .expect("a free lane exists");
            rd.lanes[lane].start_batch(rd.pend_start, end);
            rd.free_lanes -= 1;
            rd.pend_start = end;
            rd.window_start = now;
            self.invoke(now, r, lane as u16, q);
        }
    }

    /// True when the buffer already holds a full batch (no need to read more yet).
    fn holds_full_batch(&self, r: u32) -> bool {
        let rd = &self.readers[r as usize];
        rd.cursor > rd.pend_start && self.next_batch(r).1
    }

    /// Schedules a shared reader's next call, if it has a free lane and none is scheduled.
    fn schedule_poll(&mut self, now: Nanos, r: u32, got: bool, q: &mut Queue<Event>) {
        let c = self.consumer(r);
        let rd = &self.readers[r as usize];
        if rd.scheduled || rd.free_lanes == 0 || self.holds_full_batch(r) {
            return;
        }
        let shard = &self.streams[rd.stream as usize].shards[rd.shard as usize];
        let next = if rd.cursor > rd.pend_start {
            (now + c.idle_poll_interval).min(rd.window_start + c.batching_window)
        } else if got && shard.readable_end(now, &rd.hint) > rd.cursor {
            now
        } else {
            now + c.idle_poll_interval
        };
        let next = next.max(rd.last_call + c.min_call_interval).max(now);
        let rd = &mut self.readers[r as usize];
        rd.scheduled = true;
        q.schedule(next, Event::Read(r));
    }

    /// An EFO push: records written at least one propagation delay ago, within the dedicated pipe.
    fn on_push(&mut self, now: Nanos, r: u32, q: &mut Queue<Event>) {
        self.readers[r as usize].scheduled = false;
        self.refresh_shard(now, r);
        if self.shard_of(r).sealed() && self.check_finished(now, r, q) {
            return;
        }
        let c = self.consumer(r);
        let efo = &self.spec.streams[c.stream].efo;
        let rd = &mut self.readers[r as usize];
        if rd.free_lanes == 0 {
            return;
        }
        let phase = now % efo.renewal_period.max(1);
        if now >= efo.renewal_period && phase < efo.renewal_gap {
            rd.scheduled = true;
            q.schedule(now - phase + efo.renewal_gap, Event::Read(r));
            return;
        }
        let room = rd.pipe.available(efo.bytes_per_s, now);
        if room > 0 {
            let readable_at = now.saturating_sub(rd.prop_delay);
            let (_, bytes) = self.fetch(now, r, u64::MAX, room, readable_at);
            self.readers[r as usize].pipe.consume(bytes);
            let ci = self.readers[r as usize].consumer as usize;
            self.consumers[ci].metrics.efo_bytes += bytes;
        }
        self.dispatch(now, r, q);
        self.schedule_push(now, r, q);
    }

    /// Schedules a reader's next push: when its next record will have propagated.
    fn schedule_push(&mut self, now: Nanos, r: u32, q: &mut Queue<Event>) {
        let c = self.consumer(r);
        let efo = &self.spec.streams[c.stream].efo;
        let rd = &self.readers[r as usize];
        if rd.scheduled || rd.free_lanes == 0 || self.holds_full_batch(r) {
            return;
        }
        let shard = &self.streams[rd.stream as usize].shards[rd.shard as usize];
        let next = if rd.cursor > rd.pend_start {
            let next_ts = if rd.cursor < shard.log.end() {
                shard.log.ts_of(rd.cursor, &rd.hint)
            } else {
                shard.next_arrival()
            };
            (rd.window_start + c.batching_window).min(next_ts.saturating_add(rd.prop_delay))
        } else {
            let next_ts = if rd.cursor < shard.log.end() {
                shard.log.ts_of(rd.cursor, &rd.hint)
            } else {
                shard.next_arrival()
            };
            if next_ts == Nanos::MAX {
                return;
            }
            let rd = &mut self.readers[r as usize];
            rd.prop_delay = round_u64(efo.propagation.sample(&mut rd.rng));
            next_ts + rd.prop_delay
        };
        let rd = &mut self.readers[r as usize];
        let next = next.max(now).max(rd.pipe.refill_time(efo.bytes_per_s, now));
        if next > self.spec.duration {
            return; // nothing more can be delivered within the run
        }
        rd.scheduled = true;
        q.schedule(next, Event::Read(r));
    }

    /// Sends a lane's batch to the function (first attempt or retry).
    fn invoke(&mut self, now: Nanos, r: u32, lane: u16, q: &mut Queue<Event>) {
        loop {
            if self.try_invoke(now, r, lane, q) {
                return;
            }
            // The batch vanished (expired or too old): take the next half, or free the lane.
            if !self.next_half(r, lane) {
                self.free_lane(now, r, lane, q);
                return;
            }
        }
    }

    /// Starts the invocation; false if the lane's batch is empty after expiry and age checks.
    fn try_invoke(&mut self, now: Nanos, r: u32, lane: u16, q: &mut Queue<Event>) -> bool {
        let c = self.consumer(r);
        let spec = self.spec;
        let retention = spec.streams[c.stream].retention;
        let rd = &mut self.readers[r as usize];
        let shard = &self.streams[rd.stream as usize].shards[rd.shard as usize];
        let metrics = &mut self.consumers[rd.consumer as usize];
        let l = &mut rd.lanes[lane as usize];
        // Records that outlived retention while waiting are lost.
        let gone = shard
            .expired_end(l.start, now, retention, &rd.hint)
            .min(l.end);
        if gone > l.start {
            metrics.metrics.records_expired += gone - l.start;
            l.start = gone;
        }
        if l.start == l.end {
            return false;
        }
        if let Some(max_age) = c.max_record_age {
            if now - shard.log.ts_of(l.start, &rd.hint) > max_age {
                metrics.metrics.records_discarded += l.end - l.start;
                l.start = l.end;
                return false;
            }
        }
        // Lambda rejects the invocation when the function or the account has no concurrency left;
        // the batch waits (blocking its lane) and is sent again after a backoff.
        let c_fn = &c.function;
        let pool_need = c_fn.unreserved_executions();
        let fits = c_fn
            .reserved_concurrency
            .is_none_or(|res| metrics.metrics.concurrency < res)
            && self.account.unreserved_busy + pool_need <= self.account.unreserved;
        if !fits {
            metrics.metrics.throttled_invocations += 1;
            self.account.throttled += 1;
            let wait = backoff(
                &spec.account.invoke_throttle_backoff,
                l.throttles,
                &mut rd.rng,
            );
            l.throttles = l.throttles.saturating_add(1);
            q.schedule(now + wait, Event::Retry(r, lane));
            return true;
        }
        l.throttles = 0;
        self.account.unreserved_busy += pool_need;
        self.account.busy += c_fn.executions();
        self.account.peak_busy = self.account.peak_busy.max(self.account.busy);
        let n = l.end - l.start;
        let m = &mut metrics.metrics;
        if spec.iterator_age == AgeEndpoint::Sent {
            m.age_sample(now, now - shard.log.ts_of(l.end - 1, &rd.hint));
            if metrics.depth > 0 {
                m.origin_age_sample(now, now - shard.origin_ts(l.end - 1, &rd.hint));
            }
        }
        if l.redelivery {
            m.duplicates += n * c.handlers();
        } else {
            let copies = shard.dups.count(l.start, l.end) * c.handlers();
            m.duplicates += copies;
            m.source_duplicates += copies;
            let ts = shard.log.ts_sum_before(l.end, &rd.hint)
                - shard.log.ts_sum_before(l.start, &rd.hint);
            m.delivery_sum_ns += n as u128 * now as u128 - ts;
            m.delivery_records += n;
        }
        let poisoned = rd
            .marks
            .iter()
            .any(|&k| (l.start..l.end).contains(&shard.marks[k].1));
        let f = &c.function;
        let cold = metrics
            .envs
            .acquire(now, f.env_idle_timeout, f.provisioned_concurrency);
        let outcome = draw_outcome(c, &mut rd.rng, n, cold, poisoned);
        let l = &mut rd.lanes[lane as usize];
        l.failed = outcome.failed;
        let m = &mut metrics.metrics;
        m.cold_starts += u64::from(cold);
        m.billed_ns += outcome.duration;
        m.downstream_billed_ns += outcome.downstream;
        m.invoked(now);
        m.concurrency += 1;
        m.peak_concurrency = m.peak_concurrency.max(m.concurrency);
        q.schedule(now + outcome.duration, Event::Done(r, lane));
        true
    }

    /// Loads the lane with its next bisected half; false if none is left.
    fn next_half(&mut self, r: u32, lane: u16) -> bool {
        let l = &mut self.readers[r as usize].lanes[lane as usize];
        match l.halves.pop() {
            Some((a, b)) => {
                l.start = a;
                l.end = b;
                l.attempts = 0;
                l.redelivery = true;
                true
            }
            None => false,
        }
    }

    /// Sends the lane's next bisected half, or frees the lane when none is left.
    fn next_or_free(&mut self, now: Nanos, r: u32, lane: u16, q: &mut Queue<Event>) {
        if self.next_half(r, lane) {
            self.invoke(now, r, lane, q);
        } else {
            self.free_lane(now, r, lane, q);
        }
    }

    fn free_lane(&mut self, now: Nanos, r: u32, lane: u16, q: &mut Queue<Event>) {
        let rd = &mut self.readers[r as usize];
        let l = &mut rd.lanes[lane as usize];
        l.busy = false;
        l.start = l.end;
        rd.free_lanes += 1;
        self.dispatch(now, r, q);
        match self.consumer(r).read {
            ReadMode::Shared => self.schedule_poll(now, r, true, q),
            ReadMode::Efo => self.schedule_push(now, r, q),
        }
        if self.shard_of(r).sealed() {
            self.check_finished(now, r, q);
        }
    }

    /// A router's successful batch: on the first call, splits its records among the output streams
    /// (each record to one route with the route's share, else filtered out) and their shards
    /// (evenly); then writes what is still unwritten. True when everything is written.
    fn write_routes(&mut self, now: Nanos, r: u32, lane: u16, q: &mut Queue<Event>) -> bool {
        let c = self.consumer(r);
        let rd = &mut self.readers[r as usize];
        let l = &mut rd.lanes[lane as usize];
        if !l.routed {
            l.routed = true;
            let (a, b) = (l.start, l.end);
            let shard = &self.streams[rd.stream as usize].shards[rd.shard as usize];
            let (log, h) = (&shard.log, &rd.hint);
            let n = b - a;
            let bytes = log.bytes_before(b, h) - log.bytes_before(a, h);
            let origin_first = shard.origin_ts(a, h);
            let origin_last = shard.origin_ts(b - 1, h);
            let m = &mut self.consumers[rd.consumer as usize].metrics;
            let (mut left, mut mass) = (n, 1.0f64);
            for route in &c.routes {
                let k = binomial(&mut rd.rng, left, (route.share / mass).min(1.0));
                left -= k;
                mass -= route.share;
                m.records_routed += k;
                // Open shards only: an on-demand output stream may have split.
                let open: Vec<u32> = self.streams[route.stream]
                    .shards
                    .iter()
                    .enumerate()
                    .filter(|(_, x)| !x.sealed())
                    .map(|(i, _)| i as u32)
                    .collect();
                for (i, count) in spread(&mut rd.rng, k, open.len() as u32) {
                    l.unwritten.push(RoutedWrite {
                        stream: route.stream as u32,
                        shard: open[i as usize],
                        count,
                        bytes: (bytes as u128 * count as u128 / n as u128) as u64,
                        origin_first,
                        origin_last,
                    });
                }
            }
            m.records_filtered += left;
        }
        let mut pending =
            std::mem::take(&mut self.readers[r as usize].lanes[lane as usize].unwritten);
        let mut landed: Vec<(u32, u32)> = Vec::new();
        pending.retain_mut(|w| {
            let shard = &mut self.streams[w.stream as usize].shards[w.shard as usize];
            let done = shard.write_routed(now, w.count, w.bytes, w.origin_first, w.origin_last);
            if done > 0 {
                let bytes = (w.bytes as u128 * done as u128 / w.count as u128) as u64;
                w.count -= done;
                w.bytes -= bytes;
                landed.push((w.stream, w.shard));
            }
            w.count > 0
        });
        let all = pending.is_empty();
        self.readers[r as usize].lanes[lane as usize].unwritten = pending;
        for (stream, shard) in landed {
            self.wake_readers(now, stream, shard, q);
        }
        all
    }

    /// Schedules the next push of every idle enhanced fan-out reader of a shard a router just
    /// wrote to (pollers find the records on their next call).
    fn wake_readers(&mut self, now: Nanos, stream: u32, shard: u32, q: &mut Queue<Event>) {
        let n = self.streams[stream as usize].shards[shard as usize]
            .readers
            .len();
        for k in 0..n {
            let i = self.streams[stream as usize].shards[shard as usize].readers[k];
            let rd = &self.readers[i as usize];
            if !rd.scheduled && rd.free_lanes > 0 && self.consumer(i).read == ReadMode::Efo {
                self.schedule_push(now, i, q);
            }
        }
    }

    /// An invocation ended: record success, or retry, bisect or discard the failed batch.
    fn on_done(&mut self, now: Nanos, r: u32, lane: u16, q: &mut Queue<Event>) {
        let c = self.consumer(r);
        if !c.routes.is_empty() && !self.readers[r as usize].lanes[lane as usize].failed {
            // A router's invocation ends only once every record it routes is written.
            if !self.write_routes(now, r, lane, q) {
                let ci = self.readers[r as usize].consumer as usize;
                self.consumers[ci].metrics.billed_ns += c.write_retry;
                q.schedule(now + c.write_retry, Event::Done(r, lane));
                return;
            }
        }
        let spec = self.spec;
        let rd = &mut self.readers[r as usize];
        let shard = &self.streams[rd.stream as usize].shards[rd.shard as usize];
        let state = &mut self.consumers[rd.consumer as usize];
        let f = &c.function;
        state.envs.release(now, f.provisioned_concurrency);
        self.account.unreserved_busy -= f.unreserved_executions();
        self.account.busy -= f.executions();
        let m = &mut state.metrics;
        m.concurrency -= 1;
        let l = &mut rd.lanes[lane as usize];
        let n = l.end - l.start;
        if !l.failed {
            m.records_processed += n;
            m.minute(now).records_processed += n;
            let h = &rd.hint;
            let ts = shard.log.ts_sum_before(l.end, h) - shard.log.ts_sum_before(l.start, h);
            m.e2e_sum_ns += n as u128 * now as u128 - ts;
            m.e2e_max_ns = m.e2e_max_ns.max(now - shard.log.ts_of(l.start, h));
            if spec.iterator_age == AgeEndpoint::Finished {
                m.age_sample(now, now - shard.log.ts_of(l.end - 1, h));
            }
            if state.depth > 0 {
                if spec.iterator_age == AgeEndpoint::Finished {
                    m.origin_age_sample(now, now - shard.origin_ts(l.end - 1, h));
                }
                let lags =
                    shard.origin.lag_sum_before(l.end) - shard.origin.lag_sum_before(l.start);
                m.origin_e2e_sum_ns += n as u128 * now as u128 - ts + lags;
                m.origin_e2e_max_ns = m.origin_e2e_max_ns.max(now - shard.origin_ts(l.start, h));
            }
            l.start = l.end;
            l.routed = false;
            self.next_or_free(now, r, lane, q);
            return;
        }
        m.errored(now);
        if c.bisect_on_error && n > 1 {
            let mid = l.start + n / 2;
            l.halves.push((mid, l.end));
            l.end = mid;
            l.attempts = 0;
        } else {
            l.attempts += 1;
            if c.max_retry_attempts.is_some_and(|max| l.attempts > max) {
                m.records_discarded += n;
                l.start = l.end;
                self.next_or_free(now, r, lane, q);
                return;
            }
            m.retries += 1;
        }
        l.redelivery = true;
        if c.retry_delay > 0 {
            q.schedule(now + c.retry_delay, Event::Retry(r, lane));
        } else {
            self.invoke(now, r, lane, q);
        }
    }

    /// Brings every shard and reader to the end of the run: generates the last arrivals and expires
    /// what outlived retention, so that the counts add up.
    pub fn finish(&mut self, end: Nanos) {
        for s in self.streams.iter_mut() {
            for sh in s.shards.iter_mut() {
                sh.extend_to(end);
            }
        }
        for r in 0..self.readers.len() as u32 {
            self.expire_unread(end, r);
        }
    }

    /// Per consumer: `(written, processed, in_flight, unread, discarded, expired)`.
    pub fn conservation(&self) -> Vec<[u64; 6]> {
        let mut out = vec![[0u64; 6]; self.consumers.len()];
        for rd in &self.readers {
            let shard = &self.streams[rd.stream as usize].shards[rd.shard as usize];
            let o = &mut out[rd.consumer as usize];
            o[0] += shard.log.end();
            o[2] += rd.in_flight();
            o[3] += shard.log.end() - rd.cursor;
        }
        for (o, c) in out.iter_mut().zip(&self.consumers) {
            o[1] = c.metrics.records_processed;
            o[4] = c.metrics.records_discarded;
            o[5] = c.metrics.records_expired;
        }
        out
    }

    /// The metrics of consumer `i`.
    pub fn consumer_metrics(&self, i: usize) -> &ConsumerMetrics {
        &self.consumers[i].metrics
    }

    /// Routers upstream of consumer `i`'s stream on the longest path (0: fed by producers only).
    pub fn consumer_depth(&self, i: usize) -> u32 {
        self.consumers[i].depth
    }

    /// The metrics of consumer `i`, for the report to move its per-minute buckets out.
    pub fn consumer_metrics_mut(&mut self, i: usize) -> &mut ConsumerMetrics {
        &mut self.consumers[i].metrics
    }

    /// Records retained in memory across all shards (for memory diagnostics).
    pub fn retained_chunks(&self) -> usize {
        self.streams
            .iter()
            .flat_map(|s| s.shards.iter())
            .map(|s| s.log.chunks())
            .sum()
    }
}

/// `k` records spread evenly at random over `shards` shards: `(shard, count)` for every shard that
/// gets at least one, in shard order.
fn spread(rng: &mut SimRng, k: u64, shards: u32) -> Vec<(u32, u64)> {
    if k == 0 {
        return Vec::new();
    }
    if shards == 1 {
        return vec![(0, k)];
    }
    if k < u64::from(shards) {
        let mut picks: Vec<u32> = (0..k).map(|_| rng.random_range(0..shards)).collect();
        picks.sort_unstable();
        let mut out: Vec<(u32, u64)> = Vec::new();
        for s in picks {
            match out.last_mut() {
                Some(last) if last.0 == s => last.1 += 1,
                _ => out.push((s, 1)),
            }
        }
        return out;
    }
    let mut left = k;
    let mut out = Vec::new();
    for s in 0..shards {
        let c = if s + 1 == shards {
            left
        } else {
            binomial(rng, left, 1.0 / f64::from(shards - s))
        };
        left -= c;
        if c > 0 {
            out.push((s, c));
        }
    }
    out
}

impl Model for World<'_> {
    type Event = Event;

    #[inline]
    fn handle(&mut self, now: Nanos, event: Event, q: &mut Queue<Event>) {
        match event {
            Event::Read(r) => match self.consumer(r).read {
                ReadMode::Shared => self.on_poll(now, r, q),
                ReadMode::Efo => self.on_push(now, r, q),
            },
            Event::Done(r, lane) => self.on_done(now, r, lane, q),
            Event::Retry(r, lane) => self.invoke(now, r, lane, q),
            Event::Seal(s, shard) => self.on_seal(now, s, shard, q),
            Event::Start(r) => self.on_start(now, r, q),
            Event::Scale(s) => self.on_scale(now, s, q),
        }
    }
}
