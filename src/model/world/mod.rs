//! The simulated system: its state, its construction, its events and the one place each event is
//! dispatched to the mechanism that handles it.
//!
//! A reader is one consumer's poller (or EFO subscription) on one shard. It holds a cursor into the
//! shard's log, the records read but not yet sent (`pend_start..cursor`, the batch being formed), and
//! `parallelization_factor` lanes, each sending one batch at a time to the function. Every record a
//! reader has seen is in exactly one place: processed, discarded, expired, pending, in a lane, or
//! still unread in the log; [`World::conservation`] checks this at the end of every run.
//!
//! The mechanisms live in the submodules: `mode` (what a reader's read mode decides: which
//! mechanism reads, and when a reader reads next), `poll` (shared GetRecords reading), `push`
//! (enhanced fan-out), `invoke` (batching, concurrency, retries and bisection), `route` (routers writing on
//! to other streams), `lineage` (sealed shards and their children), `trace` (the call trace of one
//! shard) and `conservation` (the end-of-run balance); `reader` holds the per-reader state and
//! `shards` the shards with their readers and the trimming policy.

use super::arrivals::{profile_steps, Source};
use super::function::EnvPool;
use super::metrics::ConsumerMetrics;
use super::shard::Shard;
use super::spec::{ConsumerSpec, ModelSpec};
use crate::engine::rng::{name_id, stream};
use crate::engine::{Model, Nanos, Queue};
use mode::Wake;
use reader::{Reader, Readers};
use shards::{Shards, Slot};
use std::sync::Arc;

mod conservation;
mod invoke;
mod lineage;
mod mode;
mod part;
mod poll;
mod push;
mod reader;
mod route;
mod shards;
mod trace;

pub use conservation::Conservation;
pub use lineage::LineageSpan;
pub use part::{BusyChange, ShardMask};
pub use reader::ReaderId;
pub use route::stream_depths;
pub use trace::{CallOutcome, ReaderAt, Sample, Trace};

/// Events of the stream model.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// A reader polls (shared) or receives a push (EFO).
    Read(ReaderId),
    /// The answer to a shared reader's allowed GetRecords call reaches it (only when the call
    /// takes time: see `StreamSpec::get_records_latency`).
    Answer(ReaderId),
    /// An invocation on a lane of a reader ends.
    Done(ReaderId, u16),
    /// A lane of a reader retries its batch after the retry delay.
    Retry(ReaderId, u16),
    /// A shard of a stream is sealed and replaced by its child or children.
    Seal(u32, u32),
    /// A reader of a child shard starts reading.
    Start(ReaderId),
    /// An on-demand stream measures its shards' traffic.
    Scale(u32),
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
    shards: Shards,
    readers: Readers,
    consumers: Vec<ConsumerState>,
    pub account: Account,
    /// When set, every call on the traced shard within its window is recorded.
    pub trace: Option<Trace>,
    lineage: lineage::Lineage,
    /// The shards this world simulates (`None`: all of them); see [`World::new_part`].
    owned: Option<ShardMask>,
    /// When set, every change of a function's concurrency, in the order they happen.
    pub busy_log: Option<Vec<BusyChange>>,
    /// Per consumer, when its mapping starts polling: no reader of it reads earlier
    /// ([`crate::model::control::mapping_starts`]).
    mapping_start: Vec<Nanos>,
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

impl<'a> World<'a> {
    /// Builds the system at time zero and schedules each reader's first event.
    pub fn new(spec: &'a ModelSpec, queue: &mut Queue<Event>) -> World<'a> {
        Self::build(spec, queue, None)
    }

    /// Builds the system at time zero, every shard and reader of it, and schedules the first
    /// event of each reader of the `owned` shards (all when `None`).
    fn build(spec: &'a ModelSpec, queue: &mut Queue<Event>, owned: Option<ShardMask>) -> World<'a> {
        let profiles = producer_profiles(spec);
        let streams: Vec<Vec<Slot>> = spec
            .streams
            .iter()
            .enumerate()
            .map(|(si, s)| {
                let lazy = spec
                    .consumers
                    .iter()
                    .filter(|c| c.stream == si)
                    .all(ConsumerSpec::reads_lazily);
                (0..s.shards)
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
                        Slot::new(Shard::new(sources, s.record_chunk, &s.limits, lazy))
                    })
                    .collect()
            })
            .collect();
        let mut shards = Shards::new(streams);
        let mut readers = Readers::default();
        let mut consumers = Vec::new();
        let depths = stream_depths(spec);
        for (ci, c) in spec.consumers.iter().enumerate() {
            consumers.push(ConsumerState {
                metrics: ConsumerMetrics::new(spec.duration, spec.warmup, spec.latency_sample),
                envs: EnvPool::default(),
                depth: depths[c.stream],
            });
            let s = &spec.streams[c.stream];
            for sh in 0..s.shards {
                let slot = shards.slot_mut(c.stream as u32, sh);
                let marks = c
                    .function
                    .poison
                    .iter()
                    .filter(|p| p.shard == sh)
                    .map(|p| slot.shard.add_mark(p.at))
                    .collect();
                let r = readers.push(Reader::new(
                    spec.seed,
                    ci as u32,
                    c,
                    c.stream as u32,
                    sh,
                    s.efo.bytes_per_s,
                    marks,
                ));
                slot.readers.push(r);
            }
        }
        let reserved: u32 = spec
            .consumers
            .iter()
            .filter_map(|c| c.function.reserved_concurrency)
            .sum();
        let mut world = World {
            spec,
            shards,
            readers,
            consumers,
            account: Account {
                unreserved: spec.account.concurrency.saturating_sub(reserved),
                ..Account::default()
            },
            trace: None,
            lineage: Default::default(),
            owned,
            busy_log: None,
            mapping_start: crate::model::control::mapping_starts(spec),
        };
        world.lineage_start(queue);
        for r in world.readers.ids() {
            if !world.owns_reader(r) {
                continue;
            }
            world.next_read(0, r, Wake::Open, queue);
        }
        world
    }

    /// The spec of reader `r`'s consumer.
    #[inline]
    pub(super) fn consumer(&self, r: ReaderId) -> &'a ConsumerSpec {
        &self.spec.consumers[self.readers[r].consumer as usize]
    }

    /// The shard reader `r` reads.
    #[inline]
    pub(super) fn shard_of(&mut self, r: ReaderId) -> &mut Shard {
        let rd = &self.readers[r];
        &mut self.shards.slot_mut(rd.stream, rd.shard).shard
    }

    /// Generates arrivals up to `now` on the reader's shard and trims what no reader needs.
    #[inline]
    pub(super) fn refresh_shard(&mut self, now: Nanos, r: ReaderId) {
        let rd = &self.readers[r];
        // A polling reader looks at most at its next call's records and the one after them, and
        // expiry at the records older than retention.
        let need = rd.cursor + self.spec.consumers[rd.consumer as usize].fetch_records + 1;
        let keep_through = now.saturating_sub(self.spec.streams[rd.stream as usize].retention);
        let (si, sh) = (rd.stream, rd.shard);
        let slot = self.shards.slot_mut(si, sh);
        slot.shard.extend_for(now, need, keep_through);
        if slot.trim_due() {
            self.trim_shard(si, sh);
        }
        self.expire_unread(now, r);
    }

    /// Drops the records every reader of the shard is done with.
    #[cold]
    fn trim_shard(&mut self, si: u32, sh: u32) {
        let slot = self.shards.slot_mut(si, sh);
        let low = slot
            .readers
            .iter()
            .map(|&i| self.readers[i].low_water())
            .min()
            .unwrap_or(u64::MAX);
        slot.trim(low);
    }

    /// Moves the reader's cursor past records that outlived retention (counted as expired).
    #[inline(always)]
    pub(super) fn expire_unread(&mut self, now: Nanos, r: ReaderId) {
        let rd = &self.readers[r];
        let retention = self.spec.streams[rd.stream as usize].retention;
        if now <= retention || rd.cursor != rd.pend_start {
            // Nothing is old enough yet, or a batch is being formed (its records are in flight).
            return;
        }
        let gone = self
            .shards
            .of(rd)
            .expired_end(rd.cursor, now, retention, &rd.hint);
        if gone > rd.cursor {
            let n = gone - rd.cursor;
            let rd = &mut self.readers[r];
            rd.cursor = gone;
            rd.pend_start = gone;
            self.consumers[rd.consumer as usize].metrics.records_expired += n;
        }
    }

    /// Brings every shard and reader to the end of the run: generates the last arrivals and expires
    /// what outlived retention, so that the counts add up.
    pub fn finish(&mut self, end: Nanos) {
        for si in 0..self.shards.streams() {
            let keep_through = end.saturating_sub(self.spec.streams[si].retention);
            for sh in 0..self.shards.stream(si).len() {
                if self.owns(si, sh) {
                    self.shards.stream_mut(si)[sh]
                        .shard
                        .finish(end, keep_through);
                }
            }
        }
        for r in self.readers.ids() {
            if self.owns_reader(r) {
                self.expire_unread(end, r);
            }
        }
    }

    /// The shards of stream `si` (children of sealed shards after the initial ones), for the
    /// report.
    pub fn stream_shards(&self, si: usize) -> Vec<&Shard> {
        self.shards.stream(si).iter().map(|x| &x.shard).collect()
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
}

impl Model for World<'_> {
    type Event = Event;

    #[inline]
    fn handle(&mut self, now: Nanos, event: Event, q: &mut Queue<Event>) {
        match event {
            Event::Read(r) => self.on_read(now, r, q),
            Event::Answer(r) => self.on_answer(now, r, q),
            Event::Done(r, lane) => self.on_done(now, r, lane, q),
            Event::Retry(r, lane) => self.invoke(now, r, lane, q),
            Event::Seal(s, shard) => self.on_seal(now, s, shard, q),
            Event::Start(r) => self.on_start(now, r, q),
            Event::Scale(s) => self.on_scale(now, s, q),
        }
    }
}
