//! The explorer of `report.html`: a control per axis that picks one point of the sweep and shows
//! its per-minute IteratorAge (Average and Maximum) and throttled reads as CloudWatch would chart
//! them, its headline numbers, and their band where assumption sets ran. The page's script draws
//! it from data inline in the page (`explore.js`); nothing is loaded.

use super::html::escape;
use super::markdown::{headline, mean_pm};
use super::table::cell;
use crate::experiment::Experiment;
use crate::sweep::bands::{spread, Bands};
use crate::sweep::stats::PointSummaries;
use crate::sweep::SweepResult;
use serde_json::{json, Value};

const SCRIPT: &str = include_str!("explore.js");
const STYLE: &str =
    ".explore-controls { display: flex; flex-wrap: wrap; gap: 1.2em; margin: 0.5em 0; } \
.axis-control input, .axis-control select { vertical-align: middle; } \
.axis-control output { font-weight: 600; } \
:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; } \
.explore-chart { width: 100%; height: auto; border: 1px solid #eaeef2; } \
.explore-chart text { font-size: 12px; fill: #1b1f24; } \
.explore-chart .ax { stroke: #8c959f; } .explore-chart .gr { stroke: #eaeef2; } \
.explore-chart path { fill: none; stroke-width: 2; } \
.l-avg { stroke: #0969da; } .l-max { stroke: #1b1f24; } .l-thr { stroke: #cf222e; } \
.m-avg { fill: #0969da; } .m-max { fill: #1b1f24; } .m-thr { fill: #cf222e; }";

/// One minute-by-minute series: the consumer with the highest IteratorAge Maximum in the first
/// replicate of point `p`, and the throttled reads of its stream.
fn series(res: &SweepResult, p: usize) -> Value {
    let Some(run) = res.point_runs(p).first() else {
        return Value::Null;
    };
    let rows: Vec<_> = run.report.minutes.rows().collect();
    let worst = rows
        .iter()
        .filter(|r| r.samples > 0)
        .max_by(|a, b| a.iterator_age_max_ms.total_cmp(&b.iterator_age_max_ms))
        .or(rows.first())
        .map(|r| r.consumer.clone());
    let Some(worst) = worst else {
        return Value::Null;
    };
    let mine: Vec<_> = rows.iter().filter(|r| r.consumer == worst).collect();
    let age = |f: fn(&crate::model::report::MinuteRow) -> f64| -> Vec<Value> {
        mine.iter()
            .map(|r| {
                if r.samples > 0 {
                    json!((f(r) * 10.0).round() / 10.0)
                } else {
                    Value::Null
                }
            })
            .collect()
    };
    let consumers = rows
        .iter()
        .map(|r| r.consumer.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    json!({
        "consumer": worst,
        "consumers": consumers,
        "stream": mine.first().map(|r| r.stream.clone()),
        "seed": run.seed,
        "minute": mine.iter().map(|r| r.minute).collect::<Vec<_>>(),
        "avg": age(|r| r.iterator_age_avg_ms),
        "max": age(|r| r.iterator_age_max_ms),
        "throttled": mine.iter().map(|r| r.stream_throttled_reads).collect::<Vec<_>>(),
    })
}

/// The explorer's data: every axis with its values, and every point's numbers and series
/// (`res`: None when the runs' minutes are not at hand, as in `sim plan` over a saved sweep).
pub(crate) fn data(
    exp: &Experiment,
    sums: &[PointSummaries],
    res: Option<&SweepResult>,
    bands: Option<&Bands>,
) -> Value {
    let axes: Vec<Value> = exp
        .axes
        .iter()
        .map(|a| {
            json!({
                "label": a.label,
                "path": a.path,
                "values": a.values.iter().map(|v| v.display()).collect::<Vec<_>>(),
                "numeric": a.values.iter().all(|v| v.as_f64().is_some()),
            })
        })
        .collect();
    let cols = headline();
    let points: Vec<Value> = exp
        .points
        .iter()
        .zip(sums)
        .map(|(pt, s)| {
            let at: Vec<usize> = exp
                .axes
                .iter()
                .zip(&pt.values)
                .map(|(a, (_, v))| a.values.iter().position(|x| x == v).unwrap_or(0))
                .collect();
            let numbers: Vec<(String, String)> = cols
                .iter()
                .map(|&(m, c)| (c.header.to_string(), mean_pm(s[m], c)))
                .collect();
            let band: Option<Vec<(String, String)>> = bands.map(|b| {
                cols.iter()
                    .map(|&(m, c)| {
                        let sp = spread(&b.sets, pt.index, m);
                        let text =
                            format!("{} to {}", cell(sp.min, c.format), cell(sp.max, c.format));
                        (c.header.to_string(), text)
                    })
                    .collect()
            });
            // The column says ± only where the point's numbers carry one.
            let header = match cols.iter().any(|&(m, _)| s[m].shows_interval()) {
                true => "mean ± 95% half-width",
                false => "mean (too few replicates for an interval)",
            };
            json!({
                "name": exp.point_name(pt.index),
                "at": at,
                "header": header,
                "numbers": numbers,
                "band": band,
                "series": res.map_or(Value::Null, |r| series(r, pt.index)),
            })
        })
        .collect();
    json!({
        "axes": axes,
        "points": points,
        "sets": bands.map_or(0, |b| b.sets.len()),
        "replicates": exp.replicates,
    })
}

/// The explorer's section body: the controls, the chart, the numbers, the data and the script.
pub(crate) fn section(data: &Value) -> String {
    let mut controls = String::new();
    for (i, a) in data["axes"].as_array().into_iter().flatten().enumerate() {
        let label = escape(a["label"].as_str().unwrap_or_default());
        let values = a["values"].as_array().map_or(0, |v| v.len());
        if a["numeric"].as_bool() == Some(true) {
            controls += &format!(
                "<label class=\"axis-control\">{label} <input type=\"range\" id=\"explore-axis-{i}\" \
                 data-axis=\"{i}\" min=\"0\" max=\"{}\" step=\"1\" value=\"0\"> \
                 <output id=\"explore-axis-{i}-out\" for=\"explore-axis-{i}\"></output></label>\n",
                values.saturating_sub(1)
            );
        } else {
            let options: String = a["values"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(k, v)| {
                    format!(
                        "<option value=\"{k}\">{}</option>",
                        escape(v.as_str().unwrap_or_default())
                    )
                })
                .collect();
            controls += &format!(
                "<label class=\"axis-control\">{label} <select id=\"explore-axis-{i}\" \
                 data-axis=\"{i}\">{options}</select></label>\n"
            );
        }
    }
    if controls.is_empty() {
        controls = "<p>This experiment has no axes: its one point is shown.</p>\n".into();
    }
    format!(
        "<style>{STYLE}</style>\n<p>Pick a point with the controls (keyboard: Tab to a control, arrow keys to move). The \
         chart shows its first replicate minute by minute as CloudWatch would: IteratorAge Average \
         (circles, solid) and Maximum (triangles, dashed) of the consumer with the highest Maximum, \
         and the throttled reads of its stream (squares).</p>\n\
         <form class=\"explore-controls\" onsubmit=\"return false\">\n{controls}</form>\n\
         <p id=\"explore-point\" class=\"explore-point\" aria-live=\"polite\"></p>\n\
         <svg id=\"explore-chart\" class=\"explore-chart\" role=\"img\" aria-labelledby=\"explore-point\"></svg>\n\
         <div id=\"explore-numbers\" aria-live=\"polite\"></div>\n\
         <details><summary>The chart's numbers, minute by minute</summary><div id=\"explore-table\"></div></details>\n\
         <script type=\"application/json\" id=\"explore-data\">{}</script>\n<script>{SCRIPT}</script>\n",
        super::teach_page::script_json(data)
    )
}
