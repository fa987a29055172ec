//! Bringing subscribers up: the control-plane calls a deployment makes, their account-wide rate
//! limits, and the client's retries (docs/model.md §14).
//!
//! Every consumer of the model is one **subscriber** (a consumer with `count = 10` is ten functions).
//! Subscribers start in groups of `group_size`: subscriber `i` starts at
//! `⌊i / group_size⌋ × start_interval`, and makes its calls one after the other:
//!
//! 1. Lambda `CreateFunction`;
//! 2. `describe_stream_calls` × Kinesis `DescribeStream` (Kinesis streams only);
//! 3. for enhanced fan-out, Kinesis `RegisterStreamConsumer`, then a wait until the consumer
//!    leaves CREATING;
//! 4. Lambda `CreateEventSourceMapping`, then a wait of `mapping_start` (drawn per mapping by
//!    [`mapping_starts`]) until the new mapping starts polling;
//! 5. for standard (shared) reads of a Kinesis stream, Kinesis `GetShardIterator` on each shard,
//!    where the new mapping starts reading. The subscriber is then **up**.
//!
//! Each API admits at most its limit of accepted calls in any sliding second (*t* − 1 s, *t*],
//! counted over the whole account (every subscriber of the model), except `GetShardIterator`,
//! whose limit is per shard, and `CreateEventSourceMapping`, which needs room both in its own
//! (undocumented) limit and in the Lambda one it shares with `CreateFunction` (a `ProvisionedThroughputExceededException` beyond it). A registration is also rejected
//! (`LimitExceededException`) while `max_creating_consumers` consumers are in CREATING. A rejected
//! call is **throttled**: it uses no budget, answers after the usual latency, and the client retries
//! it after a full-jitter exponential backoff. A call throttled `max_attempts` times fails its
//! subscriber, which stops there (a failed deploy).
//!
//! The model is pure and deterministic: the same spec and seed give the same [`Deployment`]. It knows
//! nothing of the data plane, which takes one thing from here: a consumer's readers first read
//! `mapping_start` after the start of the run ([`mapping_starts`], the same draw the deployment
//! waits), whatever else happens here.

use super::spec::{ControlPlaneSpec, ModelSpec, ReadMode, StreamKind};
use crate::engine::rng::{name_id, stream, SimRng};
use crate::engine::time::SEC;
use crate::engine::{self, Model, Nanos, Queue};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// A rate-limited control-plane API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// The Lambda control plane (CreateFunction, CreateEventSourceMapping, ...), one shared limit.
    Lambda,
    /// Kinesis DescribeStream.
    DescribeStream,
    /// Kinesis RegisterStreamConsumer.
    RegisterStreamConsumer,
    /// Kinesis GetShardIterator, limited per shard.
    GetShardIterator,
    /// Lambda CreateEventSourceMapping: its own limit, and the shared Lambda one.
    CreateEventSourceMapping,
}

impl Api {
    /// Every API, in report order.
    pub const ALL: [Api; 5] = [
        Api::Lambda,
        Api::DescribeStream,
        Api::RegisterStreamConsumer,
        Api::GetShardIterator,
        Api::CreateEventSourceMapping,
    ];

    /// The name used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Api::Lambda => "lambda",
            Api::DescribeStream => "describe_stream",
            Api::RegisterStreamConsumer => "register_stream_consumer",
            Api::GetShardIterator => "get_shard_iterator",
            Api::CreateEventSourceMapping => "create_event_source_mapping",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    fn limit(self, spec: &ControlPlaneSpec) -> u32 {
        match self {
            Api::Lambda => spec.lambda_calls_per_s,
            Api::DescribeStream => spec.describe_stream_calls_per_s,
            Api::RegisterStreamConsumer => spec.register_consumer_calls_per_s,
            Api::GetShardIterator => spec.get_shard_iterator_calls_per_s,
            Api::CreateEventSourceMapping => spec.create_mapping_calls_per_s,
        }
    }
}

/// One call a subscriber makes while it deploys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    CreateFunction,
    DescribeStream,
    RegisterStreamConsumer,
    CreateEventSourceMapping,
    /// On the given shard of the subscriber's stream.
    GetShardIterator(u32),
}

impl Step {
    /// The API whose limit the call counts against (a mapping's creation also counts against the
    /// shared Lambda limit).
    pub fn api(self) -> Api {
        match self {
            Step::CreateFunction => Api::Lambda,
            Step::CreateEventSourceMapping => Api::CreateEventSourceMapping,
            Step::DescribeStream => Api::DescribeStream,
            Step::RegisterStreamConsumer => Api::RegisterStreamConsumer,
            Step::GetShardIterator(_) => Api::GetShardIterator,
        }
    }
}

/// The calls one subscriber of a stream of `shards` shards makes, in order.
pub fn steps(spec: &ControlPlaneSpec, kind: StreamKind, read: ReadMode, shards: u32) -> Vec<Step> {
    let mut s = vec![Step::CreateFunction];
    if kind == StreamKind::Kinesis {
        s.extend((0..spec.describe_stream_calls).map(|_| Step::DescribeStream));
    }
    if read.registers_consumer() {
        s.push(Step::RegisterStreamConsumer);
    }
    s.push(Step::CreateEventSourceMapping);
    if kind == StreamKind::Kinesis && read.shares_call_budget() {
        s.extend((0..shards).map(Step::GetShardIterator));
    }
    s
}

/// One API's calls during the deployment.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ApiReport {
    pub api: String,
    /// Accepted calls allowed per sliding second.
    pub limit_per_s: u32,
    /// Calls made, retries included.
    pub attempts: u64,
    /// Calls rejected (rate exceeded, or too many consumers in CREATING).
    pub throttled: u64,
    /// Subscribers whose deployment this API stopped (a call throttled `max_attempts` times).
    pub failed: u64,
}

/// When each consumer's mapping starts polling, after its creation: one draw from
/// `mapping_start` per consumer (in model order), from a random stream of the model's seed and the
/// consumer's name, so the deployment and the data plane wait the same time. All zero when the
/// model does not simulate its deployment.
pub fn mapping_starts(model: &ModelSpec) -> Vec<Nanos> {
    let Some(spec) = &model.control_plane else {
        return vec![0; model.consumers.len()];
    };
    model
        .consumers
        .iter()
        .map(|c| {
            let mut rng = stream(model.seed, &[name_id("mapping-start"), name_id(&c.name)]);
            sample(&spec.mapping_start, &mut rng)
        })
        .collect()
}

/// What bringing the subscribers up took.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ControlPlaneReport {
    /// Subscribers deployed: one per consumer (after `count`).
    pub subscribers: u32,
    /// Subscribers whose every call succeeded.
    pub up: u32,
    /// Subscribers stopped by a call throttled `max_attempts` times (failed deploys).
    pub failed: u32,
    /// Time from the first start until the last subscriber was up or had failed.
    pub deploy_s: f64,
    /// Calls made and calls throttled, all APIs together.
    pub attempts: u64,
    pub throttled: u64,
    /// The most attempts any single call needed (1: nothing was retried).
    pub max_call_attempts: u32,
    /// The most stream consumers in CREATING at any moment.
    pub peak_creating: u32,
    /// Per API, in [`Api::ALL`] order.
    pub apis: Vec<ApiReport>,
}

/// One call attempt, for tests and timelines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallRecord {
    pub at: Nanos,
    pub subscriber: u32,
    pub step: Step,
    pub accepted: bool,
}

/// The whole outcome: the report, every attempt in time order, and for each registered consumer
/// the interval `[from, to)` it spent in CREATING.
#[derive(Clone, Debug, PartialEq)]
pub struct Deployment {
    pub report: ControlPlaneReport,
    pub calls: Vec<CallRecord>,
    pub creating: Vec<(Nanos, Nanos)>,
    /// When each subscriber (in consumer order) was up, `None` if it failed.
    pub up_at: Vec<Option<Nanos>>,
}

/// At most `limit` accepted calls in any sliding second (t − 1 s, t].
struct Window {
    limit: u32,
    accepted: VecDeque<Nanos>,
}

impl Window {
    /// Whether a call at `now` would be accepted (calls at or before `now − 1 s` no longer count).
    fn has_room(&mut self, now: Nanos) -> bool {
        while self.accepted.front().is_some_and(|&a| a + SEC <= now) {
            self.accepted.pop_front();
        }
        self.accepted.len() < self.limit as usize
    }
}

#[derive(Clone, Copy, Debug)]
enum Event {
    /// The subscriber makes its current call.
    Attempt(u32),
    /// The current call answers.
    Answer { sub: u32, accepted: bool },
    /// A registered consumer leaves CREATING.
    Active,
}

struct Subscriber {
    /// The stream it reads (the model's index).
    stream: usize,
    /// How long its mapping takes to start polling once created.
    mapping_start: Nanos,
    steps: Vec<Step>,
    step: usize,
    /// Attempts of the current call so far.
    attempts: u32,
    rng: SimRng,
    finished: Option<Nanos>,
    up: bool,
    /// The API whose call was throttled `max_attempts` times, for a failed subscriber.
    failed_at: Option<Api>,
}

struct Deployer<'a> {
    spec: &'a ControlPlaneSpec,
    subs: Vec<Subscriber>,
    windows: Vec<Window>,
    /// GetShardIterator's windows, per stream and shard.
    shard_windows: Vec<Vec<Window>>,
    creating: u32,
    peak_creating: u32,
    max_call_attempts: u32,
    calls: Vec<CallRecord>,
    creating_spans: Vec<(Nanos, Nanos)>,
}

impl Deployer<'_> {
    fn attempt(&mut self, now: Nanos, i: u32, queue: &mut Queue<Event>) {
        let sub = &mut self.subs[i as usize];
        let step = sub.steps[sub.step];
        sub.attempts += 1;
        self.max_call_attempts = self.max_call_attempts.max(sub.attempts);
        let latency = sample(&self.spec.call_latency, &mut sub.rng);
        let window = match step {
            Step::GetShardIterator(k) => &mut self.shard_windows[sub.stream][k as usize],
            _ => &mut self.windows[step.api().index()],
        };
        let registering = step == Step::RegisterStreamConsumer;
        let mut accepted = window.has_room(now)
            && !(registering && self.creating >= self.spec.max_creating_consumers);
        if step == Step::CreateEventSourceMapping {
            // The mapping's own limit and the shared Lambda one must both have room.
            let lambda = &mut self.windows[Api::Lambda.index()];
            accepted = accepted && lambda.has_room(now);
            if accepted {
                lambda.accepted.push_back(now);
            }
        }
        let window = match step {
            Step::GetShardIterator(k) => &mut self.shard_windows[sub.stream][k as usize],
            _ => &mut self.windows[step.api().index()],
        };
        self.calls.push(CallRecord {
            at: now,
            subscriber: i,
            step,
            accepted,
        });
        let mut answer = now.saturating_add(latency);
        if accepted {
            window.accepted.push_back(now);
            if registering {
                // The client waits until the consumer is ACTIVE (its DescribeStreamConsumer polling
                // is not modelled); `Active` is scheduled first so it runs first at equal times.
                let active = now.saturating_add(sample(&self.spec.consumer_creating, &mut sub.rng));
                self.creating += 1;
                self.peak_creating = self.peak_creating.max(self.creating);
                self.creating_spans.push((now, active));
                queue.schedule(active, Event::Active);
                answer = answer.max(active);
            }
        }
        queue.schedule(answer, Event::Answer { sub: i, accepted });
    }

    fn answer(&mut self, now: Nanos, i: u32, accepted: bool, queue: &mut Queue<Event>) {
        let spec = self.spec;
        let sub = &mut self.subs[i as usize];
        if accepted {
            // A new mapping makes its next call (or reads) only once it starts polling.
            let now = match sub.steps[sub.step] {
                Step::CreateEventSourceMapping => now.saturating_add(sub.mapping_start),
                _ => now,
            };
            sub.step += 1;
            sub.attempts = 0;
            if sub.step == sub.steps.len() {
                sub.finished = Some(now);
                sub.up = true;
            } else {
                queue.schedule(now, Event::Attempt(i));
            }
        } else if sub.attempts >= spec.max_attempts {
            sub.finished = Some(now);
            sub.failed_at = Some(sub.steps[sub.step].api());
        } else {
            let ceiling = spec
                .retry_base
                .saturating_mul(1u64 << (sub.attempts - 1).min(63))
                .min(spec.retry_cap);
            let wait = sub.rng.random_range(0..=ceiling);
            queue.schedule(now.saturating_add(wait), Event::Attempt(i));
        }
    }
}

impl Model for Deployer<'_> {
    type Event = Event;

    fn handle(&mut self, now: Nanos, event: Event, queue: &mut Queue<Event>) {
        match event {
            Event::Attempt(i) => self.attempt(now, i, queue),
            Event::Answer { sub, accepted } => self.answer(now, sub, accepted, queue),
            Event::Active => self.creating -= 1,
        }
    }
}

fn window(limit: u32) -> Window {
    Window {
        limit,
        accepted: VecDeque::new(),
    }
}

fn sample(d: &crate::dist::Dist, rng: &mut SimRng) -> Nanos {
    crate::dist::draw(d, rng)
}

/// Deploys every consumer of `model` under `spec`, each with its own random stream derived from the
/// model's seed and the consumer's name.
pub fn deploy(model: &ModelSpec, spec: &ControlPlaneSpec) -> Deployment {
    let mut queue = Queue::new();
    let starts = mapping_starts(model);
    let subs: Vec<Subscriber> = model
        .consumers
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let group = (i as u64) / u64::from(spec.group_size);
            queue.schedule(
                spec.start_interval.saturating_mul(group),
                Event::Attempt(i as u32),
            );
            let st = &model.streams[c.stream];
            Subscriber {
                stream: c.stream,
                mapping_start: starts[i],
                steps: steps(spec, st.kind, c.read, st.shards),
                step: 0,
                attempts: 0,
                rng: stream(model.seed, &[name_id("control-plane"), name_id(&c.name)]),
                finished: None,
                up: false,
                failed_at: None,
            }
        })
        .collect();
    let mut d = Deployer {
        spec,
        subs,
        windows: Api::ALL.iter().map(|a| window(a.limit(spec))).collect(),
        shard_windows: model
            .streams
            .iter()
            .map(|st| {
                (0..st.shards)
                    .map(|_| window(spec.get_shard_iterator_calls_per_s))
                    .collect()
            })
            .collect(),
        creating: 0,
        peak_creating: 0,
        max_call_attempts: 0,
        calls: Vec::new(),
        creating_spans: Vec::new(),
    };
    engine::run(&mut d, &mut queue, Nanos::MAX);
    let apis = Api::ALL
        .iter()
        .map(|&a| {
            let of_api = d.calls.iter().filter(|c| c.step.api() == a);
            ApiReport {
                api: a.label().to_string(),
                limit_per_s: a.limit(spec),
                attempts: of_api.clone().count() as u64,
                throttled: of_api.filter(|c| !c.accepted).count() as u64,
                failed: d.subs.iter().filter(|s| s.failed_at == Some(a)).count() as u64,
            }
        })
        .collect::<Vec<_>>();
    let last = d.subs.iter().filter_map(|s| s.finished).max().unwrap_or(0);
    let up = d.subs.iter().filter(|s| s.up).count() as u32;
    let report = ControlPlaneReport {
        subscribers: d.subs.len() as u32,
        up,
        failed: d.subs.len() as u32 - up,
        deploy_s: last as f64 / SEC as f64,
        attempts: apis.iter().map(|a| a.attempts).sum(),
        throttled: apis.iter().map(|a| a.throttled).sum(),
        max_call_attempts: d.max_call_attempts,
        peak_creating: d.peak_creating,
        apis,
    };
    Deployment {
        report,
        up_at: d.subs.iter().map(|s| s.finished.filter(|_| s.up)).collect(),
        calls: d.calls,
        creating: d.creating_spans,
    }
}

/// The control-plane report of `model`, or `None` when it does not simulate deployment.
pub fn report(model: &ModelSpec) -> Option<ControlPlaneReport> {
    model
        .control_plane
        .as_ref()
        .map(|spec| deploy(model, spec).report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::MS;

    fn model(text: &str) -> ModelSpec {
        crate::config::test_spec(text, &[])
    }

    #[test]
    fn a_window_forgets_calls_one_second_later() {
        let mut w = Window {
            limit: 2,
            accepted: VecDeque::from([0, 500 * MS]),
        };
        assert!(!w.has_room(999 * MS));
        assert!(
            w.has_room(SEC),
            "the call at 0 left the window (t - 1 s, t]"
        );
        w.accepted.push_back(SEC);
        assert!(!w.has_room(1_499 * MS));
    }

    #[test]
    fn steps_depend_on_the_stream_and_the_read_mode() {
        let s = crate::model::aws::control_plane();
        use Step::*;
        assert_eq!(
            steps(&s, StreamKind::Kinesis, ReadMode::Shared, 2),
            [
                CreateFunction,
                DescribeStream,
                DescribeStream,
                CreateEventSourceMapping,
                GetShardIterator(0),
                GetShardIterator(1)
            ]
        );
        assert_eq!(
            steps(&s, StreamKind::DynamoDbStreams, ReadMode::Shared, 2),
            [CreateFunction, CreateEventSourceMapping]
        );
        let none = ControlPlaneSpec {
            describe_stream_calls: 0,
            ..s
        };
        assert_eq!(
            steps(&none, StreamKind::Kinesis, ReadMode::Efo, 2),
            [
                CreateFunction,
                RegisterStreamConsumer,
                CreateEventSourceMapping
            ]
        );
    }

    #[test]
    fn retries_wait_within_the_full_jitter_ceiling() {
        let m = model(
            r#"
            [streams.s]
            kind = "kinesis"
            [consumers.fn]
            stream = "s"
            count = 40
            "#,
        );
        let spec = ControlPlaneSpec {
            retry_base: 200 * MS,
            retry_cap: SEC,
            max_attempts: 8,
            ..crate::model::aws::control_plane()
        };
        let d = deploy(&m, &spec);
        let mut retried = 0;
        for (i, c) in d.calls.iter().enumerate() {
            let next = d.calls[i + 1..]
                .iter()
                .find(|n| n.subscriber == c.subscriber);
            let (false, Some(next)) = (c.accepted, next) else {
                continue;
            };
            let k = d.calls[..=i]
                .iter()
                .rev()
                .take_while(|p| p.subscriber != c.subscriber || !p.accepted)
                .filter(|p| p.subscriber == c.subscriber)
                .count() as u32;
            let ceiling = ((200 * MS) << (k - 1)).min(SEC);
            let wait = next.at - c.at - 100 * MS;
            assert!(wait <= ceiling, "retry {k} waited {wait} ns");
            retried += 1;
        }
        assert!(retried > 10, "the case exercises retries");
        assert!(d.report.max_call_attempts > 2);
    }
}
