//! CloudFormation templates (JSON or YAML, as written by hand, by SAM or by `cdk synth`) read
//! into the architecture: Kinesis streams and their enhanced fan-out consumers, DynamoDB tables
//! with a stream, event source mappings, functions, pipes. Every other resource is listed as
//! outside the model.

mod intrinsic;
mod sam;

use super::arch::{Arch, EfoConsumer, Function, Mapping, Service, Sourced, Stream, StreamKind};
use super::doc::{Node, Val};
use super::error::ImportError;
use super::esm;
use super::props::Props;
pub use intrinsic::Template;
use std::path::Path;

type R<T> = Result<T, ImportError>;

/// Whether `root` looks like a template.
pub fn is_template(root: &Node) -> bool {
    root.get("Resources").is_some() || root.get("AWSTemplateFormatVersion").is_some()
}

/// Reads the template `root` of `file` (shown as `shown`) into `arch`.
pub fn read(file: &Path, shown: &str, root: &Node, arch: &mut Arch) -> R<()> {
    let t = Template::new(file, root);
    let Some(resources) = root.get("Resources") else {
        return Err(ImportError::whole(
            file,
            "a template without `Resources`: expected a map of resources",
        ));
    };
    if !resources.is_map() {
        return Err(ImportError::at(
            file,
            resources.at,
            "Resources",
            format!("expected a map of resources, found {}", resources.kind()),
        ));
    }
    let sam = sam::is_sam(root);
    for (id, _, res) in resources.entries() {
        let key = format!("Resources.{id}");
        let Some(ty) = res.get("Type") else {
            return Err(ImportError::at(
                file,
                res.at,
                &key,
                "expected a map with `Type`",
            ));
        };
        let Some(ty) = ty.as_str() else {
            return Err(ImportError::at(
                file,
                ty.at,
                format!("{key}.Type"),
                format!("expected a resource type, found {}", ty.kind()),
            ));
        };
        if let Some(cond) = res.get("Condition") {
            let Some(name) = cond.as_str() else {
                return Err(ImportError::at(
                    file,
                    cond.at,
                    format!("{key}.Condition"),
                    "expected a condition's name",
                ));
            };
            match t.condition(name, cond.at, &format!("{key}.Condition"))? {
                Some(true) => {}
                Some(false) => {
                    arch.outside.push(format!("{shown}, {id} ({ty}): not created, its Condition `{name}` is false with the parameters' defaults"));
                    continue;
                }
                None => arch.warnings.push(format!(
                    "{shown}, {id}: its Condition `{name}` cannot be evaluated from the template; imported as if it holds"
                )),
            }
        }
        let props = match res.get("Properties") {
            Some(p) => t.value(p, &format!("{key}.Properties"))?,
            None => Node::new(Val::Map(vec![]), res.at),
        };
        if !props.is_map() && props.v != Val::Null {
            return Err(ImportError::at(
                file,
                props.at,
                format!("{key}.Properties"),
                format!("expected a map, found {}", props.kind()),
            ));
        }
        let shown_id = display_id(id, res);
        let mut warnings = Vec::new();
        let mut p = Props::new(
            file,
            shown,
            &shown_id,
            &props,
            format!("{key}.Properties"),
            &mut warnings,
        );
        let from = format!("{shown}, {shown_id} ({ty})");
        match ty {
            "AWS::Kinesis::Stream" => arch.streams.push(kinesis(&t, id, &mut p, from)?),
            "AWS::Kinesis::StreamConsumer" => {
                let name = t.physical_name(id)?;
                match p.string("StreamARN")? {
                    Some(stream) => arch.efo.push(EfoConsumer {
                        name,
                        stream: stream.v,
                        from,
                    }),
                    None => arch.outside.push(format!(
                        "{from}: its StreamARN is not resolved, so no stream to join it to"
                    )),
                }
            }
            "AWS::DynamoDB::Table" | "AWS::DynamoDB::GlobalTable" => {
                let global = ty.ends_with("GlobalTable");
                match dynamodb(&t, id, &mut p, from.clone(), global)? {
                    Some(s) => arch.streams.push(s),
                    None => arch.outside.push(format!(
                        "{from}: no StreamSpecification, so no stream to read"
                    )),
                }
            }
            "AWS::Lambda::EventSourceMapping" => {
                let id_text = format!("{shown}, {id}");
                match mapping(&mut p, id_text, from.clone(), Service::Lambda)? {
                    Some(m) => arch.mappings.push(m),
                    None => arch
                        .outside
                        .push(format!("{from}: its EventSourceArn is not resolved")),
                }
            }
            "AWS::Lambda::Function" => arch.functions.push(function(&t, id, &mut p, from)?),
            "AWS::Serverless::Function" => {
                if !sam {
                    p.warnings.push(format!("{from}: a SAM resource in a template without `Transform: AWS::Serverless-2016-10-31`"));
                }
                let globals = sam::globals(&t, root)?;
                let f = sam::function(&t, id, &mut p, &globals, from, arch)?;
                arch.functions.push(f);
            }
            "AWS::Pipes::Pipe" => match pipe(&t, id, &mut p, from.clone())? {
                Some(m) => arch.mappings.push(m),
                None => arch
                    .outside
                    .push(format!("{from}: its Source is not resolved")),
            },
            // CDK's record of the library versions used: no part of the architecture.
            "AWS::CDK::Metadata" => {}
            _ => arch.outside.push(format!(
                "{from}: not a stream, stream consumer, mapping, function or pipe"
            )),
        }
        arch.warnings.append(&mut warnings);
    }
    Ok(())
}

/// A resource as comments name it: its logical id, with the construct path `cdk synth` records.
fn display_id(id: &str, res: &Node) -> String {
    match res
        .get("Metadata")
        .and_then(|m| m.get("aws:cdk:path"))
        .and_then(Node::as_str)
    {
        Some(path) => format!("{id} [{}]", crate::input::clip(path)),
        None => id.to_string(),
    }
}

/// The model's name for a resource: its physical name if the template gives one, else its id.
fn label(t: &Template, id: &str) -> R<String> {
    let name = t.physical_name(id)?;
    Ok(if name.starts_with("${") {
        id.to_string()
    } else {
        name
    })
}

fn kinesis(t: &Template, id: &str, p: &mut Props, from: String) -> R<Stream> {
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

fn dynamodb(
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
    Ok(Some(Stream {
        kind: StreamKind::Dynamo,
        name: t.physical_name(id)?,
        label: label(t, id)?,
        shards: None,
        on_demand: None,
        retention_hours: None,
        from,
    }))
}

/// An `AWS::Lambda::EventSourceMapping`; `None` when its source is not resolved.
pub fn mapping(p: &mut Props, id: String, from: String, service: Service) -> R<Option<Mapping>> {
    let Some(source) = p.string("EventSourceArn")? else {
        return Ok(None);
    };
    let mut m = Mapping::new(service, id, source, from);
    m.function = p.string("FunctionName")?;
    esm::read(p, &mut m, &esm::PASCAL)?;
    esm::unmodelled(p, &mut m);
    Ok(Some(m))
}

pub fn function(t: &Template, id: &str, p: &mut Props, from: String) -> R<Function> {
    p.get("FunctionName");
    Ok(Function {
        name: t.physical_name(id)?,
        label: label(t, id)?,
        memory_mb: p.int("MemorySize", 128..=10_240)?,
        timeout_s: p.int("Timeout", 1..=900)?,
        reserved: p.int("ReservedConcurrentExecutions", 0..=100_000)?,
        from,
    })
}

fn pipe(t: &Template, id: &str, p: &mut Props, from: String) -> R<Option<Mapping>> {
    let Some(source) = p.string("Source")? else {
        return Ok(None);
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
    Ok(Some(m))
}
