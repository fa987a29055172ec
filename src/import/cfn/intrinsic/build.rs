//! The strings a template builds (`Fn::Sub`, and the caps on what `Fn::Sub` and `Fn::Join`
//! build: each value, and all of them together), so that names built from names stay bounded.

use super::{scalar_text, text, unknown, why_of, Template, R};
use crate::import::doc::{Node, Pos, Val};

/// The longest string `Fn::Sub` or `Fn::Join` may build: far longer than any name or ARN AWS
/// accepts (an ARN is at most 2048 characters), short enough that names doubling through a
/// chain of references stop long before they fill the memory.
const MAX_VALUE: usize = 4096;

/// The most bytes all the strings built from one template may hold together: each value is
/// evaluated once, so a template's worth of `Fn::Sub` stays far below this.
const MAX_BUILT: usize = 64 << 20;

impl Template<'_> {
    /// Counts `len` more bytes built at `at` by `what`, refusing a value longer than
    /// [`MAX_VALUE`] and more than [`MAX_BUILT`] in all.
    pub(super) fn built(&self, len: usize, at: Pos, key: &str, what: &str) -> R<()> {
        self.not_too_long(len, at, key, what)?;
        let total = self.built.get().saturating_add(len);
        if total > MAX_BUILT {
            return Err(self.err(
                at,
                key,
                format!(
                    "the strings built by Fn::Sub and Fn::Join in this template exceed {} MiB in all: more than any template needs",
                    MAX_BUILT >> 20
                ),
            ));
        }
        self.built.set(total);
        Ok(())
    }

    /// Refuses a value longer than [`MAX_VALUE`] while it is being built (counts nothing).
    pub(super) fn not_too_long(&self, len: usize, at: Pos, key: &str, what: &str) -> R<()> {
        if len > MAX_VALUE {
            return Err(self.err(
                at,
                key,
                format!(
                    "{what} builds a string longer than {MAX_VALUE} bytes: longer than any name or ARN AWS accepts \
                     (are names built from names that double at each step?)"
                ),
            ));
        }
        Ok(())
    }

    /// `Fn::Sub`: a string with `${Name}` and `${Resource.Attribute}` replaced.
    pub(super) fn sub(&self, arg: &Node, at: Pos, key: &str) -> R<Node> {
        let (template, vars) = match &arg.v {
            Val::Str(s) => (s.as_str(), None),
            Val::List(l) if l.len() == 2 && l[0].as_str().is_some() && l[1].is_map() => {
                (l[0].as_str().unwrap_or(""), Some(&l[1]))
            }
            _ => return Err(self.err(arg.at, key, "expected a string or [string, {variables}]")),
        };
        let mut out = String::new();
        let mut rest = template;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            if let Some(lit) = after.strip_prefix('!') {
                out.push_str("${");
                rest = lit;
                continue;
            }
            let Some(end) = after.find('}') else {
                return Err(self.err(arg.at, key, "a `${` without its closing `}`"));
            };
            let var = after[..end].trim();
            let value = match vars.and_then(|v| v.get(var)) {
                Some(v) => self.value(v, key)?,
                None => match var.split_once('.') {
                    Some((id, attr)) if !var.starts_with("AWS::") => {
                        self.attribute(id, attr, at, key)?
                    }
                    _ => self.reference(var, at, key)?.unwrap_or(text("", at)),
                },
            };
            match scalar_text(&value) {
                Some(t) if out.len() + t.len() <= MAX_VALUE => out.push_str(&t),
                Some(t) => self.not_too_long(out.len() + t.len(), at, key, "Fn::Sub")?,
                None => return Ok(unknown(at, why_of(&value, &format!("`${{{var}}}`")))),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        self.built(out.len(), at, key, "Fn::Sub")?;
        Ok(text(out, at))
    }
}
