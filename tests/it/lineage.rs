//! Shard lineage: DynamoDB Streams rollover and Kinesis on-demand splits. Every run
//! below also checks conservation inside `simulate`, across parents and children.

use crate::common;

use common::{run, spec};
use sim::engine::{self, Queue};
use sim::model::world::{LineageSpan, World};
use sim::model::{simulate, RunReport};

const MIN_NS: u64 = 60_000_000_000;

/// Runs a model to its end and returns every reader's lineage.
fn spans(text: &str, sets: &[&str]) -> Vec<LineageSpan> {
    let spec = spec(text, sets);
    let mut queue = Queue::new();
    let mut world = World::new(&spec, &mut queue);
    engine::run(&mut world, &mut queue, spec.duration);
    world.finish(spec.duration);
    world.lineage_spans()
}

/// Two shards rolling over every hour, read by two shared consumers, one of them slow.
const ROLLOVER: &str = r#"
duration = "3h"
warmup = "5m"
seed = 3
[streams.table]
kind = "dynamodb-streams"
shards = 2
rollover = "1h"
get_records_latency = "0s"
[producers.p]
stream = "table"
rate = 20.0
[consumers.fast]
stream = "table"
invoke_overhead = "0s"
[consumers.slow]
stream = "table"
batch_size = 10
function = { duration = { kind = "lognormal", median = "150ms", p99 = "2s" }, timeout = "30s" }
"#;

/// The largest per-minute IteratorAge maximum of a consumer, in ms.
fn worst_minute_max(r: &RunReport, consumer: &str) -> f64 {
    r.minutes
        .rows()
        .filter(|m| m.consumer == consumer)
        .map(|m| m.iterator_age_max_ms)
        .fold(0.0, f64::max)
}

#[test]
fn rollover_moves_readers_to_the_child_shard() {
    let r = run(ROLLOVER, &[]);
    let s = &r.streams[0];
    let l = s.lineage.as_ref().expect("rollover reports shard changes");
    // Two shards, each sealed about every hour (55-65 min): two or three generations in 3 h.
    assert!(
        (4..=6).contains(&l.shards_sealed),
        "sealed {}",
        l.shards_sealed
    );
    assert_eq!(l.shards_opened, l.shards_sealed, "rollover: one child each");
    assert_eq!(l.open_shards_end, 2);
    assert_eq!(l.open_shards_peak, 2);
    for c in &r.consumers {
        // Records written after the rollovers are processed: almost nothing is left behind.
        let left = c.records_in_flight + c.records_unread;
        assert!(
            left < s.records_written / 1000,
            "{}: {left} of {} left",
            c.name,
            s.records_written
        );
        assert_eq!(c.records_expired + c.records_discarded, 0);
    }
    // Every minute of the last hour (third generation of shards) processes records.
    let last_hour = r
        .minutes
        .rows()
        .filter(|m| m.consumer == "fast" && m.minute >= 125)
        .collect::<Vec<_>>();
    assert!(last_hour.len() >= 50);
    assert!(last_hour.iter().all(|m| m.records_processed > 0));
    assert!(r.minutes.rows().all(|m| m.shards == Some(2)));
}

#[test]
fn a_child_shard_is_read_only_after_its_parent_is_finished() {
    let spans = spans(ROLLOVER, &[]);
    let children: Vec<&LineageSpan> = spans.iter().filter(|s| s.parent_shard.is_some()).collect();
    // Two consumers on every child shard.
    assert!(children.len() >= 8, "{} child readers", children.len());
    let mut read = 0;
    for c in &children {
        let Some(first) = c.first_read_at else {
            continue;
        };
        read += 1;
        let started = c.started_at.expect("a reader that read was started");
        let parent_done = c
            .parent_done_at
            .unwrap_or_else(|| panic!("{c:?}: read a child before finishing the parent"));
        assert!(parent_done <= started && started <= first, "{c:?}");
        // Discovery delay: at most one minute (the default) after the parent was finished.
        assert!(started - parent_done <= MIN_NS, "{c:?}");
    }
    assert!(read >= 8, "only {read} child readers read anything");
    // Every sealed shard's readers that finished did so after the seal, never before.
    assert!(spans
        .iter()
        .filter(|s| s.done_at.is_some())
        .all(|s| s.first_read_at.is_none_or(|f| f <= s.done_at.unwrap())));
}

#[test]
fn the_per_minute_series_shows_the_rollover_bump() {
    let on = run(ROLLOVER, &[]);
    let off = run(ROLLOVER, &["streams.table.rollover=off"]);
    assert!(off.streams[0].lineage.is_none());
    let (bump, calm) = (
        worst_minute_max(&on, "fast"),
        worst_minute_max(&off, "fast"),
    );
    // Without rollover the fast consumer (instant calls) stays within a second; moving to each child costs it up
    // to the discovery delay (one minute) plus finishing the parent.
    assert!(calm < 1000.0, "no rollover: worst minute max {calm} ms");
    assert!(bump > 5000.0, "rollover: worst minute max {bump} ms");
    // The bump sits in the minutes of the rollovers (about 1 h and 2 h), not elsewhere.
    let bumped: Vec<u64> = on
        .minutes
        .rows()
        .filter(|m| m.consumer == "fast" && m.iterator_age_max_ms > 5000.0)
        .map(|m| m.minute)
        .collect();
    assert!(
        bumped
            .iter()
            .all(|&m| (54..=68).contains(&m) || (108..=136).contains(&m) || m >= 162),
        "{bumped:?}"
    );
}

#[test]
fn poison_marks_follow_the_lineage() {
    // A poison record 90 minutes in lands on a child of shard 0; with two retries it is discarded.
    let r = run(
        ROLLOVER,
        &[
            r#"consumers.fast.function.poison=[{ shard = 0, at = "90m" }]"#,
            "consumers.fast.max_retry_attempts=2",
        ],
    );
    let fast = r.consumers.iter().find(|c| c.name == "fast").unwrap();
    assert!(fast.errors >= 3, "errors {}", fast.errors);
    assert!(fast.records_discarded > 0);
}

/// A Kinesis on-demand stream whose traffic jumps from 1 MB/s to 6 MB/s at 30 minutes, then to
/// 24 MB/s at 75 minutes: more than the shards take each time (records of 10 KB keep it cheap).
const RAMP: &str = r#"
duration = "2h"
warmup = "5m"
seed = 5
[streams.events]
kind = "kinesis"
capacity = "on-demand"
[producers.p]
stream = "events"
rate = 100.0
record_size = "10KB"
profile = { kind = "periodic", period = "2h", multipliers = [1, 1, 6, 6, 6, 24, 24, 24] }
[consumers.poller]
stream = "events"
[consumers.efo]
stream = "events"
read = "efo"
"#;

#[test]
fn an_on_demand_ramp_splits_shards_and_throttles_writes_meanwhile() {
    let r = run(RAMP, &[]);
    let s = &r.streams[0];
    assert_eq!(s.shards, 4, "on-demand starts with 4 shards");
    let l = s.lineage.as_ref().unwrap();
    assert_eq!(
        l.shards_opened,
        2 * l.shards_sealed,
        "splits: two children each"
    );
    // 24 MB/s at most 500 KB/s per shard needs 48 shards; splits double, from 4.
    assert!(
        l.open_shards_end >= 48 && l.open_shards_end <= 128,
        "open shards at end {}",
        l.open_shards_end
    );
    assert!(s.write_throttles > 0, "the ramp is throttled");
    // Throttles fall in the ramps (from 30 and 75 minutes, while splits are pending), not after.
    let by_minute: Vec<(u64, u64, u32)> = r
        .minutes
        .rows()
        .filter(|m| m.consumer == "poller")
        .map(|m| {
            (
                m.minute,
                m.stream_write_throttles.unwrap(),
                m.shards.unwrap(),
            )
        })
        .collect();
    let throttled: u64 = by_minute.iter().map(|x| x.1).sum();
    assert!(throttled > 0 && throttled <= s.write_throttles);
    assert!(
        by_minute
            .iter()
            .filter(|x| x.1 > 1000)
            .all(|x| (30..=48).contains(&x.0) || (75..=93).contains(&x.0)),
        "{by_minute:?}"
    );
    // Afterwards only Poisson bursts beyond 1 MiB in a second are rejected, and rarely.
    assert!(by_minute.iter().filter(|x| x.0 >= 95).all(|x| x.1 < 100));
    assert!(by_minute
        .iter()
        .filter(|x| x.0 == 31 || x.0 == 76)
        .all(|x| x.1 > 0));
    // The shard count never falls, and grows.
    assert!(by_minute.windows(2).all(|w| w[0].2 <= w[1].2));
    assert!(by_minute.last().unwrap().2 > by_minute[0].2);
    for c in &r.consumers {
        assert_eq!(c.records_expired + c.records_discarded, 0, "{}", c.name);
        assert!(
            c.records_processed > s.records_written * 99 / 100,
            "{}",
            c.name
        );
    }
}

#[test]
fn a_provisioned_stream_big_enough_never_throttles_writes() {
    let r = run(
        RAMP,
        &[
            "streams.events.capacity=provisioned",
            "streams.events.shards=64",
        ],
    );
    assert_eq!(r.streams[0].write_throttles, 0);
    assert!(r.streams[0].lineage.is_none());
    assert!(r.minutes.rows().all(|m| m.shards.is_none()));
}

#[test]
fn splits_in_aggregate_mode_conserve_records() {
    let r = run(RAMP, &["streams.events.record_chunk=100ms"]);
    let l = r.streams[0].lineage.as_ref().unwrap();
    assert!(l.shards_sealed >= 4);
    assert!(r.streams[0].write_throttles > 0);
}

#[test]
fn lineage_runs_are_deterministic() {
    for (model, sets) in [(ROLLOVER, vec![]), (RAMP, vec!["seed=9"])] {
        let a = run(model, &sets);
        let b = run(model, &sets);
        assert_eq!(a.streams, b.streams);
        assert_eq!(a.consumers, b.consumers);
        assert_eq!(a.minutes, b.minutes);
        assert_eq!(a.events, b.events);
    }
    let other = run(RAMP, &["seed=10"]);
    assert_ne!(run(RAMP, &["seed=9"]).streams, other.streams);
}

#[test]
fn the_run_forecast_covers_the_shards_an_on_demand_ramp_adds() {
    let spec = spec(RAMP, &[]);
    let est = sim::model::estimate::estimate(&spec).events;
    let real = simulate(&spec).unwrap().events as f64;
    assert!(
        est >= real && est < 20.0 * real,
        "forecast {est} for {real}"
    );
}
