//! `[consumers.NAME]`: how a Lambda function or pipe reads its stream (batching, polling, retries)
//! and, for routers, where it writes.

use super::check::{seconds, Keys, R};
use super::dist::{backoff, dist};
use super::function::function;
use crate::config::raw::{BusyPollRaw, RawConsumer, ReadRaw, ServiceRaw};
use crate::dist::Dist;
use crate::engine::Nanos;
use crate::model::aws;
use crate::model::spec::{
    BusyPoll, ConsumerSpec, ReadMode, RouteSpec, Service, StreamKind, StreamSpec,
};

/// Finds a stream by name for the key at a path, with "did you mean" when there is none.
pub(super) type StreamIndex<'a> = dyn Fn(&str, &str) -> R<usize> + 'a;

/// `si` and `s` are the stream the consumer reads; its routes are resolved separately.
pub(super) fn consumer(
    k: &Keys,
    name: &str,
    si: usize,
    s: &StreamSpec,
    c: &RawConsumer,
) -> R<ConsumerSpec> {
    let read = read_mode(k, s, c)?;
    let batch_size = k
        .int("batch_size", c.batch_size, 1..=aws::MAX_BATCH_SIZE as i64)?
        .unwrap_or(aws::BATCH_SIZE);
    // Fields are checked in the order written, so the first bad key is the one reported.
    Ok(ConsumerSpec {
        name: name.to_string(),
        table: name.to_string(),
        stream: si,
        service: match c.service {
            None | Some(ServiceRaw::Lambda) => Service::Lambda,
            Some(ServiceRaw::Pipe) => Service::Pipe,
        },
        read,
        batch_size,
        batching_window: k.within(
            "batching_window",
            c.batching_window.map_or(0, |d| d.0),
            0..=aws::MAX_BATCHING_WINDOW,
            "batching_window must be at most 300s",
            seconds,
        )?,
        parallelization_factor: k
            .int(
                "parallelization_factor",
                c.parallelization_factor,
                1..=i64::from(aws::MAX_PARALLELIZATION),
            )?
            .unwrap_or(1),
        payload_cap_bytes: payload_cap(k, c)?,
        idle_poll_interval: idle_poll_interval(k, s, c)?,
        idle_poll_jitter: idle_poll_jitter(k, s, c)?,
        min_call_interval: c
            .min_call_interval
            .map_or(aws::min_call_interval(s.kind), |d| d.0),
        busy_poll: match c.busy_poll {
            None | Some(BusyPollRaw::CaughtUp) => BusyPoll::CaughtUp,
            Some(BusyPollRaw::AnyNew) => BusyPoll::AnyNew,
        },
        throttle_backoff: match &c.throttle_backoff {
            None => aws::throttle_backoff(),
            Some(b) => backoff(&k.path("throttle_backoff"), b)?,
        },
        max_retry_attempts: k.int_as(
            "max_retry_attempts",
            "max_retry_attempts (or -1 for unlimited)",
            c.max_retry_attempts.filter(|&v| v != -1),
            0..=aws::MAX_RETRY_ATTEMPTS,
        )?,
        max_record_age: max_record_age(k, c)?,
        bisect_on_error: c.bisect_on_error.unwrap_or(false),
        retry_delay: c.retry_delay.map_or(0, |d| d.0),
        invoke_overhead: match &c.invoke_overhead {
            None => aws::invoke_overhead(),
            Some(d) => dist(&k.path("invoke_overhead"), d)?,
        },
        routes: Vec::new(),
        write_retry: c.write_retry.map_or(aws::ROUTER_WRITE_RETRY, |d| d.0),
        fetch_records: fetch_records(k, s, batch_size, c.fetch_records)?,
        function: function(&k.table("function"), s, &c.function)?,
    })
}

/// Shared throughput, or enhanced fan-out (Kinesis only).
fn read_mode(k: &Keys, s: &StreamSpec, c: &RawConsumer) -> R<ReadMode> {
    match c.read {
        None | Some(ReadRaw::Shared) => Ok(ReadMode::Shared),
        Some(ReadRaw::Efo) if s.kind != StreamKind::Kinesis => {
            k.bad("read", "enhanced fan-out exists only on Kinesis streams")
        }
        Some(ReadRaw::Efo) => Ok(ReadMode::Efo),
    }
}

/// The most bytes a batch may carry: Lambda's 6 MiB invocation payload by default.
fn payload_cap(k: &Keys, c: &RawConsumer) -> R<u64> {
    c.payload_cap.map_or(Ok(aws::PAYLOAD_CAP), |b| {
        k.within(
            "payload_cap",
            b.0,
            1..=aws::PAYLOAD_CAP,
            "payload_cap must be between 1 byte and 6 MiB",
            |b| format!("{b} bytes"),
        )
    })
}

/// The wait after a call that found nothing: the service's by default.
fn idle_poll_interval(k: &Keys, s: &StreamSpec, c: &RawConsumer) -> R<Nanos> {
    let v = c
        .idle_poll_interval
        .map_or(aws::idle_poll_interval(s.kind), |d| d.0);
    if v == 0 {
        return k.bad(
            "idle_poll_interval",
            "the idle poll interval must be positive",
        );
    }
    Ok(v)
}

/// The spread of the idle wait: less than the interval, so that every wait is positive.
fn idle_poll_jitter(k: &Keys, s: &StreamSpec, c: &RawConsumer) -> R<Nanos> {
    let j = c.idle_poll_jitter.map_or(aws::IDLE_POLL_JITTER, |d| d.0);
    let interval = c
        .idle_poll_interval
        .map_or(aws::idle_poll_interval(s.kind), |d| d.0);
    if j > 0 && j >= interval {
        return k.bad(
            "idle_poll_jitter",
            format!(
                "the idle poll jitter must be shorter than the idle poll interval ({})",
                seconds(interval)
            ),
        );
    }
    Ok(j)
}

/// The age past which a failing batch's records are discarded (`None`: never).
fn max_record_age(k: &Keys, c: &RawConsumer) -> R<Option<Nanos>> {
    let rule = "max_record_age must be between 1s and 7d (omit it for no limit)";
    c.max_record_age
        .map(|d| k.dur("max_record_age", d.0, 1..=aws::MAX_RECORD_AGE, rule))
        .transpose()
}

/// Records asked for per call: by default the stream's most, never fewer than a batch.
fn fetch_records(k: &Keys, s: &StreamSpec, batch_size: u64, v: Option<i64>) -> R<u64> {
    match v {
        None => Ok(s.limits.max_records_per_call.max(batch_size)),
        Some(v) if v < batch_size as i64 => k.bad(
            "fetch_records",
            format!(
                "fetch_records must be at least batch_size ({batch_size}) so that a batch can fill, found {v}"
            ),
        ),
        Some(v) => Ok(k.int("fetch_records", Some(v), 1..=1_000_000)?.unwrap_or(0)),
    }
}

/// A router's outputs: existing streams other than its own, shares in (0, 1] summing to at most 1.
pub(super) fn routes(
    k: &Keys,
    own: usize,
    c: &RawConsumer,
    index: &StreamIndex,
) -> R<Vec<RouteSpec>> {
    let mut out: Vec<RouteSpec> = Vec::new();
    for (i, r) in c.routes.iter().enumerate() {
        let rk = k.table(&format!("routes.{i}"));
        let stream = index(&rk.path("stream"), &r.stream)?;
        if stream == own {
            return rk.bad(
                "stream",
                format!(
                    "a router cannot write to `{}`, the stream it reads",
                    r.stream
                ),
            );
        }
        if out.iter().any(|x| x.stream == stream) {
            return rk.bad(
                "stream",
                format!("`{}` is routed to twice: give it one share", r.stream),
            );
        }
        let share = r.share.unwrap_or(1.0);
        if !(share > 0.0 && share <= 1.0) {
            return rk.bad(
                "share",
                format!("a share must be above 0 and at most 1, found {share}"),
            );
        }
        out.push(RouteSpec { stream, share });
    }
    let total: f64 = out.iter().map(|r| r.share).sum();
    if total > 1.0 + 1e-9 {
        return k.bad(
            "routes",
            format!(
                "the shares sum to {total}: each record goes to one stream at most, so they may \
                 sum to 1 at most (the rest is filtered out)"
            ),
        );
    }
    Ok(out)
}

/// Refuses a consumer that would retry a failing batch forever without simulated time passing: its
/// function certainly fails, takes no time once warm, and retries are unlimited with no delay. The
/// run would never end.
pub(super) fn endless_retries(k: &Keys, c: &ConsumerSpec, duration: u64) -> R<()> {
    let f = &c.function;
    let zero = |d: &Dist| match *d {
        Dist::Fixed(v) => v == 0.0,
        Dist::Uniform { max, .. } => max == 0.0,
        _ => false,
    };
    let instant = zero(&f.duration)
        && f.per_record == 0
        && f.fanout
            .iter()
            .all(|d| zero(&d.duration) && d.per_record == 0)
        && (zero(&f.cold_start) || f.env_idle_timeout > 0 || f.provisioned_concurrency > 0);
    if !instant || c.retry_delay > 0 || c.max_retry_attempts.is_some() {
        return Ok(());
    }
    let fk = k.table("function");
    let cause = if f.error_probability >= 1.0 {
        Some(fk.path("error_probability"))
    } else if let Some(i) = f.fanout.iter().position(|d| d.error_probability >= 1.0) {
        Some(fk.path(&format!("fanout.{i}.error_probability")))
    } else {
        f.poison
            .iter()
            .position(|p| p.at < duration)
            .map(|i| fk.path(&format!("poison.{i}")))
    };
    match cause {
        None => Ok(()),
        Some(path) => super::check::bad(
            path,
            "a batch that always fails would be retried forever without simulated time passing \
             (the function takes no time, retries are unlimited and retry_delay is 0): set \
             retry_delay, max_retry_attempts or a function duration above 0",
        ),
    }
}
