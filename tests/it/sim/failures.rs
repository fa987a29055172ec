//! Function errors, poison records, retry limits and bisection.

use super::*;

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
