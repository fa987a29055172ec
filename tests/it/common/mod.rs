//! Helpers shared by the integration tests: a model spec from text plus `--set` overrides, and its
//! run.
// Each test file uses only some of these.
#![allow(dead_code)]

use sim::config::{ModelFile, Override};
use sim::model::{simulate, ModelSpec, RunReport};
use std::path::{Path, PathBuf};

/// The model `text` with `sets` applied as `--set KEY=VALUE` flags would.
pub(crate) fn spec(text: &str, sets: &[&str]) -> ModelSpec {
    let file = ModelFile::from_text(Path::new("test.toml"), text.to_string()).expect("valid model");
    let overrides: Vec<Override> = sets
        .iter()
        .map(|s| Override::parse(s).expect("valid override"))
        .collect();
    file.resolve(&overrides).expect("valid overrides")
}

/// Runs [`spec`] to its end (`simulate` checks conservation itself).
pub(crate) fn run(text: &str, sets: &[&str]) -> RunReport {
    simulate(&spec(text, sets)).expect("conservation holds")
}

/// The variables a scheduler sets for an array task (`--shard auto` reads them); tests that run
/// `sim` remove them so that a test run inside a scheduler's job behaves as anywhere else.
pub(crate) const SCHEDULER_VARS: [&str; 6] = [
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_COUNT",
    "AWS_BATCH_JOB_ARRAY_INDEX",
    "AWS_BATCH_JOB_ARRAY_SIZE",
    "JOB_COMPLETION_INDEX",
];

/// The repository's root, where the shipped models and experiments are.
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `sim` binary, run from the repository's root with no job-array variable of a scheduler set
/// (a test run inside a Slurm job must not be taken for a job array's task).
pub(crate) fn sim() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("sim").unwrap();
    c.current_dir(root());
    for var in SCHEDULER_VARS {
        c.env_remove(var);
    }
    c
}

/// Runs `sweep` (its stdout discarded, its stderr kept) until its journal holds `runs` finished
/// runs (failing with `what` after `limit`), then sends it `signal` (e.g. "-INT") and returns what
/// it wrote and how it ended.
pub(crate) fn interrupt_sweep(
    mut sweep: std::process::Command,
    journal: &Path,
    runs: usize,
    limit: std::time::Duration,
    what: &str,
    signal: &str,
) -> std::process::Output {
    use std::process::Stdio;
    let child = sweep
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while std::fs::read_dir(journal.join("runs")).map_or(0, |d| d.count()) < runs {
        assert!(started.elapsed() < limit, "{what}");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    child.wait_with_output().unwrap()
}
