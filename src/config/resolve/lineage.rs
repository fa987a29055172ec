//! How a stream's shards change: rollover (DynamoDB Streams) and on-demand capacity (Kinesis); see
//! docs/model.md §1.

use super::check::{Keys, R};
use crate::config::raw::{CapacityRaw, RawOnDemand, RawStream};
use crate::engine::time::{format_duration, HOUR, MIN, SEC};
use crate::model::aws;
use crate::model::spec::{LineageSpec, OnDemand, Rollover, StreamKind};

/// `k` is the stream's table.
pub(super) fn lineage(k: &Keys, kind: StreamKind, shards: u32, s: &RawStream) -> R<LineageSpec> {
    Ok(LineageSpec {
        rollover: rollover(k, kind, s)?,
        on_demand: on_demand(k, kind, shards, s)?,
        discovery: s.shard_discovery.map_or(aws::SHARD_DISCOVERY, |d| d.0),
    })
}

fn rollover(k: &Keys, kind: StreamKind, s: &RawStream) -> R<Option<Rollover>> {
    let Some(every) = s.rollover.and_then(|r| r.0) else {
        if s.rollover_jitter.is_some() {
            return k.bad(
                "rollover_jitter",
                "rollover_jitter needs a rollover period, e.g. rollover = \"4h\"",
            );
        }
        return Ok(None);
    };
    if kind != StreamKind::DynamoDbStreams {
        return k.bad(
            "rollover",
            "only DynamoDB Streams shards roll over; Kinesis shards change only by splits (capacity = \"on-demand\")",
        );
    }
    let every = k.dur(
        "rollover",
        every,
        MIN..=u64::MAX,
        "rollover must be at least 1m (or \"off\")",
    )?;
    let jitter = s.rollover_jitter.map_or(every / 16, |d| d.0);
    if jitter >= every {
        return k.bad(
            "rollover_jitter",
            format!(
                "rollover_jitter must be shorter than rollover ({})",
                format_duration(every)
            ),
        );
    }
    Ok(Some(Rollover { every, jitter }))
}

fn on_demand(k: &Keys, kind: StreamKind, shards: u32, s: &RawStream) -> R<Option<OnDemand>> {
    match s.capacity {
        None | Some(CapacityRaw::Provisioned) => {
            if s.on_demand.is_some() {
                return k.bad(
                    "on_demand",
                    "on_demand settings need capacity = \"on-demand\"",
                );
            }
            Ok(None)
        }
        Some(CapacityRaw::OnDemand) if kind != StreamKind::Kinesis => k.bad(
            "capacity",
            "on-demand capacity exists only for Kinesis streams",
        ),
        Some(CapacityRaw::OnDemand) => {
            let none = RawOnDemand::default();
            let raw = s.on_demand.as_ref().unwrap_or(&none);
            splits(&k.table("on_demand"), shards, raw).map(Some)
        }
    }
}

/// When and how far an on-demand stream splits its shards.
fn splits(k: &Keys, shards: u32, raw: &RawOnDemand) -> R<OnDemand> {
    Ok(OnDemand {
        split_bytes_per_s: raw
            .split_bytes_per_s
            .map_or(Ok(aws::SPLIT_BYTES_PER_S), |b| {
                k.nonzero("split_bytes_per_s", b.0)
            })?,
        split_records_per_s: k
            .int(
                "split_records_per_s",
                raw.split_records_per_s,
                1..=1_000_000_000,
            )?
            .unwrap_or(aws::SPLIT_RECORDS_PER_S),
        window: k.dur(
            "window",
            raw.window.map_or(aws::SPLIT_WINDOW, |d| d.0),
            SEC..=HOUR,
            "window must be between 1s and 1h",
        )?,
        split_delay: k.dur(
            "split_delay",
            raw.split_delay.map_or(aws::SPLIT_DELAY, |d| d.0),
            0..=15 * MIN,
            "split_delay must be at most 15m (AWS splits within 15 minutes)",
        )?,
        max_shards: k
            .int_as(
                "max_shards",
                "max_shards (at least the initial shards)",
                raw.max_shards,
                i64::from(shards)..=100_000,
            )?
            .unwrap_or(aws::MAX_ON_DEMAND_SHARDS.max(shards)),
    })
}
