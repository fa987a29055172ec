//! Integration tests of when a shared poller calls GetRecords again: at its busy rate only while
//! its reads are capped (`busy_poll = "caught-up"`), or whenever the log holds a newer record
//! (`"any-new"`), and what that does to the hot-streams observation.

use sim::config::{ModelFile, Override};
use sim::model::{simulate, RunReport};
use std::path::Path;

fn run_file(path: &Path, sets: &[&str]) -> RunReport {
    let overrides: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
    let spec = ModelFile::open(path)
        .expect("valid model")
        .resolve(&overrides)
        .expect("valid overrides");
    simulate(&spec).expect("conservation holds")
}

/// The shipped standard-read model at the hot-streams experiment's 100 records/s, cut to ten
/// minutes, with `n` subscribers.
fn hot_stream(n: u32, extra: &[&str]) -> RunReport {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/kinesis-standard.toml");
    let count = format!("consumers.fn.count={n}");
    let mut sets = vec![
        "producers.orders.rate=100.0",
        "duration=\"10m\"",
        "warmup=\"1m\"",
        "seed=1",
        count.as_str(),
    ];
    sets.extend_from_slice(extra);
    run_file(&path, &sets)
}

#[test]
fn up_to_five_hot_stream_subscribers_are_never_throttled_and_six_are() {
    for n in [4, 5] {
        let r = hot_stream(n, &[]);
        assert_eq!(r.streams[0].throttled_reads, 0, "{n} subscribers");
    }
    let six = hot_stream(6, &[]);
    assert!(
        six.streams[0].throttled_reads_per_min > 10.0,
        "six subscribers"
    );
}

#[test]
fn the_any_new_rule_stays_reachable_and_throttles_four_subscribers() {
    let r = hot_stream(4, &["consumers.fn.busy_poll=\"any-new\""]);
    assert!(r.streams[0].throttled_reads > 0);
}

/// One shard, one poller, instant calls and processing; `rate` records per second.
fn one_poller(rate: f64, batch: u32) -> RunReport {
    let text = format!(
        r#"
duration = "10m"
warmup = "1m"
seed = 2
[streams.s]
kind = "kinesis"
shards = 1
get_records_latency = "0s"
[producers.p]
stream = "s"
rate = {rate}
[consumers.c]
stream = "s"
batch_size = {batch}
fetch_records = {batch}
invoke_overhead = "0s"
function = {{ duration = "0", cold_start = "0" }}
"#
    );
    let file = ModelFile::from_text(Path::new("poller.toml"), text).expect("valid model");
    simulate(&file.resolve(&[]).unwrap()).expect("conservation holds")
}

#[test]
fn a_caught_up_poller_calls_once_a_second_and_a_capped_one_at_its_busy_rate() {
    // 2 records/s, batches of 100: every read empties the shard, so one call per second.
    let idle = one_poller(2.0, 100).consumers[0].read_calls;
    assert!((595..=601).contains(&idle), "{idle} calls in 600 s");
    // 100 records/s, 10 per call: every read is capped, so one call per 200 ms.
    let busy = one_poller(100.0, 10).consumers[0].read_calls;
    assert!((2990..=3001).contains(&busy), "{busy} calls in 600 s");
}
