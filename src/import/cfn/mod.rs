//! CloudFormation templates (JSON or YAML, as written by hand, by SAM or by `cdk synth`) read
//! into the architecture: Kinesis streams and their enhanced fan-out consumers, DynamoDB tables
//! with a stream, event source mappings, functions, pipes. Every other resource is listed as
//! outside the model.

mod conditions;
mod intrinsic;
mod resources;
mod sam;

use super::arch::{Arch, EfoConsumer, Service};
use super::doc::{Node, Val};
use super::error::ImportError;
use super::props::Props;
pub(crate) use intrinsic::Template;
use resources::{display_id, dynamodb, function, kinesis, mapping, pipe};
use std::path::Path;

type R<T> = Result<T, ImportError>;

/// Whether `root` looks like a template.
pub(crate) fn is_template(root: &Node) -> bool {
    root.get("Resources").is_some() || root.get("AWSTemplateFormatVersion").is_some()
}

/// Reads the template `root` of `file` (shown as `shown`) into `arch`.
pub(crate) fn read(file: &Path, shown: &str, root: &Node, arch: &mut Arch) -> R<()> {
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
    let mut globals: Option<Node> = None;
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
        // CDK's record of the library versions used: no part of the architecture.
        if ty == "AWS::CDK::Metadata" {
            continue;
        }
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
                match p.link("StreamARN")? {
                    Ok(stream) => arch.efo.push(EfoConsumer {
                        name,
                        stream: stream.v,
                        from,
                    }),
                    Err(why) => arch
                        .outside
                        .push(format!("{from}: {why}, so no stream to join it to")),
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
                    Ok(m) => arch.mappings.push(m),
                    Err(why) => arch.outside.push(format!("{from}: {why}")),
                }
            }
            "AWS::Lambda::Function" => arch.functions.push(function(&t, id, &mut p, from)?),
            "AWS::Serverless::Function" => {
                if !sam {
                    p.warnings.push(format!("{from}: a SAM resource in a template without `Transform: AWS::Serverless-2016-10-31`"));
                }
                if globals.is_none() {
                    globals = Some(sam::globals(&t, root)?);
                }
                let g = globals.as_ref().unwrap_or(&props);
                let f = sam::function(&t, id, &mut p, g, from, arch)?;
                arch.functions.push(f);
            }
            "AWS::Pipes::Pipe" => match pipe(&t, id, &mut p, from.clone())? {
                Ok(m) => arch.mappings.push(m),
                Err(why) => arch.outside.push(format!("{from}: {why}")),
            },
            _ => arch.outside.push(format!(
                "{from}: not a stream, stream consumer, mapping, function or pipe"
            )),
        }
        arch.warnings.append(&mut warnings);
    }
    Ok(())
}
