//! The throttle verdict of a sweep: per architecture, the largest value of the count axis up to
//! which there are no throttled reads (the **knee**), and, over assumption sets, the band of that
//! value across the sets.
//!
//! The knee of one architecture is taken from its points in increasing order of the count axis:
//! it is the largest value **before the first point with throttled reads** (a mean over
//! replicates above zero). A point without throttles after a throttled one does not extend it, so
//! noise that comes and goes past the knee is not read as room. When no point is throttled the
//! knee is the sweep's largest value (and says so); when the first is, there is none.
//!
//! Across assumption sets each set has its own knee; the band is the 5th and 95th percentile and
//! the median of those knees by the nearest-rank rule (the value at rank ⌈q·N⌉ of the N sorted
//! knees), so every figure of the band is one of the axis's values or "none".

use super::bands::Bands;
use super::metric::Metric;
use super::stats::PointSummaries;
use crate::experiment::Experiment;

/// How far along an architecture's sorted count values there are no throttled reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Knee {
    /// How many of the first values have no throttled reads (0: the first value is throttled).
    pub(crate) clear: usize,
    /// How many values there are.
    pub(crate) of: usize,
}

impl Knee {
    /// The knee of `throttled`, the throttled reads at each value in increasing order.
    pub(crate) fn of(throttled: &[f64]) -> Knee {
        Knee {
            clear: throttled.iter().take_while(|&&t| t <= 0.0).count(),
            of: throttled.len(),
        }
    }

    /// The index of the knee's value among the sorted values, `None` when the first is throttled.
    pub(crate) fn index(self) -> Option<usize> {
        self.clear.checked_sub(1)
    }

    /// Whether no value at all had throttled reads.
    pub(crate) fn clear_throughout(self) -> bool {
        self.clear == self.of
    }
}

/// The knees of the sets, summarised: 5th percentile, median and 95th, by nearest rank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KneeBand {
    pub(crate) sets: usize,
    pub(crate) p5: Knee,
    pub(crate) p50: Knee,
    pub(crate) p95: Knee,
}

impl KneeBand {
    /// The band of `knees` (at least one).
    pub(crate) fn of(knees: &[Knee]) -> KneeBand {
        let mut sorted = knees.to_vec();
        sorted.sort();
        let at = |q: f64| {
            let rank = (q * sorted.len() as f64).ceil() as usize;
            sorted[rank.clamp(1, sorted.len()) - 1]
        };
        KneeBand {
            sets: sorted.len(),
            p5: at(0.05),
            p50: at(0.5),
            p95: at(0.95),
        }
    }
}

/// One architecture's verdict.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Verdict {
    /// The architecture's name ([`Experiment::architecture`]).
    pub(crate) architecture: String,
    /// The count axis's label, e.g. `subscribers`.
    pub(crate) label: String,
    /// The architecture's count values as shown, in increasing order.
    pub(crate) values: Vec<String>,
    /// The knee of the plain sweep (means over replicates).
    pub(crate) knee: Knee,
    /// The band of the knee across assumption sets, when the sweep ran them.
    pub(crate) band: Option<KneeBand>,
}

impl Verdict {
    /// The value a knee stands for, `None` when there is none.
    pub(crate) fn value(&self, k: Knee) -> Option<&str> {
        k.index().map(|i| self.values[i].as_str())
    }
}

/// The verdict of every architecture of `exp`, in first-seen order; empty when the experiment has
/// no count axis or its values are not all numbers.
pub(crate) fn verdicts(
    exp: &Experiment,
    sums: &[PointSummaries],
    bands: Option<&Bands>,
) -> Vec<Verdict> {
    let Some(axis) = exp.count_axis() else {
        return Vec::new();
    };
    let m = Metric::ThrottledReadsPerMin;
    let mut out = Vec::new();
    for (architecture, points) in exp.architectures() {
        let mut by_value: Vec<(f64, usize)> = Vec::new();
        for &p in &points {
            let Some(x) = exp.points[p].values[axis].1.as_f64() else {
                return Vec::new();
            };
            by_value.push((x, p));
        }
        by_value.sort_by(|a, b| a.0.total_cmp(&b.0));
        let series = |mean: &dyn Fn(usize) -> f64| -> Vec<f64> {
            by_value.iter().map(|&(_, p)| mean(p)).collect()
        };
        let knee = Knee::of(&series(&|p| sums[p][m].mean));
        let band = bands.filter(|b| !b.sets.is_empty()).map(|b| {
            let knees: Vec<Knee> = b
                .sets
                .iter()
                .map(|set| Knee::of(&series(&|p| set[p][m].mean)))
                .collect();
            KneeBand::of(&knees)
        });
        out.push(Verdict {
            architecture,
            label: exp.axes[axis].label.clone(),
            values: by_value
                .iter()
                .map(|&(_, p)| exp.points[p].values[axis].1.display())
                .collect(),
            knee,
            band,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(clear: usize, of: usize) -> Knee {
        Knee { clear, of }
    }

    #[test]
    fn with_no_throttles_anywhere_the_knee_is_the_last_value() {
        let knee = Knee::of(&[0.0, 0.0, 0.0, 0.0]);
        assert_eq!(knee, k(4, 4));
        assert!(knee.clear_throughout());
        assert_eq!(knee.index(), Some(3));
    }

    #[test]
    fn with_throttles_from_the_first_value_there_is_no_knee() {
        let knee = Knee::of(&[0.5, 3.0, 9.0]);
        assert_eq!(knee, k(0, 3));
        assert_eq!(knee.index(), None);
        assert!(!knee.clear_throughout());
    }

    #[test]
    fn the_knee_is_the_last_value_before_the_first_throttled_point_whatever_follows() {
        // Clear, clear, throttled, clear again (noise), throttled: the knee stays at the second.
        let knee = Knee::of(&[0.0, 0.0, 2.0, 0.0, 7.0]);
        assert_eq!(knee, k(2, 5));
        assert_eq!(knee.index(), Some(1));
        // Any throttle counts, however small.
        assert_eq!(Knee::of(&[0.0, 1e-9, 0.0]), k(1, 3));
    }

    #[test]
    fn the_band_takes_nearest_rank_percentiles_of_the_sets_knees() {
        // Twenty sets: knees 0..=19 clear values of 30. Rank ⌈0.05·20⌉ = 1, ⌈0.5·20⌉ = 10,
        // ⌈0.95·20⌉ = 19 (1-based), whatever order the sets come in.
        let mut knees: Vec<Knee> = (0..20).map(|c| k(c, 30)).collect();
        knees.reverse();
        let b = KneeBand::of(&knees);
        assert_eq!(
            (b.sets, b.p5, b.p50, b.p95),
            (20, k(0, 30), k(9, 30), k(18, 30))
        );
        // One set: every figure is its knee.
        let one = KneeBand::of(&[k(5, 30)]);
        assert_eq!((one.p5, one.p50, one.p95), (k(5, 30), k(5, 30), k(5, 30)));
        // Sixteen sets, eleven at 5 and the rest spread: the median is 5.
        let mut sixteen = vec![k(5, 30); 11];
        sixteen.extend([k(3, 30), k(4, 30), k(6, 30), k(7, 30), k(7, 30)]);
        let b = KneeBand::of(&sixteen);
        assert_eq!((b.p5, b.p50, b.p95), (k(3, 30), k(5, 30), k(7, 30)));
    }

    #[test]
    fn an_experiment_gets_one_verdict_per_architecture_read_from_its_points() {
        let exp = crate::experiment::Experiment::open(
            std::path::Path::new("experiments/hot-stream.toml"),
            None,
        )
        .unwrap();
        let axis = exp.count_axis().unwrap();
        // Synthetic throttles: the standard model is throttled from six subscribers on, EFO never.
        let sums: Vec<PointSummaries> = exp
            .points
            .iter()
            .map(|p| {
                let n = p.values[axis].1.as_f64().unwrap();
                let efo = exp.architecture(p).contains("efo");
                let t = if !efo && n >= 6.0 {
                    100.0 * (n - 5.0)
                } else {
                    0.0
                };
                PointSummaries::from_fn(|m| crate::sweep::stats::PointSummary {
                    mean: if m == Metric::ThrottledReadsPerMin {
                        t
                    } else {
                        1.0
                    },
                    ci95: 0.0,
                    n: 2,
                })
            })
            .collect();
        let v = verdicts(&exp, &sums, None);
        assert_eq!(v.len(), 2, "{v:?}");
        let standard = v.iter().find(|v| !v.architecture.contains("efo")).unwrap();
        assert_eq!(standard.label, "subscribers");
        assert_eq!(standard.value(standard.knee), Some("5"));
        assert_eq!(standard.band, None);
        let efo = v.iter().find(|v| v.architecture.contains("efo")).unwrap();
        assert!(efo.knee.clear_throughout());
        assert_eq!(efo.value(efo.knee), Some("30"));
    }
}
