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
}

/// Every metric's [`PointSummary`] at one point, looked up by [`Metric`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PointSummaries(Vec<PointSummary>);

impl PointSummaries {
    /// The summaries of `reports`, the replicates of one point.
    pub fn of<'a>(reports: impl Iterator<Item = &'a crate::model::RunReport> + Clone) -> Self {
        PointSummaries(
            Metric::ALL
                .iter()
                .map(|m| mean_ci(&reports.clone().map(|r| m.read(r)).collect::<Vec<_>>()))
                .collect(),
        )
    }

    /// Summaries made by `f` (tests and callers that already know the numbers).
    pub fn from_fn(f: impl Fn(Metric) -> PointSummary) -> Self {
        PointSummaries(Metric::ALL.iter().map(|&m| f(m)).collect())
    }

    /// Each metric with its summary, in output order.
    pub fn iter(&self) -> impl Iterator<Item = (Metric, PointSummary)> + '_ {
        Metric::ALL.iter().copied().zip(self.0.iter().copied())
    }
}

impl Index<Metric> for PointSummaries {
    type Output = PointSummary;

    fn index(&self, m: Metric) -> &PointSummary {
        &self.0[m.index()]
    }
}

/// Per point of `exp`, in point order: the summaries of its replicates in `res`.
pub fn summarise(exp: &Experiment, res: &SweepResult) -> Vec<PointSummaries> {
    exp.points
        .iter()
        .map(|p| {
            let runs = res.point_runs(p.index, exp.replicates);
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
        return PointSummary { mean, ci95: 0.0 };
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    PointSummary {
        mean,
        ci95: t975(n - 1) * (var / n as f64).sqrt(),
    }
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
        assert_eq!(mean_ci(&[]), PointSummary::default());
        assert_eq!(
            mean_ci(&[3.0]),
            PointSummary {
                mean: 3.0,
                ci95: 0.0
            }
        );
        let s = mean_ci(&[1.0, 2.0, 3.0]);
        assert!((s.mean - 2.0).abs() < 1e-12);
        assert!((s.ci95 - 4.303 * (1.0f64 / 3.0).sqrt()).abs() < 1e-9);
    }
}
