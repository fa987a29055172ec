//! `sim teach`: the runs behind the teaching page. For every value of an experiment's readers axis
//! and every stream kind (DynamoDB Streams, Kinesis with standard reads, Kinesis with enhanced
//! fan-out), one shard is simulated with the call trace of `sim timeline`, sampled at a fixed step,
//! and turned into the plain data the page animates (`teach_page.rs` draws it).

use crate::config::{error_at, ConfigError, Override};
use crate::engine::time::{format_duration, SEC};
use crate::engine::Nanos;
use crate::experiment::Experiment;
use crate::model::run::simulate_trace;
use crate::model::spec::{Backoff, ModelSpec, ReadMode};
use crate::model::world::{CallOutcome, Trace};
use serde_json::{json, Value};

/// The stream kinds the page switches between: id, label, stream kind and read mode as a model
/// file spells them.
pub(crate) const KINDS: [(&str, &str, &str, &str); 3] = [
    ("dynamodb", "DynamoDB Streams", "dynamodb-streams", "shared"),
    ("kinesis", "Kinesis, standard reads", "kinesis", "shared"),
    ("efo", "Kinesis, enhanced fan-out", "kinesis", "efo"),
];

/// What to simulate: the window on shard 0 and the sampling step.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Window {
    pub at: Nanos,
    pub length: Nanos,
    pub step: Nanos,
}

/// The axis of `exp` that counts readers: the first whose path is `consumers.NAME.count`, with
/// NAME. A located error otherwise, or when it has a value that is not a whole number.
pub(crate) fn readers_axis(exp: &Experiment) -> Result<(usize, String), ConfigError> {
    let found = exp.axes.iter().position(|a| {
        let parts: Vec<&str> = a.path.split('.').collect();
        parts.len() == 3 && parts[0] == "consumers" && parts[2] == "count"
    });
    let Some(i) = found else {
        let names: Vec<String> = exp.axes.iter().map(|a| format!("`{}`", a.path)).collect();
        let had = if names.is_empty() {
            "it has no axes".to_string()
        } else {
            format!("its axes are {}", names.join(", "))
        };
        return Err(error_at(
            &exp.path,
            &exp.text,
            "axes",
            format!(
                "sim teach needs a readers axis, `path = \"consumers.NAME.count\"` (as in \
                 experiments/two-reader-rule.toml); {had}"
            ),
        ));
    };
    let axis = &exp.axes[i];
    if let Some(v) = axis.values.iter().find(|v| v.as_f64().is_none()) {
        return Err(error_at(
            &exp.path,
            &exp.text,
            &format!("axes.{i}.values"),
            format!(
                "the readers axis `{}` has the value {}, not a number of readers",
                axis.path,
                v.display()
            ),
        ));
    }
    let name = axis.path.split('.').nth(1).unwrap_or_default().to_string();
    Ok((i, name))
}

/// The point where the readers axis has its `v`-th value and every other axis its first.
fn point_of(exp: &Experiment, axis: usize, v: usize) -> usize {
    exp.points
        .iter()
        .position(|p| {
            exp.axes.iter().enumerate().all(|(i, a)| {
                let want = if i == axis { v } else { 0 };
                p.values[i].1 == a.values[want]
            })
        })
        .expect("every combination of axis values is a point")
}

/// The consumers of `spec` that the readers axis names (`NAME`, or `NAME-1`, `NAME-2`, ...).
fn is_reader(name: &str, base: &str) -> bool {
    name == base
        || name
            .strip_prefix(base)
            .and_then(|r| r.strip_prefix('-'))
            .is_some_and(|n| n.parse::<u32>().is_ok())
}

/// Runs every readers value under every stream kind and returns the page's data.
pub(crate) fn data(exp: &Experiment, w: Window) -> Result<Value, ConfigError> {
    let (axis, base) = readers_axis(exp)?;
    let first = exp.spec(point_of(exp, axis, 0), 0);
    let stream = first
        .consumers
        .iter()
        .find(|c| is_reader(&c.name, &base))
        .map(|c| c.stream)
        .unwrap_or(0);
    let stream_key = first.streams[stream].name.clone();
    if w.at.saturating_add(w.length) > first.duration {
        return Err(error_at(
            &exp.path,
            &exp.text,
            "duration",
            format!(
                "the window ({} from {}) ends after the runs do ({})",
                format_duration(w.length),
                format_duration(w.at),
                format_duration(first.duration)
            ),
        ));
    }
    let mut runs = serde_json::Map::new();
    for (id, _, kind, read) in KINDS {
        let set = [
            Override::parse(&format!("streams.{stream_key}.kind={kind}")),
            Override::parse(&format!("consumers.{base}.read={read}")),
        ];
        let set: Vec<Override> = set
            .into_iter()
            .collect::<Result<_, _>>()
            .map_err(|m| error_at(&exp.path, &exp.text, &exp.axes[axis].path, m.to_string()))?;
        let mut list = Vec::new();
        for v in 0..exp.axes[axis].values.len() {
            let p = point_of(exp, axis, v);
            list.push(match exp.spec_with(p, 0, &set) {
                Ok(spec) => one_run(&spec, stream, &base, w),
                Err(e) => json!({ "error": e.to_string() }),
            });
        }
        runs.insert(id.to_string(), Value::Array(list));
    }
    let others: Vec<String> = exp
        .axes
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != axis)
        .map(|(_, a)| format!("{} = {}", a.label, a.values[0].display()))
        .collect();
    Ok(json!({
        "experiment": exp.name,
        "description": exp.description,
        "file": exp.path.display().to_string(),
        "axis": {
            "path": exp.axes[axis].path,
            "label": exp.axes[axis].label,
            "values": exp.axes[axis].values.iter().map(|v| v.as_f64()).collect::<Vec<_>>(),
        },
        "others": others,
        "stream": stream_key,
        "window": { "at_s": w.at as f64 / SEC as f64, "length_s": w.length as f64 / SEC as f64,
                    "step_ms": w.step as f64 / 1e6 },
        "kinds": KINDS.iter().map(|k| json!({"id": k.0, "label": k.1})).collect::<Vec<_>>(),
        "runs": runs,
    }))
}

/// Milliseconds since the window's start, to 0.1 ms.
fn ms(t: Nanos, from: Nanos) -> f64 {
    ((t as f64 - from as f64) / 1e5).round() / 10.0
}

/// One run's trace as the page's data: its lanes, calls, samples and parameters.
fn one_run(spec: &ModelSpec, stream: usize, base: &str, w: Window) -> Value {
    let trace = simulate_trace(
        spec,
        Trace {
            stream,
            shard: 0,
            from: w.at,
            to: w.at + w.length,
            every: w.step,
            ..Default::default()
        },
    );
    let lanes: Vec<usize> = (0..spec.consumers.len())
        .filter(|&i| spec.consumers[i].stream == stream)
        .collect();
    let lane_of = |ci: usize| lanes.iter().position(|&l| l == ci);
    let mut calls = Vec::new();
    for (k, &(t, ci, outcome)) in trace.calls.iter().enumerate() {
        let Some(lane) = lane_of(ci) else { continue };
        let (code, n) = match outcome {
            CallOutcome::Records(n) => (0, n),
            CallOutcome::Empty => (1, 0),
            CallOutcome::Throttled => (2, 0),
        };
        let age = trace.read_ages.get(k).copied().flatten();
        calls.push(json!([ms(t, w.at), lane, code, n, age.map(|a| ms(a, 0))]));
    }
    for &(t, ci, n, age) in &trace.pushes {
        if let Some(lane) = lane_of(ci) {
            calls.push(json!([ms(t, w.at), lane, 3, n, ms(age, 0)]));
        }
    }
    calls.sort_by(|a, b| a[0].as_f64().partial_cmp(&b[0].as_f64()).expect("finite"));
    let base_written = trace.samples.first().map_or(0, |s| s.written);
    let mut read = vec![Vec::new(); lanes.len()];
    let mut behind = vec![Vec::new(); lanes.len()];
    for s in &trace.samples {
        for r in &s.readers {
            if let Some(lane) = lane_of(r.consumer) {
                read[lane].push(r.read as i64 - base_written as i64);
                behind[lane].push(ms(r.behind, 0));
            }
        }
    }
    let readers = lanes
        .iter()
        .filter(|&&i| is_reader(&spec.consumers[i].name, base));
    json!({
        "readers": readers.count(),
        "seed": spec.seed,
        "lanes": lanes.iter().map(|&i| spec.consumers[i].name.clone()).collect::<Vec<_>>(),
        "limit": spec.streams[stream].limits.read_calls_per_s,
        "poll_ms": lanes.first().map(|&i| {
            let c = &spec.consumers[i];
            ms(c.idle_poll_interval.max(c.min_call_interval), 0)
        }),
        "shared": lanes.iter().map(|&i| spec.consumers[i].read.shares_call_budget()).collect::<Vec<_>>(),
        "params": params(spec, stream, &lanes),
        "calls": calls,
        "t": trace.samples.iter().map(|s| ms(s.t, w.at)).collect::<Vec<_>>(),
        "written": trace.samples.iter().map(|s| s.written - base_written).collect::<Vec<_>>(),
        "read": read,
        "behind": behind,
    })
}

/// The model and parameters a run shows, as (name, value) lines for people.
fn params(spec: &ModelSpec, stream: usize, lanes: &[usize]) -> Vec<(String, String)> {
    let s = &spec.streams[stream];
    let d = format_duration;
    let mut out = vec![
        ("model".to_string(), spec.name.clone()),
        (
            "stream".into(),
            format!(
                "{} ({}), {} shard(s); shard 0 shown",
                s.name,
                s.kind.label(),
                s.shards
            ),
        ),
        (
            "shared read limit per shard".into(),
            match s.limits.read_calls_per_s {
                Some(l) => format!(
                    "{l} GetRecords calls per second, all standard readers together; {} per call",
                    s.limits.max_records_per_call
                ),
                None => "none".into(),
            },
        ),
    ];
    let rate: f64 = spec
        .producers
        .iter()
        .filter(|p| p.stream == stream)
        .map(|p| p.rate)
        .sum();
    out.push((
        "records written".into(),
        format!("{rate} per second over the stream's {} shard(s)", s.shards),
    ));
    if let Some(&i) = lanes.first() {
        let c = &spec.consumers[i];
        let how = match c.read {
            ReadMode::Shared => format!(
                "GetRecords polling: once every {} when idle, again at once after a full read; \
                 at least {} between calls; after a throttle, back off {}",
                d(c.idle_poll_interval),
                d(c.min_call_interval),
                backoff(&c.throttle_backoff)
            ),
            ReadMode::Efo => format!(
                "enhanced fan-out: pushed over a dedicated {} B/s pipe per reader, no shared call \
                 budget",
                s.efo.bytes_per_s
            ),
        };
        out.push(("each reader".into(), how));
        out.push(("batch size".into(), c.batch_size.to_string()));
    }
    out.push(("seed".into(), spec.seed.to_string()));
    out
}

/// A backoff rule in words.
fn backoff(b: &Backoff) -> String {
    match b {
        Backoff::Fixed(t) => format!("{} each time", format_duration(*t)),
        Backoff::Exponential {
            initial,
            multiplier,
            max,
            jitter,
        } => format!(
            "from {}, times {multiplier} each time, at most {}, jitter {}",
            format_duration(*initial),
            format_duration(*max),
            format!("{jitter:?}").to_lowercase()
        ),
    }
}
