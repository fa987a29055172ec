//! Price files (models/prices/*.toml): unit prices with their unit, date and source.

use super::error::{did_you_mean, ConfigError};
use super::source::error_at;
use crate::model::cost::Prices;
use serde::de::{self, value::MapDeserializer};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// The prices shipped with `sim` (models/prices/us-east-1.toml), used when no file is given.
pub const DEFAULT: &str = include_str!("../../models/prices/us-east-1.toml");

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrices {
    region: String,
    currency: String,
    prices: BTreeMap<String, RawPrice>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // unit, as_of and source document the file; only usd is computed with
struct RawPrice {
    usd: f64,
    unit: String,
    as_of: String,
    source: String,
}

/// The `[prices.NAME]` tables by name, each read as its `usd` into the field of [`Prices`] with
/// that name (the compiler checks this list against [`Prices`] field for field).
#[derive(serde::Deserialize)]
#[serde(remote = "Prices", deny_unknown_fields)]
struct PricesByName {
    kinesis_shard_hour: f64,
    kinesis_put_payload_units_million: f64,
    kinesis_extended_retention_shard_hour: f64,
    kinesis_long_term_retention_gb_month: f64,
    efo_consumer_shard_hour: f64,
    efo_data_retrieval_gb: f64,
    dynamodb_stream_read_units_100k: f64,
    lambda_requests_million: f64,
    lambda_gb_second: f64,
    lambda_provisioned_gb_second: f64,
    pipes_requests_million: f64,
    on_demand_stream_hour: f64,
    on_demand_data_in_gb: f64,
    on_demand_data_retrieval_gb: f64,
}

/// Why a table of prices does not fit [`Prices`]; its `unknown_field` also reports every name.
#[derive(Debug)]
enum Misfit {
    Unknown(&'static [&'static str]),
    Other(String),
}

impl de::Error for Misfit {
    fn custom<T: fmt::Display>(msg: T) -> Misfit {
        Misfit::Other(msg.to_string())
    }

    fn unknown_field(_: &str, expected: &'static [&'static str]) -> Misfit {
        Misfit::Unknown(expected)
    }
}

impl fmt::Display for Misfit {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Misfit::Unknown(names) => write!(f, "expected one of {}", names.join(", ")),
            Misfit::Other(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Misfit {}

fn from_usd<'a>(usd: impl Iterator<Item = (&'a str, f64)>) -> Result<Prices, Misfit> {
    PricesByName::deserialize(MapDeserializer::new(usd))
}

/// The price names, in the order of [`Prices`]' fields (serde lists them on an unknown one).
fn names() -> &'static [&'static str] {
    match from_usd(std::iter::once(("", 0.0))) {
        Err(Misfit::Unknown(names)) => names,
        _ => &[],
    }
}

/// Parses a price file; every price must be present, non-negative, and in USD.
pub fn parse(path: &Path, text: &str) -> Result<Prices, ConfigError> {
    let raw: RawPrices = super::parse_located(path, text)?;
    let fail = |key: &str, message: String| error_at(path, text, key, message);
    if raw.currency != "USD" {
        return Err(fail(
            "currency",
            format!("only USD is supported, found `{}`", raw.currency),
        ));
    }
    let _ = &raw.region;
    let names = names();
    if let Some(k) = raw.prices.keys().find(|k| !names.contains(&k.as_str())) {
        let hint = did_you_mean(k, names);
        return Err(fail(
            &format!("prices.{k}"),
            format!("unknown price `{k}`{hint}"),
        ));
    }
    for name in names {
        match raw.prices.get(*name) {
            None => return Err(fail("prices", format!("missing price `{name}`"))),
            Some(p) if !(p.usd.is_finite() && p.usd >= 0.0) => {
                return Err(fail(
                    &format!("prices.{name}.usd"),
                    format!("a price must be zero or more, found {}", p.usd),
                ))
            }
            Some(_) => {}
        }
    }
    from_usd(raw.prices.iter().map(|(k, p)| (k.as_str(), p.usd)))
        .map_err(|e| fail("prices", e.to_string()))
}

/// Loads `path`, or the shipped prices when `None`.
pub fn load(path: Option<&Path>) -> Result<Prices, ConfigError> {
    match path {
        Some(p) => parse(p, &super::read_text(p)?),
        None => parse(Path::new("models/prices/us-east-1.toml"), DEFAULT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_prices_load() {
        let p = load(None).unwrap();
        assert_eq!(p.kinesis_shard_hour, 0.015);
        assert_eq!(p.lambda_requests_million, 0.20);
        assert_eq!(names().len(), 14);
        assert_eq!(names()[0], "kinesis_shard_hour");
    }

    #[test]
    fn a_misspelt_price_is_named() {
        let text = DEFAULT.replace("[prices.lambda_gb_second]", "[prices.lambda_gb_secnd]");
        let e = parse(Path::new("p.toml"), &text).unwrap_err().to_string();
        assert!(e.contains("did you mean `lambda_gb_second`"), "{e}");
    }

    #[test]
    fn a_missing_or_negative_price_is_named() {
        let at = DEFAULT.find("[prices.lambda_gb_second]").unwrap();
        let end = at + DEFAULT[at + 1..].find("[prices.").unwrap();
        let text = format!("{}{}", &DEFAULT[..at], &DEFAULT[end + 1..]);
        let e = parse(Path::new("p.toml"), &text).unwrap_err().to_string();
        assert!(e.contains("missing price `lambda_gb_second`"), "{e}");
        let text = DEFAULT.replacen("usd = 0.015", "usd = -1", 1);
        let e = parse(Path::new("p.toml"), &text).unwrap_err().to_string();
        assert!(e.contains("key `prices.kinesis_shard_hour.usd`"), "{e}");
    }
}
