//! Reading CloudWatch exports as the AWS CLI saves them, fitting from them, and writing simulated
//! series back in the same format.
//!
//! Fixtures under `tests/fixtures/cloudwatch/`: a 4-shard Kinesis stream read by two Lambda
//! functions, exported with `get-metric-data` in two pages, newest first, with a gap, an unknown
//! metric and a metric math expression; two `get-metric-statistics` outputs (CLI version 2 with
//! percentiles, CLI version 1 with `Z` times); and under `bad/` one file per kind of mistake.

use proptest::prelude::*;
use proptest::sample::select;
use sim::cloudwatch::{
    fit, parse_metric_data, parse_metric_statistics, read_metric_data, read_metric_statistics,
    select as pick, time, write_metric_data, Dimension, FileText, Known, Order, Report, Series,
    Stat,
};
use std::path::{Path, PathBuf};

const DIR: &str = "tests/fixtures/cloudwatch";

fn fixture(name: &str) -> PathBuf {
    Path::new(DIR).join(name)
}

fn good_export() -> (Vec<Series>, Report) {
    read_metric_data(&fixture("queries.json"), &[&fixture("result.json")]).expect("good export")
}

fn ids(series: &[Series]) -> Vec<&str> {
    series.iter().map(|s| s.id.as_str()).collect()
}

fn at(hh_mm: &str) -> i64 {
    time::parse(&format!("2024-05-01T{hh_mm}:00Z")).unwrap()
}

#[test]
fn a_kinesis_and_lambda_export_gives_one_series_per_known_query_in_query_order() {
    let (series, _) = good_export();
    assert_eq!(
        ids(&series),
        [
            "rec", "bytes", "s0", "s1", "s2", "s3", "rthr", "gage", "iage", "d50", "d99", "davg",
            "err", "thr", "conc", "aage", "aavg", "a99"
        ]
    );
    let d99 = &series[10];
    assert_eq!(
        (d99.metric, d99.stat),
        (Known::LambdaDuration, Stat::Percentile(99.0))
    );
    assert_eq!(d99.dimension("FunctionName"), Some("orders-consumer"));
    assert_eq!(series[4].dimension("ShardId"), Some("shardId-000000000002"));
    for s in &series {
        assert_eq!(s.period_s, 60);
        assert!(
            s.points.windows(2).all(|w| w[0].0 < w[1].0),
            "{} ascending",
            s.id
        );
        let expected = if s.id == "aage" { 8 } else { 10 };
        assert_eq!(s.points.len(), expected, "{}", s.id);
        assert_eq!(s.points[0].0, at("10:00"));
        assert_eq!(s.points.last().unwrap().0, at("10:09"));
    }
    assert_eq!(series[0].points[0], (at("10:00"), 6021.0));
}

#[test]
fn the_report_names_what_was_skipped_and_where_data_is_missing() {
    let (_, report) = good_export();
    let skipped: Vec<(&str, &str, usize)> = report
        .skipped
        .iter()
        .map(|s| (s.id.as_str(), s.what.as_str(), s.points))
        .collect();
    assert_eq!(
        skipped,
        [
            ("lat", "AWS/Kinesis PutRecords.Latency", 10),
            ("rps", "expression \"rec/PERIOD(rec)\"", 10)
        ]
    );
    let aage = report.series.iter().find(|n| n.id == "aage").unwrap();
    assert_eq!((aage.gaps, aage.missing_periods), (1, 2));
    assert_eq!(aage.first_gap, Some((at("10:03"), at("10:06"))));
    for notes in &report.series {
        assert_eq!(notes.order, Order::Descending, "the CLI's default order");
        assert_eq!(notes.statuses, ["PartialData", "Complete"], "{}", notes.id);
        assert_eq!(notes.duplicates, 0);
    }
    assert_eq!(
        report.warnings(),
        [
            "aage: 2 missing 60 s periods in 1 gaps, the first between 2024-05-01T10:03:00+00:00 and 2024-05-01T10:06:00+00:00",
            "lat: AWS/Kinesis PutRecords.Latency: not a metric sim understands (10 points ignored)",
            "rps: expression \"rec/PERIOD(rec)\": metric math is not read; query the metrics it uses instead (10 points ignored)",
        ]
    );
}

#[test]
fn the_four_shards_add_up_to_the_stream() {
    let (series, _) = good_export();
    let shards: Vec<&[(i64, f64)]> = ["s0", "s1", "s2", "s3"]
        .iter()
        .map(|id| {
            series
                .iter()
                .find(|s| s.id == *id)
                .unwrap()
                .points
                .as_slice()
        })
        .collect();
    assert_eq!(fit::sum_by_time(&shards), series[0].points);
}

#[test]
fn the_export_fits_a_rate_a_record_size_and_durations() {
    let (series, _) = good_export();
    let one = |id: &str| {
        series
            .iter()
            .find(|s| s.id == id)
            .unwrap()
            .points
            .as_slice()
    };
    let rate = fit::rate(one("rec"), 60).unwrap();
    assert_eq!(rate.points.len(), 10);
    assert!(
        (95.0..105.0).contains(&rate.mean_per_s),
        "{}",
        rate.sentence
    );
    let size = fit::record_size(one("bytes"), one("rec")).unwrap();
    assert!(
        (1000.0..1050.0).contains(&size.mean_bytes),
        "{}",
        size.sentence
    );
    assert_eq!(size.periods, 10);
    let orders =
        fit::duration(Some(one("d50")), Some(one("d99")), Some(one("davg")), "ms").unwrap();
    assert!((38.0..46.0).contains(&orders.median), "{}", orders.sentence);
    assert!(orders.sentence.contains("p50 and p99"));
    let audit = fit::duration(None, Some(one("a99")), Some(one("aavg")), "ms").unwrap();
    assert!((8.0..12.0).contains(&audit.mean()), "{}", audit.sentence);
    assert!(audit.sentence.contains("Average and p99"));
    let stream_sums = pick(&series, Known::KinesisIncomingRecords, Stat::Sum);
    assert_eq!(stream_sums.len(), 5, "the stream and its four shards");
}

/// `result.json` split at its page boundary.
fn pages() -> (String, String) {
    let text = std::fs::read_to_string(fixture("result.json")).unwrap();
    let cut = text.find("}\n{").unwrap() + 2;
    (text[..cut].to_string(), text[cut..].to_string())
}

fn parse_pages(results: &[(&str, &str)]) -> Result<(Vec<Series>, Report), sim::cloudwatch::Error> {
    let queries = std::fs::read_to_string(fixture("queries.json")).unwrap();
    let files: Vec<FileText> = results
        .iter()
        .map(|(name, text)| FileText {
            path: Path::new(name),
            text,
        })
        .collect();
    let q = FileText {
        path: Path::new("queries.json"),
        text: &queries,
    };
    parse_metric_data(q, &files)
}

#[test]
fn pages_read_the_same_in_one_file_in_two_files_or_in_a_json_array() {
    let (whole, _) = good_export();
    let (first, second) = pages();
    let (split, _) = parse_pages(&[("p1.json", &first), ("p2.json", &second)]).unwrap();
    assert_eq!(split, whole);
    let array = format!("[{first},{second}]");
    let (arrayed, _) = parse_pages(&[("all.json", &array)]).unwrap();
    assert_eq!(arrayed, whole);
    // The CLI's own pagination merges pages into one MetricDataResults list.
    let merged = format!(
        "{{\"MetricDataResults\": [{}, {}]}}",
        results_of(&first),
        results_of(&second)
    );
    let (merged, _) = parse_pages(&[("merged.json", &merged)]).unwrap();
    assert_eq!(merged, whole);
}

/// The inside of a page's MetricDataResults list.
fn results_of(page: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(page).unwrap();
    let list = serde_json::to_string(&v["MetricDataResults"]).unwrap();
    list[1..list.len() - 1].to_string()
}

#[test]
fn an_export_cut_after_its_first_page_says_so() {
    let (first, _) = pages();
    let (series, report) = parse_pages(&[("p1.json", &first)]).unwrap();
    assert!(series.iter().all(|s| s.points.len() <= 5));
    let warnings = report.warnings();
    assert!(warnings
        .iter()
        .any(|w| w.starts_with("rec: the last page is PartialData")));
    assert!(
        warnings.iter().any(|w| w.contains("NextToken")),
        "{warnings:?}"
    );
}

#[test]
fn overlapping_pages_keep_one_point_per_period_and_count_the_duplicates() {
    let (first, second) = pages();
    let (once, _) = parse_pages(&[("p1.json", &first), ("p2.json", &second)]).unwrap();
    let (twice, report) = parse_pages(&[
        ("p1.json", &first),
        ("p2.json", &second),
        ("again.json", &second),
    ])
    .unwrap();
    assert_eq!(twice, once);
    let rec = &report.series[0];
    assert_eq!(
        (rec.duplicates, rec.conflicting, rec.order),
        (5, 0, Order::Mixed)
    );
    assert!(report.warnings()[0].starts_with("rec: timestamps were out of order"));
}

#[test]
fn get_metric_statistics_percentiles_come_out_sorted_with_the_period_inferred() {
    let (series, report) =
        read_metric_statistics(&fixture("statistics-duration.json"), None).unwrap();
    assert_eq!(ids(&series), ["Duration p50", "Duration p99"]);
    let (export, _) = good_export();
    let same = |id: &str| &export.iter().find(|s| s.id == id).unwrap().points;
    assert_eq!(&series[0].points, same("d50"));
    assert_eq!(&series[1].points, same("d99"));
    assert!(series
        .iter()
        .all(|s| s.metric == Known::LambdaDuration && s.period_s == 60));
    assert_eq!(report.series[0].order, Order::Mixed);
    assert!(report.notes.contains(
        &"Duration: period taken as 60 s from the spacing of the datapoints".to_string()
    ));
}

#[test]
fn cli_version_1_statistics_with_z_times_read_too() {
    let path = fixture("statistics-incoming-records.json");
    let (series, report) = read_metric_statistics(&path, Some(60)).unwrap();
    assert_eq!(
        ids(&series),
        ["IncomingRecords SampleCount", "IncomingRecords Sum"]
    );
    assert_eq!(series[1].metric, Known::KinesisIncomingRecords);
    assert_eq!(series[1].points.len(), 9);
    assert_eq!(report.series[1].first_gap, Some((at("10:05"), at("10:07"))));
    assert!(report.notes.is_empty(), "the period was given");
}

/// Each bad file and the message it must give, with file, line and entry.
const BAD: &[(&str, &str)] = &[
    (
        "length-mismatch.json",
        "bad/length-mismatch.json:62: MetricDataResults[2] (Id \"d99\"): Timestamps has 10 entries but Values has 9",
    ),
    (
        "unknown-id.json",
        "bad/unknown-id.json:33: MetricDataResults[1] (Id \"m9\"): Id \"m9\" has no query in tests/fixtures/cloudwatch/queries.json",
    ),
    (
        "bad-timestamp.json",
        "bad/bad-timestamp.json:62: MetricDataResults[2] (Id \"d99\"): Timestamps[3] \"2024-05-01T25:06:00+00:00\": time 25:06:00 is out of range",
    ),
    (
        "wrong-type.json",
        "bad/wrong-type.json:48:27: invalid type: string \"6379546.0\", expected f64",
    ),
    ("malformed.json", "bad/malformed.json:32:9: expected `,` or `]`"),
];

#[test]
fn bad_result_files_give_located_errors() {
    for (name, expected) in BAD {
        let path = fixture("bad").join(name);
        let err = read_metric_data(&fixture("queries.json"), &[&path]).unwrap_err();
        assert_eq!(err.to_string(), format!("{DIR}/{expected}"), "{name}");
    }
}

#[test]
fn bad_queries_files_give_located_errors() {
    let result = fixture("result.json");
    let err = |name: &str| {
        read_metric_data(&fixture("bad").join(name), &[&result])
            .unwrap_err()
            .to_string()
    };
    let typo = err("queries-typo.json");
    assert!(
        typo.starts_with(&format!(
            "{DIR}/bad/queries-typo.json:4:20: unknown field `Metricstat`, expected one of `Id`, `MetricStat`"
        )),
        "{typo}"
    );
    assert_eq!(
        err("queries-duplicate-id.json"),
        format!("{DIR}/bad/queries-duplicate-id.json:39: [2] (Id \"rec\"): Id \"rec\" is used twice (first at line 3)")
    );
}

#[test]
fn a_bad_time_in_get_metric_statistics_names_the_datapoint_and_its_line() {
    let path = fixture("bad").join("statistics-bad-timestamp.json");
    let err = read_metric_statistics(&path, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{DIR}/bad/statistics-bad-timestamp.json:14: Datapoints[2]: Timestamp \"2024-04-31T10:02:00Z\": day 31 is out of range for 2024-04")
    );
}

#[test]
fn files_swapped_between_readers_say_what_they_look_like() {
    let stats = fixture("statistics-duration.json");
    let err = read_metric_data(&fixture("queries.json"), &[&stats]).unwrap_err();
    assert!(
        err.to_string()
            .contains("(this looks like get-metric-statistics output"),
        "{err}"
    );
    let err = read_metric_data(&fixture("result.json"), &[&fixture("result.json")]).unwrap_err();
    assert!(
        err.to_string()
            .contains("(this looks like get-metric-data output"),
        "{err}"
    );
    let err = read_metric_statistics(&fixture("result.json"), None).unwrap_err();
    assert!(
        err.to_string()
            .contains("(this looks like get-metric-data output"),
        "{err}"
    );
}

#[test]
fn exports_saved_with_a_utf8_byte_order_mark_read_as_without() {
    let dir = tempfile::tempdir().unwrap();
    let with_bom = |name: &str| {
        let text = std::fs::read_to_string(fixture(name)).unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, format!("\u{feff}{text}")).unwrap();
        path
    };
    let (queries, result) = (with_bom("queries.json"), with_bom("result.json"));
    let read = read_metric_data(&queries, &[&result]).expect("read despite the mark");
    assert_eq!(read.0, good_export().0);
    let stats = with_bom("statistics-duration.json");
    let (series, _) = read_metric_statistics(&stats, None).expect("read despite the mark");
    let (plain, _) = read_metric_statistics(&fixture("statistics-duration.json"), None).unwrap();
    assert_eq!(series, plain);
}

#[test]
fn missing_files_and_directories_are_named() {
    let err = read_metric_data(&fixture("nope.json"), &[]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("{DIR}/nope.json: cannot read")),
        "{err}"
    );
    let err = read_metric_statistics(Path::new(DIR), None).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{DIR}: is a directory, expected a JSON file")
    );
}

#[test]
fn a_written_export_reads_back_and_looks_like_the_clis() {
    let (series, _) = good_export();
    let export = write_metric_data(&series, Some(4)).unwrap();
    let (back, report) = parse_pages_with(&export.queries, &export.result);
    assert_eq!(back, series);
    assert_eq!(
        report.series[0].statuses,
        ["PartialData", "PartialData", "Complete"]
    );
    assert!(export
        .result
        .contains("\"Timestamps\": [\n                \"2024-05-01T10:09:00+00:00\""));
}

fn parse_pages_with(queries: &str, result: &str) -> (Vec<Series>, Report) {
    let q = FileText {
        path: Path::new("queries.json"),
        text: queries,
    };
    let r = FileText {
        path: Path::new("result.json"),
        text: result,
    };
    parse_metric_data(q, &[r]).expect("written exports read back")
}

/// A value CloudWatch-like in size, at 15 significant digits (what the writer keeps).
fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        (0u32..100_000).prop_map(f64::from),
        (-1e9f64..1e9).prop_map(|x| format!("{x:.14e}").parse().unwrap()),
        (1e-6f64..1.0).prop_map(|x| format!("{x:.14e}").parse().unwrap()),
    ]
}

fn series_strategy(i: usize) -> impl Strategy<Value = Series> {
    let metrics: Vec<Known> = Known::all().collect();
    let stats = vec![
        Stat::Sum,
        Stat::Average,
        Stat::Maximum,
        Stat::Minimum,
        Stat::SampleCount,
        Stat::Percentile(99.0),
        Stat::Percentile(99.9),
        Stat::Percentile(50.0),
    ];
    let dims = proptest::collection::vec(
        (
            select(vec!["StreamName", "ShardId", "FunctionName"]),
            "[a-z0-9-]{1,12}",
        ),
        0..3,
    );
    let points = proptest::collection::btree_map(0i64..500, value(), 0..40);
    (
        select(metrics),
        select(stats),
        select(vec![1u32, 60, 300]),
        dims,
        points,
    )
        .prop_map(move |(metric, stat, period_s, dims, points)| Series {
            id: format!("m{i}"),
            metric,
            stat,
            period_s,
            dimensions: dims.iter().map(|(n, v)| Dimension::new(n, v)).collect(),
            points: points
                .into_iter()
                .map(|(k, v)| (1_714_557_600 + k * i64::from(period_s), v))
                .collect(),
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn reading_what_was_written_gives_back_the_same_series(
        series in (1usize..5).prop_flat_map(|n| (0..n).map(series_strategy).collect::<Vec<_>>()),
        page in proptest::option::of(1usize..8),
    ) {
        let export = write_metric_data(&series, page).unwrap();
        let (back, report) = parse_pages_with(&export.queries, &export.result);
        prop_assert_eq!(&back, &series);
        prop_assert!(report.skipped.is_empty());
        prop_assert!(report.series.iter().all(|n| n.duplicates == 0 && n.order != Order::Mixed));
    }

    #[test]
    fn any_text_gives_series_or_an_error_never_a_panic(
        queries in prop_oneof![Just(std::fs::read_to_string(fixture("queries.json")).unwrap()), ".*"],
        result in ".*",
        cut in 0usize..20_000,
    ) {
        let good = std::fs::read_to_string(fixture("result.json")).unwrap();
        let mut mangled = good[..cut.min(good.len())].to_string();
        mangled.push_str(&result);
        let q = FileText { path: Path::new("q.json"), text: &queries };
        for text in [&result, &mangled] {
            let r = FileText { path: Path::new("r.json"), text };
            let _ = parse_metric_data(q, &[r]);
            let _ = parse_metric_statistics(r, None);
            let _ = parse_metric_statistics(r, Some(60));
        }
    }
}

// The fuzz tests of the readers: mutated, hostile and deeply nested exports.
#[path = "fuzz/cloudwatch.rs"]
mod fuzz;
