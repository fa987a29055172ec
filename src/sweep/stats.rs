//! Point metrics: what one run says about a point (over all its consumers), and their mean and
//! 95% confidence half-width across replicates.

use crate::model::report::ConsumerReport;
use crate::model::RunReport;

/// The metrics reported per point, in output order.
pub const METRICS: [&str; 22] = [
    "iterator_age_avg_ms",
    "iterator_age_worst_minute_avg_ms",
    "iterator_age_max_ms",
    "iterator_age_p99_ms",
    "iterator_age_p50_ms",
    "throttled_reads_per_min",
    "delivery_latency_ms",
    "errors",
    "duplicates",
    "records_expired",
    "records_discarded",
    "peak_concurrency",
    "records_written",
    "cost_per_month_usd",
    "throttled_invocations",
    "deploy_s",
    "deploy_throttled",
    "deploy_failed",
    "first_write_age_p99_ms",
    "first_write_latency_ms",
    "cross_stream_skew_ms",
    "throttled_reads_bytes_share",
];

/// One run's point metrics, in [`METRICS`] order: mean of consumers' averages, max of maxima, of
/// worst per-minute averages and of p99s, sum of counts; the deployment's time, throttled calls
/// and failed subscribers (0 when it is not simulated).
pub fn run_metrics(r: &RunReport) -> [f64; METRICS.len()] {
    let cs = &r.consumers;
    let n = cs.len().max(1) as f64;
    let mean = |f: &dyn Fn(&crate::model::report::ConsumerReport) -> f64| {
        cs.iter().map(f).sum::<f64>() / n
    };
    let max = |f: &dyn Fn(&crate::model::report::ConsumerReport) -> f64| {
        cs.iter().map(f).fold(0.0, f64::max)
    };
    let sum =
        |f: &dyn Fn(&crate::model::report::ConsumerReport) -> f64| cs.iter().map(f).sum::<f64>();
    [
        mean(&|c| c.iterator_age_ms.minute_avg),
        max(&|c| c.iterator_age_ms.minute_avg_max),
        max(&|c| c.iterator_age_ms.max),
        max(&|c| c.iterator_age_ms.p99),
        mean(&|c| c.iterator_age_ms.p50),
        r.streams.iter().map(|s| s.throttled_reads_per_min).sum(),
        mean(&|c| c.delivery_latency_ms),
        sum(&|c| c.errors as f64),
        sum(&|c| c.duplicates as f64),
        sum(&|c| c.records_expired as f64),
        sum(&|c| c.records_discarded as f64),
        sum(&|c| f64::from(c.peak_concurrency)),
        r.streams.iter().map(|s| s.records_written as f64).sum(),
        r.cost.as_ref().map_or(0.0, |c| c.usd_per_month),
        r.account.throttled_invocations as f64,
        r.control_plane.as_ref().map_or(0.0, |c| c.deploy_s),
        r.control_plane.as_ref().map_or(0.0, |c| c.throttled as f64),
        r.control_plane
            .as_ref()
            .map_or(0.0, |c| f64::from(c.failed)),
        final_consumers(r)
            .map(|c| {
                c.from_first_write
                    .as_ref()
                    .map_or(c.iterator_age_ms.p99, |f| f.iterator_age_ms_p99)
            })
            .fold(0.0, f64::max),
        {
            let v: Vec<f64> = final_consumers(r).map(first_write_latency).collect();
            v.iter().sum::<f64>() / v.len().max(1) as f64
        },
        cross_stream_skew(r),
        {
            let all: u64 = r.streams.iter().map(|s| s.throttled_reads).sum();
            let bytes: u64 = r.streams.iter().map(|s| s.throttled_reads_by_bytes).sum();
            if all == 0 {
                0.0
            } else {
                bytes as f64 / all as f64
            }
        },
    ]
}

/// Every consumer that is not a router: the ends of the topology, where a record's journey from
/// its first write is complete.
fn final_consumers(r: &RunReport) -> impl Iterator<Item = &ConsumerReport> {
    r.consumers.iter().filter(|c| c.routed.is_none())
}

/// Mean latency from a record's first write to its processing (per hop when nothing routes).
fn first_write_latency(c: &ConsumerReport) -> f64 {
    c.from_first_write
        .as_ref()
        .map_or(c.end_to_end_ms_mean, |f| f.end_to_end_ms_mean)
}

/// How far apart the final streams deliver: the largest minus the smallest mean first-write
/// latency among the streams read by final consumers (0 when they all read one stream). Two
/// changes to one item routed to different streams may be processed out of order within about
/// this window; within one stream, Kinesis keeps the order per partition key.
fn cross_stream_skew(r: &RunReport) -> f64 {
    let mut per_stream: Vec<(&str, f64, f64)> = Vec::new();
    for c in final_consumers(r) {
        let v = first_write_latency(c);
        match per_stream.iter_mut().find(|s| s.0 == c.stream) {
            Some(s) => {
                s.1 += v;
                s.2 += 1.0;
            }
            None => per_stream.push((&c.stream, v, 1.0)),
        }
    }
    let means = per_stream.iter().map(|s| s.1 / s.2);
    let (lo, hi) = means.fold((f64::MAX, 0.0f64), |(lo, hi), m| (lo.min(m), hi.max(m)));
    if per_stream.len() < 2 {
        0.0
    } else {
        hi - lo
    }
}

/// Mean and 95% confidence half-width (Student t) of `xs`; the half-width is 0 for one value.
pub fn mean_ci(xs: &[f64]) -> (f64, f64) {
    let n = xs.len();
    if n == 0 {
        return (0.0, 0.0);
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return (mean, 0.0);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    (mean, t975(n - 1) * (var / n as f64).sqrt())
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom.
fn t975(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    T.get(df.wrapping_sub(1)).copied().unwrap_or(1.96)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_intervals_use_student_t() {
        assert_eq!(mean_ci(&[]), (0.0, 0.0));
        assert_eq!(mean_ci(&[3.0]), (3.0, 0.0));
        let (m, ci) = mean_ci(&[1.0, 2.0, 3.0]);
        assert!((m - 2.0).abs() < 1e-12);
        assert!((ci - 4.303 * (1.0f64 / 3.0).sqrt()).abs() < 1e-9);
    }
}
