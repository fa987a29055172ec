//! JSON documents to raw structures, with errors placed in the file.

use super::{Error, FileText};
use serde::de::DeserializeOwned;

/// An error in `file` at the entry `place`, on `line` when known.
pub(super) fn at(
    file: FileText,
    line: Option<usize>,
    place: String,
    message: impl std::fmt::Display,
) -> Error {
    Error {
        file: file.path.to_path_buf(),
        line,
        col: None,
        place,
        message: message.to_string(),
    }
}

/// A syntax or type error from serde_json, at its line and column.
pub(super) fn from_serde(file: FileText, e: &serde_json::Error, hint: &str) -> Error {
    let message = strip_position(&e.to_string());
    let line = (e.line() > 0).then_some(e.line());
    Error {
        file: file.path.to_path_buf(),
        line,
        col: line.map(|_| e.column()),
        place: String::new(),
        message: format!("{message}{hint}"),
    }
}

/// serde_json appends " at line L column C"; the location goes in front instead.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// The documents in `file`: one JSON value, several one after another (pages saved by separate
/// calls), or a JSON array of them.
pub(super) fn documents<T: DeserializeOwned>(file: FileText, what: &str) -> Result<Vec<T>, Error> {
    let first = file.text.trim_start().bytes().next();
    let hint = |e: &serde_json::Error| from_serde(file, e, &hint_for(file.text, what));
    match first {
        None => Err(at(
            file,
            None,
            String::new(),
            format!("is empty, expected {what}"),
        )),
        Some(b'[') => serde_json::from_str::<Vec<T>>(file.text).map_err(|e| hint(&e)),
        Some(_) => serde_json::Deserializer::from_str(file.text)
            .into_iter::<T>()
            .collect::<Result<Vec<T>, _>>()
            .map_err(|e| hint(&e)),
    }
}

/// Says which command wrote a file handed to the wrong reader.
fn hint_for(text: &str, what: &str) -> String {
    let looks = if text.contains("\"Datapoints\"") {
        "get-metric-statistics output"
    } else if text.contains("\"MetricDataResults\"") {
        "get-metric-data output"
    } else if text.contains("\"MetricStat\"") {
        "a get-metric-data queries file"
    } else {
        return String::new();
    };
    if what.contains(looks) {
        String::new()
    } else {
        format!(" (this looks like {looks}, expected {what})")
    }
}

/// The 1-based line of the `nth` (0-based) `"Id": "<id>"` in `text`.
pub(super) fn id_line(text: &str, id: &str, nth: usize) -> Option<usize> {
    key_line(text, "Id", Some(id), nth)
}

/// The 1-based line of the `nth` (0-based) `"<key>":` in `text`, followed by the string `value`
/// if one is given.
pub(super) fn key_line(text: &str, key: &str, value: Option<&str>, nth: usize) -> Option<usize> {
    let b = text.as_bytes();
    let quoted = format!("\"{key}\"");
    let mut seen = 0;
    let mut from = 0;
    while let Some(i) = text[from..].find(&quoted).map(|i| i + from) {
        from = i + quoted.len();
        if value_is(b, from, value) {
            if seen == nth {
                return Some(line_of(text, i));
            }
            seen += 1;
        }
    }
    None
}

/// Whether `:` (and then `"<value>"`, if given) starts at `at`, spaces allowed.
fn value_is(b: &[u8], mut at: usize, value: Option<&str>) -> bool {
    let skip = |mut at: usize| {
        while b.get(at).is_some_and(u8::is_ascii_whitespace) {
            at += 1;
        }
        at
    };
    at = skip(at);
    if b.get(at) != Some(&b':') {
        return false;
    }
    let Some(value) = value else {
        return true;
    };
    at = skip(at + 1);
    let want = format!("\"{value}\"");
    b.get(at..at + want.len()) == Some(want.as_bytes())
}

pub(super) fn line_of(text: &str, byte: usize) -> usize {
    text.as_bytes()[..byte]
        .iter()
        .filter(|&&c| c == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::path::Path;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Doc {
        a: u32,
    }

    fn file(text: &str) -> FileText<'_> {
        FileText {
            path: Path::new("x.json"),
            text,
        }
    }

    #[test]
    fn documents_come_alone_in_sequence_or_in_an_array() {
        let docs = |t| documents::<Doc>(file(t), "docs").unwrap();
        assert_eq!(docs("{\"a\": 1}"), [Doc { a: 1 }]);
        assert_eq!(
            docs("{\"a\": 1}\n{\"a\": 2}\n"),
            [Doc { a: 1 }, Doc { a: 2 }]
        );
        assert_eq!(
            docs(" [{\"a\": 1}, {\"a\": 2}]"),
            [Doc { a: 1 }, Doc { a: 2 }]
        );
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let e = documents::<Doc>(file("{\"a\": 1}\n{\"a\": \"x\"}"), "docs").unwrap_err();
        assert_eq!((e.line, e.col), (Some(2), Some(9)));
        assert!(e
            .to_string()
            .starts_with("x.json:2:9: invalid type: string \"x\""));
        let e = documents::<Doc>(file("  \n"), "docs").unwrap_err();
        assert_eq!(e.to_string(), "x.json: is empty, expected docs");
    }

    #[test]
    fn ids_are_found_by_occurrence() {
        let text = "[\n{\"Id\": \"m1\"},\n{\"Id\":\"m2\"},\n{ \"Id\" :  \"m1\" }]";
        assert_eq!(id_line(text, "m1", 0), Some(2));
        assert_eq!(id_line(text, "m1", 1), Some(4));
        assert_eq!(id_line(text, "m2", 0), Some(3));
        assert_eq!(id_line(text, "m1", 2), None);
        assert_eq!(id_line(text, "m", 0), None);
        assert_eq!(key_line(text, "Id", None, 2), Some(4));
        assert_eq!(key_line("{\"Ids\": 1, \"Id\" x}", "Id", None, 0), None);
    }
}
