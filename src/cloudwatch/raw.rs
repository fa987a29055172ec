//! The JSON shapes of the AWS CLI's files, field for field, before any checking.
//!
//! Queries are written by hand, so unknown fields there are errors (a misspelt `MetricStat` would
//! otherwise vanish); outputs are written by AWS, which may add fields, so those are ignored.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// `--cli-input-json` form of the request; only its queries matter here.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct Request {
    pub metric_data_queries: Vec<Query>,
}

/// One `MetricDataQuery`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub(super) struct Query {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_stat: Option<MetricStat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_data: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub(super) struct MetricStat {
    pub metric: Metric,
    pub period: u32,
    pub stat: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub(super) struct Metric {
    pub namespace: String,
    pub metric_name: String,
    #[serde(default)]
    pub dimensions: Vec<Dimension>,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub(super) struct Dimension {
    pub name: String,
    pub value: String,
}

/// One response of `get-metric-data` (one page, or all pages merged by the CLI).
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct Page {
    pub metric_data_results: Vec<Result>,
    #[serde(default)]
    pub messages: Vec<Message>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// One `MetricDataResult`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct Result {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default)]
    pub timestamps: Vec<Stamp>,
    #[serde(default)]
    pub values: Vec<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Message>,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct Message {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
}

/// A `get-metric-statistics` output.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct Statistics {
    pub label: Option<String>,
    pub datapoints: Vec<Datapoint>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct Datapoint {
    pub timestamp: Stamp,
    pub sample_count: Option<f64>,
    pub average: Option<f64>,
    pub sum: Option<f64>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub unit: Option<String>,
    #[serde(default)]
    pub extended_statistics: BTreeMap<String, f64>,
}

/// A timestamp as written: ISO 8601 text, or epoch seconds from CLIs set to print numbers.
/// Checked later, where the error can name the entry.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Stamp {
    Text(String),
    Number(f64),
}

impl Serialize for Stamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Stamp::Text(t) => s.serialize_str(t),
            Stamp::Number(n) => s.serialize_f64(*n),
        }
    }
}

impl<'de> Deserialize<'de> for Stamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Stamp, D::Error> {
        d.deserialize_any(StampVisitor)
    }
}

struct StampVisitor;

impl Visitor<'_> for StampVisitor {
    type Value = Stamp;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a time like \"2024-05-01T10:05:00+00:00\"")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Stamp, E> {
        Ok(Stamp::Text(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Stamp, E> {
        Ok(Stamp::Number(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Stamp, E> {
        Ok(Stamp::Number(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Stamp, E> {
        Ok(Stamp::Number(v))
    }
}

impl Stamp {
    /// Epoch seconds, or what is wrong with the value.
    pub(super) fn seconds(&self) -> std::result::Result<i64, super::Problem> {
        match self {
            Stamp::Text(t) => super::time::parse(t).map_err(|why| super::Problem::BadTime {
                text: t.clone(),
                why: Box::new(why),
            }),
            Stamp::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Ok(*n as i64),
            Stamp::Number(n) => Err(super::Problem::BadEpoch(*n)),
        }
    }
}
