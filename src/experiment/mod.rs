//! Experiments: a base model, fixed overrides, and axes whose cartesian product gives the points
//! of a sweep.
//!
//! An axis is any model parameter by its `--set` path, with a list of values or a range string
//! (`"1..=30"`, `"0..100:10"`); the pseudo-path `model` swaps the model file itself, so whole
//! architectures can stand side by side. Points are ordered with the last axis varying fastest.

mod architecture;
mod expand;
mod precision;
mod problem;
mod raw;

pub use expand::{parse_range, Axis, AxisValue, Point};
pub use precision::{check_max_replicates, parse_share, FilePrecision};
pub use problem::Problem;

use crate::config::units::Dur;
use crate::config::{read_text, ConfigError, ModelFile, Origin, Override};
use crate::engine::rng::{derive_seed, name_id};
use crate::engine::time::Nanos;
use crate::model::ModelSpec;
use std::path::{Path, PathBuf};

/// A loaded, validated experiment: every point's model resolves.
#[derive(Debug, Clone)]
pub struct Experiment {
    pub name: String,
    pub description: String,
    pub path: PathBuf,
    pub replicates: u32,
    /// Runs of each point under each assumption set (`set_replicates`, `--set-replicates`;
    /// default 1): the sets share their run seeds with the plain runs (replicate r of a point has
    /// one seed under every set), so the spread across sets is the assumptions' and one run per
    /// set gives the band and the effects the precision of two (docs/model.md §19).
    pub set_replicates: u32,
    pub seed: u64,
    pub axes: Vec<Axis>,
    pub points: Vec<Point>,
    /// The axis plotted on the x of sweep charts.
    pub x_axis: Option<usize>,
    /// Points whose per-minute series are drawn (indices into `points`).
    pub timeseries_points: Vec<usize>,
    /// The objectives of the file's `[plan]` table, as written (checked by `plan::objectives`).
    pub objectives: Vec<Objective>,
    /// The experiment file's text, as read.
    pub text: String,
    /// The file's `precision` and `max_replicates` (`sim sweep --precision` wins).
    pub precision: FilePrecision,
    /// The file says `warmup = "auto"`: each point's warm-up is detected (`sweep::warmup`).
    pub warmup_auto: bool,
    /// Per point, the warm-up detected for it (empty until `sweep::warmup::settle` sets it).
    warmups: Vec<Nanos>,
    models: Vec<ModelFile>,
    fixed: Vec<Override>,
    /// Hash of the experiment file's text and of every model file it names.
    source_hash: u64,
}

impl Experiment {
    /// Reads, expands and validates an experiment file, resolving every point's model once.
    pub fn open(path: &Path, replicates: Option<u32>) -> Result<Experiment, ConfigError> {
        let text = read_text(path)?;
        let raw: raw::RawExperiment = crate::config::parse_located(path, &text)?;
        let mut exp = expand::build(path, &text, raw, replicates)?;
        exp.source_hash = std::iter::once(text.as_str())
            .chain(exp.models.iter().map(|m| m.text.as_str()))
            .fold(0, |h, t| {
                // Each text's length goes in first, so moving bytes between files changes the hash.
                name_id(&format!("{h:016x}|{}|{t}", t.len()))
            });
        Ok(exp)
    }

    /// One model as a sweep of one point (no axes, one replicate) with `fixed` overrides: how
    /// `sim check` runs a version of an architecture, so that assumption sets (`sweep::bands`)
    /// apply to it as to any sweep. The seed is the model's own; the run's seed derives from it
    /// as a sweep point's does from an experiment's, so a check measures what an experiment
    /// naming the model would, and two versions with the same seed share their random numbers.
    pub fn of_model(file: ModelFile, fixed: Vec<Override>) -> Result<Experiment, ConfigError> {
        let spec = file.resolve(&fixed)?;
        let source_hash = name_id(&format!("{}|{}", file.text.len(), file.text));
        Ok(Experiment {
            name: spec.name,
            description: String::new(),
            path: file.path.clone(),
            replicates: 1,
            set_replicates: 1,
            seed: spec.seed,
            axes: Vec::new(),
            points: vec![Point {
                index: 0,
                model: 0,
                values: Vec::new(),
            }],
            x_axis: None,
            timeseries_points: Vec::new(),
            objectives: Vec::new(),
            text: String::new(),
            precision: FilePrecision::default(),
            warmup_auto: false,
            warmups: Vec::new(),
            models: vec![file],
            fixed,
            source_hash,
        })
    }

    /// A fingerprint of what the experiment's runs depend on in files: the experiment's text and
    /// every model file it names (not their paths, so a moved checkout keeps it).
    pub fn source_hash(&self) -> String {
        format!("{:016x}", self.source_hash)
    }

    /// The overrides of point `p`, before the seed: the experiment's fixed ones (and its detected
    /// warm-up), then the point's.
    pub fn overrides(&self, p: usize) -> Vec<Override> {
        let mut overrides = self.fixed.clone();
        overrides.extend(self.detected_warmup(p));
        overrides.extend(self.points[p].overrides());
        overrides
    }

    /// The experiment with point `p`'s warm-up set to `warmups[p]` (`warmup = "auto"`, once
    /// detected).
    pub fn with_warmups(&self, warmups: Vec<Nanos>) -> Experiment {
        Experiment {
            warmups,
            ..self.clone()
        }
    }

    /// Point `p`'s detected warm-up, if any, in minutes.
    pub fn warmup_of(&self, p: usize) -> Option<Nanos> {
        self.warmups.get(p).copied()
    }

    fn detected_warmup(&self, p: usize) -> Option<Override> {
        self.warmups.get(p).map(|&w| Override {
            path: "warmup".into(),
            value: format!("{:?}", crate::engine::time::format_duration(w)),
        })
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
        overrides.extend(self.detected_warmup(p));
        overrides.extend(assumptions.iter().cloned());
        overrides.extend(point.overrides());
        overrides.push(Override {
            path: "seed".into(),
            value: self.seed_of(p, r).to_string(),
        });
        self.models[point.model].resolve(&overrides)
    }

    /// The seed of replicate `r` of point `p`: derived from the experiment seed, the point's
    /// parameters (not its position, so adding values elsewhere changes nothing) and `r`.
    pub fn seed_of(&self, p: usize, r: u32) -> u64 {
        // 63 bits: a seed must fit a TOML integer.
        derive_seed(self.seed, &[name_id(&self.points[p].key()), u64::from(r)]) >> 1
    }

    /// The files the experiment reads: its own and every model file it names.
    pub fn input_files(&self) -> Vec<&Path> {
        std::iter::once(self.path.as_path())
            .chain(self.models.iter().map(|m| m.path.as_path()))
            .collect()
    }

    /// The model files the points run (the base model first, then those of a `model` axis).
    pub fn model_files(&self) -> &[ModelFile] {
        &self.models
    }

    /// The overrides every point applies (`duration`, `warmup` and the `[set]` table).
    pub fn fixed_overrides(&self) -> &[Override] {
        &self.fixed
    }

    /// Point `p`'s name for people: axis labels with values, e.g. `subscribers=5, model=kinesis-efo`
    /// (the [`Point::key`] of paths stays the name in files and seeds).
    pub fn point_name(&self, p: usize) -> String {
        let point = &self.points[p];
        if point.values.is_empty() {
            return "(base)".into();
        }
        self.axes
            .iter()
            .zip(&point.values)
            .map(|(a, (_, v))| format!("{}={}", a.label, v.display()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Number of runs: points times replicates.
    pub fn runs(&self) -> usize {
        self.points.len() * self.replicates as usize
    }

    /// Number of runs under one assumption set: points times `set_replicates`.
    pub fn set_runs(&self) -> usize {
        self.points.len() * self.set_replicates as usize
    }
}

/// A service-level objective as the experiment file states it, with where it stands there.
#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    pub text: String,
    /// `plan.slo.N`, for errors.
    pub key: String,
    pub origin: Origin,
}

impl Objective {
    /// An error about this objective, located in the experiment file.
    pub fn error(&self, message: String) -> ConfigError {
        ConfigError {
            origin: self.origin.clone(),
            key: self.key.clone(),
            message,
        }
    }
}

pub(crate) fn dur_value(d: Dur) -> String {
    format!("{:?}", crate::engine::time::format_duration(d.0))
}

/// What a TOML file holds, judged by its top-level keys, so a command given the wrong kind of
/// file can name the right command instead of an unknown key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Has `axes` or a base `model`: run it with `sim sweep`.
    Experiment(&'static str),
    /// Has `streams` (or `consumers`): run it with `sim run`.
    Model(&'static str),
    /// Neither, or not TOML: let the parser explain.
    Unknown,
}

/// The kind of file `text` is, and the key that shows it.
pub fn kind_of(text: &str) -> FileKind {
    let Ok(table) = text.parse::<toml::Table>() else {
        return FileKind::Unknown;
    };
    let has = |k: &str| table.contains_key(k);
    if has("axes") {
        return FileKind::Experiment("axes");
    }
    if let Some(key) = ["streams", "consumers", "producers"]
        .into_iter()
        .find(|k| has(k))
    {
        return FileKind::Model(key);
    }
    if table.get("model").is_some_and(toml::Value::is_str) {
        return FileKind::Experiment("model");
    }
    FileKind::Unknown
}
