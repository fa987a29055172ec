//! What every command shares: why a command failed (and its exit code), Ctrl-C and SIGTERM,
//! opening model and experiment files, printing to a closed pipe, the command line as typed.

use crate::config::{ConfigError, ModelFile};
use crate::experiment::{kind_of, Experiment, FileKind};
use anyhow::Result;
use std::io::Write;
use std::path::Path;

/// Refuses work whose forecast exceeds the limit, naming the forecast and the flag.
pub(super) fn check_budget(
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
pub(super) fn interrupt_flag() -> &'static std::sync::atomic::AtomicBool {
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
pub(super) fn snippet_of(e: &Failure) -> String {
    match e {
        Failure::Input(c) => c.snippet().map_or(String::new(), |s| format!("\n{s}")),
        _ => String::new(),
    }
}

impl Failure {
    pub(super) fn code(&self) -> u8 {
        match self {
            Failure::Input(_) | Failure::Usage(_) => 2,
            Failure::Run(_) => 1,
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
