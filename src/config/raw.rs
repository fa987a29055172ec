//! Model files as written: serde structures close to the TOML, every field optional where AWS has a
//! default. Unknown keys are rejected. Nothing here is validated beyond types; see `resolve`.

use super::units::{Bytes, DistRaw, Dur, OptDur};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawModel {
    pub name: Option<String>,
    // Accepted so that a model file may describe itself; read from the text by those who show it.
    #[allow(dead_code)]
    pub description: Option<String>,
    pub duration: Option<Dur>,
    pub warmup: Option<Dur>,
    pub seed: Option<u64>,
    #[serde(default)]
    pub metrics: RawMetrics,
    #[serde(default)]
    pub streams: BTreeMap<String, RawStream>,
    #[serde(default)]
    pub producers: BTreeMap<String, RawProducer>,
    #[serde(default)]
    pub consumers: BTreeMap<String, RawConsumer>,
    #[serde(default)]
    pub account: RawAccount,
    /// `None` when the model has no `[control_plane]` table (nor a `--set` into one).
    #[serde(default)]
    pub control_plane: Option<RawControlPlane>,
    /// The objectives `sim check` holds the model to (read by `config::objectives`; runs
    /// ignore them). Accepted here; `config::objectives` reads the text itself, for locations.
    #[serde(default)]
    #[allow(dead_code)]
    pub plan: RawPlan,
}

/// `[plan]`: objectives such as `"iterator_age_max < 30s"`, as in experiment files.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPlan {
    #[serde(default)]
    pub slo: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAccount {
    pub concurrency: Option<i64>,
    pub invoke_throttle_backoff: Option<BackoffRaw>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMetrics {
    pub iterator_age: Option<AgeEndpointRaw>,
    pub latency_sample: Option<i64>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum AgeEndpointRaw {
    Sent,
    Finished,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum StreamKindRaw {
    Kinesis,
    DynamodbStreams,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStream {
    pub kind: StreamKindRaw,
    pub shards: Option<i64>,
    pub retention: Option<Dur>,
    pub record_chunk: Option<Dur>,
    #[serde(default)]
    pub limits: RawLimits,
    pub write_to_readable: Option<Dur>,
    pub get_records_latency: Option<DistRaw<Dur>>,
    #[serde(default)]
    pub efo: RawEfo,
    pub rollover: Option<OptDur>,
    pub rollover_jitter: Option<Dur>,
    pub shard_discovery: Option<Dur>,
    pub capacity: Option<CapacityRaw>,
    pub on_demand: Option<RawOnDemand>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum CapacityRaw {
    Provisioned,
    OnDemand,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOnDemand {
    pub split_bytes_per_s: Option<Bytes>,
    pub split_records_per_s: Option<i64>,
    pub window: Option<Dur>,
    pub split_delay: Option<Dur>,
    pub max_shards: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLimits {
    pub write_records_per_s: Option<i64>,
    pub write_bytes_per_s: Option<Bytes>,
    pub read_calls_per_s: Option<i64>,
    pub read_bytes_per_s: Option<Bytes>,
    pub read_burst_bytes: Option<Bytes>,
    pub max_records_per_call: Option<i64>,
    pub max_bytes_per_call: Option<Bytes>,
    pub big_read_penalty: Option<Dur>,
    pub overdraw_penalty: Option<Dur>,
    pub max_efo_consumers: Option<i64>,
    pub throttled_calls_count: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEfo {
    pub bytes_per_s: Option<Bytes>,
    pub propagation: Option<DistRaw<Dur>>,
    pub renewal_period: Option<Dur>,
    pub renewal_gap: Option<Dur>,
    pub subscribe_latency: Option<DistRaw<Dur>>,
    pub event_gap: Option<Dur>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ArrivalsRaw {
    Poisson,
    Constant,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub(crate) enum KeysRaw {
    Uniform,
    Zipf { keys: i64, exponent: f64 },
    Hot { share: f64 },
}

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) enum ProfileRaw {
    Flat,
    OnOff {
        on: DistRaw<Dur>,
        off: DistRaw<Dur>,
        high: f64,
        low: Option<f64>,
    },
    Periodic {
        period: Dur,
        multipliers: Vec<f64>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProducer {
    pub stream: String,
    pub rate: f64,
    pub arrivals: Option<ArrivalsRaw>,
    pub record_size: Option<DistRaw<Bytes>>,
    pub keys: Option<KeysRaw>,
    pub profile: Option<ProfileRaw>,
    pub source: Option<SourceRaw>,
    pub duplicate_probability: Option<f64>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum SourceRaw {
    Application,
    DynamodbTable,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ServiceRaw {
    Lambda,
    Pipe,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum BusyPollRaw {
    CaughtUp,
    AnyNew,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ReadRaw {
    Shared,
    Efo,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum JitterRaw {
    None,
    Full,
    Equal,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub(crate) enum BackoffRaw {
    Fixed {
        delay: Dur,
    },
    Exponential {
        initial: Dur,
        multiplier: Option<f64>,
        max: Dur,
        jitter: Option<JitterRaw>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConsumer {
    pub stream: String,
    pub count: Option<i64>,
    pub service: Option<ServiceRaw>,
    pub read: Option<ReadRaw>,
    pub batch_size: Option<i64>,
    pub fetch_records: Option<i64>,
    pub batching_window: Option<Dur>,
    pub payload_cap: Option<Bytes>,
    pub parallelization_factor: Option<i64>,
    pub idle_poll_interval: Option<Dur>,
    pub idle_poll_jitter: Option<Dur>,
    pub min_call_interval: Option<Dur>,
    pub busy_poll: Option<BusyPollRaw>,
    pub throttle_backoff: Option<BackoffRaw>,
    pub max_retry_attempts: Option<i64>,
    pub max_record_age: Option<Dur>,
    pub bisect_on_error: Option<bool>,
    pub retry_delay: Option<Dur>,
    pub invoke_overhead: Option<DistRaw<Dur>>,
    #[serde(default)]
    pub function: RawFunction,
    #[serde(default)]
    pub routes: Vec<RawRoute>,
    pub write_retry: Option<Dur>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRoute {
    pub stream: String,
    pub share: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFunction {
    pub memory_mb: Option<i64>,
    pub duration: Option<DistRaw<Dur>>,
    pub per_record: Option<Dur>,
    pub cold_start: Option<DistRaw<Dur>>,
    pub env_idle_timeout: Option<Dur>,
    pub provisioned_concurrency: Option<i64>,
    pub reserved_concurrency: Option<i64>,
    pub error_probability: Option<f64>,
    pub timeout: Option<Dur>,
    #[serde(default)]
    pub poison: Vec<RawPoison>,
    #[serde(default)]
    pub fanout: Vec<RawDownstream>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPoison {
    pub shard: i64,
    pub at: Dur,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDownstream {
    pub name: String,
    pub memory_mb: Option<i64>,
    pub duration: DistRaw<Dur>,
    pub per_record: Option<Dur>,
    pub error_probability: Option<f64>,
}

/// `[control_plane]`: bringing the subscribers up (docs/model.md §14).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawControlPlane {
    pub deploy: Option<bool>,
    pub start_interval: Option<Dur>,
    pub group_size: Option<i64>,
    pub call_latency: Option<DistRaw<Dur>>,
    pub lambda_calls_per_s: Option<i64>,
    pub create_mapping_calls_per_s: Option<i64>,
    pub mapping_start: Option<DistRaw<Dur>>,
    pub describe_stream_calls_per_s: Option<i64>,
    pub describe_stream_calls: Option<i64>,
    pub get_shard_iterator_calls_per_s: Option<i64>,
    pub register_consumer_calls_per_s: Option<i64>,
    pub max_creating_consumers: Option<i64>,
    pub consumer_creating: Option<DistRaw<Dur>>,
    #[serde(default)]
    pub retry: RawRetry,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRetry {
    pub base: Option<Dur>,
    pub cap: Option<Dur>,
    pub max_attempts: Option<i64>,
}
