//! The checks keys go through, one line each: integer ranges, bounded durations, positive values
//! and probabilities, every error naming the key by its full dotted path.

use crate::config::error::Invalid;
use crate::engine::time::{format_duration, HOUR, SEC};
use crate::engine::Nanos;
use std::ops::RangeInclusive;

pub(super) type R<T> = Result<T, Invalid>;

/// An error at `path`.
pub(super) fn bad<T>(path: impl Into<String>, message: impl Into<String>) -> R<T> {
    Err(Invalid {
        path: path.into(),
        message: message.into(),
        also: None,
    })
}

/// The keys of one table: `Keys::new("consumers.fn").path("batch_size")` is
/// `consumers.fn.batch_size`.
#[derive(Debug, Clone)]
pub(super) struct Keys(String);

impl Keys {
    pub(super) fn new(base: impl Into<String>) -> Keys {
        Keys(base.into())
    }

    /// The table at `key`, below this one.
    pub(super) fn table(&self, key: &str) -> Keys {
        Keys(self.path(key))
    }

    /// The full path of `key` (the table itself when `key` is empty).
    pub(super) fn path(&self, key: &str) -> String {
        match (self.0.is_empty(), key.is_empty()) {
            (_, true) => self.0.clone(),
            (true, false) => key.to_string(),
            (false, false) => format!("{}.{key}", self.0),
        }
    }

    pub(super) fn bad<T>(&self, key: &str, message: impl Into<String>) -> R<T> {
        bad(self.path(key), message)
    }

    /// An integer key, when given, within `range`: "KEY must be between LO and HI, found V".
    pub(super) fn int<T: TryFrom<i64>>(
        &self,
        key: &str,
        v: Option<i64>,
        range: RangeInclusive<i64>,
    ) -> R<Option<T>> {
        self.int_as(key, key, v, range)
    }

    /// [`Keys::int`] naming the key `what` in the message.
    pub(super) fn int_as<T: TryFrom<i64>>(
        &self,
        key: &str,
        what: &str,
        v: Option<i64>,
        range: RangeInclusive<i64>,
    ) -> R<Option<T>> {
        let Some(v) = v else { return Ok(None) };
        match T::try_from(v) {
            Ok(t) if range.contains(&v) => Ok(Some(t)),
            _ => {
                let (lo, hi) = range.into_inner();
                self.bad(
                    key,
                    format!("{what} must be between {lo} and {hi}, found {v}"),
                )
            }
        }
    }

    /// A duration within `range`, else "RULE, found 250ms".
    pub(super) fn dur(
        &self,
        key: &str,
        v: Nanos,
        range: RangeInclusive<Nanos>,
        rule: &str,
    ) -> R<Nanos> {
        self.within(key, v, range, rule, format_duration)
    }

    /// `v` within `range`, else "RULE, found V" with V as `show` writes it.
    pub(super) fn within<T: PartialOrd + Copy>(
        &self,
        key: &str,
        v: T,
        range: RangeInclusive<T>,
        rule: &str,
        show: impl Fn(T) -> String,
    ) -> R<T> {
        if range.contains(&v) {
            return Ok(v);
        }
        self.bad(key, format!("{rule}, found {}", show(v)))
    }

    /// A count or size that must not be zero: "must be positive".
    pub(super) fn nonzero(&self, key: &str, v: u64) -> R<u64> {
        if v == 0 {
            return self.bad(key, "must be positive");
        }
        Ok(v)
    }

    /// A finite number above zero: "WHAT must be a positive number, found V".
    pub(super) fn positive(&self, key: &str, v: f64, what: &str) -> R<f64> {
        if !(v.is_finite() && v > 0.0) {
            return self.bad(key, format!("{what} must be a positive number, found {v}"));
        }
        Ok(v)
    }

    /// A probability: 0 to 1.
    pub(super) fn probability(&self, key: &str, v: f64) -> R<f64> {
        self.within(
            key,
            v,
            0.0..=1.0,
            "a probability must be between 0 and 1",
            |v| v.to_string(),
        )
    }

    /// A rate multiplier: finite, zero or more.
    pub(super) fn multiplier(&self, key: &str, v: f64) -> R<f64> {
        if !(v.is_finite() && v >= 0.0) {
            return self.bad(key, "a rate multiplier must be zero or more");
        }
        Ok(v)
    }
}

/// "300s" rather than "5m": AWS states these limits in seconds.
pub(super) fn seconds(ns: Nanos) -> String {
    let s = ns as f64 / SEC as f64;
    if s.fract() == 0.0 {
        format!("{s}s")
    } else {
        format!("{s:.3}s")
    }
}

/// Hours, as AWS states retention.
pub(super) fn hours(ns: Nanos) -> String {
    let h = ns as f64 / HOUR as f64;
    if h.fract() == 0.0 {
        format!("{h}h")
    } else {
        format!("{h:.3}h")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::MS;

    fn message<T: std::fmt::Debug>(r: R<T>) -> String {
        let e = r.unwrap_err();
        format!("{}: {}", e.path, e.message)
    }

    #[test]
    fn paths_join_tables_and_keys() {
        let k = Keys::new("consumers.fn");
        assert_eq!(k.path("batch_size"), "consumers.fn.batch_size");
        assert_eq!(
            k.table("function").path("timeout"),
            "consumers.fn.function.timeout"
        );
        assert_eq!(k.path(""), "consumers.fn");
        assert_eq!(Keys::new("").path("seed"), "seed");
    }

    #[test]
    fn integers_are_checked_only_when_given() {
        let k = Keys::new("c");
        assert_eq!(k.int::<u32>("n", None, 1..=10), Ok(None));
        assert_eq!(k.int::<u32>("n", Some(10), 1..=10), Ok(Some(10)));
        assert_eq!(
            message(k.int::<u32>("n", Some(0), 1..=10)),
            "c.n: n must be between 1 and 10, found 0"
        );
        assert_eq!(
            message(k.int_as::<u32>("n", "the count", Some(11), 1..=10)),
            "c.n: the count must be between 1 and 10, found 11"
        );
    }

    #[test]
    fn bounded_values_show_what_was_found() {
        let k = Keys::new("f");
        assert_eq!(
            message(k.dur(
                "timeout",
                0,
                1..=15 * MS,
                "timeout must be between 1ns and 15ms"
            )),
            "f.timeout: timeout must be between 1ns and 15ms, found 0s"
        );
        assert_eq!(
            message(k.probability("p", 1.5)),
            "f.p: a probability must be between 0 and 1, found 1.5"
        );
        assert!(k.probability("p", f64::NAN).is_err());
        assert_eq!(message(k.nonzero("b", 0)), "f.b: must be positive");
        assert!(k.positive("r", 0.0, "the rate").is_err());
        assert_eq!(seconds(300 * SEC), "300s");
        assert_eq!(hours(HOUR / 2), "0.500h");
    }
}
