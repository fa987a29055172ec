//! A file being reported on: its text parsed once into a document, so that key paths turn into
//! spans, lines and columns (and byte offsets back into key paths) without parsing again.

use super::error::{ConfigError, Origin};
use std::ops::Range;
use std::path::Path;
use toml_edit::{Document, Item, Table, Value};

/// A file's path and text, with the document parsed once (`None` when the text is not TOML that
/// `toml_edit` accepts: then no key can be placed and errors point at the start).
pub(super) struct Source<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    doc: Option<Document<&'a str>>,
}

/// An error at `key` in the file `path` holding `text`: the one way a key path becomes a place,
/// for models, experiments and prices alike.
pub fn error_at(path: &Path, text: &str, key: &str, message: String) -> ConfigError {
    Source::new(path, text).error_at(key, message)
}

impl<'a> Source<'a> {
    pub(super) fn new(path: &'a Path, text: &'a str) -> Source<'a> {
        Source {
            path,
            text,
            doc: Document::parse(text).ok(),
        }
    }

    /// The file without its document, for text already known not to be TOML.
    pub(super) fn unparsed(path: &'a Path, text: &'a str) -> Source<'a> {
        Source {
            path,
            text,
            doc: None,
        }
    }

    /// Whether the text is a TOML document at all.
    pub(super) fn is_toml(&self) -> bool {
        self.doc.is_some()
    }

    /// An error at `key`: at the deepest part of the path the file has, else at its start.
    pub(super) fn error_at(&self, key: &str, message: String) -> ConfigError {
        let offset = self.span_of(key).map_or(0, |s| s.start);
        ConfigError {
            origin: self.origin(offset),
            key: key.to_string(),
            message,
        }
    }

    /// The place of a byte offset.
    pub(super) fn origin(&self, offset: usize) -> Origin {
        let (line, col) = line_col(self.text, offset);
        Origin::File {
            path: self.path.to_path_buf(),
            line,
            col,
        }
    }

    /// The span of the deepest key (or element) along `key` that exists.
    pub(super) fn span_of(&self, key: &str) -> Option<Range<usize>> {
        walk_path(Node::Table(self.doc.as_ref()?.as_table()), key).1
    }

    /// The node at a dotted path, if the whole path exists.
    pub(super) fn node_at(&self, key: &str) -> Option<Node<'_>> {
        match walk_path(Node::Table(self.doc.as_ref()?.as_table()), key) {
            (node, _, true) => Some(node),
            _ => None,
        }
    }

    /// Whether `key` names a table (inline or not).
    pub(super) fn is_table(&self, key: &str) -> bool {
        matches!(self.node_at(key), Some(Node::Table(_) | Node::Inline(_)))
    }

    /// The dotted key path of the innermost key or value containing byte `offset`.
    pub(super) fn path_at(&self, offset: usize) -> String {
        let Some(doc) = &self.doc else {
            return String::new();
        };
        let mut path = Vec::new();
        walk_table(doc.as_table(), offset, &mut path);
        path.join(".")
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// A node of a parsed document.
#[derive(Clone, Copy)]
pub(super) enum Node<'a> {
    Table(&'a Table),
    Inline(&'a toml_edit::InlineTable),
    Array(&'a toml_edit::Array),
    Tables(&'a toml_edit::ArrayOfTables),
    Leaf(&'a Value),
}

/// A child of a node: its name (key or index), the span of its key (or element), the node.
pub(super) type Child<'a> = (String, Option<Range<usize>>, Node<'a>);

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

    /// The children, in document order.
    pub(super) fn children(self) -> Vec<Child<'a>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "seed = 1\n[consumers.fn]\nstream = \"s\"\nbatch_size = 5\nfunction = { duration = \"5ms\" }\n";

    fn source(text: &str) -> Source<'_> {
        Source::new(Path::new("m.toml"), text)
    }

    #[test]
    fn finds_paths_and_spans() {
        let s = source(TEXT);
        let at = TEXT.find("batch_size").unwrap();
        assert_eq!(s.path_at(at), "consumers.fn.batch_size");
        let at = TEXT.find("5ms").unwrap();
        assert_eq!(s.path_at(at), "consumers.fn.function.duration");
        let span = s.span_of("consumers.fn.batch_size").unwrap();
        assert_eq!(line_col(TEXT, span.start), (4, 1));
        let span = s.span_of("consumers.fn.function.duration").unwrap();
        assert_eq!(line_col(TEXT, span.start).0, 5);
        assert!(s.is_table("consumers.fn.function"));
        assert!(!s.is_table("consumers.fn.batch_size"));
    }

    #[test]
    fn finds_quoted_keys_that_contain_dots() {
        let text = "[set]\n\"consumers.fn.batch_size\" = 0\n";
        let span = source(text).span_of("set.consumers.fn.batch_size").unwrap();
        assert_eq!(line_col(text, span.start), (2, 1));
    }

    #[test]
    fn places_a_key_at_the_deepest_part_that_exists() {
        let e = error_at(Path::new("m.toml"), TEXT, "consumers.fn.nope", "x".into());
        assert_eq!(e.to_string(), "m.toml:2:12: key `consumers.fn.nope`: x");
        let e = error_at(Path::new("m.toml"), "[[", "a", "x".into());
        assert_eq!(e.to_string(), "m.toml:1:1: key `a`: x");
    }
}
