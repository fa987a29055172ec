//! Terraform's `terraform show -json`, of a plan (`planned_values`, with `configuration` for the
//! attributes known only after apply) or of a state (`values`), root module and child modules:
//! `aws_kinesis_stream`, `aws_kinesis_stream_consumer`, `aws_dynamodb_table` with
//! `stream_enabled`, `aws_lambda_event_source_mapping`, `aws_lambda_function`, `aws_pipes_pipe`.

use super::arch::{
    replicas_warning, Arch, EfoConsumer, Function, Mapping, Service, Sourced, Stream, StreamKind,
};
use super::doc::Node;
use super::error::ImportError;
use super::esm;
use super::props::Props;
use std::collections::HashMap;
use std::path::Path;

type R<T> = Result<T, ImportError>;

pub(crate) fn is_terraform(root: &Node) -> bool {
    root.get("format_version").is_some()
        && [
            "planned_values",
            "values",
            "resource_changes",
            "terraform_version",
        ]
        .iter()
        .any(|k| root.get(k).is_some())
}

/// One resource instance, where it is in the file.
struct Res<'a> {
    address: String,
    ty: String,
    values: &'a Node,
    path: String,
}

struct Plan<'a> {
    resources: Vec<Res<'a>>,
    /// Index into `resources` by address without instance keys.
    by_address: HashMap<String, usize>,
    /// The configuration's resources by full address (`module.a.aws_x.y`).
    config: HashMap<String, &'a Node>,
}

pub(crate) fn read(file: &Path, shown: &str, root: &Node, arch: &mut Arch) -> R<()> {
    let (module, base) = match (root.get("planned_values"), root.get("values")) {
        (Some(p), _) => (p.get("root_module"), "planned_values.root_module"),
        (None, Some(v)) => (v.get("root_module"), "values.root_module"),
        (None, None) => (None, ""),
    };
    let mut plan = Plan {
        resources: vec![],
        by_address: HashMap::new(),
        config: HashMap::new(),
    };
    if let Some(m) = root.get("configuration").and_then(|c| c.get("root_module")) {
        index_config(m, String::new(), &mut plan.config, 0);
    }
    match module {
        Some(m) => collect(
            file,
            m,
            base.to_string(),
            &mut plan.resources,
            arch,
            shown,
            0,
        )?,
        None => {
            arch.warnings.push(format!(
                "{shown}: no planned_values or values.root_module: an empty plan or state"
            ));
            return Ok(());
        }
    }
    for (i, r) in plan.resources.iter().enumerate() {
        plan.by_address
            .entry(strip_index(&r.address).to_string())
            .or_insert(i);
    }
    for r in &plan.resources {
        let mut warnings = Vec::new();
        let from = format!("{shown}, {} ({})", r.address, r.ty);
        let mut p = Props::new(
            file,
            shown,
            &r.address,
            r.values,
            format!("{}.values", r.path),
            &mut warnings,
        );
        match r.ty.as_str() {
            "aws_kinesis_stream" => {
                let name = p
                    .string("name")?
                    .map(|s| s.v)
                    .unwrap_or_else(|| r.address.clone());
                let shards = p.int("shard_count", 0..=100_000)?.filter(|s| s.v > 0);
                let retention_hours = p.int("retention_period", 24..=8760)?;
                let mode =
                    esm::one_block(p.get("stream_mode_details")).and_then(|m| m.get("stream_mode"));
                let on_demand = mode.and_then(Node::as_str).map(|m| {
                    Sourced::new(m == "ON_DEMAND", p.from("stream_mode_details.stream_mode"))
                });
                arch.streams.push(Stream {
                    kind: StreamKind::Kinesis,
                    label: name.clone(),
                    name,
                    shards,
                    on_demand,
                    retention_hours,
                    from,
                });
            }
            "aws_kinesis_stream_consumer" => {
                let name = p
                    .string("name")?
                    .map(|s| s.v)
                    .unwrap_or_else(|| r.address.clone());
                match plan.attr(r, "stream_arn", 0) {
                    Some(stream) => arch.efo.push(EfoConsumer { name, stream, from }),
                    None => arch
                        .outside
                        .push(format!("{from}: its stream_arn is not known")),
                }
            }
            "aws_dynamodb_table" => {
                let name = p
                    .string("name")?
                    .map(|s| s.v)
                    .unwrap_or_else(|| r.address.clone());
                if p.bool("stream_enabled")?.is_some_and(|e| e.v) {
                    if p.get("replica").is_some_and(|n| !n.items().is_empty()) {
                        p.warnings.push(replicas_warning(&from));
                    }
                    arch.streams.push(Stream::dynamo(name.clone(), name, from));
                } else {
                    arch.outside.push(format!(
                        "{from}: stream_enabled is not true, so no stream to read"
                    ));
                }
            }
            "aws_lambda_event_source_mapping" => {
                p.get("event_source_arn");
                p.get("function_name");
                let Some(source) = plan.attr(r, "event_source_arn", 0) else {
                    arch.outside
                        .push(format!("{from}: its event_source_arn is not known"));
                    continue;
                };
                let id = match r.values.get("uuid").and_then(Node::as_str) {
                    Some(u) => u.to_string(),
                    None => format!("{shown}, {}", r.address),
                };
                let mut m = Mapping::new(
                    Service::Lambda,
                    id,
                    Sourced::new(source, p.from("event_source_arn")),
                    from,
                );
                m.function = plan
                    .attr(r, "function_name", 0)
                    .or_else(|| plan.attr(r, "function_arn", 0))
                    .map(|f| Sourced::new(f, p.from("function_name")));
                p.get("function_arn");
                p.get("state");
                esm::read(&mut p, &mut m, &esm::SNAKE)?;
                esm::unmodelled(&p, &mut m);
                arch.mappings.push(m);
            }
            "aws_lambda_function" => {
                let name = p
                    .string("function_name")?
                    .map(|s| s.v)
                    .unwrap_or_else(|| r.address.clone());
                let (reserved, off) = p.reserved("reserved_concurrent_executions", -1)?;
                let memory_mb = p.int("memory_size", 128..=10_240)?;
                let timeout_s = p.int("timeout", 1..=900)?;
                arch.functions.push(Function {
                    label: name.clone(),
                    name,
                    memory_mb,
                    timeout_s,
                    reserved: reserved.filter(|r| r.v >= 0),
                    off,
                    unresolved: vec![],
                    from,
                });
            }
            "aws_pipes_pipe" => {
                let Some(source) = plan.attr(r, "source", 0) else {
                    arch.outside
                        .push(format!("{from}: its source is not known"));
                    continue;
                };
                let name = p
                    .string("name")?
                    .map(|s| s.v)
                    .unwrap_or_else(|| r.address.clone());
                let mut m = Mapping::new(
                    Service::Pipe,
                    format!("{shown}, {}", r.address),
                    Sourced::new(source, p.from("source")),
                    from,
                );
                m.name = Some(name);
                m.function = plan
                    .attr(r, "target", 0)
                    .map(|t| Sourced::new(t, p.from("target")));
                if let Some(state) = p.string("desired_state")? {
                    m.enabled = Some(Sourced::new(state.v != "STOPPED", state.from));
                }
                if let Some(sp) = esm::one_block(p.get("source_parameters")) {
                    for key in ["kinesis_stream_parameters", "dynamodb_stream_parameters"] {
                        let Some(params) = esm::one_block(sp.get(key)) else {
                            continue;
                        };
                        let res = format!("{}, source_parameters.{key}", r.address);
                        let mut w = Vec::new();
                        let mut inner = Props::new(
                            file,
                            shown,
                            &res,
                            params,
                            format!("{}.values.source_parameters.{key}", r.path),
                            &mut w,
                        );
                        esm::read(&mut inner, &mut m, &esm::SNAKE)?;
                        let dl = esm::one_block(inner.get("dead_letter_config"))
                            .and_then(|d| d.get("arn"))
                            .and_then(Node::as_str);
                        if let Some(arn) = dl {
                            m.destination = Some(Sourced::new(
                                arn.to_string(),
                                inner.from("dead_letter_config.arn"),
                            ));
                        }
                        esm::unmodelled(&inner, &mut m);
                        drop(inner);
                        p.warnings.append(&mut w);
                    }
                    if sp
                        .get("filter_criteria")
                        .is_some_and(|f| !f.items().is_empty())
                    {
                        m.unmodelled.push(format!(
                            "{}: filter_criteria is not modelled: {}",
                            p.from("source_parameters.filter_criteria"),
                            super::arch::unmodelled_assumption("FilterCriteria").unwrap_or("")
                        ));
                    }
                }
                arch.mappings.push(m);
            }
            _ => arch.outside.push(format!(
                "{from}: not a stream, stream consumer, mapping, function or pipe"
            )),
        }
        arch.warnings.append(&mut warnings);
    }
    Ok(())
}

/// Collects the managed resources of `module` and its child modules.
fn collect<'a>(
    file: &Path,
    module: &'a Node,
    path: String,
    out: &mut Vec<Res<'a>>,
    arch: &mut Arch,
    shown: &str,
    depth: usize,
) -> R<()> {
    if depth > 32 {
        return Err(ImportError::at(
            file,
            module.at,
            path,
            "child modules nested more than 32 deep",
        ));
    }
    for (i, r) in module
        .get("resources")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        let rpath = format!("{path}.resources[{i}]");
        let (Some(address), Some(ty)) = (
            r.get("address").and_then(Node::as_str),
            r.get("type").and_then(Node::as_str),
        ) else {
            return Err(ImportError::at(
                file,
                r.at,
                rpath,
                "expected a resource with `address` and `type`",
            ));
        };
        if r.get("mode").and_then(Node::as_str) == Some("data") {
            arch.outside.push(format!("{shown}, {address}: a data source, read by Terraform, not part of the architecture"));
            continue;
        }
        let Some(values) = r.get("values").filter(|v| v.is_map()) else {
            return Err(ImportError::at(
                file,
                r.at,
                rpath,
                "expected `values`, a map of the resource's attributes",
            ));
        };
        out.push(Res {
            address: address.to_string(),
            ty: ty.to_string(),
            values,
            path: rpath,
        });
    }
    for (i, child) in module
        .get("child_modules")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        collect(
            file,
            child,
            format!("{path}.child_modules[{i}]"),
            out,
            arch,
            shown,
            depth + 1,
        )?;
    }
    Ok(())
}

impl Plan<'_> {
    /// The value of attribute `attr` of `r`: as planned or stored, or, when known only after
    /// apply, built from the resource its configuration refers to.
    fn attr(&self, r: &Res, attr: &str, depth: usize) -> Option<String> {
        if let Some(s) = r.values.get(attr).and_then(Node::as_str) {
            return Some(s.to_string());
        }
        if depth > 8 {
            return None;
        }
        let (module, local) = split_module(strip_index(&r.address));
        let target = self.reference(&module, &local, attr)?;
        let res = self
            .resources
            .iter()
            .find(|x| strip_index(&x.address) == target.0)?;
        self.synth(res, &target.1, depth + 1)
    }

    /// The address and attribute the configuration's expression for `attr` refers to.
    fn reference(&self, module: &[String], local: &str, attr: &str) -> Option<(String, String)> {
        let prefix: String = module.iter().map(|c| format!("module.{c}.")).collect();
        let res = self.config.get(&format!("{prefix}{local}"))?;
        let refs = res.get("expressions")?.get(attr)?.get("references")?;
        // The most precise reference comes first ("aws_kinesis_stream.orders.arn", then
        // "aws_kinesis_stream.orders").
        refs.items().iter().filter_map(Node::as_str).find_map(|r| {
            let parts: Vec<&str> = r.split('.').collect();
            (parts.len() >= 3 && parts[0].starts_with("aws_")).then(|| {
                (
                    format!("{prefix}{}.{}", parts[0], parts[1]),
                    parts[2..].join("."),
                )
            })
        })
    }

    /// The ARN or name attribute `attr` of `r` stands for, from its known name.
    fn synth(&self, r: &Res, attr: &str, depth: usize) -> Option<String> {
        if let Some(s) = r.values.get(attr).and_then(Node::as_str) {
            return Some(s.to_string());
        }
        let region = "${AWS::Region}:${AWS::AccountId}";
        let name = |k: &str| r.values.get(k).and_then(Node::as_str).map(str::to_string);
        Some(match (r.ty.as_str(), attr) {
            ("aws_kinesis_stream", "arn" | "id") => {
                format!("arn:aws:kinesis:{region}:stream/{}", name("name")?)
            }
            ("aws_kinesis_stream", "name") => name("name")?,
            ("aws_dynamodb_table", "stream_arn") => format!(
                "arn:aws:dynamodb:{region}:table/{}/stream/latest",
                name("name")?
            ),
            ("aws_kinesis_stream_consumer", "arn" | "id") => {
                let stream = self.attr(r, "stream_arn", depth)?;
                format!("{stream}/consumer/{}:0", name("name")?)
            }
            ("aws_lambda_function", "arn" | "qualified_arn" | "invoke_arn") => {
                format!(
                    "arn:aws:lambda:{region}:function:{}",
                    name("function_name")?
                )
            }
            ("aws_lambda_function", "function_name" | "id") => name("function_name")?,
            _ => return None,
        })
    }
}

/// Indexes the resources of a configuration module and of the modules it calls.
fn index_config<'a>(
    m: &'a Node,
    prefix: String,
    out: &mut HashMap<String, &'a Node>,
    depth: usize,
) {
    if depth > 32 {
        return;
    }
    for r in m.get("resources").map(Node::items).unwrap_or(&[]) {
        if let Some(a) = r.get("address").and_then(Node::as_str) {
            out.entry(format!("{prefix}{a}")).or_insert(r);
        }
    }
    for (name, _, call) in m.get("module_calls").map(Node::entries).unwrap_or(&[]) {
        if let Some(module) = call.get("module") {
            index_config(module, format!("{prefix}module.{name}."), out, depth + 1);
        }
    }
}

/// `module.a.module.b.aws_x.y` → (["a", "b"], "aws_x.y").
fn split_module(address: &str) -> (Vec<String>, String) {
    let mut modules = Vec::new();
    let mut rest = address;
    while let Some(r) = rest.strip_prefix("module.") {
        let (name, tail) = r.split_once('.').unwrap_or((r, ""));
        modules.push(strip_index(name).to_string());
        rest = tail;
    }
    (modules, rest.to_string())
}

/// An address without its instance keys: `aws_x.y[0]` → `aws_x.y`.
fn strip_index(address: &str) -> &str {
    match address.rfind('[') {
        Some(i) if address.ends_with(']') && !address[i..].contains('.') => &address[..i],
        _ => address,
    }
}
