//! The latencies on the data path (issue #28): a GetRecords call's latency, the write-to-readable
//! delay, the poll timer's jitter, the invoke overhead, EFO propagation as a distribution and the
//! SubscribeToShard latency at renewals, each against a closed form in a degenerate setting.

use crate::common::run;
use sim::model::report::ConsumerReport;
use sim::model::RunReport;

/// One Kinesis shard, constant writes at `rate` records/s, one consumer whose function takes no
/// time, every latency zero unless `stream` or `consumer` (TOML lines) set it. `read` is the
/// consumer's read mode.
fn model(rate: f64, read: &str, stream: &str, consumer: &str) -> String {
    let overhead = if consumer.contains("invoke_overhead") {
        ""
    } else {
        "invoke_overhead = \"0s\"\n"
    };
    format!(
        r#"
duration = "10m"
warmup = "1m"
seed = 4
[streams.s]
kind = "kinesis"
shards = 1
get_records_latency = "0s"
{stream}
[producers.p]
stream = "s"
rate = {rate}
arrivals = "constant"
[consumers.c]
stream = "s"
read = "{read}"
function = {{ duration = "0", cold_start = "0" }}
{overhead}{consumer}
"#
    )
}

/// A poller calling every 10 ms under a call limit that never binds: every record is read by the
/// first call after it becomes readable, and sent at once, alone.
fn fast_poller(stream: &str, consumer: &str) -> ConsumerReport {
    let stream = format!("limits = {{ read_calls_per_s = 1000 }}\n{stream}");
    let consumer = format!("idle_poll_interval = \"10ms\"\nmin_call_interval = \"0s\"\n{consumer}");
    first(run(&model(5.0, "shared", &stream, &consumer), &[]))
}

fn first(r: RunReport) -> ConsumerReport {
    r.consumers.into_iter().next().expect("one consumer")
}

#[test]
fn a_write_to_readable_delay_adds_itself_to_every_records_age_at_read() {
    let at_once = fast_poller("", "");
    let delayed = fast_poller("write_to_readable = \"300ms\"", "");
    assert!(
        at_once.delivery_latency_ms < 10.0,
        "{}",
        at_once.delivery_latency_ms
    );
    // 300 ms is a whole number of 10 ms polls, so each record waits as long for its call.
    let mean = delayed.delivery_latency_ms - at_once.delivery_latency_ms;
    assert!((mean - 300.0).abs() < 1e-3, "the mean moved by {mean} ms");
    let age = delayed.iterator_age_ms.mean - at_once.iterator_age_ms.mean;
    assert!((age - 300.0).abs() < 1e-3, "the mean age moved by {age} ms");
    // The largest age, read from the age histogram (buckets of a fraction of a millisecond).
    let max = delayed.iterator_age_ms.max - at_once.iterator_age_ms.max;
    assert!((max - 300.0).abs() < 0.5, "the max moved by {max} ms");
    // Only the records of the run's last 300 ms (5/s: one or two) are not yet readable at its end.
    let late = at_once.records_processed - delayed.records_processed;
    assert!((1..=2).contains(&late), "{late} records fewer");
}

/// A poller with the Lambda defaults (1 s idle, 200 ms busy floor) on `rate` records/s, reading
/// `batch` records per call, its calls taking `latency`.
fn lambda_poller(rate: f64, batch: u32, latency: &str) -> ConsumerReport {
    let stream = format!("get_records_latency = \"{latency}\"");
    let consumer = format!("batch_size = {batch}\nfetch_records = {batch}");
    let text =
        model(rate, "shared", "", &consumer).replace("get_records_latency = \"0s\"", &stream);
    first(run(&text, &[]))
}

#[test]
fn a_fixed_call_latency_slows_a_busy_poller_to_one_call_per_latency_once_it_exceeds_the_floor() {
    // Every read is capped (100 records/s, 10 per call): 1/max(200 ms, latency) calls a second.
    let floor = lambda_poller(100.0, 10, "100ms").read_calls;
    assert!(
        (2990..=3001).contains(&floor),
        "{floor} calls in 600 s at 100 ms"
    );
    let slow = lambda_poller(100.0, 10, "500ms").read_calls;
    assert!(
        (1195..=1201).contains(&slow),
        "{slow} calls in 600 s at 500 ms"
    );
}

#[test]
fn a_caught_up_pollers_period_is_its_idle_interval_plus_the_call_latency_when_it_invokes() {
    // 2 records/s, batches of 100: every call empties the shard and sends a batch, so the lane is
    // busy when the answer arrives and the idle wait counts from the lane freeing (as without
    // latency): the period is the interval plus the call's latency.
    let calls = lambda_poller(2.0, 100, "250ms").read_calls;
    assert!((477..=481).contains(&calls), "{calls} calls in 600 s");
}

#[test]
fn a_throttled_pollers_backoff_starts_when_the_refusal_arrives() {
    // Three readers with instant function, a 1 call/s limit, a fixed 2 s backoff: a refused call
    // costs its poller the latency plus the backoff before it calls again.
    let text = |latency: &str| {
        let stream = "limits = { read_calls_per_s = 1 }";
        let consumer = "count = 3\nthrottle_backoff = { kind = \"fixed\", delay = \"2s\" }";
        model(20.0, "shared", stream, consumer).replace(
            "get_records_latency = \"0s\"",
            &format!("get_records_latency = \"{latency}\""),
        )
    };
    let calls = |r: RunReport| r.consumers.iter().map(|c| c.read_calls).sum::<u64>();
    let (instant, slow) = (calls(run(&text("0s"), &[])), calls(run(&text("1s"), &[])));
    assert!(
        slow < instant,
        "{slow} calls with 1 s latency, {instant} without"
    );
}

#[test]
fn a_jittered_poll_timer_keeps_its_mean_period_and_throttles_five_hot_stream_subscribers() {
    // The mean idle wait is the interval: a caught-up poller still calls about once a second.
    let calls = lambda_poller_jitter(2.0, "200ms").read_calls;
    assert!((590..=610).contains(&calls), "{calls} calls in 600 s");
    // Five subscribers at one call a second fit the 5 calls/s limit only with an exact timer.
    let text = |jitter: &str| {
        let consumer = format!("count = 5\nidle_poll_jitter = \"{jitter}\"");
        model(100.0, "shared", "", &consumer)
    };
    let throttled = |r: RunReport| r.streams[0].throttled_reads;
    assert_eq!(throttled(run(&text("0s"), &[])), 0);
    assert!(throttled(run(&text("100ms"), &[])) > 0);
}

fn lambda_poller_jitter(rate: f64, jitter: &str) -> ConsumerReport {
    let consumer = format!("batch_size = 100\nidle_poll_jitter = \"{jitter}\"");
    first(run(&model(rate, "shared", "", &consumer), &[]))
}

#[test]
fn the_invoke_overhead_separates_a_records_send_from_its_handlers_end_by_exactly_itself() {
    let none = fast_poller("", "");
    // Equal to a nanosecond or so per record (the two means count records at different moments).
    assert!((none.end_to_end_ms_mean - none.delivery_latency_ms).abs() < 1e-3);
    let some = fast_poller("", "invoke_overhead = \"40ms\"");
    let gap = some.end_to_end_ms_mean - some.delivery_latency_ms;
    assert!((gap - 40.0).abs() < 1e-3, "{gap} ms between send and end");
}

/// An EFO subscriber on 1 record/s with `efo` lines in the stream's `efo` table.
fn efo(efo: &str) -> ConsumerReport {
    let stream = format!("efo = {{ {efo} }}");
    first(run(&model(1.0, "efo", &stream, ""), &[]))
}

#[test]
fn efo_propagation_without_spread_delays_every_record_by_its_median() {
    let fixed = efo(r#"propagation = { kind = "lognormal", median = "70ms", p99 = "70ms" }"#);
    assert!(
        (fixed.delivery_latency_ms - 70.0).abs() < 1e-3,
        "{}",
        fixed.delivery_latency_ms
    );
    assert!((fixed.iterator_age_ms.mean - 70.0).abs() < 1e-3);
    assert!((fixed.end_to_end_ms_max - 70.0).abs() < 1e-3);
    let spread = efo(r#"propagation = { kind = "lognormal", median = "70ms", p99 = "300ms" }"#);
    assert!(
        spread.end_to_end_ms_max > 150.0,
        "{}",
        spread.end_to_end_ms_max
    );
}

#[test]
fn a_subscribe_latency_lengthens_each_renewals_pause_by_itself() {
    let base = r#"propagation = "70ms", renewal_period = "1m", renewal_gap = "0s""#;
    let quick = efo(&format!("{base}, subscribe_latency = \"0s\""));
    assert!(
        (quick.end_to_end_ms_max - 70.0).abs() < 1e-3,
        "{}",
        quick.end_to_end_ms_max
    );
    // A record written just before a renewal (+70 ms propagation) waits out the 5 s pause.
    let slow = efo(&format!("{base}, subscribe_latency = \"5s\""));
    let max = slow.end_to_end_ms_max;
    assert!((4000.0..=5070.0).contains(&max), "worst age {max} ms");
}

/// A latency whose tail is far beyond any run (a log-normal p99 of 100,000 hours, an exponential
/// mean of 200,000 hours) runs to its end: a draw past what a `u64` of nanoseconds holds used to
/// overflow the clock (a panic in a dev build, a time wrapped into the past in a release one).
#[test]
fn latencies_with_tails_beyond_any_run_never_overflow_the_clock() {
    let tails = [
        r#"{ kind = "lognormal", median = "50ms", p99 = "100000h" }"#,
        r#"{ kind = "exponential", mean = "200000h" }"#,
    ];
    let keys = [
        (
            "models/kinesis-standard.toml",
            "streams.events.get_records_latency",
        ),
        (
            "models/kinesis-standard.toml",
            "consumers.fn.invoke_overhead",
        ),
        ("models/kinesis-efo.toml", "streams.events.efo.propagation"),
        (
            "models/kinesis-efo.toml",
            "streams.events.efo.subscribe_latency",
        ),
        (
            "models/kinesis-standard.toml",
            "control_plane.mapping_start",
        ),
    ];
    for tail in tails {
        for (model, key) in keys {
            let dir = tempfile::tempdir().unwrap();
            let o = crate::common::sim()
                .args(["run", model, "--duration", "10m", "--warmup", "0s", "--out"])
                .arg(dir.path())
                .args(["--set", &format!("{key}={tail}")])
                .output()
                .unwrap();
            assert_eq!(
                o.status.code(),
                Some(0),
                "{key}={tail}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
}

/// `--set` of one field of a latency the model leaves at its default (the catalogue names such
/// paths, e.g. `efo.propagation.p99`) is refused with what to write instead, not only serde's
/// "missing field `kind`".
#[test]
fn one_field_of_a_defaulted_latency_is_refused_with_the_whole_distribution_to_write() {
    for (model, path) in [
        ("models/kinesis-efo.toml", "streams.events.efo.propagation"),
        (
            "models/kinesis-standard.toml",
            "streams.events.get_records_latency",
        ),
        (
            "models/kinesis-standard.toml",
            "consumers.fn.invoke_overhead",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let o = crate::common::sim()
            .args(["run", model, "--duration", "1m", "--out"])
            .arg(dir.path())
            .args(["--set", &format!("{path}.p99=300ms")])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!(
                "set the whole distribution, e.g. --set '{path}={{ kind = "
            )) && err.contains(&format!("key `{path}.p99`")),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}
