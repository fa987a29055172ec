//! The value a model key takes when its file leaves it out, read back from the resolved
//! [`ModelSpec`] (where every default is filled in), so that `sim params` shows what a run uses
//! rather than `(default)`.

use crate::dist::Dist;
use crate::engine::time::format_duration;
use crate::engine::Nanos;
use crate::model::spec::{
    AgeEndpoint, ArrivalKind, Backoff, BusyPoll, ConsumerSpec, Jitter, ModelSpec, Profile,
    ReadMode, Service, StreamSpec,
};

/// What `spec` uses for the key at `path` (a `--set` path) that its file leaves out, as a person
/// reads it; `none` for keys whose absence means nothing of the kind (no profile, no routes), and
/// None for a path it does not know.
pub(crate) fn value_of(spec: &ModelSpec, path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('.').collect();
    match parts.as_slice() {
        ["description"] => Some(NONE.into()),
        // No objectives: `sim check` then needs --slo or sim-objectives.toml.
        ["plan", "slo"] => Some(NONE.into()),
        ["name"] => Some(spec.name.clone()),
        ["duration"] => Some(dur(spec.duration)),
        ["warmup"] => Some(dur(spec.warmup)),
        ["seed"] => Some(spec.seed.to_string()),
        ["metrics", "iterator_age"] => Some(
            match spec.iterator_age {
                AgeEndpoint::Sent => "sent",
                AgeEndpoint::Finished => "finished",
            }
            .into(),
        ),
        ["metrics", "latency_sample"] => Some(spec.latency_sample.to_string()),
        ["account", "concurrency"] => Some(spec.account.concurrency.to_string()),
        ["account", "invoke_throttle_backoff", rest @ ..] => {
            backoff(&spec.account.invoke_throttle_backoff, rest)
        }
        ["control_plane", rest @ ..] => control_plane(spec, rest),
        ["streams", name, rest @ ..] => {
            stream(spec.streams.iter().find(|s| s.name == *name)?, rest)
        }
        ["producers", name, rest @ ..] => {
            let p = spec.producers.iter().find(|p| p.name == *name)?;
            Some(match rest {
                ["arrivals"] => match p.arrivals {
                    ArrivalKind::Constant => "constant".into(),
                    ArrivalKind::Poisson => "poisson".into(),
                },
                ["record_size", ..] => dist(&p.record_size, bytes_f),
                ["keys", ..] if p.shard_weights.windows(2).all(|w| w[0] == w[1]) => {
                    "uniform".into()
                }
                ["profile", ..] if p.profile == Profile::Flat => "flat".into(),
                ["source"] => "application".into(),
                ["duplicate_probability"] => p.duplicate_probability.to_string(),
                _ => return None,
            })
        }
        ["consumers", name, rest @ ..] => consumer(consumer_named(spec, name)?, rest),
        _ => None,
    }
}

const NONE: &str = "none";

/// The consumer a `consumers.NAME` table became (the first of its `count`).
fn consumer_named<'a>(spec: &'a ModelSpec, name: &str) -> Option<&'a ConsumerSpec> {
    let first = format!("{name}-1");
    (spec.consumers.iter()).find(|c| c.name == name || c.name == first)
}

fn stream(s: &StreamSpec, rest: &[&str]) -> Option<String> {
    let l = &s.limits;
    let limit = |v: Option<u64>, f: fn(u64) -> String| v.map_or("unlimited".into(), f);
    let per_s = |n: u64| n.to_string();
    Some(match rest {
        ["shards"] => s.shards.to_string(),
        ["retention"] => dur(s.retention),
        ["record_chunk"] => dur(s.record_chunk),
        ["limits", "write_records_per_s"] => limit(l.write_records_per_s, per_s),
        ["limits", "write_bytes_per_s"] => limit(l.write_bytes_per_s, bytes),
        ["limits", "read_calls_per_s"] => limit(l.read_calls_per_s.map(u64::from), per_s),
        ["limits", "read_bytes_per_s"] => limit(l.read_bytes_per_s, bytes),
        ["limits", "read_burst_bytes"] => bytes(l.read_burst_bytes),
        ["limits", "max_records_per_call"] => l.max_records_per_call.to_string(),
        ["limits", "max_bytes_per_call"] => bytes(l.max_bytes_per_call),
        ["limits", "big_read_penalty"] => dur(l.big_read_penalty),
        ["limits", "overdraw_penalty"] => dur(l.overdraw_penalty),
        ["limits", "max_efo_consumers"] => l.max_efo_consumers.to_string(),
        ["limits", "throttled_calls_count"] => l.throttled_calls_count.to_string(),
        ["efo", "bytes_per_s"] => bytes(s.efo.bytes_per_s),
        ["efo", "propagation", ..] => dist(&s.efo.propagation, ms_f),
        ["efo", "renewal_period"] => dur(s.efo.renewal_period),
        ["efo", "renewal_gap"] => dur(s.efo.renewal_gap),
        ["efo", "subscribe_latency", ..] => dist(&s.efo.subscribe_latency, ms_f),
        ["write_to_readable"] => dur(s.write_to_readable),
        ["get_records_latency", ..] => dist(&s.get_records_latency, ms_f),
        ["efo", "event_gap"] => dur(s.efo.event_gap),
        ["rollover"] => s.lineage.rollover.map_or(NONE.into(), |r| dur(r.every)),
        ["rollover_jitter"] => s.lineage.rollover.map_or(NONE.into(), |r| dur(r.jitter)),
        ["shard_discovery"] => dur(s.lineage.discovery),
        ["capacity"] => match s.lineage.on_demand {
            Some(_) => "on-demand".into(),
            None => "provisioned".into(),
        },
        ["on_demand", key] => match s.lineage.on_demand {
            None => "none (used only with capacity = \"on-demand\")".into(),
            Some(o) => match *key {
                "split_bytes_per_s" => bytes(o.split_bytes_per_s),
                "split_records_per_s" => o.split_records_per_s.to_string(),
                "window" => dur(o.window),
                "split_delay" => dur(o.split_delay),
                "max_shards" => o.max_shards.to_string(),
                _ => return None,
            },
        },
        _ => return None,
    })
}

fn consumer(c: &ConsumerSpec, rest: &[&str]) -> Option<String> {
    let f = &c.function;
    Some(match rest {
        ["count"] => "1".into(),
        ["service"] => match c.service {
            Service::Lambda => "lambda".into(),
            Service::Pipe => "pipe".into(),
        },
        ["read"] => match c.read {
            ReadMode::Shared => "shared".into(),
            ReadMode::Efo => "efo".into(),
        },
        ["batch_size"] => c.batch_size.to_string(),
        ["fetch_records"] => c.fetch_records.to_string(),
        ["batching_window"] => dur(c.batching_window),
        ["payload_cap"] => bytes(c.payload_cap_bytes),
        ["parallelization_factor"] => c.parallelization_factor.to_string(),
        ["idle_poll_interval"] => dur(c.idle_poll_interval),
        ["idle_poll_jitter"] => dur(c.idle_poll_jitter),
        ["invoke_overhead", ..] => dist(&c.invoke_overhead, ms_f),
        ["min_call_interval"] => dur(c.min_call_interval),
        ["busy_poll"] => match c.busy_poll {
            BusyPoll::CaughtUp => "caught-up".into(),
            BusyPoll::AnyNew => "any-new".into(),
        },
        ["throttle_backoff", rest @ ..] => return backoff(&c.throttle_backoff, rest),
        ["max_retry_attempts"] => c
            .max_retry_attempts
            .map_or("-1 (until the records expire)".into(), |n| n.to_string()),
        ["max_record_age"] => c
            .max_record_age
            .map_or("-1 (the stream's retention)".into(), dur),
        ["bisect_on_error"] => c.bisect_on_error.to_string(),
        ["retry_delay"] => dur(c.retry_delay),
        ["routes"] => NONE.into(),
        ["write_retry"] => dur(c.write_retry),
        ["function", "memory_mb"] => f.memory_mb.to_string(),
        ["function", "duration", ..] => dist(&f.duration, ms_f),
        ["function", "per_record"] => dur(f.per_record),
        ["function", "cold_start", ..] => dist(&f.cold_start, ms_f),
        ["function", "env_idle_timeout"] => dur(f.env_idle_timeout),
        ["function", "provisioned_concurrency"] => f.provisioned_concurrency.to_string(),
        ["function", "reserved_concurrency"] => f
            .reserved_concurrency
            .map_or(NONE.into(), |n| n.to_string()),
        ["function", "error_probability"] => f.error_probability.to_string(),
        ["function", "timeout"] => dur(f.timeout),
        ["function", "poison"] => NONE.into(),
        ["function", "fanout"] => NONE.into(),
        _ => return None,
    })
}

fn control_plane(spec: &ModelSpec, rest: &[&str]) -> Option<String> {
    let Some(cp) = &spec.control_plane else {
        return Some(match rest {
            ["deploy"] => "false".into(),
            _ => "none (used only with a [control_plane] table)".into(),
        });
    };
    Some(match rest {
        ["deploy"] => "true".into(),
        ["start_interval"] => dur(cp.start_interval),
        ["group_size"] => cp.group_size.to_string(),
        ["call_latency", ..] => dist(&cp.call_latency, ms_f),
        ["lambda_calls_per_s"] => cp.lambda_calls_per_s.to_string(),
        ["create_mapping_calls_per_s"] => cp.create_mapping_calls_per_s.to_string(),
        ["mapping_start", ..] => dist(&cp.mapping_start, ms_f),
        ["describe_stream_calls_per_s"] => cp.describe_stream_calls_per_s.to_string(),
        ["describe_stream_calls"] => cp.describe_stream_calls.to_string(),
        ["get_shard_iterator_calls_per_s"] => cp.get_shard_iterator_calls_per_s.to_string(),
        ["register_consumer_calls_per_s"] => cp.register_consumer_calls_per_s.to_string(),
        ["max_creating_consumers"] => cp.max_creating_consumers.to_string(),
        ["consumer_creating", ..] => dist(&cp.consumer_creating, ms_f),
        ["retry", "base"] => dur(cp.retry_base),
        ["retry", "cap"] => dur(cp.retry_cap),
        ["retry", "max_attempts"] => cp.max_attempts.to_string(),
        _ => return None,
    })
}

/// A backoff, or the part of it `rest` names.
fn backoff(b: &Backoff, rest: &[&str]) -> Option<String> {
    Some(match (b, rest) {
        (Backoff::Fixed(d), []) => format!("fixed {}", dur(*d)),
        (Backoff::Fixed(d), ["delay"]) => dur(*d),
        (Backoff::Fixed(_), ["kind"]) => "fixed".into(),
        (
            Backoff::Exponential {
                initial,
                multiplier,
                max,
                jitter,
            },
            _,
        ) => {
            let jitter = match jitter {
                Jitter::None => "none",
                Jitter::Full => "full",
                Jitter::Equal => "equal",
            };
            match rest {
                [] => format!(
                    "exponential from {} x{multiplier} up to {}, {jitter} jitter",
                    dur(*initial),
                    dur(*max)
                ),
                ["kind"] => "exponential".into(),
                ["initial"] => dur(*initial),
                ["multiplier"] => multiplier.to_string(),
                ["max"] => dur(*max),
                ["jitter"] => jitter.into(),
                _ => return None,
            }
        }
        _ => return None,
    })
}

fn dur(ns: Nanos) -> String {
    format_duration(ns)
}

fn ms_f(ns: f64) -> String {
    format_duration(ns.max(0.0).round() as Nanos)
}

fn bytes_f(b: f64) -> String {
    bytes(b.max(0.0).round() as u64)
}

/// A size as `2MiB` or `512KiB` when exact, else a number of bytes.
fn bytes(b: u64) -> String {
    match [(1u64 << 20, "MiB"), (1 << 10, "KiB")]
        .iter()
        .find(|(u, _)| b > 0 && b.is_multiple_of(*u))
    {
        Some((u, name)) => format!("{}{name}", b / u),
        None => format!("{b} bytes"),
    }
}

/// A distribution of durations or sizes, each value shown by `show`.
fn dist(d: &Dist, show: fn(f64) -> String) -> String {
    match *d {
        Dist::Fixed(v) => show(v),
        Dist::Exponential { mean } => format!("exponential, mean {}", show(mean)),
        Dist::LogNormal { mu, sigma } => format!(
            "lognormal, median {}, p99 {}",
            show(mu.exp()),
            show((mu + 2.326_347_874 * sigma).exp())
        ),
        Dist::Uniform { min, max } => format!("uniform from {} to {}", show(min), show(max)),
    }
}
