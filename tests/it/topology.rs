//! Topologies of several streams: routers reading one stream and writing to others.
//! Every run also checks conservation per consumer inside `simulate`.

use crate::common;

use common::run;
use sim::model::RunReport;

fn consumer<'a>(r: &'a RunReport, name: &str) -> &'a sim::model::report::ConsumerReport {
    r.consumers
        .iter()
        .find(|c| c.name == name)
        .expect("consumer")
}

fn stream<'a>(r: &'a RunReport, name: &str) -> &'a sim::model::report::StreamReport {
    r.streams.iter().find(|s| s.name == name).expect("stream")
}

/// A chain: producer → a → router r1 → b → router r2 → c → consumer z, every hop pushed (EFO)
/// with a fixed 50 ms propagation, batches of one record, light load.
const CHAIN: &str = r#"
duration = "2h"
warmup = "10m"
seed = 3
[streams.a]
kind = "kinesis"
shards = 1
efo = { propagation = "50ms", renewal_gap = "0", subscribe_latency = "0s" }
[streams.b]
kind = "kinesis"
shards = 1
efo = { propagation = "50ms", renewal_gap = "0", subscribe_latency = "0s" }
[streams.c]
kind = "kinesis"
shards = 1
efo = { propagation = "50ms", renewal_gap = "0", subscribe_latency = "0s" }
[producers.p]
stream = "a"
rate = 2.0
record_size = 500
[consumers.r1]
stream = "a"
read = "efo"
batch_size = 1
invoke_overhead = "0s"
routes = [{ stream = "b" }]
function = { duration = "30ms", cold_start = "0" }
[consumers.r2]
stream = "b"
read = "efo"
batch_size = 1
invoke_overhead = "0s"
routes = [{ stream = "c" }]
function = { duration = "20ms", cold_start = "0" }
[consumers.z]
stream = "c"
read = "efo"
batch_size = 1
invoke_overhead = "0s"
function = { duration = "10ms", cold_start = "0" }
"#;

#[test]
fn each_router_in_a_chain_adds_its_hop_latency() {
    let r = run(CHAIN, &[]);
    let (r1, r2, z) = (consumer(&r, "r1"), consumer(&r, "r2"), consumer(&r, "z"));
    assert!(
        r1.from_first_write.is_none(),
        "a is written by the producer only"
    );
    let f2 = r2.from_first_write.as_ref().expect("b is fed by a router");
    let fz = z.from_first_write.as_ref().expect("c is fed by routers");
    assert_eq!((f2.hops, fz.hops), (1, 2));
    // Per hop: propagation plus the function's duration (queueing is negligible at 2 records/s).
    for (c, want) in [(r1, 80.0), (r2, 70.0), (z, 60.0)] {
        let got = c.end_to_end_ms_mean;
        assert!(
            (want..want + 3.0).contains(&got),
            "{}: hop {got} ms, want about {want}",
            c.name
        );
    }
    // From the first write, each hop adds its own latency: 80 + 70 + 60 ms.
    let sum2 = r1.end_to_end_ms_mean + r2.end_to_end_ms_mean;
    assert!(
        (f2.end_to_end_ms_mean - sum2).abs() < 1.0,
        "{f2:?} vs {sum2}"
    );
    let sum3 = sum2 + z.end_to_end_ms_mean;
    assert!(
        (fz.end_to_end_ms_mean - sum3).abs() < 1.0,
        "{fz:?} vs {sum3}"
    );
    // IteratorAge (sent) from the first write: every earlier hop plus this hop's propagation.
    assert!(
        (fz.iterator_age_ms_p50 - (80.0 + 70.0 + 50.0)).abs() < 3.0,
        "{fz:?}"
    );
    // Nothing is lost or filtered along the chain.
    let written = stream(&r, "a").records_written;
    assert!(written > 10_000);
    assert_eq!(
        r1.routed.as_ref().unwrap().records_routed,
        r1.records_processed
    );
    assert_eq!(stream(&r, "b").records_written, r1.records_processed);
    assert_eq!(stream(&r, "c").records_written, r2.records_processed);
    assert!(
        written - z.records_processed <= 3,
        "at most one record per hop in flight"
    );
}

/// A router splitting one stream by event type into two reader streams, and filtering the rest.
const SPLIT: &str = r#"
duration = "30m"
warmup = "5m"
seed = 9
[streams.central]
kind = "kinesis"
shards = 4
[streams.orders]
kind = "kinesis"
shards = 2
[streams.payments]
kind = "kinesis"
shards = 3
[producers.app]
stream = "central"
rate = 200.0
record_size = 1000
[consumers.router]
stream = "central"
read = "efo"
routes = [{ stream = "orders", share = 0.5 }, { stream = "payments", share = 0.3 }]
function = { duration = "30ms", cold_start = "0" }
[consumers.o]
stream = "orders"
count = 2
function = { duration = "20ms", cold_start = "0" }
[consumers.p]
stream = "payments"
read = "efo"
function = { duration = "20ms", cold_start = "0" }
"#;

#[test]
fn a_router_splits_records_by_share_and_loses_none() {
    let r = run(SPLIT, &[]);
    let router = consumer(&r, "router");
    let routed = router.routed.as_ref().unwrap();
    let n = router.records_processed as f64;
    assert_eq!(
        routed.records_routed + routed.records_filtered,
        router.records_processed
    );
    let (orders, payments) = (stream(&r, "orders"), stream(&r, "payments"));
    assert_eq!(
        orders.records_written + payments.records_written,
        routed.records_routed
    );
    // Shares within four standard deviations of a binomial.
    for (got, share) in [
        (orders.records_written, 0.5),
        (payments.records_written, 0.3),
    ] {
        let sd = (n * share * (1.0 - share)).sqrt();
        assert!(
            (got as f64 - n * share).abs() < 4.0 * sd,
            "{got} of {n} at share {share}"
        );
    }
    assert_eq!(orders.write_throttles + payments.write_throttles, 0);
    // Every subscriber of a reader stream sees every record routed there.
    for c in ["o-1", "o-2"] {
        let c = consumer(&r, c);
        assert_eq!(
            c.records_processed + c.records_in_flight + c.records_unread,
            orders.records_written
        );
    }
}

#[test]
fn a_router_blocked_by_its_output_write_limit_retries_and_falls_behind() {
    let free = run(SPLIT, &[]);
    // 100 records/s go to `orders` (2 shards): a limit of 30 records/s per shard cannot take them.
    let capped = run(SPLIT, &["streams.orders.limits.write_records_per_s=30"]);
    let orders = stream(&capped, "orders");
    assert!(orders.write_throttles > 0);
    assert!(
        orders.records_written <= 2 * 30 * 30 * 60,
        "at most the limit is written"
    );
    let router = consumer(&capped, "router");
    let routed = router.routed.as_ref().unwrap();
    let payments = stream(&capped, "payments");
    // Rejected records are retried, not lost: what was routed but not yet written is the router's
    // in-flight batch (one lane per shard, at most 100 records each).
    let unwritten = routed.records_routed - orders.records_written - payments.records_written;
    assert!(
        unwritten <= 4 * 100,
        "{unwritten} routed records not written"
    );
    let age = |r: &RunReport| consumer(r, "router").iterator_age_ms.mean;
    assert!(
        age(&capped) > 100.0 * age(&free),
        "{} vs {}",
        age(&capped),
        age(&free)
    );
}

#[test]
fn routed_runs_are_deterministic() {
    let a = serde_json::to_string(&run(SPLIT, &[]).consumers).unwrap();
    let b = serde_json::to_string(&run(SPLIT, &[]).consumers).unwrap();
    assert_eq!(a, b);
}

/// A DynamoDB table streaming into Kinesis (Kinesis Data Streams for DynamoDB): item changes may be
/// written twice, and every consumer processes (and counts) the copies.
const TABLE_TO_KINESIS: &str = r#"
duration = "30m"
warmup = "5m"
seed = 4
[streams.changes]
kind = "kinesis"
shards = 2
[producers.table]
stream = "changes"
source = "dynamodb-table"
duplicate_probability = 0.05
rate = 100.0
record_size = 800
[consumers.fn]
stream = "changes"
count = 2
function = { duration = "20ms", cold_start = "0" }
"#;

#[test]
fn kinesis_for_dynamodb_writes_duplicates_that_consumers_count() {
    for chunk in ["0", "10ms"] {
        let r = run(
            TABLE_TO_KINESIS,
            &[&format!("streams.changes.record_chunk=\"{chunk}\"")],
        );
        let written = r.streams[0].records_written;
        for c in &r.consumers {
            assert_eq!(c.errors, 0);
            assert_eq!(
                c.duplicates, c.source_duplicates,
                "no retries, so every duplicate is a copy"
            );
            // Copies are 5% of the originals: within four binomial standard deviations.
            let originals = (c.records_processed - c.source_duplicates) as f64;
            let sd = (originals * 0.05 * 0.95).sqrt();
            let got = c.source_duplicates as f64;
            assert!(
                (got - 0.05 * originals).abs() < 4.0 * sd,
                "{chunk}: {got} copies of {originals}"
            );
            assert!(c.records_processed + c.records_in_flight + c.records_unread == written);
        }
        // Both consumers see the same copies.
        assert!(
            r.consumers[0]
                .source_duplicates
                .abs_diff(r.consumers[1].source_duplicates)
                < 20
        );
    }
    // The table's default is rare duplicates; an application's own writes have none.
    let rare = run(
        TABLE_TO_KINESIS,
        &["producers.table.duplicate_probability=0.001"],
    );
    let default = {
        let text = TABLE_TO_KINESIS.replace("duplicate_probability = 0.05\n", "");
        run(&text, &[])
    };
    assert_eq!(
        serde_json::to_string(&rare.consumers).unwrap(),
        serde_json::to_string(&default.consumers).unwrap(),
        "the default for a table is 0.001"
    );
    let app = run(
        &TABLE_TO_KINESIS.replace(
            "source = \"dynamodb-table\"\nduplicate_probability = 0.05\n",
            "",
        ),
        &[],
    );
    assert!(app.consumers.iter().all(|c| c.source_duplicates == 0));
}
