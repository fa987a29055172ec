//! The pictures of a sweep: IteratorAge (average and maximum) and throttled reads against the swept
//! axis, one line per value of the other axes with a 95% band, and CloudWatch-style per-minute
//! series of chosen points.

use super::sweep::point_file_stem;
use super::Result;
use crate::experiment::{Experiment, Point};
use crate::plot::{self, LineChart, Point as P, Series};
use crate::sweep::bands::{self, Bands};
use crate::sweep::metric::Metric;
use crate::sweep::stats::MIN_FOR_INTERVAL;
use crate::sweep::stats::{PointSummaries, PointSummary};
use crate::sweep::SweepResult;
use std::collections::BTreeMap;
use std::path::Path;

/// The legend name of a point's line: its values on every axis but x.
fn line_name(exp: &Experiment, p: &Point) -> String {
    let parts: Vec<String> = exp
        .axes
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != exp.x_axis)
        .map(|(_, a)| {
            let v = p.value(&a.path).map(|v| v.display()).unwrap_or_default();
            if a.path == "model" {
                v
            } else {
                format!("{}={v}", a.label)
            }
        })
        .collect();
    if parts.is_empty() {
        "all runs".into()
    } else {
        parts.join(", ")
    }
}

fn x_of(exp: &Experiment, p: &Point) -> f64 {
    exp.x_axis
        .and_then(|i| p.value(&exp.axes[i].path))
        .and_then(|v| v.as_f64())
        .unwrap_or(p.index as f64)
}

/// One series per line, points in x order; `scale` converts the metric's unit. Without a numeric
/// axis, every point is its own series (a labelled dot with its error bar).
fn series(
    exp: &Experiment,
    sums: &[PointSummaries],
    m: Metric,
    scale: f64,
    bands: Option<&Bands>,
) -> Vec<Series> {
    let mut out = plain_series(exp, sums, m, scale);
    let Some(b) = bands else { return out };
    // Points keep their line and x order, so the n-th point of a line is the n-th of its series.
    for (s, line) in out.iter_mut().zip(line_points(exp)) {
        for (pt, p) in s.points.iter_mut().zip(line) {
            let sp = bands::spread(&b.sets, p, m);
            *pt = pt.with_spread(sp.p5 * scale, sp.p95 * scale);
        }
    }
    out
}

/// Point indices of each series of [`plain_series`], in the series' order and x order.
fn line_points(exp: &Experiment) -> Vec<Vec<usize>> {
    if exp.x_axis.is_none() {
        return exp.points.iter().map(|p| vec![p.index]).collect();
    }
    let mut order: Vec<String> = Vec::new();
    let mut lines: Vec<Vec<usize>> = Vec::new();
    for p in &exp.points {
        let name = line_name(exp, p);
        match order.iter().position(|n| n == &name) {
            Some(i) => lines[i].push(p.index),
            None => {
                order.push(name);
                lines.push(vec![p.index]);
            }
        }
    }
    for l in &mut lines {
        l.sort_by(|a, b| x_of(exp, &exp.points[*a]).total_cmp(&x_of(exp, &exp.points[*b])));
    }
    lines
}

fn plain_series(exp: &Experiment, sums: &[PointSummaries], m: Metric, scale: f64) -> Vec<Series> {
    if exp.x_axis.is_none() {
        return exp
            .points
            .iter()
            .map(|p| {
                let PointSummary { mean, ci95: ci, n } = sums[p.index][m];
                let ci = if n >= MIN_FOR_INTERVAL { ci } else { 0.0 };
                let x = p.index as f64 + 1.0;
                let point = P::with_band(
                    x,
                    mean * scale,
                    (mean - ci).max(0.0) * scale,
                    (mean + ci) * scale,
                );
                let name = p
                    .values
                    .iter()
                    .map(|(_, v)| v.display())
                    .collect::<Vec<_>>()
                    .join(", ");
                Series {
                    name: if name.is_empty() {
                        "base model".into()
                    } else {
                        name
                    },
                    points: vec![point],
                }
            })
            .collect();
    }
    let mut lines: BTreeMap<usize, (String, Vec<P>)> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for p in &exp.points {
        let name = line_name(exp, p);
        let id = order.iter().position(|n| n == &name).unwrap_or_else(|| {
            order.push(name.clone());
            order.len() - 1
        });
        let PointSummary { mean, ci95: ci, n } = sums[p.index][m];
        let point = if n >= MIN_FOR_INTERVAL {
            P::with_band(
                x_of(exp, p),
                mean * scale,
                (mean - ci).max(0.0) * scale,
                (mean + ci) * scale,
            )
        } else {
            P::new(x_of(exp, p), mean * scale)
        };
        lines
            .entry(id)
            .or_insert_with(|| (name, Vec::new()))
            .1
            .push(point);
    }
    lines
        .into_values()
        .map(|(name, mut points)| {
            points.sort_by(|a, b| a.x.total_cmp(&b.x));
            Series { name, points }
        })
        .collect()
}

fn subtitle(exp: &Experiment, res: &SweepResult) -> String {
    let sim_s = res
        .runs
        .first()
        .map_or(0.0, |r| r.report.simulated_s - r.report.warmup_s);
    let (fewest, most) = match &res.precision {
        Some(a) => a.replicate_range(),
        None => (exp.replicates, exp.replicates),
    };
    let band = if fewest >= MIN_FOR_INTERVAL {
        ", band = 95% CI"
    } else {
        ""
    };
    let replicates = match fewest == most {
        true => format!("{fewest} replicate(s)"),
        false => format!("{fewest} to {most} replicates"),
    };
    format!(
        "{} | {:.0} min measured per run, {replicates}{band}",
        exp.description,
        sim_s / 60.0,
    )
    .trim_start_matches(" | ")
    .to_string()
}

/// Writes every plot of the sweep into `dir`.
pub(crate) fn write_plots(
    dir: &Path,
    exp: &Experiment,
    res: &SweepResult,
    sums: &[PointSummaries],
    bands: Option<&Bands>,
) -> Result<()> {
    let x_label = exp
        .x_axis
        .map_or("architecture (see legend)".to_string(), |i| {
            format!("{} (swept)", exp.axes[i].label)
        });
    let mut sub = subtitle(exp, res);
    if let Some(b) = bands {
        sub += &format!(", light = {} assumption sets", b.design.sets());
    }
    let sub = Some(sub);
    for m in Metric::ALL {
        let Some(chart) = m.chart() else { continue };
        plot::line_chart(
            &dir.join(chart.stem),
            &LineChart {
                title: format!("{}: {}", exp.name, chart.title),
                subtitle: sub.clone(),
                x_label: x_label.clone(),
                y_label: chart.y_label.into(),
                series: series(exp, sums, *m, chart.scale, bands),
                log_y: false,
                hline: None,
                spread_label: bands.map(|b| bands::band_label(b.design.sets())),
            },
        )?;
    }
    let cost = Metric::CostPerMonth;
    if sums.iter().any(|s| s[cost].mean > 0.0) {
        // From each record's first write, so that a router's extra hop counts (the same as the
        // per-hop p99 when no consumer routes).
        let p99 = Metric::FirstWriteAgeP99;
        let points: Vec<plot::ScatterPoint> = exp
            .points
            .iter()
            .map(|p| plot::ScatterPoint {
                label: exp
                    .x_axis
                    .and_then(|i| p.value(&exp.axes[i].path))
                    .map_or_else(|| line_name(exp, p), |v| v.display()),
                group: line_name(exp, p),
                x: sums[p.index][cost].mean,
                y: sums[p.index][p99].mean / 1e3,
            })
            .collect();
        plot::scatter_frontier(
            &dir.join("cost-vs-iterator-age"),
            &format!("{}: monthly cost vs end-to-end IteratorAge p99", exp.name),
            "cost (USD per month, at the given unit prices)",
            "IteratorAge p99 from the first write (s)",
            &points,
        )?;
    }
    for &pi in &exp.timeseries_points {
        let p = &exp.points[pi];
        let run = &res.point_runs(pi)[0];
        plot::timeseries_chart(
            &dir.join("timeseries").join(point_file_stem(p)),
            &minute_chart(exp, p, &run.report),
        )?;
    }
    Ok(())
}

/// Per-minute Average of each consumer (or their mean, beyond six consumers) and the Maximum over
/// all consumers, in seconds.
fn minute_chart(exp: &Experiment, p: &Point, r: &crate::model::RunReport) -> LineChart {
    let title = format!("{}: IteratorAge per minute at {}", exp.name, p.key());
    iterator_age_per_minute(title, r)
}

/// The chart of `minute_chart` for any run, under `title`.
pub(crate) fn iterator_age_per_minute(title: String, r: &crate::model::RunReport) -> LineChart {
    let per_consumer = r.consumers.len() <= 6;
    let mut avgs: BTreeMap<String, Vec<P>> = BTreeMap::new();
    let mut by_minute: BTreeMap<u64, (f64, u32, f64)> = BTreeMap::new();
    for m in r.minutes.rows() {
        let e = by_minute.entry(m.minute).or_insert((0.0, 0, 0.0));
        if m.samples > 0 {
            e.0 += m.iterator_age_avg_ms;
            e.1 += 1;
        }
        e.2 = e.2.max(m.iterator_age_max_ms);
        if per_consumer {
            let y = if m.samples > 0 {
                m.iterator_age_avg_ms / 1e3
            } else {
                0.0
            };
            avgs.entry(m.consumer.clone())
                .or_default()
                .push(P::new(m.minute as f64, y));
        }
    }
    let mut series: Vec<Series> = if per_consumer {
        r.consumers
            .iter()
            .map(|c| Series {
                name: format!("Average, {}", c.name),
                points: avgs.remove(&c.name).unwrap_or_default(),
            })
            .collect()
    } else {
        let points = by_minute
            .iter()
            .map(|(&k, &(s, n, _))| {
                P::new(k as f64, if n > 0 { s / f64::from(n) / 1e3 } else { 0.0 })
            })
            .collect();
        vec![Series {
            name: format!("Average (mean of {} consumers)", r.consumers.len()),
            points,
        }]
    };
    // Drawn first, so that the averages stay visible on top of it.
    series.insert(
        0,
        Series {
            name: "Maximum, all consumers".into(),
            points: by_minute
                .iter()
                .map(|(&k, &(_, _, mx))| P::new(k as f64, mx / 1e3))
                .collect(),
        },
    );
    LineChart {
        title,
        subtitle: Some(
            "as CloudWatch charts it: per-minute Average and Maximum of the per-batch samples"
                .into(),
        ),
        x_label: "time (min)".into(),
        y_label: "IteratorAge (s)".into(),
        series,
        log_y: false,
        hline: None,
        spread_label: None,
    }
}
