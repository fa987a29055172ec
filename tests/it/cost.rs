//! Monthly cost of a known configuration, against a hand computation from the shipped prices.

use sim::config::{prices, ModelFile};
use sim::model::{cost, simulate};
use std::path::Path;

const MODEL: &str = r#"
duration = "1h"
warmup = "1m"
[streams.s]
kind = "kinesis"
shards = 2
[producers.p]
stream = "s"
rate = 10.0
arrivals = "constant"
record_size = 1000
[consumers.c]
stream = "s"
read = "efo"
batch_size = 1
function = { duration = "50ms", cold_start = "0", memory_mb = 1024 }
"#;

/// Runs `text` and prices it at the shipped prices: the report and a lookup of bill lines by name.
fn bill(text: &str) -> (sim::model::RunReport, cost::Cost) {
    let spec = ModelFile::from_text(Path::new("c.toml"), text.into())
        .unwrap()
        .resolve(&[])
        .unwrap();
    let report = simulate(&spec).unwrap();
    let bill = cost::monthly(&spec, &report, &prices::load(None).unwrap());
    (report, bill)
}

fn line(bill: &cost::Cost, name: &str) -> f64 {
    bill.items
        .iter()
        .find(|i| i.item == name)
        .map_or(0.0, |i| i.usd_per_month)
}

fn close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= 0.005 * want,
        "{what}: {got} vs {want}"
    );
}

#[test]
fn the_monthly_cost_of_a_known_configuration_matches_a_hand_computation() {
    let (_, bill) = bill(MODEL);
    let item = |name: &str| line(&bill, name);
    // 2 shards x 730 h x $0.015.
    close(item("s: shard-hours"), 21.9, "shard-hours");
    // 10 records/s x 3,600 s x 730 one-unit records per month, at $0.014 per million.
    close(
        item("s: PUT payload units"),
        36_000.0 * 730.0 / 1e6 * 0.014,
        "PUT units",
    );
    // One EFO consumer on 2 shards, 730 h at $0.015; 36 MB an hour pushed, at $0.013 per GB.
    close(
        item("c: enhanced fan-out consumer-shard-hours"),
        21.9,
        "EFO hours",
    );
    close(
        item("c: enhanced fan-out data retrieval"),
        0.036 * 730.0 * 0.013,
        "EFO retrieval",
    );
    // One invocation per record (batch 1, 50 ms < 100 ms apart), 1 GB for 50 ms each.
    close(
        item("c: Lambda requests"),
        36_000.0 * 730.0 / 1e6 * 0.20,
        "requests",
    );
    close(
        item("c: Lambda duration"),
        36_000.0 * 0.05 * 730.0 * 0.000_016_666_7,
        "duration",
    );
    let total: f64 = bill.items.iter().map(|i| i.usd_per_month).sum();
    assert!((bill.usd_per_month - total).abs() < 1e-9);
    assert_eq!(bill.items.len(), 6, "{:?}", bill.items);
}

#[test]
fn an_on_demand_stream_is_billed_per_stream_hour_and_per_gb() {
    // The same stream in on-demand mode, read by one standard poller: no shard-hours or PUT
    // units, but a stream-hour charge, data in (each 1,000-byte record rounded up to 1 KB, on
    // average half a KB above its size) and data read by GetRecords.
    let text = MODEL
        .replace("shards = 2\n", "shards = 2\ncapacity = \"on-demand\"\n")
        .replace("read = \"efo\"\n", "");
    let (report, bill) = bill(&text);
    let item = |name: &str| line(&bill, name);
    assert_eq!(item("s: shard-hours"), 0.0);
    assert_eq!(item("s: PUT payload units"), 0.0);
    close(
        item("s: on-demand stream-hours"),
        730.0 * 0.04,
        "stream-hours",
    );
    // 36,000 records an hour of 1,000 + 512 bytes, 730 hours, $0.08 per GB.
    close(
        item("s: on-demand data in"),
        36_000.0 * 1512.0 / 1e9 * 730.0 * 0.08,
        "data in",
    );
    // The poller reads every record once: 36 MB an hour at $0.04 per GB (its last poll may
    // leave a few records unread).
    let read = report.consumers[0].bytes_read as f64;
    assert!((read - 36e6).abs() < 0.001 * 36e6, "{read}");
    close(
        item("s: on-demand data retrieval"),
        0.036 * 730.0 * 0.04,
        "data retrieval",
    );
}
