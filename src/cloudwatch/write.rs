//! Series out as a get-metric-data export (queries file and output), so simulated runs can be
//! read back by the same code that reads real exports.

use super::{raw, time, Problem, Series};
use serde::Serialize;
use std::collections::HashSet;

/// The two files of a get-metric-data export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    /// For `--metric-data-queries file://...`.
    pub queries: String,
    /// What the CLI prints: pages one JSON object after another, newest points first.
    pub result: String,
}

/// Writes `series` as the AWS CLI would have saved them, newest first, 4-space indented.
///
/// With `page_points`, each page holds at most that many points of each series, and every page
/// but the last carries a NextToken, with `PartialData` for series that continue. Values are
/// written with 15 significant digits: any JSON reader (serde_json's default one included) reads
/// those back to the same double, which is not true of all 17-digit values.
pub fn write_metric_data(series: &[Series], page_points: Option<usize>) -> Result<Export, Problem> {
    check(series)?;
    let queries: Vec<raw::Query> = series.iter().map(query).collect();
    let per_page = page_points.unwrap_or(usize::MAX).max(1);
    let pages = series
        .iter()
        .map(|s| s.points.len().div_ceil(per_page))
        .max()
        .unwrap_or(0)
        .max(1);
    let mut result = String::new();
    for k in 0..pages {
        let page = page(series, k, per_page, k + 1 < pages);
        result.push_str(&pretty(&page)?);
    }
    Ok(Export {
        queries: pretty(&queries)?,
        result,
    })
}

/// Ids as CloudWatch requires (a lowercase letter, then letters, digits, `_`), unique; periods
/// positive; points strictly ascending and finite.
fn check(series: &[Series]) -> Result<(), Problem> {
    let mut ids = HashSet::new();
    for s in series {
        let id = &s.id;
        let mut chars = id.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
        if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Problem::BadId(id.clone()));
        }
        if !ids.insert(id.as_str()) {
            return Err(Problem::RepeatedId(id.clone()));
        }
        if s.period_s == 0 {
            return Err(Problem::SeriesPeriodZero(id.clone()));
        }
        if !s.points.windows(2).all(|w| w[0].0 < w[1].0) {
            return Err(Problem::NotAscending(id.clone()));
        }
        if let Some(p) = s.points.iter().find(|p| !p.1.is_finite()) {
            return Err(Problem::NotFinite {
                id: id.clone(),
                value: p.1,
                at: time::format(p.0),
            });
        }
    }
    Ok(())
}

fn query(s: &Series) -> raw::Query {
    raw::Query {
        id: s.id.clone(),
        metric_stat: Some(raw::MetricStat {
            metric: raw::Metric {
                namespace: s.metric.namespace().to_string(),
                metric_name: s.metric.name().to_string(),
                dimensions: s
                    .dimensions
                    .iter()
                    .map(|d| raw::Dimension {
                        name: d.name.clone(),
                        value: d.value.clone(),
                    })
                    .collect(),
            },
            period: s.period_s,
            stat: s.stat.to_string(),
            unit: None,
        }),
        expression: None,
        label: None,
        return_data: None,
        period: None,
        account_id: None,
    }
}

/// Page `k`: the `k`-th slice of each series' newest-first points; a series with no points
/// appears once, on the first page.
fn page(series: &[Series], k: usize, per_page: usize, more: bool) -> raw::Page {
    let results = series
        .iter()
        .filter_map(|s| {
            let n = s.points.len();
            let newest = k.saturating_mul(per_page);
            if newest >= n && !(k == 0 && n == 0) {
                return None;
            }
            let oldest = newest.saturating_add(per_page).min(n);
            let chunk = s.points[n - oldest..n - newest].iter().rev();
            Some(raw::Result {
                id: s.id.clone(),
                label: Some(s.metric.name().to_string()),
                timestamps: chunk
                    .clone()
                    .map(|p| raw::Stamp::Text(time::format(p.0)))
                    .collect(),
                values: chunk.map(|p| fifteen_digits(p.1)).collect(),
                status_code: Some(
                    if oldest == n {
                        "Complete"
                    } else {
                        "PartialData"
                    }
                    .into(),
                ),
                messages: vec![],
            })
        })
        .collect();
    raw::Page {
        metric_data_results: results,
        messages: vec![],
        next_token: more.then(|| format!("page-{}", k + 2)),
    }
}

/// `x` rounded to 15 significant digits.
fn fifteen_digits(x: f64) -> f64 {
    format!("{x:.14e}").parse().unwrap_or(x)
}

/// JSON indented by 4 spaces, as the AWS CLI prints, with a final newline.
fn pretty<T: Serialize>(value: &T) -> Result<String, Problem> {
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    value.serialize(&mut ser).map_err(Problem::Json)?;
    out.push(b'\n');
    String::from_utf8(out).map_err(Problem::Utf8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudwatch::{Dimension, Known, Stat};

    fn series(id: &str, points: Vec<(i64, f64)>) -> Series {
        Series {
            id: id.into(),
            metric: Known::LambdaDuration,
            stat: Stat::Percentile(99.0),
            period_s: 60,
            dimensions: vec![Dimension::new("FunctionName", "f")],
            points,
        }
    }

    #[test]
    fn queries_and_results_look_like_the_clis() {
        let e = write_metric_data(&[series("d99", vec![(0, 1.5), (60, 2.0)])], None).unwrap();
        assert!(
            e.queries.contains("\"MetricName\": \"Duration\""),
            "{}",
            e.queries
        );
        assert!(e.queries.contains("\"Stat\": \"p99\""));
        assert!(e.queries.starts_with("[\n    {\n        \"Id\": \"d99\""));
        let newest = e.result.find("1970-01-01T00:01:00+00:00").unwrap();
        let oldest = e.result.find("1970-01-01T00:00:00+00:00").unwrap();
        assert!(newest < oldest, "newest first");
        assert!(e.result.contains("\"StatusCode\": \"Complete\""));
        assert!(!e.result.contains("NextToken"));
    }

    #[test]
    fn pages_split_each_series_and_carry_tokens() {
        let pts = (0..5).map(|i| (60 * i, i as f64)).collect();
        let e = write_metric_data(&[series("a", pts), series("b", vec![])], Some(2)).unwrap();
        assert_eq!(e.result.matches("\"MetricDataResults\"").count(), 3);
        assert_eq!(e.result.matches("\"NextToken\"").count(), 2);
        assert_eq!(e.result.matches("\"PartialData\"").count(), 2);
        assert_eq!(e.result.matches("\"Id\": \"b\"").count(), 1);
    }

    #[test]
    fn bad_series_are_refused() {
        let bad = |s: Series| write_metric_data(&[s], None).unwrap_err().to_string();
        assert!(bad(series("M1", vec![])).contains("lowercase"));
        assert!(bad(series("a", vec![(60, 1.0), (0, 1.0)])).contains("ascending"));
        assert!(bad(series("a", vec![(0, f64::NAN)])).contains("not finite"));
        let twice = write_metric_data(&[series("a", vec![]), series("a", vec![])], None);
        assert!(twice.unwrap_err().to_string().contains("used twice"));
    }

    #[test]
    fn fifteen_digits_survive_serde_json() {
        for x in [
            0.1,
            1.0 / 3.0,
            123_456.789_012_345_67,
            2.0f64.sqrt() * 1e9,
            7e-6 / 3.0,
        ] {
            let y = fifteen_digits(x);
            let back: f64 = serde_json::from_str(&serde_json::to_string(&y).unwrap()).unwrap();
            assert_eq!(back.to_bits(), y.to_bits(), "{x}");
            assert!((y - x).abs() <= 1e-14 * x.abs());
        }
    }
}
