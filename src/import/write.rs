//! The joined architecture written as a model file that `sim run` takes as it is: every value
//! with a comment saying where it came from (file, resource, property), Lambda's and Kinesis's
//! defaults said as such, and `PLACEHOLDER` on each value no file gives, with a warning.

use super::arch::{Service, Sourced, StreamKind};
use super::join::{Joined, Reader};
use super::opts::{toml_string, Given, Scoped};
use super::traffic::{relative, Ids};
use std::fmt::Write as _;
use std::path::Path;

/// Where a comment starts, so values and their sources line up.
const COMMENT_COLUMN: usize = 34;

struct Out<'a> {
    text: String,
    warnings: Vec<String>,
    /// The CloudWatch export named for traffic and durations, with the model's folder.
    export: Option<(&'a Ids, &'a Path)>,
}

impl Out<'_> {
    /// `{ from = ..., queries = ..., KEY = ID, ... }` naming the export, if there is one.
    fn export_table(&self, ids: &[(&str, &str)]) -> Option<String> {
        let (export, dir) = self.export?;
        let mut t = format!(
            "{{ from = {}, queries = {}",
            toml_string(&relative(dir, &export.result)),
            toml_string(&relative(dir, &export.queries))
        );
        for (k, v) in ids {
            t.push_str(&format!(", {k} = {}", toml_string(v)));
        }
        t.push_str(" }");
        Some(t)
    }

    /// When an export is given and has no `series` of `name`: `" (the CloudWatch export F has
    /// no SERIES `NAME`; it has: ...)"`, for a placeholder's warning; empty otherwise.
    fn lacks(
        &self,
        series: &str,
        name: &str,
        of: impl Fn(&Ids) -> &std::collections::HashMap<String, String>,
    ) -> String {
        let Some((e, _)) = self.export else {
            return String::new();
        };
        let map = of(e);
        if map.contains_key(name) {
            return String::new();
        }
        let mut has: Vec<String> = map
            .keys()
            .map(|k| format!("`{}`", crate::input::clip(k)))
            .collect();
        has.sort();
        let has = if has.is_empty() {
            "none".to_string()
        } else {
            has.join(", ")
        };
        format!(
            " (the CloudWatch export {} has no {series} `{}`; it has: {has})",
            e.result.display(),
            crate::input::clip(name)
        )
    }

    fn line(&mut self, key: &str, value: &str, from: &str) {
        let kv = format!("{key} = {value}");
        let pad = COMMENT_COLUMN.saturating_sub(kv.chars().count()).max(2);
        let _ = writeln!(self.text, "{kv}{}# {}", " ".repeat(pad), comment(from));
    }

    fn note(&mut self, text: &str) {
        let _ = writeln!(self.text, "# {}", comment(text));
    }

    /// A value no file gives: written, marked and warned about.
    fn placeholder(&mut self, key: &str, value: &str, why: &str, warning: String) {
        self.line(key, value, &format!("PLACEHOLDER: {why}"));
        self.warnings.push(warning);
    }
}

/// Text made safe for a one-line TOML comment.
fn comment(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    crate::input::clip_to(&s, 600).into_owned()
}

/// The model file, and the warnings about its placeholders.
pub(crate) fn model(
    j: &Joined,
    given: &Given,
    export: Option<&Ids>,
    model_dir: &Path,
    name: &str,
    sources: &[String],
) -> (String, Vec<String>) {
    let mut o = Out {
        text: String::new(),
        warnings: vec![],
        export: export.map(|e| (e, model_dir)),
    };
    o.note(&format!(
        "Imported by `sim import` from {}.",
        sources.join(", ")
    ));
    o.note(
        "Each value says where it came from. PLACEHOLDER marks a value none of the files gives:",
    );
    o.note("replace it with a measurement (or import again with --rate, --record-size, --function-duration).");
    o.text.push('\n');
    o.line(
        "name",
        &toml_string(name),
        "the model's name: names the output folder",
    );
    o.line("duration", "\"1h\"", "sim's default run length");
    o.line("warmup", "\"5m\"", "sim's default warm-up");
    o.line("seed", "1", "same seed, same results");
    for (i, s) in j.streams.iter().enumerate() {
        stream(&mut o, j, i);
        // One stream's traffic is simply "writes"; several are told apart by their stream.
        let producer_name = if j.streams.len() == 1 {
            "writes".to_string()
        } else {
            format!("{}-writes", s.label)
        };
        producer(&mut o, given, &producer_name, &s.label, &s.name, s.kind);
    }
    for r in &j.readers {
        consumer(&mut o, j, r, given);
    }
    if !j.outside.is_empty() {
        o.text.push('\n');
        o.note("Outside the model (read from the files, with no place in it):");
        for x in &j.outside {
            o.note(&format!("- {x}"));
        }
    }
    (o.text, o.warnings)
}

fn stream(o: &mut Out, j: &Joined, i: usize) {
    let s = &j.streams[i];
    let _ = writeln!(o.text, "\n[streams.{}]", s.label);
    match s.kind {
        StreamKind::Kinesis => {
            o.line("kind", "\"kinesis\"", &s.from);
            let on_demand = s.on_demand.as_ref().is_some_and(|d| d.v);
            if let Some(d) = s.on_demand.as_ref().filter(|d| d.v) {
                o.line("capacity", "\"on-demand\"", &d.from);
            }
            match (&s.shards, on_demand) {
                (Some(n), _) => o.line("shards", &n.v.to_string(), &n.from),
                (None, true) => {
                    o.note("shards: an on-demand stream starts with 4 and splits with its traffic")
                }
                (None, false) => o.placeholder(
                    "shards",
                    "1",
                    "no shard count in the files",
                    format!("{}: no shard count; `shards = 1` is a PLACEHOLDER", s.from),
                ),
            }
            match &s.retention_hours {
                Some(h) => o.line("retention", &toml_string(&format!("{}h", h.v)), &h.from),
                None => o.line(
                    "retention",
                    "\"24h\"",
                    "Kinesis's default: no retention period in the files",
                ),
            }
        }
        StreamKind::Dynamo => {
            o.line("kind", "\"dynamodb-streams\"", &s.from);
            match &s.shards {
                Some(n) => o.line("shards", &n.v.to_string(), &n.from),
                None => o.placeholder(
                    "shards",
                    "1",
                    "a table's stream has as many shards as the table has partitions; no file says how many",
                    format!(
                        "{}: the number of shards of a table's stream is in no template or describe-table output; `shards = 1` is a PLACEHOLDER (the output of `aws dynamodbstreams describe-stream` gives it)",
                        s.from
                    ),
                ),
            }
            o.line("retention", "\"24h\"", "fixed for DynamoDB Streams");
        }
    }
    if !j.readers.iter().any(|r| r.stream == i) {
        o.warnings
            .push(format!("{}: no reader of this stream in the files", s.from));
    }
}

fn producer(
    o: &mut Out,
    given: &Given,
    name: &str,
    stream: &str,
    physical: &str,
    kind: StreamKind,
) {
    let records = o.export.and_then(|(e, _)| e.records.get(physical));
    let bytes = o.export.and_then(|(e, _)| e.bytes.get(physical));
    let _ = writeln!(o.text, "\n[producers.{name}]");
    o.line(
        "stream",
        &toml_string(stream),
        "traffic is not in infrastructure code",
    );
    let what = if kind == StreamKind::Dynamo {
        "item changes"
    } else {
        "records"
    };
    let replayed = records.and_then(|id| o.export_table(&[("id", id)]));
    match (Given::find(&given.rate, stream), replayed) {
        (Some(r), replayed) => {
            o.line("rate", &r.toml, &format!("{what} per second, whole stream: {}", r.typed));
            if replayed.is_some() {
                o.warnings.push(format!("stream `{stream}`: `{}` wins over the CloudWatch export's IncomingRecords Sum, which is not used for its rate", r.typed));
            }
        }
        (None, Some(t)) => o.line("rate", &t, "replayed from the CloudWatch export's IncomingRecords Sum"),
        (None, None) => o.placeholder(
            "rate",
            "10.0",
            &format!("{what} per second, whole stream; give --rate"),
            format!("stream `{stream}`: no traffic given{}; `rate = 10.0` records/s is a PLACEHOLDER (--rate {stream}=N)", o.lacks("IncomingRecords Sum of stream", physical, |e| &e.records)),
        ),
    }
    let replayed = match (bytes, records) {
        (Some(b), Some(r)) => o.export_table(&[("bytes_id", b), ("records_id", r)]),
        _ => None,
    };
    let mut lacks_size = o.lacks("IncomingBytes Sum of stream", physical, |e| &e.bytes);
    if lacks_size.is_empty() {
        lacks_size = o.lacks("IncomingRecords Sum of stream", physical, |e| &e.records);
    }
    match (Given::find(&given.record_size, stream), replayed) {
        (Some(r), replayed) => {
            o.line("record_size", &r.toml, &r.typed);
            if replayed.is_some() {
                o.warnings.push(format!("stream `{stream}`: `{}` wins over the CloudWatch export's IncomingBytes and IncomingRecords, which are not used for its record size", r.typed));
            }
        }
        (None, Some(t)) => o.line("record_size", &t, "IncomingBytes over IncomingRecords in the CloudWatch export"),
        (None, None) => o.placeholder(
            "record_size",
            "\"1KiB\"",
            "give --record-size",
            format!("stream `{stream}`: no record size given{}; `record_size = \"1KiB\"` is a PLACEHOLDER (--record-size {stream}=SIZE)", lacks_size),
        ),
    }
}

/// Why `key` of a reader has `who`'s default: the file's value is not resolved (and why), or
/// `absent` when the files give none.
fn defaulted(unresolved: &[(&str, String)], key: &str, who: &str, absent: &str) -> String {
    match unresolved.iter().find(|(k, _)| *k == key) {
        Some((_, why)) => format!("{who}, because {why}"),
        None => format!("{who}: {absent}"),
    }
}

fn int_or(o: &mut Out, key: &str, v: &Option<Sourced<i64>>, default: &str, why: &str) {
    match v {
        Some(v) => o.line(key, &v.v.to_string(), &v.from),
        None => o.line(key, default, why),
    }
}

fn consumer(o: &mut Out, j: &Joined, r: &Reader, given: &Given) {
    let m = &r.mapping;
    let s = &j.streams[r.stream];
    let _ = writeln!(o.text, "\n[consumers.{}]", r.label);
    o.line("stream", &toml_string(&s.label), &m.source.from);
    let who = if m.service == Service::Pipe {
        "the pipe's default"
    } else {
        "Lambda's default"
    };
    if m.service == Service::Pipe {
        o.line("service", "\"pipe\"", &m.from);
    }
    match &r.efo {
        Some(decl) => o.line(
            "read",
            "\"efo\"",
            &format!("reads through enhanced fan-out {decl}"),
        ),
        None => o.line(
            "read",
            "\"shared\"",
            &format!("{}: standard polling (no stream consumer ARN)", m.from),
        ),
    }
    int_or(
        o,
        "batch_size",
        &m.batch_size,
        "100",
        &defaulted(
            &m.unresolved,
            "batch_size",
            who,
            "no batch size in the files",
        ),
    );
    match &m.window_s {
        Some(w) => o.line(
            "batching_window",
            &toml_string(&format!("{}s", w.v)),
            &w.from,
        ),
        None => o.line(
            "batching_window",
            "\"0s\"",
            &defaulted(&m.unresolved, "batching_window", who, "no batching window"),
        ),
    }
    int_or(
        o,
        "parallelization_factor",
        &m.parallelization,
        "1",
        &defaulted(
            &m.unresolved,
            "parallelization_factor",
            who,
            "no parallelization factor",
        ),
    );
    match &m.bisect {
        Some(b) => o.line("bisect_on_error", &b.v.to_string(), &b.from),
        None => o.line(
            "bisect_on_error",
            "false",
            &defaulted(
                &m.unresolved,
                "bisect_on_error",
                who,
                "no BisectBatchOnFunctionError",
            ),
        ),
    }
    int_or(
        o,
        "max_retry_attempts",
        &m.retries,
        "-1",
        &defaulted(
            &m.unresolved,
            "max_retry_attempts",
            who,
            "retry until the records expire",
        ),
    );
    if let Some(a) = &m.max_age_s {
        o.line(
            "max_record_age",
            &toml_string(&format!("{}s", a.v)),
            &a.from,
        );
    }
    if let Some(p) = &m.starting_position {
        o.note(&format!(
            "StartingPosition {} ({}): not modelled, every reader starts at the beginning of an empty stream",
            p.v, p.from
        ));
    }
    if let Some(d) = &m.destination {
        o.note(&format!(
            "On failure, discarded batches go to {} ({}): sim counts them as discarded",
            d.v, d.from
        ));
    }
    for u in &m.unmodelled {
        o.note(u);
        o.warnings.push(u.clone());
    }
    let _ = writeln!(o.text, "\n[consumers.{}.function]", r.label);
    let f = r.function.as_ref();
    let fname = f.map_or(r.label.as_str(), |f| f.label.as_str());
    if let Some(f) = f {
        o.note(&format!("function `{}`: {}", f.name, f.from));
    } else if let Some(t) = &m.function {
        o.note(&format!(
            "the pipe's target {} ({}) stands for the function",
            t.v, t.from
        ));
    }
    let (memory, timeout, reserved) = match f {
        Some(f) => (f.memory_mb.clone(), f.timeout_s.clone(), f.reserved.clone()),
        None => (None, None, None),
    };
    let unresolved = f.map_or(&[][..], |f| &f.unresolved[..]);
    int_or(
        o,
        "memory_mb",
        &memory,
        "128",
        &defaulted(
            unresolved,
            "memory_mb",
            "Lambda's default",
            "no memory size in the files",
        ),
    );
    match &timeout {
        Some(t) => o.line("timeout", &toml_string(&format!("{}s", t.v)), &t.from),
        None => o.line(
            "timeout",
            "\"3s\"",
            &defaulted(
                unresolved,
                "timeout",
                "Lambda's default",
                "no timeout in the files",
            ),
        ),
    }
    if let Some(r) = &reserved {
        o.line("reserved_concurrency", &r.v.to_string(), &r.from);
    }
    let found: Option<&Scoped> =
        Given::find(&given.duration, fname).or_else(|| Given::find(&given.duration, &r.label));
    let physical = f.map_or(fname, |f| f.name.as_str());
    let replayed = o
        .export
        .and_then(|(e, _)| match (e.p50.get(physical), e.p99.get(physical)) {
            (Some(a), Some(b)) => Some((a.clone(), b.clone())),
            _ => None,
        });
    let replayed = replayed.and_then(|(a, b)| o.export_table(&[("id", &a), ("p99_id", &b)]));
    match (found, replayed) {
        (Some(d), replayed) => {
            o.line("duration", &d.toml, &d.typed);
            if replayed.is_some() {
                o.warnings.push(format!("function `{fname}`: `{}` wins over the CloudWatch export's Duration p50 and p99, which are not used", d.typed));
            }
        }
        (None, Some(t)) => o.line(
            "duration",
            &t,
            "fitted to the CloudWatch export's Duration p50 and p99",
        ),
        (None, None) => {
            let why = match o
                .export
                .map(|(e, _)| (e.p50.contains_key(physical), e.p99.contains_key(physical)))
            {
                Some((false, _)) => o.lacks("Duration p50 of function", physical, |e| &e.p50),
                Some((true, _)) => o.lacks("Duration p99 of function", physical, |e| &e.p99),
                None => String::new(),
            };
            o.placeholder(
                "duration",
                "\"20ms\"",
                "time per invocation; give --function-duration",
                format!(
                    "function `{fname}`: no duration given{why}; `duration = \"20ms\"` is a PLACEHOLDER (--function-duration {fname}=P50,P99)"
                ),
            )
        }
    }
}
