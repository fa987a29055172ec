//! `report.html`: one self-contained page a reviewer opens or attaches. The question and its
//! answer come first (the plan's verdicts when there are objectives, else the headline metrics
//! per architecture), then the explorer of one point (`explore.rs`), then the plots (the sweep's own SVGs, inlined), the summary table, the
//! assumptions in force, the model and experiment text, and what made it (version, command line).

use super::html::{self, escape};
use super::markdown::{headline, mean_pm};
use super::{OutputError, Result};
use crate::experiment::Experiment;
use crate::model::RunReport;
use crate::plan::{Answer, Robustness, Slo};
use crate::sweep::metric::Metric;
use crate::sweep::stats::PointSummaries;
use std::path::Path;

/// Everything the page of a sweep shows.
pub(crate) struct SweepPage<'a> {
    pub exp: &'a Experiment,
    /// How many runs made the page's numbers, and how many events they simulated.
    pub runs: usize,
    pub events: u64,
    pub sums: &'a [PointSummaries],
    pub slos: &'a [Slo],
    pub answers: &'a [Answer],
    /// The verdict under plausible assumption sets, when the sweep ran them.
    pub robust: Option<&'a [Robustness]>,
    pub command_line: &'a str,
    /// The assumption sets every point also ran under (0: none).
    pub sets: usize,
    /// How `--assumptions auto` came to that many sets (None: they were asked for).
    pub auto: Option<String>,
    /// What an adaptive sweep reached (None: a sweep of fixed replicates, or one read back).
    pub precision: Option<&'a crate::sweep::adaptive::Achieved>,
    /// The notes on the numbers' precision (`output::precision::notes`), shown with the answer.
    pub notes: &'a [String],
    /// The explorer's data ([`super::explore::data`]); shown after the answer.
    pub explore: &'a serde_json::Value,
    /// The throttle verdict per architecture, with its band ([`super::verdict::sentences`]).
    pub throttle: &'a [String],
}

/// What the page of one run shows besides its report.
pub struct RunPage<'a> {
    pub model_path: &'a Path,
    pub model_text: &'a str,
    pub command_line: &'a str,
}

/// The SVG files of `dir` and of its `timeseries/` folder (top level first, metric charts in
/// table order), with their text.
pub(crate) fn svgs_in(dir: &Path) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for sub in [dir.to_path_buf(), dir.join("timeseries")] {
        let Ok(entries) = std::fs::read_dir(&sub) else {
            continue;
        };
        let mut names: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "svg"))
            .collect();
        names.sort_by_key(|p| (chart_rank(p), p.clone()));
        for p in names {
            let text = std::fs::read_to_string(&p).map_err(|source| OutputError::Read {
                path: p.clone(),
                source,
            })?;
            let name = p.strip_prefix(dir).unwrap_or(&p).display().to_string();
            out.push((name, text));
        }
    }
    Ok(out)
}

/// Where a chart stands on the page: the metric charts in the metric table's order, then the rest
/// by name.
fn chart_rank(path: &Path) -> usize {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    Metric::ALL
        .iter()
        .filter_map(|m| m.chart())
        .position(|c| stem.as_deref() == Some(c.stem))
        .unwrap_or(usize::MAX)
}

/// The page of a sweep; `svgs` are the plots to inline, (file name, text).
pub(crate) fn sweep_page(p: &SweepPage, svgs: &[(String, String)]) -> String {
    let exp = p.exp;
    let mut body = String::new();
    if !exp.description.is_empty() {
        body += &format!("<p class=\"lede\">{}</p>\n", escape(&exp.description));
    }
    let mut answer = answer(p);
    for line in p.throttle {
        answer += &html::para(line);
    }
    body += &html::section("answer", "The question and the answer", &answer);
    body += &html::section(
        "explore",
        "Explore one point",
        &super::explore::section(p.explore),
    );
    body += &html::section("plots", "Plots", &plots(svgs));
    body += &html::section("summary", "Every metric per point", &summary_table(p));
    body += &html::section("assumptions", "Assumptions in force", &assumptions(exp));
    body += &html::section("inputs", "The experiment and its models", &inputs(exp));
    body += &html::section(
        "provenance",
        "How this was made",
        &provenance(p.command_line, &runs_line(p)),
    );
    html::page(&format!("{}: sweep report", exp.name), &body)
}

fn runs_line(p: &SweepPage) -> String {
    let replicates = match p.precision {
        Some(a) => format!("{} (adaptive)", a.replicates_text()),
        None => format!("{} replicate(s)", p.exp.replicates),
    };
    let plain = format!(
        "{} points x {replicates} = {} runs, {} events, experiment seed {}",
        p.exp.points.len(),
        p.runs,
        p.events,
        p.exp.seed
    );
    match p.sets {
        0 => plain,
        sets => format!(
            "{plain}; and each point under {sets} assumption sets ({}): {} runs more{}",
            super::table::set_runs_text(p.exp.set_replicates),
            sets * p.exp.set_runs(),
            (p.auto.as_ref()).map_or(String::new(), |a| format!(" (--assumptions auto: {a})"))
        ),
    }
}

/// The verdicts when there are objectives, else the headline metrics of every point.
fn answer(p: &SweepPage) -> String {
    if p.slos.is_empty() {
        let q = "How does each architecture behave? (No objectives stated: add a [plan] table \
                 with slo = [\"iterator_age_max < 30s\", ...] to the experiment file for verdicts.)";
        return html::para(q) + &notes(p) + &headline_table(p.exp, p.sums);
    }
    let objectives: Vec<String> = p.slos.iter().map(|s| s.text.clone()).collect();
    let mut out = html::para(&format!(
        "Which configurations meet {}?",
        objectives.join(" and ")
    ));
    out += "<div class=\"answer\"><ul>\n";
    for line in crate::plan::report(p.exp, p.slos, p.answers).lines() {
        if let Some(item) = line.strip_prefix("- ") {
            out += &verdict_item(item.replace('`', ""));
        }
    }
    out += "</ul></div>\n";
    if let Some(r) = p.robust {
        out += &html::source(
            "the verdict under plausible assumption sets",
            crate::plan::robustness_report(p.exp, r).trim(),
            true,
        );
    }
    out + &notes(p) + &headline_table(p.exp, p.sums)
}

/// The notes on the numbers' precision, a paragraph each.
fn notes(p: &SweepPage) -> String {
    p.notes.iter().map(|n| html::para(n)).collect()
}

fn verdict_item(text: String) -> String {
    let class = if text.contains("no configuration") {
        "fail"
    } else {
        "ok"
    };
    let (arch, rest) = text.split_once(": ").unwrap_or(("", &text));
    format!(
        "<li><span class=\"{class}\">{}</span>: {}</li>\n",
        escape(arch),
        escape(rest)
    )
}

/// One row per point, the axes and the headline metrics (mean ± 95% half-width).
fn headline_table(exp: &Experiment, sums: &[PointSummaries]) -> String {
    let cols = headline();
    let mut header = point_header(exp);
    header.extend(cols.iter().map(|(_, c)| c.header.to_string()));
    let rows: Vec<Vec<String>> = exp
        .points
        .iter()
        .zip(sums)
        .map(|(pt, s)| {
            let mut row = point_cells(exp, pt);
            row.extend(cols.iter().map(|&(m, c)| mean_pm(s[m], c)));
            row
        })
        .collect();
    html::table(&header, &rows, exp.axes.len().max(1))
}

fn point_header(exp: &Experiment) -> Vec<String> {
    if exp.axes.is_empty() {
        return vec!["point".into()];
    }
    exp.axes.iter().map(|a| a.label.clone()).collect()
}

fn point_cells(exp: &Experiment, p: &crate::experiment::Point) -> Vec<String> {
    if exp.axes.is_empty() {
        return vec!["base model".into()];
    }
    p.values.iter().map(|(_, v)| v.display()).collect()
}

fn plots(svgs: &[(String, String)]) -> String {
    if svgs.is_empty() {
        return html::para("This sweep drew no plots.");
    }
    svgs.iter()
        .map(|(name, svg)| html::figure(name, svg))
        .collect()
}

/// Every metric, mean and 95% half-width, one row per point (as summary.csv has it).
fn summary_table(p: &SweepPage) -> String {
    let exp = p.exp;
    let mut header = point_header(exp);
    header.extend(Metric::ALL.iter().map(|m| m.name().to_string()));
    let rows: Vec<Vec<String>> = exp
        .points
        .iter()
        .zip(p.sums)
        .map(|(pt, s)| {
            let mut row = point_cells(exp, pt);
            row.extend(s.iter().map(|(_, v)| {
                if v.shows_interval() {
                    format!("{:.3} ± {:.3}", v.mean, v.ci95)
                } else {
                    format!("{:.3}", v.mean)
                }
            }));
            row
        })
        .collect();
    let units = Metric::ALL
        .iter()
        .map(|m| {
            format!(
                "{} ({}): {}",
                m.name(),
                super::columns::unit_name(m.unit()),
                m.description()
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    html::table(&header, &rows, exp.axes.len().max(1)) + &html::para(&format!("Columns: {units}."))
}

/// The parameters the experiment fixes or sweeps. A catalogue of the model's assumptions (the
/// defaults AWS does not document) belongs here too once the model layer exposes one.
fn assumptions(exp: &Experiment) -> String {
    let mut rows: Vec<Vec<String>> = exp
        .fixed_overrides()
        .iter()
        .map(|o| {
            vec![
                o.path.clone(),
                o.value.clone(),
                "fixed by the experiment".into(),
            ]
        })
        .collect();
    rows.extend(exp.axes.iter().map(|a| {
        let values: Vec<String> = a.values.iter().map(|v| v.display()).collect();
        vec![
            a.path.clone(),
            values.join(", "),
            format!("swept (axis `{}`)", a.label),
        ]
    }));
    let header = ["parameter".to_string(), "value".into(), "where from".into()];
    html::table(&header, &rows, 3) + &assumed(exp)
}

/// Every parameter AWS does not document, per model: the value in force, its plausible range,
/// why it is assumed and the source (the catalogue `sim assumptions` lists).
fn assumed(exp: &Experiment) -> String {
    use crate::assumptions::{expand, Catalogue, Current};
    let cat = Catalogue::load();
    let mut rows = Vec::new();
    for m in distinct_models(exp) {
        let Ok(params) = expand(cat, m, exp.fixed_overrides(), &[]) else {
            continue;
        };
        for p in params {
            let e = &cat.entries[p.entry];
            let value = match &p.current {
                Current::Model(v) => v.display(),
                Current::Default(v) => format!("{} (default)", v.display()),
                Current::Other(t) => format!("{t} (as written)"),
            };
            let range = crate::assumptions::report::range_text(&p.range);
            rows.push(vec![
                m.path.display().to_string(),
                p.key,
                value,
                range,
                e.why.clone(),
                e.source.clone(),
            ]);
        }
    }
    let header = [
        "model",
        "assumed parameter",
        "value in force",
        "plausible range",
        "why",
        "source",
    ]
    .map(String::from);
    html::para(
        "The parameters below are not documented by AWS: each is an assumption with a plausible \
         range (docs/model.md §19; `sim sweep --assumptions N` shows how far the results move \
         across it, with sensitivity.csv naming the assumption that decides).",
    ) + &html::table(&header, &rows, 6)
}

/// The model files of `exp`, each once (the base model is often also a value of its `model` axis).
fn distinct_models(exp: &Experiment) -> Vec<&crate::config::ModelFile> {
    let mut out: Vec<&crate::config::ModelFile> = Vec::new();
    for m in exp.model_files() {
        let same = |o: &&crate::config::ModelFile| {
            o.path == m.path
                || (o.text == m.text
                    && std::fs::canonicalize(&o.path).ok() == std::fs::canonicalize(&m.path).ok())
        };
        if !out.iter().any(same) {
            out.push(m);
        }
    }
    out
}

fn inputs(exp: &Experiment) -> String {
    let mut out = html::source(&exp.path.display().to_string(), &exp.text, true);
    for m in distinct_models(exp) {
        out += &html::source(&m.path.display().to_string(), &m.text, false);
    }
    out
}

fn provenance(command_line: &str, what: &str) -> String {
    let rows = vec![
        vec![
            "sim version".to_string(),
            env!("CARGO_PKG_VERSION").to_string(),
        ],
        vec!["command line".into(), command_line.to_string()],
        vec!["runs".into(), what.to_string()],
    ];
    html::table(&["".to_string(), "".into()], &rows, 2)
}

/// The page of one run: its consumers' headline numbers, its per-minute charts (`svgs`, as
/// [`super::run_charts::svgs`] draws them), its cost and deployment, the model text and the
/// command line.
pub(crate) fn run_page(r: &RunReport, p: &RunPage, svgs: &[(String, String)]) -> String {
    let mut body = html::para(&format!(
        "{} simulated after {} s of warm-up, seed {}.",
        crate::engine::time::format_duration(((r.simulated_s - r.warmup_s).max(0.0) * 1e9) as u64),
        r.warmup_s,
        r.seed
    ));
    body += &html::section(
        "answer",
        "IteratorAge and throttles per consumer",
        &consumer_table(r),
    );
    let (header, rows) = super::latency::rows(r);
    body += &html::section(
        "latency",
        "Single-record latency per consumer",
        &(html::table(&header, &rows, 1) + &html::para(super::latency::NOTE)),
    );
    body += &html::section("plots", "Per minute", &plots(svgs));
    let mut cost = super::run_charts::cost(r);
    if let Some(cp) = &r.control_plane {
        cost += &html::para(super::table::deploy_line(cp).trim());
    }
    body += &html::section("cost", "Cost and deployment", &cost);
    body += &html::section(
        "assumptions",
        "Assumptions in force",
        &html::para(
            "The model file's values and sim's defaults; the defaults AWS does not document are \
             marked ASSUMPTION in docs/model.md, with their sources in docs/sources.md.",
        ),
    );
    body += &html::section(
        "inputs",
        "The model",
        &html::source(&p.model_path.display().to_string(), p.model_text, true),
    );
    body += &html::section(
        "provenance",
        "How this was made",
        &provenance(p.command_line, &format!("1 run, {} events", r.events)),
    );
    html::page(&format!("{}: run report", r.model), &body)
}

fn consumer_table(r: &RunReport) -> String {
    let header: Vec<String> = [
        "consumer",
        "stream",
        "read",
        "age avg (ms)",
        "age max (ms)",
        "age p99 (ms)",
        "throttled/min",
        "errors",
        "records processed",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let rows: Vec<Vec<String>> = r
        .consumers
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                c.stream.clone(),
                c.read.clone(),
                format!("{:.0}", c.iterator_age_ms.minute_avg),
                format!("{:.0}", c.iterator_age_ms.max),
                format!("{:.0}", c.iterator_age_ms.p99),
                format!("{:.1}", c.throttled_reads_per_min),
                c.errors.to_string(),
                c.records_processed.to_string(),
            ]
        })
        .collect();
    html::table(&header, &rows, 3)
}
