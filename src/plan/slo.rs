//! A service-level objective on a point metric (`iterator_age_max < 30s`): parsed from what a
//! user wrote, and met or not by a point's metrics.

use crate::engine::time::DurationError;
use crate::sweep::metric::{Metric, Unit, UnknownMetric};
use crate::sweep::stats::PointSummaries;

/// A service-level objective on a point metric, e.g. `iterator_age_max < 30s`.
#[derive(Clone, Debug, PartialEq)]
pub struct Slo {
    pub text: String,
    pub metric: Metric,
    pub op: Op,
    pub value: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
}

/// Why an objective does not parse (the plan layer's error): each message quotes what was typed.
#[derive(Debug, thiserror::Error)]
pub enum SloError {
    #[error("`{0}` is not METRIC < VALUE (or <=, >, >=)")]
    NoOperator(String),
    #[error(transparent)]
    Metric(#[from] UnknownMetric),
    #[error(transparent)]
    Duration(#[from] DurationError),
    #[error("`{0}` is not a number")]
    NotANumber(String),
}

impl Slo {
    /// Parses `METRIC OP VALUE`: METRIC is any sweep metric (the `_ms` suffix may be left out),
    /// OP one of `<`, `<=`, `>`, `>=`, VALUE a number or, for millisecond metrics, a duration.
    pub fn parse(text: &str) -> Result<Slo, SloError> {
        let (name, op, rest) = ["<=", ">=", "<", ">"]
            .iter()
            .find_map(|op| text.split_once(op).map(|(a, b)| (a.trim(), *op, b.trim())))
            .ok_or_else(|| SloError::NoOperator(text.to_string()))?;
        let metric = Metric::from_name(name)?;
        let is_ms = metric.unit() == Unit::Milliseconds;
        let value = match rest.trim_start_matches('$').parse::<f64>() {
            Ok(v) => v,
            Err(_) if is_ms => crate::engine::time::parse_duration(rest)? as f64 / 1e6,
            Err(_) => return Err(SloError::NotANumber(rest.to_string())),
        };
        let op = match op {
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            _ => Op::Ge,
        };
        Ok(Slo {
            text: text.to_string(),
            metric,
            op,
            value,
        })
    }

    /// Whether a point's metrics (means across replicates) meet this objective.
    pub fn met(&self, metrics: &PointSummaries) -> bool {
        let v = metrics[self.metric].mean;
        match self.op {
            Op::Lt => v < self.value,
            Op::Le => v <= self.value,
            Op::Gt => v > self.value,
            Op::Ge => v >= self.value,
        }
    }
}
