//! The observed per-minute series a calibration matches, the same series read from a run, and the
//! loss between them.
//!
//! Matched: the stream's `GetRecords.IteratorAgeMilliseconds` (Average and Maximum) and
//! `ReadProvisionedThroughputExceeded` (Sum), per minute. The simulated IteratorAge of a minute
//! is the sample-weighted mean of its consumers' averages and the largest of their maxima; the
//! simulated throttles are the stream's throttled reads, all consumers together.

use crate::cloudwatch::{self, fit, time, Known, Series, Stat};
use crate::model::report::MinuteRow;
use std::path::Path;

/// One matched series: what it is and its value per minute (`None` where the export has none).
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub name: &'static str,
    pub metric: Known,
    pub stat: Stat,
    pub values: Vec<Option<f64>>,
}

/// What a calibration matches: the window and the series in it.
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    /// Epoch seconds of the first minute.
    pub start: i64,
    pub minutes: usize,
    pub targets: Vec<Target>,
    /// What the user should know about the export: points left out, gaps, CloudWatch's notes.
    pub warnings: Vec<String>,
}

/// The window a calibration matches: it comes from the replayed traffic or the model, never from
/// the points of the observed export (one stray timestamp would set it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    /// Epoch seconds of minute 0; `None`: where the window holds the most observed points.
    pub start: Option<i64>,
    /// Its length in seconds.
    pub seconds: u64,
    /// Where it comes from, for messages: "the replayed traffic", "the model's duration".
    pub from: &'static str,
}

const WANTED: [(&str, Known, Stat); 3] = [
    (
        "IteratorAge Average (ms)",
        Known::KinesisIteratorAge,
        Stat::Average,
    ),
    (
        "IteratorAge Maximum (ms)",
        Known::KinesisIteratorAge,
        Stat::Maximum,
    ),
    (
        "ReadProvisionedThroughputExceeded Sum",
        Known::KinesisReadThrottled,
        Stat::Sum,
    ),
];

/// Reads the export; errors name the file and entry (a missing target names the queries file).
/// Points outside `window` are left out with a warning.
pub fn read(
    queries: &Path,
    observed: &Path,
    window: Window,
) -> Result<Observed, cloudwatch::Error> {
    let (series, report) = cloudwatch::read_metric_data(queries, &[observed])?;
    let error = |file: &Path, place: &str, message: String| cloudwatch::Error {
        file: file.to_path_buf(),
        line: None,
        col: None,
        place: place.to_string(),
        message,
    };
    let mut used: Vec<&str> = Vec::new();
    let mut warnings = Vec::new();
    let mut found: Vec<(usize, Vec<(i64, f64)>)> = Vec::new();
    for (i, &(_, m, s)) in WANTED.iter().enumerate() {
        for other in cloudwatch::select(&series, m, s) {
            if other.period_s != 60 && !other.points.is_empty() {
                warnings.push(format!(
                    "{}: {}: Period {} s left out: a calibration matches per-minute series (Period 60)",
                    observed.display(),
                    other.id,
                    other.period_s
                ));
            }
        }
        let Some((ids, points)) = stream_level(&series, m, s) else {
            continue;
        };
        for id in ids {
            if let Some(why) = report.notes_of(id).and_then(|n| n.unusable()) {
                return Err(error(observed, "", why));
            }
            used.push(id);
        }
        found.push((i, points));
    }
    let missing = || {
        error(
            queries,
            "",
            "no query of GetRecords.IteratorAgeMilliseconds (Average or Maximum) or \
             ReadProvisionedThroughputExceeded (Sum) with period 60 and data: nothing to calibrate against"
                .into(),
        )
    };
    if found.iter().all(|(_, p)| p.is_empty()) {
        return Err(missing());
    }
    warnings.extend(
        report
            .warnings_for(&used)
            .into_iter()
            .map(|w| format!("{}: {w}", observed.display())),
    );
    let minutes = window.seconds.div_ceil(60).max(1) as usize;
    let start = window
        .start
        .unwrap_or_else(|| busiest_start(&found, 60 * minutes as i64));
    let end = start.saturating_add(60 * minutes as i64);
    let inside = |t: i64| (start..end).contains(&t);
    let (mut outside, mut first_outside, mut kept) = (0, None::<i64>, 0);
    let targets = found
        .into_iter()
        .map(|(i, points)| {
            let mut values = vec![None; minutes];
            for (t, v) in points {
                if inside(t) {
                    values[((t - start) / 60) as usize] = Some(v);
                    kept += 1;
                } else {
                    outside += 1;
                    first_outside = Some(first_outside.map_or(t, |f| f.min(t)));
                }
            }
            let (name, metric, stat) = WANTED[i];
            Target {
                name,
                metric,
                stat,
                values,
            }
        })
        .collect();
    let span = format!(
        "the window {} to {} ({})",
        time::format(start),
        time::format(end),
        window.from
    );
    if let Some(t) = first_outside {
        let line = format!(
            "left out {outside} observed point{} outside {span}, the first at {}",
            if outside == 1 { "" } else { "s" },
            time::format(t)
        );
        if kept == 0 {
            return Err(error(
                observed,
                "",
                format!("no observed point inside {span}: {line}"),
            ));
        }
        warnings.push(format!("{}: {line}", observed.display()));
    }
    Ok(Observed {
        start,
        minutes,
        targets,
        warnings,
    })
}

/// Where a window of `seconds` holds the most observed points: at one of their timestamps, the
/// earliest of the best (so one stray point, early or late, does not place the window).
fn busiest_start(found: &[(usize, Vec<(i64, f64)>)], seconds: i64) -> i64 {
    let mut times: Vec<i64> = found
        .iter()
        .flat_map(|(_, p)| p.iter().map(|x| x.0))
        .collect();
    times.sort_unstable();
    let (mut best, mut best_n, mut end) = (times[0], 0, 0);
    for (i, &t) in times.iter().enumerate() {
        while end < times.len() && times[end] < t.saturating_add(seconds) {
            end += 1;
        }
        if end - i > best_n {
            (best, best_n) = (t, end - i);
        }
    }
    best
}

/// Points of one series (or of several added up), with the Ids of the series they come from.
type Sourced<'a> = (Vec<&'a str>, Vec<(i64, f64)>);

/// The stream-level series of `metric` and `stat` at a 60 s period, with the Ids it comes from:
/// the one without a ShardId, else the shards' sum (throttles) or their first (ages, which do not
/// add).
fn stream_level(series: &[Series], metric: Known, stat: Stat) -> Option<Sourced<'_>> {
    let all: Vec<&Series> = cloudwatch::select(series, metric, stat)
        .into_iter()
        .filter(|s| s.period_s == 60 && !s.points.is_empty())
        .collect();
    if let Some(s) = all.iter().find(|s| s.dimension("ShardId").is_none()) {
        return Some((vec![s.id.as_str()], s.points.clone()));
    }
    match stat {
        Stat::Sum if !all.is_empty() => {
            let parts: Vec<&[(i64, f64)]> = all.iter().map(|s| s.points.as_slice()).collect();
            let ids = all.iter().map(|s| s.id.as_str()).collect();
            Some((ids, fit::sum_by_time(&parts)))
        }
        _ => all.first().map(|s| (vec![s.id.as_str()], s.points.clone())),
    }
}

/// A run's value of each target per minute (minute 0 is the start of the window).
pub fn simulated(
    targets: &[Target],
    minutes: usize,
    rows: impl Iterator<Item = MinuteRow>,
) -> Vec<Vec<Option<f64>>> {
    // (age sum weighted by samples, samples, age max, throttled) per minute.
    let mut acc: Vec<Option<(f64, u64, f64, f64)>> = vec![None; minutes];
    for r in rows {
        let Some(slot) = acc.get_mut(r.minute as usize) else {
            continue;
        };
        let a = slot.get_or_insert((0.0, 0, 0.0, r.stream_throttled_reads as f64));
        a.0 += r.iterator_age_avg_ms * r.samples as f64;
        a.1 += r.samples;
        a.2 = a.2.max(r.iterator_age_max_ms);
    }
    targets
        .iter()
        .map(|t| {
            acc.iter()
                .map(|m| {
                    m.map(|(sum, n, max, thr)| match (t.metric, t.stat) {
                        (Known::KinesisReadThrottled, _) => thr,
                        (_, Stat::Maximum) => max,
                        _ if n > 0 => sum / n as f64,
                        _ => 0.0,
                    })
                })
                .collect()
        })
        .collect()
}

/// A run's matched series as CloudWatch would report them for `stream`, minute 0 at `start`
/// (epoch seconds): ids `age_avg`, `age_max` and `throttled`, for writing as an export.
pub fn as_cloudwatch(
    stream: &str,
    start: i64,
    minutes: usize,
    rows: impl Iterator<Item = MinuteRow>,
) -> Vec<Series> {
    let targets: Vec<Target> = WANTED
        .iter()
        .map(|&(name, metric, stat)| Target {
            name,
            metric,
            stat,
            values: vec![],
        })
        .collect();
    let sim = simulated(&targets, minutes, rows);
    let ids = ["age_avg", "age_max", "throttled"];
    targets
        .iter()
        .zip(sim)
        .zip(ids)
        .map(|((t, values), id)| Series {
            id: id.into(),
            metric: t.metric,
            stat: t.stat,
            period_s: 60,
            dimensions: vec![cloudwatch::Dimension::new("StreamName", stream)],
            points: values
                .iter()
                .enumerate()
                .filter_map(|(k, v)| Some((start + 60 * k as i64, (*v)?)))
                .collect(),
        })
        .collect()
}

/// Each target's normalised RMSE: the root mean square of (simulated − observed) over the minutes
/// both have, divided by the mean observed value (by 1 when that is 0).
pub fn errors(targets: &[Target], sim: &[Vec<Option<f64>>]) -> Vec<f64> {
    targets
        .iter()
        .zip(sim)
        .map(|(t, s)| {
            let pairs: Vec<(f64, f64)> = t
                .values
                .iter()
                .zip(s)
                .filter_map(|(o, s)| Some(((*o)?, (*s)?)))
                .collect();
            if pairs.is_empty() {
                return f64::INFINITY;
            }
            let n = pairs.len() as f64;
            let mean = pairs.iter().map(|p| p.0.abs()).sum::<f64>() / n;
            let mse = pairs.iter().map(|(o, s)| (s - o).powi(2)).sum::<f64>() / n;
            mse.sqrt() / if mean > 0.0 { mean } else { 1.0 }
        })
        .collect()
}

/// The loss: the mean of the targets' normalised RMSEs.
pub fn loss(errors: &[f64]) -> f64 {
    if errors.is_empty() {
        return f64::INFINITY;
    }
    errors.iter().sum::<f64>() / errors.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalised_rmse_skips_missing_minutes() {
        let t = Target {
            name: "x",
            metric: Known::KinesisReadThrottled,
            stat: Stat::Sum,
            values: vec![Some(10.0), None, Some(30.0)],
        };
        let sim = vec![vec![Some(12.0), Some(99.0), Some(28.0)]];
        let e = errors(std::slice::from_ref(&t), &sim);
        assert!((e[0] - 2.0 / 20.0).abs() < 1e-12);
        assert_eq!(loss(&e), e[0]);
        assert_eq!(errors(&[t], &[vec![None, None, None]])[0], f64::INFINITY);
    }
}
