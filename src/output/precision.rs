//! How precise a sweep's numbers are, as its outputs say it: the precision an adaptive sweep
//! (`--precision`) reached at each point (columns of `summary.csv`, a `precision` object per point
//! in the JSON), and the notes the report, `summary.md` and the printed table carry: the precision
//! asked and the points that hit the cap, why values of too few replicates have no `±`, and the
//! warm-up (detected, or a fixed one shorter than the transient MSER-5 finds: a bias).

use super::columns::ColumnDoc;
use crate::engine::time::MIN;
use crate::experiment::Experiment;
use crate::sweep::adaptive::Achieved;
use crate::sweep::stats::{few_replicates_note, PointSummaries};
use crate::sweep::warmup::PointWarmup;
use crate::sweep::SweepResult;
use serde_json::{json, Value};

/// The columns `summary.csv` adds after its others for an adaptive sweep (none for another):
/// per headline metric its achieved precision, then whether the point hit the cap.
pub(crate) fn columns(achieved: Option<&Achieved>) -> Vec<ColumnDoc> {
    let Some(a) = achieved else {
        return Vec::new();
    };
    let mut cols: Vec<ColumnDoc> = (a.asked.metrics.iter())
        .map(|m| {
            ColumnDoc::new(
                &format!("precision_{}", m.name()),
                "share",
                &format!(
                    "achieved precision of {}: its 95% half-width over its mean (asked: {} or less; \
                     0 when every replicate gave the same value, inf when the mean is 0 and they differ)",
                    m.name(),
                    a.asked.typed
                ),
            )
        })
        .collect();
    cols.push(ColumnDoc::new(
        "capped",
        "",
        &format!(
            "true when the point ran the cap of {} replicates without reaching the precision asked",
            a.asked.max_replicates
        ),
    ));
    cols
}

/// Point `p`'s cells under [`columns`].
pub(crate) fn cells(achieved: Option<&Achieved>, p: usize) -> Vec<String> {
    let Some(point) = achieved.map(|a| &a.points[p]) else {
        return Vec::new();
    };
    let mut cells: Vec<String> = point.relative.iter().map(|&r| share(r)).collect();
    cells.push(point.capped.to_string());
    cells
}

fn share(r: f64) -> String {
    match r.is_finite() {
        true => format!("{r:.4}"),
        false => "inf".into(),
    }
}

/// Point `p`'s `precision` object in the JSON (None for a sweep that is not adaptive).
pub(crate) fn json_of(achieved: Option<&Achieved>, p: usize) -> Option<Value> {
    let a = achieved?;
    let point = &a.points[p];
    let reached: serde_json::Map<String, Value> = (a.asked.metrics.iter().zip(&point.relative))
        .map(|(m, &r)| (m.name().to_string(), json!(r.is_finite().then_some(r))))
        .collect();
    Some(json!({
        "asked": a.asked.share,
        "reached": reached,
        "capped": point.capped,
    }))
}

/// The notes about precision, one line each: the precision an adaptive sweep asked and reached,
/// the points that hit its cap, and why values of too few replicates have no `±`.
pub(crate) fn notes(
    exp: &Experiment,
    sums: &[PointSummaries],
    res: Option<&SweepResult>,
) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(a) = res.and_then(|r| r.precision.as_ref()) {
        let names: Vec<&str> = a.asked.metrics.iter().map(|m| m.name()).collect();
        notes.push(format!(
            "Precision asked: a 95% half-width of at most {} of the mean of {}; the points ran {} \
             in {} round(s) (cap {}).",
            a.asked.typed,
            names.join(" and "),
            a.replicates_text(),
            a.rounds,
            a.asked.max_replicates
        ));
        let capped: Vec<String> = (a.points.iter().enumerate())
            .filter(|(_, p)| p.capped)
            .map(|(i, _)| exp.point_name(i))
            .collect();
        if !capped.is_empty() {
            let shown = capped
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ");
            let more = match capped.len() > 5 {
                true => format!(" and {} more", capped.len() - 5),
                false => String::new(),
            };
            notes.push(format!(
                "{} point(s) hit the cap of {} replicates without reaching {} ({shown}{more}): \
                 their precision is in summary.csv's precision_* columns; raise --max-replicates \
                 to go further.",
                capped.len(),
                a.asked.max_replicates,
                a.asked.typed
            ));
        }
    }
    notes.extend(few_replicates_note(sums));
    notes.extend(wide_note(exp, sums));
    notes.extend(res.and_then(|r| warmup_note(exp, r)));
    notes
}

/// Why some `±` is wider than its value, when one is: the replicates spread more than their
/// mean, so the value is not known to within itself (None when no shown interval is that wide).
fn wide_note(exp: &Experiment, sums: &[PointSummaries]) -> Option<String> {
    let wide: Vec<(usize, &str)> = (sums.iter().enumerate())
        .flat_map(|(p, s)| {
            s.iter()
                .filter(|(_, v)| v.shows_interval() && v.ci95 > v.mean.abs())
                .map(move |(m, _)| (p, m.name()))
        })
        .collect();
    let &(p, metric) = wide.first()?;
    Some(format!(
        "{} value(s) have a ± wider than themselves (first: {metric} at {}): their replicates \
         spread more than their mean, so the value is known only to within the interval; \
         use --precision (e.g. --precision 10%) or more replicates to narrow it.",
        wide.len(),
        exp.point_name(p)
    ))
}

/// What the report says of the warm-up: the one detected per point under `warmup = "auto"`, or a
/// warning when a fixed warm-up is shorter than the transient MSER-5 finds after it (None: no
/// transient left).
pub(crate) fn warmup_note(exp: &Experiment, res: &SweepResult) -> Option<String> {
    let points = exp.points.len();
    if exp.warmup_auto {
        let mins: Vec<u64> = (0..points)
            .filter_map(|p| exp.warmup_of(p))
            .map(|w| w / MIN)
            .collect();
        let (lo, hi) = (mins.iter().min()?, mins.iter().max()?);
        let found = match (lo, hi) {
            (_, 0) => "no initial transient at any point, so no run discards a minute".to_string(),
            (lo, hi) if lo == hi => format!("{hi} min at every point; each run discards it"),
            (lo, hi) => format!("{lo} to {hi} min; each point's runs discard its own"),
        };
        return Some(format!(
            "Warm-up detected per point (warmup = \"auto\"): MSER-5 on the per-minute \
             IteratorAge of a pilot run from time 0 found {found}."
        ));
    }
    let found = crate::sweep::warmup::check_points(exp, res);
    let short: Vec<(usize, PointWarmup)> = (found.iter().enumerate())
        .filter_map(|(p, w)| w.filter(|w| w.beyond_min > 0).map(|w| (p, w)))
        .collect();
    let (worst, w) = short
        .iter()
        .max_by_key(|(p, w)| (w.beyond_min, usize::MAX - p))?;
    Some(format!(
        "Warning: the warm-up ({} min) is shorter than the initial transient MSER-5 finds in the \
         per-minute IteratorAge at {} of {points} point(s) (up to {} min more, at {}): their means \
         include part of it; set warmup = \"{}m\" or warmup = \"auto\" in {}.",
        w.used_min,
        short.len(),
        w.beyond_min,
        exp.point_name(*worst),
        w.used_min + w.beyond_min,
        exp.path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::adaptive::PointPrecision;
    use crate::sweep::metric::Metric;
    use crate::sweep::precision::Precision;

    #[test]
    fn an_adaptive_sweep_has_a_precision_column_per_headline_metric_and_one_for_the_cap() {
        let a = Achieved {
            asked: Precision {
                share: 0.05,
                typed: "5%".into(),
                max_replicates: 8,
                metrics: vec![Metric::IteratorAgeAvg, Metric::ThrottledReadsPerMin],
            },
            points: vec![PointPrecision {
                replicates: 8,
                relative: vec![0.0712, f64::INFINITY],
                capped: true,
            }],
            rounds: 2,
        };
        let names: Vec<String> = columns(Some(&a)).into_iter().map(|c| c.name).collect();
        assert_eq!(
            names,
            [
                "precision_iterator_age_avg_ms",
                "precision_throttled_reads_per_min",
                "capped"
            ]
        );
        assert_eq!(cells(Some(&a), 0), ["0.0712", "inf", "true"]);
        assert!(columns(None).is_empty() && cells(None, 0).is_empty());
        let j = json_of(Some(&a), 0).unwrap();
        assert_eq!(j["reached"]["throttled_reads_per_min"], Value::Null);
        assert_eq!(j["capped"], true);
    }
}
