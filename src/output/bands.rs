//! The files and lines a sweep over assumption sets adds: `sensitivity.csv`, a tornado chart of
//! the assumptions that move the headline metrics most (with their 95% intervals as whiskers),
//! and the deciding assumption per architecture, or the assumptions jointly within noise.

use super::Result;
use crate::experiment::Experiment;
use crate::plot::{self, Bars};
use crate::sweep::bands::{self, Bands, Effect, Verdict, HEADLINE};
use crate::sweep::metric::Metric;
use crate::sweep::stats::PointSummaries;
use std::fmt::Write;
use std::path::Path;

/// Bars shown in a tornado chart.
const TORNADO_ROWS: usize = 8;

/// `sensitivity.csv`: per point, metric and assumption of the point's model, the share of the
/// metric's variance across sets the assumption has any part in (`total_effect`; with the
/// given-data estimator the share it explains alone, a lower bound), the band's width, the
/// share it explains alone (`first_order`), and the 95% bootstrap interval of `total_effect`
/// (`total_effect_lo`, `total_effect_hi`); columns added later come last so that earlier ones
/// keep their places.
pub(crate) fn sensitivity_csv(exp: &Experiment, b: &Bands) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["point".to_string()];
    header.extend(exp.axes.iter().map(|a| a.path.clone()));
    let named = [
        "metric",
        "assumption",
        "total_effect",
        "band_width",
        "first_order",
        "total_effect_lo",
        "total_effect_hi",
    ];
    header.extend(named.map(String::from));
    w.write_record(&header).expect("in-memory write");
    for p in &exp.points {
        for m in Metric::ALL {
            let width = bands::spread(&b.sets, p.index, *m).width();
            for e in bands::effects(exp, b, p.index, *m) {
                let mut row = vec![p.index.to_string()];
                row.extend(p.values.iter().map(|(_, v)| v.display()));
                row.extend([
                    m.name().to_string(),
                    e.key,
                    format!("{:.3}", e.total),
                    format!("{width:.3}"),
                    format!("{:.3}", e.first_order),
                    format!("{:.3}", e.interval.0),
                    format!("{:.3}", e.interval.1),
                ]);
                w.write_record(&row).expect("in-memory write");
            }
        }
    }
    w.into_inner().expect("in-memory write")
}

/// Tornado charts (`sensitivity-<metric>.png`) of the headline metrics at the experiment's most
/// contended point.
pub(crate) fn write_plots(
    dir: &Path,
    exp: &Experiment,
    sums: &[PointSummaries],
    b: &Bands,
) -> Result<()> {
    let all: Vec<usize> = (0..exp.points.len()).collect();
    let p = bands::most_contended(sums, &all);
    for m in HEADLINE {
        let effects: Vec<_> = (bands::effects(exp, b, p, m).into_iter())
            .take(TORNADO_ROWS)
            .collect();
        let whiskers = effects.iter().map(|e| e.interval).collect();
        let rows = effects.into_iter().map(|e| (e.key, e.total)).collect();
        plot::bar_chart(
            &dir.join(format!("sensitivity-{}", m.name())),
            &Bars {
                title: format!("{}: which assumption moves {}", exp.name, m.name()),
                subtitle: Some(
                    format!(
                        "at {} (most contended point), over {} assumption sets; {}",
                        exp.points[p].key(),
                        b.design.sets(),
                        match b.design.saltelli {
                            None => "share of the spread each explains alone",
                            Some(_) => "share of the spread each has any part in (total effect)",
                        }
                    ) + "; whiskers: 95% CI",
                ),
                x_label: "share of the variance across assumption sets".into(),
                rows,
                x_max: 1.0,
                whiskers,
            },
        )?;
    }
    Ok(())
}

/// The deciding assumption of each architecture at its most contended point, e.g.
/// `consumers.fn.throttle_backoff.max (kinesis-standard)`, the assumptions none of which can be
/// told from the others (`a, b and c are jointly within noise (kinesis-standard)`), or
/// `none (kinesis-efo)`.
pub(crate) fn deciding(
    exp: &Experiment,
    sums: &[PointSummaries],
    b: &Bands,
) -> Vec<(String, String)> {
    exp.architectures()
        .into_iter()
        .map(|(name, points)| {
            let p = bands::most_contended(sums, &points);
            let who = match bands::verdict(exp, b, p) {
                Verdict::Deciding(e, _) => e.key,
                Verdict::WithinNoise(group, _) => within_noise(&group),
                Verdict::Nothing => "none".to_string(),
            };
            (name, who)
        })
        .collect()
}

/// The `assumptions` object of a sweep's `--json`: the sets its bands rest on, the design, the
/// runs of each point under each set (`set_replicates`), and
/// for `--assumptions auto` every round (sets, whether the ranking held, the largest edge move)
/// and whether it settled or stopped at the cap.
pub(crate) fn json(b: &Bands) -> serde_json::Value {
    let auto = b.auto.as_ref().map(|g| {
        let rounds: Vec<serde_json::Value> = (g.rounds.iter())
            .map(|r| {
                serde_json::json!({"sets": r.sets, "ranking_stable": r.ranking_stable,
                                   "edge_move": r.edge_move})
            })
            .collect();
        serde_json::json!({"sets": g.sets(), "settled": g.settled(), "cap": g.cap,
                           "edge_tolerance": crate::sweep::growth::EDGE_TOLERANCE,
                           "rounds": rounds})
    });
    let runs_per_set = (b.sets.first().and_then(|s| s.first())).map(|p| p.replicates());
    serde_json::json!({"sets": b.design.sets(), "design": b.design.id(),
                       "runs_per_set": runs_per_set, "auto": auto})
}

/// Names listed at most in a "jointly within noise" phrase before "and N more".
const NAMED: usize = 4;

/// `a, b and c are jointly within noise` (`a, b, c, d and 3 more ...` past [`NAMED`]).
fn within_noise(group: &[Effect]) -> String {
    let names: Vec<&str> = group.iter().map(|e| e.key.as_str()).collect();
    let list = match names.len() {
        n if n > NAMED => format!("{} and {} more", names[..NAMED].join(", "), n - NAMED),
        n => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
    };
    format!("{list} are jointly within noise")
}

/// A warning when some run starved a reader ([`crate::sweep::stats::starved`]: records waited
/// and it got no IteratorAge sample, so its IteratorAge shows 0 for no data), naming the plain
/// points and, with bands, how many assumption sets did so at how many points (their band `min`
/// and low percentiles of IteratorAge and latency are then 0 for want of data); None when no run
/// did.
pub(crate) fn starved_note(
    exp: &Experiment,
    sums: &[PointSummaries],
    bands: Option<&Bands>,
) -> Option<String> {
    let plain: Vec<usize> = (0..sums.len()).filter(|&p| sums[p].starved > 0).collect();
    let (mut sets, mut points, mut first) = (0, 0, None);
    if let Some(b) = bands {
        sets = (b.sets.iter())
            .filter(|s| s.iter().any(|p| p.starved > 0))
            .count();
        let hit: Vec<usize> = (0..sums.len())
            .filter(|&p| b.sets.iter().any(|s| s[p].starved > 0))
            .collect();
        points = hit.len();
        first = hit.first().copied();
    }
    let mut parts = Vec::new();
    if let Some(&p) = plain.first() {
        parts.push(format!(
            "in the plain runs at {} point(s), first {}",
            plain.len(),
            exp.point_name(p)
        ));
    }
    if let Some(p) = first {
        parts.push(format!(
            "under {sets} of the {} assumption sets at {points} point(s), first {} (the bands' \
             lowest values of IteratorAge and latency there are this 0)",
            bands.map_or(0, |b| b.sets.len()),
            exp.point_name(p)
        ));
    }
    match parts.is_empty() {
        true => None,
        false => Some(format!(
            "Warning: a reader read no record at all after the warm-up while records waited \
             (every read throttled, say) {}: its IteratorAge has no sample and shows as 0, which \
             is no data, not a reader that keeps up.",
            parts.join(", and ")
        )),
    }
}

/// [`deciding_line`]'s first line as a sentence of its own, for summary.md and the report.
pub(crate) fn deciding_note(exp: &Experiment, sums: &[PointSummaries], b: &Bands) -> String {
    let line = deciding_line(exp, sums, b);
    line.lines().next().unwrap_or_default().trim().to_string()
}

/// The summary line naming the deciding assumption per architecture, and for
/// `--assumptions auto` how many sets it used and why.
pub(crate) fn deciding_line(exp: &Experiment, sums: &[PointSummaries], b: &Bands) -> String {
    let parts: Vec<String> = deciding(exp, sums, b)
        .into_iter()
        .map(|(arch, who)| format!("{who} ({arch})"))
        .collect();
    let mut out = String::new();
    let over = match b.design.saltelli {
        None => format!("over {} assumption sets", b.design.sets()),
        Some(n) => format!(
            "by total effect, Saltelli design of {n} x ({} assumptions + 2) = {} sets",
            b.design.keys.len(),
            b.design.runs()
        ),
    };
    let _ = writeln!(
        out,
        "  Deciding assumption: {} ({over}; named only where its 95% interval clears the others'; see sensitivity.csv)",
        parts.join("; ")
    );
    if let Some(grown) = &b.auto {
        let _ = writeln!(out, "  --assumptions auto: {}", grown.text());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assumptions_within_noise_are_listed_as_people_write_lists() {
        let e = |k: &str| Effect {
            key: k.into(),
            first_order: 0.2,
            total: 0.2,
            interval: (0.1, 0.3),
        };
        assert_eq!(
            within_noise(&[e("fetch_records"), e("throttle_backoff.max"), e("jitter")]),
            "fetch_records, throttle_backoff.max and jitter are jointly within noise"
        );
        let many: Vec<Effect> = ["a", "b", "c", "d", "e", "f"].map(e).to_vec();
        assert_eq!(
            within_noise(&many),
            "a, b, c, d and 2 more are jointly within noise"
        );
    }
}
