//! The columns of the CSV files: axis columns named after their labels (snake_case, so that
//! pandas, R and SQL take them as they are), and a description of every column (name, unit,
//! meaning) for `manifest.json`.

use crate::experiment::Experiment;
use crate::sweep::metric::{Metric, Unit};
use serde::Serialize;

/// What a column of a CSV file holds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct ColumnDoc {
    pub name: String,
    /// Empty for text columns and plain identifiers.
    pub unit: String,
    pub meaning: String,
}

impl ColumnDoc {
    pub(crate) fn new(name: &str, unit: &str, meaning: &str) -> ColumnDoc {
        ColumnDoc {
            name: name.to_string(),
            unit: unit.to_string(),
            meaning: meaning.to_string(),
        }
    }
}

/// `label` as a column name: lower case, runs of other characters than letters and digits
/// turned into one `_`, none at either end (`fn.count` is `fn_count`; `Batch size` is
/// `batch_size`).
pub(crate) fn snake_case(label: &str) -> String {
    let mut out = String::new();
    for c in label.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_string();
    if out.is_empty() {
        "axis".into()
    } else {
        out
    }
}

/// The column name of each axis of `exp`, in axis order: its label in snake_case, with `_axis`
/// (then a number) added where it would repeat another column's name.
pub(crate) fn axis_names(exp: &Experiment, taken: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for a in &exp.axes {
        let base = snake_case(&a.label);
        let mut name = base.clone();
        let mut n = 1;
        while taken.contains(&name.as_str()) || names.contains(&name) {
            name = if n == 1 {
                format!("{base}_axis")
            } else {
                format!("{base}_axis{n}")
            };
            n += 1;
        }
        names.push(name);
    }
    names
}

/// The description of each axis column.
pub(crate) fn axis_docs(exp: &Experiment, taken: &[&str]) -> Vec<ColumnDoc> {
    axis_names(exp, taken)
        .into_iter()
        .zip(&exp.axes)
        .map(|(name, a)| {
            let meaning = if a.path == "model" {
                "axis: the model file of the point (its label)".to_string()
            } else {
                format!("axis: the value of `{}` at the point", a.path)
            };
            ColumnDoc {
                name,
                unit: String::new(),
                meaning,
            }
        })
        .collect()
}

/// The unit of a metric as written in the manifest.
pub(crate) fn unit_name(u: Unit) -> &'static str {
    match u {
        Unit::Milliseconds => "ms",
        Unit::Seconds => "s",
        Unit::Count => "count",
        Unit::PerMinute => "per minute",
        Unit::UsdPerMonth => "USD per month",
        Unit::Share => "fraction 0-1",
    }
}

/// The two columns of a metric in `summary.csv`: its mean and its 95% half-width.
pub(crate) fn metric_docs(m: Metric) -> [ColumnDoc; 2] {
    let unit = unit_name(m.unit());
    [
        ColumnDoc::new(
            m.name(),
            unit,
            &format!("mean over replicates: {}", m.description()),
        ),
        ColumnDoc::new(
            &format!("{}_ci95", m.name()),
            unit,
            &format!(
                "95% confidence half-width (Student t) of the mean of {}",
                m.name()
            ),
        ),
    ]
}

/// The columns that name a run (`runs.csv` leads with all three; `timeseries.csv` with the first
/// two), before the axes.
pub(crate) const RUN_ID_COLUMNS: [(&str, &str, &str); 3] = [
    (
        "point",
        "",
        "index of the point (combination of axis values), from 0",
    ),
    ("replicate", "", "replicate of the point, from 0"),
    ("seed", "", "the run's random seed"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_become_plain_column_names() {
        assert_eq!(snake_case("fn.count"), "fn_count");
        assert_eq!(snake_case("Batch size (records)"), "batch_size_records");
        assert_eq!(snake_case("model"), "model");
        assert_eq!(snake_case("..."), "axis");
    }
}
