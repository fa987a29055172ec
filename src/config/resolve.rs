//! Stage two of loading: raw model → validated [`ModelSpec`], every default filled in.
//!
//! Each check names the key path it is about; the loader turns the path into a file location.

use super::raw::*;
use super::units::{DistRaw, Dur, Tagged};
use crate::dist::Dist;
use crate::engine::time::{format_duration, HOUR, MIN, SEC};
use crate::model::aws;
use crate::model::spec::*;

/// A semantic error at a key path.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    pub path: String,
    pub message: String,
}

type R<T> = Result<T, Invalid>;

fn bad<T>(path: impl Into<String>, message: impl Into<String>) -> R<T> {
    Err(Invalid {
        path: path.into(),
        message: message.into(),
    })
}

fn int_in(path: &str, v: i64, lo: i64, hi: i64, what: &str) -> R<i64> {
    if v < lo || v > hi {
        return bad(
            path,
            format!("{what} must be between {lo} and {hi}, found {v}"),
        );
    }
    Ok(v)
}

fn positive_f64(path: &str, v: f64, what: &str) -> R<f64> {
    if !(v.is_finite() && v > 0.0) {
        return bad(path, format!("{what} must be a positive number, found {v}"));
    }
    Ok(v)
}

fn probability(path: &str, v: f64) -> R<f64> {
    if !(0.0..=1.0).contains(&v) {
        return bad(
            path,
            format!("a probability must be between 0 and 1, found {v}"),
        );
    }
    Ok(v)
}

/// The most records per second a producer may write: one per nanosecond, the clock's resolution.
pub const MAX_RATE: f64 = 1e9;

/// The longest retention each service allows: Kinesis 8,760 hours (365 days), DynamoDB Streams
/// exactly 24 hours. Shorter values are accepted, to compress a scenario into a shorter run.
fn max_retention(kind: StreamKind) -> crate::engine::Nanos {
    match kind {
        StreamKind::Kinesis => 8760 * HOUR,
        StreamKind::DynamoDbStreams => 24 * HOUR,
    }
}

/// Checks a name used as an output folder (`name` of a model or an experiment).
pub fn folder_name(path: &str, name: &str) -> R<()> {
    if name.trim().is_empty() || name == "." || name == ".." || name.contains(['/', '\\', '\0']) {
        return bad(
            path,
            format!(
                "`{name}` cannot name the output folder: use a non-empty name without `/` or `\\`"
            ),
        );
    }
    Ok(())
}

/// "300s" rather than "5m": AWS states these limits in seconds.
fn seconds(ns: crate::engine::Nanos) -> String {
    let s = ns as f64 / SEC as f64;
    if s.fract() == 0.0 {
        format!("{s}s")
    } else {
        format!("{s:.3}s")
    }
}

fn hours(ns: crate::engine::Nanos) -> String {
    let h = ns as f64 / HOUR as f64;
    if h.fract() == 0.0 {
        format!("{h}h")
    } else {
        format!("{h:.3}h")
    }
}

/// Builds a distribution of nanoseconds or bytes from its raw form.
fn dist<Q: Copy + Into<f64>>(path: &str, raw: &DistRaw<Q>) -> R<Dist> {
    let t = match raw {
        DistRaw::Bare(v) => return Ok(Dist::Fixed((*v).into())),
        DistRaw::Tagged(t) => t,
    };
    Ok(match *t {
        Tagged::Fixed { value } => Dist::Fixed(value.into()),
        Tagged::Exponential { mean } => {
            let mean: f64 = mean.into();
            if mean <= 0.0 {
                return bad(
                    format!("{path}.mean"),
                    "an exponential mean must be positive",
                );
            }
            Dist::Exponential { mean }
        }
        Tagged::Lognormal { median, p99 } => {
            let (median, p99): (f64, f64) = (median.into(), p99.into());
            if median <= 0.0 {
                return bad(
                    format!("{path}.median"),
                    "impossible log-normal: the median must be positive",
                );
            }
            if p99 < median {
                return bad(
                    format!("{path}.p99"),
                    "impossible log-normal: p99 must be at least the median",
                );
            }
            Dist::lognormal_from_median_p99(median, p99)
                .or_else(|m| bad(path, format!("impossible log-normal: {m}")))?
        }
        Tagged::Uniform { min, max } => {
            let (min, max) = (min.into(), max.into());
            if min > max {
                return bad(
                    format!("{path}.max"),
                    "a uniform distribution needs min <= max",
                );
            }
            Dist::Uniform { min, max }
        }
    })
}

impl From<Dur> for f64 {
    fn from(d: Dur) -> f64 {
        d.0 as f64
    }
}
impl From<super::units::Bytes> for f64 {
    fn from(b: super::units::Bytes) -> f64 {
        b.0 as f64
    }
}

/// Resolves a raw model; `default_name` is used when the file names none.
pub fn resolve(raw: &RawModel, default_name: &str) -> R<ModelSpec> {
    if let Some(name) = &raw.name {
        folder_name("name", name)?;
    }
    let duration = raw.duration.map_or(HOUR, |d| d.0);
    if duration == 0 {
        return bad("duration", "the duration must be positive");
    }
    let warmup = raw.warmup.map_or(5 * MIN, |d| d.0).min(duration);
    if raw.warmup.is_some_and(|w| w.0 >= duration) {
        return bad(
            "warmup",
            format!(
                "the warm-up must be shorter than the duration ({})",
                format_duration(duration)
            ),
        );
    }
    if raw.streams.is_empty() {
        return bad(
            "streams",
            "a model needs at least one stream, e.g. [streams.events]",
        );
    }
    let streams = raw
        .streams
        .iter()
        .map(|(name, s)| stream(name, s))
        .collect::<R<Vec<_>>>()?;
    let stream_index = |path: &str, name: &str| -> R<usize> {
        match raw.streams.keys().position(|k| k == name) {
            Some(i) => Ok(i),
            None => {
                let names: Vec<&str> = raw.streams.keys().map(String::as_str).collect();
                let hint = super::locate::suggest(name, &names)
                    .map_or(String::new(), |s| format!("; did you mean `{s}`?"));
                bad(
                    path,
                    format!(
                        "no stream named `{name}` (streams: {}){hint}",
                        names.join(", ")
                    ),
                )
            }
        }
    };
    let mut producers = Vec::new();
    for (name, p) in &raw.producers {
        let base = format!("producers.{name}");
        let si = stream_index(&format!("{base}.stream"), &p.stream)?;
        producers.push(producer(&base, name, si, &streams[si], p)?);
    }
    let mut consumers = Vec::new();
    for (name, c) in &raw.consumers {
        let base = format!("consumers.{name}");
        let si = stream_index(&format!("{base}.stream"), &c.stream)?;
        let mut spec = consumer(&base, name, si, &streams[si], c)?;
        spec.routes = routes(&base, si, c, &stream_index)?;
        endless_retries(&base, &spec, duration)?;
        match c.count {
            None => consumers.push(spec),
            Some(n) => {
                int_in(&format!("{base}.count"), n, 1, 10_000, "count")?;
                for i in 1..=n {
                    let mut s = spec.clone();
                    s.name = format!("{name}-{i}");
                    consumers.push(s);
                }
            }
        }
    }
    for (i, c) in consumers.iter().enumerate() {
        if consumers[..i].iter().any(|x| x.name == c.name) {
            let path = if raw.consumers.contains_key(&c.name) {
                format!("consumers.{}", c.name)
            } else {
                format!(
                    "consumers.{}.count",
                    c.name.rsplit_once('-').map_or("", |x| x.0)
                )
            };
            return bad(
                path,
                format!(
                    "two consumers are named `{}` (`count = N` names its copies NAME-1 … NAME-N)",
                    c.name
                ),
            );
        }
    }
    no_route_cycle(raw, &consumers, streams.len())?;
    for (si, s) in streams.iter().enumerate() {
        let efo: Vec<_> = consumers
            .iter()
            .filter(|c| c.stream == si && c.read.registers_consumer())
            .collect();
        if efo.len() as u32 > s.limits.max_efo_consumers {
            let name = &efo.last().map_or("", |c| c.name.as_str());
            let base = name.rsplit_once('-').map_or(*name, |(b, _)| b);
            let path = if raw.consumers.contains_key(*name) {
                format!("consumers.{name}.read")
            } else {
                format!("consumers.{base}.count")
            };
            return bad(
                path,
                format!(
                    "stream `{}` allows {} enhanced fan-out consumers, the model registers {}",
                    s.name,
                    s.limits.max_efo_consumers,
                    efo.len()
                ),
            );
        }
    }
    Ok(ModelSpec {
        name: raw.name.clone().unwrap_or_else(|| default_name.to_string()),
        duration,
        warmup,
        seed: raw.seed.unwrap_or(1),
        iterator_age: match raw.metrics.iterator_age {
            None | Some(AgeEndpointRaw::Sent) => AgeEndpoint::Sent,
            Some(AgeEndpointRaw::Finished) => AgeEndpoint::Finished,
        },
        account: account(raw, &consumers)?,
        streams,
        producers,
        consumers,
        control_plane: control_plane(&raw.control_plane)?,
    })
}

/// A router's outputs: existing streams other than its own, shares in (0, 1] summing to at most 1.
fn routes(
    base: &str,
    own: usize,
    c: &RawConsumer,
    stream_index: &dyn Fn(&str, &str) -> R<usize>,
) -> R<Vec<RouteSpec>> {
    let mut out: Vec<RouteSpec> = Vec::new();
    for (i, r) in c.routes.iter().enumerate() {
        let path = format!("{base}.routes.{i}");
        let stream = stream_index(&format!("{path}.stream"), &r.stream)?;
        if stream == own {
            return bad(
                format!("{path}.stream"),
                format!(
                    "a router cannot write to `{}`, the stream it reads",
                    r.stream
                ),
            );
        }
        if out.iter().any(|x| x.stream == stream) {
            return bad(
                format!("{path}.stream"),
                format!("`{}` is routed to twice: give it one share", r.stream),
            );
        }
        let share = r.share.unwrap_or(1.0);
        if !(share > 0.0 && share <= 1.0) {
            return bad(
                format!("{path}.share"),
                format!("a share must be above 0 and at most 1, found {share}"),
            );
        }
        out.push(RouteSpec { stream, share });
    }
    let total: f64 = out.iter().map(|r| r.share).sum();
    if total > 1.0 + 1e-9 {
        return bad(
            format!("{base}.routes"),
            format!(
                "the shares sum to {total}: each record goes to one stream at most, so they may \
                 sum to 1 at most (the rest is filtered out)"
            ),
        );
    }
    Ok(out)
}

/// Refuses routers that would send records round in a circle (a stream reachable from itself).
fn no_route_cycle(raw: &RawModel, consumers: &[ConsumerSpec], streams: usize) -> R<()> {
    let edges = |s: usize| {
        consumers
            .iter()
            .filter(move |c| c.stream == s)
            .flat_map(|c| c.routes.iter().map(|r| r.stream))
    };
    for start in 0..streams {
        let mut seen = vec![false; streams];
        let mut stack: Vec<usize> = edges(start).collect();
        while let Some(s) = stack.pop() {
            if s == start {
                let name = consumers
                    .iter()
                    .find(|c| c.stream == start && !c.routes.is_empty())
                    .map_or("", |c| c.name.as_str());
                let base = if raw.consumers.contains_key(name) {
                    name
                } else {
                    name.rsplit_once('-').map_or(name, |(b, _)| b)
                };
                let stream = raw.streams.keys().nth(start).map_or("", String::as_str);
                return bad(
                    format!("consumers.{base}.routes"),
                    format!("routers send records from `{stream}` back to `{stream}`: routes must not form a loop"),
                );
            }
            if !std::mem::replace(&mut seen[s], true) {
                stack.extend(edges(s));
            }
        }
    }
    Ok(())
}

/// Refuses a consumer that would retry a failing batch forever without simulated time passing: its
/// function certainly fails, takes no time once warm, and retries are unlimited with no delay. The
/// run would never end.
fn endless_retries(base: &str, c: &ConsumerSpec, duration: u64) -> R<()> {
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
    let fp = format!("{base}.function");
    let cause = if f.error_probability >= 1.0 {
        Some(format!("{fp}.error_probability"))
    } else if let Some(i) = f.fanout.iter().position(|d| d.error_probability >= 1.0) {
        Some(format!("{fp}.fanout.{i}.error_probability"))
    } else {
        f.poison
            .iter()
            .position(|p| p.at < duration)
            .map(|i| format!("{fp}.poison.{i}"))
    };
    match cause {
        None => Ok(()),
        Some(path) => bad(
            path,
            "a batch that always fails would be retried forever without simulated time passing \
             (the function takes no time, retries are unlimited and retry_delay is 0): set \
             retry_delay, max_retry_attempts or a function duration above 0",
        ),
    }
}

fn stream(name: &str, s: &RawStream) -> R<StreamSpec> {
    let base = format!("streams.{name}");
    let kind = match s.kind {
        StreamKindRaw::Kinesis => StreamKind::Kinesis,
        StreamKindRaw::DynamodbStreams => StreamKind::DynamoDbStreams,
    };
    let on_demand = s.capacity == Some(CapacityRaw::OnDemand);
    let default_shards = if on_demand { aws::ON_DEMAND_SHARDS } else { 1 };
    let shards = int_in(
        &format!("{base}.shards"),
        s.shards.unwrap_or(i64::from(default_shards)),
        1,
        100_000,
        "shards",
    )? as u32;
    let retention = s.retention.map_or(aws::RETENTION, |d| d.0);
    if retention == 0 {
        return bad(
            format!("{base}.retention"),
            "the retention must be positive",
        );
    }
    if retention > max_retention(kind) {
        return bad(
            format!("{base}.retention"),
            match kind {
                StreamKind::Kinesis => format!(
                    "Kinesis keeps records at most 8760h (365 days), found {}",
                    hours(retention)
                ),
                StreamKind::DynamoDbStreams => format!(
                    "DynamoDB Streams keeps records 24h, no longer, found {}",
                    hours(retention)
                ),
            },
        );
    }
    let mut limits = aws::default_limits(kind);
    let l = &s.limits;
    let lp = |k: &str| format!("{base}.limits.{k}");
    if let Some(v) = l.write_records_per_s {
        limits.write_records_per_s = Some(int_in(
            &lp("write_records_per_s"),
            v,
            1,
            i64::MAX,
            "write_records_per_s",
        )? as u64);
    }
    if let Some(v) = l.write_bytes_per_s {
        limits.write_bytes_per_s = Some(nonzero(&lp("write_bytes_per_s"), v.0)?);
    }
    if let Some(v) = l.read_calls_per_s {
        limits.read_calls_per_s =
            Some(int_in(&lp("read_calls_per_s"), v, 1, 1_000_000, "read_calls_per_s")? as u32);
    }
    if let Some(v) = l.read_bytes_per_s {
        limits.read_bytes_per_s = Some(nonzero(&lp("read_bytes_per_s"), v.0)?);
    }
    if let Some(v) = l.read_burst_bytes {
        limits.read_burst_bytes = v.0;
    }
    if let Some(v) = l.max_records_per_call {
        limits.max_records_per_call = int_in(
            &lp("max_records_per_call"),
            v,
            1,
            1_000_000,
            "max_records_per_call",
        )? as u64;
    }
    if let Some(v) = l.max_bytes_per_call {
        limits.max_bytes_per_call = nonzero(&lp("max_bytes_per_call"), v.0)?;
    }
    if let Some(v) = l.big_read_penalty {
        limits.big_read_penalty = v.0;
    }
    if let Some(v) = l.overdraw_penalty {
        limits.overdraw_penalty = v.0;
    }
    if let Some(v) = l.max_efo_consumers {
        limits.max_efo_consumers =
            int_in(&lp("max_efo_consumers"), v, 0, 1000, "max_efo_consumers")? as u32;
    }
    if let Some(v) = l.throttled_calls_count {
        limits.throttled_calls_count = v;
    }
    let mut efo = aws::efo_defaults();
    let e = &s.efo;
    if let Some(v) = e.bytes_per_s {
        efo.bytes_per_s = nonzero(&format!("{base}.efo.bytes_per_s"), v.0)?;
    }
    if let Some(v) = &e.propagation {
        efo.propagation = dist(&format!("{base}.efo.propagation"), v)?;
    }
    if let Some(v) = e.renewal_period {
        efo.renewal_period = nonzero(&format!("{base}.efo.renewal_period"), v.0)?;
    }
    if let Some(v) = e.renewal_gap {
        efo.renewal_gap = v.0;
    }
    if efo.renewal_gap >= efo.renewal_period {
        return bad(
            format!("{base}.efo.renewal_gap"),
            "the renewal gap must be shorter than the renewal period",
        );
    }
    Ok(StreamSpec {
        name: name.to_string(),
        kind,
        shards,
        retention,
        record_chunk: s.record_chunk.map_or(0, |d| d.0),
        limits,
        efo,
        lineage: lineage(&base, kind, shards, s)?,
    })
}

/// Rollover (DynamoDB Streams) and on-demand capacity (Kinesis): see docs/model.md §1.
fn lineage(base: &str, kind: StreamKind, shards: u32, s: &RawStream) -> R<LineageSpec> {
    let p = |k: &str| format!("{base}.{k}");
    let rollover = match s.rollover.and_then(|r| r.0) {
        None => {
            if s.rollover_jitter.is_some() {
                return bad(
                    p("rollover_jitter"),
                    "rollover_jitter needs a rollover period, e.g. rollover = \"4h\"",
                );
            }
            None
        }
        Some(_) if kind != StreamKind::DynamoDbStreams => {
            return bad(
                p("rollover"),
                "only DynamoDB Streams shards roll over; Kinesis shards change only by splits (capacity = \"on-demand\")",
            )
        }
        Some(every) if every < MIN => {
            return bad(
                p("rollover"),
                format!(
                    "rollover must be at least 1m (or \"off\"), found {}",
                    format_duration(every)
                ),
            )
        }
        Some(every) => {
            let jitter = s.rollover_jitter.map_or(every / 16, |d| d.0);
            if jitter >= every {
                return bad(
                    p("rollover_jitter"),
                    format!(
                        "rollover_jitter must be shorter than rollover ({})",
                        format_duration(every)
                    ),
                );
            }
            Some(Rollover { every, jitter })
        }
    };
    let on_demand = match s.capacity {
        None | Some(CapacityRaw::Provisioned) => {
            if s.on_demand.is_some() {
                return bad(
                    p("on_demand"),
                    "on_demand settings need capacity = \"on-demand\"",
                );
            }
            None
        }
        Some(CapacityRaw::OnDemand) if kind != StreamKind::Kinesis => {
            return bad(
                p("capacity"),
                "on-demand capacity exists only for Kinesis streams",
            )
        }
        Some(CapacityRaw::OnDemand) => {
            let raw = s.on_demand.as_ref();
            let o = |k: &str| format!("{base}.on_demand.{k}");
            let split_bytes_per_s = match raw.and_then(|r| r.split_bytes_per_s) {
                None => aws::SPLIT_BYTES_PER_S,
                Some(b) => nonzero(&o("split_bytes_per_s"), b.0)?,
            };
            let split_records_per_s = match raw.and_then(|r| r.split_records_per_s) {
                None => aws::SPLIT_RECORDS_PER_S,
                Some(v) => int_in(
                    &o("split_records_per_s"),
                    v,
                    1,
                    1_000_000_000,
                    "split_records_per_s",
                )? as u64,
            };
            let window = raw
                .and_then(|r| r.window)
                .map_or(aws::SPLIT_WINDOW, |d| d.0);
            if !(SEC..=HOUR).contains(&window) {
                return bad(
                    o("window"),
                    format!(
                        "window must be between 1s and 1h, found {}",
                        format_duration(window)
                    ),
                );
            }
            let split_delay = raw
                .and_then(|r| r.split_delay)
                .map_or(aws::SPLIT_DELAY, |d| d.0);
            if split_delay > 15 * MIN {
                return bad(
                    o("split_delay"),
                    format!(
                        "split_delay must be at most 15m (AWS splits within 15 minutes), found {}",
                        format_duration(split_delay)
                    ),
                );
            }
            let max_shards = match raw.and_then(|r| r.max_shards) {
                None => aws::MAX_ON_DEMAND_SHARDS.max(shards),
                Some(v) => int_in(
                    &o("max_shards"),
                    v,
                    i64::from(shards),
                    100_000,
                    "max_shards (at least the initial shards)",
                )? as u32,
            };
            Some(OnDemand {
                split_bytes_per_s,
                split_records_per_s,
                window,
                split_delay,
                max_shards,
            })
        }
    };
    Ok(LineageSpec {
        rollover,
        on_demand,
        discovery: s.shard_discovery.map_or(aws::SHARD_DISCOVERY, |d| d.0),
    })
}

fn nonzero(path: &str, v: u64) -> R<u64> {
    if v == 0 {
        return bad(path, "must be positive");
    }
    Ok(v)
}

fn producer(base: &str, name: &str, si: usize, s: &StreamSpec, p: &RawProducer) -> R<ProducerSpec> {
    let rate = positive_f64(
        &format!("{base}.rate"),
        p.rate,
        "the rate (records per second)",
    )?;
    if rate > MAX_RATE {
        return bad(
            format!("{base}.rate"),
            format!("the rate must be at most 1e9 records per second (one per nanosecond, the simulation clock's resolution), found {rate}"),
        );
    }
    let record_size = match &p.record_size {
        None => Dist::Fixed(1024.0),
        Some(d) => dist(&format!("{base}.record_size"), d)?,
    };
    let n = s.shards as usize;
    let kp = format!("{base}.keys");
    if p.source == Some(SourceRaw::DynamodbTable) && s.kind != StreamKind::Kinesis {
        return bad(
            format!("{base}.source"),
            "a DynamoDB table streams into a Kinesis stream (Kinesis Data Streams for DynamoDB); \
             its own DynamoDB stream is kind = \"dynamodb-streams\" with an application producer",
        );
    }
    let duplicate_probability = probability(
        &format!("{base}.duplicate_probability"),
        p.duplicate_probability.unwrap_or(match p.source {
            Some(SourceRaw::DynamodbTable) => aws::DYNAMODB_KINESIS_DUPLICATES,
            _ => 0.0,
        }),
    )?;
    if duplicate_probability >= 1.0 {
        return bad(
            format!("{base}.duplicate_probability"),
            "duplicate_probability must be below 1",
        );
    }
    let shard_weights = match &p.keys {
        None | Some(KeysRaw::Uniform) => vec![1.0 / n as f64; n],
        Some(KeysRaw::Zipf { keys, exponent }) => {
            int_in(&format!("{kp}.keys"), *keys, 1, 10_000_000, "keys")?;
            positive_f64(&format!("{kp}.exponent"), *exponent, "the Zipf exponent")?;
            let mut w = vec![0.0; n];
            for k in 1..=*keys as u64 {
                // A stable hash of the key picks its shard, as an MD5 of the partition key would.
                let shard = (crate::engine::rng::mix64(k) % n as u64) as usize;
                w[shard] += 1.0 / (k as f64).powf(*exponent);
            }
            let total: f64 = w.iter().sum();
            w.iter().map(|x| x / total).collect()
        }
        Some(KeysRaw::Hot { share }) => {
            let share = probability(&format!("{kp}.share"), *share)?;
            let mut w = vec![(1.0 - share) / n as f64; n];
            w[0] += share;
            w
        }
    };
    let pp = format!("{base}.profile");
    let profile = match &p.profile {
        None | Some(ProfileRaw::Flat) => Profile::Flat,
        Some(ProfileRaw::OnOff { on, off, high, low }) => {
            let low = low.unwrap_or(1.0);
            if !(high.is_finite() && *high >= 0.0) {
                return bad(
                    format!("{pp}.high"),
                    "a rate multiplier must be zero or more",
                );
            }
            if !(low.is_finite() && low >= 0.0) {
                return bad(
                    format!("{pp}.low"),
                    "a rate multiplier must be zero or more",
                );
            }
            let on = dist(&format!("{pp}.on"), on)?;
            let off = dist(&format!("{pp}.off"), off)?;
            if on.mean() <= 0.0 || off.mean() <= 0.0 {
                return bad(pp, "on and off periods must be positive");
            }
            Profile::OnOff {
                on,
                off,
                high: *high,
                low,
            }
        }
        Some(ProfileRaw::Periodic {
            period,
            multipliers,
        }) => {
            if period.0 == 0 {
                return bad(format!("{pp}.period"), "the period must be positive");
            }
            if multipliers.is_empty() || multipliers.iter().any(|m| !(m.is_finite() && *m >= 0.0)) {
                return bad(
                    format!("{pp}.multipliers"),
                    "give at least one multiplier, each zero or more",
                );
            }
            Profile::Periodic {
                period: period.0,
                multipliers: multipliers.clone(),
            }
        }
    };
    let peak = match &profile {
        Profile::Flat => 1.0,
        Profile::OnOff { high, low, .. } => high.max(*low),
        Profile::Periodic { multipliers, .. } => multipliers.iter().copied().fold(0.0, f64::max),
    };
    if rate * peak > MAX_RATE {
        return bad(
            pp,
            format!(
                "the rate times the largest multiplier is {}, more than 1e9 records per second (one per nanosecond, the simulation clock's resolution)",
                rate * peak
            ),
        );
    }
    Ok(ProducerSpec {
        name: name.to_string(),
        stream: si,
        rate,
        arrivals: match p.arrivals {
            None | Some(ArrivalsRaw::Poisson) => ArrivalKind::Poisson,
            Some(ArrivalsRaw::Constant) => ArrivalKind::Constant,
        },
        record_size,
        shard_weights,
        profile,
        duplicate_probability,
    })
}

fn consumer(base: &str, name: &str, si: usize, s: &StreamSpec, c: &RawConsumer) -> R<ConsumerSpec> {
    let p = |k: &str| format!("{base}.{k}");
    let read = match c.read {
        None | Some(ReadRaw::Shared) => ReadMode::Shared,
        Some(ReadRaw::Efo) => ReadMode::Efo,
    };
    if read.registers_consumer() && s.kind != StreamKind::Kinesis {
        return bad(p("read"), "enhanced fan-out exists only on Kinesis streams");
    }
    let batch_size = int_in(
        &p("batch_size"),
        c.batch_size.unwrap_or(aws::BATCH_SIZE as i64),
        1,
        aws::MAX_BATCH_SIZE as i64,
        "batch_size",
    )? as u64;
    let batching_window = c.batching_window.map_or(0, |d| d.0);
    if batching_window > aws::MAX_BATCHING_WINDOW {
        return bad(
            p("batching_window"),
            format!(
                "batching_window must be at most 300s, found {}",
                seconds(batching_window)
            ),
        );
    }
    let pf = int_in(
        &p("parallelization_factor"),
        c.parallelization_factor.unwrap_or(1),
        1,
        aws::MAX_PARALLELIZATION as i64,
        "parallelization_factor",
    )? as u32;
    let payload_cap_bytes = match c.payload_cap {
        None => aws::PAYLOAD_CAP,
        Some(b) if b.0 == 0 || b.0 > aws::PAYLOAD_CAP => {
            return bad(
                p("payload_cap"),
                format!(
                    "payload_cap must be between 1 byte and 6 MiB, found {} bytes",
                    b.0
                ),
            )
        }
        Some(b) => b.0,
    };
    let idle_poll_interval = c
        .idle_poll_interval
        .map_or(aws::idle_poll_interval(s.kind), |d| d.0);
    if idle_poll_interval == 0 {
        return bad(
            p("idle_poll_interval"),
            "the idle poll interval must be positive",
        );
    }
    let throttle_backoff = match &c.throttle_backoff {
        None => aws::throttle_backoff(),
        Some(b) => backoff(&p("throttle_backoff"), b)?,
    };
    let max_retry_attempts = match c.max_retry_attempts {
        None | Some(-1) => None,
        Some(v) => Some(int_in(
            &p("max_retry_attempts"),
            v,
            0,
            aws::MAX_RETRY_ATTEMPTS,
            "max_retry_attempts (or -1 for unlimited)",
        )? as u32),
    };
    let max_record_age = match c.max_record_age {
        None => None,
        Some(d) if d.0 == 0 || d.0 > aws::MAX_RECORD_AGE => {
            return bad(
                p("max_record_age"),
                format!(
                    "max_record_age must be between 1s and 7d (omit it for no limit), found {}",
                    format_duration(d.0)
                ),
            )
        }
        Some(d) => Some(d.0),
    };
    Ok(ConsumerSpec {
        name: name.to_string(),
        stream: si,
        service: match c.service {
            None | Some(ServiceRaw::Lambda) => Service::Lambda,
            Some(ServiceRaw::Pipe) => Service::Pipe,
        },
        read,
        batch_size,
        fetch_records: match c.fetch_records {
            None => s.limits.max_records_per_call.max(batch_size),
            Some(v) if v < batch_size as i64 => {
                return bad(
                    p("fetch_records"),
                    format!(
                        "fetch_records must be at least batch_size ({batch_size}) so that a batch can fill, found {v}"
                    ),
                )
            }
            Some(v) => int_in(&p("fetch_records"), v, 1, 1_000_000, "fetch_records")? as u64,
        },
        batching_window,
        payload_cap_bytes,
        parallelization_factor: pf,
        idle_poll_interval,
        min_call_interval: c
            .min_call_interval
            .map_or(aws::min_call_interval(s.kind), |d| d.0),
        throttle_backoff,
        max_retry_attempts,
        max_record_age,
        bisect_on_error: c.bisect_on_error.unwrap_or(false),
        retry_delay: c.retry_delay.map_or(0, |d| d.0),
        routes: Vec::new(),
        write_retry: c.write_retry.map_or(aws::ROUTER_WRITE_RETRY, |d| d.0),
        function: function(&p("function"), s, &c.function)?,
    })
}

fn function(base: &str, s: &StreamSpec, f: &RawFunction) -> R<FunctionSpec> {
    let p = |k: &str| format!("{base}.{k}");
    let timeout = f.timeout.map_or(aws::TIMEOUT, |d| d.0);
    if timeout == 0 || timeout > aws::MAX_TIMEOUT {
        return bad(
            p("timeout"),
            format!(
                "timeout must be between 1ms and 15m, found {}",
                format_duration(timeout)
            ),
        );
    }
    let provisioned = f.provisioned_concurrency.unwrap_or(0);
    let reserved_concurrency = match f.reserved_concurrency {
        None => None,
        Some(v) => Some(int_in(
            &p("reserved_concurrency"),
            v,
            1,
            10_000_000,
            "reserved_concurrency",
        )? as u32),
    };
    if reserved_concurrency.is_some_and(|r| i64::from(r) < provisioned) {
        return bad(
            p("provisioned_concurrency"),
            format!(
                "provisioned_concurrency ({provisioned}) cannot exceed reserved_concurrency ({})",
                reserved_concurrency.unwrap_or(0)
            ),
        );
    }
    let poison = f
        .poison
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let shard = int_in(
                &format!("{base}.poison.{i}.shard"),
                x.shard,
                0,
                i64::from(s.shards) - 1,
                &format!(
                    "stream `{}` has {} shard(s), so the poison record's shard",
                    s.name, s.shards
                ),
            )?;
            Ok(PoisonSpec {
                shard: shard as u32,
                at: x.at.0,
            })
        })
        .collect::<R<Vec<_>>>()?;
    let fanout = f
        .fanout
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let dp = format!("{base}.fanout.{i}");
            Ok(DownstreamSpec {
                name: d.name.clone(),
                memory_mb: memory(&format!("{dp}.memory_mb"), d.memory_mb)?,
                duration: dist(&format!("{dp}.duration"), &d.duration)?,
                per_record: d.per_record.map_or(0, |x| x.0),
                error_probability: probability(
                    &format!("{dp}.error_probability"),
                    d.error_probability.unwrap_or(0.0),
                )?,
            })
        })
        .collect::<R<Vec<_>>>()?;
    Ok(FunctionSpec {
        memory_mb: memory(&p("memory_mb"), f.memory_mb)?,
        duration: match &f.duration {
            None => Dist::Fixed(20e6),
            Some(d) => dist(&p("duration"), d)?,
        },
        per_record: f.per_record.map_or(0, |d| d.0),
        cold_start: match &f.cold_start {
            None => aws::cold_start(),
            Some(d) => dist(&p("cold_start"), d)?,
        },
        env_idle_timeout: f.env_idle_timeout.map_or(aws::ENV_IDLE_TIMEOUT, |d| d.0),
        provisioned_concurrency: int_in(
            &p("provisioned_concurrency"),
            provisioned,
            0,
            100_000,
            "provisioned_concurrency",
        )? as u32,
        reserved_concurrency,
        error_probability: probability(
            &p("error_probability"),
            f.error_probability.unwrap_or(0.0),
        )?,
        timeout,
        poison,
        fanout,
    })
}

/// A wait policy after a rejection, at key `path`.
fn backoff(path: &str, b: &BackoffRaw) -> R<Backoff> {
    Ok(match b {
        BackoffRaw::Fixed { delay } => Backoff::Fixed(delay.0),
        BackoffRaw::Exponential {
            initial,
            multiplier,
            max,
            jitter,
        } => {
            let multiplier = multiplier.unwrap_or(2.0);
            if !(multiplier.is_finite() && multiplier >= 1.0) {
                return bad(
                    format!("{path}.multiplier"),
                    format!("the multiplier must be at least 1, found {multiplier}"),
                );
            }
            if max.0 < initial.0 {
                return bad(
                    format!("{path}.max"),
                    "the cap must be at least the initial wait",
                );
            }
            Backoff::Exponential {
                initial: initial.0,
                multiplier,
                max: max.0,
                jitter: match jitter {
                    None | Some(JitterRaw::Full) => Jitter::Full,
                    Some(JitterRaw::Equal) => Jitter::Equal,
                    Some(JitterRaw::None) => Jitter::None,
                },
            }
        }
    })
}

/// The account section, and the reserved concurrency of every function checked against it.
fn account(raw: &RawModel, consumers: &[ConsumerSpec]) -> R<AccountSpec> {
    let concurrency = int_in(
        "account.concurrency",
        raw.account
            .concurrency
            .unwrap_or(i64::from(aws::ACCOUNT_CONCURRENCY)),
        1,
        10_000_000,
        "account.concurrency",
    )? as u32;
    let reserved: u64 = consumers
        .iter()
        .filter_map(|c| c.function.reserved_concurrency)
        .map(u64::from)
        .sum();
    if reserved > u64::from(concurrency) {
        let name = consumers
            .iter()
            .rev()
            .find(|c| c.function.reserved_concurrency.is_some())
            .map_or("", |c| c.name.as_str());
        let base = if raw.consumers.contains_key(name) {
            name
        } else {
            name.rsplit_once('-').map_or(name, |(b, _)| b)
        };
        return bad(
            format!("consumers.{base}.function.reserved_concurrency"),
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
            Some(b) => backoff("account.invoke_throttle_backoff", b)?,
        },
    })
}

/// A Lambda memory setting: 128 MB (the default) to 10,240 MB.
fn memory(path: &str, v: Option<i64>) -> R<u32> {
    Ok(int_in(path, v.unwrap_or(128), 128, 10_240, "memory_mb")? as u32)
}

/// `[control_plane]`: `None` when `deploy = false`, otherwise every default filled in. The keys are
/// checked either way.
fn control_plane(c: &RawControlPlane) -> R<Option<ControlPlaneSpec>> {
    let p = |k: &str| format!("control_plane.{k}");
    let mut s = aws::control_plane();
    if let Some(v) = c.start_interval {
        if v.0 > HOUR {
            return bad(
                p("start_interval"),
                format!(
                    "start_interval must be at most 1h, found {}",
                    format_duration(v.0)
                ),
            );
        }
        s.start_interval = v.0;
    }
    if let Some(v) = &c.call_latency {
        s.call_latency = dist(&p("call_latency"), v)?;
    }
    if let Some(v) = &c.consumer_creating {
        s.consumer_creating = dist(&p("consumer_creating"), v)?;
    }
    let rate = |k: &str, v: Option<i64>, default: u32| -> R<u32> {
        v.map_or(Ok(default), |v| {
            Ok(int_in(&p(k), v, 1, 1_000_000, k)? as u32)
        })
    };
    s.lambda_calls_per_s = rate(
        "lambda_calls_per_s",
        c.lambda_calls_per_s,
        s.lambda_calls_per_s,
    )?;
    s.describe_stream_calls_per_s = rate(
        "describe_stream_calls_per_s",
        c.describe_stream_calls_per_s,
        s.describe_stream_calls_per_s,
    )?;
    s.register_consumer_calls_per_s = rate(
        "register_consumer_calls_per_s",
        c.register_consumer_calls_per_s,
        s.register_consumer_calls_per_s,
    )?;
    if let Some(v) = c.describe_stream_calls {
        s.describe_stream_calls = int_in(
            &p("describe_stream_calls"),
            v,
            0,
            100,
            "describe_stream_calls",
        )? as u32;
    }
    if let Some(v) = c.max_creating_consumers {
        s.max_creating_consumers = int_in(
            &p("max_creating_consumers"),
            v,
            1,
            1000,
            "max_creating_consumers",
        )? as u32;
    }
    let r = &c.retry;
    if let Some(v) = r.base {
        s.retry_base = v.0;
    }
    if let Some(v) = r.cap {
        s.retry_cap = v.0;
    }
    if s.retry_cap < s.retry_base {
        let key = if r.cap.is_some() {
            "retry.cap"
        } else {
            "retry.base"
        };
        return bad(p(key), "the cap must be at least the base delay");
    }
    if let Some(v) = r.max_attempts {
        s.max_attempts = int_in(&p("retry.max_attempts"), v, 1, 100, "max_attempts")? as u32;
    }
    Ok((c.deploy != Some(false)).then_some(s))
}
