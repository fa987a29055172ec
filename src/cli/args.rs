//! The flags and arguments of every command, as clap parses them (raw: checked later).

use crate::config::Override;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct CalibrateArgs {
    /// The model file (TOML), best with its traffic replayed from the same export.
    pub model: PathBuf,
    /// The get-metric-data queries file of the observed export.
    #[arg(long)]
    pub queries: PathBuf,
    /// The saved get-metric-data output: the stream's IteratorAge (Average, Maximum) and
    /// ReadProvisionedThroughputExceeded (Sum), and/or each function's AWS/Lambda IteratorAge
    /// (Average, Maximum) per FunctionName.
    #[arg(long)]
    pub observed: PathBuf,
    /// Match function FUNCTION's AWS/Lambda series to the model's consumer CONSUMER (repeat; by
    /// default a function's series go to the consumer of the same name).
    #[arg(long = "function", value_name = "FUNCTION=CONSUMER", value_parser = parse_function_map)]
    pub functions: Vec<(String, String)>,
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
    /// Refuse calibrations forecast to need more events than this, all runs together (the
    /// forecast is printed).
    #[arg(long, default_value_t = DEFAULT_MAX_EVENTS, value_name = "N")]
    pub max_events: f64,
    /// Refuse work forecast to hold more memory than this, e.g. 8GiB (default: this machine's
    /// memory). Only memory the run certainly holds counts (shards, readers, kept records).
    #[arg(long, value_name = "SIZE")]
    pub max_memory: Option<String>,
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
    /// Refuse work forecast to hold more memory than this, e.g. 8GiB (default: this machine's
    /// memory). Only memory the run certainly holds counts (shards, readers, kept records).
    #[arg(long, value_name = "SIZE")]
    pub max_memory: Option<String>,
    /// Unit prices for cost (default: the shipped models/prices/us-east-1.toml).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Simulate groups of shards on up to N threads when the shards do not interact (default 1).
    /// Results do not depend on it; a model whose shards interact runs on one thread and says why.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub threads: Option<u32>,
}

#[derive(Args, Debug)]
pub struct SweepArgs {
    /// The experiment file (TOML).
    pub experiment: PathBuf,
    /// Output folder (default: output/EXPERIMENT-NAME/). Replaced as a whole when the sweep ends.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads, 1 to 1024; 0 or left out: one per core. Results do not depend on it.
    #[arg(long, short = 'j', value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<usize>,
    /// Replicates per point (overrides the experiment's `replicates`).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub replicates: Option<u32>,
    /// Runs of each point under each assumption set, 1 to 1000 (overrides the experiment's
    /// `set_replicates`; default 1: the sets share the plain runs' seeds, see docs/model.md §19).
    #[arg(long, value_name = "N", requires = "assumptions", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub set_replicates: Option<u32>,
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
    /// Refuse work forecast to hold more memory than this, e.g. 8GiB (default: this machine's
    /// memory). Only memory the run certainly holds counts (shards, readers, kept records).
    #[arg(long, value_name = "SIZE")]
    pub max_memory: Option<String>,
    /// Metrics shown in the printed table, e.g. iterator_age_max,cost_per_month_usd (default: those
    /// that fit 100 columns).
    #[arg(long, value_name = "METRIC,...", value_delimiter = ',', value_parser = parse_metric)]
    pub columns: Option<Vec<crate::sweep::metric::Metric>>,
    /// Run only partition K of N (one machine's share of the runs, balanced by forecast cost)
    /// into --journal; `auto` takes K and N from Slurm or AWS Batch array variables, `auto/N`
    /// takes K from them or Kubernetes' JOB_COMPLETION_INDEX. With --list-runs, N alone names the
    /// owner of each run. `--shard` is its old name, still accepted.
    #[arg(long, value_name = "K/N|auto|auto/N", conflicts_with_all = ["out", "resume", "shard"])]
    pub partition: Option<String>,
    /// `--partition` by its old name.
    #[arg(long, hide = true, value_name = "K/N|auto|auto/N", conflicts_with_all = ["out", "resume"])]
    pub shard: Option<String>,
    /// Journal folder: each finished run is written there as it ends, and runs already there are
    /// skipped. The partitions of one sweep share it; `sim merge` reads it.
    #[arg(long, value_name = "DIR", conflicts_with = "resume")]
    pub journal: Option<PathBuf>,
    /// List every run (point, replicate, seed, forecast, owning partition) instead of running any.
    #[arg(long)]
    pub list_runs: bool,
    /// Also run every point under N sets of plausible assumptions (a Latin hypercube over the
    /// ranges `sim assumptions` lists) and report each metric's band and deciding assumption;
    /// 0: none, as if the flag were left out. `auto`: 16 sets, doubled until the top three
    /// assumptions keep their places and no band edge moves more than 10% of its metric's span
    /// between rounds, up to --max-assumptions.
    #[arg(long, value_name = "N|auto", value_parser = parse_sweep_sets)]
    pub assumptions: Option<SweepSets>,
    /// The most sets `--assumptions auto` grows to: a size rounds reach, 32, 64, ... 4096 (they
    /// double from 16); default 128.
    #[arg(long, value_name = "N", requires = "assumptions", value_parser = parse_max_assumptions)]
    pub max_assumptions: Option<u32>,
    /// Not a flag of sweeps: refused with how to set a sweep's duration (the experiment's
    /// `duration` key, or an axis of durations).
    #[arg(long, hide = true, value_name = "D")]
    pub duration: Option<String>,
    /// Not a flag of sweeps: refused with how to set a sweep's warm-up.
    #[arg(long, hide = true, value_name = "D")]
    pub warmup: Option<String>,
    /// How sensitivity.csv says which assumption a band comes from: `given-data` (default; from
    /// the N sets themselves, no extra runs, the share each explains alone, so total_effect is a
    /// lower bound) or `saltelli` (N x (d + 2) sets, d = the experiment's assumed parameters as
    /// `sim assumptions` lists them over all its models; the band from 2N of them; Jansen's
    /// first-order and total effects, 0 = no influence). The progress bar counts every run.
    #[arg(long, value_name = "METHOD", requires = "assumptions", value_parser = parse_estimator)]
    pub sensitivity: Option<crate::sweep::design::Estimator>,
    /// Run replicates at each point until the 95% confidence half-width of its headline metrics
    /// is at most this share of their mean, e.g. 5% (overrides the experiment's `precision`); in
    /// rounds, so the result does not depend on -j. Up to --max-replicates per point.
    #[arg(long, value_name = "PERCENT", value_parser = parse_precision)]
    pub precision: Option<String>,
    /// The most replicates a point runs under a precision, 2 to 1000 (default 20; overrides the
    /// experiment's `max_replicates`).
    #[arg(long, value_name = "N", value_parser = parse_max_replicates)]
    pub max_replicates: Option<u32>,
    /// A headline metric the precision holds for (repeatable; default: the metrics of the
    /// experiment's objectives, else iterator_age_avg_ms and throttled_reads_per_min).
    #[arg(long = "precision-metric", value_name = "METRIC", value_parser = parse_metric)]
    pub precision_metric: Vec<crate::sweep::metric::Metric>,
}

impl SweepArgs {
    /// `--partition` (or `--shard`, its old name) as typed, if given.
    pub(super) fn partition_typed(&self) -> Option<crate::sweep::partition::Typed<'_>> {
        use crate::sweep::partition::Typed;
        let partition = (self.partition.as_deref()).map(|value| Typed {
            flag: "--partition",
            value,
        });
        partition.or_else(|| {
            (self.shard.as_deref()).map(|value| Typed {
                flag: "--shard",
                value,
            })
        })
    }
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The experiment file (TOML) the partitions ran.
    pub experiment: PathBuf,
    /// Journal folders written by `sim sweep --partition ... --journal DIR` (one or more).
    #[arg(long, value_name = "DIR", required = true, num_args = 1..)]
    pub journal: Vec<PathBuf>,
    /// Output folder (default: output/EXPERIMENT-NAME/). Replaced as a whole.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replicates per point, if the partitions were given --replicates.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub replicates: Option<u32>,
    /// Runs of each point under each assumption set, if the partitions were given
    /// --set-replicates.
    #[arg(long, value_name = "N", requires = "assumptions", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub set_replicates: Option<u32>,
    /// Print exactly one JSON object on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// The assumption sets the partitions were given (`--assumptions N`); refuses journals written
    /// with another design (default, or 0: the design the journals' header names).
    #[arg(long, value_name = "N", value_parser = parse_assumption_sets)]
    pub assumptions: Option<u32>,
    /// The `--sensitivity` the partitions were given, with --assumptions (default: given-data).
    #[arg(long, value_name = "METHOD", requires = "assumptions", value_parser = parse_estimator)]
    pub sensitivity: Option<crate::sweep::design::Estimator>,
}

pub(super) fn parse_metric(s: &str) -> Result<crate::sweep::metric::Metric, String> {
    crate::sweep::metric::Metric::from_name(s.trim()).map_err(|e| e.to_string())
}

/// `--assumptions N`: 4 to 4096 sets (a Latin hypercube needs a few), or 0, which is the flag
/// left out: a job definition that cannot drop an argument (an AWS Batch parameter, a Kubernetes
/// `$(VAR)`) passes 0 for a plain sweep.
pub(super) fn parse_assumption_sets(s: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(n) if n == 0 || (4..=4096).contains(&n) => Ok(n),
        _ => Err("expected 0 (no assumption sets) or a number of sets from 4 to 4096".into()),
    }
}

/// What `sim sweep --assumptions` asks for: a number of sets, or as many as the answer needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SweepSets {
    Count(u32),
    Auto,
}

/// `sim sweep --assumptions N|auto`.
pub(super) fn parse_sweep_sets(s: &str) -> Result<SweepSets, String> {
    match s.trim() {
        "auto" => Ok(SweepSets::Auto),
        n => parse_assumption_sets(n).map(SweepSets::Count).map_err(|_| {
            "expected auto, 0 (no assumption sets) or a number of sets from 4 to 4096".into()
        }),
    }
}

/// `--max-assumptions N`: 32 to 4096 (auto's first round has 16 sets, its second 32).
pub(super) fn parse_max_assumptions(s: &str) -> Result<u32, String> {
    match s.trim().parse::<u32>() {
        // Rounds double from 16, and only those sizes are Latin hypercubes (docs/model.md §19):
        // a cap between them would stop below itself.
        Ok(n) if (32..=4096).contains(&n) && n.is_power_of_two() => Ok(n),
        _ => Err(
            "expected a number of sets a round reaches: 32, 64, 128, 256, 512, 1024, 2048 or \
             4096 (rounds double from 16)"
                .into(),
        ),
    }
}

/// `--precision P`: a percentage above 0% and below 100%, kept as typed.
pub(super) fn parse_precision(s: &str) -> Result<String, String> {
    crate::experiment::parse_share(s).map(|_| s.trim().to_string())
}

/// `--max-replicates N`: 2 to 1000.
pub(super) fn parse_max_replicates(s: &str) -> Result<u32, String> {
    let n: i64 = (s.trim().parse()).map_err(|_| format!("`{s}` is not a number of replicates"))?;
    crate::experiment::check_max_replicates(n)
}

/// `--jobs N`: 1 to 1024 worker threads, or 0 for one per core (as a job definition that cannot
/// drop the flag passes it, like `--assumptions 0`).
pub(super) fn parse_jobs(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n <= 1024 => Ok(n),
        _ => {
            Err("expected a number of worker threads from 1 to 1024, or 0 for one per core".into())
        }
    }
}

pub(super) fn parse_estimator(s: &str) -> Result<crate::sweep::design::Estimator, String> {
    crate::sweep::design::Estimator::parse(s).map_err(|e| e.to_string())
}

/// Above this forecast of events, a run or sweep is refused unless --max-events says otherwise
/// (about half an hour at 10 M events/s).
pub const DEFAULT_MAX_EVENTS: f64 = 2e10;

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// The experiment file (TOML).
    pub experiment: PathBuf,
    /// An objective on a sweep metric, e.g. "iterator_age_max < 30s"; repeat for several
    /// (default: the experiment file's `[plan] slo` list).
    #[arg(long = "slo", value_parser = crate::plan::Slo::parse)]
    pub slos: Vec<crate::plan::Slo>,
    /// Worker threads, 1 to 1024; 0 or left out: one per core. Results do not depend on it.
    #[arg(long, short = 'j', value_name = "N", value_parser = parse_jobs)]
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
    /// share of sets each count meets the objectives in, and the deciding assumption (0: none).
    #[arg(long, value_name = "N", value_parser = parse_assumption_sets)]
    pub assumptions: Option<u32>,
    /// How the deciding assumption is found, with --assumptions: `given-data` (default; from the N
    /// sets alone) or `saltelli` (N(d + 2) sets, d the number of assumptions; Jansen's total
    /// effect on the largest count, exactly 0 for an assumption the model never reads).
    #[arg(long, value_name = "METHOD", requires = "assumptions", value_parser = parse_estimator)]
    pub sensitivity: Option<crate::sweep::design::Estimator>,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The architecture to check: a model file (TOML), or CloudFormation/SAM templates, `terraform
    /// show -json` output or AWS CLI JSON (several files at once), imported as `sim import` does.
    #[arg(required = true, value_name = "MODEL")]
    pub model: Vec<PathBuf>,
    /// An objective on a sweep metric, e.g. "iterator_age_max < 30s"; repeat for several. Added
    /// to those of the model's `[plan]` table and of sim-objectives.toml beside it.
    #[arg(long = "slo", value_name = "OBJECTIVE", value_parser = crate::plan::Slo::parse)]
    pub slos: Vec<crate::plan::Slo>,
    /// The previous version of the architecture: says what the change does to the metrics and
    /// to each objective. Takes every file up to the next flag (`--base old/*.json`), so give
    /// the architecture's files before `--base`, or repeat `--base` once per file.
    #[arg(long, value_name = "OLD_MODEL", num_args = 1..)]
    pub base: Vec<PathBuf>,
    /// How the base is named in the verdict (default: its paths), e.g. `models/x.toml at
    /// 0d078ff` for a base taken from git into a temporary folder.
    #[arg(long, value_name = "TEXT", requires = "base")]
    pub base_label: Option<String>,
    /// Replay a producer's traffic from a CloudWatch export (get-metric-data): a folder holding
    /// queries.json and result.json, or the result file; PRODUCER= when the model has several.
    #[arg(long, value_name = "[PRODUCER=]EXPORT", value_parser = crate::config::traffic::Traffic::parse)]
    pub traffic: Vec<crate::config::traffic::Traffic>,
    /// Also run under N sets of plausible assumptions and say in how many each objective holds
    /// (4 to 4096; 0: none). The verdict stays the model's as written.
    #[arg(long, value_name = "N", value_parser = parse_assumption_sets)]
    pub assumptions: Option<u32>,
    /// Write the verdict as Markdown for a pull-request comment to FILE.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Write the verdict as JUnit XML (one test case per objective) to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Override any model parameter by its dotted path, in both versions.
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_override)]
    pub set: Vec<Override>,
    /// Worker threads, 1 to 1024; 0 or left out: one per core. Results do not depend on it.
    #[arg(long, short = 'j', value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<usize>,
    /// Unit prices for cost (default: the shipped models/prices/us-east-1.toml).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Refuse checks forecast to need more events than this (the forecast is printed).
    #[arg(long, default_value_t = DEFAULT_MAX_EVENTS, value_name = "N")]
    pub max_events: f64,
    /// Refuse work forecast to hold more memory than this, e.g. 8GiB (default: this machine's
    /// memory).
    #[arg(long, value_name = "SIZE")]
    pub max_memory: Option<String>,
    /// For templates, Terraform JSON or CLI output (read as `sim import` reads them), for both
    /// versions.
    #[command(flatten)]
    pub unstated: Unstated,
}

/// What infrastructure code cannot state, on the command line: `sim import`'s, and `sim check`'s
/// for templates.
#[derive(Args, Clone, Debug, Default)]
pub struct Unstated {
    /// Records per second written to each stream, or to one as STREAM=N (repeat).
    #[arg(long, value_name = "[STREAM=]N")]
    pub rate: Vec<String>,
    /// Record size: SIZE (fixed) or MEDIAN,P99 (log-normal), e.g. 1KiB,8KiB; STREAM= for one.
    #[arg(long, value_name = "[STREAM=]SIZE[,P99]")]
    pub record_size: Vec<String>,
    /// Function duration per invocation: P50,P99 (log-normal) or one fixed value, e.g. 40ms,250ms;
    /// FUNCTION= for one.
    #[arg(long, value_name = "[FUNCTION=]P50[,P99]")]
    pub function_duration: Vec<String>,
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

pub(super) fn parse_override(s: &str) -> Result<Override, crate::config::Problem> {
    Override::parse(s)
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// CloudFormation or SAM templates (JSON or YAML, `cdk synth` output too), `terraform show
    /// -json` output of a plan or a state, or AWS CLI JSON outputs; several are joined by ARNs
    /// and names.
    #[arg(required = true, value_name = "SOURCE")]
    pub sources: Vec<PathBuf>,
    /// Write the model here (default: print it).
    #[arg(long, value_name = "MODEL.toml")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub unstated: Unstated,
    /// The model's name (default: the output file's name, or the first source's).
    #[arg(long)]
    pub name: Option<String>,
    /// A CloudWatch get-metric-data output whose IncomingRecords, IncomingBytes (Sum, per stream)
    /// and Lambda Duration (p50 and p99, per function) the model replays; needs --traffic-queries.
    #[arg(long, value_name = "RESULT.json", requires = "traffic_queries")]
    pub traffic: Option<PathBuf>,
    /// The queries file the --traffic output answered.
    #[arg(long, value_name = "QUERIES.json", requires = "traffic")]
    pub traffic_queries: Option<PathBuf>,
}

/// `FUNCTION=CONSUMER` of `--function`.
fn parse_function_map(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((f, c)) if !f.trim().is_empty() && !c.trim().is_empty() => {
            Ok((f.trim().to_string(), c.trim().to_string()))
        }
        _ => Err(format!(
            "expected FUNCTION=CONSUMER (a Lambda function's name, then the model consumer its \
             series are of), got `{}`",
            crate::input::clip(s)
        )),
    }
}
