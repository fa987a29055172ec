//! CloudFormation's intrinsic functions, evaluated as far as the template allows: parameters by
//! their defaults, harmless pseudo parameters (`AWS::Partition`; `AWS::Region` and
//! `AWS::AccountId` stay as `${...}` text inside ARNs, which are joined by name), conditions,
//! mappings, and references to resources as the names and ARNs they stand for. What cannot be
//! known from the file (a parameter without a default, an import from another stack) becomes
//! [`Val::Unknown`] saying why; a malformed call is a located error.

use crate::import::doc::{Node, Pos, Val};
use crate::import::error::ImportError;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::Path;

mod build;

/// How deep references may chain (a resource's ARN built from another's name, ...).
pub(super) const MAX_CHAIN: usize = 64;

pub(crate) struct Template<'a> {
    pub file: &'a Path,
    pub root: &'a Node,
    pub(super) chain: Cell<usize>,
    /// Bytes built by `Fn::Sub` and `Fn::Join` so far, against their cap in all.
    built: Cell<usize>,
    /// The resources by logical id (a scan per reference would make a big template quadratic).
    resources: HashMap<&'a str, &'a Node>,
    /// Names, attributes and conditions already worked out: each is evaluated once, so that
    /// references fanning out (a name built from two names built from two names ...) stay linear.
    names: RefCell<HashMap<String, String>>,
    attributes: RefCell<HashMap<(String, String), Node>>,
    pub(super) conditions: RefCell<HashMap<String, Option<bool>>>,
    /// The names and attributes being worked out, outermost first: one asked for again while
    /// it is being worked out is a circle.
    visiting: RefCell<Vec<String>>,
}

type R<T> = Result<T, ImportError>;

fn unknown(at: Pos, why: impl Into<String>) -> Node {
    Node::new(Val::Unknown(why.into()), at)
}

fn text(s: impl Into<String>, at: Pos) -> Node {
    Node::new(Val::Str(s.into()), at)
}

/// The property holding a resource's physical name, by type.
pub(super) fn name_property(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "AWS::Kinesis::Stream" | "AWS::Pipes::Pipe" => "Name",
        "AWS::Kinesis::StreamConsumer" => "ConsumerName",
        "AWS::DynamoDB::Table" | "AWS::DynamoDB::GlobalTable" => "TableName",
        "AWS::Lambda::Function" | "AWS::Serverless::Function" => "FunctionName",
        _ => return None,
    })
}

impl<'a> Template<'a> {
    pub(crate) fn new(file: &'a Path, root: &'a Node) -> Self {
        let resources = root
            .get("Resources")
            .map(Node::entries)
            .unwrap_or(&[])
            .iter()
            .map(|(k, _, n)| (k.as_str(), n))
            .collect();
        Template {
            file,
            root,
            chain: Cell::new(0),
            built: Cell::new(0),
            resources,
            names: RefCell::default(),
            attributes: RefCell::default(),
            conditions: RefCell::default(),
            visiting: RefCell::default(),
        }
    }

    pub(super) fn err(&self, at: Pos, key: &str, msg: impl Into<String>) -> ImportError {
        ImportError::at(self.file, at, key, msg)
    }

    pub(crate) fn resource(&self, id: &str) -> Option<&'a Node> {
        self.resources.get(id).copied()
    }

    pub(crate) fn type_of(&self, id: &str) -> Option<&'a str> {
        self.resource(id)?.get("Type")?.as_str()
    }

    /// `n` with every intrinsic function evaluated; `None` for `AWS::NoValue` (the property is
    /// left out). `key` is the key path of `n`, for errors.
    pub(crate) fn resolve(&self, n: &Node, key: &str) -> R<Option<Node>> {
        match &n.v {
            Val::Map(entries) if entries.len() == 1 && is_intrinsic(&entries[0].0) => {
                let (name, _, arg) = &entries[0];
                self.call(name, arg, n.at, &format!("{key}.{name}"))
            }
            Val::Map(entries) => {
                let mut out = Vec::with_capacity(entries.len());
                for (k, at, v) in entries {
                    if let Some(r) = self.resolve(v, &format!("{key}.{k}"))? {
                        out.push((k.clone(), *at, r));
                    }
                }
                Ok(Some(Node::new(Val::Map(out), n.at)))
            }
            Val::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, v) in items.iter().enumerate() {
                    if let Some(r) = self.resolve(v, &format!("{key}[{i}]"))? {
                        out.push(r);
                    }
                }
                Ok(Some(Node::new(Val::List(out), n.at)))
            }
            _ => Ok(Some(n.clone())),
        }
    }

    /// As [`Template::resolve`], with `AWS::NoValue` read as null.
    pub(crate) fn value(&self, n: &Node, key: &str) -> R<Node> {
        Ok(self.resolve(n, key)?.unwrap_or(Node::new(Val::Null, n.at)))
    }

    fn call(&self, name: &str, arg: &Node, at: Pos, key: &str) -> R<Option<Node>> {
        let depth = self.chain.get();
        if depth >= MAX_CHAIN {
            return Ok(Some(unknown(
                at,
                "references chain too deep, or in a circle",
            )));
        }
        self.chain.set(depth + 1);
        let r = self.call_inner(name, arg, at, key);
        self.chain.set(depth);
        r
    }

    fn call_inner(&self, name: &str, arg: &Node, at: Pos, key: &str) -> R<Option<Node>> {
        let v = match name {
            "Ref" => {
                let Some(target) = self.value(arg, key)?.as_str().map(str::to_string) else {
                    return Err(self.err(
                        arg.at,
                        key,
                        format!(
                            "expected the name of a parameter or resource, found {}",
                            arg.kind()
                        ),
                    ));
                };
                return self.reference(&target, at, key);
            }
            "Fn::GetAtt" => {
                let (id, attr) = match &self.value(arg, key)?.v {
                    Val::Str(s) => match s.split_once('.') {
                        Some((a, b)) => (a.to_string(), b.to_string()),
                        None => return Err(self.err(arg.at, key, "expected `Resource.Attribute`")),
                    },
                    Val::List(l) if l.len() == 2 => match (l[0].as_str(), l[1].as_str()) {
                        (Some(a), Some(b)) => (a.to_string(), b.to_string()),
                        _ => {
                            return Err(self.err(
                                arg.at,
                                key,
                                "expected [Resource, Attribute] as two strings",
                            ))
                        }
                    },
                    _ => {
                        return Err(self.err(
                            arg.at,
                            key,
                            "expected `Resource.Attribute` or [Resource, Attribute]",
                        ))
                    }
                };
                self.attribute(&id, &attr, at, key)?
            }
            "Fn::Sub" => self.sub(arg, at, key)?,
            "Fn::Join" => {
                let a = self.value(arg, key)?;
                let l = a.items();
                let (Some(delim), Some(list)) = (l.first().and_then(Node::as_str), l.get(1)) else {
                    return Err(self.err(arg.at, key, "expected [delimiter, [values...]]"));
                };
                if l.len() != 2 {
                    return Err(self.err(arg.at, key, "expected [delimiter, [values...]]"));
                }
                if let Val::Unknown(_) = list.v {
                    return Ok(Some(list.clone()));
                }
                let mut parts = Vec::new();
                let mut len = 0usize;
                for item in list.items() {
                    match scalar_text(item) {
                        Some(t) => {
                            len = len.saturating_add(t.len()).saturating_add(delim.len());
                            self.not_too_long(len, at, key, "Fn::Join")?;
                            parts.push(t);
                        }
                        None => return Ok(Some(unknown(at, why_of(item, "a value joined")))),
                    }
                }
                let joined = parts.join(delim);
                self.built(joined.len(), at, key, "Fn::Join")?;
                text(joined, at)
            }
            "Fn::Select" => {
                let a = self.value(arg, key)?;
                let l = a.items();
                if l.len() != 2 {
                    return Err(self.err(arg.at, key, "expected [index, [values...]]"));
                }
                let Some(i) = scalar_text(&l[0]).and_then(|t| t.parse::<usize>().ok()) else {
                    return Ok(Some(unknown(at, why_of(&l[0], "the index selected"))));
                };
                match &l[1].v {
                    Val::List(items) => match items.get(i) {
                        Some(v) => v.clone(),
                        None => {
                            return Err(self.err(
                                arg.at,
                                key,
                                format!("index {i} is past the end of a list of {}", items.len()),
                            ))
                        }
                    },
                    Val::Unknown(_) => l[1].clone(),
                    _ => return Err(self.err(arg.at, key, "expected [index, [values...]]")),
                }
            }
            "Fn::Split" => {
                let a = self.value(arg, key)?;
                let l = a.items();
                let (Some(delim), Some(s)) = (l.first().and_then(Node::as_str), l.get(1)) else {
                    return Err(self.err(arg.at, key, "expected [delimiter, string]"));
                };
                match s.as_str() {
                    Some(s) if !delim.is_empty() => {
                        Node::new(Val::List(s.split(delim).map(|p| text(p, at)).collect()), at)
                    }
                    Some(_) => return Err(self.err(arg.at, key, "the delimiter is empty")),
                    None => unknown(at, why_of(s, "the string split")),
                }
            }
            "Fn::If" => {
                let l = arg.items();
                let (3, Some(cond)) = (l.len(), l.first().and_then(Node::as_str)) else {
                    return Err(self.err(
                        arg.at,
                        key,
                        "expected [condition, value if true, value if false]",
                    ));
                };
                match self.condition(cond, arg.at, key)? {
                    Some(true) => return self.resolve(&l[1], key),
                    Some(false) => return self.resolve(&l[2], key),
                    None => unknown(
                        at,
                        format!("condition `{cond}` cannot be evaluated from the template"),
                    ),
                }
            }
            "Fn::FindInMap" => {
                let a = self.value(arg, key)?;
                let l = a.items();
                if l.len() < 3 {
                    return Err(self.err(
                        arg.at,
                        key,
                        "expected [map, top-level key, second-level key]",
                    ));
                }
                let keys: Vec<Option<String>> = l[..3].iter().map(scalar_text).collect();
                let [Some(m), Some(k1), Some(k2)] = [&keys[0], &keys[1], &keys[2]] else {
                    return Ok(Some(unknown(at, "a key of Fn::FindInMap is not resolved")));
                };
                let found = self
                    .root
                    .get("Mappings")
                    .and_then(|x| x.get(m))
                    .and_then(|x| x.get(k1))
                    .and_then(|x| x.get(k2));
                match found {
                    Some(v) => return self.resolve(v, key),
                    None if k1.contains("${") => unknown(
                        at,
                        format!("Fn::FindInMap on `{k1}`, known only when deployed"),
                    ),
                    None => {
                        return Err(self.err(
                            arg.at,
                            key,
                            format!("Mappings has no `{m}.{k1}.{k2}`"),
                        ))
                    }
                }
            }
            "Fn::ImportValue" => {
                let what =
                    scalar_text(&self.value(arg, key)?).unwrap_or_else(|| "an export".into());
                unknown(at, format!("imported from another stack's export `{what}`"))
            }
            other => unknown(at, format!("{other} is not evaluated by sim import")),
        };
        Ok(Some(v))
    }

    /// What `Ref` to `target` gives.
    fn reference(&self, target: &str, at: Pos, key: &str) -> R<Option<Node>> {
        let pseudo = match target {
            "AWS::NoValue" => return Ok(None),
            "AWS::Partition" => Some(text("aws", at)),
            "AWS::URLSuffix" => Some(text("amazonaws.com", at)),
            "AWS::Region" | "AWS::AccountId" | "AWS::StackName" => {
                Some(text(format!("${{{target}}}"), at))
            }
            t if t.starts_with("AWS::") => {
                Some(unknown(at, format!("{t} is known only when deployed")))
            }
            _ => None,
        };
        if pseudo.is_some() {
            return Ok(pseudo);
        }
        if let Some(p) = self.root.get("Parameters").and_then(|p| p.get(target)) {
            let Some(default) = p.get("Default") else {
                return Ok(Some(unknown(
                    at,
                    format!("parameter `{target}` has no default"),
                )));
            };
            let ty = p.get("Type").and_then(Node::as_str).unwrap_or("");
            let list = ty == "CommaDelimitedList" || ty.starts_with("List<");
            return Ok(Some(match (&default.v, list) {
                (Val::Str(s), true) => Node::new(
                    Val::List(s.split(',').map(|x| text(x.trim(), default.at)).collect()),
                    default.at,
                ),
                _ => default.clone(),
            }));
        }
        if self.resource(target).is_some() {
            return Ok(Some(self.ref_value(target, at)?));
        }
        Err(self.err(
            at,
            key,
            format!(
                "`{}` is neither a parameter nor a resource of this template",
                crate::input::clip(target)
            ),
        ))
    }

    /// The physical name of resource `id`, or `${id}` when the template does not give it.
    pub(crate) fn physical_name(&self, id: &str) -> R<String> {
        if let Some(n) = self.names.borrow().get(id) {
            return Ok(n.clone());
        }
        self.enter(id.to_string(), id)?;
        let name = self.physical_name_inner(id);
        self.visiting.borrow_mut().pop();
        let name = name?;
        self.names.borrow_mut().insert(id.to_string(), name.clone());
        Ok(name)
    }

    /// Marks `what` (a resource's name, or `id.Attribute`) as being worked out; a located error
    /// naming the circle when it already is (CloudFormation refuses such a template).
    fn enter(&self, what: String, id: &str) -> R<()> {
        let mut visiting = self.visiting.borrow_mut();
        if let Some(i) = visiting.iter().position(|v| *v == what) {
            let circle: Vec<String> = visiting[i..]
                .iter()
                .chain(std::iter::once(&what))
                .map(|v| format!("`{}`", crate::input::clip(v)))
                .collect();
            let res = self.resource(id);
            let prop = name_property(self.type_of(id).unwrap_or(""));
            let named = prop.and_then(|p| res?.get("Properties")?.get(p).map(|n| (p, n)));
            let (at, key) = match named {
                Some((p, n)) if !what.contains('.') => {
                    (n.at, format!("Resources.{id}.Properties.{p}"))
                }
                _ => (
                    res.map_or(self.root.at, |r| r.at),
                    format!("Resources.{id}"),
                ),
            };
            return Err(self.err(
                at,
                &key,
                format!(
                    "references in a circle: {} (each is built from the next); CloudFormation refuses a template with a circular dependency",
                    circle.join(" from ")
                ),
            ));
        }
        visiting.push(what);
        Ok(())
    }

    fn physical_name_inner(&self, id: &str) -> R<String> {
        let ty = self.type_of(id).unwrap_or("");
        let given = match (
            name_property(ty),
            self.resource(id).and_then(|r| r.get("Properties")),
        ) {
            (Some(p), Some(props)) => match props.get(p) {
                Some(n) => self
                    .value(n, &format!("Resources.{id}.Properties.{p}"))?
                    .as_str()
                    .map(str::to_string),
                None => None,
            },
            _ => None,
        };
        Ok(given.unwrap_or_else(|| format!("${{{id}}}")))
    }

    fn ref_value(&self, id: &str, at: Pos) -> R<Node> {
        match self.type_of(id).unwrap_or("") {
            "AWS::Kinesis::StreamConsumer" => self.attribute(id, "ConsumerARN", at, ""),
            _ => Ok(text(self.physical_name(id)?, at)),
        }
    }

    fn attribute(&self, id: &str, attr: &str, at: Pos, key: &str) -> R<Node> {
        let memo = (id.to_string(), attr.to_string());
        if let Some(n) = self.attributes.borrow().get(&memo) {
            return Ok(Node::new(n.v.clone(), at));
        }
        self.enter(format!("{id}.{attr}"), id)?;
        let n = self.attribute_inner(id, attr, at, key);
        self.visiting.borrow_mut().pop();
        let n = n?;
        self.attributes.borrow_mut().insert(memo, n.clone());
        Ok(n)
    }

    fn attribute_inner(&self, id: &str, attr: &str, at: Pos, key: &str) -> R<Node> {
        let Some(ty) = self.type_of(id) else {
            return Err(self.err(
                at,
                key,
                format!("no resource `{}` in this template", crate::input::clip(id)),
            ));
        };
        let region = "${AWS::Region}:${AWS::AccountId}";
        let name = || self.physical_name(id);
        Ok(match (ty, attr) {
            ("AWS::Kinesis::Stream", "Arn") => {
                text(format!("arn:aws:kinesis:{region}:stream/{}", name()?), at)
            }
            ("AWS::DynamoDB::Table" | "AWS::DynamoDB::GlobalTable", "Arn") => {
                text(format!("arn:aws:dynamodb:{region}:table/{}", name()?), at)
            }
            ("AWS::DynamoDB::Table" | "AWS::DynamoDB::GlobalTable", "StreamArn") => text(
                format!("arn:aws:dynamodb:{region}:table/{}/stream/latest", name()?),
                at,
            ),
            ("AWS::Lambda::Function" | "AWS::Serverless::Function", "Arn") => {
                text(format!("arn:aws:lambda:{region}:function:{}", name()?), at)
            }
            ("AWS::Pipes::Pipe", "Arn") => {
                text(format!("arn:aws:pipes:{region}:pipe/{}", name()?), at)
            }
            ("AWS::Kinesis::StreamConsumer", "ConsumerName") => text(name()?, at),
            ("AWS::Kinesis::StreamConsumer", "ConsumerARN" | "StreamARN") => {
                let props = self.resource(id).and_then(|r| r.get("Properties"));
                let stream = match props.and_then(|p| p.get("StreamARN")) {
                    Some(s) => self.value(s, &format!("Resources.{id}.Properties.StreamARN"))?,
                    None => unknown(at, format!("`{id}` has no StreamARN")),
                };
                if attr == "StreamARN" {
                    stream
                } else {
                    match stream.as_str() {
                        Some(s) => text(format!("{s}/consumer/{}:${{{id}}}", name()?), at),
                        None => stream,
                    }
                }
            }
            _ => text(format!("${{{id}.{attr}}}"), at),
        })
    }
}

fn is_intrinsic(key: &str) -> bool {
    key == "Ref" || key.starts_with("Fn::")
}

/// A scalar as text (numbers and booleans as written); `None` for anything else.
pub(super) fn scalar_text(n: &Node) -> Option<String> {
    match &n.v {
        Val::Str(s) | Val::Num(s) => Some(s.clone()),
        Val::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn why_of(n: &Node, what: &str) -> String {
    match &n.v {
        Val::Unknown(why) => why.clone(),
        _ => format!("{what} is {}, not text", n.kind()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::yaml;

    fn resolved(src: &str, path: &[&str]) -> Node {
        let root = yaml::parse(src).unwrap();
        let t = Template::new(Path::new("t.yaml"), &root);
        let mut n = &root;
        for p in path {
            n = n.get(p).unwrap();
        }
        t.value(n, "x").unwrap()
    }

    const T: &str = "\
Parameters:
  Env: { Type: String, Default: prod }
  Shards: { Type: Number }
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  S: { Type: AWS::Kinesis::Stream, Properties: { Name: !Sub 'orders-${Env}' } }
  C: { Type: AWS::Kinesis::StreamConsumer, Properties: { ConsumerName: audit, StreamARN: !GetAtt S.Arn } }
  T: { Type: AWS::DynamoDB::Table, Properties: {} }
Out:
  a: !GetAtt S.Arn
  b: !If [IsProd, 4, 1]
  c: !Ref Shards
  d: !Ref C
  e: !Join ['-', [!Select [1, [x, y]], !Ref 'AWS::Partition']]
  f: !GetAtt T.StreamArn
  g: !ImportValue shared
";

    #[test]
    fn references_become_the_names_and_arns_they_stand_for() {
        assert_eq!(
            resolved(T, &["Out", "a"]).as_str(),
            Some("arn:aws:kinesis:${AWS::Region}:${AWS::AccountId}:stream/orders-prod")
        );
        assert_eq!(
            resolved(T, &["Out", "d"]).as_str(),
            Some("arn:aws:kinesis:${AWS::Region}:${AWS::AccountId}:stream/orders-prod/consumer/audit:${C}")
        );
        assert_eq!(resolved(T, &["Out", "e"]).as_str(), Some("y-aws"));
        assert_eq!(
            resolved(T, &["Out", "f"]).as_str(),
            Some("arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${T}/stream/latest")
        );
    }

    #[test]
    fn conditions_take_the_parameters_defaults_and_unknowns_say_why() {
        assert_eq!(resolved(T, &["Out", "b"]).v, Val::Num("4".into()));
        assert_eq!(
            resolved(T, &["Out", "c"]).v,
            Val::Unknown("parameter `Shards` has no default".into())
        );
        assert!(
            matches!(resolved(T, &["Out", "g"]).v, Val::Unknown(w) if w.contains("another stack"))
        );
    }

    #[test]
    fn a_reference_to_nothing_is_a_located_error() {
        let root = yaml::parse("Resources: {}\nOut: !Ref Nope\n").unwrap();
        let t = Template::new(Path::new("t.yaml"), &root);
        let e = t.value(root.get("Out").unwrap(), "Out").unwrap_err();
        assert!(e.to_string().contains("t.yaml:2:6"), "{e}");
        assert!(
            e.to_string().contains("neither a parameter nor a resource"),
            "{e}"
        );
    }

    #[test]
    fn references_in_a_circle_are_a_located_error_naming_the_circle() {
        let src = "Resources:\n  A: { Type: AWS::Kinesis::Stream, Properties: { Name: !Ref B } }\n  B: { Type: AWS::Kinesis::Stream, Properties: { Name: !Ref A } }\nOut: !Ref A\n";
        let root = yaml::parse(src).unwrap();
        let t = Template::new(Path::new("t.yaml"), &root);
        let e = t.value(root.get("Out").unwrap(), "Out").unwrap_err();
        assert!(e.to_string().contains("`A` from `B` from `A`"), "{e}");
        assert!(e.to_string().contains("t.yaml:2:"), "{e}");
    }
}
