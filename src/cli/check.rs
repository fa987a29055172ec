//! `sim check`: a verdict where the decision is made. The architecture (and, with `--base`, its
//! previous version) is loaded, run as one sweep point each (and under assumption sets with
//! `--assumptions N`), and held to its objectives; the verdict is printed, and written as
//! Markdown and JUnit XML for a CI job. Exit 0: every objective holds; 1: one does not; 2: bad
//! input, with nothing written.

use super::args::CheckArgs;
use super::common::*;
use super::sweeps::{failed, sweep_forecast};
use crate::config::objectives::{self, Stated};
use crate::config::{traffic, ConfigError, ModelFile};
use crate::experiment::Experiment;
use crate::fsio::single;
use crate::import::{import, ImportOptions};
use crate::plan::check::{Outcome, Verdict};
use crate::plan::Slo;
use crate::progress::{Show, Study};
use crate::sweep::{self, design::AssumptionDesign};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// The architecture the files at `paths` describe, as a model: one model file (`.toml`) as it is,
/// anything else (CloudFormation, SAM, `cdk synth` output, `terraform show -json`, AWS CLI JSON;
/// several files at once) through `sim import` with the traffic flags in `opts`. The one place
/// that turns what the user named into a model.
pub(super) fn load_architecture(
    paths: &[PathBuf],
    opts: &ImportOptions,
) -> Result<ModelFile, Failure> {
    let is_model = |p: &PathBuf| {
        p.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
    };
    match paths {
        [] => Err(Failure::Usage("no model file given".into())),
        [one] if is_model(one) => open_model(one),
        _ if paths.iter().any(is_model) => Err(Failure::Usage(format!(
            "sim check reads one model file (.toml), or templates, Terraform JSON and AWS CLI \
             output to import, not both: {}",
            shown(paths)
        ))),
        _ => {
            let imported = import(paths, opts).map_err(ConfigError::from)?;
            for w in &imported.warnings {
                eprintln!("warning: {w}");
            }
            // Named after the first source: its folder is where relative paths start, and a
            // message about the model names a file the user gave.
            Ok(ModelFile::from_text(&paths[0], imported.model_toml)?)
        }
    }
}

/// How `paths` are named in the verdict.
fn shown(paths: &[PathBuf]) -> String {
    (paths.iter().map(|p| p.display().to_string()))
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn run_check(args: CheckArgs) -> Result<(), Failure> {
    let opts = ImportOptions {
        rate: args.unstated.rate.clone(),
        record_size: args.unstated.record_size.clone(),
        function_duration: args.unstated.function_duration.clone(),
        ..ImportOptions::default()
    };
    let change = traffic::apply(&load_architecture(&args.model, &opts)?, &args.traffic)?;
    let base = match args.base.is_empty() {
        true => None,
        false => Some(traffic::apply(
            &load_architecture(&args.base, &opts)?,
            &args.traffic,
        )?),
    };
    tell_fitted(&change);
    let slos = gather_objectives(&args, &change)?;
    let outputs = outputs(&args)?;
    let sets = match args.assumptions {
        Some(0) | None => None,
        Some(n) => Some(n as usize),
    };
    let mut versions = vec![(change, &args.model)];
    versions.extend(base.map(|b| (b, &args.base)));
    let exps = (versions.iter())
        .map(|(file, _)| Experiment::of_model(file.clone(), args.set.clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let designs = (exps.iter())
        .map(|e| sets.map(|n| AssumptionDesign::new(e, n)).transpose())
        .collect::<Result<Vec<_>, _>>()?;
    let budget = Budget::of(args.max_events, args.max_memory.as_deref())?;
    let mut planned = Vec::new();
    for (exp, design) in exps.iter().zip(&designs) {
        let times = 1.0 + design.as_ref().map_or(0.0, |d| d.runs() as f64);
        check_budget("this check", sweep_forecast(exp).times(times), budget)?;
        planned.extend(sweep::workload::planned(exp, design.as_ref(), None));
    }
    let prices = crate::config::prices::load(args.prices.as_deref())?;
    let show = match std::io::stderr().is_terminal() {
        true => Show::Bar,
        false => Show::Nothing,
    };
    let study = Study::new("sim check", &planned, show);
    let tell = |weight: f64| study.tick(weight);
    let opts = sweep::Options {
        jobs: args.jobs.unwrap_or(0),
        journal: None,
        resume: false,
        stop: interrupt_flag(),
        prices: Some(&prices),
        partition: None,
        on_done: Some(&tell),
    };
    let mut outcomes = Vec::new();
    for (i, ((exp, design), (_, paths))) in exps.iter().zip(&designs).zip(&versions).enumerate() {
        let source = match (i, &args.base_label) {
            (1, Some(label)) => label.clone(),
            _ => shown(paths),
        };
        let ran = measure(exp, design.as_ref(), &opts, source);
        outcomes.push(ran.inspect_err(|_| study.finish())?);
    }
    study.finish();
    let base = (outcomes.len() > 1).then(|| outcomes.remove(1));
    let changes = match &base {
        Some(_) => crate::config::diff::changes(&versions[1].0.text, &versions[0].0.text),
        None => Vec::new(),
    };
    let verdict = Verdict {
        objectives: slos,
        change: outcomes.remove(0),
        base,
        changes,
    };
    write_outputs(&outputs, &verdict)?;
    print_stdout(&crate::output::check::text(&verdict))?;
    match verdict.holds() {
        true => Ok(()),
        false => Err(Failure::Unmet(verdict.headline())),
    }
}

/// One version run once, and under each assumption set of `design`.
fn measure(
    exp: &Experiment,
    design: Option<&AssumptionDesign>,
    opts: &sweep::Options,
    source: String,
) -> Result<Outcome, Failure> {
    let interrupted = |finished, total| {
        Failure::Interrupted(format!(
            "interrupted: {finished} of {total} runs finished; nothing written"
        ))
    };
    let stopped = |e| match e {
        sweep::SweepError::Interrupted {
            finished, total, ..
        } => interrupted(finished, total),
        e => failed(e),
    };
    let res = sweep::run_with(exp, opts).map_err(stopped)?;
    let sums = sweep::stats::summarise(exp, &res).remove(0);
    let sets = match design {
        None => None,
        Some(d) => {
            let reports = sweep::run_sets(exp, d, opts).map_err(stopped)?;
            let sets = sweep::bands::summarise(exp, &reports);
            Some(sets.into_iter().map(|mut s| s.remove(0)).collect())
        }
    };
    Ok(Outcome {
        model: exp.name.clone(),
        source,
        sums,
        sets,
    })
}

/// The objectives: the model's `[plan]` table, then `sim-objectives.toml` beside it, then each
/// `--slo`; the same objective stated twice counts once. None at all is an error.
fn gather_objectives(args: &CheckArgs, change: &ModelFile) -> Result<Vec<Slo>, Failure> {
    let beside = objectives::beside(&args.model[0]);
    let mut stated: Vec<Stated> = objectives::in_model(change);
    stated.extend(objectives::in_file(&beside)?);
    let mut slos: Vec<Slo> = Vec::new();
    for s in &stated {
        let slo = Slo::parse(&s.text).map_err(|m| s.error(m.to_string()))?;
        slos.push(slo);
    }
    slos.extend(args.slos.iter().cloned());
    let mut seen = std::collections::HashSet::new();
    slos.retain(|s| seen.insert(s.text.trim().to_string()));
    if slos.is_empty() {
        return Err(Failure::Usage(format!(
            "no objectives: give --slo \"METRIC < VALUE\", or a [plan] table with slo = [...] in {} \
             or in {}",
            args.model[0].display(),
            beside.display()
        )));
    }
    Ok(slos)
}

/// A file to write and what writes its text.
type Output = (PathBuf, fn(&Verdict) -> String);

/// The files `--markdown` and `--junit` name, checked before any work: two different paths,
/// each absent or a file sim wrote and nobody changed.
fn outputs(args: &CheckArgs) -> Result<Vec<Output>, Failure> {
    let mut out: Vec<Output> = Vec::new();
    if let Some(p) = &args.markdown {
        out.push((p.clone(), crate::output::check::markdown));
    }
    if let Some(p) = &args.junit {
        out.push((p.clone(), crate::output::junit::junit));
    }
    if let [(a, _), (b, _)] = out.as_slice() {
        if same_file(a, b) {
            return Err(Failure::Usage(format!(
                "--markdown and --junit both name {}: give each its own file",
                a.display()
            )));
        }
    }
    for (p, _) in &out {
        single::check(p).map_err(|e| Failure::Usage(e.to_string()))?;
    }
    Ok(out)
}

/// Whether `a` and `b` name one file: compared once `..` and symlinks are resolved, the file's
/// own path when it exists, else its folder's with the file name joined.
fn same_file(a: &Path, b: &Path) -> bool {
    resolved(a) == resolved(b)
}

fn resolved(p: &Path) -> PathBuf {
    if let Ok(full) = p.canonicalize() {
        return full;
    }
    let parent = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    match (parent.canonicalize(), p.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()),
    }
}

fn write_outputs(outputs: &[Output], verdict: &Verdict) -> Result<(), Failure> {
    let files: Vec<(&Path, String)> = (outputs.iter())
        .map(|(p, render)| {
            let text = single::signed(&render(verdict), single::HTML_COMMENT);
            (p.as_path(), text)
        })
        .collect();
    single::write_all(&files).map_err(|e| Failure::Usage(e.to_string()))
}
