//! Point statistics: each [`Metric`] of a point's runs summarised by its mean and 95% confidence
//! half-width across replicates.

use super::metric::Metric;
use super::SweepResult;
use crate::experiment::Experiment;
use std::ops::Index;

/// A metric at one point: mean across replicates and 95% confidence half-width.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PointSummary {
    pub mean: f64,
    pub ci95: f64,
    /// The replicates summarised.
    pub n: u32,
}

/// The fewest replicates whose half-width a report shows as `±`: with 2, Student's t has one
/// degree of freedom (12.706) and the interval is mostly wider than the value itself.
pub const MIN_FOR_INTERVAL: u32 = 3;

impl PointSummary {
    /// Whether the half-width is worth showing as `±` (see [`MIN_FOR_INTERVAL`]).
    pub fn shows_interval(&self) -> bool {
        self.n >= MIN_FOR_INTERVAL && self.ci95 > 0.0
    }
}

/// The one line a report says when some point ran fewer than [`MIN_FOR_INTERVAL`] replicates
/// (None when every point ran enough): why its values have no `±`.
pub fn few_replicates_note(sums: &[PointSummaries]) -> Option<String> {
    let fewest = sums.iter().map(PointSummaries::replicates).min()?;
    (fewest < MIN_FOR_INTERVAL).then(|| {
        format!(
            "{fewest} replicate(s): too few for an interval, so no ± (use --precision or \
             replicates >= {MIN_FOR_INTERVAL})"
        )
    })
}

/// Every metric's [`PointSummary`] at one point, looked up by [`Metric`], and how many of its
/// runs starved a reader.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PointSummaries {
    metrics: Vec<PointSummary>,
    /// Runs in which some reader got no IteratorAge sample while records waited for it
    /// ([`starved`]): its IteratorAge metrics show 0, which is no data, not a fresh reader.
    pub starved: u32,
}

/// Whether some reader of `report` has records left unread and no IteratorAge sample: it read
/// nothing after the warm-up (every call throttled, say), so its IteratorAge, as Lambda reports
/// it per invocation, has no value, and sim's 0 for it means "no data".
pub fn starved(report: &crate::model::RunReport) -> bool {
    (report.consumers.iter()).any(|c| c.iterator_age_ms.samples == 0 && c.records_unread > 0)
}

impl PointSummaries {
    /// The summaries of `reports`, the replicates of one point.
    pub fn of<'a>(reports: impl Iterator<Item = &'a crate::model::RunReport> + Clone) -> Self {
        PointSummaries {
            metrics: Metric::ALL
                .iter()
                .map(|m| mean_ci(&reports.clone().map(|r| m.read(r)).collect::<Vec<_>>()))
                .collect(),
            starved: reports.filter(|r| starved(r)).count() as u32,
        }
    }

    /// Summaries made by `f` (tests and callers that already know the numbers).
    pub fn from_fn(f: impl Fn(Metric) -> PointSummary) -> Self {
        PointSummaries {
            metrics: Metric::ALL.iter().map(|&m| f(m)).collect(),
            starved: 0,
        }
    }

    /// The replicates the point's summaries rest on.
    pub fn replicates(&self) -> u32 {
        self.metrics.first().map_or(0, |s| s.n)
    }

    /// Each metric with its summary, in output order.
    pub fn iter(&self) -> impl Iterator<Item = (Metric, PointSummary)> + '_ {
        Metric::ALL
            .iter()
            .copied()
            .zip(self.metrics.iter().copied())
    }
}

impl Index<Metric> for PointSummaries {
    type Output = PointSummary;

    fn index(&self, m: Metric) -> &PointSummary {
        &self.metrics[m.index()]
    }
}

/// Per point of `exp`, in point order: the summaries of its replicates in `res`.
pub fn summarise(exp: &Experiment, res: &SweepResult) -> Vec<PointSummaries> {
    exp.points
        .iter()
        .map(|p| {
            let runs = res.point_runs(p.index);
            PointSummaries::of(runs.iter().map(|r| &r.report))
        })
        .collect()
}

/// Mean and 95% confidence half-width (Student t) of `xs`; the half-width is 0 for one value.
pub fn mean_ci(xs: &[f64]) -> PointSummary {
    let n = xs.len();
    if n == 0 {
        return PointSummary::default();
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return PointSummary {
            mean,
            ci95: 0.0,
            n: 1,
        };
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    PointSummary {
        mean,
        ci95: t975(n - 1) * (var / n as f64).sqrt(),
        n: n as u32,
    }
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom: the published three-decimal
/// table up to 30, the Cornish-Fisher expansion around the normal quantile above (its error there
/// is below 1e-6).
pub(crate) fn t975(df: usize) -> f64 {
    match df {
        0 => f64::NAN,
        1..=30 => T975[df - 1],
        _ => cornish_fisher(1.959_963_984_540_054, df as f64),
    }
}

/// Student's t quantile from the normal quantile `z` for `nu` degrees of freedom (Abramowitz and
/// Stegun 26.7.5).
pub(crate) fn cornish_fisher(z: f64, nu: f64) -> f64 {
    let z2 = z * z;
    let g1 = z * (z2 + 1.0) / 4.0;
    let g2 = z * ((5.0 * z2 + 16.0) * z2 + 3.0) / 96.0;
    let g3 = z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / 384.0;
    let g4 = z * ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) / 92160.0;
    z + g1 / nu + g2 / nu.powi(2) + g3 / nu.powi(3) + g4 / nu.powi(4)
}

const T975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_intervals_use_student_t() {
        assert_eq!(mean_ci(&[]), PointSummary::default());
        assert_eq!(
            mean_ci(&[3.0]),
            PointSummary {
                mean: 3.0,
                ci95: 0.0,
                n: 1
            }
        );
        let s = mean_ci(&[1.0, 2.0, 3.0]);
        assert!((s.mean - 2.0).abs() < 1e-12);
        assert!((s.ci95 - 4.303 * (1.0f64 / 3.0).sqrt()).abs() < 1e-9);
    }

    #[test]
    fn t_quantiles_match_the_published_table_for_small_samples() {
        for (df, t) in [(1, 12.706), (2, 4.303), (4, 2.776), (9, 2.262), (29, 2.045)] {
            assert!((t975(df) - t).abs() < 5e-4, "t(0.975, {df}) = {}", t975(df));
        }
    }

    #[test]
    fn two_replicates_show_no_interval_and_say_why() {
        let two = PointSummaries::from_fn(|_| mean_ci(&[1.0, 5.0]));
        assert_eq!(two.replicates(), 2);
        let note = few_replicates_note(&[two]).unwrap();
        assert!(
            note.starts_with("2 replicate(s): too few for an interval"),
            "{note}"
        );
        let s = mean_ci(&[1.0, 5.0]);
        assert!(s.ci95 > 0.0 && !s.shows_interval());
        assert!(mean_ci(&[1.0, 5.0, 3.0]).shows_interval());
    }

    #[test]
    fn t_quantiles_match_published_values_beyond_the_table() {
        for (df, t) in [
            (31, 2.0395),
            (40, 2.0211),
            (60, 2.0003),
            (100, 1.9840),
            (1000, 1.9623),
        ] {
            assert!((t975(df) - t).abs() < 1e-4, "t(0.975, {df}) = {}", t975(df));
        }
        // The expansion agrees with the table where they meet.
        assert!((cornish_fisher(1.959_963_984_540_054, 30.0) - 2.042).abs() < 1e-3);
    }
}
