//! The commands over an experiment's runs: sweep (whole, one partition, or listed) and merge.

use super::args::*;
use super::auto_sets::{auto_cap, auto_round, round_line};
use super::common::*;
use crate::experiment::Experiment;
use crate::fsio::{Mode, Staged};
use crate::progress::{Show, Study};
use crate::sweep::design::{AssumptionDesign, Estimator, AUTO_START};
use crate::sweep::partition::{self, Partition, Typed};
use crate::{output, sweep};
use anyhow::Result;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

/// What a sweep's headline says ran: the wall time is read when the headline is written.
pub(super) enum Ran {
    /// Runs made by this command since the instant.
    Since(Instant, output::table::Ran),
    /// Runs merged from journals, their times summed.
    Merged(output::table::Ran),
}

/// The forecast of a whole sweep: work summed, memory of the largest run.
pub(super) fn sweep_forecast(exp: &Experiment) -> crate::model::estimate::Estimate {
    partition::forecasts(exp)
        .iter()
        .fold(crate::model::estimate::Estimate::NONE, |a, e| a.then(*e))
}

/// The files a command over `exp` reads (an output folder must not hold them): the experiment,
/// its models, the prices file and any journals.
pub(super) fn exp_inputs<'a>(
    exp: &'a Experiment,
    prices: &'a Option<PathBuf>,
    journals: &[&'a std::path::Path],
) -> Vec<&'a std::path::Path> {
    let mut v = exp.input_files();
    v.extend(prices.as_deref());
    v.extend(journals);
    v
}

/// What identifies the unit prices in a journal header: a hash of the prices file's text, or
/// `builtin` for the shipped ones.
pub(super) fn prices_id(path: Option<&std::path::Path>) -> String {
    let read = |p| crate::config::read_text(p).ok();
    match path.and_then(read) {
        Some(text) => format!("{:016x}", crate::engine::rng::name_id(&text)),
        None => "builtin".into(),
    }
}

/// The partition `--partition` stands for, in this process's environment.
pub(super) fn partition_of(typed: Typed) -> Result<Partition, Failure> {
    let usage = |e: partition::PartitionError| Failure::Usage(e.to_string());
    let flag = partition::parse_flag(typed).map_err(usage)?;
    partition::resolve(flag, typed, &|name| std::env::var(name).ok()).map_err(usage)
}

/// What a partition is called as the user typed its flag: `partition`, or `shard` for the old
/// `--shard`, so that everything the command says follows the flag.
fn noun(args: &SweepArgs) -> &str {
    args.partition_typed().map_or("partition", |t| t.noun())
}

/// The assumption sets `--assumptions` asks for: none for 0, as for the flag left out, which
/// leaves `--sensitivity` nothing to apply to.
pub(super) fn sets_asked(
    n: Option<u32>,
    sensitivity: Option<Estimator>,
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
    let started = Instant::now();
    let mut exp = open_experiment(&args.experiment, args.replicates)?;
    if let Some(n) = args.set_replicates {
        exp.set_replicates = n;
    }
    no_run_length_flags(&exp, &args)?;
    crate::plan::objectives(&exp)?;
    let estimator = args.sensitivity.unwrap_or_default();
    let auto = auto_cap(&args)?;
    let design = match (auto, args.assumptions) {
        (Some(_), _) => Some(AssumptionDesign::nested(&exp, AUTO_START)?),
        (None, Some(SweepSets::Count(n))) => sets_asked(Some(n), args.sensitivity)?
            .map(|n| AssumptionDesign::for_estimator(&exp, n as usize, estimator))
            .transpose()?,
        (None, _) => None,
    };
    let precision = super::precision::asked(&exp, &args, design.is_some())?;
    if args.list_runs {
        return list_runs(&exp, &args, design.as_ref());
    }
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&exp.name));
    let part = args.partition_typed().map(partition_of).transpose()?;
    if let (Some(_), Some(t), true) = (part, args.partition_typed(), exp.warmup_auto) {
        return Err(Failure::Usage(format!(
            "{} {}: an experiment with warmup = \"auto\" detects each point's warm-up from a \
             pilot run first, which partitions do not share; run it on one machine, or write a \
             fixed warmup in {}",
            t.flag,
            t.value,
            args.experiment.display()
        )));
    }
    let staged = match part {
        None => Some(Staged::begin(
            &out_dir,
            Mode::Replace,
            &exp_inputs(&exp, &args.prices, &[]),
        )?),
        Some(_) => None,
    };
    let journal = journal_folder(&args, part, &out_dir)?;
    let forecast = sweep_forecast(&exp);
    let sets_at_most = auto.unwrap_or(design.as_ref().map_or(0, |d| d.runs()));
    let times = 1.0 + (sets_at_most * exp.set_runs()) as f64 / exp.runs() as f64;
    let budget = Budget::of(args.max_events, args.max_memory.as_deref())?;
    check_budget("this sweep", forecast.times(times), budget)?;
    let prices = crate::config::prices::load(args.prices.as_deref())?;
    if args.journal.is_none() {
        sweep::resume::check_own(&journal).map_err(|e| Failure::Usage(e.to_string()))?;
    }
    if args.resume && args.journal.is_none() && !journal.join(sweep::journal::HEADER).exists() {
        eprintln!(
            "--resume: no interrupted sweep to resume ({} does not exist); running the whole sweep",
            journal.display()
        );
    }
    open_journal(&exp, &args, part, design.as_ref(), &journal)?;
    let shared = args.journal.is_some();
    let planned = match &precision {
        // The first round's runs: the rounds after it are known only as it ends.
        Some(p) => {
            let mut first = exp.clone();
            first.replicates = p.first_round(exp.replicates);
            sweep::workload::planned(&first, None, None)
        }
        None => sweep::workload::planned(&exp, design.as_ref(), part),
    };
    let show = match (args.quiet, std::io::stderr().is_terminal()) {
        (true, _) => Show::Nothing,
        (false, true) => Show::Bar,
        (false, false) => Show::Lines,
    };
    if !args.quiet && announce(&exp, design.as_ref(), &planned, args.jobs) {
        if let Some(p) = &precision {
            eprintln!(
                "sim: {}: that forecast is the first round of --precision ({} replicate(s) per \
                 point); later rounds add runs until each point is precise, up to {} per point",
                exp.name,
                p.first_round(exp.replicates),
                p.max_replicates
            );
        }
    }
    let study = Study::new(&exp.name, &planned, show);
    let tell = |weight: f64| study.tick(weight);
    let opts = sweep::Options {
        jobs: args.jobs.unwrap_or(0),
        journal: Some(&journal),
        resume: args.resume || shared,
        stop: interrupt_flag(),
        prices: Some(&prices),
        partition: part,
        on_done: Some(&tell),
    };
    let exp = sweep::warmup::settle(&exp, &opts).map_err(|e| {
        study.finish();
        interrupted(&args, part, "warm-up pilots", e)
    })?;
    let res = match &precision {
        Some(p) => sweep::adaptive::run_precise(&exp, p, &opts, &|more| study.plan_more(more)),
        None => sweep::run_with(&exp, &opts),
    };
    let what = match precision {
        Some(_) => "runs of this round",
        None => "runs",
    };
    let res = res.map_err(|e| {
        study.finish();
        interrupted(&args, part, what, e)
    })?;
    if let Some(p) = part {
        let done = finish_partition(&args, &exp, design.as_ref(), &opts, res.runs.len(), p);
        study.finish();
        return done;
    }
    let mut ran = output::table::Ran {
        runs: res.runs.len(),
        sets: design.as_ref().map_or(0, AssumptionDesign::runs),
        adaptive: res.precision.as_ref().map(|a| a.replicates_text()),
        events: res.events,
        took: output::table::Took::Wall(0.0),
    };
    let bands = match (design, auto) {
        (Some(first), Some(cap)) => {
            let sums = sweep::stats::summarise(&exp, &res);
            let mut run = |d: &AssumptionDesign, from: usize| {
                let reports = match from {
                    0 => sweep::run_sets_from(&exp, d, 0, &opts),
                    _ => auto_round(&exp, d, from, &opts, show),
                }?;
                ran.runs += reports.len();
                ran.events += reports.iter().map(|r| r.events).sum::<u64>();
                study.finish();
                Ok(reports)
            };
            let mut told = |r: &sweep::auto::Round| {
                if !args.quiet {
                    eprintln!("{}", round_line(&exp, r, cap));
                }
            };
            let bands =
                sweep::auto::grow(&exp, &sums, (first, cap), &mut run, &mut told).map_err(|e| {
                    study.finish();
                    interrupted(&args, part, "assumption runs", e)
                })?;
            ran.sets = bands.design.runs();
            if let Some(grown) = bands.auto.as_ref().filter(|_| !args.quiet) {
                eprintln!(
                    "sim: {}: --assumptions auto used {}",
                    exp.name,
                    grown.text()
                );
            }
            Some(bands)
        }
        (Some(design), None) => {
            let reports = sweep::run_sets(&exp, &design, &opts).map_err(|e| {
                study.finish();
                interrupted(&args, part, "assumption runs", e)
            })?;
            ran.runs += reports.len();
            ran.events += reports.iter().map(|r| r.events).sum::<u64>();
            let sets = sweep::bands::summarise(&exp, &reports);
            Some(sweep::bands::Bands::new(design, sets))
        }
        (None, _) => None,
    };
    study.finish();
    if let Some(note) = output::precision::warmup_note(&exp, &res).filter(|_| !exp.warmup_auto) {
        eprintln!("sim: {note}");
    }
    let staged = staged.expect("a sweep that is not a partition has its folder");
    write_sweep(
        &exp,
        &res,
        (staged, &prices_id(args.prices.as_deref())),
        args.json,
        args.columns.as_deref(),
        bands.as_ref(),
        Ran::Since(started, ran),
    )?;
    if !shared {
        sweep::resume::remove_own(&journal);
    }
    Ok(())
}

/// Refuses `--duration` and `--warmup`, which `sim run` has and a sweep does not, saying where a
/// sweep's run length is set.
fn no_run_length_flags(exp: &Experiment, args: &SweepArgs) -> Result<(), Failure> {
    let (flag, key, typed) = match (&args.duration, &args.warmup) {
        (Some(d), _) => ("--duration", "duration", d),
        (None, Some(w)) => ("--warmup", "warmup", w),
        (None, None) => return Ok(()),
    };
    let spec = exp.spec(0, 0);
    let now = crate::engine::time::format_duration(match key {
        "duration" => spec.duration,
        _ => spec.warmup,
    });
    let file = args.experiment.display();
    Err(Failure::Usage(format!(
        "sim sweep has no {flag}: every run of a sweep takes its {key} from the experiment file \
         (now {now}); write `{key} = \"{typed}\"` at the top of {file}, or sweep it as an axis: \
         [[axes]] path = \"{key}\" values = [\"{typed}\", ...]"
    )))
}

/// Prints, before a study forecast to take more than 30 s, how many runs it will do and about how
/// long they will take on `jobs` worker threads (None or 0: every core), each with the share of a
/// core the machine's other load leaves it. True when it printed.
pub(super) fn announce(
    exp: &Experiment,
    design: Option<&AssumptionDesign>,
    planned: &[f64],
    jobs: Option<usize>,
) -> bool {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = match jobs {
        Some(n) if n > 0 => n,
        _ => cores,
    };
    let load = crate::progress::load_average();
    let share = crate::progress::core_share(threads, cores, load);
    let seconds = crate::progress::forecast_wall_s(planned, threads, share);
    if seconds < 30.0 {
        return false;
    }
    let runs = match design {
        Some(d) => format!(
            "{} runs ({} plain, the rest under {} assumption sets)",
            planned.len(),
            planned.len() - d.runs() * exp.set_runs(),
            d.runs()
        ),
        None => format!("{} runs", planned.len()),
    };
    let busy = match share < 1.0 {
        true => format!(
            " (load {load:.1} on {cores} cores: {:.0}% of a core each)",
            share * 100.0
        ),
        false => String::new(),
    };
    eprintln!(
        "sim: {}: {runs}, forecast to take about {} on {threads} worker thread(s){busy}; Ctrl-C stops it and keeps the finished runs",
        exp.name,
        crate::progress::span(seconds)
    );
    true
}

/// The journal a sweep writes into: `--journal`, or the resume folder beside the output of a
/// one-machine sweep; a partition needs `--journal`.
fn journal_folder(
    args: &SweepArgs,
    part: Option<Partition>,
    out_dir: &std::path::Path,
) -> Result<PathBuf, Failure> {
    match (&args.journal, part, args.partition_typed()) {
        (Some(dir), _, _) => Ok(dir.clone()),
        (None, Some(_), Some(typed)) => Err(Failure::Usage(format!(
            "{} {} needs --journal DIR, the folder the {}s share",
            typed.flag,
            typed.value,
            typed.noun()
        ))),
        (None, _, _) => Ok(sweep::journal::folder(out_dir)),
    }
}

/// Creates or checks the sweep's journal: a shared one (`--journal`) must have been written for
/// the same sweep and design; sim's own resume folder is emptied if not.
fn open_journal(
    exp: &Experiment,
    args: &SweepArgs,
    part: Option<Partition>,
    design: Option<&AssumptionDesign>,
    journal: &std::path::Path,
) -> Result<(), Failure> {
    let mut header = sweep::journal::Header::new(exp, &prices_id(args.prices.as_deref()));
    header.partitions = part.map(|p| p.count);
    header.design = design.map(AssumptionDesign::journal_id);
    let on_mismatch = match args.journal {
        Some(_) => sweep::journal::OnMismatch::Fail,
        None => sweep::journal::OnMismatch::Reset,
    };
    // `--resume` asks for the runs kept: a kept sweep that is not this one is not emptied
    // without a word.
    if args.resume && args.journal.is_none() && journal.join(sweep::journal::HEADER).exists() {
        let kept =
            sweep::journal::read_header(journal).map_err(|e| Failure::Usage(e.to_string()))?;
        if let Some(why) = kept.mismatch(&header) {
            return Err(Failure::Usage(format!(
                "--resume: the interrupted sweep kept in {} is not this sweep: {why}; resume it \
                 with the flags it was started with (its interrupt message says them), or leave \
                 out --resume to run this one afresh and discard the kept runs",
                journal.display()
            )));
        }
    }
    sweep::journal::open(journal, &header, on_mismatch).map_err(|e| Failure::Usage(e.to_string()))
}

/// The failure of a sweep stopped early (its `what` kept in the journal, and how to go on), or
/// of a run that failed.
fn interrupted(
    args: &SweepArgs,
    part: Option<Partition>,
    what: &str,
    e: sweep::SweepError,
) -> Failure {
    let (finished, total, journal) = match e {
        sweep::SweepError::Interrupted {
            finished,
            total,
            journal,
        } => (finished, total, journal),
        e => return failed(e),
    };
    let again = match part {
        Some(_) => format!("run the same command again to finish this {}", noun(args)),
        None if args.journal.is_some() => "run the same command again to finish the sweep".into(),
        None => format!("`{}` finishes the sweep", super::resume_hint::command(args)),
    };
    Failure::Interrupted(format!(
        "interrupted: {finished} of {total} {what} finished and kept in {journal}; {again}"
    ))
}

/// The failure of a sweep whose run failed: a journal entry that is not the run its name says,
/// or a journal that cannot be written, is the user's to fix (exit 2), anything else a bug (1).
pub(super) fn failed(e: sweep::SweepError) -> Failure {
    match e.is_users() {
        true => Failure::Usage(e.to_string()),
        false => Failure::Run(e.into()),
    }
}

/// Runs a partition's assumption runs after its plain ones (`plain` of them), and says what it
/// kept.
fn finish_partition(
    args: &SweepArgs,
    exp: &Experiment,
    design: Option<&AssumptionDesign>,
    opts: &sweep::Options,
    plain: usize,
    p: Partition,
) -> Result<(), Failure> {
    let under_sets = match design {
        Some(d) => sweep::run_sets(exp, d, opts)
            .map_err(|e| interrupted(args, Some(p), "assumption runs", e))?
            .len(),
        None => 0,
    };
    let journal = args.journal.as_deref().unwrap_or(std::path::Path::new("."));
    let sets = match design {
        Some(_) => format!(" and {under_sets} under assumption sets"),
        None => String::new(),
    };
    let noun = noun(args);
    print_stdout(&format!(
        "{noun} {p}: {plain} runs{sets} finished, kept in {}; `{}` writes the outputs once every {noun} has finished\n",
        journal.display(),
        merge_command(args, journal),
    ))
}

/// The `sim merge` command that merges what a partition run with `args` ran: the same experiment and
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
    if let Some(SweepSets::Count(n)) = args.assumptions.filter(|&n| n != SweepSets::Count(0)) {
        words.push(format!("--assumptions {n}"));
        if let Some(e) = args.sensitivity {
            words.push(format!("--sensitivity {}", e.name()));
        }
        if let Some(n) = args.set_replicates {
            words.push(format!("--set-replicates {n}"));
        }
    }
    words.join(" ")
}

/// Writes a finished sweep's outputs into its staged folder (its runs costed with the prices
/// `prices` identifies) and prints its table (or JSON): the one way out for a one-machine sweep
/// and a merge alike, so both write the same files.
pub(super) fn write_sweep(
    exp: &Experiment,
    res: &sweep::SweepResult,
    (staged, prices): (Staged, &str),
    json: bool,
    columns: Option<&[crate::sweep::metric::Metric]>,
    bands: Option<&sweep::bands::Bands>,
    ran: Ran,
) -> Result<(), Failure> {
    let sums = sweep::stats::summarise(exp, res);
    let write = output::sweep_files::WriteOptions {
        command_line: command_line(),
        slos: None,
        bands,
        identity: Some(output::results::Identity::of(exp, prices)),
    };
    output::sweep_files::write_all(staged.path(), exp, res, &write).map_err(output_failure)?;
    let out_dir = staged.shown().to_path_buf();
    staged.commit()?;
    let text = if json {
        output::sweep::json(exp, res, &sums, bands).to_string() + "\n"
    } else {
        let ran = match ran {
            Ran::Since(started, ran) => output::table::Ran {
                took: output::table::Took::Wall(started.elapsed().as_secs_f64()),
                ..ran
            },
            Ran::Merged(ran) => ran,
        };
        output::table::sweep_summary(exp, &sums, &ran, columns)
            + &output::verdict::text(exp, &sums, bands)
            + &bands.map_or(String::new(), |b| {
                output::bands::deciding_line(exp, &sums, b)
            })
            + &(output::bands::starved_note(exp, &sums, bands))
                .map_or(String::new(), |n| format!("  {n}\n"))
            + &(output::precision::notes(exp, &sums, Some(res)).iter())
                .map(|n| format!("  {n}\n"))
                .collect::<String>()
            + &format!(
                "\n  wrote {}/report.html\n  beside it: summary.csv, runs.csv, timeseries.csv, summary.md, manifest.json, plots\n",
                out_dir.display()
            )
    };
    print_stdout(&text)
}

/// The partition count `--partition` names for `--list-runs`: N alone, K/N, auto/N, or auto.
pub(super) fn list_partition_count(typed: Typed) -> Result<u32, Failure> {
    match typed.value.trim().parse::<u32>() {
        Ok(0) => Err(Failure::Usage(format!(
            "{} {}: N must be at least 1",
            typed.flag, typed.value
        ))),
        Ok(n) => Ok(n),
        Err(_) => Ok(partition_of(typed)?.count),
    }
}

pub(super) fn list_runs(
    exp: &Experiment,
    args: &SweepArgs,
    design: Option<&AssumptionDesign>,
) -> Result<(), Failure> {
    let count = (args.partition_typed())
        .map(list_partition_count)
        .transpose()?;
    let key = |id: &sweep::journal::RunId| sweep::design::run_key(exp, design, id);
    let sets = design.map_or(0, AssumptionDesign::runs);
    let runs = partition::list(exp, sets, count, &key);
    let text = if args.json {
        output::sweep::runs_list_json(exp, &runs, count).to_string() + "\n"
    } else {
        output::sweep::runs_list_text(exp, &runs, count)
    };
    print_stdout(&text)
}

pub(super) fn run_merge(args: MergeArgs) -> Result<(), Failure> {
    let mut exp = open_experiment(&args.experiment, args.replicates)?;
    if let Some(n) = args.set_replicates {
        exp.set_replicates = n;
    }
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&exp.name));
    let journals: Vec<&std::path::Path> = args.journal.iter().map(|j| j.as_path()).collect();
    let staged = Staged::begin(&out_dir, Mode::Replace, &exp_inputs(&exp, &None, &journals))?;
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
    let ran = output::table::Ran {
        runs: merged.runs,
        sets: design.as_ref().map_or(0, AssumptionDesign::runs),
        adaptive: None,
        events: merged.events,
        took: output::table::Took::Summed(merged.run_s),
    };
    let bands = (design.zip(merged.sets)).map(|(d, sets)| sweep::bands::Bands::new(d, sets));
    let prices = sweep::journal::read_header(&args.journal[0])
        .map_or_else(|_| "builtin".to_string(), |h| h.prices);
    write_sweep(
        &exp,
        &merged.result,
        (staged, &prices),
        args.json,
        None,
        bands.as_ref(),
        Ran::Merged(ran),
    )
}

/// The assumption design a merge expects: `--assumptions N`, else the one the first journal's
/// header names (None: a plain sweep).
fn merge_design(exp: &Experiment, args: &MergeArgs) -> Result<Option<AssumptionDesign>, Failure> {
    if let Some(n) = sets_asked(args.assumptions, args.sensitivity)? {
        let estimator = args.sensitivity.unwrap_or_default();
        let design = AssumptionDesign::for_estimator(exp, n as usize, estimator)?;
        return Ok(Some(design));
    }
    let id = sweep::merge::design_id(&args.journal).map_err(|e| Failure::Usage(e.to_string()))?;
    id.map(|id| {
        AssumptionDesign::from_id(exp, &id)
            .map_err(|why| Failure::Usage(format!("journal {}: {why}", args.journal[0].display())))
    })
    .transpose()
}
