//! `sim sweep --assumptions auto` on the command line: what it cannot be combined with, each
//! round's progress display and what stderr says after it. The rounds are `sweep::auto`'s.

use super::args::{SweepArgs, SweepSets};
use super::common::Failure;
use crate::experiment::Experiment;
use crate::progress::{Show, Study};
use crate::sweep;
use crate::sweep::design::{AssumptionDesign, Estimator};

/// The cap of `--assumptions auto` (None: a number of sets, or none, was asked for), refusing
/// what auto cannot be combined with.
pub(super) fn auto_cap(args: &SweepArgs) -> Result<Option<usize>, Failure> {
    let usage = |m: &str| Err(Failure::Usage(m.to_string()));
    if args.assumptions != Some(SweepSets::Auto) {
        return match args.max_assumptions {
            Some(_) => usage("--max-assumptions caps --assumptions auto; with --assumptions N it has nothing to cap"),
            None => Ok(None),
        };
    }
    if args.sensitivity == Some(Estimator::Saltelli) {
        return usage(
            "--assumptions auto grows a given-data design (a nested Latin hypercube); \
             --sensitivity saltelli needs --assumptions N",
        );
    }
    if let Some(typed) = args.partition_typed() {
        return Err(Failure::Usage(format!(
            "--assumptions auto decides each round's sets from the rounds before, so it cannot be \
             divided with {}; use --assumptions N",
            typed.flag
        )));
    }
    if args.list_runs {
        return usage(
            "--list-runs needs --assumptions N: auto does not know its sets before it runs them",
        );
    }
    Ok(Some(
        args.max_assumptions
            .map_or(sweep::auto::DEFAULT_CAP, |n| n as usize),
    ))
}

/// Runs the sets `from..` of a growing design with a progress display of their own.
pub(super) fn auto_round(
    exp: &Experiment,
    design: &AssumptionDesign,
    from: usize,
    opts: &sweep::Options,
    show: Show,
) -> Result<Vec<crate::model::RunReport>, sweep::SweepError> {
    let planned = sweep::workload::planned(exp, Some(design), None);
    let skip = exp.runs() + from * exp.set_runs();
    let name = format!("{}: sets {}-{}", exp.name, from + 1, design.sets());
    let study = Study::new(&name, &planned[skip.min(planned.len())..], show);
    let tell = |weight: f64| study.tick(weight);
    let round = sweep::Options {
        jobs: opts.jobs,
        journal: opts.journal,
        resume: opts.resume,
        stop: opts.stop,
        prices: opts.prices,
        partition: opts.partition,
        on_done: Some(&tell),
    };
    let reports = sweep::run_sets_from(exp, design, from, &round);
    study.finish();
    reports
}

/// What stderr says after a round of `--assumptions auto`.
pub(super) fn round_line(exp: &Experiment, r: &sweep::auto::Round, cap: usize) -> String {
    let ranking = match r.ranking_stable {
        true => "the top three kept their places",
        false => "the top three changed",
    };
    let next = match (r.settled(), 2 * r.sets <= cap) {
        (true, _) => "settled".to_string(),
        (false, true) => format!("doubling to {}", 2 * r.sets),
        (false, false) => format!("stopping at the cap of {cap}"),
    };
    format!(
        "sim: {}: --assumptions auto, {} sets: {ranking}; band edges moved by at most {:.1}% of their metric's span (tolerance {:.0}%); {next}",
        exp.name,
        r.sets,
        r.edge_move * 100.0,
        sweep::auto::EDGE_TOLERANCE * 100.0
    )
}
