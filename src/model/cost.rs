//! Monthly cost of a simulated system, from unit prices and what a run measured.
//!
//! A run's counts are scaled to a 730-hour month. No free tier is applied except DynamoDB Streams'
//! 2.5 million free reads for non-Lambda readers; Lambda's own reads of DynamoDB Streams and
//! Kinesis GetRecords are free. A Pipe's target is not billed (only the Pipe's requests).

use super::report::RunReport;
pub use super::report::{Cost, CostItem};
use super::spec::{ModelSpec, Service, StreamKind};
use crate::engine::time::{DAY, HOUR, SEC};

/// Unit prices in USD (see models/prices/*.toml for units and sources).
#[derive(Clone, Debug, PartialEq)]
pub struct Prices {
    pub kinesis_shard_hour: f64,
    pub kinesis_put_payload_units_million: f64,
    pub kinesis_extended_retention_shard_hour: f64,
    pub kinesis_long_term_retention_gb_month: f64,
    pub efo_consumer_shard_hour: f64,
    pub efo_data_retrieval_gb: f64,
    pub dynamodb_stream_read_units_100k: f64,
    pub lambda_requests_million: f64,
    pub lambda_gb_second: f64,
    pub lambda_provisioned_gb_second: f64,
    pub pipes_requests_million: f64,
    pub on_demand_stream_hour: f64,
    pub on_demand_data_in_gb: f64,
    pub on_demand_data_retrieval_gb: f64,
}

pub const MONTH_HOURS: f64 = 730.0;
const GB: f64 = 1e9;

/// The monthly cost of `spec` given what `report` measured.
pub fn monthly(spec: &ModelSpec, report: &RunReport, p: &Prices) -> Cost {
    let month_s = MONTH_HOURS * 3600.0;
    let scale = month_s / (spec.duration as f64 / SEC as f64);
    let mut items = Vec::new();
    let mut add = |item: String, usd: f64| {
        if usd > 0.0 {
            items.push(CostItem {
                item,
                usd_per_month: usd,
            })
        }
    };
    for (s, r) in spec.streams.iter().zip(&report.streams) {
        if s.kind != StreamKind::Kinesis {
            continue;
        }
        let shards = f64::from(s.shards);
        if s.lineage.on_demand.is_some() {
            // On-demand: a charge per stream-hour, data in per GB with each record rounded up to
            // the next KB (on average half a KB more than its size), data out per GB.
            add(
                format!("{}: on-demand stream-hours", s.name),
                MONTH_HOURS * p.on_demand_stream_hour,
            );
            let gb_in = (r.bytes_written as f64 + 512.0 * r.records_written as f64) / GB;
            add(
                format!("{}: on-demand data in", s.name),
                gb_in * scale * p.on_demand_data_in_gb,
            );
            let read: u64 = report
                .consumers
                .iter()
                .zip(&spec.consumers)
                .filter(|(_, c)| {
                    spec.streams[c.stream].name == s.name && c.read.shares_call_budget()
                })
                .map(|(r, _)| r.bytes_read)
                .sum();
            add(
                format!("{}: on-demand data retrieval", s.name),
                read as f64 / GB * scale * p.on_demand_data_retrieval_gb,
            );
        } else {
            add(
                format!("{}: shard-hours", s.name),
                shards * MONTH_HOURS * p.kinesis_shard_hour,
            );
            add(
                format!("{}: PUT payload units", s.name),
                r.put_payload_units as f64 * scale / 1e6 * p.kinesis_put_payload_units_million,
            );
        }
        if s.retention > 24 * HOUR {
            add(
                format!("{}: extended retention", s.name),
                shards * MONTH_HOURS * p.kinesis_extended_retention_shard_hour,
            );
        }
        if s.retention > 7 * DAY {
            let bytes_per_s = r.bytes_written as f64 / (spec.duration as f64 / SEC as f64);
            let stored_gb = bytes_per_s * ((s.retention - 7 * DAY) as f64 / SEC as f64) / GB;
            add(
                format!("{}: long-term retention", s.name),
                stored_gb * p.kinesis_long_term_retention_gb_month,
            );
        }
    }
    let mut non_lambda_ddb_reads = 0.0;
    for (c, r) in spec.consumers.iter().zip(&report.consumers) {
        let s = &spec.streams[c.stream];
        if c.read.registers_consumer() {
            add(
                format!("{}: enhanced fan-out consumer-shard-hours", c.name),
                f64::from(s.shards) * MONTH_HOURS * p.efo_consumer_shard_hour,
            );
            add(
                format!("{}: enhanced fan-out data retrieval", c.name),
                r.efo_bytes as f64 * scale / GB * p.efo_data_retrieval_gb,
            );
        }
        let invocations = r.invocations as f64 * scale;
        match c.service {
            Service::Pipe => {
                add(
                    format!("{}: Pipes requests", c.name),
                    invocations / 1e6 * p.pipes_requests_million,
                );
                if s.kind == StreamKind::DynamoDbStreams {
                    non_lambda_ddb_reads += r.read_calls as f64 * scale;
                }
            }
            Service::Lambda => {
                let f = &c.function;
                let gb = f64::from(f.memory_mb) / 1024.0;
                add(
                    format!("{}: Lambda requests", c.name),
                    invocations / 1e6 * p.lambda_requests_million,
                );
                add(
                    format!("{}: Lambda duration", c.name),
                    r.billed_ms / 1e3 * scale * gb * p.lambda_gb_second,
                );
                if !f.fanout.is_empty() {
                    let n = f.fanout.len() as f64;
                    let ds_gb =
                        f.fanout.iter().map(|d| f64::from(d.memory_mb)).sum::<f64>() / n / 1024.0;
                    add(
                        format!("{}: downstream Lambda requests", c.name),
                        invocations * n / 1e6 * p.lambda_requests_million,
                    );
                    add(
                        format!("{}: downstream Lambda duration", c.name),
                        r.downstream_billed_ms / 1e3 * scale * ds_gb * p.lambda_gb_second,
                    );
                }
                add(
                    format!("{}: provisioned concurrency", c.name),
                    f64::from(f.provisioned_concurrency)
                        * gb
                        * month_s
                        * p.lambda_provisioned_gb_second,
                );
            }
        }
    }
    add(
        "DynamoDB Streams reads by non-Lambda readers".into(),
        (non_lambda_ddb_reads - 2.5e6).max(0.0) / 1e5 * p.dynamodb_stream_read_units_100k,
    );
    Cost {
        usd_per_month: items.iter().map(|i| i.usd_per_month).sum(),
        items,
    }
}
