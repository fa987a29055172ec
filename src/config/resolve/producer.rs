//! `[producers.NAME]`: rate, arrivals, record sizes, how keys spread over shards, and the rate's
//! profile over time.

use super::check::{Keys, R};
use super::dist::dist;
use crate::config::raw::{ArrivalsRaw, KeysRaw, ProfileRaw, RawProducer, SourceRaw};
use crate::dist::Dist;
use crate::model::aws;
use crate::model::spec::{ArrivalKind, ProducerSpec, Profile, StreamKind, StreamSpec};

/// The most records per second a producer may write: one per nanosecond, the clock's resolution.
pub(crate) const MAX_RATE: f64 = 1e9;

/// `si` and `s` are the stream the producer writes to.
pub(super) fn producer(
    k: &Keys,
    name: &str,
    si: usize,
    s: &StreamSpec,
    p: &RawProducer,
) -> R<ProducerSpec> {
    let rate = k.positive("rate", p.rate, "the rate (records per second)")?;
    if rate > MAX_RATE {
        return k.bad(
            "rate",
            format!("the rate must be at most 1e9 records per second (one per nanosecond, the simulation clock's resolution), found {rate}"),
        );
    }
    let record_size = match &p.record_size {
        None => Dist::Fixed(1024.0),
        Some(d) => dist(&k.path("record_size"), d)?,
    };
    record_size_fits(k, s.kind, &record_size)?;
    let duplicate_probability = duplicates(k, s, p)?;
    let shard_weights = shard_weights(&k.table("keys"), s.shards as usize, p.keys.as_ref())?;
    let pk = k.table("profile");
    let profile = profile(&pk, p.profile.as_ref())?;
    let peak = match &profile {
        Profile::Flat => 1.0,
        Profile::OnOff { high, low, .. } => high.max(*low),
        Profile::Periodic { multipliers, .. } => multipliers.iter().copied().fold(0.0, f64::max),
    };
    if rate * peak > MAX_RATE {
        return pk.bad(
            "",
            format!(
                "the rate times the largest multiplier is {}, more than 1e9 records per second (one per nanosecond, the simulation clock's resolution)",
                rate * peak
            ),
        );
    }
    Ok(ProducerSpec {
        name: name.to_string(),
        stream: si,
        rate,
        arrivals: match p.arrivals {
            None | Some(ArrivalsRaw::Poisson) => ArrivalKind::Poisson,
            Some(ArrivalsRaw::Constant) => ArrivalKind::Constant,
        },
        record_size,
        shard_weights,
        profile,
        duplicate_probability,
    })
}

/// A record the stream could never take stalls its shard's writes for the whole run: refused.
fn record_size_fits(k: &Keys, kind: StreamKind, size: &Dist) -> R<()> {
    let (limit, what) = match kind {
        StreamKind::Kinesis => (
            aws::KINESIS_MAX_RECORD_BYTES,
            "a Kinesis record holds at most 1 MiB (1048576 bytes)",
        ),
        StreamKind::DynamoDbStreams => (
            aws::DYNAMODB_MAX_ITEM_BYTES,
            "a DynamoDB item is at most 400 KB (409600 bytes)",
        ),
    };
    let upper = size.upper();
    if upper <= limit as f64 {
        return Ok(());
    }
    let which = match size {
        Dist::Fixed(_) => "the record size",
        Dist::Uniform { .. } => "the largest record size",
        _ => "the record size's 99th percentile",
    };
    k.bad(
        "record_size",
        format!(
            "{which} is {} bytes, but {what}; records that large are refused by AWS",
            upper.round()
        ),
    )
}

/// The share of records written twice: a DynamoDB table's Kinesis stream has a few by default.
fn duplicates(k: &Keys, s: &StreamSpec, p: &RawProducer) -> R<f64> {
    if p.source == Some(SourceRaw::DynamodbTable) && s.kind != StreamKind::Kinesis {
        return k.bad(
            "source",
            "a DynamoDB table streams into a Kinesis stream (Kinesis Data Streams for DynamoDB); \
             its own DynamoDB stream is kind = \"dynamodb-streams\" with an application producer",
        );
    }
    let default = match p.source {
        Some(SourceRaw::DynamodbTable) => aws::DYNAMODB_KINESIS_DUPLICATES,
        _ => 0.0,
    };
    let v = k.probability(
        "duplicate_probability",
        p.duplicate_probability.unwrap_or(default),
    )?;
    if v >= 1.0 {
        return k.bad(
            "duplicate_probability",
            "duplicate_probability must be below 1",
        );
    }
    Ok(v)
}

/// The share of records each of `n` shards receives; `k` is the `keys` table.
fn shard_weights(k: &Keys, n: usize, keys: Option<&KeysRaw>) -> R<Vec<f64>> {
    Ok(match keys {
        None | Some(KeysRaw::Uniform) => vec![1.0 / n as f64; n],
        Some(KeysRaw::Zipf { keys, exponent }) => {
            k.int::<i64>("keys", Some(*keys), 1..=10_000_000)?;
            k.positive("exponent", *exponent, "the Zipf exponent")?;
            let mut w = vec![0.0; n];
            for key in 1..=*keys as u64 {
                // A stable hash of the key picks its shard, as an MD5 of the partition key would.
                let shard = (crate::engine::rng::mix64(key) % n as u64) as usize;
                w[shard] += 1.0 / (key as f64).powf(*exponent);
            }
            let total: f64 = w.iter().sum();
            w.iter().map(|x| x / total).collect()
        }
        Some(KeysRaw::Hot { share }) => {
            let share = k.probability("share", *share)?;
            let mut w = vec![(1.0 - share) / n as f64; n];
            w[0] += share;
            w
        }
    })
}

/// The rate's multiplier over time; `k` is the `profile` table.
fn profile(k: &Keys, raw: Option<&ProfileRaw>) -> R<Profile> {
    Ok(match raw {
        None | Some(ProfileRaw::Flat) => Profile::Flat,
        Some(ProfileRaw::OnOff { on, off, high, low }) => {
            let high = k.multiplier("high", *high)?;
            let low = k.multiplier("low", low.unwrap_or(1.0))?;
            let on = dist(&k.path("on"), on)?;
            let off = dist(&k.path("off"), off)?;
            if on.mean() <= 0.0 || off.mean() <= 0.0 {
                return k.bad("", "on and off periods must be positive");
            }
            Profile::OnOff { on, off, high, low }
        }
        Some(ProfileRaw::Periodic {
            period,
            multipliers,
        }) => {
            if period.0 == 0 {
                return k.bad("period", "the period must be positive");
            }
            if multipliers.is_empty() || multipliers.iter().any(|m| !(m.is_finite() && *m >= 0.0)) {
                return k.bad(
                    "multipliers",
                    "give at least one multiplier, each zero or more",
                );
            }
            Profile::Periodic {
                period: period.0,
                multipliers: multipliers.clone(),
            }
        }
    })
}
