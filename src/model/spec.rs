//! The resolved description of a system: validated, with every default filled in.
//!
//! A [`ModelSpec`] is what the simulation runs. It is built by the configuration layer from a model
//! file and holds no file names, spans or raw text; every value in it is within its documented range.

use crate::dist::Dist;
use crate::engine::Nanos;

/// `metrics.latency_sample` when the model leaves it out.
pub(crate) const DEFAULT_LATENCY_SAMPLE: u64 = 32;

/// A whole system: streams, producers writing to them, consumers reading them.
#[derive(Clone, Debug)]
pub struct ModelSpec {
    pub name: String,
    pub duration: Nanos,
    pub warmup: Nanos,
    pub seed: u64,
    pub iterator_age: AgeEndpoint,
    /// The single-record latency's total and wait percentiles count the records whose number in
    /// their shard is a multiple of this (a power of two; 1 counts every record).
    pub latency_sample: u64,
    pub streams: Vec<StreamSpec>,
    pub producers: Vec<ProducerSpec>,
    pub consumers: Vec<ConsumerSpec>,
    pub account: AccountSpec,
    /// Bringing the consumers up (`None`: not simulated).
    pub control_plane: Option<ControlPlaneSpec>,
}

/// Limits shared by every function of the account (one Region).
#[derive(Clone, Debug, PartialEq)]
pub struct AccountSpec {
    /// Concurrent executions the account allows, reserved ones included.
    pub concurrency: u32,
    /// Wait before the poller retries an invocation rejected for lack of concurrency, by the
    /// number of consecutive rejections of that batch.
    pub invoke_throttle_backoff: Backoff,
}

/// Which instant ends an IteratorAge sample (AWS documents both).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgeEndpoint {
    /// When the event source mapping sends the batch to the function (Lambda metrics page).
    Sent,
    /// When the function finishes processing the batch (Lambda Kinesis/DynamoDB pages).
    Finished,
}

/// The service behind a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamKind {
    Kinesis,
    DynamoDbStreams,
}

impl StreamKind {
    pub fn label(self) -> &'static str {
        match self {
            StreamKind::Kinesis => "kinesis",
            StreamKind::DynamoDbStreams => "dynamodb-streams",
        }
    }
}

/// One stream and its per-shard limits.
#[derive(Clone, Debug)]
pub struct StreamSpec {
    pub name: String,
    pub kind: StreamKind,
    pub shards: u32,
    pub retention: Nanos,
    /// Arrivals are grouped into chunks of this length (0: every record is exact).
    pub record_chunk: Nanos,
    pub limits: ShardLimits,
    /// A record written at `t` can be read by a GetRecords call made at `t + write_to_readable`
    /// or later (pushes have their own delay, [`EfoSpec::propagation`]).
    pub write_to_readable: Nanos,
    /// Time from a GetRecords call to its answer reaching the poller (drawn per call, served or
    /// throttled).
    pub get_records_latency: Dist,
    pub efo: EfoSpec,
    /// How shards are sealed and replaced by children (rollover, on-demand splits).
    pub lineage: LineageSpec,
}

/// Per-shard service limits. `None` means unlimited.
#[derive(Clone, Debug, PartialEq)]
pub struct ShardLimits {
    pub write_records_per_s: Option<u64>,
    pub write_bytes_per_s: Option<u64>,
    /// Successful GetRecords calls allowed per shard in any sliding one-second window (all shared readers).
    pub read_calls_per_s: Option<u32>,
    /// Refill rate of the shared read-bytes budget.
    pub read_bytes_per_s: Option<u64>,
    /// Largest balance the read-bytes budget can hold.
    pub read_burst_bytes: u64,
    pub max_records_per_call: u64,
    pub max_bytes_per_call: u64,
    /// Calls after a call returning `max_bytes_per_call` are throttled for this long.
    pub big_read_penalty: Nanos,
    /// Calls after a call made with an overdrawn byte budget are throttled for this long.
    pub overdraw_penalty: Nanos,
    /// Registered enhanced fan-out consumers allowed on the stream (0: EFO unavailable).
    pub max_efo_consumers: u32,
    /// Whether throttled calls also count against `read_calls_per_s`.
    pub throttled_calls_count: bool,
}

/// Enhanced fan-out delivery parameters of a stream.
#[derive(Clone, Debug)]
pub struct EfoSpec {
    /// Dedicated bytes per second per consumer per shard.
    pub bytes_per_s: u64,
    /// Delay from write to push, drawn per delivery.
    pub propagation: Dist,
    /// A subscription lasts this long, then is renewed.
    pub renewal_period: Nanos,
    /// Nothing is pushed for this long at each renewal, before the SubscribeToShard call.
    pub renewal_gap: Nanos,
    /// Time from a renewal's SubscribeToShard call to its subscription pushing again (drawn per
    /// renewal and subscriber), added to `renewal_gap`.
    pub subscribe_latency: Dist,
    /// Least time between two pushes of one subscription that carry records: a record that
    /// propagates sooner comes with the next push.
    pub event_gap: Nanos,
}

/// How a producer's arrivals are spaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrivalKind {
    Constant,
    Poisson,
}

/// A producer writing records to one stream.
#[derive(Clone, Debug)]
pub struct ProducerSpec {
    pub name: String,
    pub stream: usize,
    /// Records per second for the whole stream, before the profile multiplier.
    pub rate: f64,
    pub arrivals: ArrivalKind,
    /// Record size in bytes.
    pub record_size: Dist,
    /// Share of the records each shard receives (sums to 1).
    pub shard_weights: Vec<f64>,
    /// How the rate varies over time.
    pub profile: Profile,
    /// Chance that a record is written a second time (a duplicate), as Kinesis Data Streams for
    /// DynamoDB may do; 0 for an application's own writes.
    pub duplicate_probability: f64,
}

/// A multiplier on a producer's rate over time.
#[derive(Clone, Debug, PartialEq)]
pub enum Profile {
    /// Always 1.
    Flat,
    /// Alternating bursts: `high` for a time drawn from `on`, then `low` for a time drawn from `off`.
    OnOff {
        on: Dist,
        off: Dist,
        high: f64,
        low: f64,
    },
    /// A repeating day (or any period) of equal steps: step `i` of `n` applies for `period / n`.
    Periodic {
        period: Nanos,
        multipliers: Vec<f64>,
    },
}

/// How a consumer reads its stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadMode {
    /// Polls GetRecords, sharing the shard's read limits with every other shared reader.
    Shared,
    /// Enhanced fan-out: records pushed over a dedicated per-consumer pipe.
    Efo,
}

/// What each read mode implies, each an exhaustive `match` so that a new mode must decide every
/// one of them here; the rest of the crate asks these (or matches on the mode itself) rather than
/// comparing with one variant.
impl ReadMode {
    /// Reads with GetRecords calls that share the shard's call and byte budget with every other
    /// such reader: shown in the shard's call trace, billed as on-demand data retrieval.
    pub fn shares_call_budget(self) -> bool {
        match self {
            ReadMode::Shared => true,
            ReadMode::Efo => false,
        }
    }

    /// Registers as a stream consumer (a Kinesis-only API call, counted against the stream's
    /// consumer limit) and is billed per consumer-shard-hour and for the bytes pushed to it.
    pub fn registers_consumer(self) -> bool {
        match self {
            ReadMode::Shared => false,
            ReadMode::Efo => true,
        }
    }

    /// Receives records pushed over the stream's enhanced fan-out (a `SubscribeToShard`
    /// subscription): the stream's `efo` parameters (propagation, renewal, event gap) apply.
    pub fn subscribes(self) -> bool {
        match self {
            ReadMode::Shared => false,
            ReadMode::Efo => true,
        }
    }

    /// Sees only the records its calls ask for, so that a shard need generate records only as far
    /// as such a reader is about to look (when it also re-polls at once only after a capped read,
    /// see [`ConsumerSpec::reads_lazily`]); a pushed reader reads at the head of the log.
    pub fn reads_by_calls(self) -> bool {
        match self {
            ReadMode::Shared => true,
            ReadMode::Efo => false,
        }
    }

    /// The mode's name in model files and reports.
    pub fn label(self) -> &'static str {
        match self {
            ReadMode::Shared => "shared",
            ReadMode::Efo => "efo",
        }
    }
}

/// When a shared poller whose batch is done calls GetRecords again at its busy rate
/// (`min_call_interval`) rather than after `idle_poll_interval`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BusyPoll {
    /// Only while its last successful read was capped by the call's or the read-ahead's limits,
    /// so that records were left behind (GetRecords' `MillisBehindLatest` above 0).
    CaughtUp,
    /// Whenever a record newer than its last read is in the shard's log as the poller sees it,
    /// which includes records other readers of the shard have since read.
    AnyNew,
}

/// Which managed poller runs the consumer (affects labels and cost only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Lambda,
    Pipe,
}

/// Wait after a throttled read.
#[derive(Clone, Debug, PartialEq)]
pub enum Backoff {
    Fixed(Nanos),
    Exponential {
        initial: Nanos,
        multiplier: f64,
        max: Nanos,
        jitter: Jitter,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jitter {
    None,
    /// Uniform in `[0, d]`.
    Full,
    /// Uniform in `[d/2, d]`.
    Equal,
}

/// A record that always fails the consumer's function: the first record written to `shard` at or
/// after `at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoisonSpec {
    pub shard: u32,
    pub at: Nanos,
}

/// One downstream function called synchronously by a fan-out function.
#[derive(Clone, Debug)]
pub struct DownstreamSpec {
    pub name: String,
    /// Memory setting (MB), for cost.
    pub memory_mb: u32,
    pub duration: Dist,
    pub per_record: Nanos,
    pub error_probability: f64,
}

/// The function a consumer invokes.
#[derive(Clone, Debug)]
pub struct FunctionSpec {
    /// Memory setting (MB), for cost.
    pub memory_mb: u32,
    /// Base duration per invocation (ns).
    pub duration: Dist,
    /// Added per record in the batch.
    pub per_record: Nanos,
    /// Added when no warm environment is free (ns).
    pub cold_start: Dist,
    /// A warm environment idle longer than this is reclaimed.
    pub env_idle_timeout: Nanos,
    /// Environments that never start cold.
    pub provisioned_concurrency: u32,
    /// Concurrency set aside for this function: its ceiling, and not available to other functions.
    /// `None`: the function draws on the account's unreserved pool.
    pub reserved_concurrency: Option<u32>,
    pub error_probability: f64,
    pub timeout: Nanos,
    pub poison: Vec<PoisonSpec>,
    /// When non-empty, the function calls these synchronously and waits for the slowest.
    pub fanout: Vec<DownstreamSpec>,
}

/// A consumer: an event source mapping (or pipe) and its function, reading every shard of one stream.
#[derive(Clone, Debug)]
pub struct ConsumerSpec {
    pub name: String,
    /// The `[consumers.TABLE]` it comes from: its own name, or the table a `count = N` copy
    /// (`TABLE-1` ... `TABLE-N`) shares every setting with.
    pub table: String,
    pub stream: usize,
    pub service: Service,
    pub read: ReadMode,
    pub batch_size: u64,
    /// Records the poller asks for per GetRecords call and keeps read ahead of its batches.
    pub fetch_records: u64,
    pub batching_window: Nanos,
    pub payload_cap_bytes: u64,
    pub parallelization_factor: u32,
    /// Wait before the next GetRecords call after one that returned nothing.
    pub idle_poll_interval: Nanos,
    /// Each idle wait is drawn uniformly in `idle_poll_interval ± idle_poll_jitter` (0: exact).
    pub idle_poll_jitter: Nanos,
    /// Smallest gap between two GetRecords calls of one poller.
    pub min_call_interval: Nanos,
    /// When a poller re-polls at `min_call_interval` instead of `idle_poll_interval`.
    pub busy_poll: BusyPoll,
    pub throttle_backoff: Backoff,
    /// `None`: retry until the records expire.
    pub max_retry_attempts: Option<u32>,
    /// `None`: no age limit besides retention.
    pub max_record_age: Option<Nanos>,
    pub bisect_on_error: bool,
    /// Wait before retrying a failed batch.
    pub retry_delay: Nanos,
    /// Time from the poller sending a batch to the function's handler starting (drawn per
    /// invocation); the invocation holds its concurrency meanwhile, unbilled.
    pub invoke_overhead: Dist,
    pub function: FunctionSpec,
    /// Streams this consumer writes what it processes to (a router); empty for a plain consumer.
    pub routes: Vec<RouteSpec>,
    /// Wait before a router writes again the records a stream's write limits rejected.
    pub write_retry: Nanos,
}

/// One output of a router: a share of the records it processes goes to `stream`, spread over its
/// shards by partition key (evenly).
#[derive(Clone, Debug, PartialEq)]
pub struct RouteSpec {
    pub stream: usize,
    /// Chance that a record goes to this stream; the shares of a router sum to at most 1 (the rest
    /// is filtered out).
    pub share: f64,
}

impl ConsumerSpec {
    /// How many handlers receive each record (the downstream functions of a fan-out function, else 1).
    pub fn handlers(&self) -> u64 {
        self.function.fanout.len().max(1) as u64
    }

    /// The consumer's readers let a shard generate records lazily: they read only what their
    /// calls ask for, and re-poll at once only after a capped read. A poller under `any-new`
    /// decides, when an invocation ends, by what the log holds (generated up to the shard's latest
    /// call by any reader), so it needs every record up to the present at every call.
    pub fn reads_lazily(&self) -> bool {
        self.read.reads_by_calls() && self.busy_poll == BusyPoll::CaughtUp
    }
}

impl FunctionSpec {
    /// Concurrent executions one invocation holds: the function's own and one per downstream call.
    pub fn executions(&self) -> u32 {
        1 + self.fanout.len() as u32
    }

    /// Of [`FunctionSpec::executions`], those drawn from the account's unreserved pool (all but the
    /// function's own when it has reserved concurrency).
    pub fn unreserved_executions(&self) -> u32 {
        self.executions() - u32::from(self.reserved_concurrency.is_some())
    }
}

/// How the model's subscribers are brought up through rate-limited, account-wide control-plane
/// APIs before they read (docs/model.md §14). Every value is within its documented range.
#[derive(Clone, Debug, PartialEq)]
pub struct ControlPlaneSpec {
    /// Subscriber `i` (in consumer order, from 0) starts deploying at
    /// `⌊i / group_size⌋ × start_interval`: groups of `group_size` start together.
    pub start_interval: Nanos,
    pub group_size: u32,
    /// Time from a call to its answer, accepted or throttled (drawn per attempt).
    pub call_latency: Dist,
    /// Lambda control-plane requests (CreateFunction, CreateEventSourceMapping) per sliding second.
    pub lambda_calls_per_s: u32,
    /// CreateEventSourceMapping calls per sliding second, a limit of their own on top of the shared
    /// Lambda one (undocumented; an assumption).
    pub create_mapping_calls_per_s: u32,
    /// Time from a mapping's creation until its readers first poll (or subscribe), drawn per
    /// mapping: AWS says a new mapping may take several minutes to start polling.
    pub mapping_start: Dist,
    /// Kinesis DescribeStream calls per sliding second.
    pub describe_stream_calls_per_s: u32,
    /// DescribeStream calls each subscriber of a Kinesis stream makes while deploying.
    pub describe_stream_calls: u32,
    /// Kinesis GetShardIterator calls per shard per sliding second (each new standard-read mapping
    /// gets an iterator on every shard).
    pub get_shard_iterator_calls_per_s: u32,
    /// Kinesis RegisterStreamConsumer calls per sliding second.
    pub register_consumer_calls_per_s: u32,
    /// Stream consumers allowed in CREATING at once; a registration beyond it is rejected.
    pub max_creating_consumers: u32,
    /// Time a registered consumer stays in CREATING before it is ACTIVE (drawn per consumer).
    pub consumer_creating: Dist,
    /// Full-jitter exponential backoff: retry `k` waits uniformly in `[0, min(cap, base × 2^(k−1))]`.
    pub retry_base: Nanos,
    pub retry_cap: Nanos,
    /// Attempts per call, the first included; a call throttled this many times fails its subscriber.
    pub max_attempts: u32,
}

/// Shard lineage: when shards are sealed and replaced by child shards, and how fast readers move on.
#[derive(Clone, Debug, PartialEq)]
pub struct LineageSpec {
    /// DynamoDB Streams rollover: each shard is sealed after a lifetime drawn uniformly in
    /// `every ± jitter` and replaced by one child (same keys, same rate).
    pub rollover: Option<Rollover>,
    /// Kinesis on-demand capacity: busy shards split in two.
    pub on_demand: Option<OnDemand>,
    /// A consumer starts reading a child shard a uniform time in `[0, discovery]` after it finished
    /// the parent (Lambda finds new shards by listing them now and then).
    pub discovery: Nanos,
}

impl LineageSpec {
    /// True when shards may be sealed during a run.
    pub fn active(&self) -> bool {
        self.rollover.is_some() || self.on_demand.is_some()
    }
}

/// Rollover of DynamoDB Streams shards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rollover {
    pub every: Nanos,
    pub jitter: Nanos,
}

/// On-demand capacity mode of a Kinesis stream.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OnDemand {
    /// A shard whose incoming bytes per second, averaged over `window`, exceed this is split.
    pub split_bytes_per_s: u64,
    /// Likewise for incoming records per second.
    pub split_records_per_s: u64,
    pub window: Nanos,
    /// Time from the decision to split to the split itself.
    pub split_delay: Nanos,
    /// No split makes the stream have more open shards than this.
    pub max_shards: u32,
}
