//! The architecture every reader fills in, whatever the format it reads: streams, enhanced
//! fan-out consumers, event source mappings and pipes, functions, each value with where it was
//! read; and what the files hold that the model has no place for.

/// The most streams, stream consumers, mappings and functions all the files may describe
/// together: far more than any model runs, and few enough that joining them stays fast.
pub(crate) const MAX_PARTS: usize = 10_000;

/// A value and where it was read: "file, resource, property".
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Sourced<T> {
    pub v: T,
    pub from: String,
}

impl<T> Sourced<T> {
    pub(crate) fn new(v: T, from: impl Into<String>) -> Self {
        Sourced {
            v,
            from: from.into(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StreamKind {
    Kinesis,
    Dynamo,
}

/// A Kinesis data stream, or a DynamoDB table's stream.
#[derive(Clone, Debug)]
pub(crate) struct Stream {
    pub kind: StreamKind,
    /// The physical name (what ARNs hold), or `${LogicalId}` for a template resource without one.
    pub name: String,
    /// The name the model gives it.
    pub label: String,
    pub shards: Option<Sourced<i64>>,
    pub on_demand: Option<Sourced<bool>>,
    pub retention_hours: Option<Sourced<i64>>,
    /// Where the stream is declared: "file, resource (type)".
    pub from: String,
}

impl Stream {
    /// A DynamoDB table's stream: no template, plan or table description states its shards.
    pub(crate) fn dynamo(name: String, label: String, from: String) -> Stream {
        Stream {
            kind: StreamKind::Dynamo,
            name,
            label,
            shards: None,
            on_demand: None,
            retention_hours: None,
            from,
        }
    }
}

/// What to say of a table with replicas (declared at `from`): only this Region's stream is read.
pub(crate) fn replicas_warning(from: &str) -> String {
    format!("{from}: a table with replicas has one stream per Region; the model reads this Region's only")
}

/// A registered enhanced fan-out consumer of a Kinesis stream.
#[derive(Clone, Debug)]
pub(crate) struct EfoConsumer {
    pub name: String,
    /// The ARN of its stream, or the stream's name.
    pub stream: String,
    pub from: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Service {
    Lambda,
    Pipe,
}

/// An event source mapping (or a pipe) reading a stream into a function.
#[derive(Clone, Debug)]
pub(crate) struct Mapping {
    pub service: Service,
    /// A unique id among the files: the mapping's UUID, or "file, resource".
    pub id: String,
    /// A name for the model's consumer when its function does not give one (a pipe's name).
    pub name: Option<String>,
    /// What it reads: an ARN of a stream or of a stream consumer (enhanced fan-out).
    pub source: Sourced<String>,
    /// The function invoked: a name or an ARN (a pipe's target).
    pub function: Option<Sourced<String>>,
    pub batch_size: Option<Sourced<i64>>,
    pub window_s: Option<Sourced<i64>>,
    pub parallelization: Option<Sourced<i64>>,
    pub starting_position: Option<Sourced<String>>,
    pub bisect: Option<Sourced<bool>>,
    pub retries: Option<Sourced<i64>>,
    pub max_age_s: Option<Sourced<i64>>,
    pub destination: Option<Sourced<String>>,
    pub enabled: Option<Sourced<bool>>,
    /// Properties set that the model does not have, each with what it assumes instead.
    pub unmodelled: Vec<String>,
    /// The model's keys whose value the file gives but does not resolve, each with where and why.
    pub unresolved: Vec<(&'static str, String)>,
    pub from: String,
}

impl Mapping {
    pub(crate) fn new(
        service: Service,
        id: String,
        source: Sourced<String>,
        from: String,
    ) -> Mapping {
        Mapping {
            service,
            id,
            name: None,
            source,
            function: None,
            batch_size: None,
            window_s: None,
            parallelization: None,
            starting_position: None,
            bisect: None,
            retries: None,
            max_age_s: None,
            destination: None,
            enabled: None,
            unmodelled: vec![],
            unresolved: vec![],
            from,
        }
    }
}

/// A Lambda function.
#[derive(Clone, Debug)]
pub(crate) struct Function {
    /// The physical name, or `${LogicalId}` for a template resource without one.
    pub name: String,
    pub label: String,
    pub memory_mb: Option<Sourced<i64>>,
    pub timeout_s: Option<Sourced<i64>>,
    pub reserved: Option<Sourced<i64>>,
    /// Why the function cannot be a consumer (a reserved concurrency of 0 switches it off): the
    /// import fails with this, located, if a mapping reads into it.
    pub off: Option<super::error::ImportError>,
    /// The model's keys whose value the file gives but does not resolve, each with where and why.
    pub unresolved: Vec<(&'static str, String)>,
    pub from: String,
}

/// Everything read from the files, before the parts are joined.
#[derive(Clone, Debug, Default)]
pub(crate) struct Arch {
    pub streams: Vec<Stream>,
    pub efo: Vec<EfoConsumer>,
    pub mappings: Vec<Mapping>,
    pub functions: Vec<Function>,
    /// Resources outside the model: "file, resource (type): why".
    pub outside: Vec<String>,
    pub warnings: Vec<String>,
}

/// What a property of an event source mapping that the model does not have means for the model.
pub(crate) fn unmodelled_assumption(property: &str) -> Option<&'static str> {
    Some(match property {
        "FilterCriteria" | "filter_criteria" => {
            "sim invokes the function with every record (filtered-out records would still be read, not invoked)"
        }
        "TumblingWindowInSeconds" | "tumbling_window_in_seconds" => {
            "sim has no tumbling windows: every batch is processed on its own"
        }
        "FunctionResponseTypes" | "function_response_types" => {
            "sim has no partial batch responses (ReportBatchItemFailures): a failed invocation retries its whole batch"
        }
        "StartingPositionTimestamp" | "starting_position_timestamp" => {
            "sim starts every reader at the beginning of an empty stream"
        }
        "ScalingConfig" | "scaling_config" => "sim does not model a maximum concurrency for stream sources",
        "ProvisionedPollerConfig" | "provisioned_poller_config" => {
            "sim does not model provisioned pollers: one poller per shard"
        }
        "OnPartialBatchItemFailure" | "on_partial_batch_item_failure" => {
            "sim has no partial batch responses: a failed invocation retries its whole batch"
        }
        _ => return None,
    })
}

/// Properties that change nothing about reading a stream: read past without a warning.
pub(crate) fn irrelevant(property: &str) -> bool {
    matches!(
        property,
        "Tags"
            | "tags"
            | "tags_all"
            | "KmsKeyArn"
            | "kms_key_arn"
            | "MetricsConfig"
            | "metrics_config"
            | "LoggingConfig"
            | "logging_config"
            | "EventSourceMappingArn"
            | "event_source_mapping_arn"
            | "UUID"
            | "uuid"
            | "id"
            | "arn"
            | "LastModified"
            | "last_modified"
            | "LastProcessingResult"
            | "last_processing_result"
            | "StateTransitionReason"
            | "state_transition_reason"
            | "region"
            | "Description"
            | "description"
            | "RoleArn"
            | "role_arn"
    )
}
