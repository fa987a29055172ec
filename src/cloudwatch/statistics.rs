//! `aws cloudwatch get-metric-statistics`: one metric's datapoints, unordered, one field per
//! statistic, to one series per statistic.
//!
//! The output names neither the namespace, the dimensions nor the period: the metric is found by
//! its name (the `Label`), and the period is given or taken from the spacing of the datapoints.

use super::clean::clean;
use super::report::{Report, Skipped};
use super::{json, raw, read_text, Error, FileText, Known, Problem, Series, Stat};
use std::collections::BTreeSet;
use std::path::Path;

const STATISTICS: &str = "get-metric-statistics output (a JSON object with Label and Datapoints)";

/// Reads a saved output; see [`parse_metric_statistics`].
pub fn read_metric_statistics(
    path: &Path,
    period_s: Option<u32>,
) -> Result<(Vec<Series>, Report), Error> {
    let text = read_text(path)?;
    parse_metric_statistics(FileText { path, text: &text }, period_s)
}

/// One series per statistic present (SampleCount, Average, Sum, Minimum, Maximum, then the
/// percentiles), with ids like `Duration p99` and no dimensions.
pub fn parse_metric_statistics(
    file: FileText,
    period_s: Option<u32>,
) -> Result<(Vec<Series>, Report), Error> {
    let whole = |p: Problem| json::at(file, None, String::new(), p);
    let stats = parse(file)?;
    let label = stats.label.clone().ok_or_else(|| whole(Problem::NoLabel))?;
    let stamps = timestamps(file, &stats.datapoints)?;
    let mut report = Report::default();
    let [metric] = Known::by_name(&label)[..] else {
        report.skipped.push(Skipped {
            id: label.clone(),
            what: label,
            reason: "not a metric sim understands".into(),
            points: stats.datapoints.len(),
        });
        return Ok((vec![], report));
    };
    let period_s = period(&stamps, period_s, &label, &mut report).map_err(whole)?;
    report
        .notes
        .extend(unit_note(&label, metric, &stats.datapoints));
    let columns = columns(&stats.datapoints, &label, &mut report);
    let series = columns
        .into_iter()
        .map(|(stat, pick)| {
            let points: Vec<(i64, f64)> = stamps
                .iter()
                .zip(&stats.datapoints)
                .filter_map(|(&t, d)| pick(d).map(|v| (t, v)))
                .collect();
            let id = format!("{label} {stat}");
            let (points, notes) = clean(&id, period_s, vec![], points);
            report.series.push(notes);
            Series {
                id,
                metric,
                stat,
                period_s,
                dimensions: vec![],
                points,
            }
        })
        .collect();
    Ok((series, report))
}

fn parse(file: FileText) -> Result<raw::Statistics, Error> {
    serde_json::from_str(file.text).map_err(|e| {
        let hint = if file.text.contains("\"MetricDataResults\"") {
            format!(" (this looks like get-metric-data output, expected {STATISTICS})")
        } else {
            String::new()
        };
        json::from_serde(file, &e, &hint)
    })
}

/// The period given, or the one the timestamps show (noted in the report).
fn period(
    stamps: &[i64],
    given: Option<u32>,
    label: &str,
    report: &mut Report,
) -> Result<u32, Problem> {
    match given {
        Some(0) => Err(Problem::PeriodZero),
        Some(p) => Ok(p),
        None => {
            let p = infer_period(stamps)?;
            report.notes.push(format!(
                "{label}: period taken as {p} s from the spacing of the datapoints"
            ));
            Ok(p)
        }
    }
}

fn timestamps(file: FileText, points: &[raw::Datapoint]) -> Result<Vec<i64>, Error> {
    points
        .iter()
        .enumerate()
        .map(|(i, d)| {
            d.timestamp.seconds().map_err(|e| {
                let line = json::key_line(file.text, "Timestamp", None, i);
                json::at(
                    file,
                    line,
                    format!("Datapoints[{i}]"),
                    format!("Timestamp {e}"),
                )
            })
        })
        .collect()
}

/// The greatest common divisor of the steps between distinct timestamps.
fn infer_period(stamps: &[i64]) -> Result<u32, Problem> {
    let distinct: BTreeSet<i64> = stamps.iter().copied().collect();
    let sorted: Vec<i64> = distinct.into_iter().collect();
    let step = sorted.windows(2).map(|w| w[1] - w[0]).fold(0, gcd);
    if step == 0 {
        return Err(Problem::PeriodUnknown);
    }
    u32::try_from(step).map_err(|_| Problem::PeriodTooLong(step))
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

type Pick = Box<dyn Fn(&raw::Datapoint) -> Option<f64>>;
type Field = fn(&raw::Datapoint) -> Option<f64>;

/// The statistics present in any datapoint, each with how to read it; unusable percentile names
/// go to the report.
fn columns(points: &[raw::Datapoint], label: &str, report: &mut Report) -> Vec<(Stat, Pick)> {
    let fixed: [(Stat, Field); 5] = [
        (Stat::SampleCount, |d| d.sample_count),
        (Stat::Average, |d| d.average),
        (Stat::Sum, |d| d.sum),
        (Stat::Minimum, |d| d.minimum),
        (Stat::Maximum, |d| d.maximum),
    ];
    let mut out: Vec<(Stat, Pick)> = fixed
        .into_iter()
        .filter(|(_, pick)| points.iter().any(|d| pick(d).is_some()))
        .map(|(stat, pick)| (stat, Box::new(pick) as Pick))
        .collect();
    let names: BTreeSet<&String> = points
        .iter()
        .flat_map(|d| d.extended_statistics.keys())
        .collect();
    for name in names {
        match Stat::parse(name) {
            Some(stat) => {
                let key = name.clone();
                let pick = move |d: &raw::Datapoint| d.extended_statistics.get(&key).copied();
                out.push((stat, Box::new(pick)));
            }
            None => report.skipped.push(Skipped {
                id: label.to_string(),
                what: format!("{label} {name}"),
                reason:
                    "statistic not used by sim (SampleCount, Average, Sum, Minimum, Maximum, pNN)"
                        .into(),
                points: points
                    .iter()
                    .filter(|d| d.extended_statistics.contains_key(name))
                    .count(),
            }),
        }
    }
    out
}

fn unit_note(label: &str, metric: Known, points: &[raw::Datapoint]) -> Option<String> {
    let other = points
        .iter()
        .filter_map(|d| d.unit.as_deref())
        .find(|&u| u != metric.unit())?;
    Some(format!(
        "{label}: datapoints are in {other}, but {metric} is expected in {}; values are taken as they are",
        metric.unit()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_period_is_the_common_step() {
        assert_eq!(infer_period(&[600, 0, 120, 300]).ok(), Some(60));
        assert_eq!(infer_period(&[0, 300, 300, 900]).ok(), Some(300));
        assert!(infer_period(&[60])
            .unwrap_err()
            .to_string()
            .contains("fewer than two"));
        assert!(infer_period(&[]).is_err());
    }
}
