//! `sim check`'s verdict on one version of an architecture (and, with a base, on what the change
//! does): each objective with its measured value, whether it holds, and under assumption sets in
//! how many of them it holds; the headline metrics before and after; the sentence a reviewer reads.
//! The verdict is the model as written: assumption sets say how robust it is, they do not decide.

use super::Slo;
use crate::sweep::bands::HEADLINE;
use crate::sweep::metric::{Metric, Unit};
use crate::sweep::stats::PointSummaries;

/// What one version of the architecture gave.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The model's name.
    pub model: String,
    /// The files it was loaded from, as named.
    pub source: String,
    /// Every metric of its run.
    pub sums: PointSummaries,
    /// Every metric under each assumption set (None: no sets asked for).
    pub sets: Option<Vec<PointSummaries>>,
}

/// One objective on one version.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measured {
    pub value: f64,
    pub holds: bool,
    /// In how many of how many assumption sets it holds.
    pub sets_holding: Option<(usize, usize)>,
}

impl Outcome {
    /// `slo` measured on this version.
    pub fn measure(&self, slo: &Slo) -> Measured {
        Measured {
            value: self.sums[slo.metric].mean,
            holds: slo.met(&self.sums),
            sets_holding: (self.sets.as_ref())
                .map(|sets| (sets.iter().filter(|s| slo.met(s)).count(), sets.len())),
        }
    }
}

/// The verdict of a check.
#[derive(Clone, Debug)]
pub struct Verdict {
    pub objectives: Vec<Slo>,
    /// The version checked (the change, with a base).
    pub change: Outcome,
    /// The version it is compared with (`--base`).
    pub base: Option<Outcome>,
    /// What changes from the base, in words ([`crate::config::diff::changes`]).
    pub changes: Vec<String>,
}

impl Verdict {
    /// Whether every objective holds on the version checked.
    pub fn holds(&self) -> bool {
        self.objectives.iter().all(|s| s.met(&self.change.sums))
    }

    /// The objectives that do not hold.
    pub fn failing(&self) -> Vec<&Slo> {
        (self.objectives.iter())
            .filter(|s| !s.met(&self.change.sums))
            .collect()
    }

    /// The one line that sums it up: `3 of 3 objectives hold` or `1 of 2 objectives fails: ...`.
    pub fn headline(&self) -> String {
        let n = self.objectives.len();
        let failing = self.failing();
        let holds = n - failing.len();
        if failing.is_empty() {
            return format!(
                "{holds} of {n} objective{} hold{} on {}",
                plural(n),
                if n == 1 { "s" } else { "" },
                self.change.model
            );
        }
        let names: Vec<String> = failing.iter().map(|s| format!("`{}`", s.text)).collect();
        format!(
            "{} of {n} objective{} fail{} on {}: {}",
            failing.len(),
            plural(n),
            if failing.len() == 1 { "s" } else { "" },
            self.change.model,
            names.join(", ")
        )
    }

    /// What the change does, with a base: its changes, the headline metrics before and after,
    /// and each objective whose verdict moved or still fails. E.g. "adds subscriber `audit` to
    /// `orders`: throttled reads 0/min -> 110/min, worst IteratorAge 1.2 s -> 41 s; objective
    /// `iterator_age_max < 30s` now fails".
    pub fn what_changes(&self) -> Option<String> {
        let base = self.base.as_ref()?;
        let what = match self.changes.is_empty() {
            true => "no change to the architecture".to_string(),
            false => self.changes.join("; "),
        };
        let metrics: Vec<String> = HEADLINE
            .iter()
            .rev()
            .map(|&m| {
                format!(
                    "{} {} -> {}",
                    headline_name(m),
                    show(m, base.sums[m].mean),
                    show(m, self.change.sums[m].mean)
                )
            })
            .collect();
        let mut moved = Vec::new();
        for slo in &self.objectives {
            let (was, now) = (slo.met(&base.sums), slo.met(&self.change.sums));
            let word = match (was, now) {
                (true, false) => "now fails",
                (false, true) => "now holds",
                (false, false) => "still fails",
                (true, true) => continue,
            };
            moved.push(format!("objective `{}` {word}", slo.text));
        }
        if moved.is_empty() && !self.objectives.is_empty() {
            moved.push("every objective still holds".into());
        }
        let mut text = format!("{what}: {}", metrics.join(", "));
        if !moved.is_empty() {
            text += &format!("; {}", moved.join(", "));
        }
        Some(text)
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The headline metrics as a reviewer calls them.
fn headline_name(m: Metric) -> &'static str {
    match m {
        Metric::ThrottledReadsPerMin => "throttled reads",
        Metric::IteratorAgeMax => "worst IteratorAge",
        other => other.name(),
    }
}

/// A metric's value in its unit, as a person reads it: `350 ms`, `1.2 s`, `41 s`, `110/min`.
pub(crate) fn show(m: Metric, v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    match m.unit() {
        Unit::Milliseconds => {
            let a = v.abs();
            if a < 1000.0 {
                format!("{v:.0} ms")
            } else if a < 10_000.0 {
                format!("{:.1} s", v / 1e3)
            } else if a < 600_000.0 {
                format!("{:.0} s", v / 1e3)
            } else {
                format!("{:.1} min", v / 60e3)
            }
        }
        Unit::Seconds => format!("{v:.1} s"),
        Unit::PerMinute if v != 0.0 && v.abs() < 10.0 => format!("{v:.1}/min"),
        Unit::PerMinute => format!("{v:.0}/min"),
        Unit::UsdPerMonth => format!("${v:.2}/month"),
        Unit::Share => format!("{:.0}%", v * 100.0),
        Unit::Count => format!("{v:.0}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::stats::PointSummary;

    fn outcome(age_ms: f64, throttled: f64) -> Outcome {
        Outcome {
            model: "m".into(),
            source: "m.toml".into(),
            sums: PointSummaries::from_fn(|m| PointSummary {
                n: 1,
                mean: match m {
                    Metric::IteratorAgeMax => age_ms,
                    Metric::ThrottledReadsPerMin => throttled,
                    _ => 0.0,
                },
                ci95: 0.0,
            }),
            sets: None,
        }
    }

    #[test]
    fn a_change_that_breaks_an_objective_says_so_in_one_sentence() {
        let v = Verdict {
            objectives: vec![Slo::parse("iterator_age_max < 30s").unwrap()],
            change: outcome(41_000.0, 110.0),
            base: Some(outcome(1_200.0, 0.0)),
            changes: vec!["adds subscriber `audit` to `orders`".into()],
        };
        assert!(!v.holds());
        assert_eq!(
            v.what_changes().unwrap(),
            "adds subscriber `audit` to `orders`: throttled reads 0/min -> 110/min, worst \
             IteratorAge 1.2 s -> 41 s; objective `iterator_age_max < 30s` now fails"
        );
        assert_eq!(
            v.headline(),
            "1 of 1 objective fails on m: `iterator_age_max < 30s`"
        );
    }

    #[test]
    fn assumption_sets_count_where_an_objective_holds() {
        let mut o = outcome(20_000.0, 0.0);
        o.sets = Some(vec![
            outcome(10_000.0, 0.0).sums,
            outcome(40_000.0, 0.0).sums,
            outcome(29_000.0, 0.0).sums,
        ]);
        let m = o.measure(&Slo::parse("iterator_age_max < 30s").unwrap());
        assert!(m.holds);
        assert_eq!(m.sets_holding, Some((2, 3)));
    }
}
