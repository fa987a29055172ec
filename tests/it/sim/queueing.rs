//! Closed forms: M/D/1 and M/M/1 waiting times of a one-shard enhanced fan-out queue, and a periodic poller waiting half its period.

use super::*;

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

/// A single shared poller with instant processing, polling every second.
const POLLER: &str = r#"
duration = "5h"
warmup = "1m"
seed = 5
[streams.s]
kind = "kinesis"
shards = 1
get_records_latency = "0s"
[producers.p]
stream = "s"
rate = 2.0
[consumers.c]
stream = "s"
invoke_overhead = "0s"
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
