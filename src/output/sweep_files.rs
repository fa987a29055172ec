//! Every file of a sweep's folder, written by one function that `sim sweep`, `sim plan --out`
//! and any command that ends with a sweep's results call, so that their folders hold the same
//! files.

use super::sweep::{json, runs_csv, summary_csv};
use super::Result;
use crate::experiment::Experiment;
use crate::fsio;
use crate::plan::Slo;
use crate::sweep::bands::Bands;
use crate::sweep::SweepResult;
use std::path::Path;

/// How a sweep's files are written, besides the experiment and its runs.
#[derive(Clone, Default)]
pub(crate) struct WriteOptions<'a> {
    /// The command line that made the runs, as typed (for the manifest and the report).
    pub command_line: String,
    /// The objectives answered in the report and `plan.md` (None: the experiment's `[plan]`).
    pub slos: Option<Vec<Slo>>,
    /// The runs under plausible assumption sets (`--assumptions N`): bands in `summary.csv`,
    /// `summary.json` and the plots, `sensitivity.csv` and the tornado charts.
    pub bands: Option<&'a Bands>,
    /// What identifies the sweep, for `results.json` (None: no `results.json`).
    pub identity: Option<super::results::Identity>,
}

/// Writes every file of a sweep into `dir`: `runs.csv`, `summary.csv`, `timeseries.csv`,
/// `summary.json`, `summary.md`, the plots, `plan.json` and `plan.md` when there are objectives,
/// `report.html`, `results.json` and `manifest.json`. `sim sweep` and every command that ends
/// with a sweep's results call it, so their folders hold the same files.
pub(crate) fn write_all(
    dir: &Path,
    exp: &Experiment,
    res: &SweepResult,
    opts: &WriteOptions<'_>,
) -> Result<()> {
    let sums = crate::sweep::stats::summarise(exp, res);
    let slos = match &opts.slos {
        Some(s) => s.clone(),
        None => crate::plan::objectives(exp)?,
    };
    let counters = crate::plan::counters(exp, res);
    fsio::write(&dir.join("runs.csv"), &runs_csv(exp, res))?;
    fsio::write(
        &dir.join("summary.csv"),
        &summary_csv(exp, &sums, opts.bands, res.precision.as_ref()),
    )?;
    if let Some(b) = opts.bands {
        fsio::write(
            &dir.join("sensitivity.csv"),
            &super::bands::sensitivity_csv(exp, b),
        )?;
        super::bands::write_plots(dir, exp, &sums, b)?;
    }
    fsio::write_with(&dir.join("timeseries.csv"), |w| {
        super::timeseries::write(w, exp, res)
    })?;
    let json_text = json(exp, res, &sums, opts.bands).to_string() + "\n";
    fsio::write(&dir.join("summary.json"), json_text.as_bytes())?;
    fsio::write(
        &dir.join("summary.md"),
        (super::markdown::summary(exp, &sums, res)
            + &super::verdict::markdown(exp, &sums, opts.bands)
            + &(opts.bands)
                .map(|b| format!("\n{}\n", super::bands::deciding_note(exp, &sums, b)))
                .unwrap_or_default()
            + &super::bands::starved_note(exp, &sums, opts.bands)
                .map(|n| format!("\n{n}\n"))
                .unwrap_or_default())
            .as_bytes(),
    )?;
    super::sweep_plots::write_plots(dir, exp, res, &sums, opts.bands)?;
    let verdicts = Verdicts {
        runs: res.runs.len(),
        events: res.events,
        sums: &sums,
        slos: &slos,
        bands: opts.bands,
        counters: &counters,
        command_line: &opts.command_line,
        series: Some(res),
    };
    write_verdicts(dir, dir, exp, &verdicts)?;
    if let Some(id) = &opts.identity {
        let text = super::results::json(
            id.clone(),
            res.runs.len(),
            res.events,
            &sums,
            &counters,
            opts.bands,
        );
        fsio::write(&dir.join(super::results::FILE), text.as_bytes())?;
    }
    let manifest = super::manifest::sweep(exp, res, &opts.command_line, opts.bands.is_some());
    Ok(fsio::write(
        &dir.join("manifest.json"),
        manifest.as_bytes(),
    )?)
}

/// What the verdict files rest on: a sweep's summaries, its objectives and assumption sets.
pub(crate) struct Verdicts<'a> {
    pub runs: usize,
    pub events: u64,
    pub sums: &'a [crate::sweep::stats::PointSummaries],
    pub slos: &'a [Slo],
    pub bands: Option<&'a Bands>,
    /// What each point's runs counted besides their metrics (for the limit that binds).
    pub counters: &'a [crate::plan::Counters],
    pub command_line: &'a str,
    /// The runs, for the explorer's per-minute series (None: not at hand, as over a saved sweep).
    pub series: Option<&'a SweepResult>,
}

/// Writes the verdicts into `dir`: `plan.json` and `plan.md` when there are objectives (with the
/// verdict under assumption sets where the sweep ran them), and `report.html`, whose plots are
/// the SVG files in `svg_dir`. `sim plan` over a sweep already in a folder writes only these.
pub(crate) fn write_verdicts(
    dir: &Path,
    svg_dir: &Path,
    exp: &Experiment,
    v: &Verdicts,
) -> Result<()> {
    let answers = crate::plan::answer(exp, v.sums, v.counters, v.slos);
    let robust = match (v.bands, v.slos.is_empty()) {
        (Some(b), false) => Some(crate::plan::robustness(exp, b, v.slos)),
        _ => None,
    };
    if !v.slos.is_empty() {
        let plan_json =
            crate::plan::json(exp, v.slos, &answers, robust.as_deref()).to_string() + "\n";
        fsio::write(&dir.join("plan.json"), plan_json.as_bytes())?;
        let mut md = crate::plan::markdown(exp, v.slos, &answers);
        if let Some(r) = &robust {
            md += &crate::plan::robustness_report(exp, r);
            if !md.ends_with('\n') {
                md.push('\n');
            }
        }
        fsio::write(&dir.join("plan.md"), md.as_bytes())?;
    }
    let page = super::html_report::SweepPage {
        exp,
        runs: v.runs,
        events: v.events,
        sums: v.sums,
        slos: v.slos,
        answers: &answers,
        robust: robust.as_deref(),
        command_line: v.command_line,
        sets: v.bands.map_or(0, |b| b.design.runs()),
        auto: (v.bands.and_then(|b| b.auto.as_ref())).map(|g| g.text()),
        precision: v.series.and_then(|r| r.precision.as_ref()),
        notes: &(super::precision::notes(exp, v.sums, v.series).into_iter())
            .chain(v.bands.map(|b| super::bands::deciding_note(exp, v.sums, b)))
            .chain(super::bands::starved_note(exp, v.sums, v.bands))
            .collect::<Vec<_>>(),
        explore: &super::explore::data(exp, v.sums, v.series, v.bands),
        throttle: &super::verdict::sentences(exp, v.sums, v.bands),
    };
    let html = super::html_report::sweep_page(&page, &super::html_report::svgs_in(svg_dir)?);
    Ok(fsio::write(&dir.join("report.html"), html.as_bytes())?)
}
