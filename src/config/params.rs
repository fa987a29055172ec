//! `sim params`: every key a model file may set, by its `--set` path, with the value the file (or
//! a `--set`) gives it or `(default)`; the keys of each table are those the model format accepts.

use super::locate;
use super::overrides::{self, Override};
use super::raw::RawModel;
use super::{ConfigError, ModelFile};
use toml_edit::{DocumentMut, Item, Table, Value};

/// One settable key: its `--set` path and its value as TOML, `None` when the model's default applies.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Param {
    pub path: String,
    pub value: Option<String>,
}

/// Every key of `file` (with `overrides` applied) and every key its tables could set.
pub(crate) fn list(file: &ModelFile, overrides: &[Override]) -> Result<Vec<Param>, ConfigError> {
    file.resolve(overrides)?;
    let _: RawModel = locate::parse(&file.path, &file.text, overrides)?;
    let mut doc: DocumentMut = file
        .text
        .parse()
        .map_err(|e: toml_edit::TomlError| ConfigError::whole(&file.path, e.message()))?;
    overrides::apply(&mut doc, overrides).expect("applied once already");
    let mut out = Vec::new();
    walk(&doc, doc.as_table(), &mut Vec::new(), &mut out);
    Ok(out)
}

fn walk(doc: &DocumentMut, table: &Table, path: &mut Vec<String>, out: &mut Vec<Param>) {
    let mut keys: Vec<String> = table.iter().map(|(k, _)| k.to_string()).collect();
    for k in accepted(doc, path) {
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    for k in keys {
        path.push(k.clone());
        match table.get(&k) {
            Some(Item::Table(t)) => walk(doc, t, path, out),
            Some(Item::Value(Value::InlineTable(t))) => {
                walk(doc, &t.clone().into_table(), path, out)
            }
            Some(Item::ArrayOfTables(a)) => {
                for (i, t) in a.iter().enumerate() {
                    path.push(i.to_string());
                    walk(doc, t, path, out);
                    path.pop();
                }
            }
            Some(Item::Value(v)) => out.push(Param {
                path: path.join("."),
                value: Some(plain(v)),
            }),
            Some(Item::None) => {}
            // A key the file leaves out may itself be a table of keys (`account`).
            None if !accepted(doc, path).is_empty() => walk(doc, &Table::new(), path, out),
            None => out.push(Param {
                path: path.join("."),
                value: None,
            }),
        }
        path.pop();
    }
}

/// A value as TOML on one line, without the comments and spacing around it.
fn plain(v: &Value) -> String {
    let mut v = v.clone();
    v.decor_mut().clear();
    if let Value::Array(a) = &mut v {
        a.fmt();
    }
    v.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The keys the model format accepts in the table at `path`, learnt by asking the parser about a
/// key it cannot know; empty where any key is a name (streams, consumers) or the table is tagged.
fn accepted(doc: &DocumentMut, path: &[String]) -> Vec<String> {
    const PROBE: &str = "__sim_params_probe__";
    let mut probe = doc.clone();
    let mut full = path.to_vec();
    full.push(PROBE.into());
    let o = Override {
        path: full.join("."),
        value: "0".into(),
    };
    if overrides::apply(&mut probe, &[o]).is_err() {
        return Vec::new();
    }
    let Err(e) = toml::from_str::<RawModel>(&probe.to_string()) else {
        return Vec::new();
    };
    let message = e.message();
    let Some(rest) = message.strip_prefix(&format!("unknown field `{PROBE}`")) else {
        return Vec::new();
    };
    rest.split_once("expected")
        .map(|(_, list)| {
            list.split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The parameters as an aligned two-column table.
pub(crate) fn table(name: &str, params: &[Param]) -> String {
    let width = params.iter().map(|p| p.path.len()).max().unwrap_or(0);
    let mut out = format!(
        "{name}: {} parameters; change any with --set PATH=VALUE\n\n",
        params.len()
    );
    for p in params {
        let value = p.value.as_deref().unwrap_or("(default)");
        out += &format!("  {:<width$}  {value}\n", p.path);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn lists_set_keys_and_the_keys_left_to_defaults() {
        let text = "duration = \"10m\"\n[streams.s]\nkind = \"kinesis\"\nshards = 2\n\
                    [producers.p]\nstream = \"s\"\nrate = 10.0\n\
                    [consumers.fn]\nstream = \"s\"\nfunction = { duration = \"5ms\" }\n";
        let file = ModelFile::from_text(Path::new("m.toml"), text.into()).unwrap();
        let set = Override::parse("consumers.fn.batch_size=50").unwrap();
        let params = list(&file, &[set]).unwrap();
        let value = |path: &str| {
            params
                .iter()
                .find(|p| p.path == path)
                .unwrap_or_else(|| panic!("no {path} in {params:?}"))
                .value
                .clone()
        };
        assert_eq!(value("duration"), Some("\"10m\"".into()));
        assert_eq!(value("warmup"), None);
        assert_eq!(value("streams.s.shards"), Some("2".into()));
        assert_eq!(value("consumers.fn.batch_size"), Some("50".into()));
        assert_eq!(value("consumers.fn.parallelization_factor"), None);
        assert_eq!(value("account.concurrency"), None);
        assert_eq!(
            value("consumers.fn.function.duration"),
            Some("\"5ms\"".into())
        );
    }
}
