//! `--traffic [PRODUCER=]EXPORT`: a producer's traffic replayed from a CloudWatch export named
//! on the command line instead of in the model. The export is what `aws cloudwatch
//! get-metric-data` wrote: a folder holding `queries.json` and `result.json`, or the result file
//! with `queries.json` beside it. Its IncomingRecords query becomes the producer's replayed rate
//! (and its IncomingBytes query, if there is one, the record size), exactly as if the model said
//! `rate = { from = ..., queries = ..., id = ... }` ([`super::replay`] does the rest); the rate's
//! old `profile` goes, since a replayed rate brings its own.

use super::{ConfigError, ModelFile, Origin};
use crate::cloudwatch::{self, Known};
use std::path::{Path, PathBuf};
use toml_edit::{DocumentMut, InlineTable};

/// One `--traffic` flag as typed.
#[derive(Clone, Debug, PartialEq)]
pub struct Traffic {
    /// The producer it replaces the traffic of (None: the model's only producer).
    pub producer: Option<String>,
    pub export: PathBuf,
    /// The flag as the user typed it, for errors.
    pub typed: String,
}

impl Traffic {
    /// `EXPORT` or `PRODUCER=EXPORT`. A String error: this is clap's value parser, which shows
    /// the message after the flag as typed.
    pub fn parse(text: &str) -> Result<Traffic, String> {
        if text.trim().is_empty() {
            return Err(
                "expected [PRODUCER=]EXPORT: a folder holding queries.json and \
                        result.json, or a get-metric-data result file"
                    .into(),
            );
        }
        let (producer, export) = match text.split_once('=') {
            Some((p, e)) if !p.contains(['/', '\\', '.']) => (Some(p.trim().to_string()), e),
            _ => (None, text),
        };
        Ok(Traffic {
            producer,
            export: PathBuf::from(export),
            typed: format!("--traffic {text}"),
        })
    }

    fn error(&self, message: impl Into<String>) -> ConfigError {
        ConfigError {
            origin: Origin::Typed(self.typed.clone()),
            key: String::new(),
            message: message.into(),
        }
    }

    /// The result and queries files of the export.
    fn files(&self) -> Result<(PathBuf, PathBuf), ConfigError> {
        let abs = std::path::absolute(&self.export)
            .map_err(|e| self.error(format!("{}: {e}", self.export.display())))?;
        if abs.is_dir() {
            return Ok((abs.join("result.json"), abs.join("queries.json")));
        }
        if !abs.exists() {
            return Err(self.error(format!(
                "{} does not exist: give a folder holding queries.json and result.json, or a \
                 get-metric-data result file with queries.json beside it",
                self.export.display()
            )));
        }
        let dir = abs.parent().unwrap_or(Path::new("/")).to_path_buf();
        Ok((abs, dir.join("queries.json")))
    }
}

/// `file` with the traffic of each flag in place of its producer's (unchanged without flags).
pub(crate) fn apply(file: &ModelFile, flags: &[Traffic]) -> Result<ModelFile, ConfigError> {
    if flags.is_empty() {
        return Ok(file.clone());
    }
    let mut doc: DocumentMut = (file.text.parse())
        .map_err(|e: toml_edit::TomlError| ConfigError::whole(&file.path, e.message()))?;
    let producers: Vec<String> = doc
        .get("producers")
        .and_then(|p| p.as_table_like())
        .map(|t| t.iter().map(|(k, _)| k.to_string()).collect())
        .unwrap_or_default();
    for flag in flags {
        let name = match &flag.producer {
            Some(p) if producers.contains(p) => p.clone(),
            Some(p) => {
                return Err(flag.error(format!(
                    "{} has no producer `{p}` (producers: {}){}",
                    file.path.display(),
                    producers.join(", "),
                    super::did_you_mean(
                        p,
                        &producers.iter().map(String::as_str).collect::<Vec<_>>()
                    )
                )))
            }
            None if producers.len() == 1 => producers[0].clone(),
            None => {
                return Err(flag.error(format!(
                    "{} has {} producers ({}): name the one this traffic is, as \
                     --traffic PRODUCER={}",
                    file.path.display(),
                    producers.len(),
                    producers.join(", "),
                    flag.export.display()
                )))
            }
        };
        let (result, queries) = flag.files()?;
        let (series, _) = cloudwatch::read_metric_data(&queries, &[&result])
            .map_err(|e| flag.error(format!("bad export: {e}")))?;
        let id_of = |metric: Known| {
            let found = series.iter().find(|s| s.metric == metric);
            found.map(|s| s.id.clone())
        };
        let Some(records) = id_of(Known::KinesisIncomingRecords) else {
            return Err(flag.error(format!(
                "{} has no IncomingRecords query (AWS/Kinesis, Sum): the traffic to replay",
                queries.display()
            )));
        };
        let mut from = InlineTable::new();
        from.insert("from", result.display().to_string().into());
        from.insert("queries", queries.display().to_string().into());
        let producer = doc["producers"][name.as_str()]
            .as_table_like_mut()
            .ok_or_else(|| flag.error(format!("producer `{name}` is not a table")))?;
        producer.remove("profile");
        let mut rate = from.clone();
        rate.insert("id", records.as_str().into());
        producer.insert("rate", toml_edit::value(rate));
        if let Some(bytes) = id_of(Known::KinesisIncomingBytes) {
            let mut size = from;
            size.insert("bytes_id", bytes.into());
            size.insert("records_id", records.into());
            producer.insert("record_size", toml_edit::value(size));
        }
    }
    ModelFile::from_text(&file.path, doc.to_string()).map_err(|e| {
        // An error in what the flags put in is the flags'; others stay in the model.
        match flags.iter().find(|f| {
            let p = f.producer.clone().unwrap_or_else(|| producers[0].clone());
            e.key.starts_with(&format!("producers.{p}.rate"))
                || e.key.starts_with(&format!("producers.{p}.record_size"))
                || e.key.starts_with(&format!("producers.{p}.profile"))
        }) {
            Some(f) => f.error(format!("{} ({})", e.message, e.key)),
            None => e,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_names_a_producer_or_not() {
        let t = Traffic::parse("orders=traffic/").unwrap();
        assert_eq!(t.producer.as_deref(), Some("orders"));
        assert_eq!(t.export, PathBuf::from("traffic/"));
        let t = Traffic::parse("examples/calibrate/traffic").unwrap();
        assert_eq!(t.producer, None);
        let t = Traffic::parse("./a=b/result.json").unwrap();
        assert_eq!(t.producer, None);
        assert!(Traffic::parse(" ").is_err());
    }
}
