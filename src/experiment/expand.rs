//! From a raw experiment to its points: ranges, the model axis, the cartesian product, and the
//! validation of every point's model.

use super::raw::{RawAxis, RawExperiment, RawWarmup};
use super::{dur_value, Experiment, Objective, Problem};
use crate::config::{error_at, ConfigError, ModelFile, Origin, Override};
use std::path::Path;

/// One value of an axis.
#[derive(Debug, Clone, PartialEq)]
pub enum AxisValue {
    /// A model file (index into the experiment's models) and its label.
    Model { index: usize, label: String },
    /// A parameter value, as TOML.
    Value(toml::Value),
}

impl AxisValue {
    /// The value as shown in CSV columns and legends.
    pub fn display(&self) -> String {
        match self {
            AxisValue::Model { label, .. } => label.clone(),
            AxisValue::Value(toml::Value::String(s)) => s.clone(),
            AxisValue::Value(v) => v.to_string(),
        }
    }

    /// The value as a number, when it is one (for plotting on x).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            AxisValue::Value(toml::Value::Integer(i)) => Some(*i as f64),
            AxisValue::Value(toml::Value::Float(f)) => Some(*f),
            _ => None,
        }
    }
}

/// A swept parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// The `--set` path, or `model`.
    pub path: String,
    /// Short name for legends and CSV columns.
    pub label: String,
    pub values: Vec<AxisValue>,
}

/// One combination of axis values.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub index: usize,
    /// Which model file this point runs.
    pub model: usize,
    /// `(axis path, value)` in axis order.
    pub values: Vec<(String, AxisValue)>,
}

impl Point {
    /// The overrides this point applies (the model axis is not one).
    pub fn overrides(&self) -> Vec<Override> {
        self.values
            .iter()
            .filter_map(|(path, v)| match v {
                AxisValue::Value(value) => Some(Override {
                    path: path.clone(),
                    value: value.to_string(),
                }),
                AxisValue::Model { .. } => None,
            })
            .collect()
    }

    /// A stable text key of the point's parameters, e.g. `consumers.fn.count=5,model=kinesis-efo`.
    pub fn key(&self) -> String {
        self.values
            .iter()
            .map(|(p, v)| format!("{p}={}", v.display()))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The value of the axis with `path`.
    pub fn value(&self, path: &str) -> Option<&AxisValue> {
        self.values.iter().find(|(p, _)| p == path).map(|(_, v)| v)
    }
}

/// The most points an experiment may have.
const MAX_POINTS: usize = 100_000;
const MAX_POINTS_TEXT: &str = "100,000";

/// Parses `"a..=b"`, `"a..b"` (end excluded) with an optional `":step"`; integers stay integers.
pub fn parse_range(text: &str) -> Result<Vec<toml::Value>, Problem> {
    let (range, step) = match text.split_once(':') {
        Some((r, s)) => (r, Some(s.trim())),
        None => (text, None),
    };
    let (start, end, inclusive) = if let Some((a, b)) = range.split_once("..=") {
        (a, b, true)
    } else if let Some((a, b)) = range.split_once("..") {
        (a, b, false)
    } else {
        return Err(Problem::NotARange(text.to_string()));
    };
    let ints = [start, end, step.unwrap_or("1")]
        .iter()
        .map(|s| s.trim().parse::<i64>())
        .collect::<Result<Vec<_>, _>>();
    if let Ok(v) = ints {
        let (a, b, s) = (v[0], v[1], v[2]);
        if s <= 0 {
            return Err(Problem::StepNotPositive(text.to_string()));
        }
        // In i128: the ends of i64 must not overflow the count.
        let last = if inclusive { b } else { b.saturating_sub(1) };
        if last < a || (!inclusive && b == i64::MIN) {
            return Err(Problem::Empty(text.to_string()));
        }
        if (i128::from(last) - i128::from(a)) / i128::from(s) > 100_000 {
            return Err(Problem::TooManyValues(text.to_string()));
        }
        return Ok((a..=last)
            .step_by(s as usize)
            .map(toml::Value::Integer)
            .collect());
    }
    let f = |s: &str| {
        s.trim().parse::<f64>().map_err(|_| Problem::NotANumber {
            part: s.to_string(),
            range: text.to_string(),
        })
    };
    let (a, b, s) = (f(start)?, f(end)?, f(step.unwrap_or("1"))?);
    if !(s > 0.0 && a.is_finite() && b.is_finite()) {
        return Err(Problem::NotFinite(text.to_string()));
    }
    if b < a || (!inclusive && b == a) {
        return Err(Problem::Empty(text.to_string()));
    }
    let n = ((b - a) / s + 1e-9).floor() as usize;
    if n > 100_000 {
        return Err(Problem::TooManyValues(text.to_string()));
    }
    Ok((0..=n)
        .map(|i| a + s * i as f64)
        .filter(|x| inclusive || *x < b - 1e-12)
        .map(toml::Value::Float)
        .collect())
}

fn axis_values(
    exp_path: &Path,
    text: &str,
    i: usize,
    axis: &RawAxis,
    models: &mut Vec<ModelFile>,
) -> Result<Vec<AxisValue>, ConfigError> {
    let key = format!("axes.{i}.values");
    let list = match &axis.values {
        toml::Value::Array(a) if a.is_empty() => {
            return Err(error_at(
                exp_path,
                text,
                &key,
                "an axis needs at least one value".into(),
            ))
        }
        toml::Value::Array(a) => a.clone(),
        toml::Value::String(s) if axis.path != "model" => {
            parse_range(s).map_err(|p| error_at(exp_path, text, &key, p.to_string()))?
        }
        other => {
            return Err(error_at(
                exp_path,
                text,
                &key,
                format!("expected a list or a range string such as \"1..=30\", found {other}"),
            ))
        }
    };
    if axis.path != "model" {
        return Ok(list.into_iter().map(AxisValue::Value).collect());
    }
    list.iter()
        .enumerate()
        .map(|(j, v)| {
            let toml::Value::String(rel) = v else {
                return Err(error_at(
                    exp_path,
                    text,
                    &key,
                    format!("model paths are strings, found {v}"),
                ));
            };
            let file = open_model(exp_path, text, rel, &format!("{key}.{j}"))?;
            let label = file.default_name();
            models.push(file);
            Ok(AxisValue::Model {
                index: models.len() - 1,
                label,
            })
        })
        .collect()
}

/// Opens a model named by the experiment (relative to it). A model that cannot be read at all is
/// blamed on the experiment key that names it; errors inside the model stay in the model.
fn open_model(exp_path: &Path, text: &str, rel: &str, key: &str) -> Result<ModelFile, ConfigError> {
    let dir = exp_path.parent().unwrap_or(Path::new("."));
    ModelFile::open(&dir.join(rel)).map_err(|e| match e.origin {
        Origin::Whole(model) => error_at(
            exp_path,
            text,
            key,
            format!("model file {}: {}", model.display(), e.message),
        ),
        _ => e,
    })
}

/// The file's `precision` and `max_replicates`, checked where they are written.
fn file_precision(
    path: &Path,
    text: &str,
    raw: &RawExperiment,
) -> Result<super::FilePrecision, ConfigError> {
    let share = (raw.precision.as_deref())
        .map(|typed| {
            super::parse_share(typed)
                .map(|s| (s, typed.trim().to_string()))
                .map_err(|why| error_at(path, text, "precision", why))
        })
        .transpose()?;
    let max_replicates = (raw.max_replicates)
        .map(|n| {
            super::check_max_replicates(n)
                .map_err(|why| error_at(path, text, "max_replicates", why))
        })
        .transpose()?;
    Ok(super::FilePrecision {
        share,
        max_replicates,
    })
}

/// Builds and validates the experiment.
pub(super) fn build(
    path: &Path,
    text: &str,
    raw: RawExperiment,
    replicates: Option<u32>,
) -> Result<Experiment, ConfigError> {
    if let Some(name) = &raw.name {
        crate::config::resolve::folder_name("name", name)
            .map_err(|inv| error_at(path, text, &inv.path, inv.message))?;
    }
    let mut models = vec![open_model(path, text, &raw.model, "model")?];
    let replicates = match replicates {
        Some(r) => r,
        None => super::precision::replicate_count(path, text, "replicates", raw.replicates)?,
    };
    let set_replicates =
        super::precision::replicate_count(path, text, "set_replicates", raw.set_replicates)?;
    let precision = file_precision(path, text, &raw)?;
    let mut fixed = Vec::new();
    if let Some(d) = raw.duration {
        fixed.push(Override {
            path: "duration".into(),
            value: dur_value(d),
        });
    }
    // `warmup = "auto"` replaces the models' own warm-ups: until each point's is detected the
    // points hold none, so a model's warm-up longer than the experiment's duration is no error.
    let warmup = match raw.warmup {
        Some(RawWarmup::Fixed(w)) => Some(dur_value(w)),
        Some(RawWarmup::Auto) => Some("\"0s\"".to_string()),
        None => None,
    };
    if let Some(value) = warmup {
        fixed.push(Override {
            path: "warmup".into(),
            value,
        });
    }
    for (k, v) in &raw.set {
        fixed.push(Override {
            path: k.clone(),
            value: v.to_string(),
        });
    }
    let mut axes = Vec::new();
    for (i, a) in raw.axes.iter().enumerate() {
        if axes.iter().any(|x: &Axis| x.path == a.path) {
            return Err(error_at(
                path,
                text,
                &format!("axes.{i}.path"),
                format!("`{}` is swept twice", a.path),
            ));
        }
        let values = axis_values(path, text, i, a, &mut models)?;
        axes.push(Axis {
            path: a.path.clone(),
            label: a.label.clone().unwrap_or_else(|| short_label(&a.path)),
            values,
        });
    }
    // Counted before any point is built: two axes of 100,000 and 10,000 values are a billion.
    let counts: Vec<usize> = axes.iter().map(|a| a.values.len()).collect();
    let total = counts.iter().try_fold(1usize, |n, &c| {
        n.checked_mul(c).filter(|&n| n <= MAX_POINTS)
    });
    if total.is_none() {
        let product: Vec<String> = counts.iter().map(usize::to_string).collect();
        let points = counts.iter().map(|&c| c as f64).product::<f64>();
        return Err(error_at(
            path,
            text,
            "axes",
            format!(
                "{} values make {points:.3e} points, more than {MAX_POINTS_TEXT}",
                product.join(" x ")
            ),
        ));
    }
    let points = cartesian(&axes);
    for p in &points {
        let mut o = fixed.clone();
        o.extend(p.overrides());
        if let Err(e) = models[p.model].resolve(&o) {
            return Err(blame_axis(path, text, &raw, &axes, &models[p.model], &e, p));
        }
    }
    let x_axis = pick_x(&raw, &axes).map_err(|p| error_at(path, text, "plots.x", p.to_string()))?;
    let timeseries_points = pick_timeseries(&raw, &axes, &points, x_axis)
        .map_err(|p| error_at(path, text, "plots.timeseries", p.to_string()))?;
    Ok(Experiment {
        name: raw.name.clone().unwrap_or_else(|| {
            path.file_stem()
                .map_or("experiment".into(), |s| s.to_string_lossy().into_owned())
        }),
        description: raw.description.clone().unwrap_or_default(),
        path: path.to_path_buf(),
        replicates,
        set_replicates,
        seed: raw.seed.unwrap_or(1),
        axes,
        points,
        x_axis,
        timeseries_points,
        objectives: objectives(path, text, &raw),
        text: text.to_string(),
        precision,
        warmup_auto: matches!(raw.warmup, Some(RawWarmup::Auto)),
        warmups: Vec::new(),
        models,
        fixed,
        source_hash: 0,
    })
}

/// The `[plan]` objectives with their places in the file.
fn objectives(path: &Path, text: &str, raw: &RawExperiment) -> Vec<Objective> {
    raw.plan
        .slo
        .iter()
        .enumerate()
        .map(|(i, slo)| {
            let key = format!("plan.slo.{i}");
            Objective {
                text: slo.clone(),
                origin: error_at(path, text, &key, String::new()).origin,
                key,
            }
        })
        .collect()
}

/// The last segment of a path that is not just a word like `count` (e.g. `fn.count`).
fn short_label(path: &str) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    match parts.len() {
        0..=2 => path.to_string(),
        n => parts[n - 2..].join("."),
    }
}

/// Turns a point's model error into an error at the axis (or `set` key) responsible.
fn blame_axis(
    path: &Path,
    text: &str,
    raw: &RawExperiment,
    axes: &[Axis],
    model: &ModelFile,
    e: &ConfigError,
    p: &Point,
) -> ConfigError {
    let flag = match &e.origin {
        Origin::Flag(f) => f.clone(),
        _ => return e.clone(),
    };
    let at_point = if p.values.is_empty() {
        String::new()
    } else {
        format!(" (at point {})", p.key())
    };
    // An error about the table the path leads through (a misspelt or missing name, a value where a
    // table should be) is the path's fault, not the value's.
    let about_path = [
        "unknown field",
        "is a value",
        "missing field",
        "invalid type: table",
        "expected a table",
        "the model has no ",
    ]
    .iter()
    .any(|m| e.message.contains(m));
    let override_path = flag.split_once('=').map_or(flag.as_str(), |(p, _)| p);
    let message = match missing_entry(model, override_path) {
        Some(m) if about_path => m,
        _ if about_path => e.message.clone(),
        _ => format!("{}{at_point}", e.message),
    };
    if let Some(i) = raw.axes.iter().position(|a| a.path == override_path) {
        if about_path {
            return error_at(
                path,
                text,
                &format!("axes.{i}.path"),
                format!("`{flag}`: {message}"),
            );
        }
        let mut key = format!("axes.{i}.values");
        if let (toml::Value::Array(_), Some(v)) = (&raw.axes[i].values, p.value(override_path)) {
            if let Some(j) = axes[i].values.iter().position(|x| x == v) {
                key = format!("{key}.{j}");
            }
        }
        return error_at(path, text, &key, format!("`{flag}`: {message}"));
    }
    if let Some(k) = raw.set.keys().find(|k| k.as_str() == override_path) {
        return error_at(path, text, &format!("set.{k}"), message);
    }
    let key = if override_path == "duration" {
        "duration"
    } else {
        "warmup"
    };
    error_at(path, text, key, message)
}

/// When `path` runs through a stream, producer or consumer the model does not have, says so.
fn missing_entry(model: &ModelFile, path: &str) -> Option<String> {
    let mut parts = path.splitn(3, '.');
    let (section, name) = (parts.next()?, parts.next()?);
    let what = match section {
        "streams" => "stream",
        "producers" => "producer",
        "consumers" => "consumer",
        _ => return None,
    };
    let doc: toml::Table = toml::from_str(&model.text).ok()?;
    let names: Vec<&str> = doc
        .get(section)
        .and_then(toml::Value::as_table)
        .map(|t| t.keys().map(String::as_str).collect())
        .unwrap_or_default();
    if names.contains(&name) {
        return None;
    }
    let hint = crate::config::did_you_mean(name, &names);
    Some(format!(
        "{} has no {what} named `{name}` ({section}: {}){hint}",
        model.path.display(),
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    ))
}

fn cartesian(axes: &[Axis]) -> Vec<Point> {
    let mut points = Vec::new();
    let mut idx = vec![0usize; axes.len()];
    loop {
        let values: Vec<(String, AxisValue)> = axes
            .iter()
            .zip(&idx)
            .map(|(a, &i)| (a.path.clone(), a.values[i].clone()))
            .collect();
        let model = values
            .iter()
            .find_map(|(_, v)| match v {
                AxisValue::Model { index, .. } => Some(*index),
                _ => None,
            })
            .unwrap_or(0);
        points.push(Point {
            index: points.len(),
            model,
            values,
        });
        // Odometer: the last axis turns fastest.
        let mut k = axes.len();
        loop {
            if k == 0 {
                return points;
            }
            k -= 1;
            idx[k] += 1;
            if idx[k] < axes[k].values.len() {
                break;
            }
            idx[k] = 0;
        }
    }
}

fn pick_x(raw: &RawExperiment, axes: &[Axis]) -> Result<Option<usize>, Problem> {
    match &raw.plots.x {
        Some(x) => axes
            .iter()
            .position(|a| &a.path == x || &a.label == x)
            .map(Some)
            .ok_or_else(|| Problem::NoXAxis(x.clone())),
        None => Ok(axes
            .iter()
            .position(|a| a.values.iter().all(|v| v.as_f64().is_some()))),
    }
}

fn pick_timeseries(
    raw: &RawExperiment,
    axes: &[Axis],
    points: &[Point],
    x_axis: Option<usize>,
) -> Result<Vec<usize>, Problem> {
    if let Some(wanted) = &raw.plots.timeseries {
        let mut out = Vec::new();
        for w in wanted {
            let matches: Vec<usize> = points
                .iter()
                .filter(|p| {
                    w.iter().all(|(k, v)| {
                        let axis = axes.iter().find(|a| &a.path == k || &a.label == k);
                        let want = match v {
                            toml::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        axis.and_then(|a| p.value(&a.path))
                            .is_some_and(|pv| pv.display() == want)
                    })
                })
                .map(|p| p.index)
                .collect();
            if matches.is_empty() {
                let wanted = w
                    .iter()
                    .map(|(k, v)| format!("{k} = {v}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(Problem::NoPoint(wanted));
            }
            out.extend(matches);
        }
        out.dedup();
        return Ok(out);
    }
    // Default: for each line (combination of the other axes), its point with the largest x.
    let Some(x) = x_axis else {
        return Ok(points.iter().take(6).map(|p| p.index).collect());
    };
    let last = axes[x].values.last().cloned();
    Ok(points
        .iter()
        .filter(|p| p.value(&axes[x].path) == last.as_ref())
        .map(|p| p.index)
        .take(8)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_expand_inclusive_exclusive_and_stepped() {
        let ints = |s: &str| -> Vec<i64> {
            parse_range(s)
                .unwrap()
                .iter()
                .map(|v| v.as_integer().unwrap())
                .collect()
        };
        assert_eq!(ints("1..=5"), [1, 2, 3, 4, 5]);
        assert_eq!(ints("1..5"), [1, 2, 3, 4]);
        assert_eq!(ints("0..=30:10"), [0, 10, 20, 30]);
        let floats: Vec<f64> = parse_range("0.5..=1.5:0.5")
            .unwrap()
            .iter()
            .map(|v| v.as_float().unwrap())
            .collect();
        assert_eq!(floats, [0.5, 1.0, 1.5]);
        assert!(parse_range("5..=1")
            .unwrap_err()
            .to_string()
            .contains("reversed"));
        assert!(parse_range("1..1")
            .unwrap_err()
            .to_string()
            .contains("empty"));
        assert!(parse_range("1..=5:0").is_err());
        assert!(parse_range("banana").is_err());
    }

    #[test]
    fn the_cartesian_product_turns_the_last_axis_fastest() {
        let axis = |p: &str, n: i64| Axis {
            path: p.into(),
            label: p.into(),
            values: (1..=n)
                .map(|i| AxisValue::Value(toml::Value::Integer(i)))
                .collect(),
        };
        let pts = cartesian(&[axis("a", 2), axis("b", 3)]);
        let keys: Vec<String> = pts.iter().map(Point::key).collect();
        assert_eq!(
            keys,
            ["a=1,b=1", "a=1,b=2", "a=1,b=3", "a=2,b=1", "a=2,b=2", "a=2,b=3"]
        );
        assert_eq!(cartesian(&[]).len(), 1);
    }
}
