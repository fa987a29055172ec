//! `sim plan`: service-level objectives over a sweep, answered per architecture: the largest
//! consumer count that meets every objective, the cheapest configuration that does, and what
//! limits the first configuration that fails.

use crate::assumptions::sensitivity::{main_effect, noise_floor};
use crate::config::ConfigError;
use crate::experiment::{Experiment, Point};
use crate::sweep::bands::{self, Bands};
use crate::sweep::metric::Metric;
use crate::sweep::stats::PointSummaries;
use serde_json::{json, Value};
use std::fmt::Write;

mod blame;
pub(crate) mod check;
mod slo;
pub use blame::{binding, busy_share, counters, Counters};
pub use slo::{Op, Slo, SloError};

/// The objectives of the experiment file's `[plan]` table, parsed; an error names the file, line
/// and key of the first that does not parse.
pub fn objectives(exp: &Experiment) -> Result<Vec<Slo>, ConfigError> {
    exp.objectives
        .iter()
        .map(|o| Slo::parse(&o.text).map_err(|e| o.error(e.to_string())))
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

/// Answers `slos` over the summaries of `exp` (per point, per metric: mean and CI) and, to say
/// what binds, the counters of each point's runs ([`counters`]; empty when the runs are not at
/// hand, as under assumption sets, where only the counts are compared).
pub fn answer(
    exp: &Experiment,
    sums: &[PointSummaries],
    counters: &[Counters],
    slos: &[Slo],
) -> Vec<Answer> {
    let count = exp.count_axis();
    let cost = Metric::CostPerMonth;
    exp.architectures()
        .into_iter()
        .map(|(architecture, points)| {
            let mut points: Vec<&Point> = points.iter().map(|&p| &exp.points[p]).collect();
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
                    |p| blame::binding(&sums[p.index], counters.get(p.index).copied(), slos),
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
    let count = exp
        .count_axis()
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

/// How the answer for one architecture holds up across plausible assumption sets.
#[derive(Clone, Debug, PartialEq)]
pub struct Robustness {
    pub architecture: String,
    /// Smallest and largest (over sets) of the largest count meeting every objective; None
    /// where no count does.
    pub max_count_range: (Option<f64>, Option<f64>),
    /// Each count (in count order) with the share of sets in which it meets every objective.
    pub shares: Vec<(String, f64)>,
    /// The assumption that explains most of how the largest count varies across sets, with its
    /// share; None when the count does not vary or nothing explains it.
    pub deciding: Option<(String, f64)>,
    pub sets: usize,
}

/// Answers `slos` under every assumption set of `b` and says, per architecture, how far the
/// largest count meeting them moves and which assumption moves it.
pub fn robustness(exp: &Experiment, b: &Bands, slos: &[Slo]) -> Vec<Robustness> {
    let count = exp.count_axis();
    let answers_under = |sets: &[Vec<PointSummaries>]| -> Vec<Vec<Answer>> {
        sets.iter().map(|s| answer(exp, s, &[], slos)).collect()
    };
    let per_set = answers_under(&b.sets);
    // A Saltelli design's AB_i blocks (none otherwise).
    let per_ab: Vec<Vec<Vec<Answer>>> = b.ab.iter().map(|sets| answers_under(sets)).collect();
    exp.architectures()
        .into_iter()
        .map(|(architecture, points)| {
            let largest = largest_counts(&per_set, &architecture);
            let lo = largest.iter().copied().reduce(|a, c| match (a, c) {
                (Some(a), Some(c)) => Some(a.min(c)),
                _ => None,
            });
            let hi = largest.iter().flatten().copied().reduce(f64::max);
            let deciding = match b.design.saltelli {
                Some(_) => deciding_count_jansen(b, &per_ab, &architecture, &largest),
                None => deciding_count(exp, b, &points, &largest),
            };
            Robustness {
                architecture,
                max_count_range: (lo.flatten(), hi),
                shares: shares(exp, b, slos, &points, count),
                deciding,
                sets: b.sets.len(),
            }
        })
        .collect()
}

/// The largest count of `architecture` in each set's answers (None: no count meets them).
fn largest_counts(per_set: &[Vec<Answer>], architecture: &str) -> Vec<Option<f64>> {
    per_set
        .iter()
        .map(|answers| {
            let a = answers.iter().find(|a| a.architecture == architecture)?;
            a.largest_count.as_ref()?.parse().ok()
        })
        .collect()
}

/// The assumption with the largest total effect on the largest count (Jansen's estimator on a
/// Saltelli design, whose A and B sets are `largest` and whose AB_i blocks answered `per_ab`):
/// any effect above 0 counts, since an assumption the model never reads gets exactly 0.
fn deciding_count_jansen(
    b: &Bands,
    per_ab: &[Vec<Vec<Answer>>],
    architecture: &str,
    largest: &[Option<f64>],
) -> Option<(String, f64)> {
    let y = |c: &[Option<f64>]| c.iter().map(|c| c.unwrap_or(0.0)).collect::<Vec<f64>>();
    let ya = y(largest);
    let n = ya.len() / 2;
    let y_ab: Vec<Vec<f64>> = (per_ab.iter())
        .map(|answers| y(&largest_counts(answers, architecture)))
        .collect();
    let ix = crate::assumptions::sensitivity::jansen(&ya[..n], &ya[n..], &y_ab);
    (b.design.keys.iter())
        .zip(ix)
        .map(|(k, ix)| (k.clone(), ix.total))
        .filter(|(_, e)| *e >= bands::deciding_floor(&b.design))
        .max_by(|a, c| a.1.total_cmp(&c.1).then(c.0.cmp(&a.0)))
}

/// Each point of an architecture (in count order) with the share of sets meeting `slos`.
fn shares(
    exp: &Experiment,
    b: &Bands,
    slos: &[Slo],
    points: &[usize],
    count: Option<usize>,
) -> Vec<(String, f64)> {
    let value = |p: usize| {
        count
            .and_then(|c| exp.points[p].value(&exp.axes[c].path))
            .map_or_else(|| exp.points[p].key(), |v| v.display())
    };
    let mut pts = points.to_vec();
    let num = |p: usize| value(p).parse::<f64>().unwrap_or(p as f64);
    pts.sort_by(|a, c| num(*a).total_cmp(&num(*c)));
    pts.into_iter()
        .map(|p| {
            let met = b
                .sets
                .iter()
                .filter(|s| slos.iter().all(|o| o.met(&s[p])))
                .count();
            (value(p), met as f64 / b.sets.len().max(1) as f64)
        })
        .collect()
}

/// The assumption whose values best explain the largest count across sets (no count: 0).
fn deciding_count(
    exp: &Experiment,
    b: &Bands,
    points: &[usize],
    largest: &[Option<f64>],
) -> Option<(String, f64)> {
    let y: Vec<f64> = largest.iter().map(|c| c.unwrap_or(0.0)).collect();
    let model = exp.points[*points.first()?].model;
    b.design.params[model]
        .iter()
        .map(|p| {
            let x: Vec<f64> = (0..b.design.sets())
                .map(|s| b.design.coordinate(s, &p.key))
                .collect();
            (p.key.clone(), main_effect(&x, &y))
        })
        .filter(|(_, e)| *e >= noise_floor(b.design.sets()))
        .max_by(|a, c| a.1.total_cmp(&c.1).then(c.0.cmp(&a.0)))
}

fn count_text(c: Option<f64>) -> String {
    c.map_or("none".into(), |c| format!("{c}"))
}

/// The robustness of the answers in plain words: the sentence a planner can quote.
pub fn robustness_report(exp: &Experiment, robust: &[Robustness]) -> String {
    let label = exp
        .count_axis()
        .map_or("count".to_string(), |c| exp.axes[c].label.clone());
    let mut out = String::new();
    if let Some(r) = robust.first() {
        let _ = writeln!(out, "\nUnder {} plausible assumption sets:", r.sets);
    }
    for r in robust {
        let (lo, hi) = r.max_count_range;
        let who = r
            .deciding
            .as_ref()
            .map_or("no single assumption".to_string(), |(k, e)| {
                // A share of the variation; a total-effect estimate from few sets can pass 1.
                format!("{k} (explains {:.0}% of it)", e.min(1.0) * 100.0)
            });
        let sentence = match (lo, hi) {
            (_, None) => format!("no {label} count meets them under any set"),
            (Some(lo), Some(hi)) if lo == hi => {
                format!("up to {label} = {lo} meets them under every plausible assumption")
            }
            (lo, Some(hi)) => format!(
                "up to {label} = {} meets them under every plausible assumption; between {} and {hi} it depends on {who}",
                count_text(lo),
                count_text(lo),
            ),
        };
        let shares: Vec<String> = r
            .shares
            .iter()
            .map(|(c, s)| format!("{c}: {:.0}%", s * 100.0))
            .collect();
        let _ = writeln!(
            out,
            "- {}: {sentence}. Largest {label} meeting them: {} to {}. Share of sets meeting them per {label}: {}.",
            r.architecture,
            count_text(lo),
            count_text(hi),
            shares.join(", ")
        );
    }
    out
}

/// Text safe inside a Markdown table cell.
pub fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The answers as one JSON object (what `sim plan --json` prints): per architecture its answer
/// and, with assumption sets, how robust it is.
pub fn json(
    exp: &Experiment,
    slos: &[Slo],
    answers: &[Answer],
    robust: Option<&[Robustness]>,
) -> Value {
    let num = |c: &Option<String>| {
        c.as_ref()
            .map(|c| c.parse::<f64>().map_or_else(|_| json!(c), |x| json!(x)))
            .unwrap_or(Value::Null)
    };
    let answers: Vec<Value> = answers
        .iter()
        .map(|a| {
            let mut o = json!({
                "architecture": a.architecture,
                "largest_count": a.largest_count,
                "max_count": num(&a.largest_count),
                "cheapest": a.cheapest.as_ref().map(|(k, usd)| json!({"point": k, "cost_per_month_usd": usd})),
                "meets_somewhere": a.cheapest.is_some(),
                "binding": a.binding,
            });
            let r = robust.and_then(|r| r.iter().find(|r| r.architecture == a.architecture));
            if let Some(r) = r {
                o["max_count_range"] = json!([r.max_count_range.0, r.max_count_range.1]);
                o["meets_share"] = r
                    .shares
                    .iter()
                    .map(|(c, s)| (c.clone(), json!(s)))
                    .collect::<serde_json::Map<_, _>>()
                    .into();
                o["deciding_assumption"] = json!(r.deciding.as_ref().map(|d| &d.0));
                o["assumption_sets"] = json!(r.sets);
            }
            o
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
            .to_string()
            .contains("unknown metric"));
        assert!(Slo::parse("iterator_age_max 30s").is_err());
        let m = PointSummaries::from_fn(|_| PointSummary::default());
        assert!(Slo::parse("errors < 1").unwrap().met(&m));
        assert!(!Slo::parse("errors > 0").unwrap().met(&m));
    }
}
