//! The commands about one model: run, timeline, validate, params, assumptions, calibrate.

use super::args::*;
use super::common::*;
use crate::config::{ConfigError, ModelFile, Override};
use crate::experiment::{kind_of, Experiment, FileKind};
use crate::fsio::{Mode, Staged};
use crate::model::run::{simulate_threads, Observer, Unobserved};
use crate::output;
use crate::progress::{peak_rss_mb, RunBar};
use anyhow::Result;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

pub(super) fn params(args: ParamsArgs) -> Result<(), Failure> {
    use crate::assumptions::{expand, Catalogue, Current};
    use crate::config::params;
    let file = open_model(&args.model)?;
    let mut list = params::list(&file, &args.set)?;
    let spec = file.resolve(&args.set)?;
    let name = spec.name.clone();
    // Defaults that are assumptions have a known value and unit in the catalogue.
    let cat = Catalogue::load();
    let assumed = expand(cat, &file, &args.set, &[])?;
    for p in list.iter_mut().filter(|p| p.value.is_none()) {
        if let Some(a) = assumed.iter().find(|a| a.key == p.path) {
            if let Current::Default(v) = &a.current {
                let unit = cat.entries[a.entry].unit.name();
                p.value = Some(format!("{} (default, assumed; {unit})", v.display()));
            }
        }
    }
    // The other defaults, read back from the resolved model.
    for p in list.iter_mut().filter(|p| p.value.is_none()) {
        if let Some(v) = crate::config::defaults::value_of(&spec, &p.path) {
            p.value = Some(format!("{v} (default)"));
        }
    }
    print_stdout(&params::table(&name, &list))
}

pub(super) fn run_calibrate(args: CalibrateArgs) -> Result<(), Failure> {
    use crate::calibrate::{calibrate, forecast, observe, write, Error, Request};
    let file = open_model(&args.model)?;
    tell_fitted(&file);
    let req = Request {
        queries: args.queries,
        observed: args.observed,
        fit: args.fit,
        runs: args.runs as usize,
        overrides: args.set,
        functions: args.functions,
    };
    let name = file.resolve(&req.overrides)?.name;
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from("output").join(format!("{name}-calibration")));
    let failure = |e| match e {
        Error::Config(e) => Failure::Input(e),
        e => Failure::Usage(e.to_string()),
    };
    let observed = observe(&file, &req).map_err(failure)?;
    for w in &observed.warnings {
        eprintln!("warning: {w}");
    }
    let est = forecast(&file, &req, &observed).map_err(failure)?;
    let budget = Budget::of(args.max_events, args.max_memory.as_deref())?;
    check_budget("this calibration", est, budget)?;
    let staged = Staged::begin(
        &out,
        Mode::Replace,
        &[&file.path, &req.queries, &req.observed],
    )?;
    let c = calibrate(&file, &req, observed).map_err(failure)?;
    write::write_dir(&c, &file.path, &file.text, &out, staged.path()).map_err(output_failure)?;
    staged.commit()?;
    let mut text = write::summary(&c);
    text += &format!(
        "  wrote {}/{{report.html,{}-calibrated.toml,calibration.csv,overlay-*.png,overlay-*.svg}}\n",
        out.display(),
        c.model
    );
    print_stdout(&text)
}

pub(super) fn validate(files: &[PathBuf]) -> Result<(), Failure> {
    let mut first_error = None;
    for f in files {
        match validate_one(f) {
            Ok(what) => println!("ok: {} ({what})", f.display()),
            Err(e) => {
                if files.len() > 1 {
                    eprintln!(
                        "error: {e}{}",
                        e.snippet().map_or(String::new(), |s| format!("\n{s}"))
                    );
                }
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) if files.len() == 1 => Err(e.into()),
        Some(_) => Err(Failure::Usage("some files are invalid".into())),
        None => Ok(()),
    }
}

/// Checks one file as what it holds: a model, or an experiment with every point resolved.
pub(super) fn validate_one(path: &Path) -> Result<String, ConfigError> {
    let text = crate::config::read_text(path)?;
    match kind_of(&text) {
        FileKind::Experiment(_) => {
            let exp = Experiment::open(path, None)?;
            let models: std::collections::BTreeSet<_> =
                exp.points.iter().map(|p| p.model).collect();
            Ok(format!(
                "experiment, {} point(s), {} model(s)",
                exp.points.len(),
                models.len()
            ))
        }
        _ => ModelFile::from_text(path, text).map(|_| "model".to_string()),
    }
}

pub(super) fn assumptions(args: AssumptionsArgs) -> Result<(), Failure> {
    use crate::assumptions::{expand, report, Catalogue};
    let cat = Catalogue::load();
    let Some(path) = &args.model else {
        return print_stdout(&match (args.json, args.markdown) {
            (true, _) => report::catalogue_json(cat).to_string() + "\n",
            (_, true) => report::catalogue_markdown(cat),
            _ => report::catalogue_table(cat),
        });
    };
    let file = open_model(path)?;
    let params = expand(cat, &file, &args.set, &[])?;
    let name = file.resolve(&args.set)?.name;
    print_stdout(&if args.json {
        report::model_json(&name, cat, &params).to_string() + "\n"
    } else {
        report::model_table(&name, &params)
    })
}

/// The overrides the run flags stand for, before any `--set`, and each flag as the user typed it.
pub(super) fn flag_overrides(args: &RunArgs) -> (Vec<Override>, Vec<(String, String)>) {
    let (mut v, mut typed) = (Vec::new(), Vec::new());
    let mut add = |path: &str, value: String, as_typed: String| {
        let o = Override {
            path: path.into(),
            value,
        };
        typed.push((o.flag(), as_typed));
        v.push(o);
    };
    if let Some(s) = args.seed {
        add("seed", s.to_string(), format!("--seed {s}"));
    }
    if let Some(d) = &args.duration {
        add("duration", format!("{d:?}"), format!("--duration {d}"));
    }
    if let Some(w) = &args.warmup {
        add("warmup", format!("{w:?}"), format!("--warmup {w}"));
    }
    v.extend(args.set.iter().cloned());
    (v, typed)
}

/// An error blamed on an override that stands for a flag is blamed on the flag as typed.
pub(super) fn as_typed(mut e: ConfigError, typed: &[(String, String)]) -> ConfigError {
    if let crate::config::Origin::Flag(f) = &e.origin {
        if let Some((_, t)) = typed.iter().find(|(o, _)| o == f) {
            e.origin = crate::config::Origin::Typed(t.clone());
        }
    }
    e
}

pub(super) fn run_model(args: RunArgs) -> Result<(), Failure> {
    let file = open_model(&args.model)?;
    let (overrides, typed) = flag_overrides(&args);
    let spec = file.resolve(&overrides).map_err(|e| as_typed(e, &typed))?;
    tell_fitted(&file);
    let budget = Budget::of(args.max_events, args.max_memory.as_deref())?;
    check_budget("this run", crate::model::estimate::estimate(&spec), budget)?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&spec.name));
    let staged = Staged::begin(&out_dir, Mode::Update, &inputs(&file.path, &args.prices))?;
    let show_progress = std::io::stderr().is_terminal();
    let prices = crate::config::prices::load(args.prices.as_deref())?;
    let mut observer: Box<dyn Observer> = if show_progress {
        Box::new(RunBar::new(&spec.name))
    } else {
        Box::new(Unobserved)
    };
    let requested = args.threads.unwrap_or(1);
    let (mut report, threads) =
        simulate_threads(&spec, Some(&prices), observer.as_mut(), requested)
            .map_err(anyhow::Error::from)?;
    if let Some(why) = &threads.reason {
        eprintln!(
            "--threads {requested}: {} used: {why}",
            threads_used(threads.used)
        );
    }
    report.peak_rss_mb = peak_rss_mb();
    let page = output::html_report::RunPage {
        model_path: &file.path,
        model_text: &file.text,
        command_line: &command_line(),
    };
    output::run::write_files(staged.path(), &report, &page).map_err(output_failure)?;
    staged.commit()?;
    let text = if args.json {
        let mut text = serde_json::to_string(&report).expect("reports serialize");
        if !file.fitted().is_empty() {
            // One more member at the end, keeping the report's own order.
            text.pop();
            text += &format!(",\"fitted\":{}}}", serde_json::json!(file.fitted()));
        }
        if args.threads.is_some() {
            text.pop();
            text += &format!(
                ",\"threads\":{}}}",
                serde_json::to_string(&threads).expect("serializes")
            );
        }
        text + "\n"
    } else {
        let mut t = output::table::summary(&report);
        t += &format!(
            "\n  wrote {}/{{summary.json,timeseries.csv,latency.csv,report.html}}\n",
            out_dir.display()
        );
        t
    };
    print_stdout(&text)
}

/// "one thread", "2 threads".
fn threads_used(n: u32) -> String {
    if n == 1 {
        "one thread".into()
    } else {
        format!("{n} threads")
    }
}

pub(super) fn run_timeline(args: TimelineArgs) -> Result<(), Failure> {
    let file = open_model(&args.model)?;
    let spec = file.resolve(&args.set)?;
    let window = duration_flag("window", &args.window)?;
    let at = duration_flag("at", &args.at)?;
    if window == 0 || at.saturating_add(window) > spec.duration {
        return Err(Failure::Usage(format!(
            "--at {} --window {} must lie within the model's duration",
            args.at, args.window
        )));
    }
    let stream = match &args.stream {
        None => 0,
        Some(name) => spec
            .streams
            .iter()
            .position(|s| &s.name == name)
            .ok_or_else(|| Failure::Usage(format!("--stream: the model has no stream `{name}`")))?,
    };
    if args.shard >= spec.streams[stream].shards {
        return Err(Failure::Usage(format!(
            "--shard: stream `{}` has {} shard(s)",
            spec.streams[stream].name, spec.streams[stream].shards
        )));
    }
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&spec.name));
    let staged = Staged::begin(&out_dir, Mode::Update, &[&file.path])?;
    let trace = crate::model::run::simulate_trace(
        &spec,
        crate::model::world::Trace {
            stream,
            shard: args.shard,
            from: at,
            to: at + window,
            ..Default::default()
        },
    );
    output::timeline::write(&staged.path().join("timeline"), &spec, &trace)
        .map_err(output_failure)?;
    staged.commit()?;
    let throttled = trace
        .calls
        .iter()
        .filter(|c| c.2 == crate::model::world::CallOutcome::Throttled)
        .count();
    print_stdout(&format!(
        "{} calls on {} shard {} between {} and {}, {throttled} throttled\n  wrote {}/timeline.{{png,svg}}\n",
        trace.calls.len(),
        spec.streams[stream].name,
        args.shard,
        args.at,
        crate::engine::time::format_duration(at + window),
        out_dir.display()
    ))
}
