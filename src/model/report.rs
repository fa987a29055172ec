//! Running a model and summarising what happened: the [`RunReport`].

use super::metrics::{AgeHistogram, ConsumerMetrics, Minute};
use super::shard::Shard;
use super::spec::{ModelSpec, ReadMode};
use super::world::{Conservation, Trace, World};
use crate::engine::time::{as_ms, MIN, SEC};
use crate::engine::Nanos;
use crate::engine::{self, Queue};
use serde::{Deserialize, Serialize};
use std::time::Instant;

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
    /// For a consumer of a stream fed by routers: the same measured from each record's first write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_first_write: Option<FirstWriteStats>,
    /// For a router: where its records went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routed: Option<RouterStats>,
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
    consumers: Vec<SeriesConsumer>,
    /// Per stream, per minute: throttled reads of all its consumers.
    stream_throttled: Vec<Vec<u64>>,
    /// Per stream, per minute: open shards at the end of the minute and records rejected by the
    /// write limits; only in runs where some stream has rollover or on-demand capacity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stream_lineage: Option<Vec<Vec<(u32, u64)>>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
struct SeriesConsumer {
    name: String,
    stream: String,
    stream_index: usize,
    /// Minute indices reported (those after warm-up and before the end of the run).
    first: usize,
    end: usize,
    minutes: Vec<Minute>,
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
    /// Peak resident memory of the process when the run ended, in MiB (Linux `VmHWM`). Set only
    /// by [`simulate_with_progress`], the entry point of `sim run`, where the process holds one run;
    /// absent elsewhere (a sweep's runs share one process).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_mb: Option<f64>,
    pub streams: Vec<StreamReport>,
    pub consumers: Vec<ConsumerReport>,
    #[serde(default)]
    pub account: AccountReport,
    /// Monthly cost at the prices given (filled in by the caller, who knows the prices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<super::cost::Cost>,
    /// Bringing the subscribers up through the control plane (absent when not simulated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_plane: Option<super::control::ControlPlaneReport>,
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

/// Runs `spec` to its duration and reports. Fails only if conservation is violated.
pub fn simulate(spec: &ModelSpec) -> Result<RunReport, ConservationError> {
    run_to_end(spec, false)
}

/// Runs `spec` until `trace.to`, recording every call on the traced shard within the window.
pub fn simulate_trace(spec: &ModelSpec, mut trace: Trace) -> Trace {
    let mut queue = Queue::new();
    let mut world = World::new(spec, &mut queue);
    let until = trace.to.min(spec.duration);
    world.trace = Some(std::mem::take(&mut trace));
    engine::run(&mut world, &mut queue, until);
    world.trace.take().unwrap_or_default()
}

/// Like [`simulate`], drawing a progress bar on stderr when `progress` is true, and reporting the
/// process's peak memory (`peak_rss_mb`).
pub fn simulate_with_progress(
    spec: &ModelSpec,
    progress: bool,
) -> Result<RunReport, ConservationError> {
    let mut report = run_to_end(spec, progress)?;
    report.peak_rss_mb = peak_rss_mb();
    Ok(report)
}

/// The peak resident set size of this process in MiB, from `VmHWM` in /proc/self/status (Linux
/// only; `None` elsewhere or if unreadable).
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn run_to_end(spec: &ModelSpec, progress: bool) -> Result<RunReport, ConservationError> {
    let started = Instant::now();
    let mut queue = Queue::new();
    let mut world = World::new(spec, &mut queue);
    let events = if progress {
        let bar = indicatif::ProgressBar::new(100).with_style(
            indicatif::ProgressStyle::with_template(
                "{msg} [{bar:40}] {pos}% simulated, {elapsed} elapsed",
            )
            .expect("static template"),
        );
        bar.set_message(spec.name.clone());
        let mut events = 0;
        for step in 1..=100u64 {
            let until = (spec.duration as u128 * step as u128 / 100) as u64;
            events += engine::run(&mut world, &mut queue, until);
            bar.set_position(step);
        }
        bar.finish_and_clear();
        events
    } else {
        engine::run(&mut world, &mut queue, spec.duration)
    };
    world.finish(spec.duration);
    let wall_s = started.elapsed().as_secs_f64();
    build_report(spec, &mut world, events, wall_s)
}

fn build_report(
    spec: &ModelSpec,
    world: &mut World,
    events: u64,
    wall_s: f64,
) -> Result<RunReport, ConservationError> {
    let balance = world.conservation();
    let measured_min = (spec.duration.saturating_sub(spec.warmup)) as f64 / MIN as f64;
    let per_min = |n: u64| {
        if measured_min > 0.0 {
            n as f64 / measured_min
        } else {
            0.0
        }
    };
    let any_lineage = spec.streams.iter().any(|s| s.lineage.active());
    let mut consumers = Vec::new();
    let mut minutes = Vec::new();
    let mut stream_minutes: Vec<Vec<u64>> = spec.streams.iter().map(|_| Vec::new()).collect();
    for (i, c) in spec.consumers.iter().enumerate() {
        let m = world.consumer_metrics(i);
        let sm = &mut stream_minutes[c.stream];
        sm.resize(m.minutes.len(), 0);
        for (k, b) in m.minutes.iter().enumerate() {
            sm[k] += u64::from(b.throttled_reads);
        }
    }
    for (i, c) in spec.consumers.iter().enumerate() {
        let m = world.consumer_metrics(i);
        let Conservation {
            written,
            processed,
            in_flight,
            unread,
            discarded,
            expired,
        } = balance[i];
        if written != processed + in_flight + unread + discarded + expired {
            return Err(ConservationError {
                consumer: c.name.clone(),
                written,
                processed,
                in_flight,
                unread,
                discarded,
                expired,
            });
        }
        let range = m.measured_minutes(spec.duration);
        let throttled_measured: u64 = m.minutes[range.clone()]
            .iter()
            .map(|b| u64::from(b.throttled_reads))
            .sum();
        let stream_name = &spec.streams[c.stream].name;
        minutes.push(SeriesConsumer {
            name: c.name.clone(),
            stream: stream_name.clone(),
            stream_index: c.stream,
            first: range.start,
            end: range.end,
            minutes: Vec::new(), // moved in below, once nothing else reads them
        });
        consumers.push(ConsumerReport {
            name: c.name.clone(),
            stream: stream_name.clone(),
            read: match c.read {
                ReadMode::Shared => "shared",
                ReadMode::Efo => "efo",
            }
            .to_string(),
            iterator_age_ms: age_stats(m, range),
            records_processed: processed,
            records_in_flight: in_flight,
            records_unread: unread,
            records_discarded: discarded,
            records_expired: expired,
            read_calls: m.read_calls,
            throttled_reads: m.throttled_reads,
            throttled_reads_per_min: per_min(throttled_measured),
            invocations: m.invocations,
            errors: m.errors,
            retries: m.retries,
            duplicates: m.duplicates,
            source_duplicates: m.source_duplicates,
            cold_starts: m.cold_starts,
            peak_concurrency: m.peak_concurrency,
            throttled_invocations: m.throttled_invocations,
            billed_ms: as_ms(m.billed_ns as f64),
            downstream_billed_ms: as_ms(m.downstream_billed_ns as f64),
            efo_bytes: m.efo_bytes,
            bytes_read: m.bytes_read,
            delivery_latency_ms: ratio_ms(m.delivery_sum_ns, m.delivery_records),
            end_to_end_ms_mean: ratio_ms(m.e2e_sum_ns, m.records_processed),
            end_to_end_ms_max: as_ms(m.e2e_max_ns as f64),
            from_first_write: match world.consumer_depth(i) {
                0 => None,
                hops => Some(first_write(m, hops)),
            },
            routed: (!c.routes.is_empty()).then_some(RouterStats {
                records_routed: m.records_routed,
                records_filtered: m.records_filtered,
            }),
        });
    }
    for (i, sc) in minutes.iter_mut().enumerate() {
        sc.minutes = std::mem::take(&mut world.consumer_metrics_mut(i).minutes);
    }
    let streams = spec
        .streams
        .iter()
        .enumerate()
        .map(|(si, s)| {
            let shards = &world.streams[si].shards;
            let first = spec.warmup.div_ceil(MIN) as usize;
            let end = spec.duration.div_ceil(MIN) as usize;
            let sm = &stream_minutes[si];
            let measured: u64 = sm.iter().skip(first).take(end.saturating_sub(first)).sum();
            StreamReport {
                name: s.name.clone(),
                kind: s.kind.label().to_string(),
                shards: s.shards,
                records_written: shards.iter().map(|x| x.log.end()).sum(),
                bytes_written: shards.iter().map(|x| x.bytes_written).sum(),
                put_payload_units: shards.iter().map(|x| x.put_units).sum(),
                write_throttles: shards.iter().map(|x| x.write_throttles).sum(),
                throttled_reads: shards.iter().map(|x| x.throttled_reads).sum(),
                throttled_reads_per_min: per_min(measured),
                throttled_reads_by_bytes: shards.iter().map(|x| x.limiter.throttled_by_bytes).sum(),
                lineage: s
                    .lineage
                    .active()
                    .then(|| shard_changes(shards, spec.duration)),
            }
        })
        .collect();
    Ok(RunReport {
        model: spec.name.clone(),
        seed: spec.seed,
        simulated_s: spec.duration as f64 / SEC as f64,
        warmup_s: spec.warmup as f64 / SEC as f64,
        events,
        wall_s,
        events_per_s: if wall_s > 0.0 {
            events as f64 / wall_s
        } else {
            0.0
        },
        peak_rss_mb: None,
        streams,
        consumers,
        account: AccountReport {
            concurrency_limit: spec.account.concurrency,
            peak_concurrency: world.account.peak_busy,
            throttled_invocations: world.account.throttled,
        },
        cost: None,
        control_plane: super::control::report(spec),
        minutes: MinuteSeries {
            consumers: minutes,
            stream_lineage: any_lineage.then(|| {
                (0..spec.streams.len())
                    .map(|si| stream_lineage(&world.streams[si].shards, &stream_minutes[si], spec))
                    .collect()
            }),
            stream_throttled: stream_minutes,
        },
    })
}

/// Per minute of a stream: open shards at the end of the minute, and records its write limits
/// rejected during it.
fn stream_lineage(shards: &[Shard], minutes: &[u64], spec: &ModelSpec) -> Vec<(u32, u64)> {
    let steps = open_steps(shards);
    (0..minutes.len())
        .map(|k| {
            let minute_end = ((k as u64 + 1) * MIN).min(spec.duration);
            let rejected = shards
                .iter()
                .map(|x| x.write_throttle_minutes.get(k).copied().unwrap_or(0))
                .sum();
            (open_at(&steps, minute_end), rejected)
        })
        .collect()
}

/// `(p50, p99, max)` of a histogram of microseconds, in milliseconds (zeros when empty).
fn quantiles_ms(h: &AgeHistogram) -> (f64, f64, f64) {
    if h.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    let ms = |us: u64| us as f64 / 1000.0;
    (
        ms(h.value_at_quantile(0.5)),
        ms(h.value_at_quantile(0.99)),
        ms(h.max()),
    )
}

fn first_write(m: &ConsumerMetrics, hops: u32) -> FirstWriteStats {
    let (p50, p99, max) = quantiles_ms(&m.origin_hist);
    FirstWriteStats {
        hops,
        iterator_age_ms_mean: ratio_ms(m.origin_age_sum_ns, m.origin_hist.len()),
        iterator_age_ms_p50: p50,
        iterator_age_ms_p99: p99,
        iterator_age_ms_max: max,
        end_to_end_ms_mean: ratio_ms(m.origin_e2e_sum_ns, m.records_processed),
        end_to_end_ms_max: as_ms(m.origin_e2e_max_ns as f64),
    }
}

/// The open-shard count over time: `(time, shards open from then on)`, in time order.
fn open_steps(shards: &[Shard]) -> Vec<(Nanos, u32)> {
    let mut changes: Vec<(Nanos, i64)> = shards
        .iter()
        .map(|x| (x.born, 1))
        .chain(shards.iter().filter_map(|x| x.sealed_at.map(|t| (t, -1))))
        .collect();
    changes.sort_unstable();
    let mut steps: Vec<(Nanos, u32)> = Vec::new();
    let mut open = 0i64;
    for (t, d) in changes {
        open += d;
        match steps.last_mut() {
            Some(last) if last.0 == t => last.1 = open as u32,
            _ => steps.push((t, open as u32)),
        }
    }
    steps
}

/// Shards open at time `t` according to `steps`.
fn open_at(steps: &[(Nanos, u32)], t: Nanos) -> u32 {
    let i = steps.partition_point(|s| s.0 <= t);
    if i == 0 {
        0
    } else {
        steps[i - 1].1
    }
}

fn shard_changes(shards: &[Shard], end: Nanos) -> ShardChanges {
    let steps = open_steps(shards);
    ShardChanges {
        shards_sealed: shards.iter().filter(|x| x.sealed()).count() as u32,
        shards_opened: shards.iter().filter(|x| x.parent.is_some()).count() as u32,
        open_shards_end: open_at(&steps, end),
        open_shards_peak: steps.iter().map(|s| s.1).max().unwrap_or(0),
    }
}

fn ratio_ms(sum_ns: u128, n: u64) -> f64 {
    if n == 0 {
        0.0
    } else {
        as_ms(sum_ns as f64 / n as f64)
    }
}

fn age_stats(m: &ConsumerMetrics, range: std::ops::Range<usize>) -> AgeStats {
    let samples = m.age_hist.len();
    let (p50, p99, max) = quantiles_ms(&m.age_hist);
    let avgs: Vec<f64> = m.minutes[range]
        .iter()
        .filter(|b| b.age_samples > 0)
        .map(|b| as_ms(b.age_sum_ns as f64 / b.age_samples as f64))
        .collect();
    AgeStats {
        samples,
        mean: ratio_ms(m.age_sum_ns, samples),
        p50,
        p99,
        max,
        minute_avg: if avgs.is_empty() {
            0.0
        } else {
            avgs.iter().sum::<f64>() / avgs.len() as f64
        },
        minute_avg_max: avgs.iter().copied().fold(0.0, f64::max),
    }
}
