//! The files and lines a sweep over assumption sets adds: `sensitivity.csv`, a tornado chart of
//! the assumptions that move the headline metrics most, and the deciding assumption per
//! architecture.

use super::Result;
use crate::experiment::Experiment;
use crate::plot::{self, Bars};
use crate::sweep::bands::{self, Bands, HEADLINE};
use crate::sweep::metric::Metric;
use crate::sweep::stats::PointSummaries;
use std::fmt::Write;
use std::path::Path;

/// Bars shown in a tornado chart.
const TORNADO_ROWS: usize = 8;

/// `sensitivity.csv`: per point, metric and assumption of the point's model, the share of the
/// metric's variance across sets the assumption has any part in (`total_effect`; with the
/// given-data estimator the share it explains alone, a lower bound), the band's width, and the
/// share it explains alone (`first_order`, last so that earlier columns keep their places).
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
        let effects = bands::effects(exp, b, p, m);
        let rows = effects
            .into_iter()
            .take(TORNADO_ROWS)
            .map(|e| (e.key, e.total))
            .collect();
        plot::bar_chart(
            &dir.join(format!("sensitivity-{}", m.name())),
            &Bars {
                title: format!("{}: which assumption moves {}", exp.name, m.name()),
                subtitle: Some(format!(
                    "at {} (most contended point), over {} assumption sets; {}",
                    exp.points[p].key(),
                    b.design.sets(),
                    match b.design.saltelli {
                        None => "share of the spread each explains alone",
                        Some(_) => "share of the spread each has any part in (total effect)",
                    }
                )),
                x_label: "share of the variance across assumption sets".into(),
                rows,
                x_max: 1.0,
            },
        )?;
    }
    Ok(())
}

/// The deciding assumption of each architecture at its most contended point, e.g.
/// `consumers.fn.throttle_backoff.max (kinesis-standard)`, or `none (kinesis-efo)`.
pub(crate) fn deciding(
    exp: &Experiment,
    sums: &[PointSummaries],
    b: &Bands,
) -> Vec<(String, String)> {
    exp.architectures()
        .into_iter()
        .map(|(name, points)| {
            let p = bands::most_contended(sums, &points);
            let who = bands::deciding(exp, b, p).map_or("none".to_string(), |(e, _)| e.key);
            (name, who)
        })
        .collect()
}

/// The summary line naming the deciding assumption per architecture.
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
        "  Deciding assumption: {} ({over}; see sensitivity.csv)",
        parts.join("; ")
    );
    out
}
