//! Every file of a sweep's folder, written by one function that `sim sweep`, `sim plan --out`
//! and any command that ends with a sweep's results call, so that their folders hold the same
//! files.

use super::sweep::{json, runs_csv, summary_csv};
use crate::experiment::Experiment;
use crate::fsio;
use crate::plan::Slo;
use crate::sweep::bands::Bands;
use crate::sweep::SweepResult;
use anyhow::Result;
use std::path::Path;

/// How a sweep's files are written, besides the experiment and its runs.
#[derive(Clone, Default)]
pub struct WriteOptions<'a> {
    /// The command line that made the runs, as typed (for the manifest and the report).
    pub command_line: String,
    /// The objectives answered in the report and `plan.md` (None: the experiment's `[plan]`).
    pub slos: Option<Vec<Slo>>,
    /// The runs under plausible assumption sets (`--assumptions N`): bands in `summary.csv`,
    /// `summary.json` and the plots, `sensitivity.csv` and the tornado charts.
    pub bands: Option<&'a Bands>,
}

/// Writes every file of a sweep into `dir`: `runs.csv`, `summary.csv`, `timeseries.csv`,
/// `summary.json`, `summary.md`, the plots, `plan.json` and `plan.md` when there are objectives,
/// `report.html` and `manifest.json`. `sim sweep` and every command that ends with a sweep's
/// results call it, so their folders hold the same files.
pub fn write_all(
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
    let answers = crate::plan::answer(exp, &sums, &counters, &slos);
    fsio::write(&dir.join("runs.csv"), &runs_csv(exp, res))?;
    fsio::write(
        &dir.join("summary.csv"),
        &summary_csv(exp, &sums, opts.bands),
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
        super::markdown::summary(exp, &sums).as_bytes(),
    )?;
    if !slos.is_empty() {
        let plan_json = crate::plan::json(exp, &slos, &answers, None).to_string() + "\n";
        fsio::write(&dir.join("plan.json"), plan_json.as_bytes())?;
        let md = crate::plan::markdown(exp, &slos, &answers);
        fsio::write(&dir.join("plan.md"), md.as_bytes())?;
    }
    super::sweep_plots::write_plots(dir, exp, res, &sums, opts.bands)?;
    let page = super::html_report::SweepPage {
        exp,
        res,
        sums: &sums,
        slos: &slos,
        answers: &answers,
        command_line: &opts.command_line,
        sets: opts.bands.map_or(0, |b| b.design.runs()),
    };
    let html = super::html_report::sweep_page(&page, &super::html_report::svgs_in(dir)?);
    fsio::write(&dir.join("report.html"), html.as_bytes())?;
    let manifest = super::manifest::sweep(exp, res, &opts.command_line, opts.bands.is_some());
    fsio::write(&dir.join("manifest.json"), manifest.as_bytes())
}
