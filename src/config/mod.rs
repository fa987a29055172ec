//! Model files: reading, `--set` overrides, and validation into a [`ModelSpec`].
//!
//! Loading happens in two stages: the text is parsed into raw serde structures (syntax, types,
//! unknown keys), then resolved (ranges, references, AWS limits). Every error names the file, line and
//! column, the key path, and what was expected; a value that came from `--set` is blamed on the flag.

pub mod defaults;
mod error;
mod locate;
pub mod overrides;
pub mod params;
pub mod prices;
pub mod raw;
pub mod replay;
pub mod resolve;
mod source;
pub mod units;

use crate::model::ModelSpec;
pub use error::{did_you_mean, suggest, ConfigError, Invalid, Origin};
pub use overrides::Override;
pub use source::error_at;
use std::path::{Path, PathBuf};

/// Deserializes a whole TOML file into `T`, locating any error (used for experiment files).
pub fn parse_located<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
) -> Result<T, ConfigError> {
    locate::parse(path, text, &[])
}

/// Reads a text file, with errors for a missing file, a directory or non-UTF-8 content.
pub fn read_text(path: &Path) -> Result<String, ConfigError> {
    let whole = |message: String| ConfigError::whole(path, message);
    if path.is_dir() {
        return Err(whole("is a directory, expected a TOML file".into()));
    }
    let bytes = std::fs::read(path).map_err(|e| whole(format!("cannot read: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        whole(format!(
            "is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// A model file held in memory, ready to be resolved with any overrides.
#[derive(Debug, Clone)]
pub struct ModelFile {
    pub path: PathBuf,
    /// As written (exports named with `from` still in place).
    pub text: String,
    /// What is parsed: the text with values from CloudWatch exports in place (see [`replay`]).
    replayed: replay::Replayed,
}

impl ModelFile {
    /// Reads `path` and checks it parses (without overrides).
    pub fn open(path: &Path) -> Result<ModelFile, ConfigError> {
        let text = read_text(path)?;
        ModelFile::from_text(path, text)
    }

    /// A model from text already in memory; `path` is used in messages.
    pub fn from_text(path: &Path, text: String) -> Result<ModelFile, ConfigError> {
        let replayed = replay::expand(path, &text)?;
        let file = ModelFile {
            path: path.to_path_buf(),
            text,
            replayed,
        };
        file.resolve(&[])?;
        Ok(file)
    }

    /// The model's name when the file gives none: the file stem.
    pub fn default_name(&self) -> String {
        self.path
            .file_stem()
            .map_or("model".into(), |s| s.to_string_lossy().into_owned())
    }

    /// Epoch seconds of the first period of a replayed rate (the run's time 0), if any.
    pub fn replay_start(&self) -> Option<i64> {
        self.replayed.start
    }

    /// What was taken from CloudWatch exports, key by key.
    pub fn fitted(&self) -> &[replay::Fitted] {
        &self.replayed.fitted
    }

    /// Applies `overrides` (in order) and resolves the model.
    pub fn resolve(&self, overrides: &[Override]) -> Result<ModelSpec, ConfigError> {
        let text = &self.replayed.text;
        let raw: raw::RawModel = locate::parse(&self.path, text, overrides)?;
        resolve::resolve(&raw, &self.default_name())
            .map_err(|inv| locate::place(&self.path, text, overrides, inv))
    }
}
