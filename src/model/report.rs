//! What a run produced: the [`RunReport`] and its parts, plain data with no behaviour beyond
//! turning the compact per-minute series into rows. It refers to none of the files that build,
//! fill or cost it, so none of them imports in a circle.

use super::control::ControlPlaneReport;
use super::metrics::Minute;
use crate::engine::time::as_ms;
use serde::{Deserialize, Serialize};

/// IteratorAge statistics of one consumer after warm-up, in milliseconds.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AgeStats {
    /// Number of samples (invocations) after warm-up.
    pub samples: u64,
    pub mean: f64,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
    /// Mean of the per-minute Average values CloudWatch would show.
    pub minute_avg: f64,
    /// Largest per-minute Average.
    pub minute_avg_max: f64,
}

/// One consumer's results.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ConsumerReport {
    pub name: String,
    pub stream: String,
    pub read: String,
    pub iterator_age_ms: AgeStats,
    pub records_processed: u64,
    pub records_in_flight: u64,
    pub records_unread: u64,
    pub records_discarded: u64,
    pub records_expired: u64,
    pub read_calls: u64,
    pub throttled_reads: u64,
    pub throttled_reads_per_min: f64,
    pub invocations: u64,
    pub errors: u64,
    pub retries: u64,
    pub duplicates: u64,
    /// Of `duplicates`: records the source itself wrote twice (Kinesis Data Streams for DynamoDB).
    #[serde(default)]
    pub source_duplicates: u64,
    pub cold_starts: u64,
    pub peak_concurrency: u32,
    /// Invocations rejected for lack of concurrency (function reservation or account limit).
    #[serde(default)]
    pub throttled_invocations: u64,
    /// Summed invocation durations, and those of fan-out downstream calls (ms).
    pub billed_ms: f64,
    pub downstream_billed_ms: f64,
    /// Bytes pushed by enhanced fan-out.
    pub efo_bytes: u64,
    /// Bytes read, by GetRecords calls or enhanced fan-out pushes.
    #[serde(default)]
    pub bytes_read: u64,
    /// Mean time from write to first send to the function.
    pub delivery_latency_ms: f64,
    /// Mean and maximum time from write to successful processing.
    pub end_to_end_ms_mean: f64,
    pub end_to_end_ms_max: f64,
    /// Single-record latency, write to handler start, with its parts (after warm-up).
    #[serde(default)]
    pub latency_ms: LatencyStats,
    /// For a consumer of a stream fed by routers: the same measured from each record's first write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_first_write: Option<FirstWriteStats>,
    /// For a router: where its records went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routed: Option<RouterStats>,
}

/// Single-record latency of one consumer, in milliseconds: from each record's write (its time in
/// the shard log) to the start of the handler invocation that first processes it, over the records
/// whose first invocation started after warm-up. Percentiles are nearest-rank, kept to within 0.8%
/// (log buckets 1/64 wide, reported at their midpoint); the total's and the wait's are taken over
/// a deterministic sample of the records (`sampled`), the other parts' over all. Means and maxima
/// are exact. The parts sum to the total per record (docs/model.md, metrics).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct LatencyStats {
    /// Records counted (in the mean and the maximum, and in each part).
    pub records: u64,
    /// The records the total's and the wait's percentiles are taken from: those whose number in
    /// their shard is a multiple of `metrics.latency_sample` (all of them when it is 1).
    pub sampled: u64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    /// From the write to the read that fetched the record (GetRecords call made, EFO push sent).
    pub wait: LatencyPart,
    /// From that read to the records being in the poller's hands.
    pub delivery: LatencyPart,
    /// From being in hand to the handler starting (batching, lanes, throttles, cold start).
    pub to_handler: LatencyPart,
}

/// One part of [`LatencyStats`], in milliseconds.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct LatencyPart {
    pub mean: f64,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

/// A consumer's view measured from each record's first write anywhere in the topology, rather than
/// from its write to the consumer's own stream (which [`ConsumerReport::iterator_age_ms`] uses).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FirstWriteStats {
    /// Routers between the first write and this consumer's stream (longest path).
    pub hops: u32,
    /// IteratorAge from the first write: mean, p50, p99 and max (ms), after warm-up.
    pub iterator_age_ms_mean: f64,
    pub iterator_age_ms_p50: f64,
    pub iterator_age_ms_p99: f64,
    pub iterator_age_ms_max: f64,
    /// Time from first write to successful processing: mean and max (ms).
    pub end_to_end_ms_mean: f64,
    pub end_to_end_ms_max: f64,
}

/// What a router did with the records it processed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RouterStats {
    /// Records written to an output stream (each to one).
    pub records_routed: u64,
    /// Records no route took (the shares sum to less than 1).
    pub records_filtered: u64,
}

/// One stream's results.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StreamReport {
    pub name: String,
    pub kind: String,
    pub shards: u32,
    pub records_written: u64,
    pub bytes_written: u64,
    pub put_payload_units: u64,
    pub write_throttles: u64,
    pub throttled_reads: u64,
    pub throttled_reads_per_min: f64,
    /// Of `throttled_reads`: those caused by the read-bytes limits rather than the call rate.
    #[serde(default)]
    pub throttled_reads_by_bytes: u64,
    /// Shard changes, for a stream with rollover or on-demand capacity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineage: Option<ShardChanges>,
}

/// One line of a bill.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostItem {
    pub item: String,
    pub usd_per_month: f64,
}

/// A monthly bill: the total and its lines.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    pub usd_per_month: f64,
    pub items: Vec<CostItem>,
}

/// Concurrency of the whole account.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct AccountReport {
    /// The account's concurrency limit.
    pub concurrency_limit: u32,
    /// Most concurrent executions at once, all functions (fan-out downstream calls included).
    pub peak_concurrency: u32,
    /// Invocations rejected for lack of concurrency, all functions.
    pub throttled_invocations: u64,
}

/// How a stream's shards changed during a run (rollover, on-demand splits).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ShardChanges {
    /// Shards sealed (each replaced by one child on rollover, two on a split).
    pub shards_sealed: u32,
    /// Child shards opened.
    pub shards_opened: u32,
    /// Open (unsealed) shards at the end of the run, and the most at any time.
    pub open_shards_end: u32,
    pub open_shards_peak: u32,
}

/// One simulated minute of one consumer (after warm-up), as CloudWatch would chart it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MinuteRow {
    pub minute: u64,
    pub consumer: String,
    pub stream: String,
    pub iterator_age_avg_ms: f64,
    pub iterator_age_max_ms: f64,
    pub samples: u64,
    pub invocations: u64,
    pub errors: u64,
    pub records_processed: u64,
    pub throttled_reads: u64,
    pub stream_throttled_reads: u64,
    /// Open shards of the stream at the end of the minute; present only in runs where some
    /// stream has rollover or on-demand capacity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shards: Option<u32>,
    /// Records the stream rejected by its write limits during the minute (same runs only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_write_throttles: Option<u64>,
}

/// The per-minute series of a run (after warm-up), kept compact: each consumer's own minute buckets
/// (moved out of the simulation, not copied) and each stream's throttled reads per minute. The
/// [`MinuteRow`]s, with their names, are made one at a time by [`MinuteSeries::rows`], so a long run
/// holds no per-minute strings and no rows (24 h of 10 consumers would be 14,400 of them).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct MinuteSeries {
    pub(super) consumers: Vec<SeriesConsumer>,
    /// Per stream, per minute: throttled reads of all its consumers.
    pub(super) stream_throttled: Vec<Vec<u64>>,
    /// Per stream, per minute: open shards at the end of the minute and records rejected by the
    /// write limits; only in runs where some stream has rollover or on-demand capacity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) stream_lineage: Option<Vec<Vec<(u32, u64)>>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(super) struct SeriesConsumer {
    pub(super) name: String,
    pub(super) stream: String,
    pub(super) stream_index: usize,
    /// Minute indices reported (those after warm-up and before the end of the run).
    pub(super) first: usize,
    pub(super) end: usize,
    pub(super) minutes: Vec<Minute>,
}

impl MinuteSeries {
    /// The rows, consumer by consumer, minute by minute.
    pub fn rows(&self) -> impl Iterator<Item = MinuteRow> + '_ {
        self.consumers.iter().flat_map(move |c| {
            (c.first..c.end).map(move |k| {
                let b = &c.minutes[k];
                MinuteRow {
                    minute: k as u64,
                    consumer: c.name.clone(),
                    stream: c.stream.clone(),
                    iterator_age_avg_ms: if b.age_samples > 0 {
                        as_ms(b.age_sum_ns as f64 / b.age_samples as f64)
                    } else {
                        0.0
                    },
                    iterator_age_max_ms: as_ms(b.age_max_ns as f64),
                    samples: b.age_samples.into(),
                    invocations: b.invocations.into(),
                    errors: b.errors.into(),
                    records_processed: b.records_processed,
                    throttled_reads: b.throttled_reads.into(),
                    stream_throttled_reads: self.stream_throttled[c.stream_index][k],
                    shards: self.stream_lineage.as_ref().map(|l| l[c.stream_index][k].0),
                    stream_write_throttles: self
                        .stream_lineage
                        .as_ref()
                        .map(|l| l[c.stream_index][k].1),
                }
            })
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.consumers.iter().map(|c| c.end - c.first).sum()
    }

    /// True when there is no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Everything a run produced. Identical for identical inputs, except `wall_s`, `events_per_s` and
/// `peak_rss_mb` (measurements of the machine, not results of the model).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RunReport {
    pub model: String,
    pub seed: u64,
    pub simulated_s: f64,
    pub warmup_s: f64,
    pub events: u64,
    pub wall_s: f64,
    pub events_per_s: f64,
    /// Peak resident memory of the process when the run ended, in MiB. Set only by `sim run`, where
    /// the process holds one run; absent elsewhere (a sweep's runs share one process), and never
    /// set by the model, which does not look at the machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_mb: Option<f64>,
    pub streams: Vec<StreamReport>,
    pub consumers: Vec<ConsumerReport>,
    #[serde(default)]
    pub account: AccountReport,
    /// Monthly cost at the prices the run was given (absent when it was given none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<Cost>,
    /// Bringing the subscribers up through the control plane (absent when not simulated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_plane: Option<ControlPlaneReport>,
    #[serde(skip)]
    pub minutes: MinuteSeries,
}

/// A run whose records did not add up: a bug in `sim`, never a property of the model.
#[derive(Debug, thiserror::Error)]
#[error("conservation violated for consumer `{consumer}`: written {written} != processed {processed} + in flight {in_flight} + unread {unread} + discarded {discarded} + expired {expired}")]
pub struct ConservationError {
    pub consumer: String,
    pub written: u64,
    pub processed: u64,
    pub in_flight: u64,
    pub unread: u64,
    pub discarded: u64,
    pub expired: u64,
}
