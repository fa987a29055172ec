//! The observed per-minute series a calibration matches (chosen by [`super::matching`]), the same
//! series read from a run, and the loss between them.
//!
//! The simulated IteratorAge of a stream-level minute is the sample-weighted mean of its
//! consumers' averages and the largest of their maxima. The simulated throttles are the stream's
//! throttled reads, all consumers together.
//!
//! Functions' series are matched per consumer group: the copies of one `[consumers.NAME]` table
//! (`count = N`: NAME-1 ... NAME-N) share every parameter, so the calibration compares the mean
//! of their per-minute averages and the largest of their maxima, observed against simulated. One
//! function's per-minute age is too noisy to fit alone (its loss stays far above the noise floor
//! of right values); the group's mean is as steady as the stream's own series. Each function's
//! own series is kept for the overlays.

use super::matching::{self, Consumers, Unused};
use crate::cloudwatch::{self, time, Known, Series, Stat};
use crate::model::report::MinuteRow;
use std::path::Path;

/// One matched series: what it is and its value per minute (`None` where the export has none).
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub name: String,
    pub metric: Known,
    pub stat: Stat,
    /// The model consumers whose functions' series it is of (their mean, or largest maximum);
    /// empty: the stream, all its consumers together.
    pub consumers: Vec<String>,
    pub values: Vec<Option<f64>>,
}

/// The largest observed value a calibration takes: an IteratorAge of 31 years in milliseconds, or
/// 16 billion throttled reads a second in a minute's sum, is no measurement; larger values would
/// overflow the loss (their squares) and leave every candidate without one.
const MAX_VALUE: f64 = 1e12;

/// What a calibration matches: the window and the series in it.
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    /// Epoch seconds of the first minute.
    pub start: i64,
    pub minutes: usize,
    pub targets: Vec<Target>,
    /// Each matched function's own series (one consumer each), for the overlays.
    pub functions: Vec<Target>,
    /// The export's series that are not matched, each with its reason.
    pub unused: Vec<Unused>,
    /// What the user should know about the export: points left out, gaps, CloudWatch's notes,
    /// and every series not matched.
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

/// Reads the export; errors name the file and entry (a missing target names the queries file).
/// Points outside `window` are left out with a warning; so is every series not matched.
pub fn read(
    queries: &Path,
    observed: &Path,
    window: Window,
    consumers: Consumers,
    groups: &[(String, String)],
) -> Result<Observed, cloudwatch::Error> {
    let (series, report) = cloudwatch::read_metric_data(queries, &[observed])?;
    let error = |file: &Path, place: &str, message: String| cloudwatch::Error {
        file: file.to_path_buf(),
        line: None,
        col: None,
        place: place.to_string(),
        message,
    };
    let (matched, unused) = matching::select(&series, &report, consumers).map_err(|m| match m {
        matching::MatchError::NoFunction { .. } => error(observed, "", m.to_string()),
        m => error(queries, "", m.to_string()),
    })?;
    for m in &matched {
        if let Some(&(t, v)) = m
            .points
            .iter()
            .find(|(_, v)| !v.is_finite() || v.abs() > MAX_VALUE)
        {
            return Err(error(
                observed,
                &format!("series `{}` (Id \"{}\")", m.name, m.ids.join("\", \"")),
                format!(
                    "the value {v:e} at {} is beyond any measurement (at most {MAX_VALUE:e}): \
                     a corrupt export? Correct or remove the point",
                    time::format(t)
                ),
            ));
        }
    }
    let mut used: Vec<&str> = Vec::new();
    for m in &matched {
        for id in &m.ids {
            if let Some(why) = report.notes_of(id).and_then(|n| n.unusable()) {
                return Err(error(observed, "", why));
            }
            used.push(id);
        }
    }
    if matched.is_empty() {
        let mut why: Vec<String> = unused.iter().take(8).map(Unused::sentence).collect();
        if unused.len() > 8 {
            why.push(format!("and {} more", unused.len() - 8));
        }
        return Err(error(
            queries,
            "",
            format!(
                "no query of GetRecords.IteratorAgeMilliseconds (Average or Maximum), \
                 ReadProvisionedThroughputExceeded (Sum) or a function's AWS/Lambda IteratorAge \
                 (Average or Maximum) with period 60 and data: nothing to calibrate against{}",
                if why.is_empty() {
                    String::new()
                } else {
                    format!(" (the export's series: {})", why.join("; "))
                }
            ),
        ));
    }
    let mut warnings: Vec<String> = report
        .warnings_for(&used)
        .into_iter()
        .map(|w| format!("{}: {w}", observed.display()))
        .collect();
    warnings.extend(
        unused
            .iter()
            .map(|u| format!("{}: {}", observed.display(), u.sentence())),
    );
    let found: Vec<&[(i64, f64)]> = matched.iter().map(|m| m.points.as_slice()).collect();
    let minutes = window.seconds.div_ceil(60).max(1) as usize;
    let start = window
        .start
        .unwrap_or_else(|| busiest_start(&found, 60 * minutes as i64));
    let end = start.saturating_add(60 * minutes as i64);
    let inside = |t: i64| (start..end).contains(&t);
    let (mut outside, mut first_outside, mut kept) = (0, None::<i64>, 0);
    let cut: Vec<Target> = matched
        .into_iter()
        .map(|m| {
            let mut values = vec![None; minutes];
            for &(t, v) in &m.points {
                if inside(t) {
                    values[((t - start) / 60) as usize] = Some(v);
                    kept += 1;
                } else {
                    outside += 1;
                    first_outside = Some(first_outside.map_or(t, |f| f.min(t)));
                }
            }
            Target {
                name: m.name,
                metric: m.metric,
                stat: m.stat,
                consumers: m.consumer.into_iter().collect(),
                values,
            }
        })
        .collect();
    let (functions, mut targets): (Vec<Target>, Vec<Target>) =
        cut.into_iter().partition(|t| !t.consumers.is_empty());
    targets.extend(by_group(&functions, groups));
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
        functions,
        unused,
        warnings,
    })
}

/// The functions' series joined per consumer group (`groups`: consumer, group), in the order of
/// their first function: per minute the mean of the functions' averages that have one, or the
/// largest of their maxima.
fn by_group(functions: &[Target], groups: &[(String, String)]) -> Vec<Target> {
    let group_of = |c: &str| {
        groups
            .iter()
            .find(|(m, _)| m == c)
            .map_or(c.to_string(), |(_, g)| g.clone())
    };
    let mut out: Vec<(String, Target)> = Vec::new();
    for f in functions {
        let g = group_of(&f.consumers[0]);
        match out.iter_mut().find(|(h, t)| *h == g && t.stat == f.stat) {
            Some((_, t)) => t.consumers.extend(f.consumers.iter().cloned()),
            None => out.push((
                g.clone(),
                Target {
                    name: String::new(),
                    metric: f.metric,
                    stat: f.stat,
                    consumers: f.consumers.clone(),
                    values: vec![],
                },
            )),
        }
    }
    out.into_iter()
        .map(|(g, mut t)| {
            let members: Vec<&Target> = functions
                .iter()
                .filter(|f| f.stat == t.stat && t.consumers.contains(&f.consumers[0]))
                .collect();
            t.name = match t.consumers.len() {
                1 => members[0].name.clone(),
                n => format!("IteratorAge {} (ms) of {g} ({n} functions)", t.stat),
            };
            let minutes = members.first().map_or(0, |f| f.values.len());
            t.values = (0..minutes)
                .map(|k| combine(t.stat, members.iter().filter_map(|f| f.values[k])))
                .collect();
            t
        })
        .collect()
}

/// The mean of `values`, or their largest for a Maximum; `None` without any.
fn combine(stat: Stat, values: impl Iterator<Item = f64>) -> Option<f64> {
    let (mut n, mut sum, mut max) = (0usize, 0.0, f64::NEG_INFINITY);
    for v in values {
        n += 1;
        sum += v;
        max = max.max(v);
    }
    (n > 0).then(|| {
        if stat == Stat::Maximum {
            max
        } else {
            sum / n as f64
        }
    })
}

/// Where a window of `seconds` holds the most observed points: at one of their timestamps, the
/// earliest of the best (so one stray point, early or late, does not place the window).
fn busiest_start(found: &[&[(i64, f64)]], seconds: i64) -> i64 {
    let mut times: Vec<i64> = found.iter().flat_map(|p| p.iter().map(|x| x.0)).collect();
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

/// One consumer's minute: IteratorAge average and maximum (ms), and the samples behind them.
type AgeMinute = (f64, f64, u64);

/// A run's value of each target per minute (minute 0 is the start of the window).
pub fn simulated(
    targets: &[Target],
    minutes: usize,
    rows: impl Iterator<Item = MinuteRow>,
) -> Vec<Vec<Option<f64>>> {
    // (age sum weighted by samples, samples, age max, throttled) per minute.
    let mut acc: Vec<Option<(f64, u64, f64, f64)>> = vec![None; minutes];
    // The consumers some target is of: per minute, (age average, age max, samples).
    let mut own: Vec<(&str, Vec<Option<AgeMinute>>)> = Vec::new();
    for c in targets.iter().flat_map(|t| &t.consumers) {
        if !own.iter().any(|(o, _)| o == c) {
            own.push((c, vec![None; minutes]));
        }
    }
    for r in rows {
        let Some(slot) = acc.get_mut(r.minute as usize) else {
            continue;
        };
        let a = slot.get_or_insert((0.0, 0, 0.0, r.stream_throttled_reads as f64));
        a.0 += r.iterator_age_avg_ms * r.samples as f64;
        a.1 += r.samples;
        a.2 = a.2.max(r.iterator_age_max_ms);
        if let Some((_, m)) = own.iter_mut().find(|(c, _)| *c == r.consumer) {
            m[r.minute as usize] = Some((r.iterator_age_avg_ms, r.iterator_age_max_ms, r.samples));
        }
    }
    targets
        .iter()
        .map(|t| {
            if t.consumers.is_empty() {
                return acc
                    .iter()
                    .map(|m| {
                        m.map(|(sum, n, max, thr)| match (t.metric, t.stat) {
                            (Known::KinesisReadThrottled, _) => thr,
                            (_, Stat::Maximum) => max,
                            _ if n > 0 => sum / n as f64,
                            _ => 0.0,
                        })
                    })
                    .collect();
            }
            let members: Vec<&Vec<Option<AgeMinute>>> = own
                .iter()
                .filter(|(c, _)| t.consumers.iter().any(|m| m == c))
                .map(|(_, m)| m)
                .collect();
            // Lambda reports no IteratorAge for a minute without an invocation.
            (0..minutes)
                .map(|k| {
                    let values = members.iter().filter_map(|m| {
                        let (avg, max, n) = m[k]?;
                        (n > 0).then_some(if t.stat == Stat::Maximum { max } else { avg })
                    });
                    combine(t.stat, values)
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
    let targets: Vec<Target> = [
        (Known::KinesisIteratorAge, Stat::Average),
        (Known::KinesisIteratorAge, Stat::Maximum),
        (Known::KinesisReadThrottled, Stat::Sum),
    ]
    .into_iter()
    .map(|(metric, stat)| Target {
        name: format!("{metric} {stat}"),
        metric,
        stat,
        consumers: vec![],
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

/// A run's per-function series as Lambda would report them: each consumer's `AWS/Lambda
/// IteratorAge` Average and Maximum with the consumer's name as `FunctionName`, minute 0 at
/// `start`; ids `age_avg_K` and `age_max_K` for the K-th consumer (from 1), for writing as an
/// export.
pub fn as_lambda_cloudwatch(
    consumers: &[String],
    start: i64,
    minutes: usize,
    rows: &[MinuteRow],
) -> Vec<Series> {
    let mut out = Vec::new();
    for (k, c) in consumers.iter().enumerate() {
        for (stat, id) in [(Stat::Average, "age_avg"), (Stat::Maximum, "age_max")] {
            let target = Target {
                name: String::new(),
                metric: Known::LambdaIteratorAge,
                stat,
                consumers: vec![c.clone()],
                values: vec![],
            };
            let values =
                simulated(std::slice::from_ref(&target), minutes, rows.iter().cloned()).remove(0);
            out.push(Series {
                id: format!("{id}_{}", k + 1),
                metric: Known::LambdaIteratorAge,
                stat,
                period_s: 60,
                dimensions: vec![cloudwatch::Dimension::new("FunctionName", c)],
                points: values
                    .iter()
                    .enumerate()
                    .filter_map(|(m, v)| Some((start + 60 * m as i64, (*v)?)))
                    .collect(),
            });
        }
    }
    out
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
            name: "x".into(),
            metric: Known::KinesisReadThrottled,
            stat: Stat::Sum,
            consumers: vec![],
            values: vec![Some(10.0), None, Some(30.0)],
        };
        let sim = vec![vec![Some(12.0), Some(99.0), Some(28.0)]];
        let e = errors(std::slice::from_ref(&t), &sim);
        assert!((e[0] - 2.0 / 20.0).abs() < 1e-12);
        assert_eq!(loss(&e), e[0]);
        assert_eq!(errors(&[t], &[vec![None, None, None]])[0], f64::INFINITY);
    }
}
