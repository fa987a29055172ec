//! Model files: reading, `--set` overrides, and validation into a [`ModelSpec`].
//!
//! Loading happens in two stages: the text is parsed into raw serde structures (syntax, types,
//! unknown keys), then resolved (ranges, references, AWS limits). Every error names the file, line and
//! column, the key path, and what was expected; a value that came from `--set` is blamed on the flag.

pub(crate) mod defaults;
pub mod diff;
mod error;
mod locate;
pub(crate) mod objectives;
pub(crate) mod overrides;
pub(crate) mod params;
pub mod prices;
pub(crate) mod raw;
pub(crate) mod replay;
pub(crate) mod resolve;
mod source;
pub(crate) mod traffic;
pub(crate) mod units;

use crate::model::ModelSpec;
pub use error::{did_you_mean, suggest, ConfigError, Invalid, Origin, Problem};
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

/// Reads a TOML file (at most [`crate::input::TOML_LIMIT`] bytes, a byte-order mark skipped),
/// with errors for a missing file, a directory, a file too large or non-UTF-8 content.
pub fn read_text(path: &Path) -> Result<String, ConfigError> {
    crate::input::read_text(path, crate::input::TOML_LIMIT, "a TOML file")
        .map_err(|e| ConfigError::whole(path, e.to_string()))
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

    /// The window of the first replayed rate, `[start, end)` in epoch seconds (its start is the
    /// run's time 0), if any.
    pub fn replay_window(&self) -> Option<(i64, i64)> {
        self.replayed.window
    }

    /// What the user should know about the exports the model replays (points left out, gaps,
    /// CloudWatch's statuses and messages), one sentence each naming the file.
    pub fn export_warnings(&self) -> &[String] {
        &self.replayed.warnings
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

/// The model `text` with `sets` applied as `--set KEY=VALUE` flags would, panicking on an invalid
/// model: the one way unit tests anywhere in the crate build a spec (the integration tests'
/// `common::spec` is its twin outside the crate).
#[cfg(test)]
pub(crate) fn test_spec(text: &str, sets: &[&str]) -> ModelSpec {
    let file = ModelFile::from_text(std::path::Path::new("test.toml"), text.to_string())
        .expect("valid model");
    let overrides: Vec<Override> = sets
        .iter()
        .map(|s| Override::parse(s).expect("valid override"))
        .collect();
    file.resolve(&overrides).expect("valid overrides")
}
