//! Axis ranges and tick labels: raw values in, safe ranges (finite, never empty) and short labels
//! out.

use std::ops::Range;

/// Values beyond this magnitude are treated like NaN: a span between them would overflow.
const HUGE: f64 = 1e300;

/// Whether `v` can be placed on an axis.
pub(super) fn usable(v: f64) -> bool {
    v.is_finite() && v.abs() < HUGE
}

/// Smallest and largest usable value, if any.
pub(super) fn extent(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| usable(*v))
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// A range around a single value `v`.
fn around(v: f64) -> Range<f64> {
    let d = if v == 0.0 { 1.0 } else { v.abs() * 0.1 };
    (v - d)..(v + d)
}

/// Range covering `values` with `pad` (fraction of the span) added on both sides; `0..1` when
/// there are no usable values, a ±10 % range around a lone value.
pub(super) fn padded(values: impl IntoIterator<Item = f64>, pad: f64) -> Range<f64> {
    match extent(values) {
        None => 0.0..1.0,
        Some((lo, hi)) if hi <= lo => around(lo),
        Some((lo, hi)) => {
            let p = (hi - lo) * pad;
            (lo - p)..(hi + p)
        }
    }
}

/// Range for a value axis: starts at zero when all values are non-negative and either `zero` is
/// asked for, all values are equal, or the smallest is at most half the largest; the top gets
/// 6 % headroom.
/// All-zero or empty input gives `0..1`.
pub(super) fn values(values: impl IntoIterator<Item = f64>, zero: bool) -> Range<f64> {
    let Some((lo, hi)) = extent(values) else {
        return 0.0..1.0;
    };
    let lo = if lo >= 0.0 && (zero || lo == hi || lo <= hi * 0.5) {
        0.0
    } else {
        lo
    };
    if hi <= lo {
        return if lo == 0.0 { 0.0..1.0 } else { around(lo) };
    }
    let p = (hi - lo) * 0.06;
    let bottom = if lo == 0.0 { 0.0 } else { lo - p };
    bottom..(hi + p)
}

/// A logarithmic axis: whole decades enclosing the positive values, and the floor that zero and
/// negative values are clamped to. The floor is the bottom of the axis, one decade below the
/// smallest positive value when there are non-positive values, so they sit on the bottom edge.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct LogAxis {
    pub range: Range<f64>,
    pub floor: f64,
}

impl LogAxis {
    /// The axis for `values` (NaN and infinities ignored).
    pub(super) fn new(values: impl IntoIterator<Item = f64>) -> LogAxis {
        let usable: Vec<f64> = values.into_iter().filter(|v| usable(*v)).collect();
        let positive = extent(usable.iter().copied().filter(|v| *v > 0.0));
        let Some((lo, hi)) = positive else {
            return LogAxis {
                range: 1.0..10.0,
                floor: 1.0,
            };
        };
        let mut bottom = 10f64.powf(lo.log10().floor());
        if usable.iter().any(|v| *v <= 0.0) && bottom == lo {
            bottom /= 10.0;
        }
        let mut top = 10f64.powf(hi.log10().ceil());
        if top <= bottom {
            top = bottom * 10.0;
        }
        LogAxis {
            range: bottom..top,
            floor: bottom,
        }
    }

    /// `v` clamped to the floor (NaN stays NaN).
    pub(super) fn clamp(&self, v: f64) -> f64 {
        if v.is_nan() {
            v
        } else {
            v.max(self.floor)
        }
    }
}

/// Tick label formatting for a linear axis: enough decimals for the tick spacing, trailing
/// zeros trimmed, thousands shown with k/M/G/T suffixes once the axis reaches 10 000.
#[derive(Clone, Copy, Debug)]
pub(super) struct Ticks {
    scale: f64,
    suffix: &'static str,
    decimals: usize,
}

impl Ticks {
    /// Formatting suited to an axis spanning `range` with about ten ticks.
    pub(super) fn for_range(range: &Range<f64>) -> Ticks {
        let (scale, suffix) = si_scale(range.start.abs().max(range.end.abs()));
        let step = (range.end - range.start).abs() / scale / 10.0;
        let decimals = if step > 0.0 && step.is_finite() {
            (-step.log10().floor()).clamp(0.0, 8.0) as usize + 1
        } else {
            1
        };
        Ticks {
            scale,
            suffix,
            decimals,
        }
    }

    /// The label for tick value `v`.
    pub(super) fn format(&self, v: f64) -> String {
        let s = trim(format!("{:.*}", self.decimals, v / self.scale));
        if s == "0" {
            s
        } else {
            format!("{s}{}", self.suffix)
        }
    }
}

/// Scale and suffix for an axis whose largest magnitude is `max`.
fn si_scale(max: f64) -> (f64, &'static str) {
    match max {
        m if m >= 1e13 => (1e12, "T"),
        m if m >= 1e10 => (1e9, "G"),
        m if m >= 1e7 => (1e6, "M"),
        m if m >= 1e4 => (1e3, "k"),
        _ => (1.0, ""),
    }
}

/// `s` without trailing fractional zeros, and "-0" shown as "0".
fn trim(s: String) -> String {
    let t = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    if t == "-0" {
        "0".to_string()
    } else {
        t.to_string()
    }
}

/// The label for a tick on a logarithmic axis: "0.001", "20", "5k", "1e-6".
pub(super) fn log_label(v: f64) -> String {
    if v <= 0.0 || !v.is_finite() {
        return trim(format!("{v}"));
    }
    if v < 1e-4 {
        return format!("{v:.0e}");
    }
    let (scale, suffix) = si_scale(v);
    let x = v / scale;
    let decimals = if x >= 1.0 {
        2
    } else {
        (-x.log10().floor()) as usize + 2
    };
    format!("{}{suffix}", trim(format!("{x:.decimals$}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_never_empty() {
        assert_eq!(padded([], 0.05), 0.0..1.0);
        assert_eq!(padded([f64::NAN, 5.0], 0.0), 4.5..5.5);
        assert_eq!(values([0.0, 0.0], true), 0.0..1.0);
        assert_eq!(values([3.0], false), 0.0..3.18);
        let r = values([100.0, 110.0], false);
        assert!(r.start > 90.0 && r.end > 110.0);
    }

    #[test]
    fn log_axis_clamps_zero_below_data() {
        let a = LogAxis::new([0.0, 1.0, 250.0, f64::NAN]);
        assert_eq!(a.range, 0.1..1000.0);
        assert_eq!(a.clamp(0.0), 0.1);
        assert_eq!(LogAxis::new([0.0]).range, 1.0..10.0);
    }

    #[test]
    fn tick_labels_are_short() {
        let t = Ticks::for_range(&(0.0..1.0));
        assert_eq!(t.format(0.30000000000000004), "0.3");
        assert_eq!(t.format(-0.0), "0");
        let t = Ticks::for_range(&(0.0..250_000.0));
        assert_eq!(t.format(125_000.0), "125k");
        assert_eq!(t.format(0.0), "0");
        assert_eq!(log_label(0.001), "0.001");
        assert_eq!(log_label(20_000.0), "20k");
        assert_eq!(log_label(1e-6), "1e-6");
    }
}
