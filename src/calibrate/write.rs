//! A calibration's files: the calibrated model, every evaluated candidate, the overlay charts and
//! the summary printed on the terminal. The folder is filled in a staging folder (`fsio::Staged`) and
//! moved into place, so a failed calibration leaves nothing behind.

use super::{Calibration, Error, Spread};
use crate::cloudwatch::time;
use crate::config::overrides;
use crate::fsio;
use crate::plot::{self, LineChart, Point, Series};
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};
use toml_edit::{DocumentMut, Item, Value};

/// Writes `<model>-calibrated.toml`, `calibration.csv` and `overlay-*.{png,svg}` into `dir`, a
/// staging folder whose files will be in `out` (export paths in the calibrated model are made
/// relative to `out`). `model_path` and `model_text` are the model as written.
pub(crate) fn write_dir(
    c: &Calibration,
    model_path: &Path,
    model_text: &str,
    out: &Path,
    dir: &Path,
) -> Result<(), Error> {
    let toml = calibrated_model(c, model_path, model_text, out)?;
    fsio::write(
        &dir.join(format!("{}-calibrated.toml", c.model)),
        toml.as_bytes(),
    )?;
    fsio::write(&dir.join("calibration.csv"), csv(c).as_bytes())?;
    overlay(c, dir)?;
    let page = report_page(c, &toml, &crate::output::html_report::svgs_in(dir)?);
    Ok(fsio::write(&dir.join("report.html"), page.as_bytes())?)
}

/// The calibration as one self-contained page: the fit first, then the overlays of observed and
/// simulated series, then the calibrated model's text.
fn report_page(c: &Calibration, calibrated: &str, svgs: &[(String, String)]) -> String {
    use crate::output::html;
    let figures: String = svgs
        .iter()
        .map(|(name, svg)| html::figure(name, svg))
        .collect();
    let body = html::section(
        "answer",
        "How well the model fits the export",
        &html::source("fit", &summary(c), true),
    ) + &html::section("plots", "Observed against simulated, per minute", &figures)
        + &html::section(
            "inputs",
            "The calibrated model",
            &html::source(&format!("{}-calibrated.toml", c.model), calibrated, false),
        );
    html::page(&format!("{}: calibration", c.model), &body)
}

/// The model as written with the fitted values set in place, export paths made relative to the
/// output folder, and a comment block on top recording the fit.
pub(crate) fn calibrated_model(
    c: &Calibration,
    path: &Path,
    text: &str,
    out: &Path,
) -> Result<String, Error> {
    let mut doc: DocumentMut = text.parse().map_err(Error::NotToml)?;
    let ovs = c.best_set.overrides(&c.params);
    overrides::apply(&mut doc, &ovs).map_err(|(o, problem)| Error::Set {
        flag: o.flag(),
        problem,
    })?;
    let from = path.parent().unwrap_or(Path::new(""));
    rebase_exports(doc.as_table_mut(), from, out);
    Ok(format!("{}{doc}", header(c)))
}

/// The comment block: window, method, loss, runs, fitted values and how well each is pinned.
fn header(c: &Calibration) -> String {
    let o = &c.observed;
    let end = o.start + 60 * o.minutes as i64;
    let mut h = String::from(
        "# Calibrated by `sim calibrate`: the values below marked `fitted` were set\n",
    );
    let _ = writeln!(
        h,
        "# so that simulated per-minute series match CloudWatch from {} to {} ({} minutes).",
        time::format(o.start),
        time::format(end),
        o.minutes
    );
    let _ = writeln!(h, "# Matched: {}.", names(c).join("; "));
    for u in &o.unused {
        let _ = writeln!(h, "# Not matched: {}.", one_line(&u.sentence()));
    }
    let _ = writeln!(
        h,
        "# Method: Sobol design then coordinate search in the unit cube, seed {} for every run;",
        c.seed
    );
    let _ = writeln!(
        h,
        "# loss = mean normalised RMSE over the matched series. Runs: {}.",
        c.runs
    );
    let _ = writeln!(
        h,
        "# Loss: {:.4} (model as written: {:.4}; noise floor {}).",
        c.best.loss,
        c.baseline.loss,
        noise(c)
    );
    let _ = writeln!(
        h,
        "# The noise floor is the typical loss of right values: the best values' loss against"
    );
    let _ = writeln!(
        h,
        "# themselves under other seeds (mean, and range); a fit can land below it by chance."
    );
    let _ = writeln!(h, "# Per series: {}.", per_series(c));
    for (s, (key, v)) in c.spreads.iter().zip(&c.best_set.values) {
        let _ = writeln!(h, "# fitted {key} = {} ({})", v.display(), near_best(s));
        if let Some(edge) = s.edge {
            let _ = writeln!(h, "#   {key} is {}.", edge.warning());
        }
    }
    h.push('\n');
    h
}

fn names(c: &Calibration) -> Vec<&str> {
    c.observed.targets.iter().map(|t| t.name.as_str()).collect()
}

/// `text` on one line, for a comment (an export's Ids and expressions are the user's text).
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// `name error, ...` for the best candidate.
pub(crate) fn per_series(c: &Calibration) -> String {
    names(c)
        .iter()
        .zip(&c.best.errors)
        .map(|(n, e)| format!("{n} {e:.3}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `from` and `queries` of `{ from = ... }` tables, relative to `out` instead of `from_dir`.
fn rebase_exports(t: &mut dyn toml_edit::TableLike, from_dir: &Path, out: &Path) {
    for (_, item) in t.iter_mut() {
        match item {
            Item::Value(Value::InlineTable(it)) if it.contains_key("from") => {
                for k in ["from", "queries"] {
                    if let Some(p) = it.get(k).and_then(Value::as_str) {
                        let moved = relative(&from_dir.join(p), out);
                        it.insert(k, moved.to_string_lossy().as_ref().into());
                    }
                }
            }
            Item::Table(sub) => rebase_exports(sub, from_dir, out),
            Item::Value(Value::InlineTable(sub)) => rebase_exports(sub, from_dir, out),
            _ => {}
        }
    }
}

/// `target` as a path from the folder `base` (absolute when they share no root).
fn relative(target: &Path, base: &Path) -> PathBuf {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (t, b) = (clean(&abs(target)), clean(&abs(base)));
    let common = t
        .components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .count();
    if common == 0 {
        return t;
    }
    let mut out = PathBuf::new();
    for _ in b.components().skip(common) {
        out.push("..");
    }
    t.components().skip(common).for_each(|c| out.push(c));
    out
}

/// The path with `.` and `..` resolved lexically.
fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// One row per evaluated candidate: its phase, loss, each series' error and each parameter.
pub(crate) fn csv(c: &Calibration) -> String {
    let mut s = String::from("run,phase,loss");
    for n in names(c) {
        let _ = write!(s, ",\"error {n}\"");
    }
    for p in &c.params {
        let _ = write!(s, ",{}", p.key);
    }
    s.push('\n');
    let rows = std::iter::once(&c.baseline).chain(&c.candidates);
    for (i, cand) in rows.enumerate() {
        let _ = write!(s, "{i},{},{}", cand.phase.name(), cand.loss);
        cand.errors.iter().for_each(|e| {
            let _ = write!(s, ",{e}");
        });
        for (d, p) in c.params.iter().enumerate() {
            let v = cand.u.get(d).map(|&u| p.range.at(u).display());
            let _ = write!(s, ",{}", v.unwrap_or_else(|| p.current.display()));
        }
        s.push('\n');
    }
    s
}

/// `overlay-iterator-age` and `overlay-throttled` for the stream-level series, and
/// `overlay-iterator-age-CONSUMER` for each consumer whose function's series are matched: observed
/// against simulated, per minute.
fn overlay(c: &Calibration, dir: &Path) -> Result<(), Error> {
    let line = |name: String, v: &[Option<f64>]| Series {
        name,
        points: v
            .iter()
            .enumerate()
            .filter_map(|(k, y)| Some(Point::new(k as f64, (*y)?)))
            .collect(),
    };
    let mut age = Vec::new();
    let mut thr = Vec::new();
    for (t, sim) in c.observed.targets.iter().zip(&c.simulated) {
        let pair = [
            line(format!("observed {}", t.name), &t.values),
            line(format!("simulated {}", t.name), sim),
        ];
        if t.metric == crate::cloudwatch::Known::KinesisReadThrottled {
            thr.extend(pair)
        } else if t.consumers.is_empty() {
            age.extend(pair)
        }
    }
    // Per function: its own series against its consumer's, with their normalised RMSEs.
    let fn_errors = super::observed::errors(&c.observed.functions, &c.functions);
    let mut per_consumer: Vec<(&str, Vec<Series>, Vec<String>)> = Vec::new();
    for ((t, sim), e) in c
        .observed
        .functions
        .iter()
        .zip(&c.functions)
        .zip(&fn_errors)
    {
        let name = t.consumers[0].as_str();
        let at = match per_consumer.iter().position(|p| p.0 == name) {
            Some(i) => i,
            None => {
                per_consumer.push((name, Vec::new(), Vec::new()));
                per_consumer.len() - 1
            }
        };
        // The title names the function; the legend only what each line is.
        per_consumer[at].1.extend([
            line(format!("observed {}", t.stat), &t.values),
            line(format!("simulated {}", t.stat), sim),
        ]);
        per_consumer[at].2.push(format!("{} {e:.3}", t.stat));
    }
    let chart = |title: &str, y: &str, series: Vec<Series>, errors: String| LineChart {
        title: format!("{}: {title}, observed vs calibrated", c.model),
        subtitle: Some(format!("loss {:.3}; {errors}", c.best.loss)),
        x_label: "time (min)".into(),
        y_label: y.into(),
        series,
        ..LineChart::default()
    };
    if !age.is_empty() {
        plot::timeseries_chart(
            &dir.join("overlay-iterator-age"),
            &chart("IteratorAge", "IteratorAge (ms)", age, stream_errors(c)),
        )?;
    }
    if !thr.is_empty() {
        plot::timeseries_chart(
            &dir.join("overlay-throttled"),
            &chart(
                "throttled reads",
                "throttled reads per minute",
                thr,
                stream_errors(c),
            ),
        )?;
    }
    let mut used: Vec<String> = Vec::new();
    for (name, series, errors) in per_consumer {
        let file = unique(
            format!("overlay-iterator-age-{}", file_part(name)),
            &mut used,
        );
        plot::timeseries_chart(
            &dir.join(file),
            &chart(
                &format!("IteratorAge of {name} (AWS/Lambda)"),
                "IteratorAge (ms)",
                series,
                format!("normalised RMSE {}", errors.join(", ")),
            ),
        )?;
    }
    Ok(())
}

/// [`per_series`] of the stream-level series only.
fn stream_errors(c: &Calibration) -> String {
    (c.observed.targets.iter().zip(&c.best.errors))
        .filter(|(t, _)| t.consumers.is_empty())
        .map(|(t, e)| format!("{} {e:.3}", t.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A consumer's name as part of a file name: letters, digits, `-` and `_` kept, anything else `_`.
fn file_part(name: &str) -> String {
    name.chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ch == '-' || ch == '_' {
                ch
            } else {
                '_'
            }
        })
        .take(64)
        .collect()
}

/// `stem`, or `stem-2`, `stem-3`, ... when an earlier consumer's name gave the same.
fn unique(stem: String, used: &mut Vec<String>) -> String {
    let mut name = stem.clone();
    let mut k = 1;
    while used.contains(&name) {
        k += 1;
        name = format!("{stem}-{k}");
    }
    used.push(name.clone());
    name
}

/// The noise floor as the summary and the model's comment give it: the mean loss of the best
/// values under other seeds, and the range of those losses.
fn noise(c: &Calibration) -> String {
    let (lo, hi) = c.noise.range();
    format!(
        "{:.4}: the best values under {} other seeds score {lo:.4} to {hi:.4}",
        c.noise.mean(),
        c.noise.losses.len()
    )
}

/// What `sim calibrate` prints: the fit, per series, and each parameter's identification.
pub(crate) fn summary(c: &Calibration) -> String {
    let mut s = format!(
        "calibrated {} against {} minutes from {}: {} runs\n  loss {:.4} (model as written {:.4}; noise floor {})\n  per series: {}\n",
        c.model, c.observed.minutes, time::format(c.observed.start), c.runs, c.best.loss, c.baseline.loss, noise(c), per_series(c)
    );
    if !c.screen.is_empty() {
        s += "  screen (loss moved by each parameter alone at the ends of its range):\n";
        for (k, e) in &c.screen {
            let _ = writeln!(s, "    {k:<48} {e:.4}");
        }
    }
    s += "  fitted (value; range among candidates within 10% of the best loss):\n";
    for (sp, (key, v)) in c.spreads.iter().zip(&c.best_set.values) {
        let _ = writeln!(
            s,
            "    {key:<48} {:<10} {} ({})",
            v.display(),
            among(sp),
            identified(sp)
        );
        if let Some(edge) = sp.edge {
            let _ = writeln!(s, "      {}", edge.warning());
        }
    }
    if !c.observed.unused.is_empty() {
        let _ = writeln!(
            s,
            "  not matched: {} series of the export (each named in a warning above and in the calibrated model)",
            c.observed.unused.len()
        );
    }
    s
}

/// The values among near-best candidates: `low..high`, or a choice's values, `equal|full`.
fn among(s: &Spread) -> String {
    match &s.choices {
        Some(values) => values.join("|"),
        None => format!("{}..{}", s.low, s.high),
    }
}

/// What the calibrated model's comment says of the near-best values.
fn near_best(s: &Spread) -> String {
    match &s.choices {
        Some(_) => format!("near-best {}", among(s)),
        None => format!(
            "near-best {}, {:.0}% of its range",
            among(s),
            100.0 * s.width
        ),
    }
}

fn identified(s: &Spread) -> String {
    if let Some(values) = &s.choices {
        return match values.len() {
            1 => "identified: the only value among near-best candidates".into(),
            n => format!("not identified: {n} values among near-best candidates"),
        };
    }
    let pct = 100.0 * s.width;
    if s.width <= 0.25 {
        format!("identified: {pct:.0}% of its range")
    } else {
        format!("weakly identified: {pct:.0}% of its range")
    }
}
