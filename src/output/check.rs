//! `sim check`'s verdict as text: the short verdict printed on stdout, and the Markdown a CI job
//! posts as a pull-request comment (a verdict line, a table of objectives, what the change does).

use crate::plan::check::{show, Measured, Verdict};
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

/// `text` as Markdown prose that reads as written: every character Markdown or HTML would act
/// on is backslash-escaped (so a model named `<img src=x>` is text, not an image), a line break
/// is a space.
fn prose(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '<' | '>' | '&' | '[' | ']' | '|' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(ch);
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` as one code span, whatever backticks it holds: fenced by a run of backticks longer
/// than any inside it. In a table cell `|` is escaped (GitHub reads `\|` there as `|`).
fn code(text: &str, in_table: bool) -> String {
    let mut flat = text.replace(['\n', '\r'], " ");
    if in_table {
        flat = flat.replace('|', "\\|");
    }
    let longest = (flat.split(|c| c != '`').map(str::len)).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = match flat.starts_with('`') || flat.ends_with('`') {
        true => " ",
        false => "",
    };
    format!("{fence}{pad}{flat}{pad}{fence}")
}

/// Text of sim's own with names in code spans (`adds subscriber \`audit\` to ...`): the code
/// spans kept as they are, the prose between them escaped; a backtick without its pair is text.
fn spans(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    let paired = parts.len() % 2 == 1;
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        if i % 2 == 1 && (paired || !last) {
            out += &format!("`{}`", part.replace(['\n', '\r'], " "));
        } else if i % 2 == 1 {
            out += &format!("\\`{}", prose(part));
        } else {
            out += &prose(part);
        }
    }
    out
}

/// The verdict as Markdown for a pull-request comment.
pub(crate) fn markdown(v: &Verdict) -> String {
    let mark = if v.holds() { "PASS" } else { "FAIL" };
    // The headline with the model's name (the model's text, not sim's) as escaped prose.
    let mut named = v.clone();
    named.change.model = prose(&v.change.model);
    let mut out = format!("### sim check: **{mark}**: {}\n\n", named.headline());
    if let Some(c) = v.what_changes() {
        let _ = writeln!(out, "**What this change does:** {}\n", spans(&c));
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
        let mut row = format!("| {} |", code(&slo.text, true));
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
        "\nChecked: {}{}.",
        code(&v.change.source, false),
        v.base.as_ref().map_or(String::new(), |b| format!(
            " against the base {}",
            code(&b.source, false)
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
                n: 1,
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
        assert!(md.contains("adds subscriber `a|b` to `s`"), "{md}");
        let t = text(&v);
        assert!(
            t.contains("FAIL  iterator_age_max < 30s  measured 41 s (base 1.2 s)"),
            "{t}"
        );
    }

    #[test]
    fn code_spans_hold_any_backticks_and_prose_between_them_is_escaped() {
        assert_eq!(code("a`b", false), "``a`b``");
        assert_eq!(code("`a", false), "`` `a ``");
        assert_eq!(code("x|y", true), "`x\\|y`");
        assert_eq!(spans("adds `<b>` to <i>"), "adds `<b>` to \\<i\\>");
        assert_eq!(spans("odd ` <i>"), "odd \\` \\<i\\>");
    }
}
