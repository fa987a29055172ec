//! Integration tests of the simulation core, a module per topic: closed-form queueing results,
//! enhanced fan-out event gaps, the per-shard read limits, failures and poison records,
//! conservation and determinism, and concurrency limits. Every run also checks conservation
//! inside `simulate`. What several topics share is here.

mod concurrency;
mod determinism;
mod efo_events;
mod failures;
mod queueing;
mod reader_limits;

use crate::common;

use common::run;
use sim::config::{ModelFile, Override};
use sim::model::{simulate, RunReport};

/// Mean and 95% confidence half-width of the per-minute IteratorAge averages (batch means).
fn minute_mean_ci(report: &RunReport, consumer: &str) -> (f64, f64) {
    let xs: Vec<f64> = report
        .minutes
        .rows()
        .filter(|m| m.consumer == consumer && m.samples > 0)
        .map(|m| m.iterator_age_avg_ms)
        .collect();
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, 1.96 * (var / n).sqrt())
}

/// One shard, one EFO consumer with no propagation delay, batch size 1: a single-server queue.
const QUEUE: &str = r#"
duration = "10h"
warmup = "10m"
seed = 11
[streams.s]
kind = "kinesis"
shards = 1
efo = { propagation = "0", renewal_gap = "0", bytes_per_s = "100MiB", subscribe_latency = "0s" }
[producers.p]
stream = "s"
rate = 5.0
record_size = 100
[consumers.q]
stream = "s"
read = "efo"
batch_size = 1
invoke_overhead = "0s"
function = { duration = "100ms", cold_start = "0", timeout = "60s" }
"#;

const BUSY_DDB: &str = r#"
duration = "1h"
warmup = "5m"
seed = 3
[streams.t]
kind = "dynamodb-streams"
shards = 2
[producers.p]
stream = "t"
rate = 40.0
[consumers.fn]
stream = "t"
count = 2
function = { duration = { kind = "lognormal", median = "60ms", p99 = "600ms" }, timeout = "60s" }
"#;
