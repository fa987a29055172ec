//! `sim timeline`: every GetRecords call of every reader of one shard over a short window, drawn
//! one row per reader with throttled calls marked and the per-shard limit shown.

use super::Result;
use crate::engine::time::SEC;
use crate::model::spec::ModelSpec;
use crate::model::world::{CallOutcome, Trace};
use crate::plot::{self, CallMark, Timeline, TimelineRow};
use std::path::Path;

/// Builds the picture of `trace` for `spec` and writes `<stem>.png` and `<stem>.svg`.
pub(crate) fn write(stem: &Path, spec: &ModelSpec, trace: &Trace) -> Result<()> {
    let s = &spec.streams[trace.stream];
    let secs = |t: u64| t as f64 / SEC as f64;
    let mut rows: Vec<TimelineRow> = spec
        .consumers
        .iter()
        .filter(|c| c.stream == trace.stream && c.read.shares_call_budget())
        .map(|c| TimelineRow {
            reader: c.name.clone(),
            calls: Vec::new(),
        })
        .collect();
    let names: Vec<&str> = spec.consumers.iter().map(|c| c.name.as_str()).collect();
    for &(t, ci, outcome) in &trace.calls {
        if let Some(row) = rows.iter_mut().find(|r| r.reader == names[ci]) {
            let mark = match outcome {
                CallOutcome::Records(n) => CallMark::Ok { records: n },
                CallOutcome::Empty => CallMark::Empty,
                CallOutcome::Throttled => CallMark::Throttled,
            };
            row.calls.push((secs(t), mark));
        }
    }
    let throttled = trace
        .calls
        .iter()
        .filter(|c| c.2 == CallOutcome::Throttled)
        .count();
    let limit = s
        .limits
        .read_calls_per_s
        .map_or("no call limit".to_string(), |l| {
            format!("{l} successful calls/s per shard, all readers")
        });
    let t = Timeline {
        title: format!(
            "{}, shard {}: {} GetRecords calls, {} throttled",
            spec.name,
            trace.shard,
            trace.calls.len(),
            throttled
        ),
        window_s: (secs(trace.from), secs(trace.to)),
        rows,
        limit_label: limit,
        in_flight: trace
            .in_flight
            .iter()
            .map(|&(t, n)| (secs(t), n as f64))
            .collect(),
    };
    Ok(plot::timeline(stem, &t)?)
}
