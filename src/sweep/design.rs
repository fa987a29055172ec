//! The design of a sweep over assumption sets: N sets of the parameters AWS does not publish (one
//! space-filling design shared by all points), the estimator it is made for, its id in a journal,
//! and the journal key of each run under one of its sets.
//!
//! The same unit-cube rows serve every model of the experiment: a column belongs to a parameter
//! key, so two architectures that share `consumers.fn.throttle_backoff.max` see the same values in
//! set k, and their curves stay comparable. Each run's seed is the one the plain sweep uses for
//! its point and replicate (common random numbers), so differences between sets come from the
//! assumptions, not from the dice.

use super::journal::{self, RunId};
use crate::assumptions::design::{latin_hypercube_points, nested_latin_hypercube_points};
use crate::assumptions::{expand, AssumptionSet, Catalogue, Param, Saltelli};
use crate::config::{ConfigError, Override};
use crate::engine::rng::{derive_seed, name_id};
use crate::experiment::Experiment;

/// Why a design or an estimator cannot be made from what names it.
#[derive(Debug, thiserror::Error)]
pub enum DesignError {
    /// A `--sensitivity` value that names no estimator.
    #[error("unknown sensitivity estimator `{0}`; use given-data or saltelli")]
    UnknownEstimator(String),
    /// A design id (in a journal's header or a saved sweep) that names no design.
    #[error("unknown assumption design `{0}` (expected lhs:N, nlhs:N or saltelli:N)")]
    UnknownId(String),
    /// The experiment's models cannot be crossed with the design.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// How a sweep says which assumption a band comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Estimator {
    /// The main effect from the band's own N sets: no extra runs, first order only.
    #[default]
    GivenData,
    /// Saltelli's A, B and AB_i sets, N(d + 2) of them: Jansen's first-order and total effects.
    Saltelli,
}

impl Estimator {
    /// The estimator a `--sensitivity` value names.
    pub fn parse(typed: &str) -> Result<Estimator, DesignError> {
        match typed.trim() {
            "given-data" => Ok(Estimator::GivenData),
            "saltelli" => Ok(Estimator::Saltelli),
            other => Err(DesignError::UnknownEstimator(other.to_string())),
        }
    }

    /// The name `--sensitivity` knows it by.
    pub fn name(self) -> &'static str {
        match self {
            Estimator::GivenData => "given-data",
            Estimator::Saltelli => "saltelli",
        }
    }
}

/// N assumption sets over every model of an experiment.
#[derive(Clone, Debug)]
pub struct AssumptionDesign {
    /// Every parameter key of the experiment's models, first seen first: the design's columns.
    pub keys: Vec<String>,
    /// Per model file of the experiment: its assumed parameters.
    pub params: Vec<Vec<Param>>,
    /// One row per set to run, one unit coordinate per key: the N sets of the band, or for a
    /// Saltelli design its N rows of A, N of B, then N of each AB_i in the keys' order.
    pub unit: Vec<Vec<f64>>,
    /// N when the rows are a Saltelli design's.
    pub saltelli: Option<usize>,
    /// Whether the rows are the first N of a nested Latin hypercube (`--assumptions auto`), whose
    /// sets keep their values and journal keys as the design grows.
    pub nested: bool,
    /// The seed the rows were drawn from, and the bootstrap's resamples of them.
    pub seed: u64,
}

/// The sets `--assumptions auto` starts from; each round doubles them.
pub const AUTO_START: usize = 16;

impl AssumptionDesign {
    /// `n` Latin-hypercube sets over the catalogue's ranges for `exp`'s models, seeded from the
    /// experiment seed. Not Sobol points: at 32 or 64 sets over 12 to 20 columns, pairs of Sobol
    /// columns move together, so the given-data estimator lent a parameter its neighbour's effect;
    /// a Latin hypercube permutes each column on its own.
    pub fn new(exp: &Experiment, n: usize) -> Result<AssumptionDesign, ConfigError> {
        let (keys, params) = columns(exp)?;
        let unit = latin_hypercube_points(n, keys.len(), design_seed(exp));
        Ok(AssumptionDesign {
            keys,
            params,
            unit,
            saltelli: None,
            nested: false,
            seed: design_seed(exp),
        })
    }

    /// The first `n` sets (16·2^k) of the nested Latin hypercube `--assumptions auto` grows: its
    /// first 16 are [`AssumptionDesign::new`]'s 16, and each doubling keeps the sets before it.
    pub fn nested(exp: &Experiment, n: usize) -> Result<AssumptionDesign, ConfigError> {
        let (keys, params) = columns(exp)?;
        let seed = design_seed(exp);
        let unit = nested_latin_hypercube_points(n, AUTO_START, keys.len(), seed);
        Ok(AssumptionDesign {
            keys,
            params,
            unit,
            saltelli: None,
            nested: true,
            seed,
        })
    }

    /// This nested design grown to its first `n` sets (the sets it has stay as they are).
    pub fn grown(&self, n: usize) -> AssumptionDesign {
        debug_assert!(self.nested);
        AssumptionDesign {
            unit: nested_latin_hypercube_points(n, AUTO_START, self.keys.len(), self.seed),
            ..self.clone()
        }
    }

    /// A Saltelli design of `n` rows per matrix over the same columns: N(d + 2) sets.
    pub fn saltelli(exp: &Experiment, n: usize) -> Result<AssumptionDesign, ConfigError> {
        let (keys, params) = columns(exp)?;
        let unit = Saltelli::new(n, keys.len(), design_seed(exp))
            .map_err(|m| {
                let m = format!("--assumptions {n} --sensitivity saltelli: {m}");
                ConfigError::whole(&exp.path, m)
            })?
            .points;
        Ok(AssumptionDesign {
            keys,
            params,
            unit,
            saltelli: Some(n),
            nested: false,
            seed: design_seed(exp),
        })
    }

    /// The design `estimator` needs with `n` sets in its band.
    pub fn for_estimator(
        exp: &Experiment,
        n: usize,
        estimator: Estimator,
    ) -> Result<AssumptionDesign, ConfigError> {
        match estimator {
            Estimator::GivenData => AssumptionDesign::new(exp, n),
            Estimator::Saltelli => AssumptionDesign::saltelli(exp, n),
        }
    }

    /// Number of sets the band is made of (A and B for a Saltelli design).
    pub fn sets(&self) -> usize {
        self.saltelli.map_or(self.unit.len(), |n| 2 * n)
    }

    /// Number of sets to run: the band's, plus the AB_i of a Saltelli design.
    pub fn runs(&self) -> usize {
        self.unit.len()
    }

    /// What names the design in a saved sweep: `lhs:N` (a Latin hypercube of N sets),
    /// `nlhs:N` (the first N sets of the nested one), or `saltelli:N` for a Saltelli design of N
    /// rows per matrix.
    pub fn id(&self) -> String {
        match (self.saltelli, self.nested) {
            (Some(n), _) => format!("saltelli:{n}"),
            (None, true) => format!("nlhs:{}", self.sets()),
            (None, false) => format!("lhs:{}", self.sets()),
        }
    }

    /// What names the design in a journal's header and its runs' keys: its [`id`](Self::id),
    /// but `nlhs` alone for a nested design, whose set k is the same set however far it grows.
    pub fn journal_id(&self) -> String {
        match self.nested {
            true => "nlhs".to_string(),
            false => self.id(),
        }
    }

    /// The design of `exp` named by `id` (as [`AssumptionDesign::id`] writes it); the error says
    /// why `id` names none.
    pub fn from_id(exp: &Experiment, id: &str) -> Result<AssumptionDesign, DesignError> {
        let unknown = || DesignError::UnknownId(id.to_string());
        let (kind, n) = id.split_once(':').ok_or_else(unknown)?;
        let n: usize = n.parse().map_err(|_| unknown())?;
        let estimator = match kind {
            "lhs" => Estimator::GivenData,
            "saltelli" => Estimator::Saltelli,
            "nlhs" if nested_size(n) => return Ok(AssumptionDesign::nested(exp, n)?),
            _ => return Err(unknown()),
        };
        Ok(AssumptionDesign::for_estimator(exp, n, estimator)?)
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

    /// The journal key of point `p`, replicate `r` under set `s`.
    pub fn key(&self, exp: &Experiment, s: usize, p: usize, r: u32) -> String {
        let overrides = self.overrides(exp.points[p].model, s);
        let set = journal::SetRef {
            design: &self.journal_id(),
            index: s,
            overrides: &overrides,
        };
        journal::set_key(exp, p, r, &set)
    }
}

/// Whether `n` is a size a nested design takes: 16, 32, 64, ...
pub fn nested_size(n: usize) -> bool {
    n >= AUTO_START && n.is_multiple_of(AUTO_START) && (n / AUTO_START).is_power_of_two()
}

/// The journal key of run `id` of `exp`: a plain run's, or one under a set of `design`.
pub fn run_key(exp: &Experiment, design: Option<&AssumptionDesign>, id: &RunId) -> String {
    match (id.set, design) {
        (Some(s), Some(d)) => d.key(exp, s, id.point, id.replicate),
        _ => journal::key(exp, id.point, id.replicate),
    }
}

/// Every parameter key of `exp`'s models, first seen first, and each model file's parameters.
fn columns(exp: &Experiment) -> Result<(Vec<String>, Vec<Vec<Param>>), ConfigError> {
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
    Ok((keys, params))
}

fn design_seed(exp: &Experiment) -> u64 {
    derive_seed(exp.seed, &[name_id("assumptions")])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_design_is_made_again_from_its_id() {
        let exp = Experiment::open(
            std::path::Path::new("experiments/two-reader-rule.toml"),
            None,
        )
        .unwrap();
        for estimator in [Estimator::GivenData, Estimator::Saltelli] {
            let d = AssumptionDesign::for_estimator(&exp, 4, estimator).unwrap();
            let again = AssumptionDesign::from_id(&exp, &d.id()).unwrap();
            assert_eq!((again.id(), again.unit), (d.id(), d.unit));
        }
        assert_eq!(AssumptionDesign::new(&exp, 4).unwrap().id(), "lhs:4");
        assert!(AssumptionDesign::from_id(&exp, "sobol:4").is_err());
        assert!(AssumptionDesign::from_id(&exp, "lhs:x").is_err());
        let nested = AssumptionDesign::from_id(&exp, "nlhs:64").unwrap();
        assert_eq!(
            (nested.id(), nested.journal_id()),
            ("nlhs:64".into(), "nlhs".into())
        );
        assert!(AssumptionDesign::from_id(&exp, "nlhs:48").is_err());
    }

    #[test]
    fn a_nested_design_keeps_its_sets_and_their_keys_as_it_grows() {
        let exp = Experiment::open(
            std::path::Path::new("experiments/two-reader-rule.toml"),
            None,
        )
        .unwrap();
        let (small, big) = (
            AssumptionDesign::nested(&exp, 16).unwrap(),
            AssumptionDesign::nested(&exp, 32).unwrap(),
        );
        assert_eq!(&big.unit[..16], &small.unit[..]);
        assert_eq!(small.unit, AssumptionDesign::new(&exp, 16).unwrap().unit);
        for s in [0, 7, 15] {
            assert_eq!(small.key(&exp, s, 1, 0), big.key(&exp, s, 1, 0));
        }
        let plain = AssumptionDesign::new(&exp, 16).unwrap();
        assert_ne!(small.key(&exp, 0, 1, 0), plain.key(&exp, 0, 1, 0));
    }

    #[test]
    fn estimators_parse_by_the_names_they_print() {
        for e in [Estimator::GivenData, Estimator::Saltelli] {
            assert_eq!(Estimator::parse(e.name()).unwrap(), e);
        }
        assert_eq!(
            Estimator::parse("sobol").unwrap_err().to_string(),
            "unknown sensitivity estimator `sobol`; use given-data or saltelli"
        );
    }
}
