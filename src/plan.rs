//! `sim plan`: service-level objectives over a sweep, answered per architecture: the largest
//! consumer count that meets every objective, the cheapest configuration that does, and what
//! limits the first configuration that fails.

use crate::config::ConfigError;
use crate::experiment::{Experiment, Point};
use crate::sweep::metric::{Metric, Unit};
use crate::sweep::stats::PointSummaries;
use serde_json::{json, Value};
use std::fmt::Write;

/// A service-level objective on a point metric, e.g. `iterator_age_max < 30s`.
#[derive(Clone, Debug, PartialEq)]
pub struct Slo {
    pub text: String,
    pub metric: Metric,
    pub op: Op,
    pub value: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
}

impl Slo {
    /// Parses `METRIC OP VALUE`: METRIC is any sweep metric (the `_ms` suffix may be left out),
    /// OP one of `<`, `<=`, `>`, `>=`, VALUE a number or, for millisecond metrics, a duration.
    pub fn parse(text: &str) -> Result<Slo, String> {
        let (name, op, rest) = ["<=", ">=", "<", ">"]
            .iter()
            .find_map(|op| text.split_once(op).map(|(a, b)| (a.trim(), *op, b.trim())))
            .ok_or_else(|| format!("`{text}` is not METRIC < VALUE (or <=, >, >=)"))?;
        let metric = Metric::from_name(name).map_err(|e| e.to_string())?;
        let is_ms = metric.unit() == Unit::Milliseconds;
        let value = match rest.trim_start_matches('$').parse::<f64>() {
            Ok(v) => v,
            Err(_) if is_ms => crate::engine::time::parse_duration(rest)? as f64 / 1e6,
            Err(_) => return Err(format!("`{rest}` is not a number")),
        };
        let op = match op {
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            _ => Op::Ge,
        };
        Ok(Slo {
            text: text.to_string(),
            metric,
            op,
            value,
        })
    }

    /// Whether a point's metrics (means across replicates) meet this objective.
    pub fn met(&self, metrics: &PointSummaries) -> bool {
        let v = metrics[self.metric].mean;
        match self.op {
            Op::Lt => v < self.value,
            Op::Le => v <= self.value,
            Op::Gt => v > self.value,
            Op::Ge => v >= self.value,
        }
    }
}

/// The objectives of the experiment file's `[plan]` table, parsed; an error names the file, line
/// and key of the first that does not parse.
pub fn objectives(exp: &Experiment) -> Result<Vec<Slo>, ConfigError> {
    exp.objectives
        .iter()
        .map(|o| Slo::parse(&o.text).map_err(|m| o.error(m)))
        .collect()
}

/// The answer for one architecture.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub architecture: String,
    /// Largest value of the count axis meeting every objective (None: none does).
    pub largest_count: Option<String>,
    /// Cheapest point meeting every objective, and its monthly cost.
    pub cheapest: Option<(String, f64)>,
    /// What limits the first failing point after the largest passing one.
    pub binding: String,
}

/// The axis of consumer counts: the first whose path ends in `.count`, else the x axis.
fn count_axis(exp: &Experiment) -> Option<usize> {
    exp.axes
        .iter()
        .position(|a| a.path.ends_with(".count"))
        .or(exp.x_axis)
}

fn architecture(exp: &Experiment, p: &Point, count: Option<usize>) -> String {
    let parts: Vec<String> = exp
        .axes
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != count)
        .filter_map(|(_, a)| {
            p.value(&a.path).map(|v| {
                if a.path == "model" {
                    v.display()
                } else {
                    format!("{}={}", a.label, v.display())
                }
            })
        })
        .collect();
    if parts.is_empty() {
        "base model".into()
    } else {
        parts.join(", ")
    }
}

/// What most likely stops a failing point from meeting its objectives.
fn binding(m: &PointSummaries) -> String {
    if m[Metric::ThrottledInvocations].mean > 0.0 {
        "concurrency: Lambda rejects invocations (account limit or reserved concurrency)".into()
    } else if m[Metric::ThrottledReadsPerMin].mean > 0.0 {
        if m[Metric::ThrottledReadsBytesShare].mean > 0.5 {
            "read bytes: the shared read-bytes limit per shard (2 MiB/s on Kinesis) throttles reads"
                .into()
        } else {
            "read calls: the shared GetRecords call limit per shard (5 per second on Kinesis) \
             throttles reads"
                .into()
        }
    } else if m[Metric::RecordsExpired].mean > 0.0 || m[Metric::RecordsDiscarded].mean > 0.0 {
        "errors and retries: records are discarded or expire".into()
    } else {
        "function duration: consumers do not keep up with the records".into()
    }
}

/// The control plane, when every objective a point misses is on its deployment (`deploy_*`).
fn deploy_binding(m: &PointSummaries, slos: &[Slo]) -> Option<String> {
    let missed: Vec<&Slo> = slos.iter().filter(|s| !s.met(m)).collect();
    let on_deploy = |s: &&Slo| {
        matches!(
            s.metric,
            Metric::DeploySeconds | Metric::DeployThrottled | Metric::DeployFailed
        )
    };
    (!missed.is_empty() && missed.iter().all(on_deploy)).then(|| {
        format!(
            "the control plane: {:.1} subscriber(s) fail to deploy, {:.0} control-plane calls throttled",
            m[Metric::DeployFailed].mean,
            m[Metric::DeployThrottled].mean
        )
    })
}

/// Answers `slos` over the summaries of `exp` (per point, per metric: mean and CI).
pub fn answer(exp: &Experiment, sums: &[PointSummaries], slos: &[Slo]) -> Vec<Answer> {
    let count = count_axis(exp);
    let mut groups: Vec<(String, Vec<&Point>)> = Vec::new();
    for p in &exp.points {
        let a = architecture(exp, p, count);
        match groups.iter_mut().find(|g| g.0 == a) {
            Some(g) => g.1.push(p),
            None => groups.push((a, vec![p])),
        }
    }
    let cost = Metric::CostPerMonth;
    groups
        .into_iter()
        .map(|(architecture, mut points)| {
            let count_of = |p: &Point| {
                count
                    .and_then(|c| p.value(&exp.axes[c].path))
                    .and_then(|v| v.as_f64())
                    .unwrap_or(0.0)
            };
            points.sort_by(|a, b| count_of(a).total_cmp(&count_of(b)));
            let ok = |p: &Point| slos.iter().all(|s| s.met(&sums[p.index]));
            let largest = points.iter().rev().find(|p| ok(p));
            let first_fail = match largest {
                Some(l) => points.iter().find(|p| count_of(p) > count_of(l) && !ok(p)),
                None => points.iter().find(|p| !ok(p)),
            };
            let cheapest = points
                .iter()
                .filter(|p| ok(p))
                .min_by(|a, b| {
                    sums[a.index][cost]
                        .mean
                        .total_cmp(&sums[b.index][cost].mean)
                })
                .map(|p| (p.key(), sums[p.index][cost].mean));
            Answer {
                architecture,
                largest_count: largest.and(count).and_then(|c| {
                    largest
                        .and_then(|l| l.value(&exp.axes[c].path))
                        .map(|v| v.display())
                }),
                cheapest,
                binding: first_fail.map_or(
                    "none within the sweep: every point meets the objectives".into(),
                    |p| {
                        deploy_binding(&sums[p.index], slos)
                            .unwrap_or_else(|| binding(&sums[p.index]))
                    },
                ),
            }
        })
        .collect()
}

/// The answers in plain words and a table.
pub fn report(exp: &Experiment, slos: &[Slo], answers: &[Answer]) -> String {
    let mut out = format!(
        "{}: objectives {}\n\n",
        exp.name,
        slos.iter()
            .map(|s| format!("`{}`", s.text))
            .collect::<Vec<_>>()
            .join(" and ")
    );
    let count = count_axis(exp)
        .map(|c| exp.axes[c].label.clone())
        .unwrap_or_else(|| "count".into());
    for a in answers {
        match (&a.largest_count, &a.cheapest) {
            (_, None) => {
                let _ = writeln!(
                    out,
                    "- {}: no configuration in the sweep meets them; the limit: {}.",
                    a.architecture, a.binding
                );
            }
            (largest, Some((key, usd))) => {
                let beyond = if a.binding.starts_with("none") {
                    "every point of the sweep meets them".to_string()
                } else {
                    format!("beyond that, the limit is {}", a.binding)
                };
                let met = match largest {
                    Some(n) => format!("met up to {count} = {n}; {beyond}"),
                    None if a.binding.starts_with("none") => "met".to_string(),
                    None => format!("met at some points; elsewhere the limit is {}", a.binding),
                };
                let _ = writeln!(
                    out,
                    "- {}: {met}. Cheapest point that meets them: {} at about ${usd:.2}/month.",
                    a.architecture, key,
                );
            }
        }
    }
    out
}

/// The answers as Markdown: the sentences of [`report`] under a title, then one table row per
/// architecture.
pub fn markdown(exp: &Experiment, slos: &[Slo], answers: &[Answer]) -> String {
    let mut out = format!("# {}: does it meet the objectives?\n\n", exp.name);
    out += &report(exp, slos, answers);
    out += "\n| architecture | largest count meeting them | cheapest point meeting them | USD/month | limit beyond |\n";
    out += "|---|---|---|---|---|\n";
    for a in answers {
        let (key, usd) = a
            .cheapest
            .as_ref()
            .map_or(("none".to_string(), String::new()), |(k, u)| {
                (k.clone(), format!("{u:.2}"))
            });
        let _ = writeln!(
            out,
            "| {} | {} | {} | {usd} | {} |",
            md_cell(&a.architecture),
            md_cell(a.largest_count.as_deref().unwrap_or("none")),
            md_cell(&key),
            md_cell(&a.binding)
        );
    }
    out
}

/// Text safe inside a Markdown table cell.
pub fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The answers as one JSON object (what `sim plan --json` prints).
pub fn json(exp: &Experiment, slos: &[Slo], answers: &[Answer]) -> Value {
    let answers: Vec<Value> = answers
        .iter()
        .map(|a| {
            json!({
                "architecture": a.architecture,
                "largest_count": a.largest_count,
                "cheapest": a.cheapest.as_ref().map(|(k, usd)| json!({"point": k, "cost_per_month_usd": usd})),
                "meets_somewhere": a.cheapest.is_some(),
                "binding": a.binding,
            })
        })
        .collect();
    json!({
        "experiment": exp.name,
        "objectives": slos.iter().map(|s| s.text.clone()).collect::<Vec<_>>(),
        "answers": answers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::stats::PointSummary;

    #[test]
    fn objectives_parse_with_units_and_aliases() {
        let s = Slo::parse("iterator_age_max < 30s").unwrap();
        assert_eq!(
            (s.metric, s.op, s.value),
            (Metric::IteratorAgeMax, Op::Lt, 30_000.0)
        );
        let s = Slo::parse("throttled_reads_per_min<=10").unwrap();
        assert_eq!((s.op, s.value), (Op::Le, 10.0));
        let s = Slo::parse("cost_per_month_usd < $200").unwrap();
        assert_eq!(s.value, 200.0);
        assert!(Slo::parse("latency < 3s")
            .unwrap_err()
            .contains("unknown metric"));
        assert!(Slo::parse("iterator_age_max 30s").is_err());
        let m = PointSummaries::from_fn(|_| PointSummary::default());
        assert!(Slo::parse("errors < 1").unwrap().met(&m));
        assert!(!Slo::parse("errors > 0").unwrap().met(&m));
    }

    #[test]
    fn missed_deployment_objectives_blame_the_control_plane() {
        let m = PointSummaries::from_fn(|m| PointSummary {
            mean: match m {
                Metric::DeployFailed => 2.0,
                Metric::ThrottledReadsPerMin => 5.0,
                _ => 0.0,
            },
            ci95: 0.0,
        });
        let deploy = [Slo::parse("deploy_failed < 1").unwrap()];
        let b = deploy_binding(&m, &deploy).unwrap();
        assert!(b.starts_with("the control plane: 2.0 subscriber(s)"), "{b}");
        // An objective missed elsewhere keeps the data-plane diagnosis.
        let both = [
            deploy[0].clone(),
            Slo::parse("throttled_reads_per_min < 1").unwrap(),
        ];
        assert_eq!(deploy_binding(&m, &both), None);
        assert_eq!(deploy_binding(&m, &[]), None);
    }
}
