//! Shard lineage: shards sealed at a time and replaced by children, and readers moving on to them.
//!
//! A sealed shard takes no more writes: its producers' sources move to its children, opened at the
//! same instant, each with its share of the parent's rate (rollover: one child, the whole rate;
//! split: two children, half each). Every consumer gets a reader per child. A child reader starts
//! only once its consumer's reader of the parent has *finished* the parent (every record
//! processed, discarded or expired, nothing in flight), plus a discovery delay: Lambda keeps a
//! shard's order, parent before children. The sealed parent keeps its log, trimmed like any other,
//! so conservation sums over parents and children alike.
//!
//! New shards and readers draw from random streams named by their shard number, which is above
//! every initial shard's, so a model without rollover or on-demand capacity runs exactly as before.

use super::{Event, Reader, ReaderId, Slot, Wake, World, RNG_ARRIVALS};
use crate::engine::rng::{name_id, stream};
use crate::engine::{Nanos, Queue};
use crate::model::shard::Shard;
use rand::Rng;

/// Random streams of rollover lifetimes.
const RNG_LINEAGE: u64 = 4;

/// Lineage state of the readers created so far (indexed by reader; absent: an initial reader
/// nothing has happened to).
#[derive(Default)]
pub(super) struct Lineage {
    readers: Vec<ReaderLineage>,
}

#[derive(Clone, Debug, Default)]
struct ReaderLineage {
    /// The same consumer's reader of the parent shard.
    parent: Option<ReaderId>,
    children: Vec<ReaderId>,
    /// When the reader started reading (child readers only).
    started_at: Option<Nanos>,
    /// When it first fetched records.
    first_read_at: Option<Nanos>,
    /// When it finished its sealed shard.
    done_at: Option<Nanos>,
}

impl Lineage {
    fn entry(&mut self, r: ReaderId) -> &mut ReaderLineage {
        let i = r.index();
        if self.readers.len() <= i {
            self.readers.resize_with(i + 1, ReaderLineage::default);
        }
        &mut self.readers[i]
    }

    fn done(&self, r: ReaderId) -> bool {
        self.readers
            .get(r.index())
            .is_some_and(|x| x.done_at.is_some())
    }

    /// Notes a fetch of records by reader `r` (cheap when no shard ever changed).
    #[inline]
    pub(super) fn note_read(&mut self, r: ReaderId, now: Nanos) {
        if let Some(x) = self.readers.get_mut(r.index()) {
            x.first_read_at.get_or_insert(now);
        }
    }
}

/// What happened to one reader, for checking the lineage order from outside.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineageSpan {
    pub consumer: usize,
    pub stream: usize,
    pub shard: u32,
    pub parent_shard: Option<u32>,
    /// When the consumer finished the parent shard.
    pub parent_done_at: Option<Nanos>,
    pub started_at: Option<Nanos>,
    pub first_read_at: Option<Nanos>,
    pub done_at: Option<Nanos>,
}

impl World<'_> {
    /// Schedules the first seals (rollover) and capacity checks (on-demand) of every stream.
    pub(super) fn lineage_start(&mut self, q: &mut Queue<Event>) {
        for (si, s) in self.spec.streams.iter().enumerate() {
            if s.lineage.rollover.is_some() {
                for sh in 0..s.shards {
                    self.schedule_rollover(si, sh, 0, q);
                }
            }
            if let Some(od) = s.lineage.on_demand {
                if od.window <= self.spec.duration {
                    q.schedule(od.window, Event::Scale(si as u32));
                }
            }
        }
    }

    /// Schedules the rollover of shard `sh`, opened at `born`, if it falls within the run.
    fn schedule_rollover(&mut self, si: usize, sh: u32, born: Nanos, q: &mut Queue<Event>) {
        let s = &self.spec.streams[si];
        let Some(ro) = s.lineage.rollover else { return };
        let mut rng = stream(
            self.spec.seed,
            &[RNG_LINEAGE, name_id(&s.name), u64::from(sh)],
        );
        let lifetime = ro.every - ro.jitter + rng.random_range(0..=2 * ro.jitter);
        let at = born.saturating_add(lifetime);
        if at < self.spec.duration {
            q.schedule(at, Event::Seal(si as u32, sh));
        }
    }

    /// An on-demand stream measures each open shard's incoming traffic and schedules a split of
    /// every shard above the threshold.
    pub(super) fn on_scale(&mut self, now: Nanos, si: u32, q: &mut Queue<Event>) {
        let s = &self.spec.streams[si as usize];
        let Some(od) = s.lineage.on_demand else {
            return;
        };
        let shards = self.shards.stream_mut(si as usize);
        let mut planned = shards
            .iter()
            .filter(|x| !x.shard.sealed())
            .map(|x| 1 + u32::from(x.shard.split_pending()))
            .sum::<u32>();
        for (sh, Slot { shard, .. }) in shards.iter_mut().enumerate() {
            if shard.sealed() || shard.split_pending() {
                continue;
            }
            let (records, bytes) = shard.measure(now);
            let busy =
                bytes > od.split_bytes_per_s as f64 || records > od.split_records_per_s as f64;
            if busy && planned < od.max_shards {
                planned += 1;
                shard.plan_split();
                let at = now + od.split_delay;
                if at <= self.spec.duration {
                    q.schedule(at, Event::Seal(si, sh as u32));
                }
            }
        }
        if now + od.window <= self.spec.duration {
            q.schedule(now + od.window, Event::Scale(si));
        }
    }

    /// Seals shard `sh` of stream `si`: opens its child (rollover) or children (split) and a
    /// reader per consumer on each.
    pub(super) fn on_seal(&mut self, now: Nanos, si: u32, sh: u32, q: &mut Queue<Event>) {
        let spec = self.spec;
        let si = si as usize;
        let s = &spec.streams[si];
        let Slot {
            shard: parent,
            readers,
            ..
        } = self.shards.slot_mut(si as u32, sh);
        if parent.sealed() {
            return;
        }
        let split = parent.split_pending();
        let sources = parent.seal(now);
        let next_chunk = parent.next_chunk();
        let parent_readers = readers.clone();
        // Poison marks not yet reached follow the lineage (to the first child).
        let unresolved: Vec<(usize, Nanos)> = parent.unresolved_marks().collect();
        let producers: Vec<&str> = spec
            .producers
            .iter()
            .filter(|p| p.stream == si)
            .map(|p| p.name.as_str())
            .collect();
        let children = if split { 2 } else { 1 };
        for k in 0..children {
            let id = self.shards.stream(si).len() as u32;
            let child_sources = sources
                .iter()
                .zip(&producers)
                .map(|(src, p)| {
                    let rng = stream(spec.seed, &[RNG_ARRIVALS, name_id(p), u64::from(id)]);
                    src.child(1.0 / f64::from(children), now, rng, s.record_chunk)
                })
                .collect();
            let mut child = Shard::child(
                child_sources,
                s.record_chunk,
                next_chunk,
                &s.limits,
                sh,
                now,
            );
            let mut moved = Vec::new();
            if k == 0 {
                for &(old, at) in &unresolved {
                    moved.push((old, child.add_mark(at)));
                }
            }
            let mut child = Slot::new(child);
            for &pr in &parent_readers {
                let prd = &self.readers[pr];
                let ci = prd.consumer;
                let c = &spec.consumers[ci as usize];
                let marks = prd
                    .marks
                    .iter()
                    .filter_map(|m| moved.iter().find(|x| x.0 == *m).map(|x| x.1))
                    .collect();
                let r = self.readers.push(Reader::new(
                    spec.seed,
                    ci,
                    c,
                    si as u32,
                    id,
                    s.efo.bytes_per_s,
                    marks,
                ));
                child.readers.push(r);
                self.lineage.entry(r).parent = Some(pr);
                self.lineage.entry(pr).children.push(r);
            }
            self.shards.stream_mut(si).push(child);
            self.schedule_rollover(si, id, now, q);
        }
        for &pr in &parent_readers {
            self.check_finished(now, pr, q);
        }
    }

    /// On a sealed shard: true if reader `r` has finished it (now or before). On finishing, its
    /// children are started after the discovery delay.
    pub(super) fn check_finished(&mut self, now: Nanos, r: ReaderId, q: &mut Queue<Event>) -> bool {
        if self.lineage.done(r) {
            return true;
        }
        let rd = &self.readers[r];
        let shard = self.shards.of(rd);
        if !shard.sealed()
            || rd.cursor < shard.log().end()
            || rd.free_lanes as usize != rd.lanes.len()
            || rd.in_flight() > 0
        {
            return false;
        }
        let discovery = self.spec.streams[rd.stream as usize].lineage.discovery;
        let entry = self.lineage.entry(r);
        entry.done_at = Some(now);
        for c in entry.children.clone() {
            let delay = self.readers[c].rng.random_range(0..=discovery);
            q.schedule(now + delay, Event::Start(c));
        }
        true
    }

    /// A child reader starts reading its shard.
    pub(super) fn on_start(&mut self, now: Nanos, r: ReaderId, q: &mut Queue<Event>) {
        self.lineage.entry(r).started_at = Some(now);
        self.next_read(now, r, Wake::Start, q);
    }

    /// Every reader's lineage, in reader order (initial readers first).
    pub fn lineage_spans(&self) -> Vec<LineageSpan> {
        self.readers
            .iter()
            .enumerate()
            .map(|(i, rd)| {
                let l = self.lineage.readers.get(i).cloned().unwrap_or_default();
                let parent = l.parent.map(|p| &self.lineage.readers[p.index()]);
                LineageSpan {
                    consumer: rd.consumer as usize,
                    stream: rd.stream as usize,
                    shard: rd.shard,
                    parent_shard: l.parent.map(|p| self.readers[p].shard),
                    parent_done_at: parent.and_then(|p| p.done_at),
                    started_at: l.started_at,
                    first_read_at: l.first_read_at,
                    done_at: l.done_at,
                }
            })
            .collect()
    }
}
