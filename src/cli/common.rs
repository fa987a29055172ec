//! What every command shares: why a command failed (and its exit code), Ctrl-C and SIGTERM,
//! opening model and experiment files, printing to a closed pipe, the command line as typed.

use crate::config::{ConfigError, ModelFile};
use crate::experiment::{kind_of, Experiment, FileKind};
use anyhow::Result;
use std::io::Write;
use std::path::Path;

/// The limits a forecast is held to: `--max-events` and `--max-memory` (by default the
/// machine's memory, when it can be read).
#[derive(Clone, Copy, Debug)]
pub(super) struct Budget {
    pub max_events: f64,
    /// Bytes, and whether the flag gave them (else the machine's memory).
    pub max_memory: Option<(f64, bool)>,
}

impl Budget {
    pub(super) fn of(max_events: f64, max_memory: Option<&str>) -> Result<Budget, Failure> {
        let max_memory = match max_memory {
            Some(text) => {
                let bytes = crate::config::units::parse_size(text)
                    .map_err(|m| Failure::Usage(format!("--max-memory {text}: {m}")))?;
                Some((bytes as f64, true))
            }
            None => machine_memory().map(|b| (b, false)),
        };
        Ok(Budget {
            max_events,
            max_memory,
        })
    }
}

/// The machine's memory in bytes, from `MemTotal` in /proc/meminfo (Linux only).
fn machine_memory() -> Option<f64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024.0)
}

/// Refuses work whose forecast exceeds the budget, naming the forecast and the flag.
pub(super) fn check_budget(
    what: &str,
    est: crate::model::estimate::Estimate,
    budget: Budget,
) -> Result<(), Failure> {
    let mib = |b: f64| b / (1 << 20) as f64;
    let work = est.work();
    if work > budget.max_events {
        return Err(Failure::Usage(format!(
            "{what} is forecast to need about {work:.1e} events of work ({:.1e} events, {:.1e} records \
             drawn; roughly {:.0} s at 10 M events/s) and {:.0} MiB of memory, more than --max-events \
             {:.1e}; pass --max-events {:.1e} to run it anyway, or shorten it",
            est.events,
            est.records,
            work / 1e7,
            mib(est.memory_bytes),
            budget.max_events,
            work * 1.5
        )));
    }
    match budget.max_memory {
        Some((limit, given)) if est.floor_bytes > limit => {
            let limit_text = if given {
                format!("--max-memory {:.0}MiB", mib(limit))
            } else {
                format!("this machine's {:.0} MiB (--max-memory)", mib(limit))
            };
            Err(Failure::Usage(format!(
                "{what} is forecast to hold at least {:.0} MiB of memory (up to {:.0} MiB), more than \
                 {limit_text}; pass --max-memory {:.0}MiB to run it anyway, or make it smaller",
                mib(est.floor_bytes),
                mib(est.memory_bytes),
                mib(est.floor_bytes * 1.5).ceil()
            )))
        }
        _ => Ok(()),
    }
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
    /// `sim check`: an objective does not hold (the verdict, not an error).
    #[error("{0}")]
    Unmet(String),
}

static STOP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static GRACEFUL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Catches Ctrl-C and SIGTERM (and SIGHUP), which batch schedulers send before killing a task,
/// for every command. A command that asked for [`interrupt_flag`] finishes the runs under way
/// and keeps them; any other command stops at once. Either way nothing half-written is left:
/// staging folders are removed and the exit code is 130. A second signal always stops at once.
pub(super) fn install_interrupts() {
    use std::sync::atomic::Ordering;
    let _ = ctrlc::set_handler(|| {
        if GRACEFUL.load(Ordering::SeqCst) && !STOP.swap(true, Ordering::SeqCst) {
            eprintln!(
                "\ninterrupted: finishing the runs under way (interrupt again to quit at once)"
            );
            return;
        }
        eprintln!("\ninterrupted: stopped; no output written");
        crate::fsio::staged::abandon_all();
        std::process::exit(130);
    });
}

/// The flag the first Ctrl-C or SIGTERM sets, for a command that checks it between runs.
pub(super) fn interrupt_flag() -> &'static std::sync::atomic::AtomicBool {
    GRACEFUL.store(true, std::sync::atomic::Ordering::SeqCst);
    &STOP
}

/// The source line under a located input error, on the lines after the message.
pub(super) fn snippet_of(e: &Failure) -> String {
    match e {
        Failure::Input(c) => c.snippet().map_or(String::new(), |s| format!("\n{s}")),
        _ => String::new(),
    }
}

impl From<crate::fsio::owned::Error> for Failure {
    /// A folder sim may not write into, or cannot: the user's to fix (exit 2).
    fn from(e: crate::fsio::owned::Error) -> Self {
        Failure::Usage(e.to_string())
    }
}

/// A failure to write a command's files (a full disk, a permission): the user's to fix, like a
/// bad `--out` (exit 2), not a bug in a run.
pub(super) fn output_failure(e: impl Into<anyhow::Error>) -> Failure {
    Failure::Usage(format!("{:#}", e.into()))
}

/// The files a command on one model reads: the model and the prices file, if one is named.
pub(super) fn inputs<'a>(model: &'a Path, prices: &'a Option<std::path::PathBuf>) -> Vec<&'a Path> {
    std::iter::once(model).chain(prices.as_deref()).collect()
}

impl Failure {
    pub(super) fn code(&self) -> u8 {
        match self {
            Failure::Input(_) | Failure::Usage(_) => 2,
            Failure::Run(_) | Failure::Unmet(_) => 1,
            Failure::Interrupted(_) => 130,
        }
    }
}

/// Opens a model file; an experiment file is pointed at `sim sweep`.
pub(super) fn open_model(path: &Path) -> Result<ModelFile, Failure> {
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

/// Says on stderr what a model took from CloudWatch exports, and what is wrong with them.
pub(super) fn tell_fitted(file: &ModelFile) {
    for f in file.fitted() {
        eprintln!("fitted {}: {}", f.key, f.sentence);
    }
    for w in file.export_warnings() {
        eprintln!("warning: {w}");
    }
}

/// Opens an experiment file; a model file is pointed at `sim run`.
pub(super) fn open_experiment(path: &Path, replicates: Option<u32>) -> Result<Experiment, Failure> {
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

/// Prints to stdout; a closed pipe (`sim ... | head`) is not an error.
pub(super) fn print_stdout(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(anyhow::Error::from(e).into()),
        _ => Ok(()),
    }
}

/// The command line as typed, each argument quoted when the shell would need it.
pub(super) fn command_line() -> String {
    std::env::args()
        .map(|a| shell_word(&a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `a` as one word of a POSIX shell command: as is when plain, else single-quoted.
pub(super) fn shell_word(a: &str) -> String {
    let plain = !a.is_empty()
        && a.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

pub(super) fn duration_flag(flag: &str, text: &str) -> Result<u64, Failure> {
    crate::engine::time::parse_duration(text).map_err(|m| Failure::Usage(format!("--{flag}: {m}")))
}
