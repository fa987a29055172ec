//! The objectives a model is checked against (`sim check`), where they are stated: a `[plan]`
//! table with `slo = [...]` in the model itself (as in experiment files), or the same table alone
//! in `sim-objectives.toml` beside the model (or, later, beside the template it was imported
//! from). Each is kept with its place, so an objective that does not parse is a located error.

use super::{error_at, locate, read_text, ConfigError, ModelFile, Origin};
use std::path::{Path, PathBuf};

/// The file of objectives looked for beside the architecture's files.
pub(crate) const BESIDE: &str = "sim-objectives.toml";

/// An objective as written, with where it stands.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Stated {
    pub text: String,
    /// `plan.slo.N`.
    pub key: String,
    pub origin: Origin,
}

impl Stated {
    /// An error about this objective, at its place.
    pub(crate) fn error(&self, message: String) -> ConfigError {
        ConfigError {
            origin: self.origin.clone(),
            key: self.key.clone(),
            message,
        }
    }
}

/// Only `[plan]`: what a file of objectives may hold.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ObjectivesFile {
    #[serde(default)]
    plan: super::raw::RawPlan,
}

fn stated(path: &Path, text: &str, slo: &[String]) -> Vec<Stated> {
    (slo.iter().enumerate())
        .map(|(i, s)| {
            let key = format!("plan.slo.{i}");
            Stated {
                text: s.clone(),
                origin: error_at(path, text, &key, String::new()).origin,
                key,
            }
        })
        .collect()
}

/// The objectives of the model's own `[plan]` table (its types were checked when the model
/// was opened).
pub(crate) fn in_model(file: &ModelFile) -> Vec<Stated> {
    let table = file.text.parse::<toml::Table>().unwrap_or_default();
    let slo: Vec<String> = (table.get("plan").and_then(|p| p.get("slo")))
        .and_then(toml::Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    stated(&file.path, &file.text, &slo)
}

/// The path of `sim-objectives.toml` beside `file`.
pub(crate) fn beside(file: &Path) -> PathBuf {
    file.parent().unwrap_or(Path::new("")).join(BESIDE)
}

/// The objectives of the file at `path` (a `[plan]` table and nothing else); none when there is
/// no such file.
pub(crate) fn in_file(path: &Path) -> Result<Vec<Stated>, ConfigError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = read_text(path)?;
    let raw: ObjectivesFile = locate::parse(path, &text, &[])?;
    Ok(stated(path, &text, &raw.plan.slo))
}
