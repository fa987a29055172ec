//! `results.json`: every point's metric summaries, and the same under each assumption set, with
//! what identifies the sweep that made them (sim version, experiment and model hash, seed,
//! replicates, prices, design), so that `sim plan --out DIR` answers its objectives over a sweep
//! already in DIR instead of running it again.

use crate::experiment::Experiment;
use crate::plan::Counters;
use crate::sweep::bands::{Bands, SetSummaries};
use crate::sweep::metric::Metric;
use crate::sweep::stats::{PointSummaries, PointSummary};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The file's name in a sweep's folder.
pub(crate) const FILE: &str = "results.json";

/// What decides a sweep's results besides the code: two sweeps with equal identities give the
/// same bytes.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub(crate) struct Identity {
    pub sim_version: String,
    /// Hash of the experiment file's text and every model file it names.
    pub experiment_hash: String,
    pub seed: u64,
    pub replicates: u32,
    /// Runs of each point under each assumption set (0 in a file written before sim had the
    /// setting, which ran `replicates`: such a file is not taken for a sweep of today's).
    #[serde(default)]
    pub set_replicates: u32,
    /// The unit prices' id (`builtin`, or a hash of the prices file).
    pub prices: String,
}

impl Identity {
    /// The identity of `exp` run with prices `prices`.
    pub(crate) fn of(exp: &Experiment, prices: &str) -> Identity {
        Identity {
            sim_version: env!("CARGO_PKG_VERSION").into(),
            experiment_hash: exp.source_hash(),
            seed: exp.seed,
            replicates: exp.replicates,
            set_replicates: exp.set_replicates,
            prices: prices.into(),
        }
    }
}

/// The file's contents: summaries as `[mean, ci95]` pairs in the order of `metrics`.
#[derive(Serialize, Deserialize, Debug)]
struct File {
    identity: Identity,
    runs: usize,
    events: u64,
    metrics: Vec<String>,
    points: Vec<Vec<[f64; 2]>>,
    /// Per point, the busiest consumer's busy share (`plan::Counters`).
    busy: Vec<f64>,
    /// The assumption design's id and every set's points (A, B, then AB blocks for Saltelli).
    design: Option<String>,
    sets: Vec<Vec<Vec<[f64; 2]>>>,
}

/// A sweep read back from its folder.
pub(crate) struct Saved {
    pub runs: usize,
    pub events: u64,
    pub sums: Vec<PointSummaries>,
    pub counters: Vec<Counters>,
    /// The design's id and every set's summaries, when the sweep ran assumption sets.
    pub sets: Option<(String, SetSummaries)>,
}

fn pairs(s: &PointSummaries) -> Vec<[f64; 2]> {
    s.iter().map(|(_, v)| [v.mean, v.ci95]).collect()
}

/// The summaries of `n` replicates saved as `v`.
fn summaries(v: &[[f64; 2]], n: u32) -> PointSummaries {
    PointSummaries::from_fn(|m| {
        let i = Metric::ALL.iter().position(|x| *x == m).unwrap_or(0);
        v.get(i).map_or(PointSummary::default(), |p| PointSummary {
            mean: p[0],
            ci95: p[1],
            n,
        })
    })
}

/// The file's text for a sweep of `runs` runs and `events` events.
pub(crate) fn json(
    identity: Identity,
    runs: usize,
    events: u64,
    sums: &[PointSummaries],
    counters: &[Counters],
    bands: Option<&Bands>,
) -> String {
    let sets = bands.map_or_else(Vec::new, |b| {
        b.sets
            .iter()
            .chain(b.ab.iter().flatten())
            .map(|set| set.iter().map(pairs).collect())
            .collect()
    });
    let f = File {
        identity,
        runs,
        events,
        metrics: Metric::ALL.iter().map(|m| m.name().to_string()).collect(),
        points: sums.iter().map(pairs).collect(),
        busy: counters.iter().map(|c| c.busy_share).collect(),
        design: bands.map(|b| b.design.id()),
        sets,
    };
    serde_json::to_string(&f).expect("results serialize") + "\n"
}

/// The sweep saved in `dir`, if it was made with `identity` for the experiment's points (None:
/// no such file, or one from another sweep, version or set of metrics).
pub(crate) fn read(dir: &Path, identity: &Identity, points: usize) -> Option<Saved> {
    let text = crate::input::read_bounded(&dir.join(FILE), crate::input::JOURNAL_LIMIT).ok()?;
    let f: File = serde_json::from_slice(&text).ok()?;
    let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
    if f.identity != *identity
        || f.metrics != names
        || f.points.len() != points
        || f.busy.len() != points
    {
        return None;
    }
    if f.sets.iter().any(|s| s.len() != points) {
        return None;
    }
    let sets = f.design.map(|d| {
        let sets = f
            .sets
            .iter()
            .map(|s| {
                s.iter()
                    .map(|p| summaries(p, f.identity.set_replicates))
                    .collect()
            })
            .collect();
        (d, sets)
    });
    Some(Saved {
        runs: f.runs,
        events: f.events,
        sums: (f.points.iter())
            .map(|p| summaries(p, f.identity.replicates))
            .collect(),
        counters: f
            .busy
            .iter()
            .map(|&busy_share| Counters { busy_share })
            .collect(),
        sets,
    })
}
