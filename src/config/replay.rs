//! Values taken from CloudWatch exports named in the model file: a producer's rate replayed from
//! IncomingRecords, its record size from IncomingBytes over IncomingRecords, a function's duration
//! fitted from Lambda Duration percentiles.
//!
//! The model text is rewritten before it is parsed: each `{ from = ... }` table becomes the plain
//! value it stands for, on the same line, and a replayed rate's profile is appended at the end of
//! the file, so every other key keeps its line and column in error messages.
//!
//! ```toml
//! [producers.p]
//! rate = { from = "cloudwatch/result.json", queries = "cloudwatch/queries.json", id = "incoming_records" }
//! record_size = { from = "cloudwatch/result.json", queries = "cloudwatch/queries.json", bytes_id = "incoming_bytes", records_id = "incoming_records" }
//! [consumers.fn.function]
//! duration = { from = "cloudwatch/result.json", queries = "cloudwatch/queries.json", id = "duration_p50", p99_id = "duration_p99" }
//! ```

use super::error::ConfigError;
use super::source::error_at;
use crate::cloudwatch::{self, fit, time, Series};
use std::path::{Path, PathBuf};
use toml_edit::{DocumentMut, InlineTable, Item, Value};

/// The model text with every export replaced by its values, and what was fitted.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Replayed {
    pub text: String,
    pub fitted: Vec<Fitted>,
    /// The first replayed rate's window in epoch seconds, `[start, end)`: its first period is
    /// the run's time 0.
    pub window: Option<(i64, i64)>,
    /// What the user should know about the exports read (points left out, gaps, statuses).
    pub warnings: Vec<String>,
}

/// One value taken from an export: the key it sets and a sentence saying how.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Fitted {
    pub key: String,
    pub sentence: String,
}

/// Rewrites `text` (the model at `path`); text that is not TOML is left for the parser to report.
pub(crate) fn expand(path: &Path, text: &str) -> Result<Replayed, ConfigError> {
    let unchanged = || Replayed {
        text: text.to_string(),
        ..Replayed::default()
    };
    if !text.contains("from") {
        return Ok(unchanged());
    }
    let Ok(mut doc) = text.parse::<DocumentMut>() else {
        return Ok(unchanged());
    };
    let mut r = Rewrite {
        path,
        text,
        fitted: vec![],
        appended: String::new(),
        window: None,
        warnings: vec![],
        producer_window: None,
    };
    r.producers(&mut doc)?;
    r.functions(&mut doc)?;
    if r.fitted.is_empty() {
        return Ok(unchanged());
    }
    let mut out = doc.to_string();
    out.push_str(&r.appended);
    Ok(Replayed {
        text: out,
        fitted: r.fitted,
        window: r.window,
        warnings: r.warnings,
    })
}

struct Rewrite<'a> {
    path: &'a Path,
    text: &'a str,
    fitted: Vec<Fitted>,
    appended: String,
    window: Option<(i64, i64)>,
    warnings: Vec<String>,
    /// The window of the rate of the producer being rewritten, which its record size keeps to.
    producer_window: Option<(i64, i64)>,
}

/// The export a `{ from = ... }` table names, read once.
struct Export {
    /// The results file, for warnings.
    from: PathBuf,
    series: Vec<Series>,
    report: cloudwatch::Report,
}

impl Rewrite<'_> {
    fn bad<T>(&self, key: &str, message: impl Into<String>) -> Result<T, ConfigError> {
        Err(error_at(self.path, self.text, key, message.into()))
    }

    fn producers(&mut self, doc: &mut DocumentMut) -> Result<(), ConfigError> {
        let names = table_names(doc, "producers");
        for name in names {
            let base = format!("producers.{name}");
            let t = doc["producers"][name.as_str()].as_table_like_mut();
            let Some(t) = t else { continue };
            self.producer_window = None;
            if let Some(spec) = from_table(t.get("rate")) {
                let (mean, profile) = self.rate(&base, &spec)?;
                if t.contains_key("profile") {
                    return self.bad(
                        &format!("{base}.profile"),
                        "a rate replayed from an export sets its own profile: remove this key",
                    );
                }
                t.insert("rate", toml_edit::value(mean));
                if !doc["producers"][name.as_str()].is_table() {
                    return self.bad(
                        &format!("{base}.rate"),
                        format!("a replayed rate needs the producer as its own table: [{base}]"),
                    );
                }
                self.appended.push_str(&profile_table(&base, &profile));
            }
            let t = doc["producers"][name.as_str()].as_table_like_mut();
            let Some(t) = t else { continue };
            if let Some(spec) = from_table(t.get("record_size")) {
                let bytes = self.record_size(&format!("{base}.record_size"), &spec)?;
                t.insert(
                    "record_size",
                    toml_edit::value(bytes.round().max(1.0) as i64),
                );
            }
        }
        Ok(())
    }

    fn functions(&mut self, doc: &mut DocumentMut) -> Result<(), ConfigError> {
        for name in table_names(doc, "consumers") {
            let key = format!("consumers.{name}.function.duration");
            let found = doc["consumers"][name.as_str()]
                .get("function")
                .and_then(|f| f.get("duration"));
            let Some(spec) = from_table(found) else {
                continue;
            };
            let dist = self.duration(&key, &spec)?;
            doc["consumers"][name.as_str()]["function"]["duration"] = toml_edit::value(dist);
        }
        Ok(())
    }

    /// The stream's mean rate and the per-period multipliers of an IncomingRecords Sum.
    fn rate(
        &mut self,
        key: &str,
        spec: &InlineTable,
    ) -> Result<(f64, (u32, Vec<f64>)), ConfigError> {
        let key = format!("{key}.rate");
        let export = self.export(&key, spec, &["from", "queries", "id"])?;
        let s = self.series(&key, spec, &export, "id")?;
        let points = self.strays_left_out(&export, s);
        let f = fit::rate(points, s.period_s).or_else(|p| self.bad(&key, p.to_string()))?;
        if f.missing_periods > 0 || f.mean_per_s <= 0.0 {
            return self.bad(
                &format!("{key}.id"),
                format!(
                    "{}: a replayed rate needs every period, with some records ({})",
                    s.id, f.sentence
                ),
            );
        }
        let window = (
            f.points[0].0,
            f.points[f.points.len() - 1].0 + i64::from(s.period_s),
        );
        self.window.get_or_insert(window);
        self.producer_window = Some(window);
        let multipliers = f.points.iter().map(|p| p.1 / f.mean_per_s).collect();
        self.note(&key, format!("replayed from {}: {}", s.id, f.sentence));
        Ok((f.mean_per_s, (s.period_s, multipliers)))
    }

    /// The points of a replayed rate inside its window: its longest run of consecutive periods.
    /// A few points outside it (at most a tenth: strays, such as one dated 9999) are left out with
    /// a warning; more are kept, for the gap check to refuse.
    fn strays_left_out<'e>(&mut self, export: &Export, s: &'e Series) -> &'e [(i64, f64)] {
        let run = fit::longest_run(&s.points, s.period_s);
        let outside = s.points.len() - run.len();
        if outside == 0 || outside * 10 > s.points.len() {
            return &s.points;
        }
        let first = if run.start > 0 {
            s.points[0].0
        } else {
            s.points[run.end].0
        };
        let end = s.points[run.end - 1].0 + i64::from(s.period_s);
        self.warnings.push(format!(
            "{}: {}: left out {outside} point{} outside the replayed window {} to {} (the longest run of consecutive {} s periods), the first at {}",
            export.from.display(),
            s.id,
            if outside == 1 { "" } else { "s" },
            time::format(s.points[run.start].0),
            time::format(end),
            s.period_s,
            time::format(first)
        ));
        &s.points[run]
    }

    fn record_size(&mut self, key: &str, spec: &InlineTable) -> Result<f64, ConfigError> {
        let export = self.export(key, spec, &["from", "queries", "bytes_id", "records_id"])?;
        let bytes = self.series(key, spec, &export, "bytes_id")?;
        let records = self.series(key, spec, &export, "records_id")?;
        // Periods outside the producer's replayed window are not part of what is replayed.
        let inside = |s: &Series| -> Vec<(i64, f64)> {
            let (from, to) = self.producer_window.unwrap_or((i64::MIN, i64::MAX));
            s.points
                .iter()
                .copied()
                .filter(|p| (from..to).contains(&p.0))
                .collect()
        };
        let f = fit::record_size(&inside(bytes), &inside(records))
            .or_else(|p| self.bad(key, p.to_string()))?;
        self.note(key, f.sentence.clone());
        Ok(f.mean_bytes)
    }

    /// A log-normal duration as the model writes it.
    fn duration(&mut self, key: &str, spec: &InlineTable) -> Result<InlineTable, ConfigError> {
        let export = self.export(key, spec, &["from", "queries", "id", "p99_id"])?;
        let p50 = self.series(key, spec, &export, "id")?;
        let p99 = self.series(key, spec, &export, "p99_id")?;
        let f = fit::duration(Some(&p50.points), Some(&p99.points), None, "ms")
            .or_else(|p| self.bad(key, p.to_string()))?;
        self.note(key, f.sentence.clone());
        let us = |ms: f64| format!("{}us", (ms * 1000.0).round().max(1.0) as u64);
        let mut t = InlineTable::new();
        t.insert("kind", "lognormal".into());
        t.insert("median", us(f.median).into());
        t.insert("p99", us(f.quantile(0.99)).into());
        Ok(t)
    }

    fn note(&mut self, key: &str, sentence: String) {
        self.fitted.push(Fitted {
            key: key.to_string(),
            sentence,
        });
    }

    /// Reads the export named by `from` and `queries` (relative to the model file).
    fn export(&self, key: &str, spec: &InlineTable, keys: &[&str]) -> Result<Export, ConfigError> {
        if let Some((k, _)) = spec.iter().find(|(k, _)| !keys.contains(k)) {
            return self.bad(
                &format!("{key}.{k}"),
                format!("unknown key `{k}`: expected one of {}", keys.join(", ")),
            );
        }
        let from = self.path_of(key, spec, "from")?;
        let queries = self.path_of(key, spec, "queries")?;
        let (series, report) = cloudwatch::read_metric_data(&queries, &[&from])
            .or_else(|e| self.bad(&format!("{key}.from"), format!("bad export: {e}")))?;
        Ok(Export {
            from,
            series,
            report,
        })
    }

    fn path_of(&self, key: &str, spec: &InlineTable, k: &str) -> Result<PathBuf, ConfigError> {
        let Some(p) = spec.get(k).and_then(Value::as_str) else {
            return self.bad(
                &format!("{key}.{k}"),
                format!("`{k}` must name a file (a string)"),
            );
        };
        let dir = self.path.parent().unwrap_or(Path::new(""));
        Ok(dir.join(p))
    }

    /// The series named by the key `k` of `spec`; one CloudWatch says it could not return, or
    /// whose points do not fit its query, is refused; what else there is to know is kept to warn.
    fn series<'e>(
        &mut self,
        key: &str,
        spec: &InlineTable,
        export: &'e Export,
        k: &str,
    ) -> Result<&'e Series, ConfigError> {
        let Some(id) = spec.get(k).and_then(Value::as_str) else {
            return self.bad(
                &format!("{key}.{k}"),
                format!("`{k}` must name a query Id (a string)"),
            );
        };
        let found = export.series.iter().find(|s| s.id == id);
        if found.is_some() {
            let from = export.from.display();
            if let Some(why) = export.report.notes_of(id).and_then(|n| n.unusable()) {
                return self.bad(&format!("{key}.from"), format!("bad export: {from}: {why}"));
            }
            for w in export.report.warnings_for(&[id]) {
                let w = format!("{from}: {w}");
                if !self.warnings.contains(&w) {
                    self.warnings.push(w);
                }
            }
        }
        found.map_or_else(
            || {
                let ids: Vec<&str> = export.series.iter().map(|s| s.id.as_str()).collect();
                self.bad(
                    &format!("{key}.{k}"),
                    format!(
                        "no query with Id \"{id}\" in the export (it has {})",
                        ids.join(", ")
                    ),
                )
            },
            Ok,
        )
    }
}

/// The keys of the table `name` at the top of the document.
fn table_names(doc: &DocumentMut, name: &str) -> Vec<String> {
    doc.get(name)
        .and_then(Item::as_table_like)
        .map(|t| t.iter().map(|(k, _)| k.to_string()).collect())
        .unwrap_or_default()
}

/// The item as an inline table with a `from` key, if it is one.
fn from_table(item: Option<&Item>) -> Option<InlineTable> {
    let t = item?.as_inline_table()?;
    t.contains_key("from").then(|| t.clone())
}

/// `[<base>.profile]`: the rate's multiplier in each period, repeated after the last one.
fn profile_table(base: &str, (period_s, multipliers): &(u32, Vec<f64>)) -> String {
    let list: Vec<String> = multipliers.iter().map(|m| format!("{m}")).collect();
    format!(
        "\n[{base}.profile]\nkind = \"periodic\"\nperiod = \"{}s\"\nmultipliers = [{}]\n",
        u64::from(*period_s) * multipliers.len() as u64,
        list.join(", ")
    )
}
