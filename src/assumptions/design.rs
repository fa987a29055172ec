//! Space-filling designs over a model's assumed parameters: scrambled Sobol and Latin hypercube
//! points in the unit cube, mapped onto the parameters' ranges as sets of `--set` overrides.

use super::expand::Param;
use super::value::Value;
use super::AssumptionError;
use crate::config::Override;
use crate::engine::rng::{derive_seed, name_id, stream};
use rand::Rng;

/// Largest number of points a Sobol design may have (the generator's index limit).
pub(crate) const MAX_SOBOL_POINTS: usize = 1 << 16;
/// Largest number of dimensions of a Sobol design.
pub(crate) const MAX_SOBOL_DIMS: usize = sobol_burley::NUM_DIMENSIONS as usize;

/// How the unit cube is filled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Owen-scrambled Sobol points: low discrepancy; best with a power of two points.
    Sobol,
    /// Latin hypercube: each parameter's range cut into n slices, each slice used once.
    LatinHypercube,
}

/// One point of a design: a value for every parameter, and the overrides that set them.
#[derive(Clone, Debug, PartialEq)]
pub struct AssumptionSet {
    /// Concrete key path and value, in the order of the design's parameters.
    pub values: Vec<(String, Value)>,
}

impl AssumptionSet {
    /// The values at unit point `u` (one coordinate per parameter).
    pub fn at(params: &[Param], u: &[f64]) -> AssumptionSet {
        debug_assert_eq!(params.len(), u.len());
        let values = params
            .iter()
            .zip(u)
            .map(|(p, &x)| (p.key.clone(), p.range.at(x)))
            .collect();
        AssumptionSet { values }
    }

    /// The parameters' current values (those set in another form are left out).
    pub fn current(params: &[Param]) -> AssumptionSet {
        let values = params
            .iter()
            .filter_map(|p| Some((p.key.clone(), p.current.value()?.clone())))
            .collect();
        AssumptionSet { values }
    }

    /// `--set` overrides that apply this set to the model the parameters came from. A field of
    /// a table the model does not set (or sets in another form) is written with the whole table.
    pub fn overrides(&self, params: &[Param]) -> Vec<Override> {
        let mut out: Vec<Override> = Vec::new();
        let mut tables: Vec<(String, toml::Table)> = Vec::new();
        for (key, v) in &self.values {
            let slot = params
                .iter()
                .find(|p| &p.key == key)
                .and_then(|p| p.group.as_ref());
            let Some(slot) = slot else {
                out.push(Override {
                    path: key.clone(),
                    value: v.toml_text(),
                });
                continue;
            };
            let i = match tables.iter().position(|(path, _)| *path == slot.path) {
                Some(i) => i,
                None => {
                    tables.push((slot.path.clone(), slot.base.clone()));
                    tables.len() - 1
                }
            };
            tables[i].1.insert(slot.field.clone(), v.toml_value());
        }
        out.extend(tables.into_iter().map(|(path, t)| Override {
            path,
            value: inline(&t),
        }));
        out
    }
}

/// A table as one-line TOML, `{ kind = "exponential", initial = "1s" }`.
fn inline(t: &toml::Table) -> String {
    let fields: Vec<String> = t.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    format!("{{ {} }}", fields.join(", "))
}

/// A design: its parameters and its points.
#[derive(Clone, Debug, PartialEq)]
pub struct Design {
    pub params: Vec<Param>,
    pub sets: Vec<AssumptionSet>,
}

impl Design {
    /// `n` points over `params`, the same for the same seed.
    pub fn new(
        params: Vec<Param>,
        n: usize,
        seed: u64,
        method: Method,
    ) -> Result<Design, AssumptionError> {
        let unit = match method {
            Method::Sobol => sobol_points(n, params.len(), seed)?,
            Method::LatinHypercube => latin_hypercube_points(n, params.len(), seed),
        };
        let sets = unit.iter().map(|u| AssumptionSet::at(&params, u)).collect();
        Ok(Design { params, sets })
    }
}

/// `n` Owen-scrambled Sobol points in [0, 1)^dims, scrambled from `seed`.
pub(crate) fn sobol_points(
    n: usize,
    dims: usize,
    seed: u64,
) -> Result<Vec<Vec<f64>>, AssumptionError> {
    if n > MAX_SOBOL_POINTS || dims > MAX_SOBOL_DIMS {
        return Err(AssumptionError::SobolTooLarge {
            max_points: MAX_SOBOL_POINTS,
            max_dims: MAX_SOBOL_DIMS,
            points: n,
            dims,
        });
    }
    let scramble = derive_seed(seed, &[name_id("sobol")]) as u32;
    Ok((0..n as u32)
        .map(|i| {
            (0..dims as u32)
                .map(|d| f64::from(sobol_burley::sample(i, d, scramble)))
                .collect()
        })
        .collect())
}

/// `n` Latin hypercube points in [0, 1)^dims: in every dimension each of the n slices holds
/// exactly one point, placed at random within it; dimensions are paired at random.
pub(crate) fn latin_hypercube_points(n: usize, dims: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut points = vec![vec![0.0; dims]; n];
    for d in 0..dims {
        let mut rng = stream(seed, &[name_id("latin-hypercube"), d as u64]);
        let mut slices: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            slices.swap(i, rng.random_range(0..=i));
        }
        for (point, slice) in points.iter_mut().zip(slices) {
            point[d] = (slice as f64 + rng.random::<f64>()) / n as f64;
        }
    }
    points
}

/// The first `n` points of the nested Latin hypercube that starts as the `base`-point one of
/// [`latin_hypercube_points`] (n = base·2^k): each doubling keeps every point and cuts each
/// slice of every dimension in two; the new points fill, in each dimension, the half of every
/// old slice its old point left empty (which new point takes which half is shuffled, dimension
/// by dimension). So the first base·2^j points, for every j, are a Latin hypercube of their own
/// and a design grows without losing the runs already made under its first points (Qian 2009,
/// "Nested Latin hypercube designs", Biometrika 96, builds the same property more generally).
pub(crate) fn nested_latin_hypercube_points(
    n: usize,
    base: usize,
    dims: usize,
    seed: u64,
) -> Vec<Vec<f64>> {
    let mut points = latin_hypercube_points(base.min(n), dims, seed);
    while points.len() < n {
        let m = points.len();
        let mut fresh = vec![vec![0.0; dims]; m];
        for d in 0..dims {
            let mut rng = stream(
                seed,
                &[name_id("nested-latin-hypercube"), m as u64, d as u64],
            );
            let mut halves = vec![0usize; m];
            for p in &points {
                let slice = ((p[d] * m as f64) as usize).min(m - 1);
                let taken = ((p[d] * 2.0 * m as f64) as usize).clamp(2 * slice, 2 * slice + 1);
                halves[slice] = 4 * slice + 1 - taken;
            }
            for i in (1..m).rev() {
                halves.swap(i, rng.random_range(0..=i));
            }
            for (point, half) in fresh.iter_mut().zip(halves) {
                point[d] = (half as f64 + rng.random::<f64>()) / (2 * m) as f64;
            }
        }
        points.extend(fresh);
    }
    points.truncate(n);
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_doubling_of_a_nested_latin_hypercube_is_a_latin_hypercube_holding_the_last() {
        let all = nested_latin_hypercube_points(128, 16, 5, 3);
        assert_eq!(&all[..16], &latin_hypercube_points(16, 5, 3)[..]);
        for n in [16, 32, 64, 128] {
            let prefix = nested_latin_hypercube_points(n, 16, 5, 3);
            assert_eq!(&prefix[..], &all[..n]);
            for d in 0..5 {
                let mut slices: Vec<usize> =
                    prefix.iter().map(|p| (p[d] * n as f64) as usize).collect();
                slices.sort_unstable();
                assert_eq!(slices, (0..n).collect::<Vec<_>>(), "n = {n}, dimension {d}");
            }
        }
        assert_ne!(all, nested_latin_hypercube_points(128, 16, 5, 4));
    }

    #[test]
    fn latin_hypercube_uses_every_slice_once() {
        let pts = latin_hypercube_points(50, 3, 7);
        for d in 0..3 {
            let mut slices: Vec<usize> = pts.iter().map(|p| (p[d] * 50.0) as usize).collect();
            slices.sort_unstable();
            assert_eq!(slices, (0..50).collect::<Vec<_>>());
        }
        assert_eq!(pts, latin_hypercube_points(50, 3, 7));
        assert_ne!(pts, latin_hypercube_points(50, 3, 8));
    }

    #[test]
    fn sobol_points_are_stratified_and_seeded() {
        let pts = sobol_points(64, 4, 1).unwrap();
        for d in 0..4 {
            let mut eighths = [0; 8];
            for p in &pts {
                assert!((0.0..1.0).contains(&p[d]));
                eighths[(p[d] * 8.0) as usize] += 1;
            }
            assert_eq!(eighths, [8; 8], "dimension {d}");
        }
        assert_eq!(pts, sobol_points(64, 4, 1).unwrap());
        assert_ne!(pts, sobol_points(64, 4, 2).unwrap());
        assert!(sobol_points(MAX_SOBOL_POINTS + 1, 2, 1).is_err());
    }
}
