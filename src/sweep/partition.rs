//! Dividing a sweep's runs between N machines: which partition (one machine's share) owns each
//! run, balanced by each run's forecast cost, and the `--partition` flag (`--shard`, its old
//! name, still works) read from its text and the scheduler's environment.
//!
//! The assignment is a pure function of the experiment and N, so every array task, and the merge
//! that names the owners of missing runs, computes the same one without talking to the others.

use super::journal::RunId;
use crate::experiment::Experiment;
use crate::model::estimate::{estimate, Estimate};

/// Partition `index` of `count`: one machine's share of a sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    pub index: u32,
    pub count: u32,
}

impl std::fmt::Display for Partition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The forecast of a run of each point, in point order.
pub(crate) fn point_forecasts(exp: &Experiment) -> Vec<Estimate> {
    (0..exp.points.len())
        .map(|p| estimate(&exp.spec(p, 0)))
        .collect()
}

/// The forecast of each run, in point-then-replicate order. A run's forecast does not depend on
/// its seed, so each point is forecast once.
pub(crate) fn forecasts(exp: &Experiment) -> Vec<Estimate> {
    point_forecasts(exp)
        .into_iter()
        .flat_map(|e| std::iter::repeat_n(e, exp.replicates as usize))
        .collect()
}

/// Every run of a sweep crossed with `sets` assumption sets, in the order of its journal and
/// partition assignment: the plain runs in point-then-replicate order, then each set's runs in the
/// same order.
/// Plain runs take the experiment's `replicates`, those under a set its `set_replicates`.
pub(crate) fn run_ids(exp: &Experiment, sets: usize) -> Vec<RunId> {
    let plain = std::iter::once(None).chain((0..sets).map(Some));
    plain
        .flat_map(|set| {
            let reps = match set {
                None => exp.replicates,
                Some(_) => exp.set_replicates,
            };
            (0..exp.points.len()).flat_map(move |point| {
                (0..reps).map(move |replicate| RunId {
                    set,
                    point,
                    replicate,
                })
            })
        })
        .collect()
}

/// The owner of each run among `count` partitions: longest-processing-time first, that is runs
/// sorted by forecast events (most first, then by run index) each given to the least loaded
/// partition (the lowest index among equals), so partitions finish close together even when
/// points differ in cost.
#[cfg(test)]
fn owners(costs: &[f64], count: u32) -> Vec<u32> {
    owners_onto(costs, &mut vec![0.0f64; count.max(1) as usize])
}

/// The owner of each run of `costs` (forecast events) given the partitions' loads `load`
/// (updated): longest-processing-time first, as [`assign_all`] uses it.
fn owners_onto(costs: &[f64], load: &mut [f64]) -> Vec<u32> {
    let mut order: Vec<usize> = (0..costs.len()).collect();
    order.sort_by(|&a, &b| costs[b].total_cmp(&costs[a]).then(a.cmp(&b)));
    let mut owner = vec![0u32; costs.len()];
    for i in order {
        let k = (0..load.len())
            .min_by(|&a, &b| load[a].total_cmp(&load[b]).then(a.cmp(&b)))
            .expect("at least one partition");
        owner[i] = k as u32;
        load[k] += costs[i];
    }
    owner
}

/// The owner of each of [`run_ids`]`(exp, sets)` among `count` partitions. The plain runs are
/// given out first, longest first, each to the least loaded partition; the assumption runs (each forecast as its point's plain run,
/// since the assumptions barely move the event count) then go, longest first, to the least loaded
/// partition counting the plain runs, so the partitions' totals stay even.
pub(crate) fn assign_all(exp: &Experiment, sets: usize, count: u32) -> Vec<u32> {
    let points: Vec<f64> = point_forecasts(exp).iter().map(|e| e.events).collect();
    let replicated = |reps: u32| -> Vec<f64> {
        (points.iter())
            .flat_map(|&c| std::iter::repeat_n(c, reps as usize))
            .collect()
    };
    let mut load = vec![0.0f64; count.max(1) as usize];
    let mut owner = owners_onto(&replicated(exp.replicates), &mut load);
    let per_set = replicated(exp.set_replicates);
    let set_costs: Vec<f64> = (0..sets).flat_map(|_| per_set.iter().copied()).collect();
    owner.extend(owners_onto(&set_costs, &mut load));
    owner
}

/// The runs of `exp` crossed with `sets` assumption sets that `partition` owns (every one when
/// None), in the order of [`run_ids`]: what one machine runs, plain runs first.
pub(crate) fn owned(exp: &Experiment, sets: usize, partition: Option<Partition>) -> Vec<RunId> {
    let all = run_ids(exp, sets);
    match partition {
        None => all,
        Some(p) => (all.into_iter().zip(assign_all(exp, sets, p.count)))
            .filter(|&(_, k)| k == p.index)
            .map(|(id, _)| id)
            .collect(),
    }
}

/// One run of a sweep as `--list-runs` shows it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RunInfo {
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
    /// Its owner when the sweep is divided into a given number of partitions.
    pub partition: Option<u32>,
}

/// Every run of `exp` crossed with `sets` assumption sets, each named by `key`, with its owner
/// among `count` partitions when given.
pub(crate) fn list(
    exp: &Experiment,
    sets: usize,
    count: Option<u32>,
    key: &dyn Fn(&RunId) -> String,
) -> Vec<RunInfo> {
    let forecasts = point_forecasts(exp);
    let owner = count.map(|n| assign_all(exp, sets, n));
    (run_ids(exp, sets).iter().enumerate())
        .map(|(i, run)| RunInfo {
            id: i,
            set: run.set,
            point: run.point,
            replicate: run.replicate,
            seed: exp.seed_of(run.point, run.replicate),
            key: key(run),
            forecast: forecasts[run.point],
            partition: owner.as_ref().map(|o| o[i]),
        })
        .collect()
}

/// The `--partition` flag: fixed, or taken (wholly or in part) from the scheduler's environment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum PartitionFlag {
    Fixed(Partition),
    /// `auto`: index and count from the array job's environment (Slurm, AWS Batch).
    Auto,
    /// `auto/N`: the count from the flag, the index from the environment (also Kubernetes).
    AutoOf(u32),
}

/// The flag as the user typed it: its name (`--partition`, or `--shard`, its old name) and value.
/// Errors name it so, and speak of partitions or shards as the flag does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Typed<'a> {
    pub flag: &'a str,
    pub value: &'a str,
}

impl<'a> Typed<'a> {
    /// What the flag calls one machine's share: `partition`, or `shard` for `--shard`.
    pub(crate) fn noun(&self) -> &'a str {
        self.flag.trim_start_matches('-')
    }
}

/// A `--partition` value that names no partition, or an environment that gives none.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{flag} {value}: {why}")]
pub(crate) struct PartitionError {
    pub flag: String,
    pub value: String,
    pub why: Why,
}

/// Why a `--partition` value names no partition.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Why {
    #[error("expected K/N (e.g. 0/8), auto, or auto/N")]
    Syntax,
    #[error("N must be at least 1")]
    NoneAtAll,
    #[error("K must be below N ({noun}s are numbered 0 to {last})")]
    IndexTooHigh { noun: String, last: u32 },
    #[error("{name}={value} is not a whole number")]
    NotANumber { name: &'static str, value: String },
    #[error("SLURM_ARRAY_TASK_ID={id} is below SLURM_ARRAY_TASK_MIN={min}")]
    BelowSlurmMin { id: u32, min: u32 },
    #[error(
        "no array job found: neither SLURM_ARRAY_TASK_ID (Slurm) nor AWS_BATCH_JOB_ARRAY_INDEX \
         (AWS Batch) is set; outside those, pass {flag} K/N, or {flag} auto/N with \
         JOB_COMPLETION_INDEX (Kubernetes)"
    )]
    NoArrayJob { flag: String },
    #[error(
        "no {noun} index found: none of SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX, \
         JOB_COMPLETION_INDEX is set"
    )]
    NoIndex { noun: String },
    #[error("N is {flag} but {from} says {env}")]
    CountDiffers {
        flag: u32,
        from: &'static str,
        env: u32,
    },
    #[error("{from} gives no {noun} count; pass {flag} auto/N")]
    NoCount {
        from: &'static str,
        noun: String,
        flag: String,
    },
    #[error("{from} says there are 0 {noun}s")]
    ZeroCount { from: &'static str, noun: String },
    #[error("index {index} from {from} is not below the {noun} count {count}")]
    IndexNotBelow {
        index: u32,
        from: &'static str,
        noun: String,
        count: u32,
    },
}

impl Typed<'_> {
    fn error(&self, why: Why) -> PartitionError {
        PartitionError {
            flag: self.flag.to_string(),
            value: self.value.to_string(),
            why,
        }
    }
}

/// Parses `K/N`, `auto` or `auto/N`; the error names the flag as typed.
pub(crate) fn parse_flag(typed: Typed) -> Result<PartitionFlag, PartitionError> {
    let text = typed.value;
    let count = |n: &str| match n.trim().parse::<u32>() {
        Ok(0) => Err(typed.error(Why::NoneAtAll)),
        Ok(n) => Ok(n),
        Err(_) => Err(typed.error(Why::Syntax)),
    };
    match text.trim().split_once('/') {
        None if text.trim() == "auto" => Ok(PartitionFlag::Auto),
        None => Err(typed.error(Why::Syntax)),
        Some(("auto", n)) => Ok(PartitionFlag::AutoOf(count(n)?)),
        Some((k, n)) => {
            let n = count(n)?;
            let k: u32 = k.trim().parse().map_err(|_| typed.error(Why::Syntax))?;
            if k >= n {
                return Err(typed.error(Why::IndexTooHigh {
                    noun: typed.noun().to_string(),
                    last: n - 1,
                }));
            }
            Ok(PartitionFlag::Fixed(Partition { index: k, count: n }))
        }
    }
}

/// An index and count read from one scheduler's variables.
struct Found {
    index: u32,
    count: Option<u32>,
    from: &'static str,
}

fn number(env: &dyn Fn(&str) -> Option<String>, name: &'static str) -> Result<Option<u32>, Why> {
    env(name)
        .map(|v| {
            v.trim()
                .parse::<u32>()
                .map_err(|_| Why::NotANumber { name, value: v })
        })
        .transpose()
}

/// The first scheduler whose variables are set: Slurm, AWS Batch, then (only when the count is
/// given by the flag, since it exports none) Kubernetes.
fn from_env(env: &dyn Fn(&str) -> Option<String>, with_k8s: bool) -> Result<Option<Found>, Why> {
    if let Some(id) = number(env, "SLURM_ARRAY_TASK_ID")? {
        let min = number(env, "SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
        let index = id.checked_sub(min).ok_or(Why::BelowSlurmMin { id, min })?;
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

/// The partition the flag stands for in the environment `env`; errors name the flag as typed.
pub(crate) fn resolve(
    flag: PartitionFlag,
    typed: Typed,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Partition, PartitionError> {
    let noun = typed.noun().to_string();
    let want = match flag {
        PartitionFlag::Fixed(p) => return Ok(p),
        PartitionFlag::Auto => None,
        PartitionFlag::AutoOf(n) => Some(n),
    };
    let found = from_env(env, want.is_some())
        .map_err(|why| typed.error(why))?
        .ok_or_else(|| {
            typed.error(match want {
                None => Why::NoArrayJob {
                    flag: typed.flag.to_string(),
                },
                Some(_) => Why::NoIndex { noun: noun.clone() },
            })
        })?;
    let count = match (want, found.count) {
        (Some(n), Some(m)) if n != m => {
            return Err(typed.error(Why::CountDiffers {
                flag: n,
                from: found.from,
                env: m,
            }))
        }
        (Some(n), _) | (None, Some(n)) => n,
        (None, None) => {
            return Err(typed.error(Why::NoCount {
                from: found.from,
                noun,
                flag: typed.flag.to_string(),
            }))
        }
    };
    if count == 0 {
        return Err(typed.error(Why::ZeroCount {
            from: found.from,
            noun,
        }));
    }
    if found.index >= count {
        return Err(typed.error(Why::IndexNotBelow {
            index: found.index,
            from: found.from,
            noun,
            count,
        }));
    }
    Ok(Partition {
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
    fn longest_runs_go_first_to_the_least_loaded_partition() {
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
        for set_replicates in [1, 3] {
            let mut exp = exp.clone();
            exp.set_replicates = set_replicates;
            let ids = run_ids(&exp, 3);
            let all = assign_all(&exp, 3, 4);
            assert_eq!(all.len(), ids.len());
            assert_eq!(all.len(), exp.runs() + 3 * exp.set_runs());
            let costs: Vec<f64> = forecasts(&exp).iter().map(|e| e.events).collect();
            assert_eq!(&all[..exp.runs()], &owners(&costs, 4)[..]);
            let point: Vec<f64> = point_forecasts(&exp).iter().map(|e| e.events).collect();
            let mut load = [0.0; 4];
            for (id, &k) in ids.iter().zip(&all) {
                load[k as usize] += point[id.point];
            }
            let (lo, hi) = (
                load.iter().copied().fold(f64::MAX, f64::min),
                load.iter().copied().fold(0.0, f64::max),
            );
            let largest = point.iter().copied().fold(0.0, f64::max);
            assert!(hi - lo <= largest, "{load:?}");
        }
    }

    #[test]
    fn runs_under_a_set_are_the_first_set_replicates_of_each_point() {
        let exp = Experiment::open(
            std::path::Path::new("experiments/two-reader-rule.toml"),
            Some(3),
        )
        .unwrap();
        assert_eq!(exp.set_replicates, 1, "one run per set unless asked");
        let ids = run_ids(&exp, 2);
        let (plain, sets): (Vec<&RunId>, Vec<&RunId>) = ids.iter().partition(|id| id.set.is_none());
        assert_eq!(plain.len(), exp.points.len() * 3);
        assert_eq!(sets.len(), 2 * exp.points.len());
        // Replicate 0 of a point under every set: the seed of the plain replicate 0.
        assert!(sets.iter().all(|id| id.replicate == 0));
        let mut two = exp.clone();
        two.set_replicates = 2;
        let reps: Vec<u32> = (run_ids(&two, 1).iter())
            .filter(|id| id.set == Some(0) && id.point == 0)
            .map(|id| id.replicate)
            .collect();
        assert_eq!(reps, [0, 1]);
    }

    #[test]
    fn every_run_has_exactly_one_owner_below_the_count() {
        let costs: Vec<f64> = (0..37).map(|i| f64::from(i % 5 + 1)).collect();
        for n in 1..6 {
            assert!(owners(&costs, n).iter().all(|&k| k < n));
        }
    }

    const SHARD: &str = "--shard";
    const PARTITION: &str = "--partition";

    fn typed<'a>(flag: &'a str, value: &'a str) -> Typed<'a> {
        Typed { flag, value }
    }

    fn parse(value: &str) -> Option<PartitionFlag> {
        parse_flag(typed(PARTITION, value)).ok()
    }

    /// Why `--partition VALUE` is refused.
    fn refused(value: &str) -> String {
        parse_flag(typed(PARTITION, value)).unwrap_err().to_string()
    }

    fn fixed(index: u32, count: u32) -> PartitionFlag {
        PartitionFlag::Fixed(Partition { index, count })
    }

    #[test]
    fn flags_parse_and_bad_ones_name_the_flag_as_typed() {
        assert_eq!(parse("2/3"), Some(fixed(2, 3)));
        assert_eq!(parse("auto"), Some(PartitionFlag::Auto));
        assert_eq!(parse("auto/4"), Some(PartitionFlag::AutoOf(4)));
        assert_eq!(
            refused("3/3"),
            "--partition 3/3: K must be below N (partitions are numbered 0 to 2)"
        );
        assert_eq!(
            parse_flag(typed(SHARD, "3/3")).unwrap_err().to_string(),
            "--shard 3/3: K must be below N (shards are numbered 0 to 2)"
        );
        assert!(refused("0/0").contains("at least 1"));
        assert_eq!(
            refused("x"),
            "--partition x: expected K/N (e.g. 0/8), auto, or auto/N"
        );
    }

    #[test]
    fn schedulers_environments_give_the_partition() {
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "12"),
            ("SLURM_ARRAY_TASK_MIN", "10"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        let auto = typed(PARTITION, "auto");
        let two_of_four = Partition { index: 2, count: 4 };
        assert_eq!(resolve(PartitionFlag::Auto, auto, &slurm), Ok(two_of_four));
        let aws = env(&[
            ("AWS_BATCH_JOB_ARRAY_INDEX", "1"),
            ("AWS_BATCH_JOB_ARRAY_SIZE", "3"),
        ]);
        assert_eq!(
            resolve(PartitionFlag::Auto, auto, &aws),
            Ok(Partition { index: 1, count: 3 })
        );
        let k8s = env(&[("JOB_COMPLETION_INDEX", "5")]);
        assert_eq!(
            resolve(PartitionFlag::AutoOf(8), typed(SHARD, "auto/8"), &k8s),
            Ok(Partition { index: 5, count: 8 })
        );
        let err = |flag, value, f, env: &dyn Fn(&str) -> Option<String>| {
            resolve(f, typed(flag, value), env).unwrap_err().to_string()
        };
        let e = err(SHARD, "auto", PartitionFlag::Auto, &k8s);
        assert!(e.starts_with("--shard auto: no array job found"), "{e}");
        assert!(e.contains("pass --shard K/N, or --shard auto/N"), "{e}");
        let e = err(PARTITION, "auto", PartitionFlag::Auto, &k8s);
        assert!(
            e.contains("pass --partition K/N, or --partition auto/N"),
            "{e}"
        );
        let e = err(PARTITION, "auto/4", PartitionFlag::AutoOf(4), &k8s);
        assert!(e.contains("not below the partition count 4"), "{e}");
        let e = err(SHARD, "auto/5", PartitionFlag::AutoOf(5), &slurm);
        assert!(e.contains("N is 5"), "{e}");
        let bad = env(&[("AWS_BATCH_JOB_ARRAY_INDEX", "x")]);
        let e = err(PARTITION, "auto", PartitionFlag::Auto, &bad);
        assert_eq!(
            e,
            "--partition auto: AWS_BATCH_JOB_ARRAY_INDEX=x is not a whole number"
        );
    }

    #[test]
    fn a_partition_owns_its_share_of_plain_and_assumption_runs_and_no_other() {
        let exp = Experiment::open(
            std::path::Path::new("experiments/two-reader-rule.toml"),
            Some(2),
        )
        .unwrap();
        let all = owned(&exp, 3, None);
        assert_eq!(all, run_ids(&exp, 3));
        let mut union: Vec<RunId> = (0..3)
            .flat_map(|k| owned(&exp, 3, Some(Partition { index: k, count: 3 })))
            .collect();
        assert_eq!(union.len(), all.len());
        union.sort_by_key(|id| all.iter().position(|a| a == id));
        assert_eq!(union, all);
        // The plain runs a partition owns do not depend on the assumption sets.
        let p = Some(Partition { index: 1, count: 3 });
        let plain: Vec<RunId> = owned(&exp, 3, p)
            .into_iter()
            .filter(|id| id.set.is_none())
            .collect();
        assert_eq!(plain, owned(&exp, 0, p));
    }
}
