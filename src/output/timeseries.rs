//! The sweep's `timeseries.csv`: one long ("tidy") table of every run's per-minute rows, every
//! replicate, with the point's axis values as columns, ready for a group-by in pandas or SQL.

use super::columns::{axis_docs, ColumnDoc, RUN_ID_COLUMNS};
use super::minutes;
use crate::experiment::Experiment;
use crate::sweep::SweepResult;
use std::io::Write;

/// Whether any run of the sweep reports shards per minute (rollover or on-demand streams).
fn has_lineage(res: &SweepResult) -> bool {
    res.runs.iter().any(|r| {
        r.report
            .minutes
            .rows()
            .next()
            .is_some_and(|m| m.shards.is_some())
    })
}

/// Every column of the file, in order.
pub(crate) fn columns(exp: &Experiment, res: &SweepResult) -> Vec<ColumnDoc> {
    let minute_cols = minutes::docs(has_lineage(res));
    let mut fixed: Vec<&str> = vec!["point", "replicate"];
    fixed.extend(minute_cols.iter().map(|c| c.name.as_str()));
    let [(point, u, m), (replicate, u2, m2), _] = RUN_ID_COLUMNS;
    let mut d = vec![ColumnDoc::new(point, u, m)];
    d.extend(axis_docs(exp, &fixed));
    d.push(ColumnDoc::new(replicate, u2, m2));
    d.extend(minute_cols);
    d
}

/// Writes the file to `out`, one row at a time (a sweep's series are never held as text).
pub(crate) fn write(
    out: &mut dyn Write,
    exp: &Experiment,
    res: &SweepResult,
) -> std::io::Result<()> {
    let lineage = has_lineage(res);
    let mut w = csv::Writer::from_writer(out);
    w.write_record(columns(exp, res).iter().map(|c| &c.name))?;
    for run in &res.runs {
        let p = &exp.points[run.point];
        let mut lead = vec![run.point.to_string()];
        lead.extend(p.values.iter().map(|(_, v)| v.display()));
        lead.push(run.replicate.to_string());
        for row in run.report.minutes.rows() {
            let mut cells = lead.clone();
            cells.extend(minutes::cells(&row, lineage));
            w.write_record(&cells)?;
        }
    }
    w.flush()
}
