//! Values of assumed parameters: their units, parsing from TOML, mapping a unit sample onto a
//! range, and writing them back as `--set` values.

use super::AssumptionError;
use crate::config::units::parse_size;
use crate::engine::time::{parse_duration, Nanos, HOUR, MIN, MS, SEC, US};

/// What an assumed parameter measures; decides how it is parsed, sampled and written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Duration,
    Bytes,
    Count,
    CallsPerS,
    RecordsPerS,
    Probability,
    Choice,
}

impl Unit {
    pub fn parse(text: &str) -> Result<Unit, AssumptionError> {
        Ok(match text {
            "duration" => Unit::Duration,
            "bytes" => Unit::Bytes,
            "count" => Unit::Count,
            "calls/s" => Unit::CallsPerS,
            "records/s" => Unit::RecordsPerS,
            "probability" => Unit::Probability,
            "choice" => Unit::Choice,
            other => return Err(AssumptionError::UnknownUnit(other.to_string())),
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Unit::Duration => "duration",
            Unit::Bytes => "bytes",
            Unit::Count => "count",
            Unit::CallsPerS => "calls/s",
            Unit::RecordsPerS => "records/s",
            Unit::Probability => "probability",
            Unit::Choice => "choice",
        }
    }

    fn is_integer(self) -> bool {
        matches!(self, Unit::Count | Unit::CallsPerS | Unit::RecordsPerS)
    }
}

/// How a unit sample u in [0, 1) spreads over [low, high].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    Linear,
    /// Log-uniform: every factor between low and high is equally likely.
    Log,
}

/// One value of an assumed parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Nanos(Nanos),
    Bytes(u64),
    Int(i64),
    Real(f64),
    /// One of the catalogue's `values`, with its position in that list.
    Choice(usize, toml::Value),
}

impl Value {
    /// Reads a TOML value as `unit`; `choices` lists the allowed values of a choice.
    pub fn from_toml(
        unit: Unit,
        v: &toml::Value,
        choices: &[toml::Value],
    ) -> Result<Value, AssumptionError> {
        let bad = || AssumptionError::NotA {
            value: v.to_string(),
            unit: unit.name(),
        };
        match (unit, v) {
            (Unit::Duration, toml::Value::String(s)) => Ok(Value::Nanos(parse_duration(s)?)),
            (Unit::Duration, toml::Value::Integer(0)) => Ok(Value::Nanos(0)),
            (Unit::Bytes, toml::Value::String(s)) => Ok(Value::Bytes(parse_size(s)?)),
            (Unit::Bytes, toml::Value::Integer(i)) if *i >= 0 => Ok(Value::Bytes(*i as u64)),
            (u, toml::Value::Integer(i)) if u.is_integer() => Ok(Value::Int(*i)),
            (Unit::Probability, toml::Value::Float(f)) if (0.0..=1.0).contains(f) => {
                Ok(Value::Real(*f))
            }
            (Unit::Probability, toml::Value::Integer(i)) if (0..=1).contains(i) => {
                Ok(Value::Real(*i as f64))
            }
            (Unit::Choice, v) => choices
                .iter()
                .position(|c| c == v)
                .map(|i| Value::Choice(i, v.clone()))
                .ok_or_else(|| AssumptionError::NotAChoice(v.to_string())),
            _ => Err(bad()),
        }
    }

    /// The value as a number: nanoseconds, bytes, the count, the probability, or a choice's index.
    pub fn as_f64(&self) -> f64 {
        match self {
            Value::Nanos(n) | Value::Bytes(n) => *n as f64,
            Value::Int(i) => *i as f64,
            Value::Real(r) => *r,
            Value::Choice(i, _) => *i as f64,
        }
    }

    /// The value as TOML text for `--set` (`"250ms"`, `2097152`, `10`, `0.001`, `true`).
    pub fn toml_text(&self) -> String {
        match self {
            Value::Nanos(n) => format!("\"{}\"", duration_text(*n)),
            Value::Bytes(b) => bytes_text(*b),
            Value::Int(i) => i.to_string(),
            Value::Real(r) => toml::Value::Float(*r).to_string(),
            Value::Choice(_, v) => v.to_string(),
        }
    }

    /// The value as a TOML value, for tables built around it.
    pub fn toml_value(&self) -> toml::Value {
        match self {
            Value::Nanos(n) => toml::Value::String(duration_text(*n)),
            Value::Bytes(b) => toml::Value::Integer(*b as i64),
            Value::Int(i) => toml::Value::Integer(*i),
            Value::Real(r) => toml::Value::Float(*r),
            Value::Choice(_, v) => v.clone(),
        }
    }

    /// The value for people: `250ms`, `2MiB`, `10`, `0.001`, `full`.
    pub fn display(&self) -> String {
        match self {
            Value::Nanos(n) => duration_text(*n),
            Value::Bytes(b) => bytes_text(*b).trim_matches('"').to_string(),
            Value::Choice(_, toml::Value::String(s)) => s.clone(),
            other => other.toml_text(),
        }
    }
}

/// A duration in the largest unit that divides it exactly, so that it reads back unchanged.
pub(crate) fn duration_text(ns: Nanos) -> String {
    const UNITS: [(Nanos, &str); 5] = [(HOUR, "h"), (MIN, "m"), (SEC, "s"), (MS, "ms"), (US, "us")];
    if ns == 0 {
        return "0s".into();
    }
    UNITS
        .iter()
        .find(|(u, _)| ns.is_multiple_of(*u))
        .map_or(format!("{ns}ns"), |(u, name)| format!("{}{name}", ns / u))
}

/// A size as `"2MiB"` or `"512KiB"` when exact, else a bare number of bytes.
fn bytes_text(b: u64) -> String {
    const UNITS: [(u64, &str); 2] = [(1 << 20, "MiB"), (1 << 10, "KiB")];
    match UNITS.iter().find(|(u, _)| b > 0 && b.is_multiple_of(*u)) {
        Some((u, name)) => format!("\"{}{name}\"", b / u),
        None => b.to_string(),
    }
}

/// A parameter's range, ready to turn unit samples into values.
#[derive(Clone, Debug, PartialEq)]
pub struct Range {
    pub unit: Unit,
    pub low: Value,
    pub high: Value,
    pub scale: Scale,
    /// The values of a choice, sampled with equal weight.
    pub values: Vec<toml::Value>,
}

impl Range {
    /// The value at u in [0, 1): a choice by equal slices, integers uniform over low..=high (or
    /// log-uniform), durations, sizes and probabilities rounded to three significant digits.
    pub fn at(&self, u: f64) -> Value {
        let u = u.clamp(0.0, 1.0);
        if self.unit == Unit::Choice {
            let i = ((u * self.values.len() as f64) as usize).min(self.values.len() - 1);
            return Value::Choice(i, self.values[i].clone());
        }
        let (lo, hi) = (self.low.as_f64(), self.high.as_f64());
        let integer = self.unit.is_integer();
        let top = if integer { hi + 1.0 } else { hi };
        let x = match self.scale {
            Scale::Linear => lo + u * (top - lo),
            Scale::Log => lo * (top / lo).powf(u),
        };
        let x = if integer { x.floor() } else { round3(x) };
        let x = x.clamp(lo, hi);
        match self.unit {
            Unit::Duration => Value::Nanos(x.round() as u64),
            Unit::Bytes => Value::Bytes(x.round() as u64),
            Unit::Probability => Value::Real(x),
            _ => Value::Int(x as i64),
        }
    }
}

/// Rounds to three significant digits, so that sampled values read like values people choose.
fn round3(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    // Through decimal text, so that the result is the double nearest the three-digit number.
    format!("{x:.2e}").parse().unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(unit: Unit, low: Value, high: Value, scale: Scale) -> Range {
        Range {
            unit,
            low,
            high,
            scale,
            values: vec![],
        }
    }

    #[test]
    fn durations_read_back_unchanged() {
        for ns in [0, 1, 1500, 250 * MS, 1230 * MS, 15 * MIN, 3 * HOUR, 70 * MS] {
            assert_eq!(parse_duration(&duration_text(ns)).unwrap(), ns);
        }
        assert_eq!(duration_text(250 * MS), "250ms");
        assert_eq!(duration_text(15 * MIN), "15m");
    }

    #[test]
    fn log_ranges_cover_their_ends_and_round_to_three_digits() {
        let r = range(
            Unit::Duration,
            Value::Nanos(100 * MS),
            Value::Nanos(SEC),
            Scale::Log,
        );
        assert_eq!(r.at(0.0), Value::Nanos(100 * MS));
        assert_eq!(r.at(1.0), Value::Nanos(SEC));
        assert_eq!(r.at(0.5), Value::Nanos(316 * MS));
    }

    #[test]
    fn integers_are_uniform_over_every_value() {
        let r = range(Unit::Count, Value::Int(6), Value::Int(12), Scale::Linear);
        let mut seen = [0; 7];
        for k in 0..700 {
            let Value::Int(v) = r.at((k as f64 + 0.5) / 700.0) else {
                panic!()
            };
            seen[(v - 6) as usize] += 1;
        }
        assert_eq!(seen, [100; 7]);
    }

    #[test]
    fn choices_take_equal_slices() {
        let r = Range {
            unit: Unit::Choice,
            low: Value::Int(0),
            high: Value::Int(0),
            scale: Scale::Linear,
            values: vec![toml::Value::Boolean(false), toml::Value::Boolean(true)],
        };
        assert_eq!(r.at(0.49).toml_text(), "false");
        assert_eq!(r.at(0.5).toml_text(), "true");
        assert_eq!(r.at(1.0).toml_text(), "true");
    }

    #[test]
    fn values_are_written_as_toml() {
        assert_eq!(Value::Bytes(2 << 20).toml_text(), "\"2MiB\"");
        assert_eq!(Value::Bytes(3_160_000).toml_text(), "3160000");
        assert_eq!(Value::Real(0.001).toml_text(), "0.001");
        assert_eq!(Value::Nanos(0).toml_text(), "\"0s\"");
    }
}
