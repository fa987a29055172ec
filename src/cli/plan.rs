//! `sim plan`: objectives answered over an experiment's sweep. The sweep is run (its runs kept in
//! a journal, so asking again is instant), or, with `--out DIR` holding a sweep of the same
//! experiment, models, seed, replicates, prices and design, read from DIR without running it.

use super::args::*;
use super::common::*;
use super::sweeps::{announce, exp_inputs, failed, prices_id, sets_asked};
use crate::experiment::Experiment;
use crate::fsio::{Mode, Staged};
use crate::output::results::{self, Identity, Saved};
use crate::output::sweep_files::{self, Verdicts};
use crate::plan::Slo;
use crate::progress::{Show, Study};
use crate::sweep::{self, bands::Bands, design::AssumptionDesign};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

pub(super) fn run_plan(args: PlanArgs) -> Result<(), Failure> {
    let exp = open_experiment(&args.experiment, None)?;
    let slos = objectives(&args, &exp)?;
    let design = sets_asked(args.assumptions, args.sensitivity)?
        .map(|n| {
            let estimator = args.sensitivity.unwrap_or_default();
            AssumptionDesign::for_estimator(&exp, n as usize, estimator)
        })
        .transpose()?;
    let identity = Identity::of(&exp, &prices_id(args.prices.as_deref()));
    if let Some(out) = &args.out {
        if let Some(saved) = reusable(out, &exp, &identity, design.as_ref()) {
            return plan_saved(&args, &exp, &slos, saved, out);
        }
    }
    let staged = args
        .out
        .as_deref()
        .map(|out| Staged::begin(out, Mode::Replace, &exp_inputs(&exp, &args.prices, &[])))
        .transpose()?;
    let prices = crate::config::prices::load(args.prices.as_deref())?;
    // Runs are kept in a journal as they finish: beside --out (removed once the folder is
    // written, whose results.json then answers again at once), else in output/ (kept, so asking
    // again with other objectives is instant).
    let journal = match &args.out {
        Some(out) => sweep::journal::folder(out),
        None => sweep::journal::folder(&PathBuf::from("output").join(format!("{}-plan", exp.name))),
    };
    sweep::resume::check_own(&journal).map_err(|e| Failure::Usage(e.to_string()))?;
    let planned = sweep::workload::planned(&exp, design.as_ref(), None);
    let _ = announce(&exp, design.as_ref(), &planned, args.jobs);
    let show = match std::io::stderr().is_terminal() {
        true => Show::Bar,
        false => Show::Nothing,
    };
    let study = Study::new(&exp.name, &planned, show);
    let tell = |weight: f64| study.tick(weight);
    let opts = sweep::Options {
        jobs: args.jobs.unwrap_or(0),
        journal: Some(&journal),
        resume: true,
        stop: interrupt_flag(),
        prices: Some(&prices),
        partition: None,
        on_done: Some(&tell),
    };
    let header = sweep::journal::Header::new(&exp, &identity.prices);
    sweep::journal::open(&journal, &header, sweep::journal::OnMismatch::Reset)
        .map_err(|e| Failure::Run(e.into()))?;
    let exp = match sweep::warmup::settle(&exp, &opts) {
        Ok(exp) => exp,
        Err(sweep::SweepError::Interrupted { .. }) => {
            study.finish();
            return Err(Failure::Interrupted(
                "interrupted during the warm-up pilots (warmup = \"auto\"); run the same command again".into(),
            ));
        }
        Err(e) => return Err(failed(e)),
    };
    let res = match sweep::run_with(&exp, &opts).inspect_err(|_| study.finish()) {
        Ok(res) => res,
        Err(sweep::SweepError::Interrupted {
            finished, total, ..
        }) => {
            return Err(Failure::Interrupted(format!(
                "interrupted: {finished} of {total} runs finished and kept in {}; run the same \
                 command again to continue",
                journal.display()
            )))
        }
        Err(e) => return Err(failed(e)),
    };
    let bands = design
        .map(|d| run_bands(&args.experiment, &exp, d, &opts))
        .transpose();
    study.finish();
    let bands = bands?;
    if let Some(staged) = staged {
        let write = sweep_files::WriteOptions {
            command_line: command_line(),
            slos: Some(slos.clone()),
            bands: bands.as_ref(),
            identity: Some(identity),
        };
        sweep_files::write_all(staged.path(), &exp, &res, &write).map_err(output_failure)?;
        staged.commit()?;
        sweep::resume::remove_own(&journal);
    }
    let sums = sweep::stats::summarise(&exp, &res);
    let counters = crate::plan::counters(&exp, &res);
    let wrote = "plan.md, plan.json, report.html and the sweep's files";
    print_plan(
        &args,
        &exp,
        &slos,
        (&sums, &counters),
        bands.as_ref(),
        wrote,
    )
}

/// The objectives: `--slo` flags, else the experiment's `[plan]` table; none is an error.
fn objectives(args: &PlanArgs, exp: &Experiment) -> Result<Vec<Slo>, Failure> {
    let slos = if args.slos.is_empty() {
        crate::plan::objectives(exp)?
    } else {
        args.slos.clone()
    };
    if slos.is_empty() {
        return Err(Failure::Usage(format!(
            "no objectives: give --slo \"METRIC < VALUE\" or a [plan] table with slo = [...] in {}",
            args.experiment.display()
        )));
    }
    Ok(slos)
}

/// The sweep saved in `out`, when it is this experiment's with the same identity and, if
/// `design` is asked for, the same assumption design.
fn reusable(
    out: &Path,
    exp: &Experiment,
    identity: &Identity,
    design: Option<&AssumptionDesign>,
) -> Option<Saved> {
    let saved = results::read(out, identity, exp.points.len())?;
    match (design, &saved.sets) {
        (Some(want), Some((id, _))) if want.id() != *id => None,
        (Some(_), None) => None,
        _ => Some(saved),
    }
}

/// Answers over a sweep already in `out`: writes the verdicts (`plan.md`, `plan.json`,
/// `report.html`) beside the sweep's files, which stay as they are.
fn plan_saved(
    args: &PlanArgs,
    exp: &Experiment,
    slos: &[Slo],
    saved: Saved,
    out: &Path,
) -> Result<(), Failure> {
    let bands = match saved.sets {
        Some((id, sets)) => {
            let design =
                AssumptionDesign::from_id(exp, &id).map_err(|e| Failure::Usage(e.to_string()))?;
            Some(Bands::new(design, sets))
        }
        None => None,
    };
    let staged = Staged::begin(out, Mode::Beside, &exp_inputs(exp, &args.prices, &[]))?;
    let command_line = command_line();
    let v = Verdicts {
        runs: saved.runs,
        events: saved.events,
        sums: &saved.sums,
        slos,
        bands: bands.as_ref(),
        counters: &saved.counters,
        command_line: &command_line,
        series: None,
    };
    sweep_files::write_verdicts(staged.path(), out, exp, &v).map_err(output_failure)?;
    staged.commit()?;
    let design = bands
        .as_ref()
        .map_or(String::new(), |b| format!(", design {}", b.design.id()));
    let sets = bands.as_ref().map_or(String::new(), |b| {
        format!(
            " and {} under assumption sets",
            exp.set_runs() * b.design.runs()
        )
    });
    eprintln!(
        "reusing the sweep in {} ({} runs{sets}, of the same experiment, models, seed, \
         replicates and prices{design}): nothing run again; wrote plan.md, plan.json and \
         report.html beside its files",
        out.display(),
        saved.runs
    );
    let wrote = "plan.md, plan.json and report.html, beside the sweep's files";
    print_plan(
        args,
        exp,
        slos,
        (&saved.sums, &saved.counters),
        bands.as_ref(),
        wrote,
    )
}

/// Prints the answers (and the verdict under assumption sets), or their JSON; `wrote` says what
/// went into `--out`.
fn print_plan(
    args: &PlanArgs,
    exp: &Experiment,
    slos: &[Slo],
    (sums, counters): (
        &[crate::sweep::stats::PointSummaries],
        &[crate::plan::Counters],
    ),
    bands: Option<&Bands>,
    wrote: &str,
) -> Result<(), Failure> {
    let answers = crate::plan::answer(exp, sums, counters, slos);
    let robust = bands.map(|b| crate::plan::robustness(exp, b, slos));
    if args.json {
        return print_stdout(
            &(crate::plan::json(exp, slos, &answers, robust.as_deref()).to_string() + "\n"),
        );
    }
    let mut text = crate::plan::report(exp, slos, &answers);
    if let Some(r) = &robust {
        text += &crate::plan::robustness_report(exp, r);
    }
    if let Some(out) = &args.out {
        text += &format!("\n  wrote {}/ ({wrote})\n", out.display());
    }
    print_stdout(&text)
}

/// Runs every point under each assumption set of `design`.
fn run_bands(
    experiment: &Path,
    exp: &Experiment,
    design: AssumptionDesign,
    opts: &sweep::Options,
) -> Result<Bands, Failure> {
    match sweep::run_sets(exp, &design, opts) {
        Ok(reports) => Ok(Bands::new(design, sweep::bands::summarise(exp, &reports))),
        Err(sweep::SweepError::Interrupted {
            finished, total, ..
        }) => Err(Failure::Interrupted(format!(
            "interrupted: {finished} of {total} assumption runs finished and kept; run the same \
             command again for {} to continue",
            experiment.display()
        ))),
        Err(e) => Err(failed(e)),
    }
}
