//! Bringing N subscribers up through the rate-limited control plane: below the documented
//! rates nothing is throttled, beyond them calls need more than one attempt, enhanced fan-out never
//! has more than five consumers in CREATING, and a small retry budget turns throttles into failed
//! deploys beyond some N.

use crate::common;

use sim::engine::time::{MS, SEC};
use sim::engine::Nanos;
use sim::model::control::{deploy, Api, Deployment, Step};
use sim::model::{simulate, ModelSpec};

/// A Kinesis stream read by `count` functions. The documented limits alone: mappings start
/// polling at once and have no limit of their own beyond the shared Lambda one (the tests at the
/// end set both).
const MODEL: &str = r#"
duration = "1m"
warmup = "0s"
[streams.events]
kind = "kinesis"
shards = 2
[producers.p]
stream = "events"
rate = 10.0
[consumers.fn]
stream = "events"
count = 3
[control_plane]
mapping_start = "0s"
create_mapping_calls_per_s = 15
"#;

fn spec(sets: &[&str]) -> ModelSpec {
    common::spec(MODEL, sets)
}

fn deployed(sets: &[&str]) -> Deployment {
    let s = spec(sets);
    deploy(&s, s.control_plane.as_ref().expect("deployment simulated"))
}

/// The most intervals `[from, to)` open at once.
fn max_overlap(spans: &[(Nanos, Nanos)]) -> usize {
    let mut edges: Vec<(Nanos, i32)> = spans.iter().flat_map(|&(a, b)| [(a, 1), (b, -1)]).collect();
    // At equal times, a consumer leaving CREATING frees its place before another enters.
    edges.sort();
    let mut open = 0i32;
    let mut most = 0;
    for (_, d) in edges {
        open += d;
        most = most.max(open);
    }
    most as usize
}

/// The most accepted calls of `api` in any sliding second (t − 1 s, t], recounted from the trace.
fn busiest_second(d: &Deployment, api: Api) -> usize {
    let times: Vec<Nanos> = d
        .calls
        .iter()
        .filter(|c| c.accepted && c.step.api() == api)
        .map(|c| c.at)
        .collect();
    (0..times.len())
        .map(|j| times[..=j].iter().filter(|&&t| t + SEC > times[j]).count())
        .max()
        .unwrap_or(0)
}

#[test]
fn below_the_documented_rates_every_call_succeeds_at_once() {
    // 3 functions: 6 Lambda calls (limit 15/s), 6 DescribeStream calls (10/s), 3 GetShardIterator
    // calls on each of the 2 shards (5/s per shard).
    let d = deployed(&[]);
    let r = &d.report;
    assert_eq!((r.subscribers, r.up, r.failed), (3, 3, 0));
    assert_eq!(r.throttled, 0);
    assert_eq!(r.max_call_attempts, 1);
    assert_eq!(
        r.attempts,
        3 * 6,
        "CreateFunction, 2 DescribeStream, CreateEventSourceMapping, 2 GetShardIterator"
    );
    // Six calls of 100 ms one after the other.
    assert_eq!(r.deploy_s, 0.6);
    // With enhanced fan-out, a registration and 30 s in CREATING come before the mapping.
    let efo = deployed(&["consumers.fn.read=efo"]).report;
    assert_eq!((efo.up, efo.throttled, efo.max_call_attempts), (3, 0, 1));
    assert!((efo.deploy_s - 30.4).abs() < 1e-9, "{}", efo.deploy_s);
    assert_eq!(efo.peak_creating, 3);
}

#[test]
fn beyond_the_documented_rates_calls_need_more_than_one_attempt() {
    let lambda = deployed(&["consumers.fn.count=30"]).report;
    assert!(lambda.throttled > 0, "{lambda:?}");
    assert!(lambda.max_call_attempts > 1, "{lambda:?}");
    let throttled = |api: &str| lambda.apis.iter().find(|a| a.api == api).unwrap().throttled;
    assert!(throttled("lambda") > 0 && throttled("describe_stream") > 0);
    assert_eq!(throttled("register_stream_consumer"), 0, "no EFO consumers");
    // Twenty EFO consumers: more than five registrations wait for a CREATING place.
    let efo = deployed(&["consumers.fn.count=20", "consumers.fn.read=efo"]).report;
    let register = efo
        .apis
        .iter()
        .find(|a| a.api == "register_stream_consumer")
        .unwrap();
    assert!(
        register.throttled > 0 && efo.max_call_attempts > 1,
        "{efo:?}"
    );
}

#[test]
fn enhanced_fan_out_never_has_more_than_five_consumers_creating() {
    // Enough retries that all twenty get through, five at a time.
    let d = deployed(&[
        "consumers.fn.count=20",
        "consumers.fn.read=efo",
        "control_plane.retry.max_attempts=50",
    ]);
    assert_eq!(d.creating.len(), 20, "every consumer registered once");
    assert_eq!(
        max_overlap(&d.creating),
        5,
        "the limit is reached, never passed"
    );
    assert_eq!(d.report.peak_creating, 5);
    assert_eq!((d.report.up, d.report.failed), (20, 0));
    // Four rounds of five, each 30 s in CREATING.
    assert!(d.report.deploy_s >= 120.0, "{}", d.report.deploy_s);
    for (api, limit) in [
        (Api::Lambda, 15),
        (Api::DescribeStream, 10),
        (Api::RegisterStreamConsumer, 5),
    ] {
        assert!(busiest_second(&d, api) <= limit, "{api:?} over its rate");
    }
}

#[test]
fn a_small_retry_budget_fails_deploys_beyond_some_subscriber_count_only() {
    let failed = |n: u32, seed: u64, extra: &[&str]| {
        let count = format!("consumers.fn.count={n}");
        let seed = format!("seed={seed}");
        let mut sets = vec![count.as_str(), seed.as_str()];
        sets.extend_from_slice(extra);
        deployed(&sets).report.failed
    };
    // Without retries the threshold is exact: n CreateFunction calls at 0 and n mappings at 100 ms
    // share the Lambda budget of 15 per second, so 7 fit and the 8th mapping is refused.
    let once = [
        "control_plane.retry.max_attempts=1",
        "control_plane.describe_stream_calls=0",
        "control_plane.get_shard_iterator_calls_per_s=1000",
    ];
    assert_eq!(failed(7, 1, &once), 0);
    assert_eq!(failed(8, 1, &once), 1);
    assert_eq!(
        failed(16, 1, &once),
        16,
        "CreateFunction fails the 16th, mappings the rest"
    );
    // With the SDK's three attempts: none fail at five subscribers, some at thirty, for every seed.
    for seed in 1..=8 {
        assert_eq!(failed(5, seed, &[]), 0, "seed {seed}");
        assert!(failed(30, seed, &[]) > 0, "seed {seed}");
    }
    // A patient client brings all thirty up, throttled but not failed.
    let patient = deployed(&[
        "consumers.fn.count=30",
        "control_plane.retry.max_attempts=20",
    ])
    .report;
    assert_eq!(patient.failed, 0);
    assert!(patient.throttled > 0);
}

#[test]
fn staggered_starts_avoid_the_throttles() {
    let burst = deployed(&["consumers.fn.count=30"]).report;
    let staggered = deployed(&[
        "consumers.fn.count=30",
        "control_plane.start_interval=250ms",
    ])
    .report;
    assert!(burst.throttled > 0);
    assert_eq!((staggered.throttled, staggered.failed), (0, 0));
    // The last subscriber starts at 29 × 250 ms and needs six calls of 100 ms.
    assert_eq!(
        staggered.deploy_s,
        (29 * 250 * MS + 600 * MS) as f64 / SEC as f64
    );
}

#[test]
fn get_shard_iterator_admits_five_new_mappings_per_shard_per_second() {
    // Without retries, n mappings made at 100 ms ask each shard for an iterator at 200 ms (shard 0)
    // and 300 ms (shard 1): five fit each shard's 5 per second, the sixth is refused.
    let failed = |n: u32| {
        let count = format!("consumers.fn.count={n}");
        let d = deployed(&[
            count.as_str(),
            "control_plane.retry.max_attempts=1",
            "control_plane.describe_stream_calls=0",
        ]);
        let api = d.report.apis.iter().find(|a| a.api == "get_shard_iterator");
        (d.report.failed, api.unwrap().failed)
    };
    assert_eq!(failed(5), (0, 0));
    assert_eq!(failed(6), (1, 1));
    // Enhanced fan-out mappings subscribe to their shards and ask for no iterator.
    let efo = deployed(&["consumers.fn.count=20", "consumers.fn.read=efo"]).report;
    let gsi = efo
        .apis
        .iter()
        .find(|a| a.api == "get_shard_iterator")
        .unwrap();
    assert_eq!(gsi.attempts, 0, "enhanced fan-out subscribes instead");
}

#[test]
fn subscribers_deployed_in_paced_groups_start_together_and_all_come_up() {
    let d = deployed(&[
        "consumers.fn.count=30",
        "control_plane.group_size=5",
        "control_plane.start_interval=30s",
    ]);
    for c in d.calls.iter().filter(|c| c.step == Step::CreateFunction) {
        assert_eq!(c.at, u64::from(c.subscriber / 5) * 30 * SEC, "{c:?}");
    }
    assert_eq!(
        (d.report.up, d.report.failed, d.report.throttled),
        (30, 0, 0)
    );
    let burst = deployed(&["consumers.fn.count=30"]).report;
    assert!(burst.failed > 0, "all at once, some fail: {burst:?}");
}

#[test]
fn the_same_seed_gives_the_same_deployment() {
    let sets = ["consumers.fn.count=20", "consumers.fn.read=efo"];
    assert_eq!(deployed(&sets), deployed(&sets));
    let other = deployed(&["consumers.fn.count=20", "consumers.fn.read=efo", "seed=2"]);
    assert_ne!(
        deployed(&sets).calls,
        other.calls,
        "the seed drives the jitter"
    );
    // The report of a whole run carries the same numbers.
    let s = spec(&sets);
    let run = simulate(&s).unwrap();
    assert_eq!(run.control_plane, Some(deployed(&sets).report));
}

#[test]
fn deploy_false_leaves_the_report_without_a_control_plane() {
    let s = spec(&["control_plane.deploy=false"]);
    assert!(s.control_plane.is_none());
    let run = simulate(&spec(&["control_plane.deploy=false", "duration=10s"])).unwrap();
    assert!(run.control_plane.is_none());
    let json = serde_json::to_value(&run).unwrap();
    assert!(json.get("control_plane").is_none());
}

#[test]
fn a_new_mapping_asks_for_its_iterators_only_once_it_starts_polling() {
    // As below the documented rates, but each mapping waits 10 s after its creation before its
    // poller asks each shard for an iterator: every subscriber is up 10 s later.
    let d = deployed(&["control_plane.mapping_start=10s"]);
    assert_eq!((d.report.up, d.report.throttled), (3, 0));
    assert!(
        (d.report.deploy_s - 10.6).abs() < 1e-9,
        "{}",
        d.report.deploy_s
    );
    for sub in 0..3 {
        let of = |step: Step| {
            d.calls
                .iter()
                .find(|c| c.subscriber == sub && c.step == step)
                .unwrap()
                .at
        };
        assert_eq!(
            of(Step::GetShardIterator(0)) - of(Step::CreateEventSourceMapping),
            10 * SEC + 100 * MS,
            "the call's answer, then the mapping's start"
        );
    }
}

/// `n` functions on a DynamoDB stream: each deploys with a `CreateFunction` and a
/// `CreateEventSourceMapping` only, the Lambda budget never binds, and a throttled call is retried
/// as soon as it answers (a wait ceiling of 0).
fn mapping_limited(n: u32, per_s: u32) -> Deployment {
    let s = common::spec(
        r#"
        duration = "1m"
        [streams.t]
        kind = "dynamodb-streams"
        [producers.p]
        stream = "t"
        rate = 1.0
        [consumers.fn]
        stream = "t"
        [control_plane]
        lambda_calls_per_s = 1000
        mapping_start = "30s"
        retry = { base = "0s", cap = "0s", max_attempts = 100 }
        "#,
        &[
            &format!("consumers.fn.count={n}"),
            &format!("control_plane.create_mapping_calls_per_s={per_s}"),
        ],
    );
    deploy(&s, s.control_plane.as_ref().unwrap())
}

#[test]
fn throttled_mapping_creations_are_retried_and_each_later_mapping_starts_a_second_later() {
    // Every CreateFunction answers at 100 ms; the mappings are asked for together then. With room
    // for one creation per sliding second, the k-th mapping (from 0) is retried every 100 ms until
    // the second after the previous one's: created at 100 ms + k s, up 100 ms + 30 s after that.
    let d = mapping_limited(4, 1);
    assert_eq!((d.report.up, d.report.failed), (4, 0));
    let mut up: Vec<Nanos> = d.up_at.iter().map(|t| t.unwrap()).collect();
    up.sort();
    for (k, &t) in up.iter().enumerate() {
        assert_eq!(t, 200 * MS + 30 * SEC + k as u64 * SEC, "mapping {k}");
    }
    let api = d
        .report
        .apis
        .iter()
        .find(|a| a.api == "create_event_source_mapping")
        .unwrap();
    // Mapping k is refused at 100 ms, 200 ms, ..., k s: 10 k refusals.
    assert_eq!(api.throttled, 10 + 20 + 30);
    assert_eq!(api.attempts, 4 + 60);
    let lambda = d.report.apis.iter().find(|a| a.api == "lambda").unwrap();
    assert_eq!((lambda.attempts, lambda.throttled), (4, 0));
    // Room for all four: every mapping is created at 100 ms and up 30.2 s in.
    let free = mapping_limited(4, 4);
    assert!(free.up_at.iter().all(|&t| t == Some(200 * MS + 30 * SEC)));
    assert_eq!(free.report.throttled, 0);
}

#[test]
fn a_mapping_creation_needs_room_in_the_shared_lambda_limit_too() {
    // Twenty mappings with a limit of their own of 1000 per second still share the Lambda 15.
    let d = deployed(&[
        "consumers.fn.count=20",
        "control_plane.create_mapping_calls_per_s=1000",
        "control_plane.describe_stream_calls=0",
        "control_plane.retry.max_attempts=1",
    ]);
    let lambda_second = d
        .calls
        .iter()
        .filter(|c| {
            c.accepted
                && matches!(
                    c.step,
                    Step::CreateFunction | Step::CreateEventSourceMapping
                )
        })
        .filter(|c| c.at < SEC)
        .count();
    assert_eq!(
        lambda_second, 15,
        "CreateFunction and the mappings share 15 per second"
    );
}

#[test]
fn a_model_without_a_control_plane_table_simulates_no_deployment_and_reads_at_once() {
    let bare = MODEL.split("[control_plane]").next().unwrap();
    let s = common::spec(bare, &[]);
    assert!(s.control_plane.is_none(), "no table, no deployment");
    assert!(sim::model::control::mapping_starts(&s)
        .iter()
        .all(|&t| t == 0));
    // A `--set` into the table is a table: the deployment runs with every default.
    let on = common::spec(bare, &["control_plane.deploy=true"]);
    let cp = on.control_plane.as_ref().expect("simulated");
    assert_eq!(cp.mapping_start.mean(), (60 * SEC) as f64);
    assert!(sim::model::control::mapping_starts(&on)
        .iter()
        .all(|&t| t == 60 * SEC));
}
