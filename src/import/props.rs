//! Typed reads of a resource's properties, each value with where it came from for the model's
//! comments, a located error when it has the wrong type or range, and a warning when a template
//! value could not be resolved.

use super::arch::Sourced;
use super::doc::{Node, Val};
use super::error::ImportError;
use std::path::Path;

/// The properties of one resource (a map), read key by key.
pub(crate) struct Props<'a> {
    pub file: &'a Path,
    /// The file as the model's comments name it.
    pub shown: &'a str,
    /// The resource as the comments name it (a logical id, an address, a UUID).
    pub resource: &'a str,
    pub node: &'a Node,
    /// The key path of `node` in its file, for errors.
    pub path: String,
    pub warnings: &'a mut Vec<String>,
    read: Vec<String>,
    /// The keys present whose value the file does not resolve, each with where and why.
    pub unresolved: Vec<(String, String)>,
}

impl<'a> Props<'a> {
    pub(crate) fn new(
        file: &'a Path,
        shown: &'a str,
        resource: &'a str,
        node: &'a Node,
        path: String,
        warnings: &'a mut Vec<String>,
    ) -> Self {
        Props {
            file,
            shown,
            resource,
            node,
            path,
            warnings,
            read: vec![],
            unresolved: vec![],
        }
    }

    pub(crate) fn from(&self, key: &str) -> String {
        format!("{}, {}, {}", self.shown, self.resource, key)
    }

    fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// The value of `key`, marked read; `None` when absent, null or unresolved (with a warning).
    pub(crate) fn get(&mut self, key: &str) -> Option<&'a Node> {
        self.read.push(key.to_string());
        let n = self.node.get(key)?;
        match &n.v {
            Val::Null => None,
            Val::Unknown(why) => {
                self.warnings.push(format!(
                    "{}: not resolved ({why}); the model's default is used instead",
                    self.from(key)
                ));
                self.unresolved.push((
                    key.to_string(),
                    format!("the value at {} is not resolved: {why}", self.from(key)),
                ));
                None
            }
            _ => Some(n),
        }
    }

    pub(crate) fn err(&self, n: &Node, key: &str, msg: impl Into<String>) -> ImportError {
        ImportError::at(self.file, n.at, self.key_path(key), msg)
    }

    pub(crate) fn int(
        &mut self,
        key: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<Option<Sourced<i64>>, ImportError> {
        let Some(n) = self.get(key) else {
            return Ok(None);
        };
        let v = match &n.v {
            Val::Num(t) | Val::Str(t) => t.trim().parse::<i64>().ok(),
            _ => None,
        };
        let Some(v) = v else {
            return Err(self.err(
                n,
                key,
                format!("expected a whole number, found {}", shown(n)),
            ));
        };
        if !range.contains(&v) {
            return Err(self.err(
                n,
                key,
                format!(
                    "{v} is out of range: expected {} to {}",
                    range.start(),
                    range.end()
                ),
            ));
        }
        Ok(Some(Sourced::new(v, self.from(key))))
    }

    /// A function's reserved concurrency (from `min`: Terraform's -1 is "none reserved"). 0,
    /// AWS's switch that throttles every invocation, gives no value but the located error the
    /// import fails with if a mapping reads into the function ([`crate::import::arch::Function::off`]):
    /// a reader that never runs is no consumer the model can hold.
    pub(crate) fn reserved(
        &mut self,
        key: &str,
        min: i64,
    ) -> Result<(Option<Sourced<i64>>, Option<ImportError>), ImportError> {
        let node = self.node.get(key);
        let v = self.int(key, min..=100_000)?;
        Ok(match (v, node) {
            (Some(r), Some(n)) if r.v == 0 => (None, Some(self.err(n, key, ZERO_RESERVED))),
            (v, _) => (v, None),
        })
    }

    pub(crate) fn bool(&mut self, key: &str) -> Result<Option<Sourced<bool>>, ImportError> {
        let Some(n) = self.get(key) else {
            return Ok(None);
        };
        let v = match &n.v {
            Val::Bool(b) => Some(*b),
            Val::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Val::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        };
        match v {
            Some(v) => Ok(Some(Sourced::new(v, self.from(key)))),
            None => Err(self.err(
                n,
                key,
                format!("expected true or false, found {}", shown(n)),
            )),
        }
    }

    pub(crate) fn string(&mut self, key: &str) -> Result<Option<Sourced<String>>, ImportError> {
        let Some(n) = self.get(key) else {
            return Ok(None);
        };
        match &n.v {
            Val::Str(s) => Ok(Some(Sourced::new(s.clone(), self.from(key)))),
            _ => Err(self.err(n, key, format!("expected a string, found {}", shown(n)))),
        }
    }

    /// A string that links this resource to another (a source ARN): `Err` says why there is
    /// none (absent, or not resolved and why), for the caller to list the resource as outside
    /// (a String: a reason shown in that list, not an error).
    pub(crate) fn link(
        &mut self,
        key: &str,
    ) -> Result<Result<Sourced<String>, String>, ImportError> {
        if let Some(Val::Unknown(why)) = self.node.get(key).map(|n| &n.v) {
            self.read.push(key.to_string());
            return Ok(Err(format!("its {key} is not resolved: {why}")));
        }
        Ok(self.string(key)?.ok_or_else(|| format!("it has no {key}")))
    }

    /// A nested map, read with the same file and resource.
    pub(crate) fn map(&mut self, key: &str) -> Result<Option<&'a Node>, ImportError> {
        let Some(n) = self.get(key) else {
            return Ok(None);
        };
        if !n.is_map() {
            return Err(self.err(n, key, format!("expected a map, found {}", shown(n))));
        }
        Ok(Some(n))
    }

    /// For each `(model key, property)` whose value this file does not resolve: the model key,
    /// with where and why.
    pub(crate) fn unresolved_as(
        &self,
        keys: &[(&'static str, &str)],
    ) -> Vec<(&'static str, String)> {
        keys.iter()
            .filter_map(|(model_key, key)| {
                let (_, why) = self.unresolved.iter().find(|(k, _)| k == key)?;
                Some((*model_key, why.clone()))
            })
            .collect()
    }

    /// The keys present that nothing read.
    pub(crate) fn unread(&self) -> Vec<String> {
        self.node
            .entries()
            .iter()
            .filter(|(k, _, n)| !self.read.contains(k) && n.v != Val::Null)
            .map(|(k, _, _)| k.clone())
            .collect()
    }
}

/// Why a reserved concurrency of 0 is refused.
pub(crate) const ZERO_RESERVED: &str = "a reserved concurrency of 0 throttles every invocation \
     (AWS's switch that turns the function off): its mappings read nothing, and a model has no \
     consumer that never runs; import without this function's mappings, or with the concurrency it has when on";

/// A value as a message shows it.
pub(crate) fn shown(n: &Node) -> String {
    match &n.v {
        Val::Num(t) => format!("the number {}", crate::input::clip(t)),
        Val::Str(s) => format!("the string \"{}\"", crate::input::clip(s)),
        Val::Bool(b) => format!("{b}"),
        _ => n.kind().to_string(),
    }
}
