//! Quantities as users type them: durations ("250ms") and sizes ("1KiB", "6MB" or a byte count).

use super::Problem;
use crate::engine::time::parse_duration;
use crate::engine::Nanos;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::fmt;

/// A duration typed as a human string; holds nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dur(pub Nanos);

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Dur;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration string such as \"250ms\", \"90s\" or \"1h\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Dur, E> {
                if s.trim_start().starts_with('-') {
                    return Err(E::custom(format!(
                        "`{s}` is negative: a duration must be zero or more"
                    )));
                }
                parse_duration(s).map(Dur).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dur, E> {
                if v == 0 {
                    Ok(Dur(0))
                } else if v < 0 {
                    Err(E::custom(format!(
                        "`{v}` is negative: a duration must be zero or more"
                    )))
                } else {
                    Err(E::custom(format!(
                        "`{v}` has no unit: write a duration string such as \"{v}s\" or \"{v}ms\""
                    )))
                }
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Dur, E> {
                Err(E::custom(format!(
                    "`{v}` has no unit: write a duration string such as \"{v}s\" or \"{v}ms\""
                )))
            }
        }
        d.deserialize_any(V)
    }
}

/// A duration, or the word `"off"` (`None`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OptDur(pub Option<Nanos>);

impl<'de> Deserialize<'de> for OptDur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = OptDur;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration string such as \"4h\", or \"off\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<OptDur, E> {
                if s.trim() == "off" {
                    return Ok(OptDur(None));
                }
                if s.trim_start().starts_with('-') {
                    return Err(E::custom(format!(
                        "`{s}` is negative: write a duration such as \"4h\", or \"off\""
                    )));
                }
                parse_duration(s)
                    .map(|d| OptDur(Some(d)))
                    .map_err(|e| E::custom(format!("{e}; or write \"off\"")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<OptDur, E> {
                Dur::deserialize(de::value::I64Deserializer::<E>::new(v)).map(|d| OptDur(Some(d.0)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<OptDur, E> {
                Dur::deserialize(de::value::F64Deserializer::<E>::new(v)).map(|d| OptDur(Some(d.0)))
            }
        }
        d.deserialize_any(V)
    }
}

/// Parses a size: a non-negative number with an optional unit B, KB, MB, GB (powers of 1000) or
/// KiB, MiB, GiB (powers of 1024).
pub(crate) fn parse_size(text: &str) -> Result<u64, Problem> {
    let s = text.trim();
    if s.starts_with('-') {
        return Err(Problem::NegativeSize(text.to_string()));
    }
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let mult: f64 = match unit.trim() {
        "" | "B" => 1.0,
        "KB" | "kB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(Problem::SizeUnit {
                text: text.to_string(),
                unit: other.to_string(),
            })
        }
    };
    let v: f64 = num
        .parse()
        .map_err(|_| Problem::NotASize(text.to_string()))?;
    let bytes = v * mult;
    if !bytes.is_finite() || bytes > 1e18 {
        return Err(Problem::SizeTooLarge(text.to_string()));
    }
    Ok(bytes.round() as u64)
}

/// A size in bytes, typed as an integer or a string with a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bytes(pub u64);

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Bytes;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a size such as 1024, \"1KiB\" or \"6MB\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Bytes, E> {
                parse_size(s).map(Bytes).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Bytes, E> {
                u64::try_from(v)
                    .map(Bytes)
                    .map_err(|_| E::custom(format!("a size cannot be negative, found {v}")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Bytes, E> {
                Ok(Bytes(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// A distribution as typed: a bare quantity (fixed) or a table tagged by `kind`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum DistRaw<Q> {
    Bare(Q),
    Tagged(Tagged<Q>),
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub(crate) enum Tagged<Q> {
    Fixed { value: Q },
    Exponential { mean: Q },
    Lognormal { median: Q, p99: Q },
    Uniform { min: Q, max: Q },
}

impl<'de, Q: Deserialize<'de>> Deserialize<'de> for DistRaw<Q> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<Q>(std::marker::PhantomData<Q>);
        impl<'de, Q: Deserialize<'de>> Visitor<'de> for V<Q> {
            type Value = DistRaw<Q>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a value, or a table such as { kind = \"lognormal\", median = \"40ms\", p99 = \"400ms\" }",
                )
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Q::deserialize(de::value::StrDeserializer::new(s)).map(DistRaw::Bare)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Q::deserialize(de::value::I64Deserializer::new(v)).map(DistRaw::Bare)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Q::deserialize(de::value::U64Deserializer::new(v)).map(DistRaw::Bare)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Q::deserialize(de::value::F64Deserializer::new(v)).map(DistRaw::Bare)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Tagged::deserialize(de::value::MapAccessDeserializer::new(map)).map(DistRaw::Tagged)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_both_unit_families() {
        assert_eq!(parse_size("1KiB"), Ok(1024));
        assert_eq!(parse_size("6MB"), Ok(6_000_000));
        assert_eq!(parse_size("512"), Ok(512));
        assert_eq!(parse_size("2MiB"), Ok(2 << 20));
        assert!(parse_size("3 parsecs").is_err());
    }
}
