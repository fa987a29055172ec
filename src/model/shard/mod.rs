//! One shard: its log and its parts, each written by the one mechanism that owns it: record
//! generation (`generate.rs`: the sources, the write limits, what was offered and written), shared
//! reads (the call and byte budget), lineage (opened, sealed, parent) and on-demand metering.
//!
//! Every field is private. The world reads the parts through accessors and changes them only
//! through the methods of the mechanism that owns them.

mod generate;

use super::arrivals::Source;
use super::dups::DupMarks;
use super::limits::{CallVerdict, ReadLimiter, WriteWindow};
use super::log::{Hint, ShardLog};
use super::origin::OriginLog;
use super::spec::ShardLimits;
use crate::engine::Nanos;

/// A shard of a stream. Records exist in its log only once someone asked for time `t` via
/// [`Shard::extend_to`]; every record generated is either in the log, counted in
/// [`WriteCounts::throttled`], or (a lazy shard's records no reader reached) counted unkept.
pub struct Shard {
    /// The records written and kept, in order (appended by generation and routed writes).
    log: ShardLog,
    /// Record generation: the producers' sources, the write window, laziness.
    generator: Generator,
    /// What writers offered the shard and what its write limits made of it.
    writes: WriteCounts,
    /// Lags of the records written by routers (empty for a stream fed by producers only).
    origin: OriginLog,
    /// Records that are a source's second copy of an earlier record.
    dups: DupMarks,
    /// Poison marks: `(time, record number of the first record at or after it)`.
    marks: Vec<(Nanos, u64)>,
    /// Shared GetRecords calls: the call and byte budget.
    limiter: ReadLimiter,
    /// Throttled GetRecords calls on this shard (ReadProvisionedThroughputExceeded).
    throttled_reads: u64,
    lineage: ShardLineage,
    metering: Metering,
}

/// Record generation (`generate.rs`): where records come from and the write limits they pass.
struct Generator {
    sources: Vec<Source>,
    /// Arrivals are grouped into chunks of this length (0: every record is exact).
    chunk: Nanos,
    next_chunk: Nanos,
    limits: ShardLimits,
    write: WriteWindow,
    /// Every reader of the shard reads lazily (decided by the world at construction): records are
    /// generated only as far as a reader looks ([`Shard::extend_for`]), and at the end of the run
    /// those no reader reached are counted without being kept ([`Shard::finish`]).
    lazy: bool,
    /// Records written after the log's last one that no reader reached by the end of the run:
    /// counted (with their bytes, payload units and write throttles) but not kept.
    unkept: u64,
}

/// What writers (producers and routers) offered a shard and what its write limits made of it;
/// counted by record generation only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteCounts {
    /// Records and bytes offered, accepted or not.
    pub offered_records: u64,
    pub offered_bytes: u64,
    /// Bytes written (accepted records).
    pub bytes_written: u64,
    /// Kinesis PUT payload units: each record counts one per started 25 KB.
    pub put_units: u64,
    /// Records rejected by the write limits, in all and per minute of their write time.
    pub throttled: u64,
    pub throttled_minutes: Vec<u64>,
}

/// When a shard opened, when it was sealed (no more writes), its parent shard; set by
/// [`Shard::child`] and [`Shard::seal`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShardLineage {
    pub born: Nanos,
    pub sealed_at: Option<Nanos>,
    pub parent: Option<u32>,
}

/// On-demand capacity's view of a shard: the incoming traffic at its last measurement, and
/// whether a split is scheduled.
#[derive(Clone, Debug, Default)]
struct Metering {
    /// `(time, offered records, offered bytes)` when the incoming rate was last measured.
    mark: (Nanos, u64, u64),
    split_pending: bool,
}

/// Marker for a poison mark not yet reached.
pub(crate) const UNRESOLVED: u64 = u64::MAX;

impl Shard {
    /// A shard at time zero fed by `sources`; `lazy` when every reader of it reads lazily
    /// ([`ConsumerSpec::reads_lazily`](crate::model::spec::ConsumerSpec::reads_lazily)).
    pub fn new(sources: Vec<Source>, chunk: Nanos, limits: &ShardLimits, lazy: bool) -> Shard {
        Shard {
            log: ShardLog::new(),
            generator: Generator {
                sources,
                chunk,
                next_chunk: 0,
                limits: limits.clone(),
                write: WriteWindow::default(),
                lazy,
                unkept: 0,
            },
            writes: WriteCounts::default(),
            origin: OriginLog::default(),
            dups: DupMarks::default(),
            marks: Vec::new(),
            limiter: ReadLimiter::new(limits),
            throttled_reads: 0,
            lineage: ShardLineage::default(),
            metering: Metering::default(),
        }
    }

    /// The records written and kept.
    #[inline]
    pub fn log(&self) -> &ShardLog {
        &self.log
    }

    /// What writers offered and what was written.
    pub fn writes(&self) -> &WriteCounts {
        &self.writes
    }

    /// When the shard opened and was sealed, and its parent.
    pub fn lineage(&self) -> &ShardLineage {
        &self.lineage
    }

    /// Records written: those in the log and those counted at the end without being kept.
    pub fn records_written(&self) -> u64 {
        self.log.end() + self.generator.unkept
    }

    /// True when record generation is lazy (see [`Shard::new`]).
    #[inline]
    pub fn lazy(&self) -> bool {
        self.generator.lazy
    }

    /// When record `r` was first written anywhere: its timestamp here, less the lag it carries from
    /// earlier hops (none for a producer's record).
    #[inline]
    pub fn origin_ts(&self, r: u64, hint: &Hint) -> Nanos {
        self.log.ts_of(r, hint) - self.origin.lag_of(r)
    }

    /// Lags of the records written by routers.
    pub fn origin(&self) -> &OriginLog {
        &self.origin
    }

    /// Records that are a source's second copy of an earlier record.
    pub fn dups(&self) -> &DupMarks {
        &self.dups
    }

    /// Drops the records before `low` (no reader needs them) from the log and what lies beside it.
    pub fn trim_before(&mut self, low: u64) {
        self.log.trim_before(low);
        self.origin.trim_before(low);
        self.dups.trim_before(low);
    }

    /// Adds a poison mark at `at` (resolved to the first record written at or after it) and
    /// returns its index.
    pub fn add_mark(&mut self, at: Nanos) -> usize {
        self.marks.push((at, UNRESOLVED));
        self.marks.len() - 1
    }

    /// The first record at or after poison mark `k` ([`UNRESOLVED`] until one is written).
    #[inline]
    pub fn mark_record(&self, k: usize) -> u64 {
        self.marks[k].1
    }

    /// The poison marks no record reached yet: `(index, time)`.
    pub fn unresolved_marks(&self) -> impl Iterator<Item = (usize, Nanos)> + '_ {
        self.marks
            .iter()
            .enumerate()
            .filter(|(_, m)| m.1 == UNRESOLVED)
            .map(|(k, m)| (k, m.0))
    }

    /// A shared reader's GetRecords call at `t` against the shard's call and byte budget (a
    /// throttled call is counted).
    #[inline]
    pub fn read_call(&mut self, limits: &ShardLimits, t: Nanos) -> CallVerdict {
        let verdict = self.limiter.call(limits, t);
        if verdict == CallVerdict::Throttled {
            self.throttled_reads += 1;
        }
        verdict
    }

    /// Takes the `bytes` a successful call at `t` returned from the byte budget.
    #[inline]
    pub fn read_consume(&mut self, limits: &ShardLimits, t: Nanos, bytes: u64) {
        self.limiter.consume(limits, t, bytes);
    }

    /// Throttled GetRecords calls: all of them, and those the byte limits caused.
    pub fn throttled_reads(&self) -> (u64, u64) {
        (self.throttled_reads, self.limiter.throttled_by_bytes)
    }

    /// True once the shard is sealed: it takes no more writes.
    #[inline]
    pub fn sealed(&self) -> bool {
        self.lineage.sealed_at.is_some()
    }

    /// Seals the shard at `t` (every arrival up to `t` is written first) and returns its sources,
    /// from which the children's are made.
    pub fn seal(&mut self, t: Nanos) -> Vec<Source> {
        self.extend_to(t);
        self.lineage.sealed_at = Some(t);
        std::mem::take(&mut self.generator.sources)
    }

    /// A child of shard `parent` sealed at `t`, fed by `sources`; in aggregate mode its chunks
    /// continue the parent's grid from `next_chunk` (the parent's first chunk not generated).
    pub fn child(
        sources: Vec<Source>,
        chunk: Nanos,
        next_chunk: Nanos,
        limits: &ShardLimits,
        parent: u32,
        t: Nanos,
    ) -> Shard {
        let mut s = Shard::new(sources, chunk, limits, false);
        s.generator.next_chunk = next_chunk;
        s.lineage.born = t;
        s.lineage.parent = Some(parent);
        s.metering.mark = (t, 0, 0);
        s
    }

    /// The parent's first chunk start not yet generated (aggregate mode).
    pub fn next_chunk(&self) -> Nanos {
        self.generator.next_chunk
    }

    /// A split of this shard is scheduled (on-demand capacity).
    pub fn split_pending(&self) -> bool {
        self.metering.split_pending
    }

    /// Notes that a split of this shard is scheduled (on-demand capacity).
    pub fn plan_split(&mut self) {
        self.metering.split_pending = true;
    }

    /// Incoming `(records, bytes)` per second since the last measurement; starts a new one.
    pub fn measure(&mut self, now: Nanos) -> (f64, f64) {
        self.extend_to(now);
        let (offered_records, offered_bytes) =
            (self.writes.offered_records, self.writes.offered_bytes);
        let (t0, r0, b0) = self.metering.mark;
        self.metering.mark = (now, offered_records, offered_bytes);
        let secs = now.saturating_sub(t0) as f64 / 1e9;
        if secs <= 0.0 {
            return (0.0, 0.0);
        }
        (
            (offered_records - r0) as f64 / secs,
            (offered_bytes - b0) as f64 / secs,
        )
    }

    /// Records with a timestamp at or before `t` (the readable end of the log at `t`).
    #[inline]
    pub fn readable_end(&self, t: Nanos, hint: &Hint) -> u64 {
        match self.log.last_time() {
            Some(last) if last <= t => self.log.end(),
            Some(_) => self.log.end_at(t, hint),
            None => self.log.end(),
        }
    }

    /// Number just past the records before `from` or outliving `retention` at `now`: `from` itself
    /// when record `from` is still fresh (the common case, answered without a search).
    #[inline(always)]
    pub fn expired_end(&self, from: u64, now: Nanos, retention: Nanos, hint: &Hint) -> u64 {
        let from = from.max(self.log.start());
        if now <= retention || from >= self.log.end() {
            return from;
        }
        let cutoff = now - retention;
        if self.log.ts_of(from, hint) >= cutoff {
            return from;
        }
        self.log.end_at(cutoff - 1, hint).max(from)
    }
}
