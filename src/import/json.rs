//! JSON read into a located [`Node`] tree (serde_json keeps no positions, and located errors need
//! them): strict RFC 8259, duplicate keys refused, nesting and size capped by [`Budget`].

use super::doc::{Budget, Node, Pos, Val};

/// The tree of `text`, or where and why it is not JSON.
pub(crate) fn parse(text: &str) -> Result<Node, (Pos, String)> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
        line: 1,
        col: 1,
        budget: Budget::default(),
    };
    p.ws();
    let node = p.value(0)?;
    p.ws();
    if p.i < p.s.len() {
        return Err((
            p.pos(),
            "expected the end of the file after the JSON value".into(),
        ));
    }
    Ok(node)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    line: usize,
    col: usize,
    budget: Budget,
}

type R<T> = Result<T, (Pos, String)>;

impl Parser<'_> {
    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            col: self.col,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn bump(&mut self) {
        if let Some(b) = self.peek() {
            self.i += 1;
            if b == b'\n' {
                self.line += 1;
                self.col = 1;
            } else if b & 0xC0 != 0x80 {
                // Columns count characters: continuation bytes of UTF-8 add none.
                self.col += 1;
            }
        }
    }

    /// The character at the cursor, decoded from its own bytes only (decoding the rest of the
    /// text each time would make a long string quadratic).
    fn char_here(&self) -> char {
        let len = match self.peek() {
            Some(0..=0x7F) | None => 1,
            Some(0xC0..=0xDF) => 2,
            Some(0xE0..=0xEF) => 3,
            Some(_) => 4,
        };
        let end = (self.i + len).min(self.s.len());
        std::str::from_utf8(&self.s[self.i..end])
            .ok()
            .and_then(|t| t.chars().next())
            .unwrap_or('\u{fffd}')
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.bump();
        }
    }

    fn err<T>(&self, msg: impl Into<String>) -> R<T> {
        Err((self.pos(), msg.into()))
    }

    fn found(&self) -> String {
        match self.peek() {
            None => "the end of the file".into(),
            Some(_) => format!("`{}`", self.char_here().escape_debug()),
        }
    }

    fn value(&mut self, depth: usize) -> R<Node> {
        let at = self.pos();
        Budget::depth(depth).map_err(|m| (at, m.to_string()))?;
        self.budget.node().map_err(|m| (at, m.to_string()))?;
        let v = match self.peek() {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Val::Str(self.string()?),
            Some(b't') => self.word("true", Val::Bool(true))?,
            Some(b'f') => self.word("false", Val::Bool(false))?,
            Some(b'n') => self.word("null", Val::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            _ => return self.err(format!("expected a JSON value, found {}", self.found())),
        };
        Ok(Node::new(v, at))
    }

    fn word(&mut self, w: &str, v: Val) -> R<Val> {
        if self.s[self.i..].starts_with(w.as_bytes()) {
            for _ in 0..w.len() {
                self.bump();
            }
            Ok(v)
        } else {
            self.err(format!("expected a JSON value, found {}", self.found()))
        }
    }

    fn object(&mut self, depth: usize) -> R<Val> {
        self.bump();
        let mut entries: Vec<(String, Pos, Node)> = Vec::new();
        let mut keys = std::collections::HashSet::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.bump();
            return Ok(Val::Map(entries));
        }
        loop {
            self.ws();
            let kpos = self.pos();
            if self.peek() != Some(b'"') {
                return self.err(format!(
                    "expected a key in double quotes, found {}",
                    self.found()
                ));
            }
            let key = self.string()?;
            if !keys.insert(key.clone()) {
                return Err((
                    kpos,
                    format!("duplicate key `{}`", crate::input::clip(&key)),
                ));
            }
            self.ws();
            if self.peek() != Some(b':') {
                return self.err(format!(
                    "expected `:` after the key, found {}",
                    self.found()
                ));
            }
            self.bump();
            self.ws();
            let v = self.value(depth + 1)?;
            entries.push((key, kpos, v));
            self.ws();
            match self.peek() {
                Some(b',') => self.bump(),
                Some(b'}') => {
                    self.bump();
                    return Ok(Val::Map(entries));
                }
                _ => return self.err(format!("expected `,` or `}}`, found {}", self.found())),
            }
        }
    }

    fn array(&mut self, depth: usize) -> R<Val> {
        self.bump();
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.bump();
            return Ok(Val::List(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.peek() {
                Some(b',') => self.bump(),
                Some(b']') => {
                    self.bump();
                    return Ok(Val::List(items));
                }
                _ => return self.err(format!("expected `,` or `]`, found {}", self.found())),
            }
        }
    }

    fn number(&mut self) -> R<Val> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.bump();
        }
        match self.peek() {
            Some(b'0') => self.bump(),
            Some(b'1'..=b'9') => self.digits(),
            _ => return self.err(format!("expected a digit, found {}", self.found())),
        }
        if self.peek() == Some(b'.') {
            self.bump();
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return self.err(format!(
                    "expected a digit after `.`, found {}",
                    self.found()
                ));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.bump();
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.bump();
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return self.err(format!("expected an exponent, found {}", self.found()));
            }
            self.digits();
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("0");
        Ok(Val::Num(text.to_string()))
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.bump();
        }
    }

    fn string(&mut self) -> R<String> {
        self.bump();
        let mut out = String::new();
        loop {
            let Some(b) = self.peek() else {
                return self.err("unterminated string: expected `\"`");
            };
            match b {
                b'"' => {
                    self.bump();
                    return Ok(out);
                }
                b'\\' => {
                    self.bump();
                    let e = self.peek();
                    let c = match e {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.bump();
                            out.push(self.unicode()?);
                            continue;
                        }
                        _ => return self.err(format!("unknown escape, found {}", self.found())),
                    };
                    self.bump();
                    out.push(c);
                }
                b'\n' => {
                    return self
                        .err("a string runs past the end of its line: expected its closing `\"`")
                }
                0..=0x1F => {
                    return self.err(
                        "a control character in a string: expected it escaped (`\\t`, `\\u0009`)",
                    )
                }
                _ => {
                    // Copy one whole UTF-8 character (the text is UTF-8: it came as a &str).
                    let c = self.char_here();
                    for _ in 0..c.len_utf8() {
                        self.bump();
                    }
                    out.push(c);
                }
            }
        }
    }

    fn hex4(&mut self) -> R<u32> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = match self.peek() {
                Some(b @ b'0'..=b'9') => b - b'0',
                Some(b @ b'a'..=b'f') => b - b'a' + 10,
                Some(b @ b'A'..=b'F') => b - b'A' + 10,
                _ => {
                    return self.err(format!(
                        "expected 4 hex digits after `\\u`, found {}",
                        self.found()
                    ))
                }
            };
            v = v * 16 + u32::from(d);
            self.bump();
        }
        Ok(v)
    }

    fn unicode(&mut self) -> R<char> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi) {
            if self.s[self.i..].starts_with(b"\\u") {
                self.bump();
                self.bump();
                let lo = self.hex4()?;
                if (0xDC00..0xE000).contains(&lo) {
                    let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    return Ok(char::from_u32(c).unwrap_or('\u{fffd}'));
                }
            }
            return self.err("a lone surrogate in `\\u` escapes: expected a pair");
        }
        char::from_u32(hi).map_or_else(|| self.err("a lone surrogate in a `\\u` escape"), Ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_line_and_column() {
        let n = parse("{\n  \"a\": [1, \"x\"],\n  \"b\": {\"c\": null}\n}").unwrap();
        assert_eq!(n.get("a").unwrap().at, Pos { line: 2, col: 8 });
        assert_eq!(n.get("a").unwrap().items()[1].as_str(), Some("x"));
        assert_eq!(n.get("b").unwrap().get("c").unwrap().v, Val::Null);
    }

    #[test]
    fn bad_json_is_placed_where_it_goes_wrong() {
        let (at, msg) = parse("{\"a\": 1,\n \"a\": 2}").unwrap_err();
        assert_eq!((at.line, at.col), (2, 2));
        assert!(msg.contains("duplicate key"), "{msg}");
        let (at, msg) = parse("[1, 2").unwrap_err();
        assert_eq!((at.line, at.col), (1, 6));
        assert!(msg.contains("expected `,` or `]`"), "{msg}");
    }

    #[test]
    fn escapes_and_surrogate_pairs_are_decoded() {
        let n = parse(r#""a\n\u00e9\ud83d\ude00""#).unwrap();
        assert_eq!(n.as_str(), Some("a\né😀"));
    }

    #[test]
    fn nesting_past_the_cap_is_refused_without_recursing_further() {
        let deep = "[".repeat(100_000);
        let (_, msg) = parse(&deep).unwrap_err();
        assert!(msg.contains("nested more than"), "{msg}");
    }
}
