//! One run on several threads: when no shard's events can see another shard's state, the shards
//! are divided into groups simulated in parallel, and the groups are merged into exactly the
//! report one thread gives.
//!
//! Why the groups change nothing: every random source has its own stream named by its consumer,
//! producer and shard, and a group is built as the whole world is but schedules only its own
//! readers, so its events come out in the same relative order as in the whole run. What a run
//! measures is summed (integers), merged (histograms, minute buckets) or maximised, except the
//! peak concurrency of a function and of the account, a peak of a sum over time: each group logs
//! its concurrency changes, and the logs are merged in time order window by window. Two groups
//! changing the same count at the same nanosecond could order their changes either way; when that
//! could decide a peak, the grouped run is discarded and the model runs again on one thread.
//!
//! [`groups_for`] decides whether shards interact (conservatively: routers, shard lineage, a
//! function's shared warm environments, a concurrency limit that can bind) and names the reason
//! ([`Serial`]) if they do.

use super::spec::ModelSpec;
use super::world::{BusyChange, Event, ShardMask, World};
use crate::engine::time::SEC;
use crate::engine::{self, Nanos, Queue};
use rayon::prelude::*;

/// How a run used its threads, as `--json` reports it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Threads {
    /// Threads asked for.
    pub requested: u32,
    /// Threads the run used (one per group of shards).
    pub used: u32,
    /// Groups of shards simulated apart (1: the whole world at once).
    pub groups: u32,
    /// Why fewer threads than asked for were used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Threads {
    /// One thread for the whole world, for `reason` (none when one was asked for).
    pub(crate) fn serial(requested: u32, reason: Option<String>) -> Threads {
        Threads {
            requested,
            used: 1,
            groups: 1,
            reason: reason.filter(|_| requested > 1),
        }
    }
}

/// Simulated time between two merges of the groups' concurrency logs: short enough that the logs
/// stay small, long enough that waiting for the slowest group is rare.
const WINDOW: Nanos = 10 * SEC;

/// Why a run uses one thread after all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Serial {
    #[error("one thread was asked for")]
    OneThreadAsked,
    #[error("the model has a single shard")]
    SingleShard,
    #[error("consumer `{0}` routes records to other streams, so shards feed each other")]
    Routes(String),
    #[error("stream `{0}` seals and opens shards during the run (lineage)")]
    Lineage(String),
    #[error(
        "consumer `{consumer}`'s function shares warm execution environments across its shards \
         (cold starts depend on every shard's invocations): provisioned_concurrency {provisioned} \
         is below its {most} possible invocations at once (shards x parallelization_factor)"
    )]
    WarmEnvironments {
        consumer: String,
        provisioned: u32,
        most: u64,
    },
    #[error(
        "consumer `{consumer}`'s reserved_concurrency {reserved} can bind: its shards allow \
         {most} invocations at once"
    )]
    Reserved {
        consumer: String,
        reserved: u32,
        most: u64,
    },
    #[error(
        "the account concurrency limit can bind: {unreserved} unreserved executions, and the \
         functions may run {need} at once"
    )]
    Account { unreserved: u64, need: u64 },
    #[error(
        "two groups of shards changed a concurrency count at the same nanosecond near its peak, \
         which only one thread can order"
    )]
    Tie,
    #[error("could not start threads: {0}")]
    Threads(String),
}

/// The groups of shards to simulate apart on `threads` threads (at least two), or why the run
/// must use one thread.
pub(crate) fn groups_for(spec: &ModelSpec, threads: u32) -> Result<Vec<ShardMask>, Serial> {
    if threads < 2 {
        return Err(Serial::OneThreadAsked);
    }
    let pairs: usize = spec.streams.iter().map(|s| s.shards as usize).sum();
    if pairs < 2 {
        return Err(Serial::SingleShard);
    }
    if let Some(why) = interaction(spec) {
        return Err(why);
    }
    Ok(groups(spec, (threads as usize).min(pairs)))
}

/// Why the shards of `spec` may affect each other, if they may.
fn interaction(spec: &ModelSpec) -> Option<Serial> {
    if let Some(c) = spec.consumers.iter().find(|c| !c.routes.is_empty()) {
        return Some(Serial::Routes(c.name.clone()));
    }
    if let Some(s) = spec.streams.iter().find(|s| s.lineage.active()) {
        return Some(Serial::Lineage(s.name.clone()));
    }
    functions_interaction(spec).or_else(|| account_interaction(spec))
}

/// The most invocations of consumer `c` at once: one per lane of every shard it reads.
fn max_invocations(spec: &ModelSpec, ci: usize) -> u64 {
    let c = &spec.consumers[ci];
    u64::from(spec.streams[c.stream].shards) * u64::from(c.parallelization_factor)
}

/// A function whose warm environments or reserved concurrency its shards share.
fn functions_interaction(spec: &ModelSpec) -> Option<Serial> {
    spec.consumers.iter().enumerate().find_map(|(ci, c)| {
        if spec.streams[c.stream].shards < 2 {
            return None; // its lanes all run in the group of its one shard
        }
        let most = max_invocations(spec, ci);
        let f = &c.function;
        if u64::from(f.provisioned_concurrency) < most {
            return Some(Serial::WarmEnvironments {
                consumer: c.name.clone(),
                provisioned: f.provisioned_concurrency,
                most,
            });
        }
        f.reserved_concurrency
            .filter(|&r| u64::from(r) < most)
            .map(|reserved| Serial::Reserved {
                consumer: c.name.clone(),
                reserved,
                most,
            })
    })
}

/// The account's unreserved concurrency, when the functions drawing on it can exhaust it.
fn account_interaction(spec: &ModelSpec) -> Option<Serial> {
    let reserved: u64 = spec
        .consumers
        .iter()
        .filter_map(|c| c.function.reserved_concurrency)
        .map(u64::from)
        .sum();
    let unreserved = u64::from(spec.account.concurrency).saturating_sub(reserved);
    let need: u64 = (0..spec.consumers.len())
        .map(|ci| {
            max_invocations(spec, ci)
                * u64::from(spec.consumers[ci].function.unreserved_executions())
        })
        .sum();
    (need > unreserved).then_some(Serial::Account { unreserved, need })
}

/// `n` groups of consecutive shards (every stream's, in order) of about equal work, work being
/// the records a shard receives times the readers that handle each.
fn groups(spec: &ModelSpec, n: usize) -> Vec<ShardMask> {
    let mut work = Vec::new();
    for (si, s) in spec.streams.iter().enumerate() {
        let readers = spec.consumers.iter().filter(|c| c.stream == si).count() as f64;
        for sh in 0..s.shards as usize {
            let rate: f64 = spec
                .producers
                .iter()
                .filter(|p| p.stream == si)
                .map(|p| p.rate * p.shard_weights[sh])
                .sum();
            work.push((si, sh, 1.0 + rate * (1.0 + readers)));
        }
    }
    let total: f64 = work.iter().map(|w| w.2).sum();
    let mut masks: Vec<ShardMask> = vec![empty_mask(spec); n];
    let mut done = 0.0;
    for (i, &(si, sh, w)) in work.iter().enumerate() {
        // The group whose share of the work holds this shard's midpoint, kept so that every
        // group gets at least one shard.
        let by_work = (((done + w / 2.0) / total) * n as f64) as usize;
        let g = by_work.clamp(n.saturating_sub(work.len() - i), i.min(n - 1));
        masks[g][si][sh] = true;
        done += w;
    }
    masks
}

fn empty_mask(spec: &ModelSpec) -> ShardMask {
    spec.streams
        .iter()
        .map(|s| vec![false; s.shards as usize])
        .collect()
}

/// A group of shards being simulated, with its share of each concurrency count: per consumer,
/// then the account's executions last.
struct Group<'a> {
    world: World<'a>,
    queue: Queue<Event>,
    events: u64,
    level: Vec<i64>,
    /// The highest each share reached in the current window.
    high: Vec<i64>,
}

impl<'a> Group<'a> {
    fn new(spec: &'a ModelSpec, mask: ShardMask) -> Group<'a> {
        let mut queue = Queue::new();
        let mut world = World::new_part(spec, &mut queue, mask);
        world.busy_log = Some(Vec::new());
        let series = spec.consumers.len() + 1;
        Group {
            world,
            queue,
            events: 0,
            level: vec![0; series],
            high: vec![0; series],
        }
    }

    /// Simulates up to `until` and notes how high each share of concurrency went meanwhile.
    fn advance(&mut self, until: Nanos, executions: &[i64]) {
        self.events += engine::run(&mut self.world, &mut self.queue, until);
        self.high.clone_from(&self.level);
        let account = self.level.len() - 1;
        for ch in self.world.busy_log.as_deref().unwrap_or_default() {
            let sign = if ch.up { 1 } else { -1 };
            let c = ch.consumer as usize;
            for (s, d) in [(c, sign), (account, sign * executions[c])] {
                self.level[s] += d;
                self.high[s] = self.high[s].max(self.level[s]);
            }
        }
    }

    fn log(&self) -> &[BusyChange] {
        self.world.busy_log.as_deref().unwrap_or_default()
    }
}

/// The peaks of the concurrency counts (per consumer, then the account), merged from the groups'
/// logs in time order.
struct Peaks {
    executions: Vec<i64>,
    level: Vec<i64>,
    peak: Vec<i64>,
    /// The highest a count may have reached at an instant several groups changed it at.
    doubt: Vec<i64>,
}

impl Peaks {
    fn new(spec: &ModelSpec) -> Peaks {
        let series = spec.consumers.len() + 1;
        Peaks {
            executions: spec
                .consumers
                .iter()
                .map(|c| i64::from(c.function.executions()))
                .collect(),
            level: vec![0; series],
            peak: vec![0; series],
            doubt: vec![0; series],
        }
    }

    /// Takes in one window of every group (their logs, then emptied).
    fn window(&mut self, groups: &mut [Group]) {
        let may_rise = (0..self.level.len()).any(|s| {
            let bound: i64 = groups.iter().map(|g| g.high[s]).sum();
            bound > self.peak[s]
        });
        if may_rise {
            let logs: Vec<&[BusyChange]> = groups.iter().map(|g| g.log()).collect();
            self.merge(&logs);
        }
        for s in 0..self.level.len() {
            self.level[s] = groups.iter().map(|g| g.level[s]).sum();
        }
        for g in groups.iter_mut() {
            g.world.busy_log.as_mut().map(Vec::clear);
        }
    }

    /// Replays the logs in time order; within an instant, one group's changes in its own order.
    fn merge(&mut self, logs: &[&[BusyChange]]) {
        let mut pos = vec![0usize; logs.len()];
        loop {
            // The group with the earliest change, and the time of the next other group's change.
            let (mut first, mut t0, mut t1) = (None, Nanos::MAX, Nanos::MAX);
            for (g, (l, &p)) in logs.iter().zip(&pos).enumerate() {
                match l.get(p) {
                    Some(ch) if ch.at < t0 => (first, t0, t1) = (Some(g), ch.at, t0),
                    Some(ch) => t1 = t1.min(ch.at),
                    None => {}
                }
            }
            let Some(g) = first else {
                return;
            };
            if t1 > t0 {
                while let Some(ch) = logs[g].get(pos[g]).filter(|ch| ch.at < t1) {
                    self.apply(ch);
                    pos[g] += 1;
                }
            } else {
                let runs: Vec<&[BusyChange]> = logs
                    .iter()
                    .zip(pos.iter_mut())
                    .map(|(l, p)| {
                        let n = l[*p..].iter().take_while(|ch| ch.at == t0).count();
                        *p += n;
                        &l[*p - n..*p]
                    })
                    .collect();
                self.tie(&runs);
            }
        }
    }

    /// The counts a change moves (its consumer's, then the account's) and by how much.
    fn moves(&self, ch: &BusyChange) -> [(usize, i64); 2] {
        let (c, sign) = (ch.consumer as usize, if ch.up { 1 } else { -1 });
        [(c, sign), (self.level.len() - 1, sign * self.executions[c])]
    }

    /// Applies one change in the order it happened.
    fn apply(&mut self, ch: &BusyChange) {
        for (s, d) in self.moves(ch) {
            self.level[s] += d;
            self.peak[s] = self.peak[s].max(self.level[s]);
        }
    }

    /// Several groups changed counts at one instant, in an order only one thread knows: the end
    /// of the instant is certain, and no order can go above each group's own highest point there
    /// added up.
    fn tie(&mut self, runs: &[&[BusyChange]]) {
        let start = self.level.clone();
        let (mut end, mut bound) = (start.clone(), start.clone());
        for run in runs {
            let (mut level, mut high) = (start.clone(), start.clone());
            for ch in run.iter() {
                for (s, d) in self.moves(ch) {
                    level[s] += d;
                    high[s] = high[s].max(level[s]);
                }
            }
            for s in 0..start.len() {
                end[s] += level[s] - start[s];
                bound[s] += high[s] - start[s];
            }
        }
        for s in 0..start.len() {
            self.peak[s] = self.peak[s].max(end[s]);
            self.doubt[s] = self.doubt[s].max(bound[s]);
        }
        self.level = end;
    }

    /// The peaks per consumer and of the account, or why they are uncertain.
    fn result(&self) -> Result<(Vec<u32>, u32), Serial> {
        if (0..self.peak.len()).any(|s| self.doubt[s] > self.peak[s]) {
            return Err(Serial::Tie);
        }
        let as_u32 = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
        let (account, consumers) = self.peak.split_last().expect("the account's count");
        Ok((
            consumers.iter().map(|&v| as_u32(v)).collect(),
            as_u32(*account),
        ))
    }
}

/// Simulates `spec` in the groups `masks` (see [`groups_for`]), each on its own thread, calling
/// `advanced(k)` after each of `steps` equal spans; returns the merged world, brought to the end
/// of the run, and the events handled, or why the peaks need one thread after all.
pub(super) fn run<'a>(
    spec: &'a ModelSpec,
    masks: Vec<ShardMask>,
    steps: u64,
    advanced: &mut dyn FnMut(u64),
) -> Result<(World<'a>, u64), Serial> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(masks.len())
        .build()
        .map_err(|e| Serial::Threads(e.to_string()))?;
    let mut groups: Vec<Group> =
        pool.install(|| masks.into_par_iter().map(|m| Group::new(spec, m)).collect());
    let mut peaks = Peaks::new(spec);
    let mut done: Nanos = 0;
    for step in 1..=steps {
        let end = (u128::from(spec.duration) * u128::from(step) / u128::from(steps)) as u64;
        loop {
            let until = done.saturating_add(WINDOW).min(end);
            let executions = &peaks.executions;
            pool.install(|| {
                groups
                    .par_iter_mut()
                    .for_each(|g| g.advance(until, executions))
            });
            peaks.window(&mut groups);
            done = until;
            if until >= end {
                break;
            }
        }
        advanced(step);
    }
    let (consumers, account) = peaks.result()?;
    pool.install(|| {
        groups
            .par_iter_mut()
            .for_each(|g| g.world.finish(spec.duration))
    });
    let events = groups.iter().map(|g| g.events).sum();
    let mut parts = groups.into_iter().map(|g| g.world);
    let mut world = parts.next().expect("at least two groups");
    for part in parts {
        world.absorb(part);
    }
    world.set_peaks(&consumers, account);
    Ok((world, events))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::run::{simulate, simulate_threads, Unobserved};

    /// Two streams (4 and 3 shards), a poller with two lanes and failures it bisects, and an
    /// enhanced fan-out reader; every function's provisioned environments cover all its shards.
    const MODEL: &str = r#"
        name = "t"
        duration = "4m"
        warmup = "1m"
        seed = 7
        [account]
        concurrency = 1000
        [streams.a]
        kind = "kinesis"
        shards = 4
        [streams.b]
        kind = "kinesis"
        shards = 3
        [producers.pa]
        stream = "a"
        rate = 300.0
        [producers.pb]
        stream = "b"
        rate = 90.0
        arrivals = "constant"
        [consumers.poll]
        stream = "a"
        parallelization_factor = 2
        bisect_on_error = true
        [consumers.poll.function]
        provisioned_concurrency = 8
        error_probability = 0.05
        [consumers.push]
        stream = "b"
        read = "efo"
        [consumers.push.function]
        provisioned_concurrency = 3
    "#;

    fn spec(text: &str, sets: &[&str]) -> ModelSpec {
        let file = crate::config::ModelFile::from_text(std::path::Path::new("t.toml"), text.into())
            .expect("valid model");
        let sets: Vec<_> = sets
            .iter()
            .map(|s| crate::config::Override::parse(s).unwrap())
            .collect();
        file.resolve(&sets).expect("valid overrides")
    }

    /// The report as `summary.json` shows it, without the machine's timings.
    fn stable(r: &crate::model::RunReport) -> serde_json::Value {
        let mut v = serde_json::to_value(r).unwrap();
        for k in ["wall_s", "events_per_s", "peak_rss_mb"] {
            v.as_object_mut().unwrap().remove(k);
        }
        v
    }

    #[test]
    fn any_number_of_threads_reports_what_one_thread_does() {
        let spec = spec(MODEL, &[]);
        let whole = simulate(&spec).unwrap();
        for threads in [2, 3, 7, 12] {
            let (r, used) = simulate_threads(&spec, None, &mut Unobserved, threads).unwrap();
            assert_eq!(used.used, threads.min(7), "{used:?}");
            assert_eq!(stable(&r), stable(&whole), "{threads} threads");
            assert_eq!(r.minutes, whole.minutes, "{threads} threads");
        }
    }

    #[test]
    fn groups_cover_every_shard_once_and_none_is_empty() {
        let spec = spec(MODEL, &[]);
        for n in 2..=7 {
            let masks = groups(&spec, n);
            assert_eq!(masks.len(), n);
            for (si, s) in spec.streams.iter().enumerate() {
                for sh in 0..s.shards as usize {
                    assert_eq!(masks.iter().filter(|m| m[si][sh]).count(), 1);
                }
            }
            assert!(masks.iter().all(|m| m.iter().flatten().any(|&x| x)));
        }
    }

    #[test]
    fn interacting_shards_keep_one_thread_and_say_why() {
        let cases: [(&[&str], &str); 2] = [
            (
                &["consumers.poll.function.provisioned_concurrency=7"],
                "warm execution environments",
            ),
            (
                &["account.concurrency=10"],
                "account concurrency limit can bind",
            ),
        ];
        for (sets, why) in cases {
            let e = groups_for(&spec(MODEL, sets), 2).unwrap_err().to_string();
            assert!(e.contains(why), "{sets:?}: {e}");
        }
        let router = MODEL.replace(
            "bisect_on_error = true",
            "bisect_on_error = true\nroutes = [{ stream = \"b\", share = 0.5 }]",
        );
        let e = groups_for(&spec(&router, &[]), 2).unwrap_err().to_string();
        assert!(e.contains("`poll` routes records"), "{e}");
        let one = "name = \"one\"\n[streams.s]\nkind = \"kinesis\"\nshards = 1\n";
        let e = groups_for(&spec(one, &[]), 2).unwrap_err().to_string();
        assert!(e.contains("single shard"), "{e}");
        assert_eq!(
            groups_for(&spec(MODEL, &[]), 1).unwrap_err(),
            Serial::OneThreadAsked
        );
        assert_eq!(groups_for(&spec(MODEL, &[]), 2).unwrap().len(), 2);
    }

    fn change(at: Nanos, consumer: u32, up: bool) -> BusyChange {
        BusyChange::new(at, consumer, up)
    }

    #[test]
    fn a_tie_that_could_decide_a_peak_is_refused() {
        let mut p = Peaks {
            executions: vec![1],
            level: vec![1, 1],
            peak: vec![1, 1],
            doubt: vec![0, 0],
        };
        // One group ends an invocation as another starts one, at the same nanosecond: one thread
        // sees a peak of 2 or of 1 depending on their order.
        p.merge(&[&[change(5, 0, false)], &[change(5, 0, true)]]);
        assert_eq!(p.level, [1, 1]);
        assert!(p.result().is_err());
        // A later, certain peak above it settles the question.
        p.merge(&[&[change(6, 0, true), change(7, 0, true)], &[]]);
        assert_eq!(p.result().unwrap(), (vec![3], 3));
    }

    #[test]
    fn changes_of_one_group_replay_in_its_order() {
        let mut p = Peaks {
            executions: vec![2, 1],
            level: vec![0; 3],
            peak: vec![0; 3],
            doubt: vec![0; 3],
        };
        let a = [change(1, 0, true), change(3, 0, false), change(3, 1, true)];
        let b = [change(2, 1, true), change(4, 1, false)];
        p.merge(&[&a, &b]);
        assert_eq!(p.level, [0, 1, 1]);
        assert_eq!(p.result().unwrap(), (vec![1, 2], 3));
    }
}
