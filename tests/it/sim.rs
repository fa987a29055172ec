//! Integration tests of the simulation core: closed-form queueing results, the seeds' observations,
//! conservation and determinism. Every run below also checks conservation inside `simulate`.

use crate::common;

use common::run;
use sim::config::{ModelFile, Override};
use sim::model::{simulate, RunReport};

/// Mean and 95% confidence half-width of the per-minute IteratorAge averages (batch means).
fn minute_mean_ci(report: &RunReport, consumer: &str) -> (f64, f64) {
    let xs: Vec<f64> = report
        .minutes
        .rows()
        .filter(|m| m.consumer == consumer && m.samples > 0)
        .map(|m| m.iterator_age_avg_ms)
        .collect();
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, 1.96 * (var / n).sqrt())
}

/// One shard, one EFO consumer with no propagation delay, batch size 1: a single-server queue.
const QUEUE: &str = r#"
duration = "10h"
warmup = "10m"
seed = 11
[streams.s]
kind = "kinesis"
shards = 1
efo = { propagation = "0", renewal_gap = "0", bytes_per_s = "100MiB" }
[producers.p]
stream = "s"
rate = 5.0
record_size = 100
[consumers.q]
stream = "s"
read = "efo"
batch_size = 1
function = { duration = "100ms", cold_start = "0", timeout = "60s" }
"#;

#[test]
fn md1_waiting_time_matches_pollaczek_khinchine() {
    // lambda = 5/s, service 100 ms: rho = 0.5, Wq = rho / (2 mu (1 - rho)) = 50 ms.
    let r = run(QUEUE, &[]);
    let (mean, ci) = minute_mean_ci(&r, "q");
    assert!(
        (mean - 50.0).abs() <= ci.max(1.0) * 1.5,
        "M/D/1 Wq: {mean} +- {ci} ms, expected 50"
    );
    let e2e = r.consumers[0].end_to_end_ms_mean;
    assert!((e2e - 150.0).abs() < 5.0, "sojourn {e2e} ms, expected 150");
}

#[test]
fn mm1_waiting_time_matches_the_closed_form() {
    // Exponential service, mean 100 ms: Wq = rho / (mu - lambda) = 0.5 / 5 s = 100 ms.
    let r = run(
        QUEUE,
        &[r#"consumers.q.function.duration={ kind = "exponential", mean = "100ms" }"#],
    );
    let (mean, ci) = minute_mean_ci(&r, "q");
    assert!(
        (mean - 100.0).abs() <= ci * 1.5,
        "M/M/1 Wq: {mean} +- {ci} ms, expected 100"
    );
    let e2e = r.consumers[0].end_to_end_ms_mean;
    assert!((e2e - 200.0).abs() < 10.0, "sojourn {e2e} ms, expected 200");
}

/// The queue model written every 10 ms exactly, with a 1 ms function and batches of up to 100:
/// every push finds the function free.
const EVENTS: [&str; 6] = [
    "duration=\"1h\"",
    "warmup=\"1m\"",
    "producers.p.rate=100.0",
    "producers.p.arrivals=\"constant\"",
    "consumers.q.batch_size=100",
    "consumers.q.function.duration=\"1ms\"",
];

/// Mean delivery latency (ms) and records per invocation of the queue model under [`EVENTS`]
/// and `more`.
fn latency_and_batch(more: &[&str]) -> (f64, f64) {
    let sets: Vec<&str> = EVENTS.iter().chain(more).copied().collect();
    let r = run(QUEUE, &sets);
    let c = &r.consumers[0];
    (
        c.delivery_latency_ms,
        c.records_processed as f64 / c.invocations as f64,
    )
}

#[test]
fn with_no_event_gap_each_record_is_pushed_and_invoked_alone_at_once() {
    let (latency, per_invocation) = latency_and_batch(&[]);
    assert!(latency.abs() < 1e-6, "latency {latency} ms");
    assert!((per_invocation - 1.0).abs() < 1e-9, "{per_invocation}");
}

#[test]
fn an_event_gap_of_five_arrivals_pushes_five_records_at_a_time() {
    // Pushes 50 ms apart each carry the records written 40, 30, 20, 10 and 0 ms before: 20 ms on
    // average.
    let (latency, per_invocation) = latency_and_batch(&["streams.s.efo.event_gap=\"50ms\""]);
    assert!((latency - 20.0).abs() < 0.05, "latency {latency} ms");
    assert!((per_invocation - 5.0).abs() < 0.01, "{per_invocation}");
}

#[test]
fn a_batching_window_still_ends_on_time_between_events() {
    // The 20 ms window that opens at each push ends before the next one: each batch of five waits
    // 20 ms more than without the window.
    let (latency, per_invocation) = latency_and_batch(&[
        "streams.s.efo.event_gap=\"50ms\"",
        "consumers.q.batching_window=\"20ms\"",
    ]);
    assert!((latency - 40.0).abs() < 0.05, "latency {latency} ms");
    assert!((per_invocation - 5.0).abs() < 0.01, "{per_invocation}");
}

#[test]
fn an_event_gap_as_long_as_the_subscription_is_refused_by_key() {
    let path = std::path::Path::new("queue.toml");
    let err = ModelFile::from_text(path, QUEUE.to_string())
        .unwrap()
        .resolve(&[Override::parse("streams.s.efo.event_gap=\"5m\"").unwrap()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("event_gap"), "{err}");
    assert!(err.contains("renewal period"), "{err}");
}

/// A single shared poller with instant processing, polling every second.
const POLLER: &str = r#"
duration = "5h"
warmup = "1m"
seed = 5
[streams.s]
kind = "kinesis"
shards = 1
[producers.p]
stream = "s"
rate = 2.0
[consumers.c]
stream = "s"
idle_poll_interval = "1s"
min_call_interval = "0"
function = { duration = "0", cold_start = "0" }
"#;

#[test]
fn a_periodic_poller_waits_half_its_period_per_record() {
    let r = run(POLLER, &[]);
    let c = &r.consumers[0];
    assert!(
        (c.delivery_latency_ms - 500.0).abs() < 10.0,
        "mean wait {} ms",
        c.delivery_latency_ms
    );
    // Age of the last record of a non-empty batch: E[min(Exp(l), T) | < T] with l = 2/s, T = 1 s.
    let (l, t) = (2.0f64, 1.0f64);
    let p = 1.0 - (-l * t).exp();
    let expected_ms = 1000.0 * (1.0 / l - t * (-l * t).exp() / p);
    let (mean, ci) = minute_mean_ci(&r, "c");
    assert!(
        (mean - expected_ms).abs() <= ci * 1.5 + 2.0,
        "age {mean} +- {ci}, expected {expected_ms}"
    );
    assert_eq!(c.throttled_reads, 0);
}

fn idle_readers(kind: &str, n: usize) -> RunReport {
    let text = format!(
        r#"
duration = "30m"
warmup = "1m"
[streams.s]
kind = "{kind}"
shards = 1
[consumers.fn]
stream = "s"
count = {n}
"#
    );
    run(&text, &[])
}

#[test]
fn up_to_five_idle_kinesis_readers_are_never_throttled() {
    for n in 1..=5 {
        let r = idle_readers("kinesis", n);
        assert_eq!(r.streams[0].throttled_reads, 0, "{n} readers");
    }
}

#[test]
fn kinesis_throttles_grow_roughly_linearly_past_five_readers() {
    let counts: Vec<f64> = (6..=12)
        .map(|n| idle_readers("kinesis", n).streams[0].throttled_reads_per_min)
        .collect();
    assert!(counts.iter().all(|&c| c > 0.0), "{counts:?}");
    assert!(
        counts.windows(2).all(|w| w[1] > w[0]),
        "not increasing: {counts:?}"
    );
    // Linear: increments stay within a factor of three of the mean increment.
    let incs: Vec<f64> = counts.windows(2).map(|w| w[1] - w[0]).collect();
    let mean = incs.iter().sum::<f64>() / incs.len() as f64;
    assert!(
        incs.iter().all(|&d| d > mean / 3.0 && d < mean * 3.0),
        "increments {incs:?}"
    );
}

#[test]
fn two_dynamodb_readers_are_fine_and_three_are_throttled() {
    for n in 1..=2 {
        assert_eq!(
            idle_readers("dynamodb-streams", n).streams[0].throttled_reads,
            0
        );
    }
    for n in 3..=5 {
        assert!(idle_readers("dynamodb-streams", n).streams[0].throttled_reads > 0);
    }
}

const BUSY_DDB: &str = r#"
duration = "1h"
warmup = "5m"
seed = 3
[streams.t]
kind = "dynamodb-streams"
shards = 2
[producers.p]
stream = "t"
rate = 40.0
[consumers.fn]
stream = "t"
count = 2
function = { duration = { kind = "lognormal", median = "60ms", p99 = "600ms" }, timeout = "60s" }
"#;

#[test]
fn two_busy_dynamodb_readers_are_not_throttled_but_a_third_is_and_ages_rise() {
    let two = run(BUSY_DDB, &[]);
    assert_eq!(two.streams[0].throttled_reads, 0);
    let three = run(BUSY_DDB, &["consumers.fn.count=3"]);
    assert!(three.streams[0].throttled_reads > 0);
    let age = |r: &RunReport| {
        r.consumers
            .iter()
            .map(|c| c.iterator_age_ms.minute_avg)
            .sum::<f64>()
            / r.consumers.len() as f64
    };
    assert!(age(&three) > age(&two), "{} vs {}", age(&three), age(&two));
}

#[test]
fn errors_raise_iterator_age_and_produce_duplicates() {
    let clean = run(BUSY_DDB, &[]);
    let faulty = run(BUSY_DDB, &["consumers.fn.function.error_probability=0.2"]);
    let c0 = &clean.consumers[0];
    let c1 = &faulty.consumers[0];
    assert_eq!(c0.duplicates, 0);
    assert!(c1.errors > 0 && c1.duplicates > 0 && c1.retries > 0);
    assert!(c1.iterator_age_ms.mean > c0.iterator_age_ms.mean);
    assert_eq!(c1.records_discarded, 0, "unlimited retries never discard");
}

const POISON: &str = r#"
duration = "3h"
warmup = "1m"
seed = 9
[streams.t]
kind = "dynamodb-streams"
shards = 1
retention = "1h"
[producers.p]
stream = "t"
rate = 10.0
arrivals = "constant"
[consumers.fn]
stream = "t"
batch_size = 1000
batching_window = "60s"
function = { duration = "20ms", per_record = "1ms", poison = [{ shard = 0, at = "10m" }] }
"#;

#[test]
fn a_poison_record_blocks_its_shard_until_its_records_expire() {
    let r = run(POISON, &[]);
    let c = &r.consumers[0];
    // The batch holding the poison record (up to a minute of records written with it) is retried
    // until its records outlive retention, then lost together; the shard is blocked meanwhile.
    assert!(
        c.records_expired > 100 && c.records_expired <= 1000,
        "expired {}",
        c.records_expired
    );
    assert_eq!(c.records_discarded, 0);
    let max_age_s = c.iterator_age_ms.max / 1000.0;
    assert!(
        max_age_s > 3300.0 && max_age_s <= 3600.0,
        "blocked for {max_age_s} s"
    );
    // Processing resumes afterwards: nothing is left behind at the end.
    assert!(
        c.records_unread + c.records_in_flight < 1000,
        "{} left",
        c.records_unread
    );
    assert!(c.errors > 1000, "retried for an hour: {} errors", c.errors);
}

#[test]
fn a_poison_record_with_a_retry_limit_is_discarded_instead() {
    let r = run(POISON, &["consumers.fn.max_retry_attempts=2"]);
    let c = &r.consumers[0];
    assert_eq!(c.records_expired, 0);
    assert!(c.records_discarded > 0 && c.records_discarded <= 1000);
    assert_eq!(c.errors, 3);
}

#[test]
fn bisecting_isolates_the_poison_record() {
    let r = run(
        POISON,
        &[
            "consumers.fn.max_retry_attempts=0",
            "consumers.fn.bisect_on_error=true",
        ],
    );
    let c = &r.consumers[0];
    assert_eq!(
        c.records_discarded, 1,
        "only the poison record is discarded"
    );
    assert!(c.duplicates > 0);
}

const EVERYTHING: &str = r#"
duration = "2h"
warmup = "5m"
seed = 21
[streams.k]
kind = "kinesis"
shards = 3
retention = "20m"
record_chunk = "10ms"
[producers.burst]
stream = "k"
rate = 300.0
keys = { kind = "zipf", keys = 50, exponent = 1.2 }
profile = { kind = "on-off", on = { kind = "exponential", mean = "2m" }, off = "5m", high = 4.0, low = 0.5 }
record_size = { kind = "uniform", min = "200B", max = "4KiB" }
[producers.steady]
stream = "k"
rate = 50.0
arrivals = "constant"
[consumers.slow]
stream = "k"
count = 7
parallelization_factor = 3
batching_window = "2s"
batch_size = 500
bisect_on_error = true
max_retry_attempts = 3
max_record_age = "15m"
retry_delay = "1s"
function = { duration = { kind = "lognormal", median = "300ms", p99 = "5s" }, per_record = "2ms", error_probability = 0.05, timeout = "10s", poison = [{ shard = 1, at = "30m" }] }
[consumers.push]
stream = "k"
read = "efo"
count = 2
function = { duration = "50ms", fanout = [{ name = "a", duration = "20ms", error_probability = 0.1 }, { name = "b", duration = { kind = "exponential", mean = "80ms" } }] }
"#;

#[test]
fn records_are_conserved_with_every_mechanism_on() {
    let r = run(EVERYTHING, &[]);
    let written = r.streams[0].records_written;
    assert!(written > 100_000);
    for c in &r.consumers {
        let sum = c.records_processed
            + c.records_in_flight
            + c.records_unread
            + c.records_discarded
            + c.records_expired;
        assert_eq!(sum, written, "{}", c.name);
    }
    let total =
        |f: fn(&sim::model::report::ConsumerReport) -> u64| r.consumers.iter().map(f).sum::<u64>();
    assert!(total(|c| c.records_expired) > 0);
    assert!(total(|c| c.records_discarded) > 0);
    assert!(total(|c| c.duplicates) > 0);
    assert!(r.streams[0].throttled_reads > 0);
}

fn stable_json(r: &RunReport) -> String {
    let mut v = serde_json::to_value(r).unwrap();
    v["wall_s"] = 0.into();
    v["events_per_s"] = 0.into();
    v.to_string()
}

#[test]
fn the_same_seed_gives_identical_results() {
    let a = run(EVERYTHING, &[]);
    let b = run(EVERYTHING, &[]);
    assert_eq!(stable_json(&a), stable_json(&b));
    assert_eq!(
        sim::output::run::timeseries_csv(&a.minutes),
        sim::output::run::timeseries_csv(&b.minutes)
    );
    let c = run(EVERYTHING, &["seed=22"]);
    assert_ne!(stable_json(&a), stable_json(&c));
}

#[test]
fn adding_an_efo_consumer_does_not_change_another_consumers_draws() {
    let one = run(QUEUE, &["duration=\"1h\""]);
    let two = run(
        QUEUE,
        &[
            "duration=\"1h\"",
            "consumers.other.stream=s",
            "consumers.other.read=efo",
        ],
    );
    let q1 = serde_json::to_string(&one.consumers[0]).unwrap();
    let q2 = serde_json::to_string(two.consumers.iter().find(|c| c.name == "q").unwrap()).unwrap();
    assert_eq!(q1, q2);
}

#[test]
fn forecasts_are_generous_for_every_shipped_model() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let spec = ModelFile::open(&path)
            .unwrap()
            .resolve(&[
                Override::parse("duration=\"3m\"").unwrap(),
                Override::parse("warmup=\"1m\"").unwrap(),
            ])
            .unwrap();
        let est = sim::model::estimate::estimate(&spec).events;
        let real = simulate(&spec).unwrap().events as f64;
        assert!(
            est >= real && est < 20.0 * real,
            "{}: forecast {est} for {real} events",
            path.display()
        );
    }
}

/// Regression: in aggregate mode, a record `ts_of` called readable was not counted readable by
/// the time lookup, and an idle EFO lane rescheduled its push at the same instant forever.
#[test]
fn aggregate_chunks_with_parallel_efo_lanes_finish() {
    let text = r#"
duration = "3m"
warmup = "1m"
seed = 306
[streams.s]
kind = "kinesis"
shards = 1
record_chunk = "500ms"
[producers.p]
stream = "s"
rate = 20.7
[consumers.c]
stream = "s"
count = 2
read = "efo"
batch_size = 1
batching_window = "2s"
parallelization_factor = 2
function = { duration = { kind = "exponential", mean = "72ms" }, error_probability = 0.3 }
"#;
    let r = run(text, &[]);
    assert!(r.consumers.iter().all(|c| c.records_processed > 0));
}

/// 100 shards, one busy function with parallelization factor 10: up to 1,000 concurrent batches.
const CONCURRENCY: &str = r#"
duration = "10m"
warmup = "2m"
seed = 5
[streams.s]
kind = "kinesis"
shards = 100
[producers.p]
stream = "s"
rate = 20000.0
record_size = 100
[consumers.a]
stream = "s"
batch_size = 10
parallelization_factor = 10
function = { duration = "2s", cold_start = "0", timeout = "60s" }
"#;

#[test]
fn shards_times_parallelization_fill_the_account_limit_and_a_second_function_is_throttled() {
    // Alone, the function needs 100 x 10 = 1,000 executions: exactly the default account limit.
    let alone = run(CONCURRENCY, &[]);
    assert_eq!(alone.account.concurrency_limit, 1000);
    assert_eq!(alone.account.peak_concurrency, 1000);
    assert_eq!(alone.account.throttled_invocations, 0);
    // A second function on the same account: together they need 2,000, so invocations are rejected
    // and the rejected batches wait, raising IteratorAge.
    let text = format!("{CONCURRENCY}\n[consumers.b]\nstream = \"s\"\nbatch_size = 10\nparallelization_factor = 10\nfunction = {{ duration = \"2s\", cold_start = \"0\", timeout = \"60s\" }}\n");
    let both = run(&text, &[]);
    assert_eq!(both.account.peak_concurrency, 1000);
    assert!(both.account.throttled_invocations > 0);
    let throttled: u64 = both.consumers.iter().map(|c| c.throttled_invocations).sum();
    assert_eq!(throttled, both.account.throttled_invocations);
    // At 70% of one function's capacity (5,000 records/s), alone it keeps up; two such functions
    // need about 1,400 executions, so rejected batches wait and IteratorAge rises.
    let age = |r: &RunReport| r.consumers[0].iterator_age_ms.mean;
    let (alone, both) = (
        run(CONCURRENCY, &["producers.p.rate=3500"]),
        run(&text, &["producers.p.rate=3500"]),
    );
    assert_eq!(alone.account.throttled_invocations, 0);
    assert!(
        age(&both) > 3.0 * age(&alone),
        "IteratorAge alone {} ms, sharing the account {} ms",
        age(&alone),
        age(&both)
    );
    // A raised limit removes the throttling.
    let raised = run(&text, &["account.concurrency=2000"]);
    assert_eq!(raised.account.throttled_invocations, 0);
    assert_eq!(raised.account.peak_concurrency, 2000);
}

#[test]
fn reserved_concurrency_caps_a_function_and_protects_it_from_the_others() {
    let text = format!("{CONCURRENCY}\n[consumers.b]\nstream = \"s\"\nbatch_size = 10\nparallelization_factor = 10\nfunction = {{ duration = \"2s\", cold_start = \"0\", timeout = \"60s\", reserved_concurrency = 300 }}\n");
    let r = run(&text, &[]);
    let (a, b) = (&r.consumers[0], &r.consumers[1]);
    assert_eq!(
        b.peak_concurrency, 300,
        "b never runs beyond its reservation"
    );
    assert!(b.throttled_invocations > 0, "b asks for 1,000");
    assert!(a.peak_concurrency <= 700, "a gets only the unreserved 700");
    assert_eq!(r.account.peak_concurrency, 1000);
}
