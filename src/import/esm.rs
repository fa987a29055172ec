//! The properties of an event source mapping (or a pipe's stream source parameters) that the
//! model has, read the same way whether they come from a template, a SAM event, the AWS CLI or a
//! Terraform plan; those it does not have are named with what the model assumes instead.

use super::arch::{irrelevant, unmodelled_assumption, Mapping, Sourced};
use super::doc::{Node, Val};
use super::error::ImportError;
use super::props::Props;

/// The spellings of one format: CloudFormation and the AWS CLI use PascalCase, Terraform
/// snake_case (and nests blocks in lists of one map).
pub(crate) struct Names {
    pub batch_size: &'static str,
    pub window: &'static str,
    pub parallelization: &'static str,
    pub starting_position: &'static str,
    pub bisect: &'static str,
    pub retries: &'static str,
    pub max_age: &'static str,
    pub destination_config: &'static str,
    pub on_failure: &'static str,
    pub destination: &'static str,
    pub enabled: &'static str,
}

pub(crate) const PASCAL: Names = Names {
    batch_size: "BatchSize",
    window: "MaximumBatchingWindowInSeconds",
    parallelization: "ParallelizationFactor",
    starting_position: "StartingPosition",
    bisect: "BisectBatchOnFunctionError",
    retries: "MaximumRetryAttempts",
    max_age: "MaximumRecordAgeInSeconds",
    destination_config: "DestinationConfig",
    on_failure: "OnFailure",
    destination: "Destination",
    enabled: "Enabled",
};

pub(crate) const SNAKE: Names = Names {
    batch_size: "batch_size",
    window: "maximum_batching_window_in_seconds",
    parallelization: "parallelization_factor",
    starting_position: "starting_position",
    bisect: "bisect_batch_on_function_error",
    retries: "maximum_retry_attempts",
    max_age: "maximum_record_age_in_seconds",
    destination_config: "destination_config",
    on_failure: "on_failure",
    destination: "destination_arn",
    enabled: "enabled",
};

/// Reads every modelled property of `p` into `m`; the caller has read the source and the
/// function already, and calls [`unmodelled`] after.
pub(crate) fn read(p: &mut Props, m: &mut Mapping, n: &Names) -> Result<(), ImportError> {
    m.batch_size = p.int(n.batch_size, 1..=10_000)?;
    m.window_s = p.int(n.window, 0..=300)?;
    m.parallelization = p.int(n.parallelization, 1..=10)?;
    m.starting_position = p.string(n.starting_position)?;
    m.bisect = p.bool(n.bisect)?;
    m.retries = p.int(n.retries, -1..=10_000)?;
    if let Some(age) = p.int(n.max_age, -1..=604_800)? {
        if (0..60).contains(&age.v) {
            let node = p.node.get(n.max_age).unwrap_or(p.node);
            return Err(p.err(
                node,
                n.max_age,
                format!(
                    "{} is out of range: expected -1 (no limit) or 60 to 604800",
                    age.v
                ),
            ));
        }
        m.max_age_s = (age.v > 0).then_some(age);
    }
    if let Some(dc) = p.get(n.destination_config) {
        let on_failure = one_block(dc.get(n.on_failure));
        if let Some(Val::Str(arn)) = on_failure
            .and_then(|f| one_block(f.get(n.destination)))
            .map(|d| &d.v)
        {
            m.destination = Some(Sourced::new(
                arn.clone(),
                p.from(&format!(
                    "{}.{}.{}",
                    n.destination_config, n.on_failure, n.destination
                )),
            ));
        }
    }
    m.enabled = p.bool(n.enabled)?;
    m.unresolved.extend(p.unresolved_as(&[
        ("batch_size", n.batch_size),
        ("batching_window", n.window),
        ("parallelization_factor", n.parallelization),
        ("bisect_on_error", n.bisect),
        ("max_retry_attempts", n.retries),
    ]));
    Ok(())
}

/// A Terraform block is a list of one map; other formats give the map itself.
pub(crate) fn one_block(n: Option<&Node>) -> Option<&Node> {
    match &n?.v {
        Val::List(l) => l.first(),
        _ => n,
    }
}

/// Names each property left unread: with what the model assumes instead, or as not read.
pub(crate) fn unmodelled(p: &Props, m: &mut Mapping) {
    for key in p.unread() {
        if irrelevant(&key) {
            continue;
        }
        // A property at its "off" value (an empty list, 0, false) sets nothing.
        let empty = p.node.get(&key).is_some_and(|n| match &n.v {
            Val::List(l) => l.is_empty(),
            Val::Map(e) => e.is_empty(),
            Val::Num(t) => t.parse::<f64>() == Ok(0.0),
            Val::Bool(b) => !b,
            Val::Str(s) => s.is_empty(),
            _ => false,
        });
        if empty {
            continue;
        }
        let what = match unmodelled_assumption(&key) {
            Some(assumed) => format!("{} is not modelled: {assumed}", p.from(&key)),
            None => format!(
                "{} is not read by sim import: assumed to change nothing about reading the stream",
                p.from(&key)
            ),
        };
        m.unmodelled.push(what);
    }
}
