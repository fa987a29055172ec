//! Lambda concurrency: shards times parallelization filling the account limit, and reserved concurrency.

use super::*;

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
