//! Which series of an export a calibration matches, and why each other series is not matched.
//!
//! Matched, per minute (Period 60):
//! - the stream's `AWS/Kinesis GetRecords.IteratorAgeMilliseconds` (Average, Maximum) and
//!   `ReadProvisionedThroughputExceeded` (Sum): the series without a ShardId, else the shards' sum
//!   (throttles) or the first shard's (ages, which do not add);
//! - each function's `AWS/Lambda IteratorAge` (Average, Maximum), joined to the model's consumer of
//!   the same name, or of the name `--function FUNCTION=CONSUMER` gives it. This is the only age
//!   signal DynamoDB Streams has, and the one the Lambda console charts.
//!
//! Every other series of the export is named with the reason it is not matched: a calibration
//! that quietly ignored data would look better informed than it is.

use crate::cloudwatch::{self, fit, Known, Report, Series, Stat};

/// The model's consumers, by name, and the function names that differ from them.
#[derive(Clone, Copy, Debug)]
pub struct Consumers<'a> {
    /// Every consumer of the model, in the model's order (a `count = N` consumer as NAME-1 ...).
    pub names: &'a [String],
    /// `(function, consumer)` pairs from `--function FUNCTION=CONSUMER`.
    pub map: &'a [(String, String)],
}

impl Consumers<'_> {
    /// The consumer that function `f`'s series are matched to.
    fn of(&self, f: &str) -> Option<&str> {
        if let Some((_, c)) = self.map.iter().find(|(g, _)| g == f) {
            return Some(c);
        }
        self.names.iter().find(|n| *n == f).map(String::as_str)
    }
}

/// Why the export's series cannot be matched to the model's consumers as asked.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error("--function {function}={consumer}: the model has no consumer `{consumer}`; its consumers: {known}")]
    NoConsumer {
        function: String,
        consumer: String,
        known: String,
    },
    #[error(
        "--function {function}={consumer} and --function {function}={other}: one function's \
         series go to one consumer; keep one of them"
    )]
    Conflicting {
        function: String,
        consumer: String,
        other: String,
    },
    #[error(
        "--function {function}={consumer}: the export has no AWS/Lambda IteratorAge series of \
         function `{function}`; its functions: {known}"
    )]
    NoFunction {
        function: String,
        consumer: String,
        known: String,
    },
    #[error(
        "two functions' IteratorAge series ({first} and {second}) are both matched to consumer \
         `{consumer}`: map one of them elsewhere with --function FUNCTION=CONSUMER"
    )]
    SameConsumer {
        first: String,
        second: String,
        consumer: String,
    },
}

/// A series the calibration matches, before it is cut to the window.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Matched {
    pub name: String,
    pub metric: Known,
    pub stat: Stat,
    /// The model consumer it is of; `None`: the stream, all its consumers together.
    pub consumer: Option<String>,
    /// The query Ids it comes from.
    pub ids: Vec<String>,
    pub points: Vec<(i64, f64)>,
}

/// A series of the export that is not matched, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unused {
    pub id: String,
    /// The metric and statistic, or the expression, as the export names it.
    pub what: String,
    pub reason: String,
}

impl Unused {
    /// The sentence a warning and the calibrated model's comment give.
    pub fn sentence(&self) -> String {
        format!("{} ({}): not matched: {}", self.id, self.what, self.reason)
    }
}

/// The stream-level series a calibration matches, in this order.
const STREAM: [(&str, Known, Stat); 3] = [
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

/// The `--function FUNCTION=CONSUMER` pairs checked against the model's consumers `names` before
/// any export is read: each consumer exists, and no function is sent to two; a pair given twice
/// counts once.
pub(crate) fn check_map(
    names: &[String],
    map: &[(String, String)],
) -> Result<Vec<(String, String)>, MatchError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (f, c) in map {
        if !names.contains(c) {
            return Err(MatchError::NoConsumer {
                function: f.clone(),
                consumer: c.clone(),
                known: names.join(", "),
            });
        }
        match out.iter().find(|(g, _)| g == f) {
            Some((_, d)) if d == c => {}
            Some((_, d)) => {
                return Err(MatchError::Conflicting {
                    function: f.clone(),
                    consumer: d.clone(),
                    other: c.clone(),
                })
            }
            None => out.push((f.clone(), c.clone())),
        }
    }
    Ok(out)
}

/// The series of `series` that a calibration matches (stream-level first, then per consumer in
/// the model's order, Average before Maximum) and every other one with its reason. Errors: a
/// `--function` pair (checked by [`check_map`]) whose function has no series in the export (the
/// pair as typed, and the export's functions), two functions matched to one consumer.
pub(crate) fn select(
    series: &[Series],
    report: &Report,
    consumers: Consumers,
) -> Result<(Vec<Matched>, Vec<Unused>), MatchError> {
    let lambda = |stat| cloudwatch::select(series, Known::LambdaIteratorAge, stat);
    let ages: Vec<&Series> = lambda(Stat::Average)
        .into_iter()
        .chain(lambda(Stat::Maximum))
        .collect();
    for (f, c) in consumers.map {
        if !ages
            .iter()
            .any(|s| s.dimension("FunctionName") == Some(f.as_str()))
        {
            let mut known: Vec<&str> = ages
                .iter()
                .filter_map(|s| s.dimension("FunctionName"))
                .collect();
            known.sort_unstable();
            known.dedup();
            return Err(MatchError::NoFunction {
                function: f.clone(),
                consumer: c.clone(),
                known: match known.is_empty() {
                    true => "none".into(),
                    false => known.join(", "),
                },
            });
        }
    }
    let mut matched = Vec::new();
    for &(name, metric, stat) in &STREAM {
        if let Some((ids, points)) = stream_level(series, metric, stat) {
            matched.push(Matched {
                name: name.to_string(),
                metric,
                stat,
                consumer: None,
                ids,
                points,
            });
        }
    }
    let mut per_function = Vec::new();
    let mut unused = Vec::new();
    for stat in [Stat::Average, Stat::Maximum] {
        let mut seen: Vec<&str> = Vec::new();
        for s in cloudwatch::select(series, Known::LambdaIteratorAge, stat) {
            let Some(f) = s.dimension("FunctionName") else {
                continue;
            };
            if s.period_s != 60 || s.points.is_empty() || seen.contains(&f) {
                continue;
            }
            // The function's own series (FunctionName alone) before one per version or alias.
            let own = cloudwatch::select(series, Known::LambdaIteratorAge, stat)
                .into_iter()
                .filter(|o| o.dimension("FunctionName") == Some(f))
                .filter(|o| o.period_s == 60 && !o.points.is_empty())
                .min_by_key(|o| o.dimensions.len())
                .unwrap_or(s);
            seen.push(f);
            let Some(c) = consumers.of(f) else {
                continue;
            };
            let rank = consumers.names.iter().position(|n| n == c);
            per_function.push((
                rank,
                stat != Stat::Average,
                Matched {
                    name: format!("IteratorAge {stat} (ms) of {f}"),
                    metric: Known::LambdaIteratorAge,
                    stat,
                    consumer: Some(c.to_string()),
                    ids: vec![own.id.clone()],
                    points: own.points.clone(),
                },
            ));
        }
    }
    per_function.sort_by_key(|(rank, max, _)| (*rank, *max));
    let mut taken: Vec<&str> = Vec::new();
    for (_, _, m) in per_function {
        if let Some(c) = &m.consumer {
            if let Some(other) = matched
                .iter()
                .find(|o: &&Matched| o.consumer.as_ref() == Some(c) && o.stat == m.stat)
            {
                return Err(MatchError::SameConsumer {
                    first: other.ids[0].clone(),
                    second: m.ids[0].clone(),
                    consumer: c.clone(),
                });
            }
        }
        matched.push(m);
    }
    for m in &matched {
        taken.extend(m.ids.iter().map(String::as_str));
    }
    for s in series {
        if !taken.contains(&s.id.as_str()) {
            unused.push(Unused {
                id: s.id.clone(),
                what: format!("{} {}", s.metric, s.stat),
                reason: why_not(s, consumers, &matched),
            });
        }
    }
    unused.extend(report.skipped.iter().map(|k| Unused {
        id: k.id.clone(),
        what: k.what.clone(),
        reason: k.reason.clone(),
    }));
    Ok((matched, unused))
}

/// Why series `s`, which is not matched, is not.
fn why_not(s: &Series, consumers: Consumers, matched: &[Matched]) -> String {
    let matchable = STREAM.iter().any(|w| (w.1, w.2) == (s.metric, s.stat))
        || (s.metric == Known::LambdaIteratorAge
            && matches!(s.stat, Stat::Average | Stat::Maximum));
    if matchable && s.period_s != 60 {
        return format!(
            "Period {} s: a calibration matches per-minute series (Period 60)",
            s.period_s
        );
    }
    if matchable && s.points.is_empty() {
        return "no data points".into();
    }
    match s.metric {
        Known::LambdaIteratorAge if !matches!(s.stat, Stat::Average | Stat::Maximum) => format!(
            "statistic {}: only Average and Maximum per minute are matched",
            s.stat
        ),
        Known::LambdaIteratorAge => match s.dimension("FunctionName") {
            None => "no FunctionName dimension: a series over every function of the account \
                     mixes consumers the model keeps apart"
                .into(),
            Some(f) => match consumers.of(f) {
                None => format!(
                    "function `{f}` is no consumer of the model ({}); map it with --function {f}=CONSUMER",
                    consumers.names.join(", ")
                ),
                Some(_) => "a per-version or per-alias series; the function's own series is matched"
                    .into(),
            },
        },
        Known::KinesisIteratorAge | Known::KinesisReadThrottled => {
            if matched.iter().any(|m| m.metric == s.metric && m.stat == s.stat) {
                "another series of the same metric (a shard's) is matched for the stream".into()
            } else {
                format!("statistic {}: only Average and Maximum (ages) and Sum (throttles) are matched", s.stat)
            }
        }
        Known::LambdaDuration => "Duration is an input of the model, not an assumption a \
                                  calibration fits: read it into the consumer's `function.duration = \
                                  { from = ..., id = ..., p99_id = ... }` (its p50 and p99)"
            .into(),
        Known::LambdaErrors => "function failures are an input of the model \
                                (`function.error_probability`), not an assumption a calibration fits"
            .into(),
        Known::LambdaThrottles | Known::LambdaConcurrentExecutions => {
            "the model keeps no per-minute series of Lambda concurrency to match it against".into()
        }
        Known::LambdaInvocations => {
            "invocations follow from the replayed traffic and the batch settings; a calibration matches ages and throttles"
                .into()
        }
        Known::KinesisIncomingRecords | Known::KinesisIncomingBytes => {
            "traffic is replayed into the model (`rate = { from = ... }`), not matched".into()
        }
        Known::KinesisMillisBehindLatest => {
            "enhanced fan-out lag is not matched; the IteratorAge of a function that reads through enhanced fan-out is"
                .into()
        }
        Known::DynamoReturnedRecordsCount | Known::DynamoReturnedBytes => {
            "read volume follows from the traffic; a calibration matches ages and throttles".into()
        }
    }
}

/// Points of one series (or of several added up), with the Ids of the series they come from.
type Sourced = (Vec<String>, Vec<(i64, f64)>);

/// The stream-level series of `metric` and `stat` at a 60 s period, with the Ids it comes from:
/// the one without a ShardId, else the shards' sum (throttles) or their first (ages, which do not
/// add).
fn stream_level(series: &[Series], metric: Known, stat: Stat) -> Option<Sourced> {
    let all: Vec<&Series> = cloudwatch::select(series, metric, stat)
        .into_iter()
        .filter(|s| s.period_s == 60 && !s.points.is_empty())
        .collect();
    if let Some(s) = all.iter().find(|s| s.dimension("ShardId").is_none()) {
        return Some((vec![s.id.clone()], s.points.clone()));
    }
    match stat {
        Stat::Sum if !all.is_empty() => {
            let parts: Vec<&[(i64, f64)]> = all.iter().map(|s| s.points.as_slice()).collect();
            let ids = all.iter().map(|s| s.id.clone()).collect();
            Some((ids, fit::sum_by_time(&parts)))
        }
        _ => all.first().map(|s| (vec![s.id.clone()], s.points.clone())),
    }
}
