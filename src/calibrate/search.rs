//! The search over the unit cube of the fitted parameters: a scrambled Sobol design, then a
//! coordinate search from its best point. Every candidate is evaluated with the same seed (common
//! random numbers), so differences in loss come from the parameters, not from the draws.

use crate::assumptions::design::sobol_points;
use rayon::prelude::*;

/// Which step of the method a candidate came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Baseline,
    Screen,
    Sobol,
    Refine,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Baseline => "baseline",
            Phase::Screen => "screen",
            Phase::Sobol => "sobol",
            Phase::Refine => "refine",
        }
    }
}

/// One evaluated point.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub phase: Phase,
    /// Unit coordinates of the fitted parameters (empty for the baseline and the screen).
    pub u: Vec<f64>,
    pub loss: f64,
    /// Each target's normalised RMSE.
    pub errors: Vec<f64>,
}

/// Evaluates unit points in parallel, in a fixed order: `eval` gives a point's target errors.
pub(crate) fn evaluate<F>(points: Vec<Vec<f64>>, phase: Phase, eval: &F) -> Vec<Candidate>
where
    F: Fn(&[f64]) -> Vec<f64> + Sync,
{
    points
        .into_par_iter()
        .map(|u| {
            let errors = eval(&u);
            Candidate {
                phase,
                loss: super::observed::loss(&errors),
                u,
                errors,
            }
        })
        .collect()
}

/// `sobol` Sobol points, then coordinate search with at most `refine` further evaluations: each
/// round tries ± step along every axis (in parallel) and moves to the best improvement; without
/// one, the step halves, from 1/4 down to 1/64.
pub(crate) fn run<F>(
    dims: usize,
    sobol: usize,
    refine: usize,
    seed: u64,
    eval: &F,
) -> Vec<Candidate>
where
    F: Fn(&[f64]) -> Vec<f64> + Sync,
{
    let points = sobol_points(sobol, dims, seed).unwrap_or_default();
    let mut all = evaluate(points, Phase::Sobol, eval);
    let Some(mut best) = best_of(&all).cloned() else {
        return all;
    };
    let mut step = 0.25;
    let mut left = refine;
    while step >= 1.0 / 64.0 && left > 0 {
        let trial: Vec<Vec<f64>> = neighbours(&best.u, step).into_iter().take(left).collect();
        if trial.is_empty() {
            break;
        }
        left -= trial.len();
        let round = evaluate(trial, Phase::Refine, eval);
        match best_of(&round) {
            Some(c) if c.loss < best.loss => best = c.clone(),
            _ => step /= 2.0,
        }
        all.extend(round);
    }
    all
}

/// The points one step away along each axis, inside the cube and not already there.
fn neighbours(u: &[f64], step: f64) -> Vec<Vec<f64>> {
    let mut out = Vec::new();
    for d in 0..u.len() {
        for s in [-step, step] {
            let x = (u[d] + s).clamp(0.0, 0.999_999);
            if (x - u[d]).abs() > 1e-12 {
                let mut v = u.to_vec();
                v[d] = x;
                out.push(v);
            }
        }
    }
    out
}

/// The candidate with the lowest loss (the first among equals).
pub(crate) fn best_of(c: &[Candidate]) -> Option<&Candidate> {
    c.iter()
        .filter(|c| c.loss.is_finite())
        .min_by(|a, b| a.loss.total_cmp(&b.loss))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_finds_the_bottom_of_a_bowl() {
        let eval = |u: &[f64]| vec![(u[0] - 0.3).abs() + (u[1] - 0.8).abs()];
        let all = run(2, 16, 40, 1, &eval);
        let best = best_of(&all).unwrap();
        assert!(best.loss < 0.05, "{best:?}");
        assert!(all.len() <= 56);
        assert_eq!(all, run(2, 16, 40, 1, &eval), "reproducible");
    }
}
