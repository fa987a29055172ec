//! Enhanced fan-out event gaps: how many records a push carries, batching windows between events, and the gap the subscription refuses.

use super::*;

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
