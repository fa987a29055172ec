//! `aws cloudwatch get-metric-data`: the queries file and its results (one or several pages, in
//! one or several files) to series.

use super::clean::clean;
use super::report::{Report, Skipped};
use super::{json, raw, read_text, Dimension, Error, FileText, Known, Problem, Series, Stat};
use std::collections::{HashMap, HashSet};
use std::path::Path;

const RESULTS: &str = "get-metric-data output (a JSON object with MetricDataResults)";
const QUERIES: &str = "a get-metric-data queries file (a JSON list of MetricDataQuery)";

/// Reads the file given to `--metric-data-queries file://...` and the saved outputs, pages in
/// order; see [`parse_metric_data`].
pub fn read_metric_data(queries: &Path, results: &[&Path]) -> Result<(Vec<Series>, Report), Error> {
    let query_text = read_text(queries)?;
    let texts = results
        .iter()
        .map(|p| read_text(p))
        .collect::<Result<Vec<_>, _>>()?;
    let files: Vec<FileText> = results
        .iter()
        .zip(&texts)
        .map(|(path, text)| FileText { path, text })
        .collect();
    let queries = FileText {
        path: queries,
        text: &query_text,
    };
    parse_metric_data(queries, &files)
}

/// One series per query of a known metric and statistic, in the queries' order, with what was
/// skipped or cleaned up in the report. A result whose Id has no query, a result whose
/// timestamps and values disagree, or a bad timestamp is an error.
pub fn parse_metric_data(
    queries: FileText,
    results: &[FileText],
) -> Result<(Vec<Series>, Report), Error> {
    let (plans, unit_notes) = plans(queries)?;
    let mut gather = Gather {
        queries: queries.path,
        index: plans
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), i))
            .collect(),
        parts: plans.iter().map(|_| Parts::default()).collect(),
        notes: unit_notes,
        next_token: false,
    };
    for &file in results {
        gather.file(file)?;
    }
    if gather.next_token {
        gather.notes.push(
            "the last page has a NextToken: the export stops before CloudWatch's last page".into(),
        );
    }
    let report = Report {
        notes: gather.notes,
        ..Report::default()
    };
    Ok(assemble(plans, gather.parts, report))
}

/// Result entries sorted to their queries, across pages and files.
struct Gather<'a> {
    queries: &'a Path,
    index: HashMap<String, usize>,
    parts: Vec<Parts>,
    notes: Vec<String>,
    /// Whether the last page read has a NextToken.
    next_token: bool,
}

impl Gather<'_> {
    fn file(&mut self, file: FileText) -> Result<(), Error> {
        let pages: Vec<raw::Page> = json::documents(file, RESULTS)?;
        // How many entries of each Id came before, to find the line of the next one.
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (p, page) in pages.iter().enumerate() {
            for (i, r) in page.metric_data_results.iter().enumerate() {
                let count = seen.entry(r.id.as_str()).or_default();
                let nth = *count;
                *count += 1;
                // Located only on error: finding the line scans the text.
                self.entry(r).map_err(|m| {
                    let line = json::id_line(file.text, &r.id, nth);
                    json::at(file, line, place(pages.len(), p, i, &r.id), m)
                })?;
            }
            self.notes.extend(messages(&page.messages, ""));
            self.next_token = page.next_token.is_some();
        }
        Ok(())
    }

    fn entry(&mut self, r: &raw::Result) -> Result<(), Problem> {
        let Some(&q) = self.index.get(r.id.as_str()) else {
            return Err(Problem::NoQuery {
                id: r.id.clone(),
                queries: self.queries.to_path_buf(),
            });
        };
        self.parts[q].add(r)
    }
}

/// What a query asks for, once checked.
struct Plan {
    id: String,
    want: Want,
    returns_data: bool,
}

enum Want {
    Series {
        metric: Known,
        stat: Stat,
        period_s: u32,
        dimensions: Vec<Dimension>,
    },
    Skip {
        what: String,
        reason: String,
    },
}

/// The queries, checked (unique Ids, one of MetricStat or Expression, a positive period), and
/// remarks on them.
fn plans(file: FileText) -> Result<(Vec<Plan>, Vec<String>), Error> {
    let queries = parse_queries(file)?;
    let mut ids: HashSet<&str> = HashSet::new();
    let mut out = Vec::with_capacity(queries.len());
    let mut notes = Vec::new();
    for (i, q) in queries.iter().enumerate() {
        let repeated = !ids.insert(&q.id);
        // Located only on error: finding the line scans the text.
        let err = |p: Problem| {
            let line = json::id_line(file.text, &q.id, usize::from(repeated));
            json::at(file, line, format!("[{i}] (Id \"{}\")", q.id), p)
        };
        if repeated {
            return Err(err(Problem::QueryIdTwice {
                id: q.id.clone(),
                first: json::id_line(file.text, &q.id, 0),
            }));
        }
        let plan = plan(q).map_err(err)?;
        notes.extend(unit_note(q));
        out.push(plan);
    }
    Ok((out, notes))
}

fn parse_queries(file: FileText) -> Result<Vec<raw::Query>, Error> {
    let wrapped = file.text.trim_start().starts_with('{');
    let parsed = if wrapped {
        serde_json::from_str::<raw::Request>(file.text).map(|r| r.metric_data_queries)
    } else {
        serde_json::from_str::<Vec<raw::Query>>(file.text)
    };
    parsed.map_err(|e| {
        let hint = if file.text.contains("\"MetricDataResults\"") {
            format!(" (this looks like get-metric-data output, expected {QUERIES})")
        } else {
            String::new()
        };
        json::from_serde(file, &e, &hint)
    })
}

fn plan(q: &raw::Query) -> Result<Plan, Problem> {
    let want = match (&q.metric_stat, &q.expression) {
        (Some(_), Some(_)) => return Err(Problem::StatAndExpression),
        (None, None) => return Err(Problem::NoStatNorExpression),
        (None, Some(e)) => Want::Skip {
            what: format!("expression \"{e}\""),
            reason: "metric math is not read; query the metrics it uses instead".into(),
        },
        (Some(ms), None) => want_of(ms)?,
    };
    Ok(Plan {
        id: q.id.clone(),
        want,
        returns_data: q.return_data.unwrap_or(true),
    })
}

fn want_of(ms: &raw::MetricStat) -> Result<Want, Problem> {
    if ms.period == 0 {
        return Err(Problem::QueryPeriodZero);
    }
    let m = &ms.metric;
    let named = format!("{} {}", m.namespace, m.metric_name);
    let Some(metric) = Known::from_names(&m.namespace, &m.metric_name) else {
        return Ok(Want::Skip {
            what: named,
            reason: "not a metric sim understands".into(),
        });
    };
    let Some(stat) = Stat::parse(&ms.stat) else {
        return Ok(Want::Skip {
            what: format!("{named} {}", ms.stat),
            reason: "statistic not used by sim (SampleCount, Average, Sum, Minimum, Maximum, pNN)"
                .into(),
        });
    };
    let dimensions = m
        .dimensions
        .iter()
        .map(|d| Dimension::new(&d.name, &d.value))
        .collect();
    Ok(Want::Series {
        metric,
        stat,
        period_s: ms.period,
        dimensions,
    })
}

/// CloudWatch filters by unit rather than converting, so a unit the metric lacks returns nothing.
fn unit_note(q: &raw::Query) -> Option<String> {
    let ms = q.metric_stat.as_ref()?;
    let unit = ms.unit.as_deref()?;
    let metric = Known::from_names(&ms.metric.namespace, &ms.metric.metric_name)?;
    (unit != metric.unit()).then(|| {
        format!(
            "{}: Unit \"{unit}\" asked for, but {metric} is reported in {}: CloudWatch returns no data for it",
            q.id,
            metric.unit()
        )
    })
}

fn place(pages: usize, page: usize, i: usize, id: &str) -> String {
    let entry = format!("MetricDataResults[{i}] (Id \"{id}\")");
    if pages > 1 {
        format!("page {}, {entry}", page + 1)
    } else {
        entry
    }
}

/// The result entries of one Id, in file order.
#[derive(Default)]
struct Parts {
    statuses: Vec<String>,
    points: Vec<(i64, f64)>,
    messages: Vec<String>,
}

impl Parts {
    fn add(&mut self, r: &raw::Result) -> Result<(), Problem> {
        if r.timestamps.len() != r.values.len() {
            return Err(Problem::Lengths {
                timestamps: r.timestamps.len(),
                values: r.values.len(),
            });
        }
        for (k, (t, v)) in r.timestamps.iter().zip(&r.values).enumerate() {
            let t = t.seconds().map_err(|why| Problem::BadTimestamp {
                index: k,
                why: Box::new(why),
            })?;
            self.points.push((t, *v));
        }
        let status = r.status_code.as_deref().unwrap_or("Complete");
        self.statuses.push(status.to_string());
        self.messages.extend(messages(&r.messages, &r.id));
        Ok(())
    }
}

fn messages(list: &[raw::Message], id: &str) -> Vec<String> {
    let who = if id.is_empty() {
        String::new()
    } else {
        format!("{id}: ")
    };
    list.iter()
        .map(|m| {
            let code = m.code.as_deref().unwrap_or("Message");
            let value = m.value.as_deref().unwrap_or("");
            format!("{who}CloudWatch says {code}: {value}")
        })
        .collect()
}

/// Series in query order; skipped queries and queries without results go to the report.
fn assemble(plans: Vec<Plan>, parts: Vec<Parts>, mut report: Report) -> (Vec<Series>, Report) {
    let mut series = Vec::new();
    for (plan, part) in plans.into_iter().zip(parts) {
        report.notes.extend(part.messages);
        let found = !part.statuses.is_empty();
        match plan.want {
            Want::Skip { what, reason } => report.skipped.push(Skipped {
                id: plan.id,
                what,
                reason,
                points: part.points.len(),
            }),
            Want::Series { .. } if !found => {
                if plan.returns_data {
                    report
                        .notes
                        .push(format!("{}: no result entry for this query", plan.id));
                }
            }
            Want::Series {
                metric,
                stat,
                period_s,
                dimensions,
            } => {
                let (points, notes) = clean(&plan.id, period_s, part.statuses, part.points);
                report.series.push(notes);
                series.push(Series {
                    id: plan.id,
                    metric,
                    stat,
                    period_s,
                    dimensions,
                    points,
                });
            }
        }
    }
    (series, report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(queries: &str, result: &str) -> Result<(Vec<Series>, Report), Error> {
        let q = FileText {
            path: Path::new("q.json"),
            text: queries,
        };
        let r = FileText {
            path: Path::new("r.json"),
            text: result,
        };
        parse_metric_data(q, &[r])
    }

    /// A query of Lambda IteratorAge Maximum, with more fields inside MetricStat and after it.
    fn query(id: &str, in_stat: &str, after: &str) -> String {
        format!(
            r#"{{"Id": "{id}", "MetricStat": {{"Metric": {{"Namespace": "AWS/Lambda", "MetricName": "IteratorAge"}}, "Period": 60, "Stat": "Maximum"{in_stat}}}{after}}}"#
        )
    }

    #[test]
    fn a_query_needs_exactly_one_of_metric_stat_and_expression() {
        let both = format!("[{}]", query("m1", "", r#", "Expression": "m1*2""#));
        let err = read(&both, "").unwrap_err().to_string();
        assert_eq!(
            err,
            "q.json:1: [0] (Id \"m1\"): has both MetricStat and Expression; expected one"
        );
        let neither = "[\n{\"Id\": \"m1\", \"Label\": \"x\"}]";
        let err = read(neither, "").unwrap_err().to_string();
        assert_eq!(
            err,
            "q.json:2: [0] (Id \"m1\"): has neither MetricStat nor Expression"
        );
        let zero = format!("[{}]", query("m1", "", "").replace("60", "0"));
        let err = read(&zero, "").unwrap_err().to_string();
        assert!(err.contains("Period must be a positive"), "{err}");
    }

    #[test]
    fn the_cli_input_json_form_and_its_notes_are_read() {
        let queries = format!(
            r#"{{"MetricDataQueries": [{}, {}], "ScanBy": "TimestampAscending"}}"#,
            query("m1", "", ""),
            query("m2", r#", "Unit": "Seconds""#, r#", "ReturnData": false"#)
        );
        let result = r#"{"MetricDataResults": [], "Messages": [{"Code": "MaxQueryTimeRangeExceed", "Value": "too long"}]}"#;
        let (series, report) = read(&queries, result).unwrap();
        assert!(series.is_empty());
        assert_eq!(
            report.warnings(),
            [
                "m2: Unit \"Seconds\" asked for, but AWS/Lambda IteratorAge is reported in Milliseconds: CloudWatch returns no data for it",
                "CloudWatch says MaxQueryTimeRangeExceed: too long",
                "m1: no result entry for this query",
            ]
        );
    }

    #[test]
    fn errors_in_later_pages_name_the_page() {
        let queries = format!("[{}]", query("m1", "", ""));
        let page = r#"{"MetricDataResults": [{"Id": "m1", "Timestamps": ["2024-05-01T10:00:00Z"], "Values": [1.0]}]}"#;
        let bad = page.replace("[1.0]", "[]");
        let err = read(&queries, &format!("{page}\n{bad}"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "r.json:2: page 2, MetricDataResults[0] (Id \"m1\"): Timestamps has 1 entries but Values has 0"
        );
    }

    #[test]
    fn bad_status_codes_are_warned_about() {
        let queries = format!("[{}]", query("m1", "", ""));
        let result = r#"{"MetricDataResults": [{"Id": "m1", "StatusCode": "Forbidden"}]}"#;
        let (series, report) = read(&queries, result).unwrap();
        assert_eq!(series[0].points, []);
        assert_eq!(
            report.warnings(),
            [
                "m1: StatusCode Forbidden in result entry 1: data may be missing",
                "m1: no data points"
            ]
        );
    }
}
