//! CloudFormation's conditions (`Conditions`, `Fn::If`, a resource's `Condition`), evaluated with
//! the parameters' defaults: each once, and "cannot be known" when they depend on what only a
//! deployment knows.

use super::intrinsic::{scalar_text, Template, MAX_CHAIN};
use crate::import::doc::{Node, Pos, Val};
use crate::import::error::ImportError;

type R<T> = Result<T, ImportError>;

impl Template<'_> {
    /// Whether condition `name` holds with the parameters' defaults; `None` when that cannot be
    /// known from the file.
    pub(crate) fn condition(&self, name: &str, at: Pos, key: &str) -> R<Option<bool>> {
        let Some(c) = self.root.get("Conditions").and_then(|c| c.get(name)) else {
            return Err(self.err(
                at,
                key,
                format!("no condition `{}` in Conditions", crate::input::clip(name)),
            ));
        };
        if let Some(v) = self.conditions.borrow().get(name) {
            return Ok(*v);
        }
        let depth = self.chain.get();
        if depth >= MAX_CHAIN {
            return Ok(None);
        }
        self.chain.set(depth + 1);
        let r = self.truth(c, &format!("Conditions.{name}"));
        self.chain.set(depth);
        if let Ok(v) = r {
            self.conditions.borrow_mut().insert(name.to_string(), v);
        }
        r
    }

    fn truth(&self, n: &Node, key: &str) -> R<Option<bool>> {
        let entries = n.entries();
        let Some((f, _, arg)) = entries.first().filter(|_| entries.len() == 1) else {
            return match n.v {
                Val::Bool(b) => Ok(Some(b)),
                _ => Err(self.err(n.at, key, "expected a condition function (Fn::Equals, Fn::And, Fn::Or, Fn::Not, Condition)")),
            };
        };
        let all = |s: &Self| -> R<Vec<Option<bool>>> {
            arg.items().iter().map(|c| s.truth(c, key)).collect()
        };
        Ok(match f.as_str() {
            "Fn::Equals" => {
                let a = self.value(arg, key)?;
                let l = a.items();
                if l.len() != 2 {
                    return Err(self.err(arg.at, key, "expected [value, value]"));
                }
                match (scalar_text(&l[0]), scalar_text(&l[1])) {
                    (Some(x), Some(y)) if !x.contains("${AWS::") && !y.contains("${AWS::") => {
                        Some(x == y)
                    }
                    _ => None,
                }
            }
            "Fn::And" => {
                let v = all(self)?;
                if v.contains(&Some(false)) {
                    Some(false)
                } else if v.iter().all(|x| *x == Some(true)) {
                    Some(true)
                } else {
                    None
                }
            }
            "Fn::Or" => {
                let v = all(self)?;
                if v.contains(&Some(true)) {
                    Some(true)
                } else if v.iter().all(|x| *x == Some(false)) {
                    Some(false)
                } else {
                    None
                }
            }
            "Fn::Not" => match arg.items() {
                [c] => self.truth(c, key)?.map(|b| !b),
                _ => return Err(self.err(arg.at, key, "expected [condition]")),
            },
            "Condition" => match arg.as_str() {
                Some(c) => self.condition(c, arg.at, key)?,
                None => return Err(self.err(arg.at, key, "expected a condition's name")),
            },
            other => {
                return Err(self.err(
                    n.at,
                    key,
                    format!(
                        "`{}` is not a condition function",
                        crate::input::clip(other)
                    ),
                ))
            }
        })
    }
}
