//! Why a command's files could not be written ([`OutputError`]).

use crate::config::ConfigError;
use crate::fsio::WriteError;
use crate::plot::PlotError;
use std::path::PathBuf;

/// The output layer's error: a file not written, a chart not drawn, the experiment's objectives
/// not parsed, or a chart written earlier not read back. Each shows what it wraps as it is.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// The experiment's `[plan]` objectives, parsed when the caller gives none.
    #[error(transparent)]
    Objectives(#[from] ConfigError),
    /// A chart of the folder, read back for the HTML report.
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// An output function's result.
pub type Result<T> = std::result::Result<T, OutputError>;
