//! `[streams.NAME]`: kind, shards, retention, per-shard limits and enhanced fan-out.

use super::check::{hours, Keys, R};
use super::dist::dist;
use super::lineage::lineage;
use crate::config::raw::{CapacityRaw, RawEfo, RawLimits, RawStream, StreamKindRaw};
use crate::engine::time::HOUR;
use crate::engine::Nanos;
use crate::model::aws;
use crate::model::spec::{EfoSpec, ShardLimits, StreamKind, StreamSpec};

/// The longest retention each service allows: Kinesis 8,760 hours (365 days), DynamoDB Streams
/// exactly 24 hours. Shorter values are accepted, to compress a scenario into a shorter run.
fn max_retention(kind: StreamKind) -> Nanos {
    match kind {
        StreamKind::Kinesis => 8760 * HOUR,
        StreamKind::DynamoDbStreams => 24 * HOUR,
    }
}

pub(super) fn stream(name: &str, s: &RawStream) -> R<StreamSpec> {
    let k = Keys::new(format!("streams.{name}"));
    let kind = match s.kind {
        StreamKindRaw::Kinesis => StreamKind::Kinesis,
        StreamKindRaw::DynamodbStreams => StreamKind::DynamoDbStreams,
    };
    let default_shards = match s.capacity {
        Some(CapacityRaw::OnDemand) => aws::ON_DEMAND_SHARDS,
        _ => 1,
    };
    let shards = k
        .int("shards", s.shards, 1..=100_000)?
        .unwrap_or(default_shards);
    let retention = retention(&k, kind, s.retention.map_or(aws::RETENTION, |d| d.0))?;
    Ok(StreamSpec {
        name: name.to_string(),
        kind,
        shards,
        retention,
        record_chunk: s.record_chunk.map_or(0, |d| d.0),
        limits: limits(&k.table("limits"), kind, &s.limits)?,
        write_to_readable: s
            .write_to_readable
            .map_or(aws::write_to_readable(kind), |d| d.0),
        get_records_latency: match &s.get_records_latency {
            None => aws::get_records_latency(),
            Some(v) => dist(&k.path("get_records_latency"), v)?,
        },
        efo: efo(&k.table("efo"), &s.efo)?,
        lineage: lineage(&k, kind, shards, s)?,
    })
}

fn retention(k: &Keys, kind: StreamKind, retention: Nanos) -> R<Nanos> {
    if retention == 0 {
        return k.bad("retention", "the retention must be positive");
    }
    if retention > max_retention(kind) {
        let found = hours(retention);
        return k.bad(
            "retention",
            match kind {
                StreamKind::Kinesis => {
                    format!("Kinesis keeps records at most 8760h (365 days), found {found}")
                }
                StreamKind::DynamoDbStreams => {
                    format!("DynamoDB Streams keeps records 24h, no longer, found {found}")
                }
            },
        );
    }
    Ok(retention)
}

/// The per-shard limits: the service's defaults, each replaceable.
fn limits(k: &Keys, kind: StreamKind, l: &RawLimits) -> R<ShardLimits> {
    let d = aws::default_limits(kind);
    let bytes = |key: &str, v: Option<crate::config::units::Bytes>| -> R<Option<u64>> {
        v.map(|b| k.nonzero(key, b.0)).transpose()
    };
    Ok(ShardLimits {
        write_records_per_s: k
            .int("write_records_per_s", l.write_records_per_s, 1..=i64::MAX)?
            .or(d.write_records_per_s),
        write_bytes_per_s: bytes("write_bytes_per_s", l.write_bytes_per_s)?.or(d.write_bytes_per_s),
        read_calls_per_s: k
            .int("read_calls_per_s", l.read_calls_per_s, 1..=1_000_000)?
            .or(d.read_calls_per_s),
        read_bytes_per_s: bytes("read_bytes_per_s", l.read_bytes_per_s)?.or(d.read_bytes_per_s),
        read_burst_bytes: l.read_burst_bytes.map_or(d.read_burst_bytes, |b| b.0),
        max_records_per_call: k
            .int(
                "max_records_per_call",
                l.max_records_per_call,
                1..=1_000_000,
            )?
            .unwrap_or(d.max_records_per_call),
        max_bytes_per_call: bytes("max_bytes_per_call", l.max_bytes_per_call)?
            .unwrap_or(d.max_bytes_per_call),
        big_read_penalty: l.big_read_penalty.map_or(d.big_read_penalty, |v| v.0),
        overdraw_penalty: l.overdraw_penalty.map_or(d.overdraw_penalty, |v| v.0),
        max_efo_consumers: k
            .int("max_efo_consumers", l.max_efo_consumers, 0..=1000)?
            .unwrap_or(d.max_efo_consumers),
        throttled_calls_count: l.throttled_calls_count.unwrap_or(d.throttled_calls_count),
    })
}

/// Enhanced fan-out: the pipe per consumer and shard, and its subscription renewals.
fn efo(k: &Keys, e: &RawEfo) -> R<EfoSpec> {
    let d = aws::efo_defaults();
    let efo = EfoSpec {
        bytes_per_s: e
            .bytes_per_s
            .map_or(Ok(d.bytes_per_s), |v| k.nonzero("bytes_per_s", v.0))?,
        propagation: match &e.propagation {
            None => d.propagation,
            Some(v) => dist(&k.path("propagation"), v)?,
        },
        renewal_period: e
            .renewal_period
            .map_or(Ok(d.renewal_period), |v| k.nonzero("renewal_period", v.0))?,
        renewal_gap: e.renewal_gap.map_or(d.renewal_gap, |v| v.0),
        subscribe_latency: match &e.subscribe_latency {
            None => d.subscribe_latency,
            Some(v) => dist(&k.path("subscribe_latency"), v)?,
        },
        event_gap: e.event_gap.map_or(d.event_gap, |v| v.0),
    };
    if efo.renewal_gap >= efo.renewal_period {
        return k.bad(
            "renewal_gap",
            "the renewal gap must be shorter than the renewal period",
        );
    }
    if efo.event_gap >= efo.renewal_period {
        return k.bad(
            "event_gap",
            "the least gap between pushes must be shorter than the renewal period",
        );
    }
    Ok(efo)
}
