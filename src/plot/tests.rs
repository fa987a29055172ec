//! Renders every chart kind into a temporary folder and checks the files: both exist, the PNG
//! decodes to the promised size and is not blank, the SVG names the title and every series.
//!
//! `SIM_PLOT_SAMPLES=/some/dir cargo test plot::tests::samples -- --ignored` writes the sample
//! charts there, for looking at them.

use super::*;
use std::path::PathBuf;

fn sweep(name: &str, scale: f64, n: usize, band: bool) -> Series {
    let points = (1..=n)
        .map(|i| {
            let x = i as f64;
            let y = scale * (1.0 + 0.15 * x * x);
            if band {
                Point::with_band(x, y, y * 0.85, y * 1.2)
            } else {
                Point::new(x, y)
            }
        })
        .collect();
    Series {
        name: name.to_string(),
        points,
    }
}

fn line_sample() -> LineChart {
    LineChart {
        title: "p99 read latency vs consumers per shard".into(),
        subtitle: Some("Kinesis, 1 shard, 1 000 records/s, 30 min, 20 runs, 95 % band".into()),
        x_label: "consumers per shard".into(),
        y_label: "p99 read latency (ms)".into(),
        series: vec![
            sweep("polling every 1 s", 200.0, 8, true),
            sweep("polling every 200 ms", 120.0, 8, true),
            sweep("enhanced fan-out", 70.0, 8, false),
        ],
        log_y: false,
        hline: Some((10_000.0, "Lambda timeout 10 s".into())),
        spread_label: None,
    }
}

fn timeseries_sample() -> LineChart {
    let minute = |name: &str, f: &dyn Fn(f64) -> f64| Series {
        name: name.into(),
        points: (0..=60)
            .map(|m| Point::new(m as f64, f(m as f64)))
            .collect(),
    };
    LineChart {
        title: "ReadProvisionedThroughputExceeded per minute".into(),
        subtitle: Some("shard-0001, 3 consumers".into()),
        x_label: String::new(),
        y_label: "throttled calls (count/min)".into(),
        series: vec![
            minute("consumer A", &|m| 20.0 + 15.0 * (m / 5.0).sin().abs()),
            minute("consumer B", &|m| 12.0 + 10.0 * (m / 7.0).cos().abs()),
            minute("consumer C", &|m| if m < 30.0 { 0.0 } else { 35.0 }),
        ],
        log_y: false,
        hline: None,
        spread_label: None,
    }
}

fn scatter_sample() -> Vec<ScatterPoint> {
    let mut pts = vec![];
    for (g, group) in ["provisioned", "on-demand", "enhanced fan-out"]
        .iter()
        .enumerate()
    {
        for k in 1..=5 {
            let x = 30.0 * k as f64 + 55.0 * g as f64;
            let y = 2400.0 / (k as f64 + g as f64 * 0.8) + 40.0 * g as f64;
            pts.push(ScatterPoint {
                label: format!("{k} shard{}", if k > 1 { "s" } else { "" }),
                group: group.to_string(),
                x,
                y,
            });
        }
    }
    pts
}

fn timeline_sample() -> Timeline {
    let row = |reader: &str, start: f64, period: f64| {
        let calls = (0..)
            .map(|i| start + i as f64 * period)
            .take_while(|t| *t < 10.0)
            .map(|t| {
                let mark = match ((t * 10.0) as u64) % 7 {
                    0 | 3 => CallMark::Throttled,
                    1 => CallMark::Empty,
                    _ => CallMark::Ok { records: 100 },
                };
                (t, mark)
            })
            .collect();
        TimelineRow {
            reader: reader.into(),
            calls,
        }
    };
    Timeline {
        title: "GetRecords on shard-0001: 3 readers share 5 calls/s".into(),
        window_s: (0.0, 10.0),
        rows: vec![
            row("consumer A", 0.05, 0.5),
            row("consumer B", 0.2, 0.45),
            row("Lambda poller", 0.35, 1.0),
        ],
        limit_label: "5 calls/s".into(),
        in_flight: (0..40)
            .map(|i| (i as f64 * 0.25, ((i * 37) % 11) as f64 * 90.0))
            .collect(),
    }
}

/// Reads `<stem>.png` and checks it decodes to `size` and is not a single colour.
fn check_png(stem: &Path, size: (u32, u32)) {
    let file = std::fs::File::open(frame::with_suffix(stem, "png")).expect("PNG written");
    let mut reader = png::Decoder::new(file).read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    assert_eq!((info.width, info.height), size);
    let px = &buf[..info.buffer_size()];
    let first = &px[..3];
    assert!(px.chunks(3).any(|p| p != first), "PNG is a single colour");
}

/// Reads `<stem>.svg` and checks it contains every one of `texts`.
fn check_svg(stem: &Path, texts: &[&str]) {
    let svg = std::fs::read_to_string(frame::with_suffix(stem, "svg")).expect("SVG written");
    assert!(svg.starts_with("<svg"), "not an SVG");
    for t in texts {
        assert!(svg.contains(t), "SVG lacks {t:?}");
    }
}

fn names(chart: &LineChart) -> Vec<&str> {
    let mut v = vec![chart.title.as_str()];
    v.extend(chart.series.iter().map(|s| s.name.as_str()));
    v
}

#[test]
fn line_chart_writes_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let stem = dir.path().join("nested/p99");
    let chart = line_sample();
    line_chart(&stem, &chart).unwrap();
    check_png(&stem, CHART_SIZE);
    check_svg(&stem, &names(&chart));
}

#[test]
fn log_line_chart_clamps_zeros() {
    let dir = tempfile::tempdir().unwrap();
    let stem = dir.path().join("log");
    let mut chart = line_sample();
    chart.log_y = true;
    chart.series[0].points[0].y = 0.0;
    chart.series[1].points[2].lo = Some(-5.0);
    line_chart(&stem, &chart).unwrap();
    check_png(&stem, CHART_SIZE);
    check_svg(&stem, &names(&chart));
}

#[test]
fn timeseries_chart_writes_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let stem = dir.path().join("per-minute");
    let chart = timeseries_sample();
    timeseries_chart(&stem, &chart).unwrap();
    check_png(&stem, CHART_SIZE);
    check_svg(&stem, &names(&chart));
    check_svg(&stem, &["time (min)"]);
}

#[test]
fn scatter_writes_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let stem = dir.path().join("cost");
    let pts = scatter_sample();
    scatter_frontier(
        &stem,
        "Cost vs latency",
        "cost (USD/month)",
        "p99 (ms)",
        &pts,
    )
    .unwrap();
    check_png(&stem, CHART_SIZE);
    check_svg(
        &stem,
        &["Cost vs latency", "provisioned", "on-demand", "Pareto"],
    );
}

#[test]
fn timeline_writes_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let stem = dir.path().join("timeline");
    let t = timeline_sample();
    timeline(&stem, &t).unwrap();
    check_png(&stem, timeline::size(&t));
    check_svg(
        &stem,
        &[&t.title, "consumer A", "Lambda poller", "5 calls/s"],
    );
}

/// Degenerate inputs render without panicking and still give valid files.
#[test]
fn edge_cases_do_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    let nan = f64::NAN;
    let one = |name: &str, pts: Vec<Point>| Series {
        name: name.into(),
        points: pts,
    };
    let cases: Vec<(&str, Vec<Series>, bool)> = vec![
        ("none", vec![], false),
        ("empty", vec![one("empty", vec![])], false),
        (
            "single",
            vec![one("single", vec![Point::with_band(3.0, 2.0, 1.0, 4.0)])],
            false,
        ),
        (
            "zeros",
            vec![one(
                "zeros",
                vec![Point::new(0.0, 0.0), Point::new(1.0, 0.0)],
            )],
            false,
        ),
        (
            "zeros-log",
            vec![one(
                "zeros",
                vec![Point::new(0.0, 0.0), Point::new(1.0, 0.0)],
            )],
            true,
        ),
        (
            "nan",
            vec![one("nan", vec![Point::new(nan, 1.0), Point::new(1.0, nan)])],
            true,
        ),
        (
            "inf",
            vec![one(
                "inf",
                vec![Point::new(1.0, f64::INFINITY), Point::new(2.0, 1.0)],
            )],
            false,
        ),
        (
            "negative-log",
            vec![one(
                "neg",
                vec![Point::new(1.0, -3.0), Point::new(2.0, 5.0)],
            )],
            true,
        ),
    ];
    for (stem, series, log_y) in cases {
        let chart = LineChart {
            title: format!("edge case {stem}"),
            series,
            log_y,
            hline: Some((nan, "ignored".into())),
            spread_label: None,
            ..LineChart::default()
        };
        let stem = dir.path().join(stem);
        line_chart(&stem, &chart).unwrap();
        timeseries_chart(&stem, &chart).unwrap();
        check_png(&stem, CHART_SIZE);
        check_svg(&stem, &[&chart.title]);
    }
    let odd = [ScatterPoint {
        label: "nan".into(),
        group: "g".into(),
        x: nan,
        y: 1.0,
    }];
    scatter_frontier(&dir.path().join("s0"), "empty scatter", "x", "y", &[]).unwrap();
    scatter_frontier(&dir.path().join("s1"), "nan scatter", "x", "y", &odd).unwrap();
    let t = Timeline {
        title: "empty timeline".into(),
        window_s: (5.0, 5.0),
        ..Timeline::default()
    };
    timeline(&dir.path().join("t0"), &t).unwrap();
    check_png(&dir.path().join("t0"), timeline::size(&t));
}

#[test]
fn many_series_reuse_colours_with_other_markers() {
    let dir = tempfile::tempdir().unwrap();
    let series = (0..30).map(|i| sweep(&format!("series {i}"), 1.0 + i as f64, 5, false));
    let chart = LineChart {
        title: "thirty series".into(),
        series: series.collect(),
        ..LineChart::default()
    };
    let stem = dir.path().join("many");
    line_chart(&stem, &chart).unwrap();
    check_png(&stem, CHART_SIZE);
    check_svg(&stem, &["series 0", "series 12", "more"]);
}

/// Writes every sample into `$SIM_PLOT_SAMPLES` for a visual check.
#[test]
#[ignore]
fn samples() {
    let dir = PathBuf::from(std::env::var("SIM_PLOT_SAMPLES").unwrap_or("plot-samples".into()));
    line_chart(&dir.join("line"), &line_sample()).unwrap();
    let mut log = line_sample();
    log.log_y = true;
    log.title = "p99 read latency vs consumers per shard (log scale)".into();
    line_chart(&dir.join("line-log"), &log).unwrap();
    timeseries_chart(&dir.join("timeseries"), &timeseries_sample()).unwrap();
    let pts = scatter_sample();
    scatter_frontier(
        &dir.join("scatter"),
        "Monthly cost vs p99 read latency",
        "cost (USD/month)",
        "p99 read latency (ms)",
        &pts,
    )
    .unwrap();
    timeline(&dir.join("timeline"), &timeline_sample()).unwrap();
    let series = (0..16).map(|i| sweep(&format!("series number {i}"), 1.0 + i as f64, 6, false));
    let many = LineChart {
        title: "Sixteen series".into(),
        x_label: "x (units)".into(),
        y_label: "y (units)".into(),
        series: series.collect(),
        ..LineChart::default()
    };
    line_chart(&dir.join("many"), &many).unwrap();
    let single = LineChart {
        title: "Single point, all zero".into(),
        x_label: "x".into(),
        y_label: "y".into(),
        series: vec![Series {
            name: "zero".into(),
            points: vec![Point::new(2.0, 0.0)],
        }],
        ..LineChart::default()
    };
    line_chart(&dir.join("single"), &single).unwrap();
    stress_samples(&dir);
}

/// Harder layouts: long texts, negative values, many readers, a long window, crowded points.
fn stress_samples(dir: &Path) {
    let long = LineChart {
        title: "A very long title that keeps going to check that it is shortened rather than clipped at the edge of the canvas".into(),
        subtitle: Some("negative and positive values, long legend names".into()),
        x_label: "offered load (records/s)".into(),
        y_label: "change in iterator age (ms)".into(),
        series: vec![
            Series {
                name: "a consumer with a rather long descriptive name that will not fit".into(),
                points: (0..20).map(|i| Point::new(i as f64 * 500.0, (i as f64 - 8.0) * 1.5)).collect(),
            },
            sweep("short", -0.2, 20, true),
        ],
        log_y: false,
        hline: Some((0.0, "no change".into())),
        spread_label: None,
    };
    line_chart(&dir.join("stress-long"), &long).unwrap();
    let mut t = timeline_sample();
    t.window_s = (0.0, 90.0);
    t.rows = (0..12)
        .map(|r| TimelineRow {
            reader: format!("reader {r}"),
            calls: (0..90)
                .map(|i| {
                    let mark = match (i + r) % 5 {
                        0 => CallMark::Throttled,
                        1 => CallMark::Empty,
                        _ => CallMark::Ok { records: 10 },
                    };
                    (i as f64 + r as f64 * 0.07, mark)
                })
                .collect(),
        })
        .collect();
    timeline(&dir.join("stress-timeline"), &t).unwrap();
    let crowd: Vec<ScatterPoint> = (0..40)
        .map(|i| ScatterPoint {
            label: format!("config {i}"),
            group: format!("group {}", i % 4),
            x: 10.0 + (i * 7 % 13) as f64,
            y: 100.0 + (i * 11 % 17) as f64 * 3.0,
        })
        .collect();
    let empty = LineChart {
        title: "No usable data".into(),
        log_y: true,
        series: vec![Series {
            name: "all NaN".into(),
            points: vec![Point::new(f64::NAN, 1.0)],
        }],
        ..LineChart::default()
    };
    line_chart(&dir.join("stress-empty"), &empty).unwrap();
    let nothing = Timeline {
        title: "Empty timeline".into(),
        limit_label: "5 calls/s".into(),
        ..Timeline::default()
    };
    timeline(&dir.join("stress-empty-timeline"), &nothing).unwrap();
    scatter_frontier(
        &dir.join("stress-scatter"),
        "Crowded scatter",
        "cost (USD/month)",
        "p50 (ms)",
        &crowd,
    )
    .unwrap();
}
