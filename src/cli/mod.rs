//! The command line: argument parsing, dispatch to commands, exit codes.
//!
//! Exit codes: 0 success; 1 a run failed (an internal invariant broke), or for `sim check` an
//! objective does not hold; 2 bad input or usage;
//! 130 interrupted by Ctrl-C or SIGTERM (a sweep keeps its finished runs for `--resume`, a shard
//! keeps them in its journal).

mod allocator;
mod args;
mod auto_sets;
mod check;
mod commands;
mod common;
mod import;
mod plan;
mod precision;
mod resume_hint;
mod sweeps;
mod teach;

use anyhow::Result;
pub use args::*;
use check::run_check;
use clap::{Parser, Subcommand};
use commands::*;
pub use common::Failure;
use common::*;
use import::run_import;
use plan::run_plan;
use std::path::PathBuf;
use std::process::ExitCode;
use sweeps::*;
use teach::run_teach;
pub use teach::TeachArgs;

#[derive(Parser, Debug)]
#[command(
    name = "sim",
    version = env!("SIM_VERSION"),
    about = "Predict read contention on AWS streams before production does",
    long_about = "sim simulates Kinesis Data Streams and DynamoDB Streams read by Lambda functions and \
                  EventBridge Pipes: shared read limits, enhanced fan-out, batching, retries, and the \
                  IteratorAge and throttles that follow.",
    after_help = "Exit codes: 0 success, 1 run failed (sim check: an objective does not hold), 2 bad input or usage (or runs missing from a merge), 130 interrupted (Ctrl-C or SIGTERM)."
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
    /// Write a page that animates the two-reader rule: every read call of one shard, for 1 to N
    /// readers, on DynamoDB Streams, Kinesis and Kinesis enhanced fan-out (opens offline).
    #[command(after_help = "Examples:\n  sim teach\n  \
        sim teach experiments/hot-stream.toml --at 5m --window 20s --out /tmp/teach")]
    Teach(TeachArgs),
    /// Answer service-level objectives over an experiment's sweep, per architecture.
    #[command(after_help = "Examples:\n  \
        sim plan experiments/hot-stream.toml --slo \"iterator_age_max < 30s\"\n  \
        sim plan experiments/hot-stream.toml --slo \"iterator_age_max < 30s\" --slo \"throttled_reads_per_min < 1\"")]
    Plan(PlanArgs),
    /// Check an architecture against its objectives: exit 0 when every one holds, 1 when one does
    /// not; with --base, say what the change does. Markdown and JUnit XML for CI.
    #[command(after_help = "Examples:\n  \
        sim check models/dynamodb-readers.toml --slo \"iterator_age_max < 30s\"\n  \
        sim check new.toml --base old.toml --slo \"throttled_reads_per_min < 1\" --markdown check.md --junit check.xml\n  \
        sim check models/kinesis-standard.toml --slo \"iterator_age_max < 30s\" --assumptions 16\n  \
        sim check new/*.json --base old/*.json --rate 200 --slo \"iterator_age_max < 30s\"\n\n\
        Several base files: --base takes every file up to the next flag (or repeat --base), so the \
        architecture's own files come before it.\n\
        Objectives: --slo flags, plus a [plan] table with slo = [...] in the model or in sim-objectives.toml beside it.\n\
        Exit codes: 0 every objective holds, 1 one does not, 2 bad input (nothing written).")]
    Check(CheckArgs),
    /// List the parameters AWS does not publish, with plausible ranges; with MODEL, its values.
    #[command(after_help = "Examples:\n  sim assumptions\n  \
        sim assumptions models/kinesis-standard.toml --json")]
    Assumptions(AssumptionsArgs),
    /// List every key a model may set, by its `--set` path, with its value or its default value.
    #[command(
        after_help = "Examples:\n  sim params models/kinesis-standard.toml\n  \
        sim params models/kinesis-standard.toml --set consumers.fn.batch_size=500"
    )]
    Params(ParamsArgs),
    /// Write a sweep's outputs from the journals its partitions wrote (`sim sweep --partition`).
    #[command(
        after_help = "Examples:\n  sim merge experiments/hot-stream.toml --journal journal/hot-stream"
    )]
    Merge(MergeArgs),
    /// Fit the model's assumed parameters to a CloudWatch export of IteratorAge and throttled reads.
    #[command(after_help = "Examples:\n  \
        sim calibrate examples/calibrate/stream.toml --queries examples/calibrate/observed/queries.json \
        --observed examples/calibrate/observed/result.json --out output/replayed-calibration\n  \
        sim calibrate examples/calibrate/stream.toml --queries examples/calibrate/observed-lambda/queries.json \
        --observed examples/calibrate/observed-lambda/result.json --out output/replayed-per-function\n  \
        sim calibrate examples/calibrate/stream.toml --queries examples/calibrate/observed/queries.json \
        --observed examples/calibrate/observed/result.json --fit consumers.fn.min_call_interval --runs 48\n\n\
        A function deployed under another name than its consumer's: --function FUNCTION=CONSUMER.")]
    Calibrate(CalibrateArgs),
    /// Write a model from CloudFormation, SAM, CDK, Terraform or AWS CLI files: each value commented
    /// with where it came from, placeholders marked where the files say nothing (traffic, sizes,
    /// durations).
    #[command(
        after_help = "Examples:\n  sim import template.yaml --out model.toml\n  \
        sim import plan.json --rate 200 --record-size 1KiB,8KiB --function-duration 40ms,250ms\n  \
        sim import stream.json consumers.json mappings.json fn-*.json --out model.toml"
    )]
    Import(ImportArgs),
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

/// Entry point used by `main`.
pub fn main() -> ExitCode {
    allocator::keep_freed_memory();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    install_interrupts();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // The verdict is already on stdout.
        Err(Failure::Unmet(_)) => ExitCode::from(1),
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
        Command::Check(args) => run_check(args),
        Command::Teach(args) => run_teach(args),
        Command::Assumptions(args) => assumptions(args),
        Command::Params(args) => params(args),
        Command::Merge(args) => run_merge(args),
        Command::Calibrate(args) => run_calibrate(args),
        Command::Import(args) => run_import(args),
        Command::Validate { files } => validate(&files),
        Command::Completions { shell } => completions(shell),
    }
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
