//! The metrics and statistics the simulator understands, by their CloudWatch names.

use std::fmt;

/// A CloudWatch metric the simulator can use or compare against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Known {
    /// Records put to the stream (or shard, with enhanced monitoring).
    KinesisIncomingRecords,
    /// Bytes put to the stream.
    KinesisIncomingBytes,
    /// GetRecords calls throttled by the shard's read limits.
    KinesisReadThrottled,
    /// Age of the last record returned by GetRecords.
    KinesisIteratorAge,
    /// How far an enhanced fan-out subscriber is behind the tip of the shard.
    KinesisMillisBehindLatest,
    /// Lambda's age of the last record of each batch, for stream event sources.
    LambdaIteratorAge,
    /// Time spent in the function's code.
    LambdaDuration,
    LambdaInvocations,
    LambdaErrors,
    LambdaThrottles,
    LambdaConcurrentExecutions,
    /// Stream records returned by DynamoDB Streams GetRecords (dimension `Operation=GetRecords`).
    DynamoReturnedRecordsCount,
    /// Bytes returned by DynamoDB Streams GetRecords (dimension `Operation=GetRecords`).
    DynamoReturnedBytes,
}

/// Every known metric with its namespace, metric name and unit: one row each.
#[rustfmt::skip]
const TABLE: &[(Known, &str, &str, &str)] = &[
    (Known::KinesisIncomingRecords, "AWS/Kinesis", "IncomingRecords", "Count"),
    (Known::KinesisIncomingBytes, "AWS/Kinesis", "IncomingBytes", "Bytes"),
    (Known::KinesisReadThrottled, "AWS/Kinesis", "ReadProvisionedThroughputExceeded", "Count"),
    (Known::KinesisIteratorAge, "AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", "Milliseconds"),
    (Known::KinesisMillisBehindLatest, "AWS/Kinesis", "SubscribeToShardEvent.MillisBehindLatest", "Milliseconds"),
    (Known::LambdaIteratorAge, "AWS/Lambda", "IteratorAge", "Milliseconds"),
    (Known::LambdaDuration, "AWS/Lambda", "Duration", "Milliseconds"),
    (Known::LambdaInvocations, "AWS/Lambda", "Invocations", "Count"),
    (Known::LambdaErrors, "AWS/Lambda", "Errors", "Count"),
    (Known::LambdaThrottles, "AWS/Lambda", "Throttles", "Count"),
    (Known::LambdaConcurrentExecutions, "AWS/Lambda", "ConcurrentExecutions", "Count"),
    (Known::DynamoReturnedRecordsCount, "AWS/DynamoDB", "ReturnedRecordsCount", "Count"),
    (Known::DynamoReturnedBytes, "AWS/DynamoDB", "ReturnedBytes", "Bytes"),
];

impl Known {
    /// Every known metric, in table order.
    pub fn all() -> impl Iterator<Item = Known> {
        TABLE.iter().map(|row| row.0)
    }

    fn row(self) -> &'static (Known, &'static str, &'static str, &'static str) {
        TABLE
            .iter()
            .find(|row| row.0 == self)
            .expect("every Known has a row")
    }

    pub fn namespace(self) -> &'static str {
        self.row().1
    }

    pub fn name(self) -> &'static str {
        self.row().2
    }

    /// The CloudWatch unit its datapoints carry.
    pub fn unit(self) -> &'static str {
        self.row().3
    }

    /// The metric with this namespace and name.
    pub fn from_names(namespace: &str, name: &str) -> Option<Known> {
        TABLE
            .iter()
            .find(|row| row.1 == namespace && row.2 == name)
            .map(|row| row.0)
    }

    /// The metrics with this name in any namespace (get-metric-statistics output names no
    /// namespace).
    pub fn by_name(name: &str) -> Vec<Known> {
        TABLE
            .iter()
            .filter(|row| row.2 == name)
            .map(|row| row.0)
            .collect()
    }
}

impl fmt::Display for Known {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{} {}", self.namespace(), self.name())
    }
}

/// A CloudWatch statistic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stat {
    SampleCount,
    Average,
    Sum,
    Minimum,
    Maximum,
    /// `pNN`, with NN in `[0, 100]`.
    Percentile(f64),
}

impl Stat {
    /// Parses a statistic as CloudWatch spells it (`Sum`, `p99`, `p99.9`); `None` for the ones
    /// the simulator does not use (trimmed means, `IQM`, `TC`, ...).
    pub fn parse(s: &str) -> Option<Stat> {
        Some(match s {
            "SampleCount" => Stat::SampleCount,
            "Average" => Stat::Average,
            "Sum" => Stat::Sum,
            "Minimum" => Stat::Minimum,
            "Maximum" => Stat::Maximum,
            _ => return percentile(s).map(Stat::Percentile),
        })
    }
}

fn percentile(s: &str) -> Option<f64> {
    let digits = s.strip_prefix('p')?;
    // `f64::from_str` also takes "inf", "NaN" and exponents, which CloudWatch never writes.
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let p: f64 = digits.parse().ok()?;
    (0.0..=100.0).contains(&p).then_some(p)
}

impl fmt::Display for Stat {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Stat::SampleCount => f.write_str("SampleCount"),
            Stat::Average => f.write_str("Average"),
            Stat::Sum => f.write_str("Sum"),
            Stat::Minimum => f.write_str("Minimum"),
            Stat::Maximum => f.write_str("Maximum"),
            Stat::Percentile(p) => write!(f, "p{p}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_round_trips_through_its_names() {
        for k in Known::all() {
            assert_eq!(Known::from_names(k.namespace(), k.name()), Some(k));
            assert_eq!(Known::by_name(k.name()), vec![k], "names are unique");
        }
        assert_eq!(Known::from_names("AWS/EC2", "CPUUtilization"), None);
        assert_eq!(Known::from_names("AWS/Lambda", "IncomingRecords"), None);
    }

    #[test]
    fn statistics_round_trip_through_their_names() {
        for s in [
            "SampleCount",
            "Average",
            "Sum",
            "Minimum",
            "Maximum",
            "p50",
            "p99",
            "p99.9",
        ] {
            assert_eq!(Stat::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(Stat::parse("p99.9"), Some(Stat::Percentile(99.9)));
    }

    #[test]
    fn statistics_the_simulator_does_not_use_are_refused() {
        for s in [
            "tm99", "IQM", "p", "p101", "pinf", "pNaN", "p1e1", "average", "wm90", "TC(10:)",
        ] {
            assert_eq!(Stat::parse(s), None, "{s}");
        }
    }
}
