//! `cargo bench`: the reference model, the event loop and the sweep (shortened versions of the
//! shipped models).
//!
//! Kept under two minutes in all (small samples, short measurement times). Throughput is in
//! events, so criterion prints events per second; docs/performance.md has the full-length figures.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::Rng;
use rayon::prelude::*;
use sim::config::{ModelFile, Override};
use sim::dist::{round_u64, Dist};
use sim::engine::{rng, Queue};
use sim::experiment::Experiment;
use sim::model::{simulate, ModelSpec};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

fn model(file: &str, sets: &[&str]) -> ModelSpec {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let overrides: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
    ModelFile::open(&path).unwrap().resolve(&overrides).unwrap()
}

fn bench_run(c: &mut Criterion, name: &str, spec: &ModelSpec, samples: usize) {
    let events = simulate(spec).unwrap().events;
    let mut g = c.benchmark_group("run");
    g.sample_size(samples)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(8))
        .throughput(Throughput::Elements(events));
    g.bench_function(name, |b| b.iter(|| simulate(black_box(spec)).unwrap()));
    g.finish();
}

fn event_loop(c: &mut Criterion) {
    // The model speed is compared on against an independent implementation (benches/reference.toml):
    // 10 shared readers falling behind, and 30 with nearly the whole hour unread.
    for n in [10, 30] {
        bench_run(
            c,
            &format!("reference-{n}-consumers-1h"),
            &model(
                "benches/reference.toml",
                &[&format!("consumers.fn.count={n}")],
            ),
            10,
        );
    }
    // The whole model: 4 shards, 10 shared pollers, 1 simulated hour (~224k events).
    bench_run(
        c,
        "kinesis-standard-1h",
        &model("models/kinesis-standard.toml", &[]),
        20,
    );
    bench_run(
        c,
        "scale-100-shards-5m",
        &model(
            "models/scale-100-shards.toml",
            &["duration=\"5m\"", "warmup=\"1m\""],
        ),
        10,
    );
    bench_run(
        c,
        "scale-1000-shards-efo-30s",
        &model(
            "models/scale-1000-shards-efo.toml",
            &["duration=\"30s\"", "warmup=\"10s\""],
        ),
        10,
    );
}

/// The hot-stream sweep as `sim sweep` runs it (every point in parallel on all cores), with one
/// replicate of 2 simulated minutes per point and no files written.
fn sweep(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/hot-stream.toml");
    let exp = Experiment::open(&path, Some(1)).unwrap();
    let specs: Vec<ModelSpec> = (0..exp.points.len())
        .map(|p| {
            let mut s = exp.spec(p, 0);
            s.duration = 120_000_000_000;
            s.warmup = 30_000_000_000;
            s
        })
        .collect();
    let run_all = || -> u64 { specs.par_iter().map(|s| simulate(s).unwrap().events).sum() };
    let events = run_all();
    let mut g = c.benchmark_group("sweep");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(events));
    g.bench_function("hot-stream-2m-1rep", |b| b.iter(run_all));
    g.finish();
}

/// The floor under one event: what any handler pays before its own logic. `queue-hold-N` is the
/// classic hold model (pop the earliest of N pending events, schedule it again a uniform random
/// delay of up to 1 s later): the queue work of one event in a run with N pending events (about 64
/// in kinesis-standard, tens of thousands at 1,000 shards); `lognormal-duration` is
/// one invocation's duration draw (a ziggurat normal and one `exp`), paid by every invocation.
fn floor(c: &mut Criterion) {
    const OPS: u64 = 100_000;
    let mut g = c.benchmark_group("floor");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(OPS));
    for pending in [64u32, 16_384] {
        g.bench_function(format!("queue-hold-{pending}"), |b| {
            let mut r = rng::stream(1, &[1]);
            let mut q: Queue<u32> = Queue::new();
            for i in 0..pending {
                q.schedule(r.random_range(1..1_000_000_000), i);
            }
            b.iter(|| {
                for _ in 0..OPS {
                    let (now, e) = q.pop_until(u64::MAX).expect("never empty");
                    q.schedule(now + r.random_range(1..1_000_000_000), black_box(e));
                }
            })
        });
    }
    g.bench_function("lognormal-duration", |b| {
        let mut r = rng::stream(1, &[2]);
        let d = Dist::lognormal_from_median_p99(40e6, 250e6).unwrap();
        b.iter(|| {
            let mut sum = 0u64;
            for _ in 0..OPS {
                sum = sum.wrapping_add(round_u64(d.sample(&mut r)));
            }
            black_box(sum)
        })
    });
    g.finish();
}

criterion_group!(benches, floor, event_loop, sweep);
criterion_main!(benches);
