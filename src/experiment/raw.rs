//! Experiment files as written.

use crate::config::units::Dur;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExperiment {
    pub name: Option<String>,
    pub description: Option<String>,
    /// Path of the base model, relative to the experiment file.
    pub model: String,
    pub duration: Option<Dur>,
    pub warmup: Option<RawWarmup>,
    pub replicates: Option<i64>,
    /// Runs of each point under each assumption set (`sim sweep --assumptions`); default 1.
    pub set_replicates: Option<i64>,
    /// The 95% half-width every point's headline metrics must reach, as a share of the mean
    /// (`"5%"`), running replicates up to `max_replicates`.
    pub precision: Option<String>,
    pub max_replicates: Option<i64>,
    pub seed: Option<u64>,
    /// Overrides applied to every point.
    #[serde(default)]
    pub set: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub axes: Vec<RawAxis>,
    #[serde(default)]
    pub plots: RawPlots,
    /// The question the sweep answers: service-level objectives for `sim sweep` and `sim plan`.
    #[serde(default)]
    pub plan: RawPlan,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPlan {
    /// Objectives such as `"iterator_age_max < 30s"`, parsed by `sim plan`'s rules.
    #[serde(default)]
    pub slo: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAxis {
    pub path: String,
    pub values: toml::Value,
    /// Short name for legends and CSV columns (default: the path).
    pub label: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPlots {
    /// The axis drawn on x (path or label).
    pub x: Option<String>,
    /// Points whose per-minute series are drawn, by axis values.
    pub timeseries: Option<Vec<BTreeMap<String, toml::Value>>>,
}

/// `warmup` as written: a duration, or `"auto"` (detected per point).
#[derive(Debug, Clone, Copy)]
pub(super) enum RawWarmup {
    Auto,
    Fixed(Dur),
}

impl<'de> Deserialize<'de> for RawWarmup {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = toml::Value::deserialize(d)?;
        if v.as_str().map(str::trim) == Some("auto") {
            return Ok(RawWarmup::Auto);
        }
        Dur::deserialize(v)
            .map(RawWarmup::Fixed)
            .map_err(|e| serde::de::Error::custom(format!("{} (or \"auto\")", e.message())))
    }
}
