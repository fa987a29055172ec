//! The [`RunReport`] a finished [`World`] makes: conservation checked per consumer, then
//! consumers, streams, the account and the per-minute series summarised, each by its own function.

use super::latency::{LatencyHistogram, LatencyMetrics};
use super::metrics::{AgeHistogram, ConsumerMetrics};
use super::report::{
    AccountReport, AgeStats, ConservationError, ConsumerReport, FirstWriteStats, LatencyPart,
    LatencyStats, MinuteSeries, RouterStats, RunReport, SeriesConsumer, ShardChanges, StreamReport,
};
use super::shard::Shard;
use super::spec::{ConsumerSpec, ModelSpec};
use super::world::{Conservation, World};
use crate::engine::time::{as_ms, MIN, SEC};
use crate::engine::Nanos;

/// The report of `world`, run to the end of `spec` in `events` events and `wall_s` seconds (no
/// cost, no machine measurements). Fails if some consumer's records do not add up.
pub(super) fn report(
    spec: &ModelSpec,
    world: &mut World,
    events: u64,
    wall_s: f64,
) -> Result<RunReport, ConservationError> {
    let balance = world.conservation();
    let consumers = spec
        .consumers
        .iter()
        .enumerate()
        .map(|(i, c)| consumer(spec, world, i, c, balance[i]))
        .collect::<Result<Vec<_>, _>>()?;
    let stream_minutes = stream_throttled_minutes(spec, world);
    let streams = spec
        .streams
        .iter()
        .enumerate()
        .map(|(si, _)| stream(spec, world, si, &stream_minutes[si]))
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
        account: account(spec, world),
        cost: None,
        control_plane: super::control::report(spec),
        minutes: minute_series(spec, world, stream_minutes),
    })
}

/// `n` events over the measured (post-warm-up) time, per minute.
fn per_measured_minute(spec: &ModelSpec, n: u64) -> f64 {
    let measured_min = (spec.duration.saturating_sub(spec.warmup)) as f64 / MIN as f64;
    if measured_min > 0.0 {
        n as f64 / measured_min
    } else {
        0.0
    }
}

/// Per stream, per minute: throttled reads of all the stream's consumers.
fn stream_throttled_minutes(spec: &ModelSpec, world: &World) -> Vec<Vec<u64>> {
    let mut per_stream: Vec<Vec<u64>> = spec.streams.iter().map(|_| Vec::new()).collect();
    for (i, c) in spec.consumers.iter().enumerate() {
        let m = world.consumer_metrics(i);
        let sm = &mut per_stream[c.stream];
        sm.resize(m.minutes.len(), 0);
        for (k, b) in m.minutes.iter().enumerate() {
            sm[k] += u64::from(b.throttled_reads);
        }
    }
    per_stream
}

/// Whether `written` records of a consumer are all accounted for, as an error naming it if not.
fn conserved(c: &ConsumerSpec, balance: Conservation) -> Result<(), ConservationError> {
    let Conservation {
        written,
        processed,
        in_flight,
        unread,
        discarded,
        expired,
    } = balance;
    if written == processed + in_flight + unread + discarded + expired {
        return Ok(());
    }
    Err(ConservationError {
        consumer: c.name.clone(),
        written,
        processed,
        in_flight,
        unread,
        discarded,
        expired,
    })
}

/// The report of consumer `i` (spec `c`), whose record balance is `balance`.
fn consumer(
    spec: &ModelSpec,
    world: &World,
    i: usize,
    c: &ConsumerSpec,
    balance: Conservation,
) -> Result<ConsumerReport, ConservationError> {
    conserved(c, balance)?;
    let Conservation {
        processed,
        in_flight,
        unread,
        discarded,
        expired,
        ..
    } = balance;
    let m = world.consumer_metrics(i);
    let range = m.measured_minutes(spec.duration);
    let throttled_measured: u64 = m.minutes[range.clone()]
        .iter()
        .map(|b| u64::from(b.throttled_reads))
        .sum();
    Ok(ConsumerReport {
        name: c.name.clone(),
        stream: spec.streams[c.stream].name.clone(),
        read: c.read.label().to_string(),
        iterator_age_ms: age_stats(m, range),
        records_processed: processed,
        records_in_flight: in_flight,
        records_unread: unread,
        records_discarded: discarded,
        records_expired: expired,
        read_calls: m.read_calls,
        throttled_reads: m.throttled_reads,
        throttled_reads_per_min: per_measured_minute(spec, throttled_measured),
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
        latency_ms: latency_stats(&m.latency),
        from_first_write: match world.consumer_depth(i) {
            0 => None,
            hops => Some(first_write(m, hops)),
        },
        routed: (!c.routes.is_empty()).then_some(RouterStats {
            records_routed: m.records_routed,
            records_filtered: m.records_filtered,
        }),
    })
}

/// The report of stream `si`, whose consumers' throttled reads per minute are `minutes`.
fn stream(spec: &ModelSpec, world: &World, si: usize, minutes: &[u64]) -> StreamReport {
    let s = &spec.streams[si];
    let shards = world.stream_shards(si);
    let first = spec.warmup.div_ceil(MIN) as usize;
    let end = spec.duration.div_ceil(MIN) as usize;
    let measured: u64 = minutes
        .iter()
        .skip(first)
        .take(end.saturating_sub(first))
        .sum();
    StreamReport {
        name: s.name.clone(),
        kind: s.kind.label().to_string(),
        shards: s.shards,
        records_written: shards.iter().map(|x| x.records_written()).sum(),
        bytes_written: shards.iter().map(|x| x.writes().bytes_written).sum(),
        put_payload_units: shards.iter().map(|x| x.writes().put_units).sum(),
        write_throttles: shards.iter().map(|x| x.writes().throttled).sum(),
        throttled_reads: shards.iter().map(|x| x.throttled_reads().0).sum(),
        throttled_reads_per_min: per_measured_minute(spec, measured),
        throttled_reads_by_bytes: shards.iter().map(|x| x.throttled_reads().1).sum(),
        lineage: s
            .lineage
            .active()
            .then(|| shard_changes(&shards, spec.duration)),
    }
}

fn account(spec: &ModelSpec, world: &World) -> AccountReport {
    AccountReport {
        concurrency_limit: spec.account.concurrency,
        peak_concurrency: world.account.peak_busy,
        throttled_invocations: world.account.throttled,
    }
}

/// The per-minute series, taking each consumer's minute buckets out of `world` (nothing reads
/// them afterwards, and a long run holds many).
fn minute_series(
    spec: &ModelSpec,
    world: &mut World,
    stream_minutes: Vec<Vec<u64>>,
) -> MinuteSeries {
    let any_lineage = spec.streams.iter().any(|s| s.lineage.active());
    let stream_lineage = any_lineage.then(|| {
        (0..spec.streams.len())
            .map(|si| stream_lineage(&world.stream_shards(si), &stream_minutes[si], spec))
            .collect()
    });
    let consumers = spec
        .consumers
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let range = world.consumer_metrics(i).measured_minutes(spec.duration);
            SeriesConsumer {
                name: c.name.clone(),
                stream: spec.streams[c.stream].name.clone(),
                stream_index: c.stream,
                first: range.start,
                end: range.end,
                minutes: std::mem::take(&mut world.consumer_metrics_mut(i).minutes),
            }
        })
        .collect();
    MinuteSeries {
        consumers,
        stream_throttled: stream_minutes,
        stream_lineage,
    }
}

/// Per minute of a stream: open shards at the end of the minute, and records its write limits
/// rejected during it.
fn stream_lineage(shards: &[&Shard], minutes: &[u64], spec: &ModelSpec) -> Vec<(u32, u64)> {
    let steps = open_steps(shards);
    (0..minutes.len())
        .map(|k| {
            let minute_end = ((k as u64 + 1) * MIN).min(spec.duration);
            let rejected = shards
                .iter()
                .map(|x| x.writes().throttled_minutes.get(k).copied().unwrap_or(0))
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

/// A consumer's single-record latency and its parts, in milliseconds.
fn latency_stats(l: &LatencyMetrics) -> LatencyStats {
    let t = &l.total;
    let [p50, p90, p99] = t.quantiles_ns([0.5, 0.9, 0.99]);
    LatencyStats {
        records: t.len(),
        sampled: t.sampled(),
        mean: as_ms(t.mean_ns()),
        p50: as_ms(p50),
        p90: as_ms(p90),
        p99: as_ms(p99),
        max: as_ms(t.max_ns() as f64),
        wait: latency_part(&l.wait),
        delivery: latency_part(&l.delivery),
        to_handler: latency_part(&l.to_handler),
    }
}

fn latency_part(h: &LatencyHistogram) -> LatencyPart {
    let [p50, p99] = h.quantiles_ns([0.5, 0.99]);
    LatencyPart {
        mean: as_ms(h.mean_ns()),
        p50: as_ms(p50),
        p99: as_ms(p99),
        max: as_ms(h.max_ns() as f64),
    }
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
fn open_steps(shards: &[&Shard]) -> Vec<(Nanos, u32)> {
    let mut changes: Vec<(Nanos, i64)> = shards
        .iter()
        .map(|x| (x.lineage().born, 1))
        .chain(
            shards
                .iter()
                .filter_map(|x| x.lineage().sealed_at.map(|t| (t, -1))),
        )
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

fn shard_changes(shards: &[&Shard], end: Nanos) -> ShardChanges {
    let steps = open_steps(shards);
    ShardChanges {
        shards_sealed: shards.iter().filter(|x| x.sealed()).count() as u32,
        shards_opened: shards
            .iter()
            .filter(|x| x.lineage().parent.is_some())
            .count() as u32,
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
