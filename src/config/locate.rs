//! Placing errors: serde's messages from the first stage (syntax, types, unknown keys) and the
//! resolver's semantic errors, each put on the `--set` flag responsible or at its key in the file,
//! in words a TOML user knows.

use super::error::{did_you_mean, ConfigError, Invalid, Origin};
use super::overrides::{self, Override};
use super::source::{Node, Source};
use serde::de::DeserializeOwned;
use std::ops::Range;
use std::path::Path;
use toml_edit::{DocumentMut, Value};

/// Deserializes `text` with `overrides` applied, locating any error in the file or the flag.
pub(super) fn parse<T: DeserializeOwned>(
    path: &Path,
    text: &str,
    overrides: &[Override],
) -> Result<T, ConfigError> {
    let base = toml::from_str::<T>(text).map_err(|e| in_file(path, text, &e))?;
    if overrides.is_empty() {
        return Ok(base);
    }
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| ConfigError::whole(path, e.message()))?;
    overrides::apply(&mut doc, overrides).map_err(|(o, problem)| ConfigError {
        origin: Origin::Flag(o.flag()),
        key: o.path.clone(),
        message: problem.to_string(),
    })?;
    let edited = doc.to_string();
    toml::from_str::<T>(&edited).map_err(|e| on_flag(path, &edited, overrides, &e))
}

/// An error in the text as edited by `overrides`: blamed on the override it concerns.
fn on_flag(path: &Path, edited: &str, overrides: &[Override], e: &toml::de::Error) -> ConfigError {
    let key = e
        .span()
        .map(|s| Source::new(path, edited).path_at(s.start))
        .unwrap_or_default();
    let culprit = blame(overrides, &key);
    let mut message = explain(e.message());
    if let Some(o) = culprit.filter(|_| e.message().trim() == "missing field `kind`") {
        message += &one_field_of_a_default(&o.path);
    }
    ConfigError {
        origin: Origin::Flag(culprit.map_or_else(|| joined(overrides), Override::flag)),
        key: culprit.map_or(key, |o| o.path.clone()),
        message,
    }
}

/// What to write instead of `--set a.b.p99=...` on a distribution the model leaves at its
/// default (the default is not in the file, so the flag makes a table of one field, with no
/// `kind`); empty when `path` does not end in a distribution's field.
fn one_field_of_a_default(path: &str) -> String {
    const FIELDS: [&str; 6] = ["median", "p99", "mean", "value", "min", "max"];
    match path.rsplit_once('.') {
        Some((table, field)) if FIELDS.contains(&field) => format!(
            ": the model leaves `{table}` at its default, so one field of it cannot be set \
             alone; set the whole distribution, e.g. --set '{table}={{ kind = \"lognormal\", \
             median = \"50ms\", p99 = \"300ms\" }}' (`sim params MODEL` shows its default)"
        ),
        _ => String::new(),
    }
}

fn joined(overrides: &[Override]) -> String {
    overrides
        .iter()
        .map(Override::flag)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The override responsible for an error at `key`: the one whose path is `key`, inside it, or
/// contains it.
fn blame<'a>(overrides: &'a [Override], key: &str) -> Option<&'a Override> {
    let related = |o: &&Override| {
        key.is_empty()
            || o.path == key
            || o.path.starts_with(&format!("{key}."))
            || key.starts_with(&format!("{}.", o.path))
    };
    overrides.iter().rev().find(related)
}

/// Places a semantic error: on the flag that set the key, else at the key in the file.
pub(super) fn place(path: &Path, text: &str, overrides: &[Override], inv: Invalid) -> ConfigError {
    let source = Source::new(path, text);
    if let Some(o) = setter(overrides, &inv.path) {
        return ConfigError {
            origin: Origin::Flag(o.flag()),
            key: inv.path,
            message: inv.message,
        };
    }
    let Some((also, o)) = inv
        .also
        .as_ref()
        .and_then(|k| Some((k, setter(overrides, k)?)))
    else {
        return source.error_at(&inv.path, inv.message);
    };
    // The flag changed the other key; the file's line for this one is context, not the cause.
    let context = match (
        source.span_of(&inv.path),
        source.error_at(&inv.path, String::new()),
    ) {
        (
            Some(_),
            ConfigError {
                origin: Origin::File { line, .. },
                ..
            },
        ) => {
            format!(
                "; `{}` is set on line {line} of {}",
                inv.path,
                path.display()
            )
        }
        _ => String::new(),
    };
    ConfigError {
        origin: Origin::Flag(o.flag()),
        key: also.clone(),
        message: format!("{}{context}", inv.message),
    }
}

/// The last override that sets `key`, a table holding it, or a key inside it.
fn setter<'a>(overrides: &'a [Override], key: &str) -> Option<&'a Override> {
    let related = |o: &&Override| {
        o.path == key
            || key.starts_with(&format!("{}.", o.path))
            || o.path.starts_with(&format!("{key}."))
    };
    overrides.iter().rev().find(related)
}

fn in_file(path: &Path, text: &str, e: &toml::de::Error) -> ConfigError {
    let Some(span) = e.span() else {
        return ConfigError::whole(path, explain(e.message()));
    };
    // `toml_edit` panics on some malformed documents that `toml` refuses cleanly, so it only sees
    // text that `toml` can read.
    let source = match toml::from_str::<toml::Table>(text) {
        Ok(_) => Source::new(path, text),
        Err(_) => Source::unparsed(path, text),
    };
    if !source.is_toml() {
        return not_toml(&source, span, e.message());
    }
    let mut key = source.path_at(span.start);
    let mut offset = span.start;
    if e.message().starts_with("missing field") && !source.is_table(&key) {
        // The span is the whole table that lacks the field; `path_at` found its first key.
        key = key
            .rsplit_once('.')
            .map_or(String::new(), |(t, _)| t.into());
    } else if let Some((k, o)) = refine(&source, &key, e.message()) {
        key = k;
        offset = o;
    }
    ConfigError {
        origin: source.origin(offset),
        key,
        message: explain(e.message()),
    }
}

/// Not TOML at all: no key paths can be trusted, but the table header above the error and the key
/// it names usually can.
fn not_toml(source: &Source, span: Range<usize>, message: &str) -> ConfigError {
    let offset = span.start;
    let mut message = message.trim().to_string();
    let mut key = String::new();
    if message == "duplicate key" {
        let name = source.text.get(span).unwrap_or("").trim();
        if !name.is_empty() {
            message = "duplicate key (each key may appear only once in a table)".into();
            key = match header_before(source.text, offset) {
                Some(h) => format!("{h}.{name}"),
                None => name.to_string(),
            };
        }
    }
    ConfigError {
        origin: source.origin(offset),
        key,
        message: format!("invalid TOML: {message}"),
    }
}

/// The name of the last `[table]` header before `offset`, scanning lines (used only when the text is
/// not valid TOML).
fn header_before(text: &str, offset: usize) -> Option<String> {
    let before = text.get(..offset)?;
    before.lines().rev().find_map(|line| {
        let l = line.trim();
        if l.starts_with("[[") || !l.starts_with('[') {
            return None;
        }
        let name = l[1..].split(']').next()?.trim();
        Some(
            name.split('.')
                .map(|p| p.trim().trim_matches('"'))
                .collect::<Vec<_>>()
                .join("."),
        )
    })
}

/// Narrows an error that serde could only place on a whole table (values inside tagged tables
/// such as distributions and backoffs are buffered, losing their spans) to the key it is about:
/// the unknown key, the key holding an unknown variant, or the only value quoted in the message.
fn refine(source: &Source, key: &str, message: &str) -> Option<(String, usize)> {
    let node = source.node_at(key)?;
    if !matches!(node, Node::Table(_) | Node::Inline(_)) {
        return None;
    }
    let mut leaves = Vec::new();
    collect(node, &mut Vec::new(), &mut leaves);
    let quoted = |what: &str| {
        message
            .strip_prefix(what)
            .and_then(|rest| rest.split('`').nth(1))
            .map(str::to_string)
    };
    let found: Vec<&Leaf> = if let Some(field) = quoted("unknown field") {
        leaves.iter().filter(|l| l.name == field).collect()
    } else if let Some(variant) = quoted("unknown variant") {
        leaves
            .iter()
            .filter(|l| l.string.as_deref() == Some(variant.as_str()))
            .collect()
    } else if message.starts_with("missing field") {
        return None;
    } else {
        let tokens: Vec<&str> = message
            .split('`')
            .skip(1)
            .step_by(2)
            .chain(message.split('"').skip(1).step_by(2))
            .collect();
        tokens
            .iter()
            .map(|t| {
                leaves
                    .iter()
                    .filter(|l| l.text.as_deref() == Some(*t))
                    .collect::<Vec<_>>()
            })
            .find(|m| !m.is_empty())?
    };
    match found.as_slice() {
        [one] => {
            let path = if key.is_empty() {
                one.path.clone()
            } else {
                format!("{key}.{}", one.path)
            };
            Some((path, one.offset?))
        }
        _ => None,
    }
}

struct Leaf {
    /// Path below the table that was searched.
    path: String,
    /// The last segment of the path.
    name: String,
    offset: Option<usize>,
    /// The value as the message would quote it (strings unquoted), for plain values.
    text: Option<String>,
    string: Option<String>,
}

fn collect(node: Node, prefix: &mut Vec<String>, out: &mut Vec<Leaf>) {
    for (name, span, child) in node.children() {
        prefix.push(name.clone());
        let (text, string) = match child {
            Node::Leaf(Value::String(s)) => (Some(s.value().clone()), Some(s.value().clone())),
            Node::Leaf(Value::Integer(i)) => (Some(i.value().to_string()), None),
            Node::Leaf(Value::Float(f)) => (Some(f.value().to_string()), None),
            Node::Leaf(Value::Boolean(b)) => (Some(b.value().to_string()), None),
            _ => (None, None),
        };
        out.push(Leaf {
            path: prefix.join("."),
            name,
            offset: span.map(|s| s.start),
            text,
            string,
        });
        collect(child, prefix, out);
        prefix.pop();
    }
}

/// Rewrites serde's messages into ours, adding "did you mean" for unknown keys and variants.
fn explain(message: &str) -> String {
    let message = message.trim();
    for what in ["unknown field", "unknown variant"] {
        if let Some(rest) = message.strip_prefix(what) {
            let found = rest.split('`').nth(1).unwrap_or("");
            let expected: Vec<&str> = rest
                .split_once("expected")
                .map(|(_, list)| list.split('`').skip(1).step_by(2).collect())
                .unwrap_or_default();
            let hint = did_you_mean(found, &expected);
            if !hint.is_empty() {
                return format!("{message}{hint}");
            }
        }
    }
    plain_types(message)
}

/// Replaces Rust type names in serde's messages with the words a TOML user knows.
fn plain_types(message: &str) -> String {
    let mut out = message
        .replace("expected i64", "expected an integer")
        .replace("expected u64", "expected a non-negative integer")
        .replace("expected f64", "expected a number")
        .replace("invalid type: map", "invalid type: table")
        .replace("invalid type: sequence", "invalid type: array")
        .replace("expected a sequence", "expected an array");
    for (rust, plain) in [
        ("expected struct ", "expected a table"),
        (
            "expected internally tagged enum ",
            "expected a table with a `kind`",
        ),
    ] {
        while let Some(at) = out.find(rust) {
            let name_end = out[at + rust.len()..]
                .find(|c: char| !c.is_alphanumeric() && c != '_')
                .map_or(out.len(), |e| at + rust.len() + e);
            out.replace_range(at..name_end, plain);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrows_errors_inside_tagged_tables_to_the_key() {
        let text = "[c]\nd = { kind = \"lognormal\", median = \"1ms\", p90 = \"2ms\" }\n";
        let source = Source::new(Path::new("m.toml"), text);
        let refine = |key: &str, message: &str| refine(&source, key, message);
        let (key, at) = refine("c.d", "unknown field `p90`, expected `median`").unwrap();
        assert_eq!(key, "c.d.p90");
        assert_eq!(&text[at..at + 3], "p90");
        let (key, _) = refine("c.d", "unknown variant `lognormal`, expected `x`").unwrap();
        assert_eq!(key, "c.d.kind");
        let (key, _) = refine("c.d", "`2ms` is too long").unwrap();
        assert_eq!(key, "c.d.p90");
        assert_eq!(refine("c.d", "missing field `p99`"), None);
        assert_eq!(refine("c.d.median", "`1ms` is too long"), None);
    }

    #[test]
    fn malformed_text_that_trips_toml_edit_is_still_placed() {
        // `toml_edit` 0.23 panics ("all items have spans") parsing this; `toml` refuses it.
        let text = "producers = =\n[producers.fn.profile]";
        let e = parse::<toml::Table>(Path::new("m.toml"), text, &[]).unwrap_err();
        assert!(
            e.to_string().starts_with("m.toml:1:13: invalid TOML"),
            "{e}"
        );
    }

    #[test]
    fn names_toml_types_not_rust_types() {
        assert_eq!(
            plain_types("invalid type: integer `1`, expected struct RawStream"),
            "invalid type: integer `1`, expected a table"
        );
        assert_eq!(
            plain_types("invalid type: string \"x\", expected internally tagged enum KeysRaw"),
            "invalid type: string \"x\", expected a table with a `kind`"
        );
        assert_eq!(
            plain_types("invalid type: map, expected f64"),
            "invalid type: table, expected a number"
        );
    }

    #[test]
    fn suggests_a_close_key_for_an_unknown_one() {
        let m = explain("unknown field `batchsize`, expected one of `stream`, `batch_size`");
        assert!(m.ends_with("did you mean `batch_size`?"), "{m}");
        let m = explain("unknown field `zzz`, expected one of `stream`, `batch_size`");
        assert!(!m.contains("did you mean"), "{m}");
    }
}
