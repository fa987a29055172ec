//! The command line: argument parsing, dispatch to commands, exit codes.
//!
//! Exit codes: 0 success; 1 a run failed (an internal invariant broke); 2 bad input or usage;
//! 130 interrupted by Ctrl-C (a sweep keeps its finished runs for `--resume`).

use crate::config::{ConfigError, ModelFile, Override};
use crate::experiment::Experiment;
use crate::model::run::{simulate_with, Observer, Unobserved};
use crate::progress::{peak_rss_mb, RunBar};
use crate::{output, sweep};
use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "sim",
    version,
    about = "Predict read contention on AWS streams before production does",
    long_about = "sim simulates Kinesis Data Streams and DynamoDB Streams read by Lambda functions and \
                  EventBridge Pipes: shared read limits, enhanced fan-out, batching, retries, and the \
                  IteratorAge and throttles that follow.",
    after_help = "Exit codes: 0 success, 1 run failed, 2 bad input or usage, 130 interrupted (Ctrl-C)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run one model and report IteratorAge, throttles and record counts.
    Run(RunArgs),
    /// Run an experiment: every point of its axes, with replicates, in parallel; write CSVs and plots.
    Sweep(SweepArgs),
    /// Draw every GetRecords call on one shard over a short window: the two-reader rule at a glance.
    Timeline(TimelineArgs),
    /// Answer service-level objectives over an experiment's sweep, per architecture.
    Plan(PlanArgs),
    /// List the parameters AWS does not publish, with plausible ranges; with MODEL, its values.
    Assumptions(AssumptionsArgs),
    /// Check model files without running them.
    Validate {
        /// Model files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The model file (TOML).
    pub model: PathBuf,
    /// Random seed (overrides the model's `seed`).
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    pub seed: Option<u64>,
    /// Simulated duration, e.g. "1h" (overrides `duration`).
    #[arg(long)]
    pub duration: Option<String>,
    /// Warm-up discarded from statistics, e.g. "5m" (overrides `warmup`).
    #[arg(long)]
    pub warmup: Option<String>,
    /// Override any model parameter by its dotted path, e.g. consumers.fn.batch_size=500.
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_override)]
    pub set: Vec<Override>,
    /// Output folder (default: output/MODEL-NAME/). Existing files there are replaced.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print exactly one JSON object on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Refuse runs forecast to need more events than this (the forecast is printed).
    #[arg(long, default_value_t = DEFAULT_MAX_EVENTS, value_name = "N")]
    pub max_events: f64,
    /// Unit prices for cost (default: the shipped models/prices/us-east-1.toml).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct SweepArgs {
    /// The experiment file (TOML).
    pub experiment: PathBuf,
    /// Output folder (default: output/EXPERIMENT-NAME/). Replaced as a whole when the sweep ends.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Replicates per point (overrides the experiment's `replicates`).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub replicates: Option<u32>,
    /// Print exactly one JSON object on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Unit prices for cost (default: the shipped models/prices/us-east-1.toml).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Reuse the runs an interrupted sweep finished (kept in .OUT.resume/ beside the output).
    #[arg(long)]
    pub resume: bool,
    /// Refuse sweeps forecast to need more events than this (the forecast is printed).
    #[arg(long, default_value_t = DEFAULT_MAX_EVENTS, value_name = "N")]
    pub max_events: f64,
    /// Also run every point under N sets of plausible assumptions (a Sobol design over the
    /// ranges `sim assumptions` lists) and report each metric's band and deciding assumption.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(4..=4096))]
    pub assumptions: Option<u32>,
}

/// Above this forecast of events, a run or sweep is refused unless --max-events says otherwise
/// (about half an hour at 10 M events/s).
pub const DEFAULT_MAX_EVENTS: f64 = 2e10;

/// Refuses work whose forecast exceeds the limit, naming the forecast and the flag.
fn check_budget(
    what: &str,
    est: crate::model::estimate::Estimate,
    max_events: f64,
) -> Result<(), Failure> {
    if est.events <= max_events {
        return Ok(());
    }
    Err(Failure::Usage(format!(
        "{what} is forecast to need about {:.1e} events (roughly {:.0} s at 10 M events/s) and {:.0} MiB of memory, \
         more than --max-events {:.1e}; pass --max-events {:.1e} to run it anyway, or shorten it",
        est.events,
        est.events / 1e7,
        est.memory_bytes / (1 << 20) as f64,
        max_events,
        est.events * 1.5
    )))
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// The experiment file (TOML).
    pub experiment: PathBuf,
    /// An objective on a sweep metric, e.g. "iterator_age_max < 30s"; repeat for several.
    #[arg(long = "slo", required = true, value_parser = crate::plan::Slo::parse)]
    pub slos: Vec<crate::plan::Slo>,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Unit prices for cost (default: the shipped models/prices/us-east-1.toml).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Also answer under N sets of plausible assumptions: the range of the largest count, the
    /// share of sets each count meets the objectives in, and the deciding assumption.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(4..=4096))]
    pub assumptions: Option<u32>,
    /// Print exactly one JSON object on stdout instead of the prose.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct TimelineArgs {
    /// The model file (TOML).
    pub model: PathBuf,
    /// Stream to look at (default: the first, by name).
    #[arg(long)]
    pub stream: Option<String>,
    /// Shard number.
    #[arg(long, default_value_t = 0)]
    pub shard: u32,
    /// Length of the window drawn, e.g. "10s".
    #[arg(long, default_value = "10s")]
    pub window: String,
    /// Simulated time at which the window starts, e.g. "2m".
    #[arg(long, default_value = "1m")]
    pub at: String,
    /// Override any model parameter by its dotted path.
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_override)]
    pub set: Vec<Override>,
    /// Output folder (default: output/MODEL-NAME/); writes timeline.png and timeline.svg.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct AssumptionsArgs {
    /// A model file: list its assumed parameters (patterns expanded) with their current values.
    pub model: Option<PathBuf>,
    /// Override any model parameter by its dotted path (with MODEL).
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_override, requires = "model")]
    pub set: Vec<Override>,
    /// Print exactly one JSON object on stdout instead of the table.
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print the catalogue as the Markdown table of docs/model.md.
    #[arg(long, conflicts_with = "model")]
    pub markdown: bool,
}

fn parse_override(s: &str) -> Result<Override, String> {
    Override::parse(s)
}

/// Why a command failed, deciding the exit code.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error(transparent)]
    Input(#[from] ConfigError),
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Run(#[from] anyhow::Error),
    #[error("{0}")]
    Interrupted(String),
}

/// A flag set by the first Ctrl-C; a second Ctrl-C exits at once with code 130.
fn interrupt_flag() -> &'static std::sync::atomic::AtomicBool {
    use std::sync::atomic::{AtomicBool, Ordering};
    static STOP: AtomicBool = AtomicBool::new(false);
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if STOP.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!("\ninterrupted: finishing the runs under way (Ctrl-C again to quit at once)");
        });
    });
    &STOP
}

impl Failure {
    fn code(&self) -> u8 {
        match self {
            Failure::Input(_) | Failure::Usage(_) => 2,
            Failure::Run(_) => 1,
            Failure::Interrupted(_) => 130,
        }
    }
}

/// Entry point used by `main`.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(e.code())
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Run(args) => run_model(args),
        Command::Sweep(args) => run_sweep(args),
        Command::Timeline(args) => run_timeline(args),
        Command::Plan(args) => run_plan(args),
        Command::Assumptions(args) => assumptions(args),
        Command::Validate { files } => validate(&files),
    }
}

fn validate(files: &[PathBuf]) -> Result<(), Failure> {
    let mut first_error = None;
    for f in files {
        match ModelFile::open(f) {
            Ok(_) => println!("ok: {}", f.display()),
            Err(e) => {
                if files.len() > 1 {
                    eprintln!("error: {e}");
                }
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) if files.len() == 1 => Err(e.into()),
        Some(_) => Err(Failure::Usage("some files are invalid".into())),
        None => Ok(()),
    }
}

fn assumptions(args: AssumptionsArgs) -> Result<(), Failure> {
    use crate::assumptions::{expand, report, Catalogue};
    let cat = Catalogue::load();
    let Some(path) = &args.model else {
        return print_stdout(&match (args.json, args.markdown) {
            (true, _) => report::catalogue_json(cat).to_string() + "\n",
            (_, true) => report::catalogue_markdown(cat),
            _ => report::catalogue_table(cat),
        });
    };
    let file = ModelFile::open(path)?;
    let params = expand(cat, &file, &args.set, &[])?;
    let name = file.resolve(&args.set)?.name;
    print_stdout(&if args.json {
        report::model_json(&name, cat, &params).to_string() + "\n"
    } else {
        report::model_table(&name, &params)
    })
}

/// The overrides the run flags stand for, before any `--set`.
fn flag_overrides(args: &RunArgs) -> Vec<Override> {
    let mut v = Vec::new();
    let mut add = |path: &str, value: String| {
        v.push(Override {
            path: path.into(),
            value,
        })
    };
    if let Some(s) = args.seed {
        add("seed", s.to_string());
    }
    if let Some(d) = &args.duration {
        add("duration", format!("{d:?}"));
    }
    if let Some(w) = &args.warmup {
        add("warmup", format!("{w:?}"));
    }
    v.extend(args.set.iter().cloned());
    v
}

fn run_model(args: RunArgs) -> Result<(), Failure> {
    let file = ModelFile::open(&args.model)?;
    let spec = file.resolve(&flag_overrides(&args))?;
    check_budget(
        "this run",
        crate::model::estimate::estimate(&spec),
        args.max_events,
    )?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&spec.name));
    let show_progress = std::io::stderr().is_terminal();
    let prices = crate::config::prices::load(args.prices.as_deref())?;
    let mut observer: Box<dyn Observer> = if show_progress {
        Box::new(RunBar::new(&spec.name))
    } else {
        Box::new(Unobserved)
    };
    let mut report =
        simulate_with(&spec, Some(&prices), observer.as_mut()).map_err(anyhow::Error::from)?;
    report.peak_rss_mb = peak_rss_mb();
    output::run::write_files(&out_dir, &report)?;
    let text = if args.json {
        serde_json::to_string(&report).expect("reports serialize") + "\n"
    } else {
        let mut t = output::table::summary(&report);
        t += &format!(
            "\n  wrote {}/{{summary.json,timeseries.csv}}\n",
            out_dir.display()
        );
        t
    };
    print_stdout(&text)
}

/// Prints to stdout; a closed pipe (`sim ... | head`) is not an error.
fn print_stdout(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(anyhow::Error::from(e).into()),
        _ => Ok(()),
    }
}

fn run_sweep(args: SweepArgs) -> Result<(), Failure> {
    let exp = Experiment::open(&args.experiment, args.replicates)?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&exp.name));
    crate::fsio::check_replaceable(&out_dir).map_err(|e| Failure::Usage(format!("{e:#}")))?;
    let forecast = (0..exp.points.len())
        .map(|p| crate::model::estimate::estimate(&exp.spec(p, 0)))
        .fold(
            crate::model::estimate::Estimate {
                events: 0.0,
                memory_bytes: 0.0,
            },
            |a, e| crate::model::estimate::Estimate {
                events: a.events + e.events * f64::from(exp.replicates),
                memory_bytes: a.memory_bytes.max(e.memory_bytes),
            },
        );
    let times = 1.0 + args.assumptions.map_or(0.0, f64::from);
    let forecast = crate::model::estimate::Estimate {
        events: forecast.events * times,
        ..forecast
    };
    check_budget("this sweep", forecast, args.max_events)?;
    let design = args
        .assumptions
        .map(|n| sweep::bands::AssumptionDesign::new(&exp, n as usize))
        .transpose()?;
    let prices = crate::config::prices::load(args.prices.as_deref())?;
    let journal = sweep::journal::folder(&out_dir);
    let stop = interrupt_flag();
    let opts = sweep::Options {
        jobs: args.jobs.unwrap_or(0),
        progress: !args.quiet && std::io::stderr().is_terminal(),
        journal: Some(&journal),
        resume: args.resume,
        stop,
        prices: Some(&prices),
    };
    let res = match sweep::run_with(&exp, &opts) {
        Ok(res) => res,
        Err(sweep::SweepError::Interrupted {
            finished,
            total,
            journal,
        }) => {
            return Err(Failure::Interrupted(format!(
                "interrupted: {finished} of {total} runs finished and kept in {journal}; \
                 `sim sweep --resume {}` finishes the sweep",
                args.experiment.display()
            )))
        }
        Err(sweep::SweepError::Failed(e)) => return Err(e.into()),
    };
    let sums = sweep::stats::summarise(&exp, &res);
    let bands = match design {
        Some(design) => Some(run_bands(&args.experiment, &exp, design, &opts)?),
        None => None,
    };
    let bands = bands.as_ref();
    crate::fsio::replace_dir(&out_dir, |dir| {
        output::sweep::write_tables(dir, &exp, &res, &sums, bands)?;
        output::sweep_plots::write_plots(dir, &exp, &res, &sums, bands)?;
        match bands {
            Some(b) => output::bands::write_plots(dir, &exp, &sums, b),
            None => Ok(()),
        }
    })?;
    std::fs::remove_dir_all(&journal).ok();
    let text = if args.json {
        output::sweep::json(&exp, &res, &sums, bands).to_string() + "\n"
    } else {
        output::table::sweep_summary(&exp, &sums, res.wall_s, res.events)
            + &bands.map_or(String::new(), |b| {
                output::bands::deciding_line(&exp, &sums, b)
            })
            + &format!(
                "\n  wrote {}/ (runs.csv, summary.csv, timeseries/, plots)\n",
                out_dir.display()
            )
    };
    print_stdout(&text)
}

/// Runs every point under each assumption set of `design`.
fn run_bands(
    experiment: &std::path::Path,
    exp: &Experiment,
    design: sweep::bands::AssumptionDesign,
    opts: &sweep::Options,
) -> Result<sweep::bands::Bands, Failure> {
    match sweep::bands::run(exp, &design, opts) {
        Ok(sets) => Ok(sweep::bands::Bands { design, sets }),
        Err(sweep::SweepError::Interrupted {
            finished, total, ..
        }) => Err(Failure::Interrupted(format!(
            "interrupted: {finished} of {total} assumption runs finished and not kept (the runs \
             without assumption sets are kept for {}); run the command again to redo the sets",
            experiment.display()
        ))),
        Err(sweep::SweepError::Failed(e)) => Err(e.into()),
    }
}

fn duration_flag(flag: &str, text: &str) -> Result<u64, Failure> {
    crate::engine::time::parse_duration(text).map_err(|m| Failure::Usage(format!("--{flag}: {m}")))
}

fn run_timeline(args: TimelineArgs) -> Result<(), Failure> {
    let file = ModelFile::open(&args.model)?;
    let spec = file.resolve(&args.set)?;
    let window = duration_flag("window", &args.window)?;
    let at = duration_flag("at", &args.at)?;
    if window == 0 || at.saturating_add(window) > spec.duration {
        return Err(Failure::Usage(format!(
            "--at {} --window {} must lie within the model's duration",
            args.at, args.window
        )));
    }
    let stream = match &args.stream {
        None => 0,
        Some(name) => spec
            .streams
            .iter()
            .position(|s| &s.name == name)
            .ok_or_else(|| Failure::Usage(format!("--stream: the model has no stream `{name}`")))?,
    };
    if args.shard >= spec.streams[stream].shards {
        return Err(Failure::Usage(format!(
            "--shard: stream `{}` has {} shard(s)",
            spec.streams[stream].name, spec.streams[stream].shards
        )));
    }
    let trace = crate::model::run::simulate_trace(
        &spec,
        crate::model::world::Trace {
            stream,
            shard: args.shard,
            from: at,
            to: at + window,
            ..Default::default()
        },
    );
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&spec.name));
    output::timeline::write(&out_dir.join("timeline"), &spec, &trace)?;
    let throttled = trace
        .calls
        .iter()
        .filter(|c| c.2 == crate::model::world::CallOutcome::Throttled)
        .count();
    print_stdout(&format!(
        "{} calls on {} shard {} between {} and {}, {throttled} throttled\n  wrote {}/timeline.{{png,svg}}\n",
        trace.calls.len(),
        spec.streams[stream].name,
        args.shard,
        args.at,
        crate::engine::time::format_duration(at + window),
        out_dir.display()
    ))
}

fn run_plan(args: PlanArgs) -> Result<(), Failure> {
    let exp = Experiment::open(&args.experiment, None)?;
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
    };
    let res = match sweep::run_with(&exp, &opts) {
        Ok(res) => res,
        Err(sweep::SweepError::Interrupted {
            finished, total, ..
        }) => {
            return Err(Failure::Interrupted(format!(
            "interrupted: {finished} of {total} runs kept; run the same command again to continue"
        )))
        }
        Err(sweep::SweepError::Failed(e)) => return Err(e.into()),
    };
    let sums = sweep::stats::summarise(&exp, &res);
    let answers = crate::plan::answer(&exp, &sums, &args.slos);
    let robust = match args.assumptions {
        Some(n) => {
            let design = sweep::bands::AssumptionDesign::new(&exp, n as usize)?;
            let b = run_bands(&args.experiment, &exp, design, &opts)?;
            Some(crate::plan::robustness(&exp, &b, &args.slos))
        }
        None => None,
    };
    if args.json {
        let v = crate::plan::json(&args.slos, &answers, robust.as_deref());
        return print_stdout(&(v.to_string() + "\n"));
    }
    let mut text = crate::plan::report(&exp, &args.slos, &answers);
    if let Some(r) = &robust {
        text += &crate::plan::robustness_report(&exp, r);
    }
    print_stdout(&text)
}
