//! Calibration: the model's assumed parameters fitted so that its per-minute IteratorAge and
//! throttled reads match a CloudWatch export of the same window, with the traffic replayed.
//!
//! Method (reproducible: every run uses the model's seed, so candidates share their random
//! numbers):
//! 1. a baseline run with the model's own values;
//! 2. unless `--fit` names the parameters, a screen: each catalogue parameter that applies to the
//!    model is run alone near each end of its range, and the [`SCREEN_KEEP`] that move the loss
//!    most (by more than 1 % of the baseline loss) are fitted;
//! 3. a scrambled Sobol design over the fitted parameters' ranges (in the unit cube);
//! 4. a coordinate search from the best Sobol point (± 1/4 of each range, halving to 1/64).
//!
//! The loss is the mean over the matched series of the normalised RMSE (see [`observed::errors`]).
//! Per-minute IteratorAge is noisy, so even exactly right values do not reach 0 against data drawn
//! with other random numbers. The noise floor says how far from 0 they stay: the best values run
//! under [`NOISE_SEEDS`] other seeds, each run's loss against the best run's series, the mean (the
//! typical loss of right values) and the range reported beside the fit's loss. It is not a bound:
//! the search keeps the lowest of many losses under one seed, so its best can land below the mean,
//! even below the range, by chance (it fits that seed's noise too). A best loss at or below the
//! floor means the data cannot tell the fit from right values; well above it, the model misses
//! something the data shows.
//! A parameter is identified by the data when the candidates within 10 % of the best loss agree
//! on it: their spread is reported as a share of its range (for a choice, such as a jitter or a
//! poller: the values they take).

pub(crate) mod matching;
pub mod observed;
pub(crate) mod search;
pub(crate) mod write;

use crate::assumptions::{expand, AssumptionSet, Catalogue, Param};
use crate::cloudwatch;
use crate::config::{ConfigError, ModelFile, Override};
use crate::model::estimate::{estimate, Estimate};
use crate::model::run::simulate;
pub use observed::Observed;
use rayon::prelude::*;
use search::{Candidate, Phase};
use std::path::PathBuf;

/// How many parameters the screen keeps.
pub const SCREEN_KEEP: usize = 4;
/// How many other seeds the best values are run with to measure the noise floor.
pub const NOISE_SEEDS: usize = 8;
/// Candidates within this factor of the best loss count as fitting about as well.
pub const NEAR_BEST: f64 = 1.1;

/// What to calibrate, against what.
#[derive(Clone, Debug)]
pub struct Request {
    pub queries: PathBuf,
    pub observed: PathBuf,
    /// Parameter keys to fit (as `sim assumptions MODEL` lists them); empty: screen.
    pub fit: Vec<String>,
    /// Runs of the search (Sobol points and refinement), beside the baseline and the screen.
    pub runs: usize,
    pub overrides: Vec<Override>,
    /// `(function, consumer)`: a function's `AWS/Lambda` series are matched to this consumer
    /// (`--function FUNCTION=CONSUMER`); others to the consumer of the function's own name.
    pub functions: Vec<(String, String)>,
}

/// The calibrate layer's error: a bad model or export, a request that cannot be met, or the
/// calibration's folder not written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Export(#[from] cloudwatch::Error),
    /// `--fit` names a key that is not one of the model's assumed parameters (`known`, joined).
    #[error("--fit {key}: not an assumed parameter of this model; it has: {known}")]
    NotAParameter { key: String, known: String },
    #[error(
        "no assumed parameter moves the matched series: nothing to fit (name some with --fit)"
    )]
    NothingToFit,
    /// A `--function` pair that cannot be: no such consumer, or one function sent to two.
    #[error(transparent)]
    FunctionMap(#[from] matching::MatchError),
    #[error("no candidate could be run")]
    NoCandidate,
    /// The model's text, parsed again to write the calibrated model.
    #[error("the model is not TOML")]
    NotToml(#[source] toml_edit::TomlError),
    /// A fitted value that cannot be set in the model's text (`flag` as `--set` would take it).
    #[error("{flag}: {problem}")]
    Set {
        flag: String,
        problem: crate::config::Problem,
    },
    #[error(transparent)]
    Write(#[from] crate::fsio::WriteError),
    #[error(transparent)]
    Plot(#[from] crate::plot::PlotError),
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
}

/// A finished calibration.
#[derive(Clone, Debug)]
pub struct Calibration {
    pub model: String,
    pub seed: u64,
    pub observed: Observed,
    pub params: Vec<Param>,
    /// Each screened parameter and how much it moved the loss (empty with `--fit`).
    pub screen: Vec<(String, f64)>,
    pub baseline: Candidate,
    /// The search's candidates, in evaluation order.
    pub candidates: Vec<Candidate>,
    pub best: Candidate,
    pub best_set: AssumptionSet,
    /// The best candidate's simulated series (one per target).
    pub simulated: Vec<Vec<Option<f64>>>,
    /// The best candidate's simulated series of each matched function (one per
    /// [`Observed::functions`]).
    pub functions: Vec<Vec<Option<f64>>>,
    /// The loss of right values: the best values against themselves under other seeds.
    pub noise: Noise,
    pub spreads: Vec<Spread>,
    /// Every run made, baseline and screen included.
    pub runs: usize,
}

/// The noise floor: the losses of the best values, run under the calibration's seed, against the
/// same values under [`NOISE_SEEDS`] other seeds. Each is the loss a model with exactly right
/// values gets against data drawn with other random numbers; their mean is the typical loss of
/// right values, and their range how far chance alone moves it.
#[derive(Clone, Debug, PartialEq)]
pub struct Noise {
    /// The losses, in seed order.
    pub losses: Vec<f64>,
}

impl Noise {
    fn of(losses: Vec<f64>) -> Noise {
        Noise { losses }
    }

    /// The mean loss of right values: the noise floor.
    pub fn mean(&self) -> f64 {
        self.losses.iter().sum::<f64>() / self.losses.len().max(1) as f64
    }

    /// The lowest and highest of the losses.
    pub fn range(&self) -> (f64, f64) {
        let lo = self.losses.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = self
            .losses
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        (lo, hi)
    }
}

/// How well the data pins one parameter: its values among near-best candidates.
#[derive(Clone, Debug, PartialEq)]
pub struct Spread {
    pub key: String,
    pub low: String,
    pub high: String,
    /// The spread as a share of the parameter's range (unit coordinates).
    pub width: f64,
    /// For a choice (a poller, a jitter), which has no range to take a share of: the values
    /// among near-best candidates, in the catalogue's order.
    pub choices: Option<Vec<String>>,
    /// Where the best value sits at an end of the plausible range, which end: the truth may lie
    /// beyond it, outside what the catalogue admits.
    pub edge: Option<Edge>,
}

/// An end of a parameter's plausible range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    Low,
    High,
}

/// A best value within this share of its range from an end counts as at that end (the search's
/// finest step is 1/64 of the range).
pub const EDGE: f64 = 0.02;

impl Edge {
    /// The end `u` (unit coordinate) is at, if it is at one.
    pub fn of(u: f64) -> Option<Edge> {
        if u <= EDGE {
            Some(Edge::Low)
        } else if u >= 1.0 - EDGE {
            Some(Edge::High)
        } else {
            None
        }
    }

    /// What the summary and the calibrated model say of a value at this end.
    pub fn warning(self) -> &'static str {
        match self {
            Edge::Low => "at the low end of its plausible range: the truth may lie below it",
            Edge::High => "at the high end of its plausible range: the truth may lie above it",
        }
    }
}

/// The observed export in the calibration's window: the replayed traffic's, else the model's
/// duration placed where it holds the most observed points.
pub fn observe(file: &ModelFile, req: &Request) -> Result<Observed, Error> {
    let spec = file.resolve(&req.overrides)?;
    let names: Vec<String> = spec.consumers.iter().map(|c| c.name.clone()).collect();
    let map = matching::check_map(&names, &req.functions)?;
    let consumers = matching::Consumers {
        names: &names,
        map: &map,
    };
    // Each consumer and the table it comes from: the copies of one table are fitted together.
    let groups: Vec<(String, String)> = (spec.consumers.iter())
        .map(|c| (c.name.clone(), c.table.clone()))
        .collect();
    let window = match file.replay_window() {
        Some((start, end)) => observed::Window {
            start: Some(start),
            seconds: end.saturating_sub(start).max(0) as u64,
            from: "the replayed traffic",
        },
        None => observed::Window {
            start: None,
            seconds: spec.duration / crate::engine::time::SEC,
            from: "the model's duration",
        },
    };
    Ok(observed::read(
        &req.queries,
        &req.observed,
        window,
        consumers,
        &groups,
    )?)
}

/// The request's overrides and the window's duration: what every run of the calibration is.
fn base_overrides(req: &Request, observed: &Observed) -> Vec<Override> {
    let mut base = req.overrides.clone();
    base.push(Override {
        path: "duration".into(),
        value: format!("\"{}s\"", observed.minutes * 60),
    });
    base
}

/// The Sobol points and the refinement runs of the search for `runs`.
fn search_sizes(runs: usize) -> (usize, usize) {
    let sobol = (runs / 2).next_power_of_two().clamp(8, 1 << 12);
    (sobol, runs.saturating_sub(sobol))
}

/// The forecast of the whole calibration, before any run: one run's forecast times the most runs
/// it makes (baseline, screen, search, best values and noise floor); memory is one run's, as in a
/// sweep.
pub fn forecast(file: &ModelFile, req: &Request, observed: &Observed) -> Result<Estimate, Error> {
    let base = base_overrides(req, observed);
    let one = estimate(&file.resolve(&base)?);
    let screened = if req.fit.is_empty() {
        2 * expand(Catalogue::load(), file, &base, &[])?.len()
    } else {
        0
    };
    let (sobol, refine) = search_sizes(req.runs);
    let runs = 3 + screened + sobol + refine;
    Ok(one.times(runs as f64))
}

/// Calibrates `file` against `observed` (see [`observe`]).
pub fn calibrate(
    file: &ModelFile,
    req: &Request,
    observed: Observed,
) -> Result<Calibration, Error> {
    let base = base_overrides(req, &observed);
    let spec = file.resolve(&base)?;
    let all = expand(Catalogue::load(), file, &base, &[])?;
    let errors_of = |set: &AssumptionSet, params: &[Param]| -> Vec<f64> {
        let mut ovs = base.clone();
        ovs.extend(set.overrides(params));
        run_errors(file, &ovs, &observed)
            .unwrap_or_else(|| vec![f64::INFINITY; observed.targets.len()])
    };
    let baseline = search::evaluate(vec![vec![]], Phase::Baseline, &|_: &[f64]| {
        errors_of(&AssumptionSet { values: vec![] }, &[])
    })
    .remove(0);
    let (params, screen, screened_runs) = if req.fit.is_empty() {
        screen(&all, baseline.loss, &errors_of)?
    } else {
        (chosen(&all, &req.fit)?, vec![], 0)
    };
    let (sobol, refine) = search_sizes(req.runs);
    let eval = |u: &[f64]| errors_of(&AssumptionSet::at(&params, u), &params);
    let candidates = search::run(params.len(), sobol, refine, spec.seed, &eval);
    let best = search::best_of(&candidates)
        .cloned()
        .ok_or_else(|| Error::NoCandidate)?;
    let best_set = AssumptionSet::at(&params, &best.u);
    let mut ovs = base.clone();
    ovs.extend(best_set.overrides(&params));
    let (simulated, functions) = best_series(file, &ovs, &observed).unwrap_or_default();
    let noise = Noise::of(noise_floor(file, &ovs, &observed, &simulated, spec.seed));
    let spreads = spreads(&params, &candidates, &best);
    Ok(Calibration {
        model: spec.name,
        seed: spec.seed,
        observed,
        runs: 2 + NOISE_SEEDS + screened_runs + candidates.len(),
        params,
        screen,
        baseline,
        candidates,
        best,
        best_set,
        simulated,
        functions,
        noise,
        spreads,
    })
}

/// The losses of the [`Noise`] floor, in seed order: the best values' series `best` (under the
/// calibration's seed) taken as observed, against the same values under seeds `seed + 1` on.
fn noise_floor(
    file: &ModelFile,
    ovs: &[Override],
    obs: &Observed,
    best: &[Vec<Option<f64>>],
    seed: u64,
) -> Vec<f64> {
    let as_observed: Vec<observed::Target> = obs
        .targets
        .iter()
        .zip(best)
        .map(|(t, values)| observed::Target {
            values: values.clone(),
            ..t.clone()
        })
        .collect();
    (1..=NOISE_SEEDS as u64)
        .into_par_iter()
        .map(|k| {
            let mut ovs = ovs.to_vec();
            ovs.push(Override {
                path: "seed".into(),
                value: seed.wrapping_add(k).min(i64::MAX as u64).to_string(),
            });
            run_series(file, &ovs, obs).map_or(f64::INFINITY, |other| {
                observed::loss(&observed::errors(&as_observed, &other))
            })
        })
        .collect()
}

/// The targets' errors of one run (`None` if the overrides do not make a valid model).
fn run_errors(file: &ModelFile, ovs: &[Override], obs: &Observed) -> Option<Vec<f64>> {
    let sim = run_series(file, ovs, obs)?;
    Some(observed::errors(&obs.targets, &sim))
}

fn run_series(file: &ModelFile, ovs: &[Override], obs: &Observed) -> Option<Vec<Vec<Option<f64>>>> {
    let spec = file.resolve(ovs).ok()?;
    let report = simulate(&spec).ok()?;
    Some(observed::simulated(
        &obs.targets,
        obs.minutes,
        report.minutes.rows(),
    ))
}

/// One run's series of the targets and of each matched function.
type BestSeries = (Vec<Vec<Option<f64>>>, Vec<Vec<Option<f64>>>);

fn best_series(file: &ModelFile, ovs: &[Override], obs: &Observed) -> Option<BestSeries> {
    let spec = file.resolve(ovs).ok()?;
    let report = simulate(&spec).ok()?;
    let rows = || report.minutes.rows();
    Some((
        observed::simulated(&obs.targets, obs.minutes, rows()),
        observed::simulated(&obs.functions, obs.minutes, rows()),
    ))
}

/// The parameters named by `--fit`, in the order given.
fn chosen(all: &[Param], keys: &[String]) -> Result<Vec<Param>, Error> {
    keys.iter()
        .map(|k| {
            all.iter().find(|p| &p.key == k).cloned().ok_or_else(|| {
                let known: Vec<&str> = all.iter().map(|p| p.key.as_str()).collect();
                Error::NotAParameter {
                    key: k.clone(),
                    known: known.join(", "),
                }
            })
        })
        .collect()
}

/// The parameters kept, each screened parameter's effect, and the runs the screen made.
type Screened = (Vec<Param>, Vec<(String, f64)>, usize);

type ErrorsOf<'a> = dyn Fn(&AssumptionSet, &[Param]) -> Vec<f64> + Sync + 'a;

/// Each parameter alone near both ends of its range; those that move the loss most.
fn screen(all: &[Param], base_loss: f64, errors_of: &ErrorsOf) -> Result<Screened, Error> {
    let points: Vec<Vec<f64>> = (0..all.len())
        .flat_map(|i| [0.02, 0.98].map(|x| vec![i as f64, x]))
        .collect();
    let eval = |p: &[f64]| {
        let one = std::slice::from_ref(&all[p[0] as usize]);
        errors_of(&AssumptionSet::at(one, &p[1..]), one)
    };
    let runs = search::evaluate(points, Phase::Screen, &eval);
    let mut effect: Vec<(String, f64)> = all
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let moved = runs[2 * i..2 * i + 2]
                .iter()
                .map(|c| (c.loss - base_loss).abs())
                .filter(|x| x.is_finite())
                .fold(0.0, f64::max);
            (p.key.clone(), moved)
        })
        .collect();
    effect.sort_by(|a, b| b.1.total_cmp(&a.1));
    let floor = 0.01 * base_loss.max(1e-9);
    let keep: Vec<Param> = effect
        .iter()
        .take(SCREEN_KEEP)
        .filter(|e| e.1 > floor)
        .filter_map(|e| all.iter().find(|p| p.key == e.0).cloned())
        .collect();
    if keep.is_empty() {
        return Err(Error::NothingToFit);
    }
    Ok((keep, effect, runs.len()))
}

/// The values of choice parameter `p` (dimension `d`) that `near` hold, in the catalogue's order.
fn choices_of(p: &Param, d: usize, near: &[&Candidate]) -> Vec<String> {
    let mut seen: Vec<(usize, String)> = Vec::new();
    for c in near {
        let v = p.range.at(c.u[d]);
        let i = match &v {
            crate::assumptions::value::Value::Choice(i, _) => *i,
            _ => 0,
        };
        if !seen.iter().any(|(j, _)| *j == i) {
            seen.push((i, v.display()));
        }
    }
    seen.sort();
    seen.into_iter().map(|(_, v)| v).collect()
}

/// Each parameter's values among the candidates within [`NEAR_BEST`] of the best loss.
fn spreads(params: &[Param], candidates: &[Candidate], best: &Candidate) -> Vec<Spread> {
    let near: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.loss <= best.loss * NEAR_BEST + 1e-12)
        .collect();
    params
        .iter()
        .enumerate()
        .map(|(d, p)| {
            let lo = near.iter().map(|c| c.u[d]).fold(f64::INFINITY, f64::min);
            let hi = near
                .iter()
                .map(|c| c.u[d])
                .fold(f64::NEG_INFINITY, f64::max);
            Spread {
                key: p.key.clone(),
                low: p.range.at(lo).display(),
                high: p.range.at(hi).display(),
                width: hi - lo,
                choices: (!p.range.values.is_empty()).then(|| choices_of(p, d, &near)),
                // A choice (a poller, a jitter) has no end beyond which the truth could lie.
                edge: (p.range.values.is_empty())
                    .then(|| best.u.get(d).copied().and_then(Edge::of))
                    .flatten(),
            }
        })
        .collect()
}
