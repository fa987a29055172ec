//! The throttle verdict of a sweep in words and JSON: per architecture, "no throttled reads up to
//! N subscribers", with its band across assumption sets when the sweep ran them
//! ([`crate::sweep::verdict`] computes it).

use crate::experiment::Experiment;
use crate::sweep::bands::Bands;
use crate::sweep::stats::PointSummaries;
use crate::sweep::verdict::{verdicts, Knee, Verdict};
use serde_json::{json, Value};

/// One architecture's verdict as a sentence, e.g. `kinesis-standard: no throttled reads up to 5
/// subscribers (across 32 assumption sets: 3 to 7, median 5)`.
pub(crate) fn sentence(v: &Verdict) -> String {
    let label = &v.label;
    let head = match v.value(v.knee) {
        None => format!(
            "throttled reads from the first value ({} {label})",
            v.values.first().map_or("", String::as_str)
        ),
        Some(x) if v.knee.clear_throughout() => {
            format!("no throttled reads up to {x} {label}, the sweep's largest")
        }
        Some(x) => format!("no throttled reads up to {x} {label}"),
    };
    let band = v.band.map_or(String::new(), |b| {
        let at = |k: Knee| v.value(k).unwrap_or("none").to_string();
        if at(b.p5) == at(b.p95) {
            // Every set agrees (within the band): one value, not "8 to 8, median 8".
            return format!(
                " (across {} assumption sets: {} throughout the 5-95% band)",
                b.sets,
                at(b.p5)
            );
        }
        format!(
            " (across {} assumption sets: {} to {}, median {})",
            b.sets,
            at(b.p5),
            at(b.p95),
            at(b.p50)
        )
    });
    format!("{}: {head}{band}", v.architecture)
}

/// What a knee means, said once under the sentences.
fn definition(all: &[Verdict]) -> &'static str {
    if all.iter().any(|v| v.band.is_some()) {
        "the largest value before the first with throttled reads; the band is the 5th to 95th \
         percentile of each set's knee, by nearest rank"
    } else {
        "the largest value before the first with throttled reads"
    }
}

/// The lines the terminal prints after the sweep's table (nothing without a verdict).
pub(crate) fn text(exp: &Experiment, sums: &[PointSummaries], bands: Option<&Bands>) -> String {
    let all = verdicts(exp, sums, bands);
    if all.is_empty() {
        return String::new();
    }
    let mut out = String::from("  Throttled reads:\n");
    let mut lines = |text: &str| {
        for line in crate::assumptions::report::wrap(text, 96) {
            out += &format!("    {line}\n");
        }
    };
    for v in &all {
        lines(&sentence(v));
    }
    lines(&format!("(up to: {})", definition(&all)));
    out
}

/// The section `summary.md` ends with (nothing without a verdict).
pub(crate) fn markdown(exp: &Experiment, sums: &[PointSummaries], bands: Option<&Bands>) -> String {
    let all = verdicts(exp, sums, bands);
    if all.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n## Throttled reads\n\n");
    for v in &all {
        out += &format!("- {}\n", crate::plan::md_cell(&sentence(v)));
    }
    out += &format!("\n\"Up to\": {}.\n", definition(&all));
    out
}

/// The sentences alone, for the HTML report.
pub(crate) fn sentences(
    exp: &Experiment,
    sums: &[PointSummaries],
    bands: Option<&Bands>,
) -> Vec<String> {
    verdicts(exp, sums, bands).iter().map(sentence).collect()
}

/// The `throttle_verdict` array of the sweep's JSON: per architecture its knee (`null`: throttled
/// from the first value), whether no value was throttled, the sentence, and the band's figures.
pub(crate) fn json(exp: &Experiment, sums: &[PointSummaries], bands: Option<&Bands>) -> Value {
    let all = verdicts(exp, sums, bands);
    Value::Array(
        all.iter()
            .map(|v| {
                let mut o = json!({
                    "architecture": v.architecture,
                    "axis": v.label,
                    "metric": "throttled_reads_per_min",
                    "no_throttled_reads_up_to": v.value(v.knee),
                    "clear_throughout": v.knee.clear_throughout(),
                    "sentence": sentence(v),
                });
                if let Some(b) = v.band {
                    o["band"] = json!({
                        "sets": b.sets,
                        "p5": v.value(b.p5),
                        "p50": v.value(b.p50),
                        "p95": v.value(b.p95),
                    });
                }
                o
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::verdict::KneeBand;

    fn verdict(clear: usize, band: Option<(usize, usize, usize)>) -> Verdict {
        let k = |clear| Knee { clear, of: 30 };
        Verdict {
            architecture: "standard".into(),
            label: "subscribers".into(),
            values: (1..=30).map(|i| i.to_string()).collect(),
            knee: k(clear),
            band: band.map(|(a, m, b)| KneeBand {
                sets: 32,
                p5: k(a),
                p50: k(m),
                p95: k(b),
            }),
        }
    }

    #[test]
    fn the_sentence_names_the_knee_and_its_band() {
        assert_eq!(
            sentence(&verdict(5, Some((3, 5, 7)))),
            "standard: no throttled reads up to 5 subscribers (across 32 assumption sets: 3 to 7, median 5)"
        );
        assert_eq!(
            sentence(&verdict(0, Some((0, 2, 5)))),
            "standard: throttled reads from the first value (1 subscribers) (across 32 assumption sets: none to 5, median 2)"
        );
        assert_eq!(
            sentence(&verdict(30, None)),
            "standard: no throttled reads up to 30 subscribers, the sweep's largest"
        );
    }
}
