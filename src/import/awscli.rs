//! The account as the AWS CLI prints it (`--output json`): `aws kinesis describe-stream-summary`
//! (and `describe-stream`), `list-stream-consumers` (and `describe-stream-consumer`),
//! `aws lambda list-event-source-mappings` (and `get-event-source-mapping`),
//! `get-function-configuration` (and `get-function`, `list-functions`), `aws dynamodb
//! describe-table`, and `aws dynamodbstreams describe-stream` for a table stream's shards.

use super::arch::{
    replicas_warning, Arch, EfoConsumer, Function, Mapping, Service, Sourced, Stream, StreamKind,
};
use super::doc::{Node, Val};
use super::error::ImportError;
use super::esm;
use super::props::Props;
use std::path::Path;

type R<T> = Result<T, ImportError>;

/// The top-level keys that say which command printed a file.
const KEYS: &[&str] = &[
    "StreamDescriptionSummary",
    "StreamDescription",
    "Consumers",
    "ConsumerDescription",
    "EventSourceMappings",
    "Table",
    "Functions",
    "Configuration",
];

pub(crate) fn is_cli_output(root: &Node) -> bool {
    KEYS.iter().any(|k| root.get(k).is_some())
        || root.get("UUID").is_some()
        || (root.get("FunctionName").is_some() && root.get("FunctionArn").is_some())
}

pub(crate) fn read(file: &Path, shown: &str, root: &Node, arch: &mut Arch) -> R<()> {
    let mut warnings = Vec::new();
    let mut ctx = Ctx {
        file,
        shown,
        warnings: &mut warnings,
    };
    if let Some(s) = root.get("StreamDescriptionSummary") {
        ctx.kinesis(s, "StreamDescriptionSummary", arch, false)?;
    }
    if let Some(s) = root.get("StreamDescription") {
        if s.get("StreamArn").is_some() && s.get("TableName").is_some() {
            ctx.dynamodb_stream(s, arch)?;
        } else {
            ctx.kinesis(s, "StreamDescription", arch, true)?;
        }
    }
    for (i, c) in root
        .get("Consumers")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        ctx.consumer(c, &format!("Consumers[{i}]"), arch)?;
    }
    if let Some(c) = root.get("ConsumerDescription") {
        ctx.consumer(c, "ConsumerDescription", arch)?;
    }
    if let Some(list) = root.get("EventSourceMappings") {
        expect_list(file, list, "EventSourceMappings")?;
        for (i, m) in list.items().iter().enumerate() {
            ctx.mapping(m, &format!("EventSourceMappings[{i}]"), arch)?;
        }
    } else if root.get("UUID").is_some() {
        ctx.mapping(root, "", arch)?;
    }
    if let Some(list) = root.get("Functions") {
        expect_list(file, list, "Functions")?;
        for (i, f) in list.items().iter().enumerate() {
            ctx.function(f, &format!("Functions[{i}]"), None, arch)?;
        }
    } else if let Some(c) = root.get("Configuration") {
        let reserved = root
            .get("Concurrency")
            .and_then(|c| c.get("ReservedConcurrentExecutions"));
        ctx.function(c, "Configuration", reserved, arch)?;
    } else if root.get("FunctionArn").is_some() {
        ctx.function(root, "", None, arch)?;
    }
    if let Some(t) = root.get("Table") {
        ctx.table(t, arch)?;
    }
    arch.warnings.append(&mut warnings);
    Ok(())
}

fn expect_list(file: &Path, n: &Node, key: &str) -> R<()> {
    match n.v {
        Val::List(_) => Ok(()),
        _ => Err(ImportError::at(
            file,
            n.at,
            key,
            format!("expected a list, found {}", n.kind()),
        )),
    }
}

struct Ctx<'a> {
    file: &'a Path,
    shown: &'a str,
    warnings: &'a mut Vec<String>,
}

impl Ctx<'_> {
    fn need_map(&self, n: &Node, path: &str) -> R<()> {
        if n.is_map() {
            Ok(())
        } else {
            Err(ImportError::at(
                self.file,
                n.at,
                path,
                format!("expected a map, found {}", n.kind()),
            ))
        }
    }

    fn kinesis(&mut self, s: &Node, path: &str, arch: &mut Arch, count_shards: bool) -> R<()> {
        self.need_map(s, path)?;
        let name = s
            .get("StreamName")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string();
        let mut p = Props::new(self.file, self.shown, &name, s, path.into(), self.warnings);
        let name = required(&mut p, "StreamName")?.v;
        let shards = if count_shards {
            let open = s
                .get("Shards")
                .map(Node::items)
                .unwrap_or(&[])
                .iter()
                .filter(|sh| open_shard(sh))
                .count();
            Some(Sourced::new(open as i64, p.from("Shards (open shards)")))
        } else {
            p.int("OpenShardCount", 0..=100_000)?
        };
        let mode = s
            .get("StreamModeDetails")
            .and_then(|m| m.get("StreamMode"))
            .and_then(Node::as_str);
        let on_demand =
            mode.map(|m| Sourced::new(m == "ON_DEMAND", p.from("StreamModeDetails.StreamMode")));
        let retention_hours = p.int("RetentionPeriodHours", 24..=8760)?;
        arch.streams.push(Stream {
            kind: StreamKind::Kinesis,
            label: name.clone(),
            name: name.clone(),
            shards: shards.filter(|s| s.v > 0),
            on_demand,
            retention_hours,
            from: format!(
                "{}, {name} (aws kinesis {})",
                self.shown,
                if count_shards {
                    "describe-stream"
                } else {
                    "describe-stream-summary"
                }
            ),
        });
        Ok(())
    }

    fn dynamodb_stream(&mut self, s: &Node, arch: &mut Arch) -> R<()> {
        let table = s
            .get("TableName")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string();
        let open = s
            .get("Shards")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .filter(|sh| open_shard(sh))
            .count();
        arch.streams.push(Stream {
            kind: StreamKind::Dynamo,
            label: table.clone(),
            name: table.clone(),
            shards: (open > 0).then(|| {
                Sourced::new(
                    open as i64,
                    format!("{}, {table}, Shards (open shards)", self.shown),
                )
            }),
            on_demand: None,
            retention_hours: None,
            from: format!(
                "{}, {table} (aws dynamodbstreams describe-stream)",
                self.shown
            ),
        });
        Ok(())
    }

    fn consumer(&mut self, c: &Node, path: &str, arch: &mut Arch) -> R<()> {
        self.need_map(c, path)?;
        let mut p = Props::new(self.file, self.shown, "", c, path.into(), self.warnings);
        let name = required(&mut p, "ConsumerName")?.v;
        let arn = required(&mut p, "ConsumerARN")?.v;
        arch.efo.push(EfoConsumer {
            name: name.clone(),
            stream: arn,
            from: format!("{}, {name} (aws kinesis list-stream-consumers)", self.shown),
        });
        Ok(())
    }

    fn mapping(&mut self, m: &Node, path: &str, arch: &mut Arch) -> R<()> {
        self.need_map(m, path)?;
        let uuid = m
            .get("UUID")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string();
        let mut p = Props::new(self.file, self.shown, &uuid, m, path.into(), self.warnings);
        p.get("UUID");
        let source = required(&mut p, "EventSourceArn")?;
        let from = format!("{}, {uuid} (aws lambda event source mapping)", self.shown);
        let mut map = Mapping::new(Service::Lambda, uuid.clone(), source, from);
        map.function = p.string("FunctionArn")?;
        if let Some(state) = p.string("State")? {
            let on = !matches!(state.v.as_str(), "Disabled" | "Disabling");
            map.enabled = Some(Sourced::new(on, state.from));
        }
        esm::read(&mut p, &mut map, &esm::PASCAL)?;
        esm::unmodelled(&p, &mut map);
        arch.mappings.push(map);
        Ok(())
    }

    fn function(
        &mut self,
        f: &Node,
        path: &str,
        reserved: Option<&Node>,
        arch: &mut Arch,
    ) -> R<()> {
        self.need_map(f, path)?;
        let name = f
            .get("FunctionName")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string();
        let mut p = Props::new(self.file, self.shown, &name, f, path.into(), self.warnings);
        let name = required(&mut p, "FunctionName")?.v;
        let memory_mb = p.int("MemorySize", 128..=10_240)?;
        let timeout_s = p.int("Timeout", 1..=900)?;
        let off = reserved
            .filter(|n| matches!(&n.v, Val::Num(t) if t.parse::<i64>() == Ok(0)))
            .map(|n| {
                ImportError::at(
                    self.file,
                    n.at,
                    "Concurrency.ReservedConcurrentExecutions",
                    crate::import::props::ZERO_RESERVED,
                )
            });
        let reserved = match reserved {
            Some(n) => match &n.v {
                Val::Num(t) => t
                    .parse::<i64>()
                    .ok()
                    .filter(|v| (1..=100_000).contains(v))
                    .map(|v| {
                        Sourced::new(
                            v,
                            format!(
                                "{}, {name}, Concurrency.ReservedConcurrentExecutions",
                                self.shown
                            ),
                        )
                    }),
                _ => None,
            },
            None => None,
        };
        arch.functions.push(Function {
            label: name.clone(),
            name: name.clone(),
            memory_mb,
            timeout_s,
            reserved,
            off,
            unresolved: vec![],
            from: format!("{}, {name} (aws lambda function configuration)", self.shown),
        });
        Ok(())
    }

    fn table(&mut self, t: &Node, arch: &mut Arch) -> R<()> {
        self.need_map(t, "Table")?;
        let mut p = Props::new(self.file, self.shown, "", t, "Table".into(), self.warnings);
        let name = required(&mut p, "TableName")?.v;
        let enabled = t
            .get("StreamSpecification")
            .and_then(|s| s.get("StreamEnabled"))
            .is_some_and(|e| e.v == Val::Bool(true));
        let from = format!("{}, {name} (aws dynamodb describe-table)", self.shown);
        if !enabled {
            arch.outside.push(format!(
                "{from}: its stream is not enabled, so no stream to read"
            ));
            return Ok(());
        }
        if t.get("Replicas").is_some_and(|r| !r.items().is_empty()) {
            p.warnings.push(replicas_warning(&from));
        }
        arch.streams.push(Stream::dynamo(name.clone(), name, from));
        Ok(())
    }
}

/// A shard still open: its sequence number range has no end.
fn open_shard(shard: &Node) -> bool {
    shard.get("SequenceNumberRange").is_none_or(|r| {
        r.get("EndingSequenceNumber")
            .is_none_or(|e| e.v == Val::Null)
    })
}

/// A string the command always prints.
fn required(p: &mut Props, key: &str) -> R<Sourced<String>> {
    match p.string(key)? {
        Some(v) => Ok(v),
        None => Err(ImportError::at(
            p.file,
            p.node.at,
            p.path.clone(),
            format!("expected `{key}`, a string"),
        )),
    }
}
