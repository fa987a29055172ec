//! SAM templates (`Transform: AWS::Serverless-2016-10-31`): an `AWS::Serverless::Function` with
//! its `Events` of type Kinesis or DynamoDB (each an event source mapping), and the function
//! settings in `Globals.Function` it inherits.

use super::intrinsic::Template;
use super::resources;
use crate::import::arch::{Arch, Function, Mapping, Service, Sourced};
use crate::import::doc::{Node, Val};
use crate::import::error::ImportError;
use crate::import::esm;
use crate::import::props::Props;

type R<T> = Result<T, ImportError>;

pub(super) fn is_sam(root: &Node) -> bool {
    let is = |n: &Node| n.as_str() == Some("AWS::Serverless-2016-10-31");
    match root.get("Transform") {
        Some(n) => is(n) || n.items().iter().any(is),
        None => false,
    }
}

/// `Globals.Function`, resolved; an empty map when there is none.
pub(super) fn globals(t: &Template, root: &Node) -> R<Node> {
    match root.get("Globals").and_then(|g| g.get("Function")) {
        Some(g) => t.value(g, "Globals.Function"),
        None => Ok(Node::new(Val::Map(vec![]), root.at)),
    }
}

pub(super) fn function(
    t: &Template,
    id: &str,
    p: &mut Props,
    globals: &Node,
    from: String,
    arch: &mut Arch,
) -> R<Function> {
    let mut f = resources::function(t, id, p, from.clone())?;
    let mut warnings = Vec::new();
    let mut g = Props::new(
        p.file,
        p.shown,
        "Globals.Function",
        globals,
        "Globals.Function".into(),
        &mut warnings,
    );
    if f.memory_mb.is_none() {
        f.memory_mb = g.int("MemorySize", 128..=10_240)?;
    }
    if f.timeout_s.is_none() {
        f.timeout_s = g.int("Timeout", 1..=900)?;
    }
    if f.reserved.is_none() && f.off.is_none() {
        (f.reserved, f.off) = g.reserved("ReservedConcurrentExecutions", 0)?;
    }
    drop(g);
    p.warnings.append(&mut warnings);
    let Some(events) = p.map("Events")? else {
        return Ok(f);
    };
    for (name, _, ev) in events.entries() {
        let key = format!("{}.Events.{name}", p.path);
        let ty = ev.get("Type").and_then(Node::as_str).unwrap_or("");
        if ty != "Kinesis" && ty != "DynamoDB" {
            if ty.is_empty() {
                return Err(ImportError::at(
                    p.file,
                    ev.at,
                    key,
                    "expected an event with `Type`",
                ));
            }
            arch.outside.push(format!(
                "{}, {id}.Events.{name} (a {ty} event): not a stream source",
                p.shown
            ));
            continue;
        }
        let resource = format!("{id}.Events.{name}");
        let empty = Node::new(Val::Map(vec![]), ev.at);
        let props = ev.get("Properties").unwrap_or(&empty);
        let mut w = Vec::new();
        let mut e = Props::new(
            p.file,
            p.shown,
            &resource,
            props,
            format!("{key}.Properties"),
            &mut w,
        );
        let source = match e.link("Stream")? {
            Ok(s) => s,
            Err(why) => {
                drop(e);
                arch.outside.push(format!("{}, {resource}: {why}", p.shown));
                p.warnings.append(&mut w);
                continue;
            }
        };
        let mut m = Mapping::new(
            Service::Lambda,
            format!("{}, {resource}", p.shown),
            source,
            format!("{}, {resource} (a {ty} event)", p.shown),
        );
        m.function = Some(Sourced::new(f.name.clone(), format!("{}, {id}", p.shown)));
        esm::read(&mut e, &mut m, &esm::PASCAL)?;
        esm::unmodelled(&e, &mut m);
        drop(e);
        p.warnings.append(&mut w);
        arch.mappings.push(m);
    }
    Ok(f)
}
