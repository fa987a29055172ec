//! Just enough of XML to prove a JUnit file well-formed and read its structure: elements with
//! quoted attributes, properly nested, text without a raw `<` or a bare `&`, comments and the
//! declaration; entities decoded.

#[derive(Debug)]
pub(crate) struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub(crate) fn attr(&self, name: &str) -> &str {
        (self.attrs.iter().find(|(k, _)| k == name))
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("<{}> has no {name}", self.name))
    }
}

fn decode(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out += &rest[..i];
        let end = rest[i..].find(';').expect("an entity ends with ;") + i;
        out += match &rest[i + 1..end] {
            "amp" => "&",
            "lt" => "<",
            "gt" => ">",
            "quot" => "\"",
            "apos" => "'",
            e => panic!("unknown entity &{e};"),
        };
        rest = &rest[end + 1..];
    }
    assert!(!rest.contains('<'), "a raw < in text");
    out + rest
}

/// The root element of `doc`; panics on anything not well-formed.
pub(crate) fn parse(doc: &str) -> Element {
    let mut rest = doc
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        .expect("declaration");
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        let lt = rest.find('<');
        let text = &rest[..lt.unwrap_or(rest.len())];
        match stack.last_mut() {
            Some(e) => e.text += &decode(text),
            None => assert!(text.trim().is_empty(), "text outside the root: {text:?}"),
        }
        let Some(lt) = lt else { break };
        rest = &rest[lt..];
        if let Some(c) = rest.strip_prefix("<!--") {
            let end = c.find("-->").expect("comment closed");
            assert!(!c[..end].contains("--"));
            rest = &c[end + 3..];
            continue;
        }
        let gt = rest.find('>').expect("tag closed");
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let e = stack.pop().expect("a closing tag closes an open one");
            assert_eq!(e.name, name, "tags nest");
            match stack.last_mut() {
                Some(parent) => parent.children.push(e),
                None => {
                    assert!(root.is_none(), "one root");
                    root = Some(e);
                }
            }
            continue;
        }
        let (tag, empty) = match tag.strip_suffix('/') {
            Some(t) => (t, true),
            None => (tag, false),
        };
        let (name, mut attrs_text) = tag.split_once(' ').unwrap_or((tag, ""));
        assert!(!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        let mut attrs = Vec::new();
        loop {
            attrs_text = attrs_text.trim_start();
            if attrs_text.is_empty() {
                break;
            }
            let (k, v) = attrs_text.split_once("=\"").expect("attribute=\"value\"");
            let end = v.find('"').expect("attribute value closed");
            assert!(
                !attrs.iter().any(|(a, _): &(String, String)| a == k),
                "attribute {k} twice"
            );
            attrs.push((k.to_string(), decode(&v[..end])));
            attrs_text = &v[end + 1..];
        }
        let e = Element {
            name: name.to_string(),
            attrs,
            children: Vec::new(),
            text: String::new(),
        };
        if empty {
            stack.last_mut().expect("inside the root").children.push(e);
        } else {
            stack.push(e);
        }
    }
    assert!(stack.is_empty(), "every element closed");
    root.expect("a root element")
}
