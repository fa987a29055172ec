//! What the simulator needs, fitted from CloudWatch series: a log-normal duration, the record
//! size, the arrival rate. Plain numbers in, plain numbers and a sentence out.
//!
//! CloudWatch gives percentiles per period; a run's typical period is summarized by the median of
//! the per-period values, so that one slow minute does not set the shape of every invocation.

use super::Problem;

/// A log-normal distribution: `ln X` is normal with mean `ln median` and deviation `sigma`.
#[derive(Clone, Debug, PartialEq)]
pub struct LogNormalFit {
    pub median: f64,
    pub sigma: f64,
    /// What was fitted, from what, in one sentence.
    pub sentence: String,
}

impl LogNormalFit {
    pub fn mean(&self) -> f64 {
        self.median * (self.sigma * self.sigma / 2.0).exp()
    }

    /// The value below which a fraction `q` (in (0, 1)) of draws fall.
    pub fn quantile(&self, q: f64) -> f64 {
        self.median * (self.sigma * normal_quantile(q)).exp()
    }
}

/// The log-normal through a median and a 99th percentile (`p99 >= median > 0`).
pub fn lognormal_from_median_p99(
    median: f64,
    p99: f64,
    unit: &str,
) -> Result<LogNormalFit, Problem> {
    if !(median > 0.0 && median.is_finite()) {
        return Err(Problem::MedianNotPositive(median));
    }
    if !(p99 >= median && p99.is_finite()) {
        return Err(Problem::P99BelowMedian { p99, median });
    }
    let sigma = (p99 / median).ln() / normal_quantile(0.99);
    Ok(LogNormalFit {
        median,
        sigma,
        sentence: format!(
            "log-normal with median {} {unit} and sigma {sigma:.3}, through p50 {} {unit} and p99 {} {unit}",
            round3(median),
            round3(median),
            round3(p99)
        ),
    })
}

/// The log-normal with this mean and 99th percentile, when no median is available.
///
/// `ln(p99 / mean) = z sigma - sigma^2 / 2` has two roots; the smaller sigma is taken (the other
/// puts most of the mass far below the mean, which no latency distribution does). There is no
/// solution when p99 is more than `e^(z^2/2)`, about 15 times the mean, or below the mean.
pub fn lognormal_from_mean_p99(mean: f64, p99: f64, unit: &str) -> Result<LogNormalFit, Problem> {
    if !(mean > 0.0 && mean.is_finite()) {
        return Err(Problem::MeanNotPositive(mean));
    }
    if !(p99 > mean && p99.is_finite()) {
        return Err(Problem::P99NotAboveMean { p99, mean });
    }
    let z = normal_quantile(0.99);
    let d = (p99 / mean).ln();
    let disc = z * z - 2.0 * d;
    if disc < 0.0 {
        return Err(Problem::TooSkewed {
            p99,
            mean,
            ratio: (z * z / 2.0).exp(),
        });
    }
    let sigma = z - disc.sqrt();
    let median = mean / (sigma * sigma / 2.0).exp();
    Ok(LogNormalFit {
        median,
        sigma,
        sentence: format!(
            "log-normal with median {} {unit} and sigma {sigma:.3}, through mean {} {unit} and p99 {} {unit}",
            round3(median),
            round3(mean),
            round3(p99)
        ),
    })
}

/// A duration distribution from per-period series: p50 and p99 when both are there, else the
/// Average and p99; the median across periods stands for each.
pub fn duration(
    p50: Option<&[(i64, f64)]>,
    p99: Option<&[(i64, f64)]>,
    average: Option<&[(i64, f64)]>,
    unit: &str,
) -> Result<LogNormalFit, Problem> {
    let typical = |s: Option<&[(i64, f64)]>| s.and_then(typical);
    let hi = typical(p99).ok_or(Problem::NoP99)?;
    let (mut fit, from) = match (typical(p50), typical(average)) {
        (Some(mid), _) => (lognormal_from_median_p99(mid, hi, unit)?, "p50 and p99"),
        (None, Some(mean)) => (lognormal_from_mean_p99(mean, hi, unit)?, "Average and p99"),
        (None, None) => return Err(Problem::NoMiddle),
    };
    let periods = p99.map_or(0, <[_]>::len);
    fit.sentence = format!("{}; medians over {periods} periods of {from}", fit.sentence);
    Ok(fit)
}

/// The median of the values (`None` if there are none).
pub fn typical(points: &[(i64, f64)]) -> Option<f64> {
    let mut v: Vec<f64> = points
        .iter()
        .map(|p| p.1)
        .filter(|x| x.is_finite())
        .collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Mean record size from IncomingBytes and IncomingRecords (both `Sum`, same period).
#[derive(Clone, Debug, PartialEq)]
pub struct RecordSizeFit {
    /// Total bytes over total records, in periods where both have data and records > 0.
    pub mean_bytes: f64,
    /// The smallest and largest per-period mean.
    pub min_bytes: f64,
    pub max_bytes: f64,
    pub periods: usize,
    pub sentence: String,
}

pub fn record_size(bytes: &[(i64, f64)], records: &[(i64, f64)]) -> Result<RecordSizeFit, Problem> {
    let pairs: Vec<(f64, f64)> = join(bytes, records)
        .into_iter()
        .filter(|&(_, r)| r > 0.0)
        .collect();
    if pairs.is_empty() {
        return Err(Problem::NoRecordPeriods);
    }
    let total_b: f64 = pairs.iter().map(|p| p.0).sum();
    let total_r: f64 = pairs.iter().map(|p| p.1).sum();
    let per = pairs.iter().map(|(b, r)| b / r);
    let min_bytes = per.clone().fold(f64::INFINITY, f64::min);
    let max_bytes = per.fold(f64::NEG_INFINITY, f64::max);
    let mean_bytes = total_b / total_r;
    Ok(RecordSizeFit {
        mean_bytes,
        min_bytes,
        max_bytes,
        periods: pairs.len(),
        sentence: format!(
            "mean record size {} bytes (IncomingBytes over IncomingRecords in {} periods; per period {} to {})",
            round3(mean_bytes),
            pairs.len(),
            round3(min_bytes),
            round3(max_bytes)
        ),
    })
}

/// Values of `a` and `b` at the timestamps both have (both sorted ascending).
fn join(a: &[(i64, f64)], b: &[(i64, f64)]) -> Vec<(f64, f64)> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push((a[i].1, b[j].1));
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// Records per second in each period, from IncomingRecords `Sum` per period.
#[derive(Clone, Debug, PartialEq)]
pub struct RateFit {
    pub period_s: u32,
    /// `(period start, records per second)`, only for periods with data.
    pub points: Vec<(i64, f64)>,
    /// Over the periods with data.
    pub mean_per_s: f64,
    pub peak_per_s: f64,
    /// Periods between the first and the last with no data (not filled in).
    pub missing_periods: u64,
    pub sentence: String,
}

pub fn rate(records_sum: &[(i64, f64)], period_s: u32) -> Result<RateFit, Problem> {
    if period_s == 0 {
        return Err(Problem::RatePeriodZero);
    }
    if records_sum.is_empty() {
        return Err(Problem::NoRecords);
    }
    let p = f64::from(period_s);
    let points: Vec<(i64, f64)> = records_sum.iter().map(|&(t, n)| (t, n / p)).collect();
    let mean_per_s = points.iter().map(|x| x.1).sum::<f64>() / points.len() as f64;
    let peak_per_s = points.iter().map(|x| x.1).fold(f64::NEG_INFINITY, f64::max);
    let first = points.iter().map(|x| x.0).min().unwrap_or(0);
    let last = points.iter().map(|x| x.0).max().unwrap_or(0);
    let span = (last - first) / i64::from(period_s) + 1;
    let missing_periods = u64::try_from(span)
        .unwrap_or(0)
        .saturating_sub(points.len() as u64);
    let sentence = format!(
        "{} records/s on average, {} at peak, over {} periods of {period_s} s ({missing_periods} missing, not filled in)",
        round3(mean_per_s),
        round3(peak_per_s),
        points.len()
    );
    Ok(RateFit {
        period_s,
        points,
        mean_per_s,
        peak_per_s,
        missing_periods,
        sentence,
    })
}

/// The longest run of points one period apart in `points` (ascending), as a range of indices;
/// the earliest of equally long runs.
pub fn longest_run(points: &[(i64, f64)], period_s: u32) -> std::ops::Range<usize> {
    let period = i64::from(period_s.max(1));
    let (mut best, mut start) = (0..0, 0);
    for i in 0..points.len() {
        if i > 0 && points[i].0 - points[i - 1].0 != period {
            start = i;
        }
        if i + 1 - start > best.len() {
            best = start..i + 1;
        }
    }
    best
}

/// Adds series point by point (shards of one stream, say): one point per timestamp any has.
pub fn sum_by_time(series: &[&[(i64, f64)]]) -> Vec<(i64, f64)> {
    let mut all: Vec<(i64, f64)> = series.iter().flat_map(|s| s.iter().copied()).collect();
    all.sort_by_key(|p| p.0);
    let mut out: Vec<(i64, f64)> = Vec::with_capacity(all.len());
    for (t, v) in all {
        match out.last_mut() {
            Some(last) if last.0 == t => last.1 += v,
            _ => out.push((t, v)),
        }
    }
    out
}

/// Three significant digits, for sentences.
fn round3(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (2 - x.abs().log10().floor() as i32).max(0) as usize;
    format!("{x:.digits$}")
}

/// The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9:
/// far finer than any percentile CloudWatch reports).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    if p <= 0.0 || p >= 1.0 || p.is_nan() {
        return f64::NAN;
    }
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.024_25 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.024_25 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    #[test]
    fn normal_quantiles_match_the_tables() {
        assert!(close(normal_quantile(0.99), 2.326_347_874_040_841, 1e-7));
        assert!(close(normal_quantile(0.5).abs() + 1.0, 1.0, 1e-12));
        assert!(close(normal_quantile(0.975), 1.959_963_984_540_054, 1e-7));
        assert!(close(normal_quantile(0.001), -3.090_232_306_167_813, 1e-7));
        assert!(normal_quantile(0.0).is_nan() && normal_quantile(1.0).is_nan());
    }

    #[test]
    fn median_and_p99_give_back_themselves() {
        let f = lognormal_from_median_p99(40.0, 400.0, "ms").unwrap();
        assert!(close(f.quantile(0.5), 40.0, 1e-9));
        assert!(close(f.quantile(0.99), 400.0, 1e-7));
        assert!(close(f.sigma, 10f64.ln() / 2.326_347_874_040_841, 1e-7));
        assert!(f.sentence.contains("median 40.0 ms"), "{}", f.sentence);
        assert!(lognormal_from_median_p99(40.0, 10.0, "ms").is_err());
        assert!(lognormal_from_median_p99(0.0, 10.0, "ms").is_err());
    }

    #[test]
    fn mean_and_p99_give_back_themselves() {
        let f = lognormal_from_mean_p99(55.0, 400.0, "ms").unwrap();
        assert!(close(f.mean(), 55.0, 1e-9));
        assert!(close(f.quantile(0.99), 400.0, 1e-7));
        assert!(f.sigma < normal_quantile(0.99), "the smaller root");
        let err = lognormal_from_mean_p99(10.0, 200.0, "ms")
            .unwrap_err()
            .to_string();
        assert!(err.contains("15.0 times the mean"), "{err}");
        assert!(lognormal_from_mean_p99(10.0, 9.0, "ms").is_err());
    }

    #[test]
    fn durations_prefer_the_median_and_say_what_they_used() {
        let s = |v: &[f64]| -> Vec<(i64, f64)> {
            v.iter()
                .enumerate()
                .map(|(i, &x)| (60 * i as i64, x))
                .collect()
        };
        let (p50, p99, avg) = (
            s(&[38.0, 40.0, 90.0]),
            s(&[300.0, 400.0, 900.0]),
            s(&[50.0, 55.0, 60.0]),
        );
        let f = duration(Some(&p50), Some(&p99), Some(&avg), "ms").unwrap();
        assert_eq!(f.median, 40.0);
        assert!(
            f.sentence
                .ends_with("medians over 3 periods of p50 and p99"),
            "{}",
            f.sentence
        );
        let f = duration(None, Some(&p99), Some(&avg), "ms").unwrap();
        assert!(close(f.mean(), 55.0, 1e-9));
        assert!(f.sentence.contains("Average and p99"));
        assert!(duration(Some(&p50), None, None, "ms").is_err());
        assert!(duration(None, Some(&p99), None, "ms").is_err());
    }

    #[test]
    fn record_size_is_total_bytes_over_total_records() {
        let bytes = [(0, 1000.0), (60, 3000.0), (120, 500.0), (180, 7.0)];
        let records = [(0, 10.0), (60, 20.0), (120, 0.0), (240, 1.0)];
        let f = record_size(&bytes, &records).unwrap();
        assert!(close(f.mean_bytes, 4000.0 / 30.0, 1e-12));
        assert_eq!((f.min_bytes, f.max_bytes, f.periods), (100.0, 150.0, 2));
        assert!(
            f.sentence.starts_with("mean record size 133 bytes"),
            "{}",
            f.sentence
        );
        assert!(record_size(&bytes, &[]).is_err());
    }

    #[test]
    fn rate_divides_each_period_by_its_length() {
        let f = rate(&[(0, 6000.0), (60, 12000.0), (240, 3000.0)], 60).unwrap();
        assert_eq!(f.points, [(0, 100.0), (60, 200.0), (240, 50.0)]);
        assert!(close(f.mean_per_s, 350.0 / 3.0, 1e-12));
        assert_eq!((f.peak_per_s, f.missing_periods), (200.0, 2));
        assert!(rate(&[], 60).is_err() && rate(&[(0, 1.0)], 0).is_err());
    }

    #[test]
    fn the_longest_run_of_consecutive_periods_is_found() {
        let p = |ts: &[i64]| -> Vec<(i64, f64)> { ts.iter().map(|&t| (t, 1.0)).collect() };
        assert_eq!(longest_run(&p(&[]), 60), 0..0);
        assert_eq!(longest_run(&p(&[0, 60, 120, 9_999_999]), 60), 0..3);
        assert_eq!(longest_run(&p(&[-5, 0, 60, 120]), 60), 1..4);
        assert_eq!(longest_run(&p(&[0, 60, 200, 260]), 60), 0..2);
    }

    #[test]
    fn shards_add_up_by_timestamp() {
        let a = [(0, 1.0), (60, 2.0)];
        let b = [(60, 10.0), (120, 20.0)];
        assert_eq!(sum_by_time(&[&a, &b]), [(0, 1.0), (60, 12.0), (120, 20.0)]);
    }
}
