//! A rough, cheap forecast of what a run will cost, made before running it, so that a model that
//! would take hours or exhaust memory is refused with numbers rather than discovered.

use super::spec::{ModelSpec, Profile, ReadMode};
use crate::engine::time::{MIN, SEC};

/// Forecast of a run's cost. Deliberately generous: it errs towards more events.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub events: f64,
    pub memory_bytes: f64,
}

/// Bytes held per consumer regardless of traffic: the IteratorAge histogram.
const HISTOGRAM_BYTES: f64 = 300e3; // an upper bound: the histogram grows only as far as ages go
/// Bytes per consumer per simulated minute (buckets and report rows).
const MINUTE_BYTES: f64 = 160.0;

fn mean_multiplier(p: &Profile) -> f64 {
    match p {
        Profile::Flat => 1.0,
        Profile::OnOff { on, off, high, low } => {
            let (a, b) = (on.mean(), off.mean());
            (high * a + low * b) / (a + b).max(1.0)
        }
        Profile::Periodic { multipliers, .. } => {
            multipliers.iter().sum::<f64>() / multipliers.len().max(1) as f64
        }
    }
}

/// Shards a stream will have: its initial ones, or for on-demand capacity enough to keep every
/// shard under the split threshold at the producers' peak (doubled: splits overshoot).
fn shards_forecast(spec: &ModelSpec, si: usize) -> f64 {
    let s = &spec.streams[si];
    let initial = f64::from(s.shards);
    let Some(od) = s.lineage.on_demand else {
        return initial;
    };
    let (mut records, mut bytes) = (0.0, 0.0);
    for p in spec.producers.iter().filter(|p| p.stream == si) {
        let peak = match &p.profile {
            Profile::Flat => 1.0,
            Profile::OnOff { high, low, .. } => high.max(*low),
            Profile::Periodic { multipliers, .. } => {
                multipliers.iter().copied().fold(0.0, f64::max)
            }
        };
        records += p.rate * peak;
        bytes += p.rate * peak * p.record_size.mean();
    }
    let needed = (records / od.split_records_per_s as f64).max(bytes / od.split_bytes_per_s as f64);
    // Each shard splits at most once per window and split delay.
    let doublings = spec.duration / (od.window + od.split_delay).max(1);
    let reachable = initial * 2f64.powi(doublings.min(64) as i32);
    (2.0 * needed)
        .min(reachable)
        .clamp(initial, f64::from(od.max_shards))
}

/// Forecasts the events and memory of running `spec`.
pub fn estimate(spec: &ModelSpec) -> Estimate {
    let secs = spec.duration as f64 / SEC as f64;
    let mut events = 0.0;
    let mut memory = 0.0;
    for c in &spec.consumers {
        let rate: f64 = spec
            .producers
            .iter()
            .filter(|p| p.stream == c.stream)
            .map(|p| p.rate * mean_multiplier(&p.profile))
            .sum();
        let shards = shards_forecast(spec, c.stream);
        let per_shard = rate / shards;
        let service_s = (c.function.duration.mean() / SEC as f64).max(1e-3);
        let capacity = per_shard.min(f64::from(c.parallelization_factor) / service_s);
        // A poll sends at most what it read; with a backlog, one batch per invocation.
        // Each invocation is a start and an end; each EFO delivery one more event.
        let (polls, invocations, pushes) = match c.read {
            ReadMode::Shared => {
                let polls = SEC as f64 / c.idle_poll_interval.max(1) as f64;
                (
                    polls,
                    capacity.min(polls.max(per_shard / c.batch_size as f64)),
                    0.0,
                )
            }
            ReadMode::Efo => (0.0, capacity, capacity),
        };
        events += shards * secs * (polls + pushes + 2.0 * invocations);
        memory += HISTOGRAM_BYTES + MINUTE_BYTES * (spec.duration / MIN + 1) as f64;
        memory += shards * 512.0;
    }
    Estimate {
        // Bursts, retries and renewals add events the averages above miss: stay on the safe side.
        events: 1.5 * events,
        memory_bytes: memory,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ModelFile;
    use std::path::Path;

    fn spec(text: &str) -> ModelSpec {
        ModelFile::from_text(Path::new("t.toml"), text.into())
            .unwrap()
            .resolve(&[])
            .unwrap()
    }

    #[test]
    fn estimates_bound_the_events_of_a_real_run() {
        let s = spec(
            "duration = \"30m\"\n[streams.s]\nkind = \"kinesis\"\nshards = 2\n[producers.p]\nstream = \"s\"\nrate = 50.0\n[consumers.c]\nstream = \"s\"\ncount = 3\n",
        );
        let est = estimate(&s);
        let real = crate::model::simulate(&s).unwrap().events as f64;
        assert!(
            est.events >= real && est.events < 20.0 * real,
            "estimate {} real {real}",
            est.events
        );
        assert!(est.memory_bytes > 0.0);
    }
}
