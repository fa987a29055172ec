//! Price files (models/prices/*.toml): unit prices with their unit, date and source.

use super::{ConfigError, Origin};
use crate::model::cost::Prices;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The prices shipped with `sim` (models/prices/us-east-1.toml), used when no file is given.
pub const DEFAULT: &str = include_str!("../../models/prices/us-east-1.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrices {
    region: String,
    currency: String,
    prices: BTreeMap<String, RawPrice>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // unit, as_of and source document the file; only usd is computed with
struct RawPrice {
    usd: f64,
    unit: String,
    as_of: String,
    source: String,
}

const KEYS: [&str; 14] = [
    "kinesis_shard_hour",
    "kinesis_put_payload_units_million",
    "kinesis_extended_retention_shard_hour",
    "kinesis_long_term_retention_gb_month",
    "efo_consumer_shard_hour",
    "efo_data_retrieval_gb",
    "dynamodb_stream_read_units_100k",
    "lambda_requests_million",
    "lambda_gb_second",
    "lambda_provisioned_gb_second",
    "pipes_requests_million",
    "on_demand_stream_hour",
    "on_demand_data_in_gb",
    "on_demand_data_retrieval_gb",
];

/// Parses a price file; every price must be present, non-negative, and in USD.
pub fn parse(path: &Path, text: &str) -> Result<Prices, ConfigError> {
    let raw: RawPrices = super::parse_located(path, text)?;
    let fail = |key: String, message: String| {
        let offset = super::span_of_key(text, &key).map_or(0, |s| s.start);
        let (line, col) = super::line_col(text, offset);
        ConfigError {
            origin: Origin::File {
                path: path.to_path_buf(),
                line,
                col,
            },
            key,
            message,
        }
    };
    if raw.currency != "USD" {
        return Err(fail(
            "currency".into(),
            format!("only USD is supported, found `{}`", raw.currency),
        ));
    }
    let _ = &raw.region;
    for k in raw.prices.keys() {
        if !KEYS.contains(&k.as_str()) {
            let hint = super::locate::suggest(k, &KEYS)
                .map_or(String::new(), |s| format!("; did you mean `{s}`?"));
            return Err(fail(
                format!("prices.{k}"),
                format!("unknown price `{k}`{hint}"),
            ));
        }
    }
    let get = |k: &str| -> Result<f64, ConfigError> {
        let p = raw
            .prices
            .get(k)
            .ok_or_else(|| fail("prices".into(), format!("missing price `{k}`")))?;
        if !(p.usd.is_finite() && p.usd >= 0.0) {
            return Err(fail(
                format!("prices.{k}.usd"),
                format!("a price must be zero or more, found {}", p.usd),
            ));
        }
        Ok(p.usd)
    };
    Ok(Prices {
        kinesis_shard_hour: get(KEYS[0])?,
        kinesis_put_payload_units_million: get(KEYS[1])?,
        kinesis_extended_retention_shard_hour: get(KEYS[2])?,
        kinesis_long_term_retention_gb_month: get(KEYS[3])?,
        efo_consumer_shard_hour: get(KEYS[4])?,
        efo_data_retrieval_gb: get(KEYS[5])?,
        dynamodb_stream_read_units_100k: get(KEYS[6])?,
        lambda_requests_million: get(KEYS[7])?,
        lambda_gb_second: get(KEYS[8])?,
        lambda_provisioned_gb_second: get(KEYS[9])?,
        pipes_requests_million: get(KEYS[10])?,
        on_demand_stream_hour: get(KEYS[11])?,
        on_demand_data_in_gb: get(KEYS[12])?,
        on_demand_data_retrieval_gb: get(KEYS[13])?,
    })
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
    }

    #[test]
    fn a_misspelt_price_is_named() {
        let text = DEFAULT.replace("[prices.lambda_gb_second]", "[prices.lambda_gb_secnd]");
        let e = parse(Path::new("p.toml"), &text).unwrap_err().to_string();
        assert!(e.contains("did you mean `lambda_gb_second`"), "{e}");
    }
}
