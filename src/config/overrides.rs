//! `--set PATH=VALUE`: changing any model parameter by its dotted key path.

use super::Problem;
use toml_edit::{DocumentMut, Item, Table, Value};

/// One override: a dotted key path and a TOML value (a bare word that is not valid TOML is taken as
/// a string, so `--set streams.s.kind=kinesis` works without quotes).
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub path: String,
    pub value: String,
}

impl Override {
    /// Parses `PATH=VALUE`.
    pub fn parse(text: &str) -> Result<Override, Problem> {
        let (path, value) = text
            .split_once('=')
            .ok_or_else(|| Problem::NotPathValue(text.to_string()))?;
        let path = path.trim();
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(Problem::NotKeyPath(path.to_string()));
        }
        Ok(Override {
            path: path.to_string(),
            value: value.trim().to_string(),
        })
    }

    /// The value as TOML.
    pub fn toml_value(&self) -> Value {
        match self.value.parse::<Value>() {
            Ok(v) => v,
            Err(_) => Value::from(self.value.as_str()),
        }
    }

    /// `PATH=VALUE`, as typed.
    pub fn flag(&self) -> String {
        format!("{}={}", self.path, self.value)
    }
}

/// Sets every override in `doc`, creating tables along the path as needed. Array elements are
/// addressed by index (`consumers.fn.function.fanout.0.duration`).
pub(crate) fn apply(
    doc: &mut DocumentMut,
    overrides: &[Override],
) -> Result<(), (Override, Problem)> {
    for o in overrides {
        let parts: Vec<&str> = o.path.split('.').collect();
        known_name(doc, &parts, overrides).map_err(|m| (o.clone(), m))?;
        set(doc.as_table_mut(), &parts, o.toml_value()).map_err(|m| (o.clone(), m))?;
    }
    Ok(())
}

/// Refuses a path through a stream, producer or consumer the model does not have, unless the
/// overrides create it (they set its `kind` or `stream`): setting one key of a new entry would only
/// fail later on the keys it lacks, far from the typo.
fn known_name(doc: &DocumentMut, parts: &[&str], all: &[Override]) -> Result<(), Problem> {
    let (section, name) = match parts {
        [section, name, _, ..] => (*section, *name),
        _ => return Ok(()),
    };
    let (what, creating_key) = match section {
        "streams" => ("stream", "kind"),
        "producers" => ("producer", "stream"),
        "consumers" => ("consumer", "stream"),
        _ => return Ok(()),
    };
    let creates = format!("{section}.{name}.{creating_key}");
    if all.iter().any(|o| o.path == creates) {
        return Ok(());
    }
    let names: Vec<&str> = doc
        .get(section)
        .and_then(Item::as_table_like)
        .map(|t| t.iter().map(|(k, _)| k).collect())
        .unwrap_or_default();
    if names.contains(&name) {
        return Ok(());
    }
    let mut hint = super::error::did_you_mean(name, &names);
    if hint.is_empty() {
        let list = if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        };
        hint = format!(" ({section}: {list})");
    }
    Err(Problem::NoSuchEntry {
        what,
        name: name.to_string(),
        hint,
    })
}

fn set(table: &mut Table, parts: &[&str], value: Value) -> Result<(), Problem> {
    let (first, rest) = parts.split_first().expect("non-empty path");
    if rest.is_empty() {
        table.insert(first, Item::Value(value));
        return Ok(());
    }
    let entry = table.entry(first).or_insert_with(|| {
        let mut t = Table::new();
        t.set_implicit(true);
        Item::Table(t)
    });
    set_item(entry, first, rest, value)
}

fn set_item(item: &mut Item, name: &str, rest: &[&str], value: Value) -> Result<(), Problem> {
    match item {
        Item::Table(t) => set(t, rest, value),
        Item::Value(Value::InlineTable(t)) => {
            let mut table = t.clone().into_table();
            set(&mut table, rest, value)?;
            *item = Item::Value(Value::InlineTable(table.into_inline_table()));
            Ok(())
        }
        Item::ArrayOfTables(a) => {
            let i = index(rest[0], a.len(), name)?;
            let t = a.get_mut(i).expect("index checked");
            if rest.len() == 1 {
                return Err(Problem::TableNotValue(format!("{name}.{i}")));
            }
            set(t, &rest[1..], value)
        }
        Item::Value(Value::Array(a)) => {
            let i = index(rest[0], a.len(), name)?;
            let elem = a.get_mut(i).expect("index checked");
            if rest.len() == 1 {
                *elem = value;
                return Ok(());
            }
            let mut wrapped = Item::Value(elem.clone());
            set_item(&mut wrapped, name, &rest[1..], value)?;
            *elem = wrapped.into_value().expect("stays a value");
            Ok(())
        }
        _ => Err(Problem::ValueNotTable {
            name: name.to_string(),
            below: rest[0].to_string(),
        }),
    }
}

fn index(text: &str, len: usize, name: &str) -> Result<usize, Problem> {
    match text.parse::<usize>() {
        Ok(i) if i < len => Ok(i),
        _ => Err(Problem::NotAnIndex {
            name: name.to_string(),
            len,
            index: text.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_new_and_existing_keys() {
        let mut doc: DocumentMut = "[consumers.fn]\nstream = \"s\"\nbatch_size = 10\n"
            .parse()
            .unwrap();
        let o = |s: &str| Override::parse(s).unwrap();
        apply(
            &mut doc,
            &[
                o("consumers.fn.batch_size=50"),
                o("consumers.fn.function.duration=40ms"),
                o("seed=7"),
            ],
        )
        .unwrap();
        let text = doc.to_string();
        assert!(text.contains("batch_size = 50"), "{text}");
        assert!(text.contains("duration = \"40ms\""), "{text}");
        assert!(text.contains("seed = 7"), "{text}");
    }

    #[test]
    fn names_the_entry_a_path_misspells() {
        let mut doc: DocumentMut = "[consumers.fn]\nstream = \"s\"\n".parse().unwrap();
        let o = |s: &str| Override::parse(s).unwrap();
        let err = apply(&mut doc, &[o("consumers.fun.batch_size=10")]).unwrap_err();
        assert_eq!(
            err.1.to_string(),
            "the model has no consumer `fun`; did you mean `fn`?"
        );
        let err = apply(&mut doc, &[o("streams.zzz.shards=1")]).unwrap_err();
        assert_eq!(
            err.1.to_string(),
            "the model has no stream `zzz` (streams: none)"
        );
        apply(
            &mut doc,
            &[o("consumers.fn2.stream=s"), o("consumers.fn2.batch_size=5")],
        )
        .expect("a new consumer may be created");
    }

    #[test]
    fn refuses_to_descend_into_a_value() {
        let mut doc: DocumentMut = "seed = 1\n".parse().unwrap();
        let err = apply(&mut doc, &[Override::parse("seed.x=1").unwrap()]).unwrap_err();
        assert!(err.1.to_string().contains("is a value"));
        assert!(Override::parse("nonsense").is_err());
        assert!(Override::parse("a..b=1").is_err());
    }
}
