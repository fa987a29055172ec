//! Bands over plausible assumptions: every point of an experiment run again under N sets of the
//! parameters AWS does not publish (one space-filling design shared by all points), the spread of
//! each metric across the sets, and how much of that spread each assumption explains.
//!
//! The same unit-cube rows serve every model of the experiment: a column belongs to a parameter
//! key, so two architectures that share `consumers.fn.throttle_backoff.max` see the same values in
//! set k, and their curves stay comparable. Each run's seed is the one the plain sweep uses for
//! its point and replicate (common random numbers), so differences between sets come from the
//! assumptions, not from the dice.
//!
//! Sensitivity is estimated from the same runs ("given data"): for each parameter, the sets are
//! sorted by its value and cut into about √N equal slices, and the share of the metric's variance
//! that the slice means explain (the correlation ratio η², adjusted for the number of slices) is
//! its main effect: 0 when the metric does not follow the parameter, 1 when the parameter alone
//! decides it. This costs no runs beyond the band's; docs/model.md §19 says why it was chosen
//! over a Saltelli design.

use super::journal::{self, RunId};
use super::metric::Metric;
use super::shard;
use super::stats::PointSummaries;
use super::{Options, SweepError};
use crate::assumptions::design::sobol_points;
use crate::assumptions::{expand, AssumptionSet, Band, Catalogue, Param};
use crate::config::{ConfigError, Override};
use crate::engine::rng::{derive_seed, name_id};
use crate::experiment::Experiment;
use anyhow::{Context, Result};
use indicatif::{ParallelProgressIterator, ProgressBar, ProgressStyle};
use rayon::prelude::*;

/// N assumption sets over every model of an experiment.
#[derive(Clone, Debug)]
pub struct AssumptionDesign {
    /// Every parameter key of the experiment's models, first seen first: the design's columns.
    pub keys: Vec<String>,
    /// Per model file of the experiment: its assumed parameters.
    pub params: Vec<Vec<Param>>,
    /// One row per set, one unit coordinate per key.
    pub unit: Vec<Vec<f64>>,
}

impl AssumptionDesign {
    /// `n` scrambled Sobol sets over the catalogue's ranges for `exp`'s models, seeded from the
    /// experiment seed.
    pub fn new(exp: &Experiment, n: usize) -> Result<AssumptionDesign, ConfigError> {
        let cat = Catalogue::load();
        let params = exp
            .model_files()
            .iter()
            .map(|m| expand(cat, m, exp.fixed_overrides(), &[]))
            .collect::<Result<Vec<_>, _>>()?;
        let mut keys: Vec<String> = Vec::new();
        for p in params.iter().flatten() {
            if !keys.contains(&p.key) {
                keys.push(p.key.clone());
            }
        }
        let seed = derive_seed(exp.seed, &[name_id("assumptions")]);
        let unit = sobol_points(n, keys.len(), seed)
            .map_err(|m| ConfigError::whole(&exp.path, format!("--assumptions {n}: {m}")))?;
        Ok(AssumptionDesign { keys, params, unit })
    }

    /// Number of sets.
    pub fn sets(&self) -> usize {
        self.unit.len()
    }

    /// What names the design in a journal's header and its runs' keys: `sobol:N`.
    pub fn id(&self) -> String {
        format!("sobol:{}", self.sets())
    }

    /// The design of `exp` named by `id` (as [`AssumptionDesign::id`] writes it); the error says
    /// why `id` names none.
    pub fn from_id(exp: &Experiment, id: &str) -> Result<AssumptionDesign, String> {
        let n = (id.strip_prefix("sobol:"))
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| format!("unknown assumption design `{id}` (expected sobol:N)"))?;
        AssumptionDesign::new(exp, n).map_err(|e| e.to_string())
    }

    /// The unit coordinate of `key` in set `s`.
    pub fn coordinate(&self, s: usize, key: &str) -> f64 {
        let k = self.keys.iter().position(|x| x == key).unwrap_or(0);
        self.unit[s][k]
    }

    /// The overrides that apply set `s` to model file `model`.
    pub fn overrides(&self, model: usize, s: usize) -> Vec<Override> {
        let params = &self.params[model];
        let u: Vec<f64> = params.iter().map(|p| self.coordinate(s, &p.key)).collect();
        AssumptionSet::at(params, &u).overrides(params)
    }
}

/// Per set, per point: the metrics' means across replicates.
pub type SetSummaries = Vec<Vec<PointSummaries>>;

/// A sweep's assumption sets and what every point gave under each.
#[derive(Clone, Debug)]
pub struct Bands {
    pub design: AssumptionDesign,
    pub sets: SetSummaries,
}

/// The legend of a band across assumption sets.
pub const BAND_LABEL: &str = "plausible assumptions, 5-95%";

/// Runs every point and replicate of `exp` under every set of `design` (sets x points x
/// replicates runs, in parallel, journaled when `opts` names a journal); `opts.shard` must be None.
pub fn run(
    exp: &Experiment,
    design: &AssumptionDesign,
    opts: &Options,
) -> Result<SetSummaries, SweepError> {
    Ok(summarise(exp, &run_runs(exp, design, opts)?))
}

/// Per set and point, the means of the metrics over `reports`: every assumption run in
/// set-then-point-then-replicate order.
pub fn summarise(exp: &Experiment, reports: &[crate::model::RunReport]) -> SetSummaries {
    let reps = exp.replicates as usize;
    reports
        .chunks(exp.points.len() * reps)
        .map(|set| {
            set.chunks(reps)
                .map(|runs| PointSummaries::of(runs.iter()))
                .collect()
        })
        .collect()
}

/// The assumption runs `opts` asks for (every one, or those of its shard) in
/// set-then-point-then-replicate order.
fn tasks(exp: &Experiment, design: &AssumptionDesign, opts: &Options) -> Vec<RunId> {
    let all = shard::run_ids(exp, design.sets()).split_off(exp.runs());
    match opts.shard {
        None => all,
        Some(s) => {
            let owner = shard::assign_all(exp, design.sets(), s.count).split_off(exp.runs());
            (all.into_iter().zip(owner))
                .filter(|&(_, k)| k == s.index)
                .map(|(t, _)| t)
                .collect()
        }
    }
}

/// Runs the assumption runs `opts` asks for (every one, or its shard's), each taken from the
/// journal when resuming and there, else simulated and journaled; their reports come back in
/// set-then-point-then-replicate order.
pub fn run_runs(
    exp: &Experiment,
    design: &AssumptionDesign,
    opts: &Options,
) -> Result<Vec<crate::model::RunReport>, SweepError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()
        .context("cannot start worker threads")?;
    let tasks = tasks(exp, design, opts);
    let bar = progress(opts.progress, tasks.len(), &exp.name);
    let reports: Vec<Option<Result<crate::model::RunReport>>> = pool.install(|| {
        (tasks.par_iter().progress_with(bar.clone()))
            .map(|id| run_one(exp, design, id, opts))
            .collect()
    });
    bar.finish_and_clear();
    let total = reports.len();
    if reports.iter().any(Option::is_none) {
        return Err(SweepError::Interrupted {
            finished: reports.iter().filter(|r| matches!(r, Some(Ok(_)))).count(),
            total,
            journal: (opts.journal).map_or("memory".into(), |d| d.display().to_string()),
        });
    }
    Ok(reports
        .into_iter()
        .map(|r| r.expect("checked above"))
        .collect::<Result<Vec<_>>>()?)
}

/// The journal key of point `p`, replicate `r` under set `s` of `design`.
pub fn key(exp: &Experiment, design: &AssumptionDesign, s: usize, p: usize, r: u32) -> String {
    let overrides = design.overrides(exp.points[p].model, s);
    let set = journal::SetRef {
        design: &design.id(),
        index: s,
        overrides: &overrides,
    };
    journal::set_key(exp, p, r, &set)
}

fn run_one(
    exp: &Experiment,
    design: &AssumptionDesign,
    id: &RunId,
    opts: &Options,
) -> Option<Result<crate::model::RunReport>> {
    let (s, p, r) = (id.set.unwrap_or(0), id.point, id.replicate);
    let what = || {
        format!(
            "assumption set {s}, point {} replicate {r}",
            exp.points[p].key()
        )
    };
    let simulate = || {
        let spec = exp
            .spec_with(p, r, &design.overrides(exp.points[p].model, s))
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(what)?;
        crate::model::run::simulate_with(&spec, opts.prices, &mut crate::model::run::Unobserved)
            .with_context(what)
    };
    super::journaled(opts, &key(exp, design, s, p, r), id, simulate)
}

fn progress(shown: bool, len: usize, name: &str) -> ProgressBar {
    if !shown {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template(
        "{msg} [{bar:40}] {pos}/{len} runs, {elapsed} elapsed, ~{eta} left",
    )
    .expect("static template");
    let bar = ProgressBar::new(len as u64).with_style(style);
    bar.set_message(format!("{name}, assumption sets"));
    bar
}

/// The spread of a metric's per-set means at one point.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Spread {
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    pub fn of(ys: &[f64]) -> Spread {
        let b = Band::of(ys);
        Spread {
            p5: b.low,
            p50: b.median,
            p95: b.high,
            min: ys.iter().copied().fold(f64::INFINITY, f64::min).min(b.low),
            max: ys
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max)
                .max(b.high),
        }
    }

    pub fn width(&self) -> f64 {
        self.max - self.min
    }
}

/// The per-set means of `m` at point `p`.
pub fn per_set(sets: &SetSummaries, p: usize, m: Metric) -> Vec<f64> {
    sets.iter().map(|s| s[p][m].mean).collect()
}

/// The spread of `m` at point `p`.
pub fn spread(sets: &SetSummaries, p: usize, m: Metric) -> Spread {
    Spread::of(&per_set(sets, p, m))
}

/// How much of a metric's spread at one point one assumption explains.
#[derive(Clone, Debug, PartialEq)]
pub struct Effect {
    pub key: String,
    /// Share of the variance across sets (0 to 1).
    pub effect: f64,
}

/// Every parameter of point `p`'s model with its effect on `m`, largest first (ties by key).
pub fn effects(
    exp: &Experiment,
    design: &AssumptionDesign,
    sets: &SetSummaries,
    p: usize,
    m: Metric,
) -> Vec<Effect> {
    let y = per_set(sets, p, m);
    let mut out: Vec<Effect> = design.params[exp.points[p].model]
        .iter()
        .map(|param| {
            let x: Vec<f64> = (0..design.sets())
                .map(|s| design.coordinate(s, &param.key))
                .collect();
            Effect {
                key: param.key.clone(),
                effect: main_effect(&x, &y),
            }
        })
        .collect();
    out.sort_by(|a, b| b.effect.total_cmp(&a.effect).then(a.key.cmp(&b.key)));
    out
}

/// The share of the variation of `y` explained by `x` alone: the correlation ratio of the ranks
/// of `y` over about √n slices of equal count along `x`, adjusted for the slices' degrees of
/// freedom (so an unrelated `x` gives about 0, not (k − 1)/n) and clamped to [0, 1]. Ranks keep
/// one extreme set (a run that backs off for a minute) from lending its weight to whichever
/// slices it falls in. A `y` that does not vary gives 0.
pub fn main_effect(x: &[f64], y: &[f64]) -> f64 {
    let n = y.len();
    let (lo, hi) = y
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    let scale = lo.abs().max(hi.abs());
    if n < 4 || hi - lo <= scale * 1e-9 {
        return 0.0;
    }
    let y = ranks(y);
    let mean = y.iter().sum::<f64>() / n as f64;
    let total: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
    let k = ((n as f64).sqrt().round() as usize).clamp(2, n / 2);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let between: f64 = (0..k)
        .map(|j| {
            let slice = &order[j * n / k..(j + 1) * n / k];
            let m = slice.iter().map(|&i| y[i]).sum::<f64>() / slice.len() as f64;
            slice.len() as f64 * (m - mean).powi(2)
        })
        .sum();
    let eta2 = between / total;
    let adjusted = 1.0 - (1.0 - eta2) * (n - 1) as f64 / (n - k) as f64;
    adjusted.clamp(0.0, 1.0)
}

/// The rank of each value (1-based; tied values share their mean rank).
fn ranks(y: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..y.len()).collect();
    order.sort_by(|&a, &b| y[a].total_cmp(&y[b]));
    let mut out = vec![0.0; y.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && y[order[j + 1]] == y[order[i]] {
            j += 1;
        }
        for &k in &order[i..=j] {
            out[k] = (i + j) as f64 / 2.0 + 1.0;
        }
        i = j + 1;
    }
    out
}

/// The metrics whose deciding assumption the summary names.
pub const HEADLINE: [Metric; 2] = [Metric::IteratorAgeMax, Metric::ThrottledReadsPerMin];

/// The effect an unrelated parameter exceeds in only 5% of designs of `n` sets (simulated for
/// n = 16 to 128: 0.35, 0.20, 0.12, 0.06), below which no assumption is called deciding.
pub fn noise_floor(n: usize) -> f64 {
    3.2 * (n.max(1) as f64).powf(-0.8)
}

/// The assumption that decides the headline metrics at point `p`, with its effect and metric:
/// the largest effect on a headline metric whose band has any width; None when none reaches
/// the [`noise_floor`].
pub fn deciding(
    exp: &Experiment,
    design: &AssumptionDesign,
    sets: &SetSummaries,
    p: usize,
) -> Option<(Effect, Metric)> {
    HEADLINE
        .iter()
        .filter(|&&m| spread(sets, p, m).width() > 0.0)
        .filter_map(|&m| {
            let top = effects(exp, design, sets, p, m).into_iter().next()?;
            Some((top, m))
        })
        .filter(|(e, _)| e.effect >= noise_floor(design.sets()))
        .max_by(|a, b| a.0.effect.total_cmp(&b.0.effect))
}

/// The axis of consumer counts: the first whose path ends in `.count`, else the x axis.
pub fn count_axis(exp: &Experiment) -> Option<usize> {
    exp.axes
        .iter()
        .position(|a| a.path.ends_with(".count"))
        .or(exp.x_axis)
}

/// The points grouped by their values on every axis but the count axis ("architectures"), each
/// named by those values, in first-seen order.
pub fn architectures(exp: &Experiment) -> Vec<(String, Vec<usize>)> {
    let count = count_axis(exp);
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for p in &exp.points {
        let parts: Vec<String> = (p.values.iter().enumerate())
            .filter(|(i, _)| Some(*i) != count)
            .map(|(_, (path, v))| match path.as_str() {
                "model" => v.display(),
                _ => format!(
                    "{}={}",
                    exp.axes
                        .iter()
                        .find(|a| &a.path == path)
                        .map_or(path.as_str(), |a| a.label.as_str()),
                    v.display()
                ),
            })
            .collect();
        let name = if parts.is_empty() {
            "base model".to_string()
        } else {
            parts.join(", ")
        };
        match groups.iter_mut().find(|g| g.0 == name) {
            Some(g) => g.1.push(p.index),
            None => groups.push((name, vec![p.index])),
        }
    }
    groups
}

/// The most contended of `points`: the most throttled reads per minute, then the oldest
/// IteratorAge (the later point on ties).
pub fn most_contended(sums: &[PointSummaries], points: &[usize]) -> usize {
    let key = |p: usize| {
        (
            sums[p][Metric::ThrottledReadsPerMin].mean,
            sums[p][Metric::IteratorAgeMax].mean,
        )
    };
    points
        .iter()
        .copied()
        .max_by(|&a, &b| {
            let (ka, kb) = (key(a), key(b));
            ka.0.total_cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_effect_finds_the_parameter_that_decides_and_ignores_one_that_does_not() {
        let n = 64;
        let pts = sobol_points(n, 2, 3).unwrap();
        let x1: Vec<f64> = pts.iter().map(|p| p[0]).collect();
        let x2: Vec<f64> = pts.iter().map(|p| p[1]).collect();
        let y: Vec<f64> = x1.iter().map(|v| (6.0 * v).sin() + v * v).collect();
        // Slices of an eighth keep what y does within each eighth: a little under 1.
        assert!(main_effect(&x1, &y) > 0.8, "{}", main_effect(&x1, &y));
        assert!(main_effect(&x2, &y) < 0.1, "{}", main_effect(&x2, &y));
        assert_eq!(main_effect(&x1, &vec![5.0; n]), 0.0);
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn spreads_keep_the_extremes() {
        let s = Spread::of(&[1.0, 2.0, 3.0, 4.0, 100.0]);
        assert_eq!((s.min, s.max, s.p50), (1.0, 100.0, 3.0));
        assert!(s.p95 < 100.0 && s.p5 > 1.0);
        assert_eq!(Spread::of(&[2.0; 4]).width(), 0.0);
    }
}
