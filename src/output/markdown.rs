//! `summary.md`: the headline metrics of a sweep as a Markdown table, to paste into a pull request
//! or a wiki page.

use super::table::cell;
use crate::experiment::Experiment;
use crate::plan::md_cell;
use crate::sweep::metric::{Column, Metric};
use crate::sweep::stats::{PointSummaries, MIN_FOR_INTERVAL};
use std::fmt::Write;

/// The metrics that have a column in the printed table: the headline ones.
pub(crate) fn headline() -> Vec<(Metric, Column)> {
    Metric::ALL
        .iter()
        .filter_map(|&m| m.column().map(|c| (m, c)))
        .collect()
}

/// A metric's mean as printed, with its 95% half-width when there are replicates enough to give
/// one (see `stats::MIN_FOR_INTERVAL`).
pub(crate) fn mean_pm(s: crate::sweep::stats::PointSummary, c: Column) -> String {
    if s.shows_interval() {
        format!("{} ± {}", cell(s.mean, c.format), cell(s.ci95, c.format))
    } else {
        cell(s.mean, c.format)
    }
}

/// The table: one row per point, one column per axis and per headline metric, under the notes
/// on its precision (`output::precision::notes`).
pub(crate) fn summary(
    exp: &Experiment,
    sums: &[PointSummaries],
    res: &crate::sweep::SweepResult,
) -> String {
    let cols = headline();
    let mut out = format!("# {}\n\n", exp.name);
    if !exp.description.is_empty() {
        let _ = writeln!(out, "{}\n", exp.description);
    }
    let shape = match &res.precision {
        Some(a) => format!("{} points, {} each", exp.points.len(), a.replicates_text()),
        None => format!(
            "{} points x {} replicate(s)",
            exp.points.len(),
            exp.replicates
        ),
    };
    let cells = match sums.iter().all(|s| s.replicates() >= MIN_FOR_INTERVAL) {
        true => "each cell is the mean over replicates ± its 95% confidence half-width",
        false => "each cell is the mean over replicates",
    };
    let _ = writeln!(out, "{shape}; {cells}.\n");
    for note in super::precision::notes(exp, sums, Some(res)) {
        let _ = writeln!(out, "{note}\n");
    }
    let mut header: Vec<String> = exp.axes.iter().map(|a| md_cell(&a.label)).collect();
    header.extend(cols.iter().map(|(_, c)| c.header.to_string()));
    if exp.axes.is_empty() {
        header.insert(0, "point".into());
    }
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for (p, s) in exp.points.iter().zip(sums) {
        let mut row: Vec<String> = p
            .values
            .iter()
            .map(|(_, v)| md_cell(&v.display()))
            .collect();
        if exp.axes.is_empty() {
            row.push("base model".into());
        }
        row.extend(cols.iter().map(|&(m, c)| mean_pm(s[m], c)));
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out
}
