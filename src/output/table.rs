//! The human summaries: of a run, one aligned table of streams and one of consumers; of a sweep,
//! one line per point with the metrics that have a table column.

use crate::model::RunReport;
use crate::sweep::metric::{Column, Format, Metric};
use crate::sweep::stats::PointSummaries;
use std::fmt::Write;

fn grid(rows: &[Vec<String>]) -> String {
    let cols = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..cols)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (i, r) in rows.iter().enumerate() {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                if c == 0 {
                    format!("{cell:<w$}", w = widths[c])
                } else {
                    format!("{cell:>w$}", w = widths[c])
                }
            })
            .collect();
        let _ = writeln!(out, "  {}", line.join("  ").trim_end());
        if i == 0 {
            let total: usize = widths.iter().sum::<usize>() + 2 * (cols.saturating_sub(1));
            let _ = writeln!(out, "  {}", "-".repeat(total));
        }
    }
    out
}

fn ms(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.1}s", v / 1000.0)
    } else {
        format!("{v:.0}ms")
    }
}

/// A readable multi-line summary.
pub(crate) fn summary(r: &RunReport) -> String {
    let mut out = format!(
        "{}: {:.0} s simulated (first {:.0} s warm-up), seed {}, {} events in {:.2} s ({:.1} M events/s)\n\n",
        r.model,
        r.simulated_s,
        r.warmup_s,
        r.seed,
        r.events,
        r.wall_s,
        r.events_per_s / 1e6
    );
    let mut rows = vec![vec![
        "stream".into(),
        "kind".into(),
        "shards".into(),
        "written".into(),
        "write throttles".into(),
        "throttled reads".into(),
        "per min".into(),
    ]];
    for s in &r.streams {
        rows.push(vec![
            s.name.clone(),
            s.kind.clone(),
            match &s.lineage {
                // Shards changed: initial → open at the end.
                Some(l) if l.shards_sealed > 0 => format!("{}→{}", s.shards, l.open_shards_end),
                _ => s.shards.to_string(),
            },
            s.records_written.to_string(),
            s.write_throttles.to_string(),
            s.throttled_reads.to_string(),
            format!("{:.1}", s.throttled_reads_per_min),
        ]);
    }
    out += &grid(&rows);
    out.push('\n');
    let mut rows = vec![vec![
        "consumer".into(),
        "read".into(),
        "age avg".into(),
        "p50".into(),
        "p99".into(),
        "max".into(),
        "processed".into(),
        "throttled".into(),
        "errors".into(),
        "dups".into(),
        "discarded".into(),
        "expired".into(),
        "peak conc".into(),
    ]];
    for c in &r.consumers {
        let a = &c.iterator_age_ms;
        rows.push(vec![
            c.name.clone(),
            c.read.clone(),
            ms(a.minute_avg),
            ms(a.p50),
            ms(a.p99),
            ms(a.max),
            c.records_processed.to_string(),
            c.throttled_reads.to_string(),
            c.errors.to_string(),
            c.duplicates.to_string(),
            c.records_discarded.to_string(),
            c.records_expired.to_string(),
            c.peak_concurrency.to_string(),
        ]);
    }
    out += &grid(&rows);
    out += "\n  IteratorAge: age of the last record of each batch; avg = mean of per-minute averages.\n";
    let acc = &r.account;
    out += &format!(
        "  Concurrency: at most {} of the account's {} executions at once",
        acc.peak_concurrency, acc.concurrency_limit
    );
    out += &if acc.throttled_invocations > 0 {
        format!(
            "; {} invocations rejected for lack of concurrency (retried).\n",
            acc.throttled_invocations
        )
    } else {
        ".\n".to_string()
    };
    if let Some(cost) = &r.cost {
        out += &format!(
            "  Cost: about ${:.2} per month at the given prices (details in summary.json).\n",
            cost.usd_per_month
        );
    }
    if let Some(cp) = &r.control_plane {
        out += &deploy_line(cp);
    }
    let (header, latency) = super::latency::rows(r);
    out.push('\n');
    out += &grid(&[vec![header], latency].concat());
    out.push('\n');
    out += &wrap(super::latency::NOTE);
    out
}

/// One line on bringing the subscribers up, naming the throttled APIs, and saying that the
/// deployment is a forecast of its own: the data plane runs with every subscriber whatever it says,
/// each from its mapping's start (the one thing the data plane takes from `model::control`).
pub(crate) fn deploy_line(cp: &crate::model::control::ControlPlaneReport) -> String {
    let by_api: Vec<String> = cp
        .apis
        .iter()
        .filter(|a| a.throttled > 0)
        .map(|a| format!("{} {}", a.api, a.throttled))
        .collect();
    let detail = if by_api.is_empty() {
        String::new()
    } else {
        format!(" ({})", by_api.join(", "))
    };
    format!(
        "  Deploy: {} of {} subscribers up, {} failed, after {:.1} s; {} of {} control-plane calls throttled{detail}.\n  \
         (Deployment is forecast on its own: the run itself starts with all {} subscribed, each reading once its mapping starts polling; deployment does not change it.)\n",
        cp.up, cp.subscribers, cp.failed, cp.deploy_s, cp.throttled, cp.attempts, cp.subscribers
    )
}

/// The printed sweep table keeps to this many characters unless the user's `--columns` ask for more.
pub(crate) const MAX_WIDTH: usize = 100;

/// What a sweep's headline says ran: every run, its events, and the time they took.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Ran {
    /// Every run: the plain ones and those under assumption sets.
    pub runs: usize,
    /// The assumption sets every point also ran under (0: none).
    pub sets: usize,
    /// The replicates of the points in words, for an adaptive sweep (`--precision`).
    pub adaptive: Option<String>,
    pub events: u64,
    pub took: Took,
}

/// The time a sweep's headline states.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Took {
    /// Seconds of wall time from the start of the command.
    Wall(f64),
    /// The runs' own seconds added up (a merge, whose runs ran elsewhere).
    Summed(f64),
}

/// The first line of a sweep's summary: what ran, how many events, how long it took.
/// How often each point runs under each assumption set, in words: `1 run each`, `3 runs each`.
pub(crate) fn set_runs_text(set_replicates: u32) -> String {
    match set_replicates {
        1 => "1 run each".into(),
        n => format!("{n} runs each"),
    }
}

pub(crate) fn sweep_headline(exp: &crate::experiment::Experiment, ran: &Ran) -> String {
    let shape = match &ran.adaptive {
        Some(replicates) => format!(
            "{} points x {replicates} (adaptive): {} runs",
            exp.points.len(),
            ran.runs
        ),
        None => format!(
            "{} points x {} replicate(s)",
            exp.points.len(),
            exp.replicates
        ),
    };
    let shape = match ran.sets {
        0 => shape,
        sets => format!(
            "{shape}, each also under {sets} assumption sets ({}): {} runs",
            set_runs_text(exp.set_replicates),
            ran.runs
        ),
    };
    let (seconds, took) = match ran.took {
        Took::Wall(s) => (s, format!("in {s:.2} s")),
        Took::Summed(s) => (
            s,
            format!("in {s:.2} s of run time summed over the journals"),
        ),
    };
    format!(
        "{}: {shape}, {} events {took} ({:.1} M events/s)",
        exp.name,
        ran.events,
        ran.events as f64 / seconds.max(1e-9) / 1e6,
    )
}

/// One line per sweep point: its name and the metrics chosen (`columns`), or by default the metrics
/// that have a table column, as many as fit in [`MAX_WIDTH`], under the [`sweep_headline`].
pub(crate) fn sweep_summary(
    exp: &crate::experiment::Experiment,
    sums: &[PointSummaries],
    ran: &Ran,
    columns: Option<&[Metric]>,
) -> String {
    let chosen: Vec<(Metric, Column)> = match columns {
        Some(ms) => ms.iter().map(|&m| (m, column_of(m))).collect(),
        None => Metric::ALL
            .iter()
            .filter_map(|&m| m.column().map(|c| (m, c)))
            .collect(),
    };
    let mut header = vec!["point".to_string()];
    header.extend(chosen.iter().map(|(_, c)| c.header.to_string()));
    let mut rows = vec![header];
    for (p, s) in sums.iter().enumerate() {
        let mut row = vec![exp.point_name(p)];
        row.extend(chosen.iter().map(|&(m, c)| cell(s[m].mean, c.format)));
        rows.push(row);
    }
    let dropped = if columns.is_some() {
        Vec::new()
    } else {
        fit(&mut rows, &chosen, sums)
    };
    let mut out = format!("{}\n\n{}", sweep_headline(exp, ran), grid(&rows));
    if !dropped.is_empty() {
        out += &wrap(&format!(
            "not shown, to fit {MAX_WIDTH} columns (choose with --columns): {}",
            dropped.join(", ")
        ));
    }
    out
}

/// `text` as lines of at most [`MAX_WIDTH`] characters, indented by two.
fn wrap(text: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(" ");
    for word in text.split(' ') {
        if line.len() + 1 + word.len() > MAX_WIDTH && !line.trim().is_empty() {
            out += &line;
            out += "\n";
            line = String::from(" ");
        }
        line += " ";
        line += word;
    }
    out + &line + "\n"
}

/// A metric's column, or one made from its name for metrics the default table leaves out.
fn column_of(m: Metric) -> Column {
    m.column().unwrap_or(Column {
        header: m.name(),
        format: if m.unit() == crate::sweep::metric::Unit::Milliseconds {
            Format::Duration
        } else {
            Format::Decimals(2)
        },
    })
}

/// Columns that repeat what another says more briefly, dropped first when the table is too wide.
const SECONDARY: [&str; 3] = [
    "iterator_age_worst_minute_avg_ms",
    "iterator_age_p99_ms",
    "delivery_latency_ms",
];

/// Drops columns until the table fits [`MAX_WIDTH`]: first those zero at every point (they say
/// nothing), then the secondary ones, then from the right; the point column always stays. Returns
/// the dropped metrics' names.
fn fit(
    rows: &mut [Vec<String>],
    chosen: &[(Metric, Column)],
    sums: &[PointSummaries],
) -> Vec<String> {
    let width = |rows: &[Vec<String>]| {
        let cols = rows[0].len();
        let cells: usize = (0..cols)
            .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
            .sum();
        2 + cells + 2 * cols.saturating_sub(1)
    };
    let mut kept: Vec<Metric> = chosen.iter().map(|&(m, _)| m).collect();
    let zero = |m: Metric| sums.iter().all(|s| s[m].mean == 0.0);
    let secondary = |m: Metric| SECONDARY.contains(&m.name());
    let order: Vec<Metric> = kept
        .iter()
        .copied()
        .filter(|&m| zero(m))
        .chain(kept.iter().copied().filter(|&m| !zero(m) && secondary(m)))
        .chain(
            kept.iter()
                .rev()
                .copied()
                .filter(|&m| !zero(m) && !secondary(m)),
        )
        .collect();
    let mut dropped = Vec::new();
    for m in order {
        if width(rows) <= MAX_WIDTH || kept.len() <= 1 {
            break;
        }
        let i = kept.iter().position(|&k| k == m).expect("kept");
        kept.remove(i);
        for r in rows.iter_mut() {
            r.remove(i + 1);
        }
        dropped.push(m.name().to_string());
    }
    dropped
}

/// A metric's mean as the printed sweep table shows it.
pub(crate) fn cell(x: f64, format: Format) -> String {
    match format {
        Format::Duration => ms(x),
        Format::Decimals(d) => format!("{x:.d$}"),
    }
}
