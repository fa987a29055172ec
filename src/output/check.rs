//! `sim check`'s verdict as text: the short verdict printed on stdout, and the Markdown a CI job
//! posts as a pull-request comment (a verdict line, a table of objectives, what the change does).

use crate::plan::check::{show, Measured, Verdict};
use crate::plan::md_cell;
use std::fmt::Write;

/// "holds in 12 of 16 assumption sets", when sets were run.
fn sets_text(m: &Measured) -> Option<String> {
    m.sets_holding
        .map(|(k, n)| format!("holds in {k} of {n} plausible assumption sets"))
}

/// The verdict for the terminal: the headline, one line per objective, what the change does.
pub(crate) fn text(v: &Verdict) -> String {
    let mut out = format!("sim check: {}\n", v.headline());
    let width = (v.objectives.iter().map(|s| s.text.len()))
        .max()
        .unwrap_or(0);
    for slo in &v.objectives {
        let m = v.change.measure(slo);
        let mut line = format!(
            "  {}  {:width$}  measured {}",
            if m.holds { "ok  " } else { "FAIL" },
            slo.text,
            show(slo.metric, m.value)
        );
        if let Some(base) = &v.base {
            line += &format!(" (base {})", show(slo.metric, base.measure(slo).value));
        }
        if let Some(s) = sets_text(&m) {
            line += &format!("; {s}");
        }
        out += line.trim_end();
        out.push('\n');
    }
    if let Some(c) = v.what_changes() {
        let _ = writeln!(out, "change: {c}");
    }
    out
}

/// The verdict as Markdown for a pull-request comment.
pub(crate) fn markdown(v: &Verdict) -> String {
    let mark = if v.holds() { "PASS" } else { "FAIL" };
    let mut out = format!("### sim check: **{mark}**: {}\n\n", md_cell(&v.headline()));
    if let Some(c) = v.what_changes() {
        let _ = writeln!(out, "**What this change does:** {}\n", md_cell(&c));
    }
    let sets = v.change.sets.as_ref().map(Vec::len);
    let mut header = "| objective |".to_string();
    let mut rule = "|---|".to_string();
    if v.base.is_some() {
        header += " before |";
        rule += "---|";
    }
    header += " measured | verdict |";
    rule += "---|---|";
    if let Some(n) = sets {
        header += &format!(" holds in (of {n} assumption sets) |");
        rule += "---|";
    }
    let _ = writeln!(out, "{header}\n{rule}");
    for slo in &v.objectives {
        let m = v.change.measure(slo);
        let mut row = format!("| `{}` |", md_cell(&slo.text));
        if let Some(base) = &v.base {
            let b = base.measure(slo);
            let word = if b.holds { "holds" } else { "fails" };
            row += &format!(" {} ({word}) |", show(slo.metric, b.value));
        }
        let verdict = if m.holds { "holds" } else { "**fails**" };
        row += &format!(" {} | {verdict} |", show(slo.metric, m.value));
        if let Some((k, _)) = m.sets_holding {
            row += &format!(" {k} |");
        }
        let _ = writeln!(out, "{row}");
    }
    let _ = writeln!(
        out,
        "\nChecked: `{}`{}.",
        md_cell(&v.change.source),
        v.base.as_ref().map_or(String::new(), |b| format!(
            " against the base `{}`",
            md_cell(&b.source)
        ))
    );
    if sets.is_some() {
        out += "The verdict is the model as written; the assumption sets are the parameters AWS \
                does not publish, drawn over their plausible ranges (`sim assumptions`).\n";
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::check::Outcome;
    use crate::plan::Slo;
    use crate::sweep::metric::Metric;
    use crate::sweep::stats::{PointSummaries, PointSummary};

    fn outcome(age_ms: f64) -> Outcome {
        Outcome {
            model: "m".into(),
            source: "models/m.toml".into(),
            sums: PointSummaries::from_fn(|m| PointSummary {
                mean: if m == Metric::IteratorAgeMax {
                    age_ms
                } else {
                    0.0
                },
                ci95: 0.0,
            }),
            sets: None,
        }
    }

    #[test]
    fn the_markdown_has_a_verdict_line_a_table_and_the_change() {
        let v = Verdict {
            objectives: vec![Slo::parse("iterator_age_max < 30s").unwrap()],
            change: outcome(41_000.0),
            base: Some(outcome(1_200.0)),
            changes: vec!["adds subscriber `a|b` to `s`".into()],
        };
        let md = markdown(&v);
        assert!(md.starts_with("### sim check: **FAIL**"), "{md}");
        assert!(md.contains("| `iterator_age_max < 30s` | 1.2 s (holds) | 41 s | **fails** |"));
        assert!(md.contains("adds subscriber `a\\|b` to `s`"), "{md}");
        let t = text(&v);
        assert!(
            t.contains("FAIL  iterator_age_max < 30s  measured 41 s (base 1.2 s)"),
            "{t}"
        );
    }
}
