//! Checks across sections: stream names referred to, consumers expanded by `count` and their
//! names, route loops, and enhanced fan-out registrations per stream.

use super::check::{bad, Keys, R};
use super::consumer::{consumer, endless_retries, routes};
use crate::config::error::did_you_mean;
use crate::config::raw::RawModel;
use crate::model::spec::{ConsumerSpec, StreamSpec};

/// The table in the file a consumer comes from: its own, or that of the consumer it is a
/// `count` copy of (`fn-3` is a copy of `fn`).
pub(super) fn table_of<'a>(raw: &RawModel, name: &'a str) -> &'a str {
    if raw.consumers.contains_key(name) {
        name
    } else {
        name.rsplit_once('-').map_or(name, |(b, _)| b)
    }
}

/// The index of the stream `name`, referred to at key `path`.
pub(super) fn stream_index(raw: &RawModel, path: &str, name: &str) -> R<usize> {
    if let Some(i) = raw.streams.keys().position(|k| k == name) {
        return Ok(i);
    }
    let names: Vec<&str> = raw.streams.keys().map(String::as_str).collect();
    bad(
        path,
        format!(
            "no stream named `{name}` (streams: {}){}",
            names.join(", "),
            did_you_mean(name, &names)
        ),
    )
}

/// Every consumer, `count` copies expanded, with its routes; checked for endless retries and
/// unique names.
pub(super) fn consumers(
    raw: &RawModel,
    streams: &[StreamSpec],
    duration: u64,
) -> R<Vec<ConsumerSpec>> {
    let index = |path: &str, name: &str| stream_index(raw, path, name);
    let mut out = Vec::new();
    for (name, c) in &raw.consumers {
        let k = Keys::new(format!("consumers.{name}"));
        let si = index(&k.path("stream"), &c.stream)?;
        let mut spec = consumer(&k, name, si, &streams[si], c)?;
        spec.routes = routes(&k, si, c, &index)?;
        endless_retries(&k, &spec, duration)?;
        match k.int::<u32>("count", c.count, 1..=10_000)? {
            None => out.push(spec),
            Some(n) => out.extend((1..=n).map(|i| ConsumerSpec {
                name: format!("{name}-{i}"),
                ..spec.clone()
            })),
        }
    }
    unique_names(raw, &out)?;
    Ok(out)
}

fn unique_names(raw: &RawModel, consumers: &[ConsumerSpec]) -> R<()> {
    // A set, not a scan of the names before each: 200,000 functions would take minutes.
    let mut seen = std::collections::HashSet::with_capacity(consumers.len());
    for c in consumers {
        if !seen.insert(c.name.as_str()) {
            let path = if raw.consumers.contains_key(&c.name) {
                format!("consumers.{}", c.name)
            } else {
                format!("consumers.{}.count", table_of(raw, &c.name))
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
    Ok(())
}

/// Refuses routers that would send records round in a circle (a stream reachable from itself).
pub(super) fn no_route_cycle(raw: &RawModel, consumers: &[ConsumerSpec], streams: usize) -> R<()> {
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
                let stream = raw.streams.keys().nth(start).map_or("", String::as_str);
                return bad(
                    format!("consumers.{}.routes", table_of(raw, name)),
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

/// Refuses more enhanced fan-out consumers on a stream than it allows.
pub(super) fn efo_registrations(
    raw: &RawModel,
    streams: &[StreamSpec],
    consumers: &[ConsumerSpec],
) -> R<()> {
    for (si, s) in streams.iter().enumerate() {
        let efo: Vec<&str> = consumers
            .iter()
            .filter(|c| c.stream == si && c.read.registers_consumer())
            .map(|c| c.name.as_str())
            .collect();
        if efo.len() as u32 <= s.limits.max_efo_consumers {
            continue;
        }
        let name = efo.last().copied().unwrap_or("");
        let path = if raw.consumers.contains_key(name) {
            format!("consumers.{name}.read")
        } else {
            format!("consumers.{}.count", table_of(raw, name))
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
    Ok(())
}
