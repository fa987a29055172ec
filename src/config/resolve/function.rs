//! `[consumers.NAME.function]`: the Lambda function's memory, duration, cold starts, concurrency,
//! failures (errors, poison records, timeout) and the calls it fans out to.

use super::check::{Keys, R};
use super::dist::dist;
use crate::config::raw::{RawDownstream, RawFunction, RawPoison};
use crate::dist::Dist;
use crate::engine::time::MS;
use crate::model::aws;
use crate::model::spec::{DownstreamSpec, FunctionSpec, PoisonSpec, StreamSpec};

/// `k` is the function's table; `s` the stream its consumer reads.
pub(super) fn function(k: &Keys, s: &StreamSpec, f: &RawFunction) -> R<FunctionSpec> {
    let timeout = k.dur(
        "timeout",
        f.timeout.map_or(aws::TIMEOUT, |d| d.0),
        1..=aws::MAX_TIMEOUT,
        "timeout must be between 1ms and 15m",
    )?;
    let provisioned = f.provisioned_concurrency.unwrap_or(0);
    let reserved_concurrency = k.int(
        "reserved_concurrency",
        f.reserved_concurrency,
        1..=10_000_000,
    )?;
    if let Some(reserved) = reserved_concurrency.filter(|&r: &u32| i64::from(r) < provisioned) {
        return k.bad(
            "provisioned_concurrency",
            format!("provisioned_concurrency ({provisioned}) cannot exceed reserved_concurrency ({reserved})"),
        );
    }
    let poison = f
        .poison
        .iter()
        .enumerate()
        .map(|(i, x)| poison(&k.table(&format!("poison.{i}")), s, x))
        .collect::<R<Vec<_>>>()?;
    let fanout = f
        .fanout
        .iter()
        .enumerate()
        .map(|(i, d)| downstream(&k.table(&format!("fanout.{i}")), d))
        .collect::<R<Vec<_>>>()?;
    Ok(FunctionSpec {
        memory_mb: memory(k, f.memory_mb)?,
        duration: match &f.duration {
            None => Dist::Fixed((20 * MS) as f64),
            Some(d) => dist(&k.path("duration"), d)?,
        },
        per_record: f.per_record.map_or(0, |d| d.0),
        cold_start: match &f.cold_start {
            None => aws::cold_start(),
            Some(d) => dist(&k.path("cold_start"), d)?,
        },
        env_idle_timeout: f.env_idle_timeout.map_or(aws::ENV_IDLE_TIMEOUT, |d| d.0),
        provisioned_concurrency: k
            .int("provisioned_concurrency", Some(provisioned), 0..=100_000)?
            .unwrap_or(0),
        reserved_concurrency,
        error_probability: k
            .probability("error_probability", f.error_probability.unwrap_or(0.0))?,
        timeout,
        poison,
        fanout,
    })
}

/// A record that always fails, on a shard of the consumer's stream.
fn poison(k: &Keys, s: &StreamSpec, x: &RawPoison) -> R<PoisonSpec> {
    let what = format!(
        "stream `{}` has {} shard(s), so the poison record's shard",
        s.name, s.shards
    );
    let shard = k.int_as("shard", &what, Some(x.shard), 0..=i64::from(s.shards) - 1)?;
    Ok(PoisonSpec {
        shard: shard.unwrap_or(0),
        at: x.at.0,
    })
}

/// A synchronous call the function makes to another function for every batch.
fn downstream(k: &Keys, d: &RawDownstream) -> R<DownstreamSpec> {
    Ok(DownstreamSpec {
        name: d.name.clone(),
        memory_mb: memory(k, d.memory_mb)?,
        duration: dist(&k.path("duration"), &d.duration)?,
        per_record: d.per_record.map_or(0, |x| x.0),
        error_probability: k
            .probability("error_probability", d.error_probability.unwrap_or(0.0))?,
    })
}

/// A Lambda memory setting: 128 MB (the default) to 10,240 MB.
fn memory(k: &Keys, v: Option<i64>) -> R<u32> {
    Ok(k.int("memory_mb", v, 128..=10_240)?.unwrap_or(128))
}
