//! The template resources the model has a place for, each read from its resolved properties:
//! Kinesis streams, DynamoDB tables with a stream, event source mappings, functions and pipes.

use super::intrinsic::Template;
use crate::import::arch::{Function, Mapping, Service, Sourced, Stream, StreamKind};
use crate::import::doc::{Node, Val};
use crate::import::error::ImportError;
use crate::import::esm;
use crate::import::props::Props;

type R<T> = Result<T, ImportError>;

/// A resource as comments name it: its logical id, with the construct path `cdk synth` records.
pub(super) fn display_id(id: &str, res: &Node) -> String {
    match res
        .get("Metadata")
        .and_then(|m| m.get("aws:cdk:path"))
        .and_then(Node::as_str)
    {
        Some(path) => format!("{id} [{}]", crate::input::clip(path)),
        None => id.to_string(),
    }
}

/// The model's name for a resource: its physical name if the template gives one (without the
/// `${AWS::StackName}`-style parts known only when deployed), else its id.
pub(super) fn label(t: &Template, id: &str) -> R<String> {
    let name = t.physical_name(id)?;
    let known = resolvable_part(&name);
    if !known.is_empty() {
        return Ok(known);
    }
    // `cdk synth` names a construct by its path (`Stack/Events/Resource`): its own name reads
    // better than the hashed logical id.
    let path = t
        .resource(id)
        .and_then(|r| r.get("Metadata"))
        .and_then(|m| m.get("aws:cdk:path"))
        .and_then(Node::as_str);
    let construct = path.and_then(|p| {
        let parts: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
        match parts.as_slice() {
            [.., name, "Resource"] if parts.len() > 2 => Some(*name),
            [_, .., name] => Some(*name),
            _ => None,
        }
    });
    Ok(construct.unwrap_or(id).to_string())
}

/// `name` without its `${...}` placeholders and the separators they leave at its ends:
/// `${AWS::StackName}-billing` is `billing`; empty when nothing of it is known.
fn resolvable_part(name: &str) -> String {
    let mut out = String::new();
    let mut rest = name;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        match rest[i..].find('}') {
            Some(end) => rest = &rest[i + end + 1..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out.trim_matches(|c: char| "-_.:/ ".contains(c)).to_string()
}

pub(super) fn kinesis(t: &Template, id: &str, p: &mut Props, from: String) -> R<Stream> {
    let shards = p.int("ShardCount", 1..=100_000)?;
    let retention_hours = p.int("RetentionPeriodHours", 24..=8760)?;
    let on_demand = match p.map("StreamModeDetails")? {
        Some(m) => match m.get("StreamMode").map(|n| &n.v) {
            Some(Val::Str(s)) if s == "ON_DEMAND" => {
                Some(Sourced::new(true, p.from("StreamModeDetails.StreamMode")))
            }
            Some(Val::Str(s)) if s == "PROVISIONED" => {
                Some(Sourced::new(false, p.from("StreamModeDetails.StreamMode")))
            }
            Some(Val::Unknown(_)) | None => None,
            Some(_) => {
                let n = m.get("StreamMode").unwrap_or(m);
                return Err(p.err(
                    n,
                    "StreamModeDetails.StreamMode",
                    "expected ON_DEMAND or PROVISIONED",
                ));
            }
        },
        None => None,
    };
    Ok(Stream {
        kind: StreamKind::Kinesis,
        name: t.physical_name(id)?,
        label: label(t, id)?,
        shards,
        on_demand,
        retention_hours,
        from,
    })
}

pub(super) fn dynamodb(
    t: &Template,
    id: &str,
    p: &mut Props,
    from: String,
    global: bool,
) -> R<Option<Stream>> {
    let Some(spec) = p.map("StreamSpecification")? else {
        return Ok(None);
    };
    if spec
        .get("StreamEnabled")
        .is_some_and(|e| e.v == Val::Bool(false))
    {
        return Ok(None);
    }
    if global {
        p.warnings.push(format!(
            "{from}: a global table has one stream per replica Region; the model reads this Region's only"
        ));
    }
    Ok(Some(Stream::dynamo(
        t.physical_name(id)?,
        label(t, id)?,
        from,
    )))
}

/// An `AWS::Lambda::EventSourceMapping`; `Err` says why it has no source to join (a String:
/// not a failure but the reason the resource is listed as outside the model).
pub(super) fn mapping(
    p: &mut Props,
    id: String,
    from: String,
    service: Service,
) -> R<Result<Mapping, String>> {
    let source = match p.link("EventSourceArn")? {
        Ok(s) => s,
        Err(why) => return Ok(Err(why)),
    };
    let mut m = Mapping::new(service, id, source, from);
    m.function = p.string("FunctionName")?;
    esm::read(p, &mut m, &esm::PASCAL)?;
    esm::unmodelled(p, &mut m);
    Ok(Ok(m))
}

pub(super) fn function(t: &Template, id: &str, p: &mut Props, from: String) -> R<Function> {
    p.get("FunctionName");
    let (reserved, off) = p.reserved("ReservedConcurrentExecutions", 0)?;
    let memory_mb = p.int("MemorySize", 128..=10_240)?;
    let timeout_s = p.int("Timeout", 1..=900)?;
    Ok(Function {
        name: t.physical_name(id)?,
        label: label(t, id)?,
        memory_mb,
        timeout_s,
        reserved,
        off,
        unresolved: p.unresolved_as(&[("memory_mb", "MemorySize"), ("timeout", "Timeout")]),
        from,
    })
}

/// An `AWS::Pipes::Pipe`; `Err` says why it has no source to join (a reason, as for [`mapping`]).
pub(super) fn pipe(
    t: &Template,
    id: &str,
    p: &mut Props,
    from: String,
) -> R<Result<Mapping, String>> {
    let source = match p.link("Source")? {
        Ok(s) => s,
        Err(why) => return Ok(Err(why)),
    };
    let mut m = Mapping::new(Service::Pipe, format!("{}, {id}", p.shown), source, from);
    m.name = Some(label(t, id)?);
    m.function = p.string("Target")?;
    if let Some(state) = p.string("DesiredState")? {
        m.enabled = Some(Sourced::new(state.v != "STOPPED", state.from));
    }
    if let Some(sp) = p.map("SourceParameters")? {
        let shown = p.shown;
        let resource = p.resource;
        let base = p.path.clone();
        let file = p.file;
        let mut warnings = Vec::new();
        let mut collected = Vec::new();
        let mut outer = Props::new(
            file,
            shown,
            resource,
            sp,
            format!("{base}.SourceParameters"),
            &mut warnings,
        );
        for key in ["KinesisStreamParameters", "DynamoDBStreamParameters"] {
            if let Some(params) = outer.map(key)? {
                let res = format!("{resource}, SourceParameters.{key}");
                let mut w2 = Vec::new();
                let mut inner = Props::new(
                    file,
                    shown,
                    &res,
                    params,
                    format!("{base}.SourceParameters.{key}"),
                    &mut w2,
                );
                esm::read(&mut inner, &mut m, &esm::PASCAL)?;
                if let Some(dl) = inner.map("DeadLetterConfig")? {
                    if let Some(arn) = dl.get("Arn").and_then(Node::as_str) {
                        m.destination = Some(Sourced::new(
                            arn.to_string(),
                            inner.from("DeadLetterConfig.Arn"),
                        ));
                    }
                }
                esm::unmodelled(&inner, &mut m);
                drop(inner);
                collected.append(&mut w2);
            }
        }
        let mut rest = Mapping::new(
            Service::Pipe,
            String::new(),
            Sourced::new(String::new(), ""),
            String::new(),
        );
        esm::unmodelled(&outer, &mut rest);
        m.unmodelled.append(&mut rest.unmodelled);
        drop(outer);
        p.warnings.append(&mut warnings);
        p.warnings.append(&mut collected);
    }
    for key in p.unread() {
        if key == "Enrichment" {
            m.unmodelled.push(format!(
                "{}: Enrichment is not modelled: sim assumes the enrichment step adds no time",
                p.from(&key)
            ));
        }
    }
    Ok(Ok(m))
}
