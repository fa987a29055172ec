//! Traffic and durations from a CloudWatch export (get-metric-data output and its queries), for
//! what infrastructure code cannot say: the model names the export (`{ from = ..., id = ... }`)
//! and `config/replay.rs` replays it when the model is loaded, as for a model written by hand.

use super::error::ImportError;
use crate::cloudwatch::{self, Known, Stat};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// The query Ids of the export, by stream and by function.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ids {
    pub result: PathBuf,
    pub queries: PathBuf,
    /// IncomingRecords Sum of a whole stream.
    pub records: HashMap<String, String>,
    /// IncomingBytes Sum of a whole stream.
    pub bytes: HashMap<String, String>,
    /// Lambda Duration p50 and p99 of a function.
    pub p50: HashMap<String, String>,
    pub p99: HashMap<String, String>,
}

/// Reads the export and finds the Ids of each stream's and function's series.
pub(crate) fn read(result: &Path, queries: &Path) -> Result<Ids, ImportError> {
    let (series, _) = cloudwatch::read_metric_data(queries, &[result]).map_err(located)?;
    let mut ids = Ids {
        result: result.to_path_buf(),
        queries: queries.to_path_buf(),
        ..Ids::default()
    };
    for s in &series {
        // Per-shard series are parts of the stream's: the whole stream's are the ones replayed.
        if s.dimension("ShardId").is_some() {
            continue;
        }
        let (map, dim) = match (s.metric, s.stat) {
            (Known::KinesisIncomingRecords, Stat::Sum) => (&mut ids.records, "StreamName"),
            (Known::KinesisIncomingBytes, Stat::Sum) => (&mut ids.bytes, "StreamName"),
            (Known::LambdaDuration, Stat::Percentile(50.0)) => (&mut ids.p50, "FunctionName"),
            (Known::LambdaDuration, Stat::Percentile(99.0)) => (&mut ids.p99, "FunctionName"),
            _ => continue,
        };
        if let Some(name) = s.dimension(dim) {
            map.entry(name.to_string()).or_insert_with(|| s.id.clone());
        }
    }
    Ok(ids)
}

fn located(e: cloudwatch::Error) -> ImportError {
    use super::doc::Pos;
    match e.line {
        Some(line) => ImportError::at(
            &e.file,
            Pos {
                line,
                col: e.col.unwrap_or(1),
            },
            e.place,
            e.message,
        ),
        None => {
            let message = if e.place.is_empty() {
                e.message
            } else {
                format!("{}: {}", e.place, e.message)
            };
            ImportError::whole(&e.file, message)
        }
    }
}

/// `target` as a model file in `model_dir` names it: relative to that folder when both can be
/// made absolute (absolute when the way up goes through a folder not made yet), else as given.
pub(crate) fn relative(model_dir: &Path, target: &Path) -> String {
    let rel = relative_path(model_dir, target);
    let goes_up = Path::new(&rel)
        .components()
        .any(|c| c == Component::ParentDir);
    let dir_exists = model_dir.as_os_str().is_empty() || model_dir.is_dir();
    if goes_up && !dir_exists {
        if let Ok(abs) = std::path::absolute(target) {
            return abs.display().to_string();
        }
    }
    rel
}

fn relative_path(model_dir: &Path, target: &Path) -> String {
    let (Ok(from), Ok(to)) = (std::path::absolute(model_dir), std::path::absolute(target)) else {
        return target.display().to_string();
    };
    let from: Vec<Component> = from
        .components()
        .filter(|c| *c != Component::CurDir)
        .collect();
    let to: Vec<Component> = to
        .components()
        .filter(|c| *c != Component::CurDir)
        .collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return target.display().to_string();
    }
    let mut rel = PathBuf::new();
    for _ in common..from.len() {
        rel.push("..");
    }
    for c in &to[common..] {
        rel.push(c.as_os_str());
    }
    rel.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_paths_are_written_relative_to_the_model() {
        assert_eq!(
            relative(Path::new("models"), Path::new("cw/result.json")),
            "../cw/result.json"
        );
        assert_eq!(
            relative(Path::new(""), Path::new("cw/result.json")),
            "cw/result.json"
        );
        assert_eq!(
            relative(Path::new("a/b"), Path::new("a/b/c.json")),
            "c.json"
        );
    }
}
