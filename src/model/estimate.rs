//! A rough, cheap forecast of what a run will cost, made before running it, so that a model that
//! would take hours or exhaust memory is refused with numbers rather than discovered.

use super::spec::{ModelSpec, Profile, ReadMode};
use crate::dist::Dist;
use crate::engine::time::{MIN, SEC};

/// Forecast of a run's cost. Deliberately generous: it errs towards more events.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Events on the queue (polls, invocations, pushes).
    pub events: f64,
    /// Records generated (or chunks drawn, in aggregate mode): each is work, not an event.
    pub records: f64,
    /// Memory at most (the age histograms grown as far as ages can go).
    pub memory_bytes: f64,
    /// Memory the run holds whatever its ages: shards, readers, the records the streams keep,
    /// per-minute rows. Refusing on this one never refuses a run that would fit.
    pub floor_bytes: f64,
}

impl Estimate {
    /// The work in events: a record costs about a fifth of an event (measured: 50 M records/s
    /// generated against 10 M events/s handled).
    pub fn work(&self) -> f64 {
        self.events + self.records / RECORDS_PER_EVENT
    }

    /// `n` runs of this one, one at a time: work adds up, memory does not.
    pub fn times(self, n: f64) -> Estimate {
        Estimate {
            events: self.events * n,
            records: self.records * n,
            ..self
        }
    }

    /// Two forecasts of runs made one after the other (a sweep's): work adds up, memory is the
    /// larger.
    pub fn then(self, other: Estimate) -> Estimate {
        Estimate {
            events: self.events + other.events,
            records: self.records + other.records,
            memory_bytes: self.memory_bytes.max(other.memory_bytes),
            floor_bytes: self.floor_bytes.max(other.floor_bytes),
        }
    }

    /// No work, no memory.
    pub const NONE: Estimate = Estimate {
        events: 0.0,
        records: 0.0,
        memory_bytes: 0.0,
        floor_bytes: 0.0,
    };
}

/// Records generated per event handled, in the same time.
pub const RECORDS_PER_EVENT: f64 = 5.0;

/// Bytes held per consumer regardless of traffic: the IteratorAge histogram.
const HISTOGRAM_BYTES: f64 = 300e3; // an upper bound: the histogram grows only as far as ages go
/// Bytes per consumer per simulated minute (buckets and report rows).
const MINUTE_BYTES: f64 = 160.0;
/// Bytes per shard of any stream, read or not (measured: 1,000,000 idle shards hold 680 MB).
const SHARD_BYTES: f64 = 600.0;
/// Bytes per reader of a shard (a consumer's state on one shard).
const READER_BYTES: f64 = 512.0;
/// Bytes per record a shard keeps (the compact log), and per chunk in aggregate mode.
const RECORD_BYTES: f64 = 9.0;
const CHUNK_BYTES: f64 = 32.0;

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

fn peak_multiplier(p: &Profile) -> f64 {
    match p {
        Profile::Flat => 1.0,
        Profile::OnOff { high, low, .. } => high.max(*low),
        Profile::Periodic { multipliers, .. } => multipliers.iter().copied().fold(0.0, f64::max),
    }
}

/// Shards a stream will have: its initial ones, or for on-demand capacity enough to keep every
/// shard under the split threshold at the producers' peak (`(records/s, bytes/s)`; doubled:
/// splits overshoot).
fn shards_forecast(spec: &ModelSpec, si: usize, (records, bytes): (f64, f64)) -> f64 {
    let s = &spec.streams[si];
    let initial = f64::from(s.shards);
    let Some(od) = s.lineage.on_demand else {
        return initial;
    };
    let needed = (records / od.split_records_per_s as f64).max(bytes / od.split_bytes_per_s as f64);
    // Each shard splits at most once per window and split delay.
    let doublings = spec.duration / (od.window + od.split_delay).max(1);
    let reachable = initial * 2f64.powi(doublings.min(64) as i32);
    (2.0 * needed)
        .min(reachable)
        .clamp(initial, f64::from(od.max_shards))
}

/// Forecasts the events and memory of running `spec`, in time linear in its size (streams,
/// producers and consumers each looked at once: 200,000 functions are forecast in milliseconds).
pub fn estimate(spec: &ModelSpec) -> Estimate {
    let secs = spec.duration as f64 / SEC as f64;
    let minutes = (spec.duration / MIN + 1) as f64;
    // Per stream: records per second written (on average and at the peak, with its bytes), its
    // producers, and the shards it will have.
    let n = spec.streams.len();
    let (mut rate, mut peak, mut producers) = (vec![0.0; n], vec![(0.0, 0.0); n], vec![0.0; n]);
    for p in &spec.producers {
        rate[p.stream] += p.rate * mean_multiplier(&p.profile);
        let top = p.rate * peak_multiplier(&p.profile);
        peak[p.stream].0 += top;
        peak[p.stream].1 += top * p.record_size.mean();
        producers[p.stream] += 1.0;
    }
    let shards: Vec<f64> = (0..n)
        .map(|si| shards_forecast(spec, si, peak[si]))
        .collect();
    let mut est = Estimate::NONE;
    for (si, s) in spec.streams.iter().enumerate() {
        est.floor_bytes += shards[si] * SHARD_BYTES;
        // Every record is drawn, written or throttled; in aggregate mode a chunk stands for many.
        let chunks = match s.record_chunk {
            0 => f64::INFINITY,
            q => producers[si] * shards[si] * spec.duration as f64 / q as f64,
        };
        est.records += (rate[si] * secs).min(chunks);
        // What the shards keep: what their write limits let in, for the retention at most.
        let admitted = match s.limits.write_records_per_s {
            Some(cap) => rate[si].min(cap as f64 * shards[si]),
            None => rate[si],
        };
        let kept_s = secs.min(s.retention as f64 / SEC as f64);
        est.floor_bytes += if chunks.is_finite() {
            (admitted * kept_s).min(chunks) * CHUNK_BYTES
        } else {
            admitted * kept_s * RECORD_BYTES
        };
    }
    for c in &spec.consumers {
        let shards = shards[c.stream];
        let per_shard = rate[c.stream] / shards;
        let service_s = (c.function.duration.mean() / SEC as f64).max(1e-3);
        let capacity = per_shard.min(f64::from(c.parallelization_factor) / service_s);
        // A poll sends at most what it read; with a backlog, one batch per invocation.
        // Each invocation is a start and an end; each EFO delivery one more event.
        let (polls, invocations, pushes) = match c.read {
            ReadMode::Shared => {
                // A call that takes time is answered in an event of its own.
                let answered = match spec.streams[c.stream].get_records_latency {
                    Dist::Fixed(0.0) => 1.0,
                    _ => 2.0,
                };
                let polls = answered * SEC as f64 / c.idle_poll_interval.max(1) as f64;
                (
                    polls,
                    capacity.min(polls.max(per_shard / c.batch_size as f64)),
                    0.0,
                )
            }
            ReadMode::Efo => (0.0, capacity, capacity),
        };
        est.events += shards * secs * (polls + pushes + 2.0 * invocations);
        est.floor_bytes += MINUTE_BYTES * minutes + shards * READER_BYTES;
    }
    // Bursts, retries and renewals add events the averages above miss: stay on the safe side.
    est.events *= 1.5;
    est.memory_bytes = est.floor_bytes + HISTOGRAM_BYTES * spec.consumers.len() as f64;
    est
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> ModelSpec {
        crate::config::test_spec(text, &[])
    }

    #[test]
    fn records_and_idle_shards_are_work_and_memory_without_consumers() {
        let s = spec(
            "duration = \"1m\"\n[streams.idle]\nkind = \"kinesis\"\nshards = 1000\n[streams.b]\nkind = \"kinesis\"\nshards = 2\n[producers.p]\nstream = \"b\"\nrate = 3000.0\n",
        );
        let e = estimate(&s);
        assert_eq!(e.events, 0.0);
        assert_eq!(e.records, 180_000.0);
        assert_eq!(e.work(), 180_000.0 / RECORDS_PER_EVENT);
        // 2,000 records/s get past two shards' write limits, kept for the whole minute.
        let floor = 1002.0 * SHARD_BYTES + 2000.0 * 60.0 * RECORD_BYTES;
        assert_eq!(e.floor_bytes, floor);
        assert_eq!(e.memory_bytes, floor);
        assert_eq!(e.times(3.0).records, 540_000.0);
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
