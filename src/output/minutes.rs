//! The per-minute rows of a run as CSV, shared by `sim run`'s `timeseries.csv` and the sweep's
//! long `timeseries.csv`. A minute without IteratorAge samples has no IteratorAge data point in
//! CloudWatch, so its Average and Maximum cells are left empty rather than written as 0 (a 0
//! would pull every average taken over the column down).

use super::columns::ColumnDoc;
use crate::model::report::MinuteRow;

/// A number as `serde` would write it into CSV (`1.0`, not `1`), so the files read the same.
pub(crate) fn float(x: f64) -> String {
    ryu::Buffer::new().format(x).to_string()
}

/// The cells of a row, in the order of [`docs`]; `lineage` adds the shard columns (empty where
/// the run has none, so that every row of a file has the same columns).
pub(crate) fn cells(r: &MinuteRow, lineage: bool) -> Vec<String> {
    let sampled = r.samples > 0;
    let age = |x: f64| if sampled { float(x) } else { String::new() };
    let mut v = vec![
        r.minute.to_string(),
        r.consumer.clone(),
        r.stream.clone(),
        age(r.iterator_age_avg_ms),
        age(r.iterator_age_max_ms),
        r.samples.to_string(),
        r.invocations.to_string(),
        r.errors.to_string(),
        r.records_processed.to_string(),
        r.throttled_reads.to_string(),
        r.stream_throttled_reads.to_string(),
    ];
    if lineage {
        v.push(r.shards.map_or(String::new(), |s| s.to_string()));
        v.push(
            r.stream_write_throttles
                .map_or(String::new(), |s| s.to_string()),
        );
    }
    v
}

/// The columns of a per-minute row, in order; the last two only in runs with shard lineage.
pub(crate) fn docs(lineage: bool) -> Vec<ColumnDoc> {
    let mut d = vec![
        ColumnDoc::new("minute", "min", "minute of the run since its start (after warm-up only)"),
        ColumnDoc::new("consumer", "", "consumer name"),
        ColumnDoc::new("stream", "", "stream the consumer reads"),
        ColumnDoc::new(
            "iterator_age_avg_ms",
            "ms",
            "IteratorAge Average of the minute, as CloudWatch shows it; empty: no sample, no data point",
        ),
        ColumnDoc::new(
            "iterator_age_max_ms",
            "ms",
            "IteratorAge Maximum of the minute; empty: no sample, no data point",
        ),
        ColumnDoc::new("samples", "count", "IteratorAge samples (batches read) in the minute"),
        ColumnDoc::new("invocations", "count", "function invocations started in the minute"),
        ColumnDoc::new("errors", "count", "failed invocations in the minute"),
        ColumnDoc::new("records_processed", "count", "records processed in the minute"),
        ColumnDoc::new("throttled_reads", "count", "this consumer's throttled read calls in the minute"),
        ColumnDoc::new(
            "stream_throttled_reads",
            "count",
            "throttled read calls of all consumers of the stream in the minute",
        ),
    ];
    if lineage {
        d.push(ColumnDoc::new(
            "shards",
            "count",
            "open shards of the stream at the end of the minute",
        ));
        d.push(ColumnDoc::new(
            "stream_write_throttles",
            "count",
            "records the stream's write limits rejected in the minute",
        ));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(samples: u64) -> MinuteRow {
        MinuteRow {
            minute: 3,
            consumer: "fn-1".into(),
            stream: "s".into(),
            iterator_age_avg_ms: 0.0,
            iterator_age_max_ms: 0.0,
            samples,
            invocations: 0,
            errors: 0,
            records_processed: 0,
            throttled_reads: 0,
            stream_throttled_reads: 0,
            shards: None,
            stream_write_throttles: None,
        }
    }

    #[test]
    fn a_minute_without_samples_has_no_iterator_age() {
        let c = cells(&row(0), true);
        assert_eq!((c[3].as_str(), c[4].as_str()), ("", ""));
        assert_eq!((c[11].as_str(), c[12].as_str()), ("", ""));
        assert_eq!(c.len(), docs(true).len());
        let c = cells(&row(2), false);
        assert_eq!((c[3].as_str(), c[4].as_str()), ("0.0", "0.0"));
        assert_eq!(c.len(), docs(false).len());
    }
}
