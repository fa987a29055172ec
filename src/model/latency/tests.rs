//! Unit tests of the latency measurement: the sampled percentiles and exact sums against counting
//! record by record.

use super::*;
use crate::engine::time::US;
use rand::{Rng, SeedableRng};

/// A log of `n` records, some written alone and some in multi-record chunks (when `chunks`).
fn log_of(rng: &mut impl Rng, n: u64, chunks: bool) -> ShardLog {
    let mut log = ShardLog::new();
    let mut t = 1_000_000;
    let mut written = 0;
    while written < n {
        t += match rng.random_range(0..10) {
            0 => rng.random_range(0..5_000_000_000),
            1 => 0,
            _ => rng.random_range(0..30_000_000),
        };
        let count = if chunks && rng.random_bool(0.3) {
            rng.random_range(2..40).min(n - written)
        } else {
            1
        };
        let span = if count > 1 {
            rng.random_range(0..50_000_000)
        } else {
            0
        };
        log.push(t, t + span, count, 100 * count);
        t += span;
        written += count;
    }
    log
}

#[test]
fn sampling_counts_every_kth_record_in_the_percentiles_and_all_of_them_in_mean_and_max() {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
    for round in 0..60 {
        let log = log_of(&mut rng, 400, round % 2 == 1);
        let h = Hint::default();
        let (a, b) = {
            let a = rng.random_range(0..399);
            (a, rng.random_range(a + 1..=400))
        };
        let mid = rng.random_range(a..=b);
        let fetched = log.ts_of(b - 1, &h) + rng.random_range(0..1_000_000_000);
        let at = fetched + rng.random_range(0..2_000_000_000);
        let every = 1 << (round % 6);
        // Two reads: `a..mid` fetched at `fetched`, `mid..b` a little later.
        let mut pending = Pending::default();
        pending.read(a, mid, Stages::read(fetched, fetched));
        pending.read(mid, b, Stages::read(fetched + 5, fetched + 5));
        let mut batch = Batch::default();
        pending.take_into(b, &mut batch);
        let mut m = LatencyMetrics::new(0, every);
        m.record(&mut batch, &log, &h, a, b, at, log.ts_sum_range(a, b, &h));
        let mut total = LatencyHistogram::default();
        let mut wait = LatencyHistogram::default();
        let mut parts = 0u128;
        for r in a..b {
            // A batch of one record takes its write time from the batch's sum (a chunked log's
            // sum and lookup may differ by its rounding, 1 ns).
            let t = match b - a {
                1 => log.ts_sum_range(a, b, &h) as Nanos,
                _ => log.ts_of(r, &h),
            };
            let f = if r < mid { fetched } else { fetched + 5 };
            if r % every == 0 {
                total.add(index_of((at - t) / US), 1);
                wait.add(index_of((f - t) / US), 1);
            }
            // The sums follow from the log's sum of write times (which a chunked log rounds as
            // its own), less the per-read parts for the wait.
            total.add_records(1, 0, at - t);
            wait.add_records(1, 0, f - t);
            parts += u128::from(at - f);
        }
        let total_ns = u128::from(b - a) * u128::from(at) - log.ts_sum_range(a, b, &h);
        total.add_records(0, total_ns, 0);
        wait.add_records(0, total_ns - parts, 0);
        assert_eq!(m.total, total, "round {round}: {a}..{b} every {every}");
        assert_eq!(m.wait, wait, "round {round}: {a}..{b} every {every}");
        assert_eq!(m.total.len(), b - a);
        assert_eq!(
            m.delivery.sampled(),
            b - a,
            "per-read parts count every record"
        );
    }
}

#[test]
fn a_batch_of_two_reads_counts_each_part_per_record_and_the_parts_sum_to_the_total() {
    let mut log = ShardLog::new();
    for i in 0..10u64 {
        log.push(i * 100_000_000, i * 100_000_000, 1, 10); // one record every 100 ms
    }
    let h = Hint::default();
    let mut pending = Pending::default();
    // Records 0..6 read at 0.55 s (a call, answered at once), 6..10 pushed at 0.95 s after 70 ms.
    pending.read(0, 6, Stages::read(550_000_000, 550_000_000));
    pending.read(6, 10, Stages::read(950_000_000, 1_020_000_000));
    let mut batch = Batch::default();
    pending.take_into(8, &mut batch);
    let mut m = LatencyMetrics::new(0, 1);
    let started = 1_500_000_000;
    let ts = log.ts_sum_range(0, 8, &h);
    m.record(&mut batch, &log, &h, 0, 8, started, ts);
    assert_eq!(m.total.len(), 8);
    assert_eq!(m.total.max_ns(), 1_500_000_000);
    assert_eq!(m.wait.max_ns(), 550_000_000);
    assert_eq!(m.delivery.max_ns(), 70_000_000);
    assert_eq!(m.to_handler.max_ns(), 950_000_000);
    let sum = |h: &LatencyHistogram| h.mean_ns() * h.len() as f64;
    let exact_total: u64 = (0..8).map(|i| started - i * 100_000_000).sum();
    assert_eq!(sum(&m.total), exact_total as f64);
    let parts = sum(&m.wait) + sum(&m.delivery) + sum(&m.to_handler);
    assert_eq!(parts, sum(&m.total));
    // The rest of the second read stays pending, for the next batch.
    pending.take_into(10, &mut batch);
    assert_eq!(batch.0.len(), 1);
    assert_eq!((batch.0[0].start, batch.0[0].end), (8, 10));
}

#[test]
fn invocations_before_the_warm_up_ends_are_not_counted() {
    let mut log = ShardLog::new();
    log.push(5, 5, 1, 10);
    let h = Hint::default();
    let mut pending = Pending::default();
    pending.read(0, 1, Stages::read(10, 10));
    let mut batch = Batch::default();
    pending.take_into(1, &mut batch);
    let mut m = LatencyMetrics::new(1_000, 1);
    m.record(&mut batch, &log, &h, 0, 1, 999, 5);
    assert!(m.total.is_empty() && batch.0.is_empty());
    pending.read(1, 1, Stages::read(10, 10)); // no records: nothing noted
    assert!(pending.untaken().is_empty());
}
