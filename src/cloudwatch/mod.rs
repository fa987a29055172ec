//! CloudWatch exports as the AWS CLI writes them: reading them into typed series, fitting what the
//! simulator needs from them, and writing simulated series back out in the same format.
//!
//! Formats follow the AWS CLI and CloudWatch API references:
//! - <https://awscli.amazonaws.com/v2/documentation/api/latest/reference/cloudwatch/get-metric-data.html>
//! - <https://awscli.amazonaws.com/v2/documentation/api/latest/reference/cloudwatch/get-metric-statistics.html>
//! - <https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html>
//! - <https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataResult.html>
//! - <https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Datapoint.html>
//!
//! Metrics understood are listed in [`Known`]; the sources of their names and units:
//! - <https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html>
//! - <https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html>
//! - <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html>
//!
//! What is read, and how to make it:
//!
//! ```text
//! aws cloudwatch get-metric-data --metric-data-queries file://queries.json \
//!     --start-time 2024-05-01T10:00:00Z --end-time 2024-05-01T12:00:00Z > result.json
//! aws cloudwatch get-metric-statistics --namespace AWS/Lambda --metric-name Duration \
//!     --dimensions Name=FunctionName,Value=orders-consumer --extended-statistics p50 p99 \
//!     --period 60 --start-time ... --end-time ... > duration.json
//! ```
//!
//! `queries.json` is a JSON list of MetricDataQuery (or the `--cli-input-json` object holding
//! one). The output may hold several pages: merged by the CLI (an Id repeated in one list), saved
//! one JSON object after another, in a JSON array, or in several files. Points come out oldest
//! first, one per timestamp; the [`Report`] says what was sorted, merged, missing or skipped.
//!
//! This module knows nothing of the model: it yields plain time series and plain fitted numbers.

mod clean;
pub mod fit;
mod json;
mod metric;
mod metric_data;
mod problem;
mod raw;
mod report;
mod statistics;
pub mod time;
mod write;

pub use metric::{Known, Stat};
pub use metric_data::{parse_metric_data, read_metric_data};
pub use problem::Problem;
pub use report::{Order, Report, SeriesNotes, Skipped};
pub use statistics::{parse_metric_statistics, read_metric_statistics};
pub use write::{write_metric_data, Export};

use std::fmt;
use std::path::{Path, PathBuf};

/// One CloudWatch dimension, as in `Name=StreamName,Value=orders`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dimension {
    pub name: String,
    pub value: String,
}

impl Dimension {
    pub fn new(name: &str, value: &str) -> Dimension {
        Dimension {
            name: name.to_string(),
            value: value.to_string(),
        }
    }
}

/// One statistic of one metric over time: what a query Id (or one statistic of a
/// get-metric-statistics file) holds once cleaned.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The query Id; for get-metric-statistics, the file's Label and the statistic.
    pub id: String,
    pub metric: Known,
    pub stat: Stat,
    pub period_s: u32,
    /// In the order the query gave them.
    pub dimensions: Vec<Dimension>,
    /// `(epoch seconds, value)`, strictly ascending in time, one per period with data.
    pub points: Vec<(i64, f64)>,
}

impl Series {
    /// The value of the dimension `name`, if the series has it.
    pub fn dimension(&self, name: &str) -> Option<&str> {
        self.dimensions
            .iter()
            .find(|d| d.name == name)
            .map(|d| d.value.as_str())
    }
}

/// The series of `metric` and `stat` among `series`, in their order (one per shard or function).
pub fn select(series: &[Series], metric: Known, stat: Stat) -> Vec<&Series> {
    series
        .iter()
        .filter(|s| s.metric == metric && s.stat == stat)
        .collect()
}

/// One file's text with the path to name in errors.
#[derive(Clone, Copy, Debug)]
pub struct FileText<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

/// A bad export: which file, where in it, which entry, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known (only with a line).
    pub col: Option<usize>,
    /// The entry, e.g. `MetricDataResults[2] (Id "m3")`; empty for the file as a whole.
    pub place: String,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        match (self.line, self.col) {
            (Some(line), Some(col)) => write!(f, ":{line}:{col}")?,
            (Some(line), None) => write!(f, ":{line}")?,
            _ => {}
        }
        f.write_str(": ")?;
        // Places and messages quote Ids and values from the file, which may be of any length.
        if !self.place.is_empty() {
            write!(f, "{}: ", crate::input::clip_message(&self.place))?;
        }
        f.write_str(&crate::input::clip_message(&self.message))
    }
}

impl std::error::Error for Error {}

/// Reads an export as UTF-8 text (at most [`crate::input::EXPORT_LIMIT`] bytes, a byte-order
/// mark skipped), naming it in the error.
pub fn read_text(path: &Path) -> Result<String, Error> {
    crate::input::read_text(path, crate::input::EXPORT_LIMIT, "a JSON file").map_err(|e| Error {
        file: path.to_path_buf(),
        line: None,
        col: None,
        place: String::new(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_file_then_the_line_then_the_entry() {
        let e = Error {
            file: "result.json".into(),
            line: Some(14),
            col: None,
            place: "MetricDataResults[2] (Id \"m3\")".into(),
            message: "Timestamps has 10 entries but Values has 9".into(),
        };
        assert_eq!(
            e.to_string(),
            "result.json:14: MetricDataResults[2] (Id \"m3\"): Timestamps has 10 entries but Values has 9"
        );
        let whole = Error {
            line: None,
            place: String::new(),
            ..e
        };
        assert!(whole.to_string().starts_with("result.json: Timestamps"));
    }

    #[test]
    fn select_finds_series_by_metric_and_stat() {
        let s = |id: &str, stat| Series {
            id: id.into(),
            metric: Known::KinesisIncomingRecords,
            stat,
            period_s: 60,
            dimensions: vec![Dimension::new("StreamName", "orders")],
            points: vec![],
        };
        let all = [s("a", Stat::Sum), s("b", Stat::Average), s("c", Stat::Sum)];
        let ids: Vec<&str> = select(&all, Known::KinesisIncomingRecords, Stat::Sum)
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        assert_eq!(ids, ["a", "c"]);
        assert_eq!(all[0].dimension("StreamName"), Some("orders"));
        assert_eq!(all[0].dimension("ShardId"), None);
    }
}
