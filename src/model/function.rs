//! The consumer's function: execution environments (cold starts), invocation outcomes, and the
//! poller's throttle backoff.

use super::spec::{Backoff, ConsumerSpec, Jitter};
use crate::dist::round_u64;
use crate::engine::rng::SimRng;
use crate::engine::time::MS;
use crate::engine::Nanos;
use rand::Rng;

/// Execution environments of one function: a count of busy ones and a stack of idle ones.
///
/// Guarantees: a request starts cold exactly when no provisioned environment and no warm idle
/// environment (idle for at most the idle timeout) is free; the most recently released environment
/// is reused first.
#[derive(Clone, Debug, Default)]
pub(crate) struct EnvPool {
    busy: u32,
    /// Release times of idle non-provisioned environments, oldest first.
    idle: Vec<Nanos>,
}

impl EnvPool {
    /// Takes an environment at `now`; returns true if it had to start cold.
    pub(crate) fn acquire(&mut self, now: Nanos, idle_timeout: Nanos, provisioned: u32) -> bool {
        self.busy += 1;
        if self.busy <= provisioned {
            return false;
        }
        match self.idle.pop() {
            Some(t) if now - t <= idle_timeout => false,
            Some(_) => {
                // The most recent one is stale, so are all older ones.
                self.idle.clear();
                true
            }
            None => true,
        }
    }

    /// Returns an environment at `now`.
    pub(crate) fn release(&mut self, now: Nanos, provisioned: u32) {
        if self.busy > provisioned {
            self.idle.push(now);
        }
        self.busy -= 1;
    }
}

/// What one invocation will do, drawn when it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub duration: Nanos,
    pub failed: bool,
    /// Summed durations of the downstream calls of a fan-out function (billed to them).
    pub downstream: Nanos,
    /// The cold start at its beginning (0 when warm), part of `duration`: the handler starts after it.
    pub cold_start: Nanos,
}

/// Draws the duration and result of invoking `c`'s function with `records` records.
pub(crate) fn draw_outcome(
    c: &ConsumerSpec,
    rng: &mut SimRng,
    records: u64,
    cold: bool,
    poisoned: bool,
) -> Outcome {
    let f = &c.function;
    let mut d = f.duration.sample(rng) + (f.per_record * records) as f64;
    let mut cold_start = 0.0;
    if cold {
        cold_start = f.cold_start.sample(rng);
        d += cold_start;
    }
    let mut failed =
        poisoned || (f.error_probability > 0.0 && rng.random_bool(f.error_probability));
    // A fan-out function waits for the slowest downstream call; any failure fails the batch.
    let mut slowest = 0.0f64;
    let mut downstream = 0.0f64;
    for ds in &f.fanout {
        let dd = ds.duration.sample(rng) + (ds.per_record * records) as f64;
        slowest = slowest.max(dd);
        downstream += dd;
        failed |= ds.error_probability > 0.0 && rng.random_bool(ds.error_probability);
    }
    d += slowest;
    let mut duration = round_u64(d).max(1);
    if duration > f.timeout {
        duration = f.timeout.max(1);
        failed = true;
    }
    Outcome {
        duration,
        failed,
        downstream: downstream.round() as Nanos,
        // Rounded only when there is one: most invocations are warm.
        cold_start: if cold {
            round_u64(cold_start).min(duration)
        } else {
            0
        },
    }
}

/// The wait before the next read after `attempt` consecutive throttles (attempt 0 = first throttle).
/// Never shorter than one millisecond.
pub(crate) fn backoff(b: &Backoff, attempt: u32, rng: &mut SimRng) -> Nanos {
    let d = match *b {
        Backoff::Fixed(d) => d,
        Backoff::Exponential {
            initial,
            multiplier,
            max,
            jitter,
        } => {
            let raw = (initial as f64 * multiplier.powi(attempt.min(64) as i32)).min(max as f64);
            round_u64(match jitter {
                Jitter::None => raw,
                Jitter::Full => raw * rng.random::<f64>(),
                Jitter::Equal => raw / 2.0 + raw / 2.0 * rng.random::<f64>(),
            })
        }
    };
    d.max(MS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::stream;
    use crate::engine::time::SEC;

    #[test]
    fn environments_start_cold_only_when_none_is_warm() {
        let mut p = EnvPool::default();
        assert!(p.acquire(0, 10 * SEC, 0));
        p.release(SEC, 0);
        assert!(!p.acquire(5 * SEC, 10 * SEC, 0));
        assert!(p.acquire(5 * SEC, 10 * SEC, 0)); // second concurrent one is new
        p.release(6 * SEC, 0);
        p.release(6 * SEC, 0);
        assert!(p.acquire(30 * SEC, 10 * SEC, 0)); // idle too long
        p.release(31 * SEC, 0);
        assert!(!p.acquire(100 * SEC, 10 * SEC, 1)); // provisioned
    }

    #[test]
    fn exponential_backoff_grows_to_its_cap() {
        let b = Backoff::Exponential {
            initial: 100 * MS,
            multiplier: 2.0,
            max: SEC,
            jitter: Jitter::None,
        };
        let mut rng = stream(1, &[]);
        let ds: Vec<_> = (0..6).map(|a| backoff(&b, a, &mut rng) / MS).collect();
        assert_eq!(ds, [100, 200, 400, 800, 1000, 1000]);
        let full = Backoff::Exponential {
            initial: 100 * MS,
            multiplier: 2.0,
            max: SEC,
            jitter: Jitter::Full,
        };
        for a in 0..10 {
            assert!(backoff(&full, a, &mut rng) <= SEC);
        }
    }
}
