//! YAML read into a located [`Node`] tree, as CloudFormation reads it: the short forms of the
//! intrinsic functions (`!Ref x`, `!GetAtt a.b`, `!Sub ...`) become their long forms
//! (`{Ref: x}`, `{Fn::GetAtt: a.b}`, `{Fn::Sub: ...}`); anchors, aliases and several documents are
//! refused (CloudFormation refuses them too, and an alias is how a small file expands into a
//! huge tree); nesting and size are capped by [`Budget`].

use super::doc::{Budget, Node, Pos, Val};
use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

/// The intrinsic functions that have a YAML short form, by tag, with the key of their long form.
const SHORT_FORMS: &[(&str, &str)] = &[
    ("Ref", "Ref"),
    ("Condition", "Condition"),
    ("GetAtt", "Fn::GetAtt"),
    ("Sub", "Fn::Sub"),
    ("If", "Fn::If"),
    ("Select", "Fn::Select"),
    ("Join", "Fn::Join"),
    ("Split", "Fn::Split"),
    ("FindInMap", "Fn::FindInMap"),
    ("GetAZs", "Fn::GetAZs"),
    ("ImportValue", "Fn::ImportValue"),
    ("Base64", "Fn::Base64"),
    ("Cidr", "Fn::Cidr"),
    ("Equals", "Fn::Equals"),
    ("And", "Fn::And"),
    ("Or", "Fn::Or"),
    ("Not", "Fn::Not"),
    ("Transform", "Fn::Transform"),
    ("Length", "Fn::Length"),
    ("ToJsonString", "Fn::ToJsonString"),
    ("ForEach", "Fn::ForEach"),
];

/// A collection being built, with its tag's long-form key if it had one.
enum Frame {
    List {
        at: Pos,
        wrap: Option<&'static str>,
        items: Vec<Node>,
    },
    Map {
        at: Pos,
        wrap: Option<&'static str>,
        entries: Vec<(String, Pos, Node)>,
        key: Option<(String, Pos)>,
        /// The keys so far, so that a duplicate is found without a scan per key.
        seen: std::collections::HashSet<String>,
    },
}

type R<T> = Result<T, (Pos, String)>;

fn pos(span: &Span) -> Pos {
    Pos {
        line: span.start.line(),
        col: span.start.col() + 1,
    }
}

/// The tree of `text`, or where and why it is not YAML that sim reads.
pub(crate) fn parse(text: &str) -> R<Node> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut budget = Budget::default();
    let mut documents = 0;
    let mut last = Pos { line: 1, col: 1 };
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            let m = e.marker();
            (
                Pos {
                    line: m.line(),
                    col: m.col() + 1,
                },
                format!("not valid YAML: {}", e.info()),
            )
        })?;
        let at = pos(&span);
        last = at;
        let node = match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err((at, "a second YAML document: expected one template per file".into()));
                }
                continue;
            }
            Event::Alias(_) => {
                return Err((at, "a YAML alias (`*name`): CloudFormation does not accept anchors or aliases, write the value out".into()))
            }
            Event::Scalar(value, style, anchor, tag) => {
                no_anchor(anchor, at)?;
                budget.node().map_err(|m| (at, m.to_string()))?;
                let v = scalar(&value, style, tag.as_deref(), at)?;
                match wrap_of(tag.as_deref(), at)? {
                    Some(k) => wrapped(k, Node::new(v, at)),
                    None => Node::new(v, at),
                }
            }
            Event::SequenceStart(anchor, tag) => {
                no_anchor(anchor, at)?;
                budget.node().map_err(|m| (at, m.to_string()))?;
                Budget::depth(stack.len() + 1).map_err(|m| (at, m.to_string()))?;
                let wrap = wrap_of(tag.as_deref(), at)?;
                stack.push(Frame::List {
                    at,
                    wrap,
                    items: vec![],
                });
                continue;
            }
            Event::MappingStart(anchor, tag) => {
                no_anchor(anchor, at)?;
                budget.node().map_err(|m| (at, m.to_string()))?;
                Budget::depth(stack.len() + 1).map_err(|m| (at, m.to_string()))?;
                let wrap = wrap_of(tag.as_deref(), at)?;
                stack.push(Frame::Map {
                    at,
                    wrap,
                    entries: vec![],
                    key: None,
                    seen: Default::default(),
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::List { at, wrap, items }) => finish(Node::new(Val::List(items), at), wrap),
                Some(Frame::Map {
                    at, wrap, entries, ..
                }) => finish(Node::new(Val::Map(entries), at), wrap),
                None => continue,
            },
            _ => continue,
        };
        // A finished value goes into its parent, or is the document.
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::List { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries, key, seen, ..
            }) => match key.take() {
                None => {
                    let Val::Str(k) = node.v else {
                        return Err((
                            node.at,
                            format!("expected a plain key, found {}", node.kind()),
                        ));
                    };
                    if !seen.insert(k.clone()) {
                        return Err((
                            node.at,
                            format!("duplicate key `{}`", crate::input::clip(&k)),
                        ));
                    }
                    *key = Some((k, node.at));
                }
                Some((k, kat)) => entries.push((k, kat, node)),
            },
        }
    }
    Ok(root.unwrap_or(Node::new(Val::Null, last)))
}

fn no_anchor(anchor: usize, at: Pos) -> R<()> {
    if anchor != 0 {
        return Err((at, "a YAML anchor (`&name`): CloudFormation does not accept anchors or aliases, write the value out".into()));
    }
    Ok(())
}

fn finish(node: Node, wrap: Option<&'static str>) -> Node {
    match wrap {
        Some(k) => wrapped(k, node),
        None => node,
    }
}

fn wrapped(key: &'static str, node: Node) -> Node {
    let at = node.at;
    Node::new(Val::Map(vec![(key.to_string(), at, node)]), at)
}

/// The long-form key a tag stands for; `None` for no tag or a core-schema one (`!!str`).
fn wrap_of(tag: Option<&Tag>, at: Pos) -> R<Option<&'static str>> {
    let Some(tag) = tag else { return Ok(None) };
    if tag.handle == "!!" || tag.handle.starts_with("tag:yaml.org") {
        return Ok(None);
    }
    if tag.handle == "!" {
        if let Some((_, long)) = SHORT_FORMS.iter().find(|(s, _)| *s == tag.suffix) {
            return Ok(Some(long));
        }
    }
    Err((
        at,
        format!(
            "unknown tag `{}{}`: expected a CloudFormation short form such as !Ref, !GetAtt, !Sub, !If, !Select, !Join",
            crate::input::clip(&tag.handle),
            crate::input::clip(&tag.suffix)
        ),
    ))
}

/// A scalar's value: quoted ones are strings; plain ones are read by YAML 1.2's core schema.
fn scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>, at: Pos) -> R<Val> {
    if let Some(t) = tag.filter(|t| t.handle == "!!") {
        return match t.suffix.as_str() {
            "str" => Ok(Val::Str(text.to_string())),
            "int" | "float" if is_number(text) => Ok(Val::Num(text.to_string())),
            "bool" | "null" | "int" | "float" => plain(text)
                .filter(|v| !matches!(v, Val::Str(_)))
                .ok_or_else(|| {
                    (
                        at,
                        format!(
                            "`{}` is not a valid !!{}",
                            crate::input::clip(text),
                            t.suffix
                        ),
                    )
                }),
            other => Err((
                at,
                format!("unsupported YAML type `!!{}`", crate::input::clip(other)),
            )),
        };
    }
    if style != ScalarStyle::Plain {
        return Ok(Val::Str(text.to_string()));
    }
    Ok(plain(text).unwrap_or_else(|| Val::Str(text.to_string())))
}

fn plain(text: &str) -> Option<Val> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Some(Val::Null),
        "true" | "True" | "TRUE" => Some(Val::Bool(true)),
        "false" | "False" | "FALSE" => Some(Val::Bool(false)),
        _ if is_number(text) => Some(Val::Num(text.to_string())),
        _ => None,
    }
}

/// YAML 1.2 core-schema integers and floats in decimal (the forms templates use).
fn is_number(text: &str) -> bool {
    let t = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exp) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits(int)
        && frac.is_none_or(digits)
        && !(int.is_empty() && frac.is_none_or(str::is_empty));
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exp_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms_become_long_forms() {
        let n = parse("A: !Ref Orders\nB: !GetAtt Orders.Arn\nC: !If [Cond, 1, 2]\n").unwrap();
        assert_eq!(
            n.get("A").unwrap().get("Ref").unwrap().as_str(),
            Some("Orders")
        );
        assert_eq!(
            n.get("B").unwrap().get("Fn::GetAtt").unwrap().as_str(),
            Some("Orders.Arn")
        );
        assert_eq!(n.get("C").unwrap().get("Fn::If").unwrap().items().len(), 3);
        assert_eq!(n.get("B").unwrap().at, Pos { line: 2, col: 4 });
    }

    #[test]
    fn plain_scalars_are_typed_and_quoted_ones_are_strings() {
        let n = parse("a: 4\nb: '4'\nc: true\nd: ~\ne: 1.5e3\nf: 4x\n").unwrap();
        assert_eq!(n.get("a").unwrap().v, Val::Num("4".into()));
        assert_eq!(n.get("b").unwrap().v, Val::Str("4".into()));
        assert_eq!(n.get("c").unwrap().v, Val::Bool(true));
        assert_eq!(n.get("d").unwrap().v, Val::Null);
        assert_eq!(n.get("e").unwrap().v, Val::Num("1.5e3".into()));
        assert_eq!(n.get("f").unwrap().v, Val::Str("4x".into()));
    }

    #[test]
    fn aliases_unknown_tags_and_duplicate_keys_are_refused_where_they_are() {
        let (at, m) = parse("a: &x 1\nb: *x\n").unwrap_err();
        assert_eq!(at.line, 1);
        assert!(m.contains("anchor"), "{m}");
        let (at, m) = parse("a: 1\nb: !Bogus x\n").unwrap_err();
        assert_eq!(at.line, 2);
        assert!(m.contains("unknown tag `!Bogus`"), "{m}");
        let (at, m) = parse("a: 1\na: 2\n").unwrap_err();
        assert_eq!((at.line, at.col), (2, 1));
        assert!(m.contains("duplicate key"), "{m}");
    }

    #[test]
    fn deep_flow_nesting_is_refused() {
        let (_, m) = parse(&"[".repeat(50_000)).unwrap_err();
        assert!(m.contains("nested") || m.contains("recursion"), "{m}");
    }
}
