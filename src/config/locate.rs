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
    let Some(span) = e.span() else {
        return ConfigError {
            origin: Origin::Whole(path.to_path_buf()),
            key: String::new(),
            message: explain(e.message()),
        };
    };
    let at = |offset: usize| {
        let (line, col) = line_col(text, offset);
        Origin::File {
            path: path.to_path_buf(),
            line,
            col,
        }
    };
    if Document::parse(text).is_err() {
        // Not TOML at all: no key paths can be trusted, but the table header above the error and
        // the key it names usually can.
        let mut message = e.message().trim().to_string();
        let mut key = String::new();
        if message == "duplicate key" {
            let name = text.get(span.clone()).unwrap_or("").trim();
            if !name.is_empty() {
                message = "duplicate key (each key may appear only once in a table)".into();
                key = match header_before(text, span.start) {
                    Some(h) => format!("{h}.{name}"),
                    None => name.to_string(),
                };
            }
        }
        return ConfigError {
            origin: at(span.start),
            key,
            message: format!("invalid TOML: {message}"),
        };
    }
    let mut key = path_at(text, span.start);
    let mut offset = span.start;
    if e.message().starts_with("missing field") && !is_table(text, &key) {
        // The span is the whole table that lacks the field; `path_at` found its first key.
        key = key
            .rsplit_once('.')
            .map_or(String::new(), |(t, _)| t.into());
    } else if let Some((k, o)) = refine(text, &key, e.message()) {
        key = k;
        offset = o;
    }
    ConfigError {
        origin: at(offset),
        key,
        message: explain(e.message()),
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

/// A node of a parsed document.
#[derive(Clone, Copy)]
enum Node<'a> {
    Table(&'a Table),
    Inline(&'a toml_edit::InlineTable),
    Array(&'a toml_edit::Array),
    Tables(&'a toml_edit::ArrayOfTables),
    Leaf(&'a Value),
}

impl<'a> Node<'a> {
    fn of_item(item: &'a Item) -> Option<Node<'a>> {
        Some(match item {
            Item::Table(t) => Node::Table(t),
            Item::ArrayOfTables(a) => Node::Tables(a),
            Item::Value(v) => Node::of_value(v),
            Item::None => return None,
        })
    }

    fn of_value(v: &'a Value) -> Node<'a> {
        match v {
            Value::InlineTable(t) => Node::Inline(t),
            Value::Array(a) => Node::Array(a),
            v => Node::Leaf(v),
        }
    }

    /// The children: name, span of the key (or element), node.
    fn children(self) -> Vec<(String, Option<Range<usize>>, Node<'a>)> {
        match self {
            Node::Table(t) => t
                .iter()
                .filter_map(|(k, v)| {
                    let span = t.key(k).and_then(|k| k.span()).or_else(|| v.span());
                    Some((k.to_string(), span, Node::of_item(v)?))
                })
                .collect(),
            Node::Inline(t) => t
                .iter()
                .map(|(k, v)| {
                    let span = t.key(k).and_then(|k| k.span()).or_else(|| v.span());
                    (k.to_string(), span, Node::of_value(v))
                })
                .collect(),
            Node::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v.span(), Node::of_value(v)))
                .collect(),
            Node::Tables(a) => a
                .iter()
                .enumerate()
                .map(|(i, t)| (i.to_string(), t.span(), Node::Table(t)))
                .collect(),
            Node::Leaf(_) => Vec::new(),
        }
    }
}

/// Follows a dotted path from `root` (segments may themselves contain dots, as quoted keys can: the
/// longest key that matches wins). Returns the deepest node reached, the span of the last key (or
/// element) matched, and whether the whole path matched.
fn walk_path<'a>(root: Node<'a>, path: &str) -> (Node<'a>, Option<Range<usize>>, bool) {
    let parts: Vec<&str> = if path.is_empty() {
        Vec::new()
    } else {
        path.split('.').collect()
    };
    let (mut node, mut best, mut i) = (root, None, 0);
    'outer: while i < parts.len() {
        let children = node.children();
        for j in (i + 1..=parts.len()).rev() {
            let name = parts[i..j].join(".");
            if let Some((_, span, n)) = children.iter().find(|(k, _, _)| *k == name) {
                best = span.clone().or(best);
                node = *n;
                i = j;
                continue 'outer;
            }
        }
        return (node, best, false);
    }
    (node, best, true)
}

/// The node at a dotted path, if the whole path exists.
fn node_at<'a>(root: &'a Table, path: &str) -> Option<Node<'a>> {
    match walk_path(Node::Table(root), path) {
        (node, _, true) => Some(node),
        _ => None,
    }
}

fn is_table(text: &str, path: &str) -> bool {
    let Ok(doc) = Document::parse(text) else {
        return false;
    };
    matches!(
        node_at(doc.as_table(), path),
        Some(Node::Table(_) | Node::Inline(_))
    )
}

/// Narrows an error that serde could only place on a whole table (values inside tagged tables
/// such as distributions and backoffs are buffered, losing their spans) to the key it is about:
/// the unknown key, the key holding an unknown variant, or the only value quoted in the message.
fn refine(text: &str, key: &str, message: &str) -> Option<(String, usize)> {
    let doc = Document::parse(text).ok()?;
    let node = node_at(doc.as_table(), key)?;
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
    walk_path(Node::Table(doc.as_table()), path).1
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
    fn narrows_errors_inside_tagged_tables_to_the_key() {
        let text = "[c]\nd = { kind = \"lognormal\", median = \"1ms\", p90 = \"2ms\" }\n";
        let (key, at) = refine(text, "c.d", "unknown field `p90`, expected `median`").unwrap();
        assert_eq!(key, "c.d.p90");
        assert_eq!(&text[at..at + 3], "p90");
        let (key, _) = refine(text, "c.d", "unknown variant `lognormal`, expected `x`").unwrap();
        assert_eq!(key, "c.d.kind");
        let (key, _) = refine(text, "c.d", "`2ms` is too long").unwrap();
        assert_eq!(key, "c.d.p90");
        assert_eq!(refine(text, "c.d", "missing field `p99`"), None);
        assert_eq!(refine(text, "c.d.median", "`1ms` is too long"), None);
    }

    #[test]
    fn finds_quoted_keys_that_contain_dots() {
        let text = "[set]\n\"consumers.fn.batch_size\" = 0\n";
        let span = span_of(text, "set.consumers.fn.batch_size").unwrap();
        assert_eq!(line_col(text, span.start), (2, 1));
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
