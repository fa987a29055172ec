//! The parts read from every file joined into one architecture: the same stream or function
//! described twice (a template and the CLI, a table and its stream) becomes one, each mapping
//! finds its stream (by ARN or name) and its function, and each reader gets the model's name.

use super::arch::{Arch, Function, Mapping, Service, Sourced, Stream, StreamKind};
use std::collections::{HashMap, HashSet};

/// What an ARN (or a name) points at.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Target {
    Stream(StreamKind, String),
    /// An enhanced fan-out consumer: the stream's name and the consumer's.
    Efo(String, String),
    Function(String),
    /// Another service: its name in the ARN.
    Other(String),
    /// Not an ARN.
    Unknown,
}

/// Reads an ARN; `${AWS::Region}`-style placeholders left by templates are accepted.
pub(crate) fn target(arn: &str) -> Target {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() < 6 || parts[0] != "arn" {
        return Target::Unknown;
    }
    // Placeholders such as ${AWS::Region} hold colons: re-split after the service.
    let service = parts[2];
    let resource = match arn
        .find(":stream/")
        .or_else(|| arn.find(":table/"))
        .or_else(|| arn.find(":function:"))
    {
        Some(i) => &arn[i + 1..],
        None => parts[5],
    };
    match service {
        "kinesis" => {
            let Some(rest) = resource.strip_prefix("stream/") else {
                return Target::Other("kinesis".into());
            };
            match rest.split_once("/consumer/") {
                Some((stream, consumer)) => {
                    let name = consumer.rsplit_once(':').map_or(consumer, |(n, _)| n);
                    Target::Efo(stream.to_string(), name.to_string())
                }
                None => Target::Stream(StreamKind::Kinesis, rest.to_string()),
            }
        }
        "dynamodb" => match resource
            .strip_prefix("table/")
            .and_then(|r| r.split_once("/stream/"))
        {
            Some((table, _)) => Target::Stream(StreamKind::Dynamo, table.to_string()),
            None => Target::Other("dynamodb table (not its stream)".into()),
        },
        "lambda" => match resource.strip_prefix("function:") {
            Some(f) => Target::Function(before_qualifier(f).to_string()),
            None => Target::Other("lambda".into()),
        },
        other => Target::Other(other.to_string()),
    }
}

/// A function named by a mapping: a name, `name:alias`, a partial or a full ARN.
fn function_name(s: &str) -> String {
    match target(s) {
        Target::Function(n) => n,
        _ => match s.split_once(":function:") {
            Some((_, f)) => before_qualifier(f).to_string(),
            None => before_qualifier(s).to_string(),
        },
    }
}

/// `s` up to its first `:` outside a `${...}` placeholder: a function's name without its alias
/// or version (a template's `${AWS::StackName}-billing` keeps its colons).
fn before_qualifier(s: &str) -> &str {
    let mut depth = 0usize;
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'{' if i > 0 && b[i - 1] == b'$' => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            b':' if depth == 0 => return &s[..i],
            _ => {}
        }
    }
    s
}

/// One reader of the model.
#[derive(Debug)]
pub(crate) struct Reader {
    pub label: String,
    /// Index into [`Joined::streams`].
    pub stream: usize,
    /// Where the enhanced fan-out consumer it reads through is declared, if it uses one.
    pub efo: Option<String>,
    pub mapping: Mapping,
    pub function: Option<Function>,
}

#[derive(Debug, Default)]
pub(crate) struct Joined {
    pub streams: Vec<Stream>,
    pub readers: Vec<Reader>,
    pub outside: Vec<String>,
    pub warnings: Vec<String>,
    /// Why the import fails: a mapping reads into a function that cannot be a consumer.
    pub refused: Option<super::error::ImportError>,
}

pub(crate) fn join(arch: Arch) -> Joined {
    let mut j = Joined {
        outside: arch.outside,
        warnings: arch.warnings,
        ..Joined::default()
    };
    for s in arch.streams {
        match j
            .streams
            .iter_mut()
            .find(|x| x.kind == s.kind && x.name == s.name)
        {
            Some(x) => {
                let w = &mut j.warnings;
                let what = format!("stream `{}`", crate::input::clip(&x.label));
                merge(&what, "shards", &mut x.shards, s.shards, w);
                merge(&what, "on demand", &mut x.on_demand, s.on_demand, w);
                merge(
                    &what,
                    "retention hours",
                    &mut x.retention_hours,
                    s.retention_hours,
                    w,
                );
            }
            None => j.streams.push(s),
        }
    }
    let mut functions: Vec<Function> = Vec::new();
    for f in arch.functions {
        match functions.iter_mut().find(|x| x.name == f.name) {
            Some(x) => {
                let w = &mut j.warnings;
                let what = format!("function `{}`", crate::input::clip(&x.label));
                merge(&what, "memory (MB)", &mut x.memory_mb, f.memory_mb, w);
                merge(&what, "timeout (s)", &mut x.timeout_s, f.timeout_s, w);
                merge(
                    &what,
                    "reserved concurrency",
                    &mut x.reserved,
                    f.reserved,
                    w,
                );
            }
            None => functions.push(f),
        }
    }
    let mut used = vec![false; functions.len()];
    let mut seen_ids: HashSet<String> = HashSet::new();
    for m in arch.mappings {
        if !seen_ids.insert(m.id.clone()) {
            continue;
        }
        if m.enabled.as_ref().is_some_and(|e| !e.v) {
            j.outside.push(format!(
                "{}: disabled ({}), so it reads nothing",
                m.from,
                m.enabled.as_ref().map_or("", |e| e.from.as_str())
            ));
            continue;
        }
        let (kind, stream_name, efo) = match target(&m.source.v) {
            Target::Stream(kind, name) => (kind, name, None),
            Target::Efo(stream, consumer) => {
                let decl = arch
                    .efo
                    .iter()
                    .find(|c| c.name == consumer && matches!(target(&c.stream), Target::Stream(_, s) | Target::Efo(s, _) if s == stream))
                    .map_or_else(|| m.source.from.clone(), |c| c.from.clone());
                (
                    StreamKind::Kinesis,
                    stream,
                    Some(format!("consumer `{consumer}`: {decl}")),
                )
            }
            Target::Other(service) => {
                j.outside.push(format!(
                    "{}: reads from {service} (`{}`), not a stream sim models",
                    m.from,
                    crate::input::clip(&m.source.v)
                ));
                continue;
            }
            Target::Function(_) | Target::Unknown => {
                j.outside.push(format!(
                    "{}: its source `{}` is not the ARN of a stream",
                    m.from,
                    crate::input::clip(&m.source.v)
                ));
                continue;
            }
        };
        let stream = match j
            .streams
            .iter()
            .position(|s| s.kind == kind && s.name == stream_name)
        {
            Some(i) => i,
            None => {
                j.warnings.push(format!(
                    "{}: the stream `{stream_name}` it reads is described in none of the files; imported with placeholder settings",
                    m.source.from
                ));
                j.streams.push(Stream {
                    kind,
                    label: stream_name.clone(),
                    name: stream_name,
                    shards: None,
                    on_demand: None,
                    retention_hours: None,
                    from: m.source.from.clone(),
                });
                j.streams.len() - 1
            }
        };
        let function = match &m.function {
            Some(f) => match (m.service, target(&f.v)) {
                (Service::Pipe, Target::Other(_)) => None,
                _ => {
                    let name = function_name(&f.v);
                    let found = functions
                        .iter()
                        .position(|x| x.name == f.v)
                        .or_else(|| functions.iter().position(|x| x.name == name));
                    match found {
                        Some(i) => {
                            used[i] = true;
                            if let Some(e) = &functions[i].off {
                                j.refused.get_or_insert_with(|| e.clone());
                            }
                            Some(functions[i].clone())
                        }
                        None => {
                            j.warnings.push(format!(
                                "{}: the function `{name}` is described in none of the files; its memory and timeout are Lambda's defaults",
                                f.from
                            ));
                            Some(Function {
                                label: name.clone(),
                                name,
                                memory_mb: None,
                                timeout_s: None,
                                reserved: None,
                                off: None,
                                unresolved: vec![],
                                from: f.from.clone(),
                            })
                        }
                    }
                }
            },
            None => None,
        };
        // Lambda refuses a second mapping of one function to one source: the same mapping read
        // from two files (a template and the CLI's output of its stack) is one reader.
        let same = j.readers.iter().position(|r| {
            m.service == Service::Lambda
                && r.mapping.service == Service::Lambda
                && r.stream == stream
                && efo_name(&r.mapping) == efo_name(&m)
                && r.function.as_ref().map(|f| &f.name) == function.as_ref().map(|f| &f.name)
                && function.is_some()
        });
        if let Some(i) = same {
            merge_mapping(&mut j.readers[i].mapping, m, &mut j.warnings);
            continue;
        }
        let base = match (&m.name, &function) {
            (Some(n), _) => n.clone(),
            (None, Some(f)) => f.label.clone(),
            (None, None) => "reader".to_string(),
        };
        j.readers.push(Reader {
            label: sanitize(&base),
            stream,
            efo,
            mapping: m,
            function,
        });
    }
    for (f, used) in functions.iter().zip(used) {
        if !used {
            j.outside
                .push(format!("{}: a function no stream mapping invokes", f.from));
        }
    }
    name_readers(&mut j);
    j
}

/// The enhanced fan-out consumer a mapping reads through, if any.
fn efo_name(m: &Mapping) -> Option<String> {
    match target(&m.source.v) {
        Target::Efo(_, consumer) => Some(consumer),
        _ => None,
    }
}

/// A value two sources both give: the first kept; a second that differs is told, with both
/// sources; one only the second gives is taken.
fn merge<T: PartialEq + std::fmt::Display>(
    owner: &str,
    what: &str,
    kept: &mut Option<Sourced<T>>,
    other: Option<Sourced<T>>,
    warnings: &mut Vec<String>,
) {
    match (kept.as_ref(), other) {
        (Some(a), Some(b)) if a.v == b.v => {}
        // A template's `${AWS::Region}` stands for what the CLI's output spells out.
        (Some(a), Some(b))
            if agree(&a.v.to_string(), &b.v.to_string()) && a.v.to_string().contains("${") =>
        {
            *kept = Some(b);
        }
        (Some(a), Some(b)) if agree(&a.v.to_string(), &b.v.to_string()) => {}
        (Some(a), Some(b)) => warnings.push(format!(
            "{owner}: the files disagree on its {what}: {} in {}, {} in {}; the model uses {} (the first file given)",
            crate::input::clip(&a.v.to_string()),
            a.from,
            crate::input::clip(&b.v.to_string()),
            b.from,
            crate::input::clip(&a.v.to_string()),
        )),
        (None, Some(b)) => *kept = Some(b),
        _ => {}
    }
}

/// Whether two values read the same once the `${...}` placeholders one of them holds (values
/// known only when deployed) stand for any text.
fn agree(a: &str, b: &str) -> bool {
    match (a.contains("${"), b.contains("${")) {
        (true, false) => fits(a, b),
        (false, true) => fits(b, a),
        _ => a == b,
    }
}

/// Whether `text` is `pattern` with each `${...}` replaced by some text.
fn fits(pattern: &str, text: &str) -> bool {
    let mut pieces = Vec::new();
    let mut rest = pattern;
    while let Some(i) = rest.find("${") {
        pieces.push(&rest[..i]);
        rest = rest[i..].find('}').map_or("", |e| &rest[i + e + 1..]);
    }
    let last = rest;
    let Some(first) = pieces.first() else {
        return pattern == text;
    };
    let Some(mut left) = text.strip_prefix(first) else {
        return false;
    };
    for piece in &pieces[1..] {
        match left.find(piece) {
            Some(i) => left = &left[i + piece.len()..],
            None => return false,
        }
    }
    left.len() >= last.len() && left.ends_with(last)
}

/// The same mapping described by a second file merged into the first's.
fn merge_mapping(kept: &mut Mapping, other: Mapping, w: &mut Vec<String>) {
    let owner = format!("the mapping {} (also {})", kept.from, other.from);
    merge(
        &owner,
        "BatchSize",
        &mut kept.batch_size,
        other.batch_size,
        w,
    );
    merge(
        &owner,
        "batching window (s)",
        &mut kept.window_s,
        other.window_s,
        w,
    );
    merge(
        &owner,
        "ParallelizationFactor",
        &mut kept.parallelization,
        other.parallelization,
        w,
    );
    merge(
        &owner,
        "StartingPosition",
        &mut kept.starting_position,
        other.starting_position,
        w,
    );
    merge(
        &owner,
        "BisectBatchOnFunctionError",
        &mut kept.bisect,
        other.bisect,
        w,
    );
    merge(
        &owner,
        "MaximumRetryAttempts",
        &mut kept.retries,
        other.retries,
        w,
    );
    merge(
        &owner,
        "MaximumRecordAgeInSeconds",
        &mut kept.max_age_s,
        other.max_age_s,
        w,
    );
    merge(
        &owner,
        "on-failure destination",
        &mut kept.destination,
        other.destination,
        w,
    );
    if kept.unmodelled.is_empty() {
        kept.unmodelled = other.unmodelled;
    }
}

/// Gives every stream and reader a unique model name: a function with several mappings gets the
/// stream's name after its own; names that still clash get `-2`, `-3`, ...
fn name_readers(j: &mut Joined) {
    // Streams first (a table and a Kinesis stream may share a name): the readers' names use them.
    let mut stream_names: HashSet<String> = HashSet::new();
    for s in &mut j.streams {
        let base = sanitize(&s.label);
        let mut name = base.clone();
        let mut k = 2;
        while !stream_names.insert(name.clone()) {
            name = format!("{base}-{k}");
            k += 1;
        }
        s.label = name;
    }
    let mut count: HashMap<String, usize> = HashMap::new();
    for r in &j.readers {
        *count.entry(r.label.clone()).or_default() += 1;
    }
    for r in &mut j.readers {
        if count[&r.label] > 1 {
            r.label = sanitize(&format!("{}-{}", r.label, j.streams[r.stream].label));
        }
    }
    let mut taken: HashSet<String> = HashSet::new();
    let mut next: HashMap<String, usize> = HashMap::new();
    for r in &mut j.readers {
        let mut name = r.label.clone();
        while taken.contains(&name) {
            let k = next.entry(r.label.clone()).or_insert(2);
            name = format!("{}-{k}", r.label);
            *k += 1;
        }
        taken.insert(name.clone());
        r.label = name;
    }
}

/// A name the model's keys and `--set` paths accept: letters, digits, `-` and `_`.
pub(crate) fn sanitize(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_string();
    let s: String = s.chars().take(64).collect();
    if s.is_empty() {
        "unnamed".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_name_what_they_point_at() {
        assert_eq!(
            target("arn:aws:kinesis:eu-west-1:123456789012:stream/orders"),
            Target::Stream(StreamKind::Kinesis, "orders".into())
        );
        assert_eq!(
            target("arn:aws:kinesis:${AWS::Region}:${AWS::AccountId}:stream/orders/consumer/audit:1700000000"),
            Target::Efo("orders".into(), "audit".into())
        );
        assert_eq!(
            target("arn:aws:dynamodb:us-east-1:1:table/customers/stream/2024-01-01T00:00:00.000"),
            Target::Stream(StreamKind::Dynamo, "customers".into())
        );
        assert_eq!(
            target("arn:aws:lambda:r:1:function:billing:live"),
            Target::Function("billing".into())
        );
        assert_eq!(target("arn:aws:sqs:r:1:queue"), Target::Other("sqs".into()));
        assert_eq!(target("${Queue.Arn}"), Target::Unknown);
        assert_eq!(function_name("billing:live"), "billing");
        assert_eq!(function_name("123456789012:function:billing"), "billing");
        assert!(agree(
            "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:q",
            "arn:aws:sqs:eu-west-1:123456789012:q"
        ));
        assert!(!agree(
            "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:q",
            "arn:aws:sqs:eu-west-1:123456789012:other"
        ));
        assert!(!agree("4", "9"));
        assert_eq!(
            function_name("${AWS::StackName}-billing:live"),
            "${AWS::StackName}-billing"
        );
        assert_eq!(
            target("arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${AWS::StackName}-billing"),
            Target::Function("${AWS::StackName}-billing".into())
        );
    }
}
