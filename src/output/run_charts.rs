//! What one run's report.html shows besides its tables: the per-minute charts (IteratorAge
//! Average and Maximum, throttled reads per stream), inline as SVG, and the bill.

use super::html;
use super::Result;
use crate::model::RunReport;
use crate::plot::{self, LineChart, Point, Series};
use std::collections::BTreeMap;

/// The run's per-minute charts as (caption, SVG text): IteratorAge as the sweep report draws it
/// for its chosen points, then the throttled reads of each stream.
pub(crate) fn svgs(r: &RunReport) -> Result<Vec<(String, String)>> {
    let age = super::sweep_plots::iterator_age_per_minute(
        format!("{}: IteratorAge per minute", r.model),
        r,
    );
    Ok(vec![
        ("IteratorAge per minute".into(), plot::timeseries_svg(&age)?),
        (
            "throttled reads per minute".into(),
            plot::timeseries_svg(&throttled_per_minute(r))?,
        ),
    ])
}

/// Throttled read calls of each stream, per minute after warm-up (all its consumers).
pub(crate) fn throttled_per_minute(r: &RunReport) -> LineChart {
    let mut by_stream: BTreeMap<String, BTreeMap<u64, u64>> = BTreeMap::new();
    for m in r.minutes.rows() {
        by_stream
            .entry(m.stream.clone())
            .or_default()
            .insert(m.minute, m.stream_throttled_reads);
    }
    let series = (r.streams.iter())
        .map(|s| Series {
            name: format!("stream {}", s.name),
            points: (by_stream.remove(&s.name).unwrap_or_default().into_iter())
                .map(|(minute, n)| Point::new(minute as f64, n as f64))
                .collect(),
        })
        .collect();
    LineChart {
        title: format!("{}: throttled reads per minute", r.model),
        subtitle: Some(
            "ReadProvisionedThroughputExceeded per minute, all consumers of each stream".into(),
        ),
        x_label: "time (min)".into(),
        y_label: "throttled read calls per minute".into(),
        series,
        log_y: false,
        hline: None,
        spread_label: None,
    }
}

/// The bill of the run, line by line, as the terminal's cost line totals it; a sentence when the
/// run was not costed.
pub(crate) fn cost(r: &RunReport) -> String {
    let Some(cost) = &r.cost else {
        return html::para("This run was not costed.");
    };
    let mut rows: Vec<Vec<String>> = (cost.items.iter())
        .map(|i| vec![i.item.clone(), format!("{:.2}", i.usd_per_month)])
        .collect();
    rows.push(vec!["total".into(), format!("{:.2}", cost.usd_per_month)]);
    html::para(&format!(
        "About ${:.2} per month at the given unit prices, scaled from the simulated window.",
        cost.usd_per_month
    )) + &html::table(&["item".into(), "USD per month".into()], &rows, 1)
}
