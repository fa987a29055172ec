//! The command line: argument parsing, dispatch to commands, exit codes.
//!
//! Exit codes: 0 success; 1 a run failed (an internal invariant broke); 2 bad input or usage;
//! 130 interrupted by Ctrl-C or SIGTERM (a sweep keeps its finished runs for `--resume`, a shard
//! keeps them in its journal).

use crate::config::{ConfigError, ModelFile, Override};
use crate::experiment::{kind_of, Experiment, FileKind};
use crate::model::run::{simulate_with, Observer, Unobserved};
use crate::progress::{peak_rss_mb, RunBar};
use crate::{output, sweep};
use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "sim",
    version = env!("SIM_VERSION"),
    about = "Predict read contention on AWS streams before production does",
    long_about = "sim simulates Kinesis Data Streams and DynamoDB Streams read by Lambda functions and \
                  EventBridge Pipes: shared read limits, enhanced fan-out, batching, retries, and the \
                  IteratorAge and throttles that follow.",
    after_help = "Exit codes: 0 success, 1 run failed, 2 bad input or usage (or runs missing from a merge), 130 interrupted (Ctrl-C or SIGTERM)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run one model and report IteratorAge, throttles and record counts.
    #[command(after_help = "Examples:\n  sim run models/kinesis-standard.toml\n  \
        sim run models/kinesis-standard.toml --duration 30m --set consumers.fn.batch_size=500\n  \
        sim run models/kinesis-efo.toml --json --out /tmp/efo")]
    Run(RunArgs),
    /// Run an experiment: every point of its axes, with replicates, in parallel; write CSVs and plots.
    #[command(after_help = "Examples:\n  sim sweep experiments/hot-stream.toml\n  \
        sim sweep experiments/hot-stream.toml --replicates 5 -j 4 --out /tmp/hot\n  \
        sim sweep experiments/hot-stream.toml --resume")]
    Sweep(SweepArgs),
    /// Draw every GetRecords call on one shard over a short window: the two-reader rule at a glance.
    #[command(
        after_help = "Examples:\n  sim timeline models/kinesis-standard.toml\n  \
        sim timeline models/kinesis-standard.toml --shard 2 --at 5m --window 30s"
    )]
    Timeline(TimelineArgs),
    /// Answer service-level objectives over an experiment's sweep, per architecture.
    #[command(after_help = "Examples:\n  \
        sim plan experiments/hot-stream.toml --slo \"iterator_age_max < 30s\"\n  \
        sim plan experiments/hot-stream.toml --slo \"iterator_age_max < 30s\" --slo \"throttled_reads_per_min < 1\"")]
    Plan(PlanArgs),
    /// List the parameters AWS does not publish, with plausible ranges; with MODEL, its values.
    #[command(after_help = "Examples:\n  sim assumptions\n  \
        sim assumptions models/kinesis-standard.toml --json")]
    Assumptions(AssumptionsArgs),
    /// List every key a model may set, by its `--set` path, with its value or `(default)`.
    #[command(
        after_help = "Examples:\n  sim params models/kinesis-standard.toml\n  \
        sim params models/kinesis-standard.toml --set consumers.fn.batch_size=500"
    )]
    Params(ParamsArgs),
    /// Write a sweep's outputs from the journals its shards wrote (`sim sweep --shard`).
    #[command(
        after_help = "Examples:\n  sim merge experiments/hot-stream.toml --journal journal/hot-stream"
    )]
    Merge(MergeArgs),
    /// Fit the model's assumed parameters to a CloudWatch export of IteratorAge and throttled reads.
    Calibrate(CalibrateArgs),
    /// Check model and experiment files (every point of an experiment) without running them.
    #[command(after_help = "Examples:\n  sim validate models/*.toml experiments/*.toml")]
    Validate {
        /// Model or experiment files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print a shell completion script for sim.
    #[command(
        after_help = "Examples:\n  sim completions bash > ~/.local/share/bash-completion/completions/sim\n  \
        sim completions zsh > ~/.zfunc/_sim\n  sim completions fish > ~/.config/fish/completions/sim.fish"
    )]
    Completions {
        /// The shell: bash, elvish, fish, powershell or zsh.
        shell: clap_complete::Shell,
    },
}

#[derive(Args, Debug)]
pub struct CalibrateArgs {
    /// The model file (TOML), best with its traffic replayed from the same export.
    pub model: PathBuf,
    /// The get-metric-data queries file of the observed export.
    #[arg(long)]
    pub queries: PathBuf,
    /// The saved get-metric-data output (IteratorAge Average/Maximum, ReadProvisionedThroughputExceeded Sum).
    #[arg(long)]
    pub observed: PathBuf,
    /// An assumed parameter to fit, as `sim assumptions MODEL` lists it (repeat; default: screened).
    #[arg(long = "fit", value_name = "KEY")]
    pub fit: Vec<String>,
    /// Runs of the search (half Sobol points, rounded to a power of two; the rest refinement).
    #[arg(long, default_value_t = 96, value_parser = clap::value_parser!(u64).range(8..=100_000))]
    pub runs: u64,
    /// Override any model parameter by its dotted path before calibrating.
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_override)]
    pub set: Vec<Override>,
    /// Output folder (default: output/MODEL-NAME-calibration/).
    #[arg(long)]
    pub out: Option<PathBuf>,
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
    /// Metrics shown in the printed table, e.g. iterator_age_max,cost_per_month_usd (default: those
    /// that fit 100 columns).
    #[arg(long, value_name = "METRIC,...", value_delimiter = ',', value_parser = parse_metric)]
    pub columns: Option<Vec<crate::sweep::metric::Metric>>,
    /// Run only shard K of N (balanced by forecast cost) into --journal; `auto` takes K and N from
    /// Slurm or AWS Batch array variables, `auto/N` takes K from them or Kubernetes'
    /// JOB_COMPLETION_INDEX. With --list-runs, N alone names the owner of each run.
    #[arg(long, value_name = "K/N|auto|auto/N", conflicts_with_all = ["out", "resume"])]
    pub shard: Option<String>,
    /// Journal folder: each finished run is written there as it ends, and runs already there are
    /// skipped. Shards of one sweep share it; `sim merge` reads it.
    #[arg(long, value_name = "DIR", conflicts_with = "resume")]
    pub journal: Option<PathBuf>,
    /// List every run (point, replicate, seed, forecast, owning shard) instead of running any.
    #[arg(long)]
    pub list_runs: bool,
    /// Also run every point under N sets of plausible assumptions (a Sobol design over the
    /// ranges `sim assumptions` lists) and report each metric's band and deciding assumption.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(4..=4096), conflicts_with_all = ["shard", "journal", "list_runs"])]
    pub assumptions: Option<u32>,
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The experiment file (TOML) the shards ran.
    pub experiment: PathBuf,
    /// Journal folders written by `sim sweep --shard ... --journal DIR` (one or more).
    #[arg(long, value_name = "DIR", required = true, num_args = 1..)]
    pub journal: Vec<PathBuf>,
    /// Output folder (default: output/EXPERIMENT-NAME/). Replaced as a whole.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replicates per point, if the shards were given --replicates.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub replicates: Option<u32>,
    /// Print exactly one JSON object on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}

fn parse_metric(s: &str) -> Result<crate::sweep::metric::Metric, String> {
    crate::sweep::metric::Metric::from_name(s.trim()).map_err(|e| e.to_string())
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
    /// An objective on a sweep metric, e.g. "iterator_age_max < 30s"; repeat for several
    /// (default: the experiment file's `[plan] slo` list).
    #[arg(long = "slo", value_parser = crate::plan::Slo::parse)]
    pub slos: Vec<crate::plan::Slo>,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Unit prices for cost (default: the shipped models/prices/us-east-1.toml).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Print exactly one JSON object on stdout instead of the sentences.
    #[arg(long)]
    pub json: bool,
    /// Also write the answer and the sweep behind it into this folder: plan.json, plan.md,
    /// report.html and every file of a sweep.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also answer under N sets of plausible assumptions: the range of the largest count, the
    /// share of sets each count meets the objectives in, and the deciding assumption.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(4..=4096))]
    pub assumptions: Option<u32>,
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
pub struct ParamsArgs {
    /// The model file (TOML).
    pub model: PathBuf,
    /// Override any model parameter by its dotted path before listing.
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_override)]
    pub set: Vec<Override>,
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
        // With ctrlc's `termination` feature this also catches SIGTERM (and SIGHUP), which batch
        // schedulers send before killing a task: the runs under way still land in the journal.
        let _ = ctrlc::set_handler(|| {
            if STOP.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!(
                "\ninterrupted: finishing the runs under way (interrupt again to quit at once)"
            );
        });
    });
    &STOP
}

/// The source line under a located input error, on the lines after the message.
fn snippet_of(e: &Failure) -> String {
    match e {
        Failure::Input(c) => c.snippet().map_or(String::new(), |s| format!("\n{s}")),
        _ => String::new(),
    }
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
            eprintln!("error: {e:#}{}", snippet_of(&e));
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
        Command::Params(args) => params(args),
        Command::Merge(args) => run_merge(args),
        Command::Calibrate(args) => run_calibrate(args),
        Command::Validate { files } => validate(&files),
        Command::Completions { shell } => completions(shell),
    }
}

fn params(args: ParamsArgs) -> Result<(), Failure> {
    use crate::assumptions::{expand, Catalogue, Current};
    use crate::config::params;
    let file = open_model(&args.model)?;
    let mut list = params::list(&file, &args.set)?;
    let name = file.resolve(&args.set)?.name;
    // Defaults that are assumptions have a known value and unit in the catalogue.
    let cat = Catalogue::load();
    let assumed = expand(cat, &file, &args.set, &[])?;
    for p in list.iter_mut().filter(|p| p.value.is_none()) {
        if let Some(a) = assumed.iter().find(|a| a.key == p.path) {
            if let Current::Default(v) = &a.current {
                let unit = cat.entries[a.entry].unit.name();
                p.value = Some(format!("{} (default, assumed; {unit})", v.display()));
            }
        }
    }
    print_stdout(&params::table(&name, &list))
}

fn completions(shell: clap_complete::Shell) -> Result<(), Failure> {
    let mut script = Vec::new();
    clap_complete::generate(
        shell,
        &mut <Cli as clap::CommandFactory>::command(),
        "sim",
        &mut script,
    );
    print_stdout(&String::from_utf8_lossy(&script))
}

fn run_calibrate(args: CalibrateArgs) -> Result<(), Failure> {
    use crate::calibrate::{calibrate, write, Error, Request};
    let file = open_model(&args.model)?;
    for f in file.fitted() {
        eprintln!("fitted {}: {}", f.key, f.sentence);
    }
    let req = Request {
        queries: args.queries,
        observed: args.observed,
        fit: args.fit,
        runs: args.runs as usize,
        overrides: args.set,
    };
    let name = file.resolve(&req.overrides)?.name;
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from("output").join(format!("{name}-calibration")));
    crate::fsio::check_replaceable(&out)?;
    let c = calibrate(&file, &req).map_err(|e| match e {
        Error::Config(e) => Failure::Input(e),
        e => Failure::Usage(e.to_string()),
    })?;
    write::write_dir(&c, &file.path, &file.text, &out)?;
    let mut text = write::summary(&c);
    text += &format!(
        "  wrote {}/{{{}-calibrated.toml,calibration.csv,overlay-*.png,overlay-*.svg}}\n",
        out.display(),
        c.model
    );
    print_stdout(&text)
}

fn validate(files: &[PathBuf]) -> Result<(), Failure> {
    let mut first_error = None;
    for f in files {
        match validate_one(f) {
            Ok(what) => println!("ok: {} ({what})", f.display()),
            Err(e) => {
                if files.len() > 1 {
                    eprintln!(
                        "error: {e}{}",
                        e.snippet().map_or(String::new(), |s| format!("\n{s}"))
                    );
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

/// Checks one file as what it holds: a model, or an experiment with every point resolved.
fn validate_one(path: &Path) -> Result<String, ConfigError> {
    let text = crate::config::read_text(path)?;
    match kind_of(&text) {
        FileKind::Experiment(_) => {
            let exp = Experiment::open(path, None)?;
            let models: std::collections::BTreeSet<_> =
                exp.points.iter().map(|p| p.model).collect();
            Ok(format!(
                "experiment, {} point(s), {} model(s)",
                exp.points.len(),
                models.len()
            ))
        }
        _ => ModelFile::from_text(path, text).map(|_| "model".to_string()),
    }
}

/// Opens a model file; an experiment file is pointed at `sim sweep`.
fn open_model(path: &Path) -> Result<ModelFile, Failure> {
    let text = crate::config::read_text(path)?;
    if let FileKind::Experiment(key) = kind_of(&text) {
        return Err(ConfigError::whole(
            path,
            format!(
                "this is an experiment file (it has `{key}`): run it with `sim sweep {}`",
                path.display()
            ),
        )
        .into());
    }
    Ok(ModelFile::from_text(path, text)?)
}

/// Opens an experiment file; a model file is pointed at `sim run`.
fn open_experiment(path: &Path, replicates: Option<u32>) -> Result<Experiment, Failure> {
    let text = crate::config::read_text(path)?;
    if let FileKind::Model(key) = kind_of(&text) {
        return Err(ConfigError::whole(
            path,
            format!(
                "this is a model file (it has `{key}`): run it with `sim run {}`",
                path.display()
            ),
        )
        .into());
    }
    Ok(Experiment::open(path, replicates)?)
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
    let file = open_model(path)?;
    let params = expand(cat, &file, &args.set, &[])?;
    let name = file.resolve(&args.set)?.name;
    print_stdout(&if args.json {
        report::model_json(&name, cat, &params).to_string() + "\n"
    } else {
        report::model_table(&name, &params)
    })
}

/// The overrides the run flags stand for, before any `--set`, and each flag as the user typed it.
fn flag_overrides(args: &RunArgs) -> (Vec<Override>, Vec<(String, String)>) {
    let (mut v, mut typed) = (Vec::new(), Vec::new());
    let mut add = |path: &str, value: String, as_typed: String| {
        let o = Override {
            path: path.into(),
            value,
        };
        typed.push((o.flag(), as_typed));
        v.push(o);
    };
    if let Some(s) = args.seed {
        add("seed", s.to_string(), format!("--seed {s}"));
    }
    if let Some(d) = &args.duration {
        add("duration", format!("{d:?}"), format!("--duration {d}"));
    }
    if let Some(w) = &args.warmup {
        add("warmup", format!("{w:?}"), format!("--warmup {w}"));
    }
    v.extend(args.set.iter().cloned());
    (v, typed)
}

/// An error blamed on an override that stands for a flag is blamed on the flag as typed.
fn as_typed(mut e: ConfigError, typed: &[(String, String)]) -> ConfigError {
    if let crate::config::Origin::Flag(f) = &e.origin {
        if let Some((_, t)) = typed.iter().find(|(o, _)| o == f) {
            e.origin = crate::config::Origin::Typed(t.clone());
        }
    }
    e
}

fn run_model(args: RunArgs) -> Result<(), Failure> {
    let file = open_model(&args.model)?;
    let (overrides, typed) = flag_overrides(&args);
    let spec = file.resolve(&overrides).map_err(|e| as_typed(e, &typed))?;
    for f in file.fitted() {
        eprintln!("fitted {}: {}", f.key, f.sentence);
    }
    check_budget(
        "this run",
        crate::model::estimate::estimate(&spec),
        args.max_events,
    )?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&spec.name));
    crate::fsio::check_overwritable(&out_dir, &output::run::FILES)
        .map_err(|e| Failure::Usage(format!("{e:#}")))?;
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
    let page = output::html_report::RunPage {
        model_path: &file.path,
        model_text: &file.text,
        command_line: &command_line(),
    };
    output::run::write_files(&out_dir, &report, &page)?;
    let text = if args.json {
        let mut text = serde_json::to_string(&report).expect("reports serialize");
        if !file.fitted().is_empty() {
            // One more member at the end, keeping the report's own order.
            text.pop();
            text += &format!(",\"fitted\":{}}}", serde_json::json!(file.fitted()));
        }
        text + "\n"
    } else {
        let mut t = output::table::summary(&report);
        t += &format!(
            "\n  wrote {}/{{summary.json,timeseries.csv,report.html}}\n",
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

/// The command line as typed, each argument quoted when the shell would need it.
fn command_line() -> String {
    std::env::args()
        .map(|a| {
            let plain = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
            if plain {
                a
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The forecast of a whole sweep: events summed, memory of the largest run.
fn sweep_forecast(exp: &Experiment) -> crate::model::estimate::Estimate {
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
fn prices_id(path: Option<&std::path::Path>) -> String {
    match path.and_then(|p| std::fs::read_to_string(p).ok()) {
        Some(text) => format!("{:016x}", crate::engine::rng::name_id(&text)),
        None => "builtin".into(),
    }
}

/// The shard `--shard` stands for, in this process's environment.
fn shard_of(typed: &str) -> Result<sweep::shard::Shard, Failure> {
    let flag = sweep::shard::parse_flag(typed).map_err(Failure::Usage)?;
    sweep::shard::resolve(flag, typed, &|name| std::env::var(name).ok()).map_err(Failure::Usage)
}

fn run_sweep(args: SweepArgs) -> Result<(), Failure> {
    let exp = open_experiment(&args.experiment, args.replicates)?;
    crate::plan::objectives(&exp)?;
    if args.list_runs {
        return list_runs(&exp, &args);
    }
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&exp.name));
    let shard = args.shard.as_deref().map(shard_of).transpose()?;
    if shard.is_none() {
        crate::fsio::check_replaceable(&out_dir).map_err(|e| Failure::Usage(format!("{e:#}")))?;
    }
    let journal = match (&args.journal, shard) {
        (Some(dir), _) => dir.clone(),
        (None, Some(_)) => {
            return Err(Failure::Usage(format!(
                "--shard {} needs --journal DIR, the folder the shards share",
                args.shard.as_deref().unwrap_or_default()
            )))
        }
        (None, None) => sweep::journal::folder(&out_dir),
    };
    let forecast = sweep_forecast(&exp);
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
    let mut header = sweep::journal::Header::new(&exp, &prices_id(args.prices.as_deref()));
    header.shards = shard.map(|s| s.count);
    let shared = args.journal.is_some();
    let on_mismatch = if shared {
        sweep::journal::OnMismatch::Fail
    } else {
        sweep::journal::OnMismatch::Reset
    };
    sweep::journal::open(&journal, &header, on_mismatch)
        .map_err(|e| Failure::Usage(format!("{e:#}")))?;
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
    let res = match sweep::run_with(&exp, &opts) {
        Ok(res) => res,
        Err(sweep::SweepError::Interrupted {
            finished,
            total,
            journal,
        }) => {
            let again = match shard {
                Some(_) => "run the same command again to finish this shard".to_string(),
                None if shared => "run the same command again to finish the sweep".to_string(),
                None => format!(
                    "`sim sweep --resume {}` finishes the sweep",
                    args.experiment.display()
                ),
            };
            return Err(Failure::Interrupted(format!(
                "interrupted: {finished} of {total} runs finished and kept in {journal}; {again}"
            )));
        }
        Err(sweep::SweepError::Failed(e)) => return Err(e.into()),
    };
    if let Some(s) = shard {
        return print_stdout(&format!(
            "shard {s}: {} runs finished, kept in {}; `sim merge {} --journal {}` writes the outputs once every shard has finished\n",
            res.runs.len(),
            journal.display(),
            args.experiment.display(),
            journal.display()
        ));
    }
    let bands = match design {
        Some(design) => Some(run_bands(&args.experiment, &exp, design, &opts)?),
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

/// Writes a finished sweep's outputs into `out_dir` and prints its table (or JSON): the one way
/// out for a one-machine sweep and a merge alike, so both write the same files.
fn write_sweep(
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
fn list_shard_count(typed: &str) -> Result<u32, Failure> {
    match typed.trim().parse::<u32>() {
        Ok(0) => Err(Failure::Usage(format!(
            "--shard {typed}: N must be at least 1"
        ))),
        Ok(n) => Ok(n),
        Err(_) => Ok(shard_of(typed)?.count),
    }
}

fn list_runs(exp: &Experiment, args: &SweepArgs) -> Result<(), Failure> {
    let count = args.shard.as_deref().map(list_shard_count).transpose()?;
    let runs = sweep::shard::list(exp, count);
    let text = if args.json {
        output::sweep::runs_list_json(exp, &runs, count).to_string() + "\n"
    } else {
        output::sweep::runs_list_text(exp, &runs, count)
    };
    print_stdout(&text)
}

fn run_merge(args: MergeArgs) -> Result<(), Failure> {
    let exp = open_experiment(&args.experiment, args.replicates)?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&exp.name));
    crate::fsio::check_replaceable(&out_dir).map_err(|e| Failure::Usage(format!("{e:#}")))?;
    let res = match sweep::merge::merge(&exp, &args.journal) {
        Ok(res) => res,
        Err(sweep::merge::MergeError::Foreign(why)) => return Err(Failure::Usage(why)),
        Err(sweep::merge::MergeError::Missing { missing, total }) => {
            return Err(Failure::Usage(output::sweep::missing_runs_text(
                &exp, &missing, total,
            )))
        }
    };
    write_sweep(&exp, &res, &out_dir, args.json, None, None)
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
    let file = open_model(&args.model)?;
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
        Err(sweep::SweepError::Failed(e)) => return Err(e.into()),
    };
    let sums = sweep::stats::summarise(&exp, &res);
    let answers = crate::plan::answer(&exp, &sums, &slos);
    let robust = match args.assumptions {
        Some(n) => {
            let design = sweep::bands::AssumptionDesign::new(&exp, n as usize)?;
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
