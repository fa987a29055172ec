//! AWS's documented numbers and `sim`'s assumed defaults, in one place.
//!
//! Each constant says where it comes from (docs/sources.md gives the AWS page of each). Constants
//! marked ASSUMPTION are not documented by AWS; they are parameters with a chosen default.

use super::spec::{Backoff, ControlPlaneSpec, EfoSpec, Jitter, ShardLimits, StreamKind};
use crate::dist::Dist;
use crate::engine::time::{HOUR, MIN, MS, SEC};
use crate::engine::Nanos;

pub(crate) const MIB: u64 = 1 << 20;

/// The largest record a Kinesis stream accepts: "The maximum size of the data payload of a record
/// before base64-encoding is up to 1 MB" (MiB: 1,048,576 bytes), from
/// <https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html>.
pub(crate) const KINESIS_MAX_RECORD_BYTES: u64 = MIB;

/// The largest DynamoDB item, 400 KB (409,600 bytes), from
/// <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html>: a
/// DynamoDB stream record carries a change to one item.
pub(crate) const DYNAMODB_MAX_ITEM_BYTES: u64 = 400 * 1024;

/// Kinesis per-shard limits: <https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html>
/// and <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html> (10 MiB / 5 s rule).
pub(crate) fn kinesis_limits() -> ShardLimits {
    ShardLimits {
        write_records_per_s: Some(1000),
        write_bytes_per_s: Some(MIB),
        read_calls_per_s: Some(5),
        read_bytes_per_s: Some(2 * MIB),
        // ASSUMPTION: the read budget holds at most one second of throughput.
        read_burst_bytes: 2 * MIB,
        max_records_per_call: 10_000,
        max_bytes_per_call: 10 * MIB,
        big_read_penalty: 5 * SEC,
        overdraw_penalty: SEC,
        max_efo_consumers: 20,
        // ASSUMPTION: a rejected call does not use up the call budget.
        throttled_calls_count: false,
    }
}

/// DynamoDB Streams per-shard limits. GetRecords returns at most 1,000 records or 1 MB
/// (<https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html>). ASSUMPTION: AWS documents no call rate, only "no more than two readers"; the default
/// of 10 calls per sliding second lets two Lambda pollers (4 calls/s each) through and throttles three,
/// and throttled calls count against it.
pub(crate) fn dynamodb_limits() -> ShardLimits {
    ShardLimits {
        write_records_per_s: None,
        write_bytes_per_s: None,
        read_calls_per_s: Some(10),
        read_bytes_per_s: None,
        read_burst_bytes: 0,
        max_records_per_call: 1000,
        max_bytes_per_call: 1_000_000,
        big_read_penalty: 0,
        overdraw_penalty: 0,
        max_efo_consumers: 0,
        // ASSUMPTION: a rejected call counts against the shard's request rate like a served one.
        // AWS publishes no rate, only that more than two readers "can result in throttling"; with
        // rejected calls free, four throttled readers barely fall behind, unlike the field report.
        throttled_calls_count: true,
    }
}

pub(crate) fn default_limits(kind: StreamKind) -> ShardLimits {
    match kind {
        StreamKind::Kinesis => kinesis_limits(),
        StreamKind::DynamoDbStreams => dynamodb_limits(),
    }
}

/// ASSUMPTION: the share of item changes Kinesis Data Streams for DynamoDB writes twice. AWS says
/// only that "the same item notifications might also appear more than once in the stream"
/// (<https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/kds.html>).
pub(crate) const DYNAMODB_KINESIS_DUPLICATES: f64 = 0.001;

/// ASSUMPTION: a router retries the records a stream rejected (PutRecords partial failure) after
/// 100 ms, the base delay of the AWS SDKs' standard retry mode.
pub(crate) const ROUTER_WRITE_RETRY: Nanos = 100 * MS;

/// Lambda's default concurrency quota per account and Region
/// (<https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>).
pub(crate) const ACCOUNT_CONCURRENCY: u32 = 1000;

/// ASSUMPTION: how long an event source mapping waits before retrying an invocation Lambda
/// rejected for lack of concurrency (429). AWS documents only that throttled stream batches are
/// retried; the default starts at 1 s and doubles to 30 s, with full jitter.
pub(crate) fn invoke_throttle_backoff() -> Backoff {
    Backoff::Exponential {
        initial: SEC,
        multiplier: 2.0,
        max: 30 * SEC,
        jitter: Jitter::Full,
    }
}

/// Both services keep records 24 hours by default
/// (<https://docs.aws.amazon.com/streams/latest/dev/kinesis-extended-retention.html>,
/// <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html>).
pub(crate) const RETENTION: Nanos = 24 * HOUR;

/// Enhanced fan-out: 2 MB/s per consumer per shard, subscriptions of 5 minutes
/// (<https://docs.aws.amazon.com/streams/latest/dev/enhanced-consumers.html>,
/// <https://docs.aws.amazon.com/streams/latest/dev/building-consumers.html>).
/// ASSUMPTION: pushes pause for 50 ms while a subscription is renewed, plus the SubscribeToShard
/// call's latency ([`subscribe_latency`]).
/// ASSUMPTION: propagation is log-normal with median 50 ms and p99 200 ms: one delay is drawn per
/// push, and records that arrive during a long one wait with it, so that records see about the
/// "typically an average of 70 ms" AWS gives (building-consumers.html) on average.
/// ASSUMPTION: a record is pushed as soon as it has propagated to a subscriber that can take it,
/// in its own event if need be (no least gap between events).
pub(crate) fn efo_defaults() -> EfoSpec {
    EfoSpec {
        bytes_per_s: 2 * MIB,
        propagation: Dist::lognormal_from_median_p99((50 * MS) as f64, (200 * MS) as f64)
            .expect("valid constants"),
        renewal_period: 5 * MIN,
        renewal_gap: 50 * MS,
        subscribe_latency: subscribe_latency(),
        event_gap: 0,
    }
}

/// ASSUMPTION: a SubscribeToShard call answers (its event stream starts) after a log-normal time
/// with median 50 ms and p99 300 ms: AWS publishes no figure; a data-plane HTTP/2 call, slower
/// than a GetRecords call by a connection set-up.
pub(crate) fn subscribe_latency() -> Dist {
    Dist::lognormal_from_median_p99((50 * MS) as f64, (300 * MS) as f64).expect("valid constants")
}

/// Kinesis: records "are available to be read immediately after they are written"
/// (<https://docs.aws.amazon.com/streams/latest/dev/kinesis-low-latency.html>). ASSUMPTION: so
/// are DynamoDB stream records, which AWS says are written "in near-real time"
/// (<https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html>).
pub(crate) fn write_to_readable(kind: StreamKind) -> Nanos {
    match kind {
        StreamKind::Kinesis | StreamKind::DynamoDbStreams => 0,
    }
}

/// ASSUMPTION: a GetRecords call answers after a log-normal time with median 25 ms and p99
/// 200 ms, on both services. AWS publishes the metric (GetRecords.Latency), not its values; with
/// one consumer polling 5 times a second (a 100 ms wait on average) AWS gives an average
/// propagation of about 200 ms (building-consumers.html), which leaves tens of milliseconds to
/// the call.
pub(crate) fn get_records_latency() -> Dist {
    Dist::lognormal_from_median_p99((25 * MS) as f64, (200 * MS) as f64).expect("valid constants")
}

/// ASSUMPTION: an event source mapping's Invoke reaches the handler of a warm function after a
/// log-normal time with median 10 ms and p99 60 ms (cold starts come on top). AWS publishes no
/// figure; a serial SQS-to-Lambda loop measures about 125 ms per round trip, every step included
/// (<https://github.com/lukehoban/lambdaperf>).
pub(crate) fn invoke_overhead() -> Dist {
    Dist::lognormal_from_median_p99((10 * MS) as f64, (60 * MS) as f64).expect("valid constants")
}

/// ASSUMPTION: Lambda's idle poll timer is exact (no jitter): AWS documents a base rate, not a
/// spread.
pub(crate) const IDLE_POLL_JITTER: Nanos = 0;

/// Lambda polls each Kinesis shard once per second when idle, each DynamoDB shard four times
/// (<https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html>,
/// <https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html>).
pub(crate) fn idle_poll_interval(kind: StreamKind) -> Nanos {
    match kind {
        StreamKind::Kinesis => SEC,
        StreamKind::DynamoDbStreams => 250 * MS,
    }
}

/// ASSUMPTION: a busy poller calls GetRecords at most 5 times a second on Kinesis (the developer
/// guide's 200 ms floor) and 4 times on DynamoDB Streams (Lambda's documented base rate).
pub(crate) fn min_call_interval(kind: StreamKind) -> Nanos {
    match kind {
        StreamKind::Kinesis => 200 * MS,
        StreamKind::DynamoDbStreams => 250 * MS,
    }
}

/// ASSUMPTION: Lambda's internal wait after a throttled read is exponential from 1 s, doubling, with
/// full jitter, capped at 10 s. AWS does not document it.
pub(crate) fn throttle_backoff() -> Backoff {
    Backoff::Exponential {
        initial: SEC,
        multiplier: 2.0,
        max: 10 * SEC,
        jitter: Jitter::Full,
    }
}

/// Event source mapping defaults
/// (<https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html>).
pub(crate) const BATCH_SIZE: u64 = 100;
pub(crate) const MAX_BATCH_SIZE: u64 = 10_000;
pub(crate) const MAX_BATCHING_WINDOW: Nanos = 300 * SEC;
pub(crate) const MAX_PARALLELIZATION: u32 = 10;
pub(crate) const MAX_RETRY_ATTEMPTS: i64 = 10_000;
pub(crate) const MAX_RECORD_AGE: Nanos = 604_800 * SEC;
/// Synchronous invocation payload limit: 6 MB (<https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html>).
pub(crate) const PAYLOAD_CAP: u64 = 6 * MIB;
/// Lambda's default function timeout is 3 s; the maximum is 15 minutes
/// (<https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html>).
pub(crate) const TIMEOUT: Nanos = 3 * SEC;
pub(crate) const MAX_TIMEOUT: Nanos = 15 * MIN;

/// ASSUMPTION (a workload setting): cold start of a Python or Node.js function, log-normal with
/// median 250 ms and p99 1 s, within the measurements the catalogue cites for
/// `function.cold_start` (assumptions.toml: <https://edjgeek.com/blog/lambda-cold-starts-dead>,
/// <https://github.com/singledigit/lambda-benchmark>); other runtimes differ by up to ten times.
pub(crate) fn cold_start() -> Dist {
    Dist::lognormal_from_median_p99((250 * MS) as f64, SEC as f64).expect("valid constants")
}

/// ASSUMPTION: an idle execution environment is reclaimed after 10 minutes, as measured since
/// 2019 (<https://mikhail.io/2019/08/aws-lambda-cold-starts-after-10-minutes/>; the catalogue's
/// range, 5 to 60 minutes, covers the other measurements).
pub(crate) const ENV_IDLE_TIMEOUT: Nanos = 10 * MIN;

/// Control-plane defaults (docs/model.md §14). Account-wide limits: the Lambda control plane
/// (CreateFunction, CreateEventSourceMapping, ...) takes 15 requests/s (Lambda quotas page,
/// <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>); DescribeStream 10/s per account (Kinesis API reference, <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DescribeStream.html>);
/// RegisterStreamConsumer 5/s per account with at most 5 consumers in CREATING (<https://docs.aws.amazon.com/streams/latest/dev/enhanced-consumers.html>).
/// The client's retry follows the AWS SDKs' standard mode: 3 attempts (SDKs and Tools reference
/// guide), full-jitter exponential backoff from 1 s (the Rust SDK's default initial backoff),
/// capped at 20 s (the JavaScript SDK v3's `MAXIMUM_RETRY_DELAY`).
/// ASSUMPTION: each subscriber makes 2 DescribeStream calls (UNCONFIRMED, <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DescribeStream.html>); every
/// call answers in 100 ms; a registered consumer stays 30 s in CREATING; subscribers start at once.
/// GetShardIterator: 5 calls per second per shard
/// (<https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetShardIterator.html>).
/// ASSUMPTION: CreateEventSourceMapping has a limit of its own, 4 per second (undocumented: deploy
/// tools report 429 "Rate exceeded" on mappings far below the shared 15; assumptions.toml), and a
/// new mapping first polls 1 minute after its creation (AWS: "may take several minutes",
/// <https://docs.aws.amazon.com/lambda/latest/dg/msk-starting-positions.html>).
pub(crate) fn control_plane() -> ControlPlaneSpec {
    ControlPlaneSpec {
        start_interval: 0,
        group_size: 1,
        call_latency: Dist::Fixed((100 * MS) as f64),
        lambda_calls_per_s: 15,
        create_mapping_calls_per_s: 4,
        mapping_start: Dist::Fixed(MIN as f64),
        describe_stream_calls_per_s: 10,
        describe_stream_calls: 2,
        get_shard_iterator_calls_per_s: 5,
        register_consumer_calls_per_s: 5,
        max_creating_consumers: 5,
        consumer_creating: Dist::Fixed((30 * SEC) as f64),
        retry_base: SEC,
        retry_cap: 20 * SEC,
        max_attempts: 3,
    }
}
/// ASSUMPTION: how often Lambda lists a stream's shards to find new children is not documented;
/// a consumer starts a child shard up to one minute after finishing its parent.
pub(crate) const SHARD_DISCOVERY: Nanos = MIN;

/// On-demand Kinesis streams start with 4 MB/s of write capacity: 4 shards (<https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html>).
pub(crate) const ON_DEMAND_SHARDS: u32 = 4;

/// On-demand Kinesis: "When the incoming traffic exceeds 500 KB/s per shard, it splits the shard
/// within 15 minutes" (<https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html>).
pub(crate) const SPLIT_BYTES_PER_S: u64 = 500_000;
/// ASSUMPTION: by analogy with the bytes rule, half the 1,000 records/s write limit.
pub(crate) const SPLIT_RECORDS_PER_S: u64 = 500;
/// ASSUMPTION: incoming traffic is averaged over one minute, CloudWatch's finest period.
pub(crate) const SPLIT_WINDOW: Nanos = MIN;
/// ASSUMPTION: a split takes the longest AWS allows, 15 minutes (<https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html>).
pub(crate) const SPLIT_DELAY: Nanos = 15 * MIN;
/// Not an AWS number: caps the simulation's size.
pub(crate) const MAX_ON_DEMAND_SHARDS: u32 = 1000;
