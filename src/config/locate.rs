//! Turning errors into places: byte spans to lines and columns, key paths to spans and back, and
//! "did you mean" suggestions for misspelt keys.

use super::overrides::{self, Override};
use super::resolve::Invalid;
use super::{ConfigError, Origin};
use serde::de::DeserializeOwned;
use std::ops::Range;
use std::path::Path;
use toml_edit::{Document, DocumentMut, Item, Table, Value};

/// Deserializes `text` with `overrides` applied, locating any error in the file or the flag.
pub fn parse<T: DeserializeOwned>(
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
        .map_err(|e: toml_edit::TomlError| ConfigError {
            origin: Origin::Whole(path.to_path_buf()),
            key: String::new(),
            message: e.message().to_string(),
        })?;
    overrides::apply(&mut doc, overrides).map_err(|(o, message)| ConfigError {
        origin: Origin::Flag(o.flag()),
        key: o.path.clone(),
        message,
    })?;
    let edited = doc.to_string();
    toml::from_str::<T>(&edited).map_err(|e| {
        let key = e
            .span()
            .map(|s| path_at(&edited, s.start))
            .unwrap_or_default();
        let culprit = blame(overrides, &key);
        ConfigError {
            origin: Origin::Flag(culprit.map_or_else(|| joined(overrides), Override::flag)),
            key: culprit.map_or(key, |o| o.path.clone()),
            message: explain(e.message()),
        }
    })
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

fn in_file(path: &Path, text: &str, e: &toml::de::Error) -> ConfigError {
    let (origin, key) = match e.span() {
        Some(span) => {
            let (line, col) = line_col(text, span.start);
            (
                Origin::File {
                    path: path.to_path_buf(),
                    line,
                    col,
                },
                path_at(text, span.start),
            )
        }
        None => (Origin::Whole(path.to_path_buf()), String::new()),
    };
    ConfigError {
        origin,
        key,
        message: explain(e.message()),
    }
}

/// Places a semantic error: on the flag that set the key, else at the key in the file.
pub fn place(path: &Path, text: &str, overrides: &[Override], inv: Invalid) -> ConfigError {
    if let Some(o) = overrides.iter().rev().find(|o| {
        o.path == inv.path
            || inv.path.starts_with(&format!("{}.", o.path))
            || o.path.starts_with(&format!("{}.", inv.path))
    }) {
        return ConfigError {
            origin: Origin::Flag(o.flag()),
            key: inv.path,
            message: inv.message,
        };
    }
    let offset = span_of(text, &inv.path).map_or(0, |s| s.start);
    let (line, col) = line_col(text, offset);
    ConfigError {
        origin: Origin::File {
            path: path.to_path_buf(),
            line,
            col,
        },
        key: inv.path,
        message: inv.message,
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// The span of the deepest item along `path` that exists in `text`.
pub fn span_of(text: &str, path: &str) -> Option<Range<usize>> {
    let doc = Document::parse(text).ok()?;
    let mut best = None;
    let mut item: Option<&Item> = None;
    let mut table: &Table = doc.as_table();
    for part in path.split('.') {
        let next = match item {
            None => table.get_key_value(part).map(|(k, v)| (k.span(), v)),
            Some(Item::Table(t)) => t.get_key_value(part).map(|(k, v)| (k.span(), v)),
            Some(Item::Value(Value::InlineTable(t))) => {
                t.get_key_value(part).map(|(k, v)| (k.span(), v))
            }
            Some(Item::ArrayOfTables(a)) => {
                match part.parse::<usize>().ok().and_then(|i| a.get(i)) {
                    Some(t) => {
                        best = t.span().or(best);
                        table = t;
                        item = None;
                        continue;
                    }
                    None => break,
                }
            }
            _ => None,
        };
        let Some((span, v)) = next else { break };
        best = span.or_else(|| v.span()).or(best);
        if let Item::Table(t) = v {
            table = t;
        }
        item = Some(v);
    }
    best
}

/// The dotted key path of the innermost key or value containing byte `offset`.
pub fn path_at(text: &str, offset: usize) -> String {
    let Ok(doc) = Document::parse(text) else {
        return String::new();
    };
    let mut path = Vec::new();
    walk_table(doc.as_table(), offset, &mut path);
    path.join(".")
}

fn contains(span: Option<Range<usize>>, offset: usize) -> bool {
    span.is_some_and(|s| s.start <= offset && offset < s.end.max(s.start + 1))
}

fn walk_table(t: &Table, offset: usize, path: &mut Vec<String>) -> bool {
    for (k, v) in t.iter() {
        let key = t.key(k).expect("iterated key exists");
        path.push(k.to_string());
        if walk_item(v, offset, path) || contains(key.span(), offset) || contains(v.span(), offset)
        {
            return true;
        }
        path.pop();
    }
    false
}

fn walk_item(item: &Item, offset: usize, path: &mut Vec<String>) -> bool {
    match item {
        Item::Table(t) => walk_table(t, offset, path) || contains(t.span(), offset),
        Item::Value(v) => walk_value(v, offset, path),
        Item::ArrayOfTables(a) => a.iter().enumerate().any(|(i, t)| {
            path.push(i.to_string());
            let hit = walk_table(t, offset, path) || contains(t.span(), offset);
            if !hit {
                path.pop();
            }
            hit
        }),
        Item::None => false,
    }
}

fn walk_value(v: &Value, offset: usize, path: &mut Vec<String>) -> bool {
    match v {
        Value::InlineTable(t) => t.iter().any(|(k, v)| {
            let key = t.key(k).expect("iterated key exists");
            path.push(k.to_string());
            let hit = walk_value(v, offset, path)
                || contains(key.span(), offset)
                || contains(v.span(), offset);
            if !hit {
                path.pop();
            }
            hit
        }),
        Value::Array(a) => a.iter().enumerate().any(|(i, v)| {
            path.push(i.to_string());
            let hit = walk_value(v, offset, path) || contains(v.span(), offset);
            if !hit {
                path.pop();
            }
            hit
        }),
        _ => false,
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
            if let Some(best) = suggest(found, &expected) {
                return format!("{message}; did you mean `{best}`?");
            }
        }
    }
    message.to_string()
}

/// The closest candidate to `found`, if it is close enough to be a plausible typo.
pub fn suggest<'a>(found: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(found, c), *c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "seed = 1\n[consumers.fn]\nstream = \"s\"\nbatch_size = 5\nfunction = { duration = \"5ms\" }\n";

    #[test]
    fn finds_paths_and_spans() {
        let at = TEXT.find("batch_size").unwrap();
        assert_eq!(path_at(TEXT, at), "consumers.fn.batch_size");
        let at = TEXT.find("5ms").unwrap();
        assert_eq!(path_at(TEXT, at), "consumers.fn.function.duration");
        let span = span_of(TEXT, "consumers.fn.batch_size").unwrap();
        assert_eq!(line_col(TEXT, span.start), (4, 1));
        let span = span_of(TEXT, "consumers.fn.function.duration").unwrap();
        assert_eq!(line_col(TEXT, span.start).0, 5);
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            suggest("batchsize", &["batch_size", "stream"]),
            Some("batch_size")
        );
        assert_eq!(suggest("zzz", &["batch_size", "stream"]), None);
        let m = explain("unknown field `batchsize`, expected one of `stream`, `batch_size`");
        assert!(m.ends_with("did you mean `batch_size`?"), "{m}");
    }
}
