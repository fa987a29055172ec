//! The per-shard read limits the seeds observed: five idle Kinesis readers unthrottled, throttles past five, the two-reader rule of DynamoDB Streams.

use super::*;

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
