//! Integration tests of single-record latency (write to handler start, with its parts): closed
//! forms in degenerate settings, the parts adding up, the warm-up left out, and the outputs.

use crate::common::{run, sim};
use sim::model::report::LatencyStats;

/// The histogram's stated precision: percentiles within 0.8% of the exact value, plus 1 µs.
fn close(got: f64, want: f64, slack_ms: f64) -> bool {
    (got - want).abs() <= want * 0.008 + 0.001 + slack_ms
}

/// One shard, one record every 1.001 s, one poller calling every second (its batches take no
/// time, so the calls keep to a one-second grid), no cold start unless `sets` add one. Every
/// record counts in the percentiles (`latency_sample = 1`). The
/// 2,002 s after warm-up are two whole sweeps of the writes' phase over the calls' cycle.
fn poller(sets: &[&str]) -> LatencyStats {
    let text = r#"
duration = "2122s"
warmup = "2m"
seed = 4
[metrics]
latency_sample = 1
[streams.s]
kind = "kinesis"
shards = 1
get_records_latency = "0s"
[producers.p]
stream = "s"
rate = 0.999000999000999
arrivals = "constant"
[consumers.c]
stream = "s"
batch_size = 1
invoke_overhead = "0s"
idle_poll_interval = "1s"
function = { duration = "0", cold_start = "0", timeout = "60s" }
"#;
    run(text, sets).consumers[0].latency_ms.clone()
}

#[test]
fn a_poller_s_latency_is_uniform_over_its_poll_interval() {
    // Writes 1.001 s apart, calls 1 s apart: each write falls 1 ms later in the call's cycle than
    // the last, so the waits sweep the interval evenly (a 1 ms grid over 0 to 1 s), and the
    // handler starts as the call returns (no batching window, the lane is free): the latency's
    // quantile q is q x 1 s, within the histogram's precision and the grid's step.
    let l = poller(&[]);
    assert!((1999..=2001).contains(&l.records), "{}", l.records);
    for (got, q) in [(l.p50, 0.5), (l.p90, 0.9), (l.p99, 0.99)] {
        assert!(close(got, q * 1000.0, 1.0), "p{q}: {got} ms");
    }
    assert!(close(l.mean, 500.0, 1.0), "mean {}", l.mean);
    assert!(l.max <= 1000.0 && l.max > 998.0, "max {}", l.max);
    assert_eq!((l.delivery.max, l.to_handler.max), (0.0, 0.0));
    assert_eq!((l.wait.p99, l.wait.mean), (l.p99, l.mean));
}

#[test]
fn a_cold_start_falls_between_the_read_and_the_handler() {
    // Every invocation starts cold (environments never stay warm) for exactly 250 ms: the handler
    // starts 250 ms after the call returned, for every record.
    let l = poller(&[
        "consumers.c.function.cold_start=\"250ms\"",
        "consumers.c.function.env_idle_timeout=\"1ms\"",
    ]);
    assert_eq!(l.to_handler.max, 250.0);
    assert!(
        (l.to_handler.mean - 250.0).abs() < 1e-9,
        "{:?}",
        l.to_handler
    );
    assert!(close(l.to_handler.p50, 250.0, 0.0), "{:?}", l.to_handler);
    assert!((l.mean - (l.wait.mean + l.delivery.mean + l.to_handler.mean)).abs() < 1e-6);
    // The calls now come 1.25 s apart (the lane is busy during the cold start).
    assert!(close(l.wait.p50, 625.0, 5.0), "{:?}", l.wait);
}

/// One shard, one record every 100 ms, one enhanced fan-out subscriber with a fixed propagation
/// delay, invocations lasting `duration`.
fn efo(duration: &str) -> LatencyStats {
    let text = format!(
        r#"
duration = "20m"
warmup = "1m"
seed = 9
[streams.s]
kind = "kinesis"
shards = 1
efo = {{ propagation = "70ms", renewal_gap = "0s", subscribe_latency = "0s" }}
[producers.p]
stream = "s"
rate = 10.0
arrivals = "constant"
[consumers.c]
stream = "s"
read = "efo"
batch_size = 1
invoke_overhead = "0s"
function = {{ duration = "{duration}", cold_start = "0" }}
"#
    );
    run(&text, &[]).consumers[0].latency_ms.clone()
}

#[test]
fn an_enhanced_fan_out_record_reaches_its_handler_after_exactly_the_propagation_delay() {
    // Invocations (5 ms) end before the next record (100 ms later) arrives: nothing waits, and
    // every record's latency is the 70 ms propagation, all of it delivery.
    let l = efo("5ms");
    assert!(l.records > 10_000, "{}", l.records);
    assert_eq!((l.max, l.wait.max, l.delivery.max), (70.0, 0.0, 70.0));
    assert!((l.mean - 70.0).abs() < 1e-9, "{}", l.mean);
    for p in [l.p50, l.p90, l.p99, l.delivery.p50, l.delivery.p99] {
        assert!(close(p, 70.0, 0.0), "{p}");
    }
    assert_eq!(l.to_handler.max, 0.0);
}

#[test]
fn a_busy_enhanced_fan_out_handler_makes_records_wait_for_the_next_push() {
    // Invocations of 130 ms: the lane is busy when the next record has propagated, so it is pushed
    // when the lane frees, and waits there (the delivery is still the 70 ms propagation).
    let l = efo("130ms");
    assert!(l.wait.mean > 10.0, "{:?}", l.wait);
    assert!(close(l.delivery.p99, 70.0, 0.0));
    assert!((l.mean - (l.wait.mean + l.delivery.mean + l.to_handler.mean)).abs() < 1e-6);
}

#[test]
fn percentiles_rise_and_the_parts_add_up_for_every_shipped_model_s_consumers() {
    for (model, sets) in [
        (
            "models/kinesis-standard.toml",
            vec!["duration=\"8m\"", "warmup=\"1m\""],
        ),
        (
            "models/kinesis-efo.toml",
            vec!["duration=\"8m\"", "warmup=\"1m\""],
        ),
        (
            "models/dynamodb-streams.toml",
            vec!["duration=\"8m\"", "warmup=\"1m\""],
        ),
    ] {
        let text = std::fs::read_to_string(crate::common::root().join(model)).unwrap();
        let sets: Vec<&str> = sets.to_vec();
        for c in run(&text, &sets).consumers {
            let l = &c.latency_ms;
            assert!(l.records > 0, "{model} {}", c.name);
            assert!(
                l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.max,
                "{model} {l:?}"
            );
            let parts = l.wait.mean + l.delivery.mean + l.to_handler.mean;
            assert!(
                (l.mean - parts).abs() < 1e-6 * l.mean.max(1.0),
                "{model} {l:?}"
            );
            for p in [&l.wait, &l.delivery, &l.to_handler] {
                assert!(p.p50 <= p.p99 && p.p99 <= p.max && p.max <= l.max + 1e-9);
            }
        }
    }
}

#[test]
fn the_default_sample_counts_one_record_in_thirty_two_and_its_percentiles_agree_with_counting_all()
{
    // The standard model's ten pollers, 8 minutes: the total's and the wait's percentiles from
    // the records whose number is a multiple of 32 against those from every record; the means,
    // maxima and per-read parts do not depend on the sample.
    let text = std::fs::read_to_string(crate::common::root().join("models/kinesis-standard.toml"))
        .unwrap();
    let base = ["duration=\"8m\"", "warmup=\"1m\""];
    let sampled = run(&text, &base).consumers;
    let every = run(&text, &[&base[..], &["metrics.latency_sample=1"]].concat()).consumers;
    for (s, e) in sampled
        .iter()
        .map(|c| &c.latency_ms)
        .zip(every.iter().map(|c| &c.latency_ms))
    {
        assert_eq!((s.records, s.mean, s.max), (e.records, e.mean, e.max));
        assert_eq!((&s.delivery, &s.to_handler), (&e.delivery, &e.to_handler));
        assert_eq!((s.wait.mean, s.wait.max), (e.wait.mean, e.wait.max));
        assert_eq!(e.sampled, e.records);
        let share = s.sampled as f64 / s.records as f64;
        assert!(
            (share - 1.0 / 32.0).abs() < 0.002,
            "{} of {}",
            s.sampled,
            s.records
        );
        for (got, want) in [
            (s.p50, e.p50),
            (s.p90, e.p90),
            (s.p99, e.p99),
            (s.wait.p99, e.wait.p99),
        ] {
            assert!(
                (got - want).abs() <= 0.05 * want,
                "{got} vs {want} ms: {s:?}"
            );
        }
    }
}

#[test]
fn the_warm_up_is_left_out_of_the_latency() {
    // The first invocation starts cold for 30 s (environments then stay warm): its records and
    // those written meanwhile wait long. With a 2-minute warm-up none of that shows; with none, it
    // does.
    let slow_start = [
        "consumers.c.function.cold_start=\"30s\"",
        "consumers.c.function.env_idle_timeout=\"1h\"",
    ];
    let warm = poller(&slow_start);
    assert!(warm.max < 1100.0, "{warm:?}");
    let mut all = slow_start.to_vec();
    all.push("warmup=\"0s\"");
    let cold = poller(&all);
    assert!(cold.max > 30_000.0, "{cold:?}");
    assert!(cold.records > warm.records);
}

#[test]
fn a_run_writes_its_latency_to_the_terminal_the_json_and_latency_csv() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("run");
    let assert = sim()
        .args(["run", "models/kinesis-efo.toml", "--set", "duration=\"3m\""])
        .args(["--set", "warmup=\"1m\"", "--out"])
        .arg(&dir)
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("latency p50"), "{stdout}");
    assert!(stdout.contains("Percentiles within 0.8%"), "{stdout}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let l = &json["consumers"][0]["latency_ms"];
    assert!(l["p99"].as_f64().unwrap() >= l["p50"].as_f64().unwrap());
    // The default propagation: a log-normal with median 50 ms.
    assert!(l["delivery"]["mean"].as_f64().unwrap() > 40.0);
    let csv = std::fs::read_to_string(dir.join("latency.csv")).unwrap();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("consumer,stream,read,records,sampled,latency_mean_ms,latency_p50_ms")
    );
    assert_eq!(lines.count(), 10, "{csv}");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("Single-record latency per consumer"));
}

#[test]
fn a_sweep_reports_latency_metrics_deterministically_and_objectives_can_use_them() {
    let dir = tempfile::tempdir().unwrap();
    let exp = dir.path().join("exp.toml");
    std::fs::write(
        &exp,
        format!(
            r#"
name = "lat"
model = "{}"
duration = "3m"
warmup = "1m"
replicates = 2
seed = 3
[[axes]]
path = "consumers.app.read"
label = "read"
values = ["shared", "efo"]
[plan]
slo = ["latency_p99 < 5s"]
"#,
            crate::common::root()
                .join("models/kinesis-pollers.toml")
                .display()
        ),
    )
    .unwrap();
    let mut outputs = Vec::new();
    for jobs in ["1", "2"] {
        let out = dir.path().join(format!("out-{jobs}"));
        sim()
            .args(["sweep", "-q", "-j", jobs, "--out"])
            .arg(&out)
            .arg(&exp)
            .assert()
            .success();
        outputs.push(std::fs::read(out.join("summary.csv")).unwrap());
    }
    assert_eq!(outputs[0], outputs[1], "-j1 and -j2 write the same bytes");
    let csv = String::from_utf8(outputs.remove(0)).unwrap();
    let header = csv.lines().next().unwrap();
    for m in [
        "latency_p50_ms",
        "latency_p90_ms",
        "latency_p99_ms",
        "latency_max_ms",
    ] {
        assert!(header.contains(m), "{header}");
    }
    assert!(header.contains("latency_delivery_mean_ms"), "{header}");
    // An objective on a latency percentile is answered.
    let plan = std::fs::read_to_string(dir.path().join("out-1/plan.json")).unwrap();
    assert!(plan.contains("latency_p99"), "{plan}");
    let html = std::fs::read_to_string(dir.path().join("out-1/report.html")).unwrap();
    assert!(html.contains("latency_p99_ms"));
    // The p99 is charted against the swept axis.
    assert!(dir.path().join("out-1/latency-p99.svg").exists());
}
