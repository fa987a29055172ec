//! Routers: consumers whose function writes each record on to output streams (or filters it out).

use super::{Event, ReaderId, World};
use crate::dist::binomial;
use crate::engine::rng::SimRng;
use crate::engine::{Nanos, Queue};
use crate::model::spec::ModelSpec;
use rand::Rng;

/// Records a router still has to write to one shard of an output stream.
#[derive(Clone, Debug)]
pub(super) struct RoutedWrite {
    stream: u32,
    shard: u32,
    count: u64,
    bytes: u64,
    origin_first: Nanos,
    origin_last: Nanos,
}

/// Per stream: how many routers lie upstream of it on the longest path (routes form no loop).
pub fn stream_depths(spec: &ModelSpec) -> Vec<u32> {
    let mut depth = vec![0u32; spec.streams.len()];
    // Relax along every route; a chain of k routers settles within k rounds.
    for _ in 0..spec.streams.len() {
        let mut changed = false;
        for c in &spec.consumers {
            for r in &c.routes {
                let d = depth[c.stream] + 1;
                if depth[r.stream] < d {
                    depth[r.stream] = d;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    depth
}

impl World<'_> {
    /// A router's successful batch: on the first call, splits its records among the output streams
    /// (each record to one route with the route's share, else filtered out) and their shards
    /// (evenly); then writes what is still unwritten. True when everything is written.
    pub(super) fn write_routes(
        &mut self,
        now: Nanos,
        r: ReaderId,
        lane: u16,
        q: &mut Queue<Event>,
    ) -> bool {
        let c = self.consumer(r);
        let rd = &mut self.readers[r];
        let l = &mut rd.lanes[lane as usize];
        if !l.routed {
            l.routed = true;
            let (a, b) = (l.start, l.end);
            let shard = &self.shards.slot(rd.stream, rd.shard).shard;
            let (log, h) = (shard.log(), &rd.hint);
            let n = b - a;
            let bytes = log.bytes_before(b, h) - log.bytes_before(a, h);
            let origin_first = shard.origin_ts(a, h);
            let origin_last = shard.origin_ts(b - 1, h);
            let m = &mut self.consumers[rd.consumer as usize].metrics;
            let (mut left, mut mass) = (n, 1.0f64);
            for route in &c.routes {
                let k = binomial(&mut rd.rng, left, (route.share / mass).min(1.0));
                left -= k;
                mass -= route.share;
                m.records_routed += k;
                // Open shards only: an on-demand output stream may have split.
                let open: Vec<u32> = self
                    .shards
                    .stream(route.stream)
                    .iter()
                    .enumerate()
                    .filter(|(_, x)| !x.shard.sealed())
                    .map(|(i, _)| i as u32)
                    .collect();
                for (i, count) in spread(&mut rd.rng, k, open.len() as u32) {
                    l.unwritten.push(RoutedWrite {
                        stream: route.stream as u32,
                        shard: open[i as usize],
                        count,
                        bytes: (bytes as u128 * count as u128 / n as u128) as u64,
                        origin_first,
                        origin_last,
                    });
                }
            }
            m.records_filtered += left;
        }
        let mut pending = std::mem::take(&mut self.readers[r].lanes[lane as usize].unwritten);
        let mut landed: Vec<(u32, u32)> = Vec::new();
        pending.retain_mut(|w| {
            let shard = &mut self.shards.slot_mut(w.stream, w.shard).shard;
            let done = shard.write_routed(now, w.count, w.bytes, w.origin_first, w.origin_last);
            if done > 0 {
                let bytes = (w.bytes as u128 * done as u128 / w.count as u128) as u64;
                w.count -= done;
                w.bytes -= bytes;
                landed.push((w.stream, w.shard));
            }
            w.count > 0
        });
        let all = pending.is_empty();
        self.readers[r].lanes[lane as usize].unwritten = pending;
        for (stream, shard) in landed {
            self.wake_readers(now, stream, shard, q);
        }
        all
    }
}

/// `k` records spread evenly at random over `shards` shards: `(shard, count)` for every shard that
/// gets at least one, in shard order.
fn spread(rng: &mut SimRng, k: u64, shards: u32) -> Vec<(u32, u64)> {
    if k == 0 {
        return Vec::new();
    }
    if shards == 1 {
        return vec![(0, k)];
    }
    if k < u64::from(shards) {
        let mut picks: Vec<u32> = (0..k).map(|_| rng.random_range(0..shards)).collect();
        picks.sort_unstable();
        let mut out: Vec<(u32, u64)> = Vec::new();
        for s in picks {
            match out.last_mut() {
                Some(last) if last.0 == s => last.1 += 1,
                _ => out.push((s, 1)),
            }
        }
        return out;
    }
    let mut left = k;
    let mut out = Vec::new();
    for s in 0..shards {
        let c = if s + 1 == shards {
            left
        } else {
            binomial(rng, left, 1.0 / f64::from(shards - s))
        };
        left -= c;
        if c > 0 {
            out.push((s, c));
        }
    }
    out
}
