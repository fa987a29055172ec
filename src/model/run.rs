//! Driving a model from its spec to its report: the event loop run to the end (or to a traced
//! window), the report built, and its cost attached when prices are given.
//!
//! Progress is reported to an [`Observer`] chosen by the caller, so the model draws nothing itself.

use super::cost::{self, Prices};
use super::parallel::{self, Threads};
use super::report::{ConservationError, RunReport};
use super::spec::ModelSpec;
use super::world::{Event, Trace, World};
use crate::engine::{self, Queue};
use std::time::Instant;

/// Watches a run advance. The run is cut into `steps()` equal spans of simulated time, and
/// `advanced(k)` is called after the k-th (1-based); the results do not depend on the number of
/// steps, since the event loop resumes exactly where it stopped.
pub(crate) trait Observer {
    /// Number of spans to cut the run into (at least 1).
    fn steps(&self) -> u64 {
        1
    }
    /// Called after span `done` of [`Observer::steps`] has been simulated.
    fn advanced(&mut self, _done: u64) {}
}

/// The observer of a run nobody watches: one span, no calls.
pub(crate) struct Unobserved;

impl Observer for Unobserved {}

/// Runs `spec` to its duration and reports, without cost. Fails only if conservation is violated.
pub fn simulate(spec: &ModelSpec) -> Result<RunReport, ConservationError> {
    simulate_with(spec, None, &mut Unobserved)
}

/// Runs `spec` to its duration, telling `observer` how far it got, and reports with the monthly
/// cost at `prices` (when given).
pub(crate) fn simulate_with(
    spec: &ModelSpec,
    prices: Option<&Prices>,
    observer: &mut dyn Observer,
) -> Result<RunReport, ConservationError> {
    let started = Instant::now();
    let mut queue = Queue::new();
    let mut world = World::new(spec, &mut queue);
    let events = run_in_steps(spec, &mut world, &mut queue, observer);
    world.finish(spec.duration);
    let wall_s = started.elapsed().as_secs_f64();
    let mut report = super::summarise::report(spec, &mut world, events, wall_s)?;
    report.cost = prices.map(|p| cost::monthly(spec, &report, p));
    Ok(report)
}

/// Runs `spec` as [`simulate_with`] does, on up to `threads` threads when its shards do not
/// interact (see [`parallel`]); the report is the same for any number of threads, and
/// [`Threads`] says how many were used and, if fewer than asked for, why.
pub(crate) fn simulate_threads(
    spec: &ModelSpec,
    prices: Option<&Prices>,
    observer: &mut dyn Observer,
    threads: u32,
) -> Result<(RunReport, Threads), ConservationError> {
    let started = Instant::now();
    let masks = match parallel::groups_for(spec, threads) {
        Ok(masks) => masks,
        Err(why) => {
            let report = simulate_with(spec, prices, observer)?;
            return Ok((report, Threads::serial(threads, Some(why.to_string()))));
        }
    };
    let groups = masks.len() as u32;
    let steps = observer.steps().max(1);
    match parallel::run(spec, masks, steps, &mut |k| observer.advanced(k)) {
        Ok((mut world, events)) => {
            let wall_s = started.elapsed().as_secs_f64();
            let mut report = super::summarise::report(spec, &mut world, events, wall_s)?;
            report.cost = prices.map(|p| cost::monthly(spec, &report, p));
            let used = Threads {
                requested: threads,
                used: groups,
                groups,
                reason: (groups < threads).then(|| format!("the model has {groups} shards")),
            };
            Ok((report, used))
        }
        Err(why) => {
            let report = simulate_with(spec, prices, observer)?;
            Ok((report, Threads::serial(threads, Some(why.to_string()))))
        }
    }
}

/// Runs the event loop to the end of `spec` in the observer's steps; returns the events handled.
fn run_in_steps(
    spec: &ModelSpec,
    world: &mut World,
    queue: &mut Queue<Event>,
    observer: &mut dyn Observer,
) -> u64 {
    let steps = observer.steps().max(1);
    let mut events = 0;
    for step in 1..=steps {
        let until = (u128::from(spec.duration) * u128::from(step) / u128::from(steps)) as u64;
        events += engine::run(world, queue, until);
        observer.advanced(step);
    }
    events
}

/// Runs `spec` until `trace.to`, recording every call on the traced shard within the window, and
/// sampling the shard every `trace.every` from `trace.from` when that is not 0.
pub fn simulate_trace(spec: &ModelSpec, mut trace: Trace) -> Trace {
    let mut queue = Queue::new();
    let mut world = World::new(spec, &mut queue);
    let until = trace.to.min(spec.duration);
    let (from, every) = (trace.from, trace.every);
    world.trace = Some(std::mem::take(&mut trace));
    if every > 0 {
        world.trace_eagerly();
        let mut at = from.min(until);
        loop {
            engine::run(&mut world, &mut queue, at);
            world.trace_sample(at);
            if at >= until {
                break;
            }
            at = at.saturating_add(every).min(until);
        }
    }
    engine::run(&mut world, &mut queue, until);
    world.trace.take().unwrap_or_default()
}
