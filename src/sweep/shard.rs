//! Splitting a sweep's runs between N machines: which shard owns each run, balanced by each run's
//! forecast cost, and the `--shard` flag read from its text and the scheduler's environment.
//!
//! The assignment is a pure function of the experiment and N, so every array task, and the merge
//! that names the owners of missing runs, computes the same one without talking to the others.

use super::journal::RunId;
use crate::experiment::Experiment;
use crate::model::estimate::{estimate, Estimate};

/// Shard `index` of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The forecast of a run of each point, in point order.
pub fn point_forecasts(exp: &Experiment) -> Vec<Estimate> {
    (0..exp.points.len())
        .map(|p| estimate(&exp.spec(p, 0)))
        .collect()
}

/// The forecast of each run, in point-then-replicate order. A run's forecast does not depend on
/// its seed, so each point is forecast once.
pub fn forecasts(exp: &Experiment) -> Vec<Estimate> {
    point_forecasts(exp)
        .into_iter()
        .flat_map(|e| std::iter::repeat_n(e, exp.replicates as usize))
        .collect()
}

/// Every run of a sweep crossed with `sets` assumption sets, in the order of its journal and
/// shard assignment: the plain runs in point-then-replicate order, then each set's runs in the
/// same order.
pub fn run_ids(exp: &Experiment, sets: usize) -> Vec<RunId> {
    let plain = std::iter::once(None).chain((0..sets).map(Some));
    plain
        .flat_map(|set| {
            (0..exp.points.len()).flat_map(move |point| {
                (0..exp.replicates).map(move |replicate| RunId {
                    set,
                    point,
                    replicate,
                })
            })
        })
        .collect()
}

/// The owner of each run among `count` shards: longest-processing-time first, that is runs sorted
/// by forecast events (most first, then by run index) each given to the least loaded shard (the
/// lowest index among equals), so shards finish close together even when points differ in cost.
pub fn owners(costs: &[f64], count: u32) -> Vec<u32> {
    owners_onto(costs, &mut vec![0.0f64; count.max(1) as usize])
}

/// [`owners`], starting from the shards' loads `load` (updated).
fn owners_onto(costs: &[f64], load: &mut [f64]) -> Vec<u32> {
    let mut order: Vec<usize> = (0..costs.len()).collect();
    order.sort_by(|&a, &b| costs[b].total_cmp(&costs[a]).then(a.cmp(&b)));
    let mut owner = vec![0u32; costs.len()];
    for i in order {
        let k = (0..load.len())
            .min_by(|&a, &b| load[a].total_cmp(&load[b]).then(a.cmp(&b)))
            .expect("at least one shard");
        owner[i] = k as u32;
        load[k] += costs[i];
    }
    owner
}

/// The owner of each run of `exp` among `count` shards.
pub fn assign(exp: &Experiment, count: u32) -> Vec<u32> {
    let costs: Vec<f64> = forecasts(exp).iter().map(|e| e.events).collect();
    owners(&costs, count)
}

/// The owner of each of [`run_ids`]`(exp, sets)` among `count` shards. The plain runs keep the
/// owners [`assign`] gives them; the assumption runs (each forecast as its point's plain run, since
/// the assumptions barely move the event count) then go, longest first, to the least loaded
/// shard counting the plain runs, so the shards' totals stay even.
pub fn assign_all(exp: &Experiment, sets: usize, count: u32) -> Vec<u32> {
    let costs: Vec<f64> = forecasts(exp).iter().map(|e| e.events).collect();
    let mut load = vec![0.0f64; count.max(1) as usize];
    let mut owner = owners_onto(&costs, &mut load);
    let set_costs: Vec<f64> = (0..sets).flat_map(|_| costs.iter().copied()).collect();
    owner.extend(owners_onto(&set_costs, &mut load));
    owner
}

/// One run of a sweep as `--list-runs` shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct RunInfo {
    /// Position in the order of [`run_ids`].
    pub id: usize,
    /// The assumption set (None: a plain run).
    pub set: Option<usize>,
    pub point: usize,
    pub replicate: u32,
    pub seed: u64,
    /// Its file name (without `.json`) in a journal.
    pub key: String,
    pub forecast: Estimate,
    /// Its owner when the sweep is split into a given number of shards.
    pub shard: Option<u32>,
}

/// Every run of `exp` crossed with `sets` assumption sets, each named by `key`, with its owner
/// among `count` shards when given.
pub fn list(
    exp: &Experiment,
    sets: usize,
    count: Option<u32>,
    key: &dyn Fn(&RunId) -> String,
) -> Vec<RunInfo> {
    let forecasts = forecasts(exp);
    let owner = count.map(|n| assign_all(exp, sets, n));
    (run_ids(exp, sets).iter().enumerate())
        .map(|(i, run)| RunInfo {
            id: i,
            set: run.set,
            point: run.point,
            replicate: run.replicate,
            seed: exp.seed_of(run.point, run.replicate),
            key: key(run),
            forecast: forecasts[i % forecasts.len()],
            shard: owner.as_ref().map(|o| o[i]),
        })
        .collect()
}

/// The `--shard` flag: fixed, or taken (wholly or in part) from the scheduler's environment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ShardFlag {
    Fixed(Shard),
    /// `auto`: index and count from the array job's environment (Slurm, AWS Batch).
    Auto,
    /// `auto/N`: the count from the flag, the index from the environment (also Kubernetes).
    AutoOf(u32),
}

/// Parses `K/N`, `auto` or `auto/N`; the error names the flag as typed.
pub fn parse_flag(text: &str) -> Result<ShardFlag, String> {
    let bad = |why: &str| format!("--shard {text}: {why}");
    let count = |n: &str| match n.trim().parse::<u32>() {
        Ok(0) => Err(bad("N must be at least 1")),
        Ok(n) => Ok(n),
        Err(_) => Err(bad("expected K/N (e.g. 0/8), auto, or auto/N")),
    };
    match text.trim().split_once('/') {
        None if text.trim() == "auto" => Ok(ShardFlag::Auto),
        None => Err(bad("expected K/N (e.g. 0/8), auto, or auto/N")),
        Some(("auto", n)) => Ok(ShardFlag::AutoOf(count(n)?)),
        Some((k, n)) => {
            let n = count(n)?;
            let k: u32 = k
                .trim()
                .parse()
                .map_err(|_| bad("expected K/N (e.g. 0/8), auto, or auto/N"))?;
            if k >= n {
                return Err(bad(&format!(
                    "K must be below N (shards are numbered 0 to {})",
                    n - 1
                )));
            }
            Ok(ShardFlag::Fixed(Shard { index: k, count: n }))
        }
    }
}

/// An index and count read from one scheduler's variables.
struct Found {
    index: u32,
    count: Option<u32>,
    from: &'static str,
}

fn number(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Result<Option<u32>, String> {
    env(name)
        .map(|v| {
            v.trim()
                .parse::<u32>()
                .map_err(|_| format!("{name}={v} is not a whole number"))
        })
        .transpose()
}

/// The first scheduler whose variables are set: Slurm, AWS Batch, then (only when the count is
/// given by the flag, since it exports none) Kubernetes.
fn from_env(env: &dyn Fn(&str) -> Option<String>, with_k8s: bool) -> Result<Option<Found>, String> {
    if let Some(id) = number(env, "SLURM_ARRAY_TASK_ID")? {
        let min = number(env, "SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
        let index = id.checked_sub(min).ok_or_else(|| {
            format!("SLURM_ARRAY_TASK_ID={id} is below SLURM_ARRAY_TASK_MIN={min}")
        })?;
        let count = number(env, "SLURM_ARRAY_TASK_COUNT")?;
        return Ok(Some(Found {
            index,
            count,
            from: "Slurm (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_COUNT)",
        }));
    }
    if let Some(index) = number(env, "AWS_BATCH_JOB_ARRAY_INDEX")? {
        let count = number(env, "AWS_BATCH_JOB_ARRAY_SIZE")?;
        return Ok(Some(Found {
            index,
            count,
            from: "AWS Batch (AWS_BATCH_JOB_ARRAY_INDEX, AWS_BATCH_JOB_ARRAY_SIZE)",
        }));
    }
    if with_k8s {
        if let Some(index) = number(env, "JOB_COMPLETION_INDEX")? {
            return Ok(Some(Found {
                index,
                count: None,
                from: "Kubernetes (JOB_COMPLETION_INDEX)",
            }));
        }
    }
    Ok(None)
}

/// The shard the flag stands for in the environment `env`; errors name the flag as typed.
pub fn resolve(
    flag: ShardFlag,
    typed: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Shard, String> {
    let bad = |why: String| format!("--shard {typed}: {why}");
    let want = match flag {
        ShardFlag::Fixed(s) => return Ok(s),
        ShardFlag::Auto => None,
        ShardFlag::AutoOf(n) => Some(n),
    };
    let found = from_env(env, want.is_some()).map_err(bad)?.ok_or_else(|| {
        bad(match want {
            None => "no array job found: neither SLURM_ARRAY_TASK_ID (Slurm) nor AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch) is set; outside those, pass --shard K/N, or --shard auto/N with JOB_COMPLETION_INDEX (Kubernetes)".into(),
            Some(_) => "no shard index found: none of SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX, JOB_COMPLETION_INDEX is set".into(),
        })
    })?;
    let count = match (want, found.count) {
        (Some(n), Some(m)) if n != m => {
            return Err(bad(format!("N is {n} but {} says {m}", found.from)))
        }
        (Some(n), _) | (None, Some(n)) => n,
        (None, None) => {
            return Err(bad(format!(
                "{} gives no shard count; pass --shard auto/N",
                found.from
            )))
        }
    };
    if count == 0 {
        return Err(bad(format!("{} says there are 0 shards", found.from)));
    }
    if found.index >= count {
        return Err(bad(format!(
            "index {} from {} is not below the shard count {count}",
            found.index, found.from
        )));
    }
    Ok(Shard {
        index: found.index,
        count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn longest_runs_go_first_to_the_least_loaded_shard() {
        let owner = owners(&[1.0, 5.0, 3.0, 3.0, 1.0], 2);
        // 5 -> 0; 3 (run 2) -> 1; 3 (run 3) -> 1 (load 3 < 5); 1 (run 0) -> 0; 1 (run 4) -> 0 (6 = 6, lowest).
        assert_eq!(owner, vec![0, 0, 1, 1, 0]);
    }

    #[test]
    fn assumption_runs_keep_the_plain_owners_and_even_out_the_loads() {
        let exp = Experiment::open(
            std::path::Path::new("experiments/two-reader-rule.toml"),
            Some(2),
        )
        .unwrap();
        let all = assign_all(&exp, 3, 4);
        assert_eq!(all.len(), run_ids(&exp, 3).len());
        assert_eq!(all.len(), 4 * exp.runs());
        assert_eq!(&all[..exp.runs()], &assign(&exp, 4)[..]);
        let costs: Vec<f64> = forecasts(&exp).iter().map(|e| e.events).collect();
        let mut load = [0.0; 4];
        for (i, &k) in all.iter().enumerate() {
            load[k as usize] += costs[i % costs.len()];
        }
        let (lo, hi) = (
            load.iter().copied().fold(f64::MAX, f64::min),
            load.iter().copied().fold(0.0, f64::max),
        );
        let largest = costs.iter().copied().fold(0.0, f64::max);
        assert!(hi - lo <= largest, "{load:?}");
    }

    #[test]
    fn every_run_has_exactly_one_owner_below_the_count() {
        let costs: Vec<f64> = (0..37).map(|i| f64::from(i % 5 + 1)).collect();
        for n in 1..6 {
            assert!(owners(&costs, n).iter().all(|&k| k < n));
        }
    }

    #[test]
    fn flags_parse_and_bad_ones_name_the_flag() {
        assert_eq!(
            parse_flag("2/3"),
            Ok(ShardFlag::Fixed(Shard { index: 2, count: 3 }))
        );
        assert_eq!(parse_flag("auto"), Ok(ShardFlag::Auto));
        assert_eq!(parse_flag("auto/4"), Ok(ShardFlag::AutoOf(4)));
        assert!(parse_flag("3/3").unwrap_err().starts_with("--shard 3/3:"));
        assert!(parse_flag("0/0").unwrap_err().contains("at least 1"));
        assert!(parse_flag("x").is_err());
    }

    #[test]
    fn schedulers_environments_give_the_shard() {
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "12"),
            ("SLURM_ARRAY_TASK_MIN", "10"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert_eq!(
            resolve(ShardFlag::Auto, "auto", &slurm),
            Ok(Shard { index: 2, count: 4 })
        );
        let aws = env(&[
            ("AWS_BATCH_JOB_ARRAY_INDEX", "1"),
            ("AWS_BATCH_JOB_ARRAY_SIZE", "3"),
        ]);
        assert_eq!(
            resolve(ShardFlag::Auto, "auto", &aws),
            Ok(Shard { index: 1, count: 3 })
        );
        let k8s = env(&[("JOB_COMPLETION_INDEX", "5")]);
        assert_eq!(
            resolve(ShardFlag::AutoOf(8), "auto/8", &k8s),
            Ok(Shard { index: 5, count: 8 })
        );
        assert!(resolve(ShardFlag::Auto, "auto", &k8s)
            .unwrap_err()
            .starts_with("--shard auto: no array job found"));
        assert!(resolve(ShardFlag::AutoOf(4), "auto/4", &k8s)
            .unwrap_err()
            .contains("not below"));
        assert!(resolve(ShardFlag::AutoOf(5), "auto/5", &slurm)
            .unwrap_err()
            .contains("N is 5"));
    }
}
