//! `[account]` and `[control_plane]`: the account-wide Lambda concurrency, and bringing the
//! subscribers up (docs/model.md §14).

use super::check::{Keys, R};
use super::dist::{backoff, dist};
use super::topology::table_of;
use crate::config::raw::{RawControlPlane, RawModel};
use crate::engine::time::HOUR;
use crate::model::aws;
use crate::model::spec::{AccountSpec, ConsumerSpec, ControlPlaneSpec};

/// The account section, and the reserved concurrency of every function checked against it.
pub(super) fn account(raw: &RawModel, consumers: &[ConsumerSpec]) -> R<AccountSpec> {
    let k = Keys::new("account");
    let concurrency = k
        .int_as(
            "concurrency",
            "account.concurrency",
            raw.account.concurrency,
            1..=10_000_000,
        )?
        .unwrap_or(aws::ACCOUNT_CONCURRENCY);
    let reserved: u64 = consumers
        .iter()
        .filter_map(|c| c.function.reserved_concurrency)
        .map(u64::from)
        .sum();
    if reserved > u64::from(concurrency) {
        let last = consumers
            .iter()
            .rev()
            .find(|c| c.function.reserved_concurrency.is_some())
            .map_or("", |c| c.name.as_str());
        return Keys::new(format!("consumers.{}", table_of(raw, last))).bad(
            "function.reserved_concurrency",
            format!(
                "the functions reserve {reserved} concurrent executions in all, more than the \
                 account's {concurrency} (account.concurrency)"
            ),
        );
    }
    Ok(AccountSpec {
        concurrency,
        invoke_throttle_backoff: match &raw.account.invoke_throttle_backoff {
            None => aws::invoke_throttle_backoff(),
            Some(b) => backoff(&k.path("invoke_throttle_backoff"), b)?,
        },
    })
}

/// `[control_plane]`: `None` when the model has no such table or says `deploy = false`, otherwise
/// every default filled in. The keys are checked either way.
pub(super) fn control_plane(c: Option<&RawControlPlane>) -> R<Option<ControlPlaneSpec>> {
    let Some(c) = c else {
        return Ok(None);
    };
    let k = Keys::new("control_plane");
    let d = aws::control_plane();
    let rate = |key: &str, v: Option<i64>, default: u32| -> R<u32> {
        Ok(k.int(key, v, 1..=1_000_000)?.unwrap_or(default))
    };
    let mut s = ControlPlaneSpec {
        start_interval: match c.start_interval {
            None => d.start_interval,
            Some(v) => k.dur(
                "start_interval",
                v.0,
                0..=HOUR,
                "start_interval must be at most 1h",
            )?,
        },
        call_latency: match &c.call_latency {
            None => d.call_latency,
            Some(v) => dist(&k.path("call_latency"), v)?,
        },
        consumer_creating: match &c.consumer_creating {
            None => d.consumer_creating,
            Some(v) => dist(&k.path("consumer_creating"), v)?,
        },
        lambda_calls_per_s: rate(
            "lambda_calls_per_s",
            c.lambda_calls_per_s,
            d.lambda_calls_per_s,
        )?,
        create_mapping_calls_per_s: rate(
            "create_mapping_calls_per_s",
            c.create_mapping_calls_per_s,
            d.create_mapping_calls_per_s,
        )?,
        mapping_start: match &c.mapping_start {
            None => d.mapping_start,
            Some(v) => dist(&k.path("mapping_start"), v)?,
        },
        describe_stream_calls_per_s: rate(
            "describe_stream_calls_per_s",
            c.describe_stream_calls_per_s,
            d.describe_stream_calls_per_s,
        )?,
        get_shard_iterator_calls_per_s: rate(
            "get_shard_iterator_calls_per_s",
            c.get_shard_iterator_calls_per_s,
            d.get_shard_iterator_calls_per_s,
        )?,
        group_size: k
            .int("group_size", c.group_size, 1..=10_000)?
            .unwrap_or(d.group_size),
        register_consumer_calls_per_s: rate(
            "register_consumer_calls_per_s",
            c.register_consumer_calls_per_s,
            d.register_consumer_calls_per_s,
        )?,
        describe_stream_calls: k
            .int("describe_stream_calls", c.describe_stream_calls, 0..=100)?
            .unwrap_or(d.describe_stream_calls),
        max_creating_consumers: k
            .int("max_creating_consumers", c.max_creating_consumers, 1..=1000)?
            .unwrap_or(d.max_creating_consumers),
        ..d
    };
    retry(&k.table("retry"), c, &mut s)?;
    Ok((c.deploy != Some(false)).then_some(s))
}

/// The control plane's retries after a throttled call: base and cap of the wait, attempts.
fn retry(k: &Keys, c: &RawControlPlane, s: &mut ControlPlaneSpec) -> R<()> {
    let r = &c.retry;
    s.retry_base = r.base.map_or(s.retry_base, |v| v.0);
    s.retry_cap = r.cap.map_or(s.retry_cap, |v| v.0);
    if s.retry_cap < s.retry_base {
        let key = if r.cap.is_some() { "cap" } else { "base" };
        return k.bad(key, "the cap must be at least the base delay");
    }
    s.max_attempts = k
        .int("max_attempts", r.max_attempts, 1..=100)?
        .unwrap_or(s.max_attempts);
    Ok(())
}
