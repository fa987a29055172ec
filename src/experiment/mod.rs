//! Experiments: a base model, fixed overrides, and axes whose cartesian product gives the points
//! of a sweep.
//!
//! An axis is any model parameter by its `--set` path, with a list of values or a range string
//! (`"1..=30"`, `"0..100:10"`); the pseudo-path `model` swaps the model file itself, so whole
//! architectures can stand side by side. Points are ordered with the last axis varying fastest.

mod expand;
mod raw;

pub use expand::{parse_range, Axis, AxisValue, Point};

use crate::config::units::Dur;
use crate::config::{read_text, ConfigError, ModelFile, Override};
use crate::engine::rng::{derive_seed, name_id};
use crate::model::ModelSpec;
use std::path::{Path, PathBuf};

/// A loaded, validated experiment: every point's model resolves.
#[derive(Debug, Clone)]
pub struct Experiment {
    pub name: String,
    pub description: String,
    pub path: PathBuf,
    pub replicates: u32,
    pub seed: u64,
    pub axes: Vec<Axis>,
    pub points: Vec<Point>,
    /// The axis plotted on the x of sweep charts.
    pub x_axis: Option<usize>,
    /// Points whose per-minute series are drawn (indices into `points`).
    pub timeseries_points: Vec<usize>,
    models: Vec<ModelFile>,
    fixed: Vec<Override>,
}

impl Experiment {
    /// Reads, expands and validates an experiment file, resolving every point's model once.
    pub fn open(path: &Path, replicates: Option<u32>) -> Result<Experiment, ConfigError> {
        let text = read_text(path)?;
        let raw: raw::RawExperiment = crate::config::parse_located(path, &text)?;
        expand::build(path, &text, raw, replicates)
    }

    /// The resolved model of point `p` for replicate `r`, with its derived seed.
    pub fn spec(&self, p: usize, r: u32) -> ModelSpec {
        self.spec_with(p, r, &[])
            .expect("every point was validated when the experiment was opened")
    }

    /// The model of point `p` for replicate `r` with `assumptions` applied after the fixed
    /// overrides and before the point's own values (an axis over an assumed parameter wins); the
    /// seed is the same as without them, so sets compare under common random numbers.
    pub fn spec_with(
        &self,
        p: usize,
        r: u32,
        assumptions: &[Override],
    ) -> Result<ModelSpec, ConfigError> {
        let point = &self.points[p];
        let mut overrides = self.fixed.clone();
        overrides.extend(assumptions.iter().cloned());
        overrides.extend(point.overrides());
        overrides.push(Override {
            path: "seed".into(),
            value: self.seed_of(p, r).to_string(),
        });
        self.models[point.model].resolve(&overrides)
    }

    /// The model files the points run (one, or one per value of the `model` axis).
    pub fn model_files(&self) -> &[ModelFile] {
        &self.models
    }

    /// The overrides every point applies (the experiment's `[set]`).
    pub fn fixed(&self) -> &[Override] {
        &self.fixed
    }

    /// The seed of replicate `r` of point `p`: derived from the experiment seed, the point's
    /// parameters (not its position, so adding values elsewhere changes nothing) and `r`.
    pub fn seed_of(&self, p: usize, r: u32) -> u64 {
        // 63 bits: a seed must fit a TOML integer.
        derive_seed(self.seed, &[name_id(&self.points[p].key()), u64::from(r)]) >> 1
    }

    /// Number of runs: points times replicates.
    pub fn runs(&self) -> usize {
        self.points.len() * self.replicates as usize
    }
}

pub(crate) fn dur_value(d: Dur) -> String {
    format!("{:?}", crate::engine::time::format_duration(d.0))
}
