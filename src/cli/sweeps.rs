//! The commands over an experiment's runs: sweep (whole, sharded or listed), merge, plan.

use super::args::*;
use super::common::*;
use crate::experiment::Experiment;
use crate::{output, sweep};
use anyhow::Result;
use std::io::IsTerminal;
use std::path::PathBuf;

/// The forecast of a whole sweep: events summed, memory of the largest run.
pub(super) fn sweep_forecast(exp: &Experiment) -> crate::model::estimate::Estimate {
    sweep::shard::forecasts(exp).iter().fold(
        crate::model::estimate::Estimate {
            events: 0.0,
            memory_bytes: 0.0,
        },
        |a, e| crate::model::estimate::Estimate {
            events: a.events + e.events,
            memory_bytes: a.memory_bytes.max(e.memory_bytes),
        },
    )
}

/// What identifies the unit prices in a journal header: a hash of the prices file's text, or
/// `builtin` for the shipped ones.
pub(super) fn prices_id(path: Option<&std::path::Path>) -> String {
    match path.and_then(|p| std::fs::read_to_string(p).ok()) {
        Some(text) => format!("{:016x}", crate::engine::rng::name_id(&text)),
        None => "builtin".into(),
    }
}

/// The shard `--shard` stands for, in this process's environment.
pub(super) fn shard_of(typed: &str) -> Result<sweep::shard::Shard, Failure> {
    let flag = sweep::shard::parse_flag(typed).map_err(Failure::Usage)?;
    sweep::shard::resolve(flag, typed, &|name| std::env::var(name).ok()).map_err(Failure::Usage)
}

/// The assumption sets `--assumptions` asks for: none for 0, as for the flag left out, which
/// leaves `--sensitivity` nothing to apply to.
fn sets_asked(
    n: Option<u32>,
    sensitivity: Option<sweep::bands::Estimator>,
) -> Result<Option<u32>, Failure> {
    match (n, sensitivity) {
        (Some(0), Some(_)) => Err(Failure::Usage(
            "--sensitivity needs --assumptions N with N from 4 to 4096, not 0".into(),
        )),
        (Some(0), None) => Ok(None),
        _ => Ok(n),
    }
}

pub(super) fn run_sweep(args: SweepArgs) -> Result<(), Failure> {
    let exp = open_experiment(&args.experiment, args.replicates)?;
    crate::plan::objectives(&exp)?;
    let estimator = args.sensitivity.unwrap_or_default();
    let design = sets_asked(args.assumptions, args.sensitivity)?
        .map(|n| sweep::bands::AssumptionDesign::for_estimator(&exp, n as usize, estimator))
        .transpose()?;
    if args.list_runs {
        return list_runs(&exp, &args, design.as_ref());
    }
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&exp.name));
    let shard = args.shard.as_deref().map(shard_of).transpose()?;
    if shard.is_none() {
        crate::fsio::check_replaceable(&out_dir).map_err(|e| Failure::Usage(format!("{e:#}")))?;
    }
    let journal = journal_folder(&args, shard, &out_dir)?;
    let forecast = sweep_forecast(&exp);
    let times = 1.0 + design.as_ref().map_or(0.0, |d| d.runs() as f64);
    let forecast = crate::model::estimate::Estimate {
        events: forecast.events * times,
        ..forecast
    };
    check_budget("this sweep", forecast, args.max_events)?;
    let prices = crate::config::prices::load(args.prices.as_deref())?;
    open_journal(&exp, &args, shard, design.as_ref(), &journal)?;
    let shared = args.journal.is_some();
    let terminal = std::io::stderr().is_terminal();
    let lines = crate::progress::PlainLines::default();
    let tell = |done: usize, total: usize| lines.tell(done, total);
    let opts = sweep::Options {
        jobs: args.jobs.unwrap_or(0),
        progress: !args.quiet && terminal,
        journal: Some(&journal),
        resume: args.resume || shared,
        stop: interrupt_flag(),
        prices: Some(&prices),
        shard,
        on_done: (!args.quiet && !terminal).then_some(&tell as &(dyn Fn(usize, usize) + Sync)),
    };
    let res = sweep::run_with(&exp, &opts).map_err(|e| interrupted(&args, shard, "runs", e))?;
    if let Some(s) = shard {
        return finish_shard(&args, &exp, design.as_ref(), &opts, res.runs.len(), s);
    }
    let bands = match design {
        Some(design) => {
            let sets = sweep::bands::run(&exp, &design, &opts)
                .map_err(|e| interrupted(&args, shard, "assumption runs", e))?;
            Some(sweep::bands::Bands::new(design, sets))
        }
        None => None,
    };
    write_sweep(
        &exp,
        &res,
        &out_dir,
        args.json,
        args.columns.as_deref(),
        bands.as_ref(),
    )?;
    if !shared {
        std::fs::remove_dir_all(&journal).ok();
    }
    Ok(())
}

/// The journal a sweep writes into: `--journal`, or the resume folder beside the output of a
/// one-machine sweep; a shard needs `--journal`.
fn journal_folder(
    args: &SweepArgs,
    shard: Option<sweep::shard::Shard>,
    out_dir: &std::path::Path,
) -> Result<PathBuf, Failure> {
    match (&args.journal, shard) {
        (Some(dir), _) => Ok(dir.clone()),
        (None, Some(_)) => Err(Failure::Usage(format!(
            "--shard {} needs --journal DIR, the folder the shards share",
            args.shard.as_deref().unwrap_or_default()
        ))),
        (None, None) => Ok(sweep::journal::folder(out_dir)),
    }
}

/// Creates or checks the sweep's journal: a shared one (`--journal`) must have been written for
/// the same sweep and design; sim's own resume folder is emptied if not.
fn open_journal(
    exp: &Experiment,
    args: &SweepArgs,
    shard: Option<sweep::shard::Shard>,
    design: Option<&sweep::bands::AssumptionDesign>,
    journal: &std::path::Path,
) -> Result<(), Failure> {
    let mut header = sweep::journal::Header::new(exp, &prices_id(args.prices.as_deref()));
    header.shards = shard.map(|s| s.count);
    header.design = design.map(sweep::bands::AssumptionDesign::id);
    let on_mismatch = match args.journal {
        Some(_) => sweep::journal::OnMismatch::Fail,
        None => sweep::journal::OnMismatch::Reset,
    };
    sweep::journal::open(journal, &header, on_mismatch)
        .map_err(|e| Failure::Usage(format!("{e:#}")))
}

/// The failure of a sweep stopped early (its `what` kept in the journal, and how to go on), or
/// of a run that failed.
fn interrupted(
    args: &SweepArgs,
    shard: Option<sweep::shard::Shard>,
    what: &str,
    e: sweep::SweepError,
) -> Failure {
    let (finished, total, journal) = match e {
        sweep::SweepError::Interrupted {
            finished,
            total,
            journal,
        } => (finished, total, journal),
        sweep::SweepError::Failed(e) => return failed(e),
    };
    let again = match shard {
        Some(_) => "run the same command again to finish this shard".to_string(),
        None if args.journal.is_some() => "run the same command again to finish the sweep".into(),
        None => format!(
            "`sim sweep --resume {}` finishes the sweep",
            args.experiment.display()
        ),
    };
    Failure::Interrupted(format!(
        "interrupted: {finished} of {total} {what} finished and kept in {journal}; {again}"
    ))
}

/// The failure of a sweep whose run failed: a journal entry that is not the run its name says is
/// the user's input (exit 2), anything else a bug (exit 1).
fn failed(e: anyhow::Error) -> Failure {
    match sweep::journal::is_bad_entry(&e) {
        true => Failure::Usage(format!("{e:#}")),
        false => e.into(),
    }
}

/// Runs a shard's assumption runs after its plain ones (`plain` of them), and says what it kept.
fn finish_shard(
    args: &SweepArgs,
    exp: &Experiment,
    design: Option<&sweep::bands::AssumptionDesign>,
    opts: &sweep::Options,
    plain: usize,
    s: sweep::shard::Shard,
) -> Result<(), Failure> {
    let under_sets = match design {
        Some(d) => sweep::bands::run_runs(exp, d, opts)
            .map_err(|e| interrupted(args, Some(s), "assumption runs", e))?
            .len(),
        None => 0,
    };
    let journal = args.journal.as_deref().unwrap_or(std::path::Path::new("."));
    let sets = match design {
        Some(_) => format!(" and {under_sets} under assumption sets"),
        None => String::new(),
    };
    print_stdout(&format!(
        "shard {s}: {plain} runs{sets} finished, kept in {}; `{}` writes the outputs once every shard has finished\n",
        journal.display(),
        merge_command(args, journal),
    ))
}

/// The `sim merge` command that merges what a shard run with `args` ran: the same experiment and
/// journal, and every flag that changes the sweep's runs and that merge must be told (the
/// replicates, the assumption sets and their estimator); the prices are read from the journal.
fn merge_command(args: &SweepArgs, journal: &std::path::Path) -> String {
    let path = |p: &std::path::Path| shell_word(&p.to_string_lossy());
    let mut words = vec![
        "sim merge".to_string(),
        path(&args.experiment),
        format!("--journal {}", path(journal)),
    ];
    if let Some(n) = args.replicates {
        words.push(format!("--replicates {n}"));
    }
    if let Some(n) = args.assumptions.filter(|&n| n > 0) {
        words.push(format!("--assumptions {n}"));
        if let Some(e) = args.sensitivity {
            let name = match e {
                sweep::bands::Estimator::GivenData => "given-data",
                sweep::bands::Estimator::Saltelli => "saltelli",
            };
            words.push(format!("--sensitivity {name}"));
        }
    }
    words.join(" ")
}

/// Writes a finished sweep's outputs into `out_dir` and prints its table (or JSON): the one way
/// out for a one-machine sweep and a merge alike, so both write the same files.
pub(super) fn write_sweep(
    exp: &Experiment,
    res: &sweep::SweepResult,
    out_dir: &std::path::Path,
    json: bool,
    columns: Option<&[crate::sweep::metric::Metric]>,
    bands: Option<&sweep::bands::Bands>,
) -> Result<(), Failure> {
    let sums = sweep::stats::summarise(exp, res);
    let write = output::sweep_files::WriteOptions {
        command_line: command_line(),
        slos: None,
        bands,
    };
    crate::fsio::replace_dir(out_dir, |dir| {
        output::sweep_files::write_all(dir, exp, res, &write)
    })?;
    let text = if json {
        output::sweep::json(exp, res, &sums, bands).to_string() + "\n"
    } else {
        output::table::sweep_summary(exp, &sums, res.wall_s, res.events, columns)
            + &bands.map_or(String::new(), |b| {
                output::bands::deciding_line(exp, &sums, b)
            })
            + &format!(
                "\n  wrote {}/report.html\n  beside it: summary.csv, runs.csv, timeseries.csv, summary.md, manifest.json, plots\n",
                out_dir.display()
            )
    };
    print_stdout(&text)
}

/// The shard count `--shard` names for `--list-runs`: N alone, K/N, auto/N, or auto.
pub(super) fn list_shard_count(typed: &str) -> Result<u32, Failure> {
    match typed.trim().parse::<u32>() {
        Ok(0) => Err(Failure::Usage(format!(
            "--shard {typed}: N must be at least 1"
        ))),
        Ok(n) => Ok(n),
        Err(_) => Ok(shard_of(typed)?.count),
    }
}

pub(super) fn list_runs(
    exp: &Experiment,
    args: &SweepArgs,
    design: Option<&sweep::bands::AssumptionDesign>,
) -> Result<(), Failure> {
    let count = args.shard.as_deref().map(list_shard_count).transpose()?;
    let key = |id: &sweep::journal::RunId| match (id.set, design) {
        (Some(s), Some(d)) => sweep::bands::key(exp, d, s, id.point, id.replicate),
        _ => sweep::journal::key(exp, id.point, id.replicate),
    };
    let sets = design.map_or(0, sweep::bands::AssumptionDesign::runs);
    let runs = sweep::shard::list(exp, sets, count, &key);
    let text = if args.json {
        output::sweep::runs_list_json(exp, &runs, count).to_string() + "\n"
    } else {
        output::sweep::runs_list_text(exp, &runs, count)
    };
    print_stdout(&text)
}

pub(super) fn run_merge(args: MergeArgs) -> Result<(), Failure> {
    let exp = open_experiment(&args.experiment, args.replicates)?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&exp.name));
    crate::fsio::check_replaceable(&out_dir).map_err(|e| Failure::Usage(format!("{e:#}")))?;
    let design = merge_design(&exp, &args)?;
    let merged = match sweep::merge::merge(&exp, &args.journal, design.as_ref()) {
        Ok(merged) => merged,
        Err(sweep::merge::MergeError::Foreign(why)) => return Err(Failure::Usage(why)),
        Err(sweep::merge::MergeError::Missing { missing, total }) => {
            return Err(Failure::Usage(output::sweep::missing_runs_text(
                &exp, &missing, total,
            )))
        }
    };
    let bands = (design.zip(merged.sets)).map(|(d, sets)| sweep::bands::Bands::new(d, sets));
    write_sweep(
        &exp,
        &merged.result,
        &out_dir,
        args.json,
        None,
        bands.as_ref(),
    )
}

/// The assumption design a merge expects: `--assumptions N`, else the one the first journal's
/// header names (None: a plain sweep).
fn merge_design(
    exp: &Experiment,
    args: &MergeArgs,
) -> Result<Option<sweep::bands::AssumptionDesign>, Failure> {
    if let Some(n) = sets_asked(args.assumptions, args.sensitivity)? {
        let estimator = args.sensitivity.unwrap_or_default();
        let design = sweep::bands::AssumptionDesign::for_estimator(exp, n as usize, estimator)?;
        return Ok(Some(design));
    }
    let id = sweep::merge::design_id(&args.journal).map_err(|e| Failure::Usage(e.to_string()))?;
    id.map(|id| {
        sweep::bands::AssumptionDesign::from_id(exp, &id)
            .map_err(|why| Failure::Usage(format!("journal {}: {why}", args.journal[0].display())))
    })
    .transpose()
}

/// Runs every point under each assumption set of `design`.
pub(super) fn run_bands(
    experiment: &std::path::Path,
    exp: &Experiment,
    design: sweep::bands::AssumptionDesign,
    opts: &sweep::Options,
) -> Result<sweep::bands::Bands, Failure> {
    match sweep::bands::run(exp, &design, opts) {
        Ok(sets) => Ok(sweep::bands::Bands::new(design, sets)),
        Err(sweep::SweepError::Interrupted {
            finished, total, ..
        }) => Err(Failure::Interrupted(format!(
            "interrupted: {finished} of {total} assumption runs finished and kept; run the same \
             command again for {} to continue",
            experiment.display()
        ))),
        Err(sweep::SweepError::Failed(e)) => Err(failed(e)),
    }
}

pub(super) fn run_plan(args: PlanArgs) -> Result<(), Failure> {
    let exp = open_experiment(&args.experiment, None)?;
    let slos = if args.slos.is_empty() {
        crate::plan::objectives(&exp)?
    } else {
        args.slos.clone()
    };
    if slos.is_empty() {
        return Err(Failure::Usage(format!(
            "no objectives: give --slo \"METRIC < VALUE\" or a [plan] table with slo = [...] in {}",
            args.experiment.display()
        )));
    }
    if let Some(out) = &args.out {
        crate::fsio::check_replaceable(out).map_err(|e| Failure::Usage(format!("{e:#}")))?;
    }
    let prices = crate::config::prices::load(args.prices.as_deref())?;
    // Runs are kept in a journal beside output/, so asking again with other objectives is instant.
    let journal =
        sweep::journal::folder(&PathBuf::from("output").join(format!("{}-plan", exp.name)));
    let opts = sweep::Options {
        jobs: args.jobs.unwrap_or(0),
        progress: std::io::stderr().is_terminal(),
        journal: Some(&journal),
        resume: true,
        stop: interrupt_flag(),
        prices: Some(&prices),
        shard: None,
        on_done: None,
    };
    let header = sweep::journal::Header::new(&exp, &prices_id(args.prices.as_deref()));
    sweep::journal::open(&journal, &header, sweep::journal::OnMismatch::Reset)?;
    let res = match sweep::run_with(&exp, &opts) {
        Ok(res) => res,
        Err(sweep::SweepError::Interrupted {
            finished, total, ..
        }) => {
            return Err(Failure::Interrupted(format!(
            "interrupted: {finished} of {total} runs kept; run the same command again to continue"
        )))
        }
        Err(sweep::SweepError::Failed(e)) => return Err(failed(e)),
    };
    let sums = sweep::stats::summarise(&exp, &res);
    let answers = crate::plan::answer(&exp, &sums, &slos);
    let robust = match sets_asked(args.assumptions, args.sensitivity)? {
        Some(n) => {
            let estimator = args.sensitivity.unwrap_or_default();
            let design =
                sweep::bands::AssumptionDesign::for_estimator(&exp, n as usize, estimator)?;
            let b = run_bands(&args.experiment, &exp, design, &opts)?;
            Some(crate::plan::robustness(&exp, &b, &slos))
        }
        None => None,
    };
    if let Some(out) = &args.out {
        let write = output::sweep_files::WriteOptions {
            command_line: command_line(),
            slos: Some(slos.clone()),
            bands: None,
        };
        crate::fsio::replace_dir(out, |dir| {
            output::sweep_files::write_all(dir, &exp, &res, &write)
        })?;
    }
    if args.json {
        return print_stdout(
            &(crate::plan::json(&exp, &slos, &answers, robust.as_deref()).to_string() + "\n"),
        );
    }
    let mut text = crate::plan::report(&exp, &slos, &answers);
    if let Some(r) = &robust {
        text += &crate::plan::robustness_report(&exp, r);
    }
    if let Some(out) = &args.out {
        text += &format!(
            "\n  wrote {}/ (plan.md, plan.json, report.html and the sweep's files)\n",
            out.display()
        );
    }
    print_stdout(&text)
}
