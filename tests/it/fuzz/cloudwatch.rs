//! Fuzzing the CloudWatch readers within the normal suite (a module of tests/it/cloudwatch.rs, so no
//! test binary of its own): mutated fixtures, written exports with hostile metadata, deeply
//! nested JSON and megabyte Ids each give series or a short, located error, never a panic.

use super::{fixture, series_strategy};
use proptest::prelude::*;
use proptest::sample::select;
use sim::cloudwatch::{parse_metric_data, parse_metric_statistics, write_metric_data, FileText};
use std::path::Path;

/// Pieces a mutation splices into an export: JSON syntax, CloudWatch's keys, values out of range.
const SPLICES: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    ",",
    ":",
    "null",
    "-",
    "0",
    "true",
    "1e400",
    "-1e400",
    "123456789012345678901234567890",
    "1e300",
    "-0.0",
    "NaN",
    "\"Timestamps\"",
    "\"Values\"",
    "\"Id\"",
    "\"StatusCode\"",
    "\"Messages\"",
    "\"InternalError\"",
    "\"PartialData\"",
    "\"2024-13-01T00:00:00Z\"",
    "\"99999-05-01T10:00:00Z\"",
    "\"9999-05-01T10:59:00+00:00\"",
    "-9223372036854775808",
    "1.7976931348623157e308",
    "\u{feff}",
    "\u{0}",
    "é",
];

/// One edit of a text: cut a range, or splice a piece in, at a char boundary near `at`.
#[derive(Clone, Debug)]
enum Mutation {
    Cut(usize, usize),
    Splice(usize, usize),
    /// Repeats the text from `at` to `at + len` `times` times (deep or long structures).
    Repeat(usize, usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0usize..40_000, 0usize..200).prop_map(|(a, l)| Mutation::Cut(a, l)),
        (0usize..40_000, 0..SPLICES.len()).prop_map(|(a, i)| Mutation::Splice(a, i)),
        (0usize..40_000, 1usize..40, 2usize..200).prop_map(|(a, l, n)| Mutation::Repeat(a, l, n)),
    ]
}

fn boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn mutate(text: &str, edits: &[Mutation]) -> String {
    let mut t = text.to_string();
    for m in edits {
        match *m {
            Mutation::Cut(a, l) => {
                let (a, b) = (boundary(&t, a), boundary(&t, a + l));
                t.replace_range(a..b, "");
            }
            Mutation::Splice(a, i) => t.insert_str(boundary(&t, a), SPLICES[i]),
            Mutation::Repeat(a, l, n) => {
                let (a, b) = (boundary(&t, a), boundary(&t, a + l));
                let piece = t[a..b].repeat(n);
                t.insert_str(a, &piece);
            }
        }
    }
    t
}

/// An error is located: it names the file, and a line, an entry or the file as a whole; and it
/// stays short whatever the file held.
fn located(e: &sim::cloudwatch::Error, files: &[&str]) -> Result<(), TestCaseError> {
    let shown = e.to_string();
    prop_assert!(
        files.iter().any(|f| shown.starts_with(&format!("{f}:"))),
        "names no file: {}",
        shown
    );
    // What get-metric-statistics says of a file as a whole.
    let whole = [
        "is empty",
        "has no Label",
        "cannot tell the period",
        "datapoints are",
        "the period must be",
    ];
    prop_assert!(
        e.line.is_some() || !e.place.is_empty() || whole.iter().any(|w| e.message.contains(w)),
        "neither a line nor an entry: {}",
        shown
    );
    prop_assert!(shown.len() < 6000, "{} bytes of message", shown.len());
    Ok(())
}

/// Parses `result` (and `queries`) with every reader: each gives series or a located error.
fn every_reader(queries: &str, result: &str) -> Result<(), TestCaseError> {
    let q = FileText {
        path: Path::new("q.json"),
        text: queries,
    };
    let r = FileText {
        path: Path::new("r.json"),
        text: result,
    };
    if let Err(e) = parse_metric_data(q, &[r]) {
        located(&e, &["q.json", "r.json"])?;
    }
    for period in [None, Some(60)] {
        if let Err(e) = parse_metric_statistics(r, period) {
            located(&e, &["r.json"])?;
        }
    }
    Ok(())
}

proptest! {
    // A few hundred cases of at most ~50 KB each: a second or two in a debug build.
    #![proptest_config(ProptestConfig { cases: 160, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_exports_give_series_or_a_located_error(
        edits in proptest::collection::vec(mutation(), 1..6),
        which in 0usize..4,
    ) {
        let queries = std::fs::read_to_string(fixture("queries.json")).unwrap();
        let files = ["result.json", "statistics-duration.json", "statistics-incoming-records.json", "queries.json"];
        let good = std::fs::read_to_string(fixture(files[which])).unwrap();
        let bad = mutate(&good, &edits);
        if which == 3 {
            every_reader(&bad, &std::fs::read_to_string(fixture("result.json")).unwrap())?;
        } else {
            every_reader(&queries, &bad)?;
        }
    }

    #[test]
    fn written_exports_with_hostile_metadata_give_series_or_a_located_error(
        series in (1usize..4).prop_flat_map(|n| (0..n).map(series_strategy).collect::<Vec<_>>()),
        status in select(vec!["Complete", "PartialData", "InternalError", "Forbidden", ""]),
        big in select(vec!["1e308", "-5", "1e400", "123456789012345678901234567890", "0"]),
        edits in proptest::collection::vec(mutation(), 0..3),
    ) {
        let export = write_metric_data(&series, Some(7)).unwrap();
        let result = export
            .result
            .replace("\"Complete\"", &format!("\"{status}\""))
            .replacen("\"Values\": [\n", &format!("\"Values\": [\n{big},\n"), 1);
        let result = mutate(&result, &edits);
        every_reader(&export.queries, &result)?;
    }
}

#[test]
fn deeply_nested_json_is_a_located_error_not_a_stack_overflow() {
    let queries = std::fs::read_to_string(fixture("queries.json")).unwrap();
    for depth in [200, 100_000] {
        for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
            let deep = format!("{}1{}", open.repeat(depth), close.repeat(depth));
            let wrapped =
                format!("{{\"MetricDataResults\": [{{\"Id\": \"rec\", \"Values\": {deep}}}]}}");
            for text in [&deep, &wrapped] {
                every_reader(&queries, text).unwrap();
                every_reader(text, &deep).unwrap();
            }
        }
    }
}

#[test]
fn a_megabyte_id_is_named_in_a_short_error() {
    let queries = std::fs::read_to_string(fixture("queries.json")).unwrap();
    let id = "x".repeat(1 << 20);
    let result = format!(
        "{{\"MetricDataResults\": [{{\"Id\": \"{id}\", \"Timestamps\": [], \"Values\": []}}]}}"
    );
    let q = FileText {
        path: Path::new("q.json"),
        text: &queries,
    };
    let r = FileText {
        path: Path::new("r.json"),
        text: &result,
    };
    let err = parse_metric_data(q, &[r]).unwrap_err().to_string();
    assert!(err.len() < 2000, "{} bytes", err.len());
    assert!(err.contains("has no query in q.json"), "{err}");
}
