//! Stage two of loading: raw model → validated [`ModelSpec`], every default filled in.
//!
//! One file per section of the model, as in [`crate::config::raw`]; each check names the key path it
//! is about ([`Invalid`]), and the loader turns the path into a file location or a `--set` flag.

mod account;
mod check;
mod consumer;
mod dist;
mod function;
mod lineage;
mod producer;
mod stream;
mod topology;

use super::error::Invalid;
use super::raw::{AgeEndpointRaw, RawModel};
use crate::engine::time::{format_duration, HOUR, MIN};
use crate::model::spec::{AgeEndpoint, ModelSpec, ProducerSpec, DEFAULT_LATENCY_SAMPLE};
use check::{bad, Keys, R};

/// Resolves a raw model; `default_name` is used when the file names none.
pub(crate) fn resolve(raw: &RawModel, default_name: &str) -> R<ModelSpec> {
    if let Some(name) = &raw.name {
        folder_name("name", name)?;
    }
    let (duration, warmup) = run_length(raw)?;
    if raw.streams.is_empty() {
        return bad(
            "streams",
            "a model needs at least one stream, e.g. [streams.events]",
        );
    }
    let streams = raw
        .streams
        .iter()
        .map(|(name, s)| stream::stream(name, s))
        .collect::<R<Vec<_>>>()?;
    let producers = raw
        .producers
        .iter()
        .map(|(name, p)| {
            let k = Keys::new(format!("producers.{name}"));
            let si = topology::stream_index(raw, &k.path("stream"), &p.stream)?;
            producer::producer(&k, name, si, &streams[si], p)
        })
        .collect::<R<Vec<ProducerSpec>>>()?;
    let consumers = topology::consumers(raw, &streams, duration)?;
    topology::no_route_cycle(raw, &consumers, streams.len())?;
    topology::efo_registrations(raw, &streams, &consumers)?;
    Ok(ModelSpec {
        name: raw.name.clone().unwrap_or_else(|| default_name.to_string()),
        duration,
        warmup,
        seed: raw.seed.unwrap_or(1),
        iterator_age: match raw.metrics.iterator_age {
            None | Some(AgeEndpointRaw::Sent) => AgeEndpoint::Sent,
            Some(AgeEndpointRaw::Finished) => AgeEndpoint::Finished,
        },
        latency_sample: latency_sample(raw.metrics.latency_sample)?,
        account: account::account(raw, &consumers)?,
        streams,
        producers,
        consumers,
        control_plane: account::control_plane(raw.control_plane.as_ref())?,
    })
}

/// One record in how many the latency percentiles sample: a power of two, 32 by default.
fn latency_sample(v: Option<i64>) -> R<u64> {
    let Some(k) = v else {
        return Ok(DEFAULT_LATENCY_SAMPLE);
    };
    let max = 1 << 20;
    if !(1..=max).contains(&k) || k & (k - 1) != 0 {
        return bad(
            "metrics.latency_sample",
            format!("latency_sample must be a power of two from 1 to {max}, found {k}"),
        );
    }
    Ok(k as u64)
}

/// The simulated duration (1h by default) and the warm-up (5m, never longer than the run).
fn run_length(raw: &RawModel) -> R<(u64, u64)> {
    let duration = raw.duration.map_or(HOUR, |d| d.0);
    if duration == 0 {
        return bad("duration", "the duration must be positive");
    }
    let warmup = raw.warmup.map_or(5 * MIN, |d| d.0).min(duration);
    if raw.warmup.is_some_and(|w| w.0 >= duration) {
        return Err(Invalid {
            path: "warmup".into(),
            message: format!(
                "the warm-up must be shorter than the duration ({})",
                format_duration(duration)
            ),
            also: Some("duration".into()),
        });
    }
    Ok((duration, warmup))
}

/// Checks a name used as an output folder (`name` of a model or an experiment).
pub(crate) fn folder_name(path: &str, name: &str) -> Result<(), Invalid> {
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
