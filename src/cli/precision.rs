//! `sim sweep --precision`: the precision a sweep asks for, from its flags and its experiment
//! file (the flags win), refused with the flags it cannot go with; and the words a resume hint
//! must repeat so that the resumed sweep is the same adaptive sweep.

use super::args::SweepArgs;
use super::common::{shell_word, Failure};
use crate::experiment::Experiment;
use crate::sweep::precision::{Precision, DEFAULT_MAX_REPLICATES, DEFAULT_METRICS};

/// The precision `args` and `exp` ask for (None: a sweep of a fixed number of replicates).
/// `assumptions` says whether the sweep also runs assumption sets.
pub(super) fn asked(
    exp: &Experiment,
    args: &SweepArgs,
    assumptions: bool,
) -> Result<Option<Precision>, Failure> {
    let (share, typed) = match (&args.precision, &exp.precision.share) {
        (Some(typed), _) => {
            let share = crate::experiment::parse_share(typed).map_err(Failure::Usage)?;
            (share, typed.clone())
        }
        (None, Some((share, typed))) => (*share, typed.clone()),
        (None, None) => {
            let stray = match (args.max_replicates, args.precision_metric.is_empty()) {
                (Some(_), _) => Some("--max-replicates"),
                (None, false) => Some("--precision-metric"),
                (None, true) => None,
            };
            return match stray {
                Some(flag) => Err(Failure::Usage(format!(
                    "{flag} applies to a sweep with a precision: add --precision 5% (or \
                     `precision = \"5%\"` in {})",
                    args.experiment.display()
                ))),
                None => Ok(None),
            };
        }
    };
    let refuse = |flag: &str, why: &str| {
        Err(Failure::Usage(format!(
            "--precision {typed} cannot go with {flag}: {why}"
        )))
    };
    if let Some(t) = args.partition_typed() {
        return refuse(
            t.flag,
            "which runs an adaptive sweep makes is known only as its rounds end, so they cannot \
             be divided between machines beforehand; run it on one machine (-j sets its threads)",
        );
    }
    if args.list_runs {
        return refuse(
            "--list-runs",
            "an adaptive sweep's runs are known only as its rounds end",
        );
    }
    if assumptions {
        return refuse(
            "--assumptions",
            "sweeps over assumption sets run a fixed number of replicates per point; leave out \
             one of the two",
        );
    }
    let metrics = match args.precision_metric.is_empty() {
        false => dedup(args.precision_metric.clone()),
        true => {
            let slos = crate::plan::objectives(exp)?;
            match slos.is_empty() {
                false => dedup(slos.iter().map(|s| s.metric).collect()),
                true => DEFAULT_METRICS.to_vec(),
            }
        }
    };
    let max_replicates = (args.max_replicates)
        .or(exp.precision.max_replicates)
        .unwrap_or(DEFAULT_MAX_REPLICATES);
    if exp.replicates > max_replicates {
        let file = args.experiment.display();
        let asked = match args.replicates {
            Some(n) => format!("--replicates {n}"),
            None => format!("`replicates = {}` in {file}", exp.replicates),
        };
        let cap = match (args.max_replicates, exp.precision.max_replicates) {
            (Some(n), _) => format!("--max-replicates {n}"),
            (None, Some(n)) => format!("`max_replicates = {n}` in {file}"),
            (None, None) => {
                format!("the default cap of {DEFAULT_MAX_REPLICATES} (--max-replicates)")
            }
        };
        return refuse(
            &asked,
            &format!(
                "a point's first round would run more replicates than {cap} allows; raise the \
                 cap or ask for fewer"
            ),
        );
    }
    Ok(Some(Precision {
        share,
        typed,
        max_replicates,
        metrics,
    }))
}

/// `metrics` without repeats, first seen first.
fn dedup(metrics: Vec<crate::sweep::metric::Metric>) -> Vec<crate::sweep::metric::Metric> {
    let mut out = Vec::new();
    for m in metrics {
        if !out.contains(&m) {
            out.push(m);
        }
    }
    out
}

/// The precision flags as typed, each word led by a space, for a resume hint (empty without
/// them): a resumed sweep must ask the same, or it would be another sweep. `--replicates`,
/// which also sets an adaptive sweep's first round, the resume hint writes itself.
pub(super) fn flags_typed(args: &SweepArgs) -> String {
    let mut words = String::new();
    if let Some(p) = &args.precision {
        words += &format!(" --precision {}", shell_word(p));
    }
    if let Some(n) = args.max_replicates {
        words += &format!(" --max-replicates {n}");
    }
    for m in &args.precision_metric {
        words += &format!(" --precision-metric {}", m.name());
    }
    words
}
