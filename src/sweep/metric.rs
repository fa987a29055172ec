//! The point metrics of a sweep, in one table: each knows its name, unit and meaning, how to read
//! itself from a [`RunReport`], and whether it is a column of the printed table or a chart of its
//! own. Sweep statistics, `summary.csv`, the `--json` object, the printed table, the plots and
//! `sim plan` objectives all take their metrics from here, so a metric computed from existing
//! report fields is one entry of the `metrics!` table below.

use crate::model::report::ConsumerReport;
use crate::model::RunReport;
use std::fmt;

/// What a metric's numbers count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Milliseconds,
    Seconds,
    Count,
    PerMinute,
    UsdPerMonth,
    /// A fraction between 0 and 1.
    Share,
}

/// How the printed sweep table shows a metric's mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A duration in milliseconds, shown in the most readable unit.
    Duration,
    /// A number with this many decimals.
    Decimals(usize),
}

/// A column of the printed sweep table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Column {
    pub header: &'static str,
    pub format: Format,
}

/// A chart of the metric against the swept axis (`<stem>.png` and `.svg`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Chart {
    pub stem: &'static str,
    pub title: &'static str,
    pub y_label: &'static str,
    /// Factor from the metric's unit to the chart's.
    pub scale: f64,
}

/// Everything known about one metric.
pub struct Def {
    pub name: &'static str,
    pub unit: Unit,
    pub description: &'static str,
    read: fn(&RunReport) -> f64,
    pub column: Option<Column>,
    pub chart: Option<Chart>,
}

/// Declares [`Metric`] (one variant per entry, in output order) and its table of [`Def`]s.
macro_rules! metrics {
    ($($variant:ident => $def:expr,)*) => {
        /// A point metric: what one run says about a point, over all its consumers.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Metric {
            $($variant,)*
        }

        impl Metric {
            /// Every metric, in output order.
            pub const ALL: &'static [Metric] = &[$(Metric::$variant,)*];
        }

        static DEFS: &[Def] = &[$($def,)*];
    };
}

const IT_AGE_S: &str = "IteratorAge (s)";

metrics! {
    IteratorAgeAvg => Def {
        name: "iterator_age_avg_ms",
        unit: Unit::Milliseconds,
        description: "mean over consumers of the average of their per-minute IteratorAge Averages",
        read: |r| mean(r, |c| c.iterator_age_ms.minute_avg),
        column: Some(Column { header: "age avg", format: Format::Duration }),
        chart: Some(Chart {
            stem: "iterator-age-avg",
            title: "IteratorAge, average of the per-minute Averages",
            y_label: IT_AGE_S,
            scale: 1e-3,
        }),
    },
    IteratorAgeWorstMinute => Def {
        name: "iterator_age_worst_minute_avg_ms",
        unit: Unit::Milliseconds,
        description: "largest per-minute IteratorAge Average of any consumer",
        read: |r| max(r, |c| c.iterator_age_ms.minute_avg_max),
        column: Some(Column { header: "worst min avg", format: Format::Duration }),
        chart: Some(Chart {
            stem: "iterator-age-worst-minute",
            title: "IteratorAge, worst per-minute Average",
            y_label: IT_AGE_S,
            scale: 1e-3,
        }),
    },
    IteratorAgeMax => Def {
        name: "iterator_age_max_ms",
        unit: Unit::Milliseconds,
        description: "largest IteratorAge of any consumer",
        read: |r| max(r, |c| c.iterator_age_ms.max),
        column: Some(Column { header: "age max", format: Format::Duration }),
        chart: Some(Chart {
            stem: "iterator-age-max",
            title: "IteratorAge, largest per-minute Maximum",
            y_label: IT_AGE_S,
            scale: 1e-3,
        }),
    },
    IteratorAgeP99 => Def {
        name: "iterator_age_p99_ms",
        unit: Unit::Milliseconds,
        description: "largest IteratorAge p99 of any consumer",
        read: |r| max(r, |c| c.iterator_age_ms.p99),
        column: Some(Column { header: "age p99", format: Format::Duration }),
        chart: None,
    },
    IteratorAgeP50 => Def {
        name: "iterator_age_p50_ms",
        unit: Unit::Milliseconds,
        description: "mean over consumers of their IteratorAge median",
        read: |r| mean(r, |c| c.iterator_age_ms.p50),
        column: None,
        chart: None,
    },
    ThrottledReadsPerMin => Def {
        name: "throttled_reads_per_min",
        unit: Unit::PerMinute,
        description: "throttled read calls per measured minute, all streams",
        read: |r| r.streams.iter().map(|s| s.throttled_reads_per_min).sum(),
        column: Some(Column { header: "throttled/min", format: Format::Decimals(1) }),
        chart: Some(Chart {
            stem: "throttled-reads",
            title: "throttled GetRecords calls (ReadProvisionedThroughputExceeded)",
            y_label: "throttled reads per minute (all shards)",
            scale: 1.0,
        }),
    },
    DeliveryLatency => Def {
        name: "delivery_latency_ms",
        unit: Unit::Milliseconds,
        description: "mean over consumers of the time from write to first send to the function",
        read: |r| mean(r, |c| c.delivery_latency_ms),
        column: Some(Column { header: "delay", format: Format::Duration }),
        chart: Some(Chart {
            stem: "delivery-latency",
            title: "mean delay from write to delivery",
            y_label: "propagation delay (ms)",
            scale: 1.0,
        }),
    },
    Errors => Def {
        name: "errors",
        unit: Unit::Count,
        description: "failed invocations, all consumers",
        read: |r| sum(r, |c| c.errors as f64),
        column: Some(Column { header: "errors", format: Format::Decimals(0) }),
        chart: None,
    },
    Duplicates => Def {
        name: "duplicates",
        unit: Unit::Count,
        description: "records processed more than once, all consumers",
        read: |r| sum(r, |c| c.duplicates as f64),
        column: Some(Column { header: "dups", format: Format::Decimals(0) }),
        chart: None,
    },
    RecordsExpired => Def {
        name: "records_expired",
        unit: Unit::Count,
        description: "records that left retention before being read, all consumers",
        read: |r| sum(r, |c| c.records_expired as f64),
        column: Some(Column { header: "expired", format: Format::Decimals(0) }),
        chart: None,
    },
    RecordsDiscarded => Def {
        name: "records_discarded",
        unit: Unit::Count,
        description: "records given up after failed retries, all consumers",
        read: |r| sum(r, |c| c.records_discarded as f64),
        column: None,
        chart: None,
    },
    PeakConcurrency => Def {
        name: "peak_concurrency",
        unit: Unit::Count,
        description: "sum over consumers of their most concurrent invocations",
        read: |r| sum(r, |c| f64::from(c.peak_concurrency)),
        column: None,
        chart: None,
    },
    RecordsWritten => Def {
        name: "records_written",
        unit: Unit::Count,
        description: "records written, all streams",
        read: |r| r.streams.iter().map(|s| s.records_written as f64).sum(),
        column: None,
        chart: None,
    },
    CostPerMonth => Def {
        name: "cost_per_month_usd",
        unit: Unit::UsdPerMonth,
        description: "monthly cost at the given prices (0 without prices)",
        read: |r| r.cost.as_ref().map_or(0.0, |c| c.usd_per_month),
        column: Some(Column { header: "$/month", format: Format::Decimals(2) }),
        chart: None,
    },
    ThrottledInvocations => Def {
        name: "throttled_invocations",
        unit: Unit::Count,
        description: "invocations rejected for lack of concurrency, whole account",
        read: |r| r.account.throttled_invocations as f64,
        column: None,
        chart: None,
    },
    DeploySeconds => Def {
        name: "deploy_s",
        unit: Unit::Seconds,
        description: "time to bring the subscribers up (0 when deployment is not simulated)",
        read: |r| r.control_plane.as_ref().map_or(0.0, |c| c.deploy_s),
        column: None,
        chart: None,
    },
    DeployThrottled => Def {
        name: "deploy_throttled",
        unit: Unit::Count,
        description: "throttled control-plane calls during deployment",
        read: |r| r.control_plane.as_ref().map_or(0.0, |c| c.throttled as f64),
        column: None,
        chart: None,
    },
    DeployFailed => Def {
        name: "deploy_failed",
        unit: Unit::Count,
        description: "subscribers that failed to deploy",
        read: |r| r.control_plane.as_ref().map_or(0.0, |c| f64::from(c.failed)),
        column: None,
        chart: None,
    },
    FirstWriteAgeP99 => Def {
        name: "first_write_age_p99_ms",
        unit: Unit::Milliseconds,
        description: "largest IteratorAge p99 of a final consumer, from each record's first write",
        read: |r| final_consumers(r).map(first_write_age_p99).fold(0.0, f64::max),
        column: None,
        chart: None,
    },
    FirstWriteLatency => Def {
        name: "first_write_latency_ms",
        unit: Unit::Milliseconds,
        description: "mean over final consumers of the time from first write to processing",
        read: |r| {
            let v: Vec<f64> = final_consumers(r).map(first_write_latency).collect();
            v.iter().sum::<f64>() / v.len().max(1) as f64
        },
        column: None,
        chart: None,
    },
    CrossStreamSkew => Def {
        name: "cross_stream_skew_ms",
        unit: Unit::Milliseconds,
        description: "spread of the mean first-write latency between the final streams",
        read: cross_stream_skew,
        column: None,
        chart: None,
    },
    ThrottledReadsBytesShare => Def {
        name: "throttled_reads_bytes_share",
        unit: Unit::Share,
        description: "share of throttled reads caused by the read-bytes limit, not the call rate",
        read: throttled_reads_bytes_share,
        column: None,
        chart: None,
    },
    LatencyP50 => Def {
        name: "latency_p50_ms",
        unit: Unit::Milliseconds,
        description: "mean over consumers of their median single-record latency (write to handler start)",
        read: |r| mean_latency(r, |c| c.latency_ms.p50),
        column: None,
        chart: None,
    },
    LatencyP90 => Def {
        name: "latency_p90_ms",
        unit: Unit::Milliseconds,
        description: "largest single-record latency p90 of any consumer (write to handler start)",
        read: |r| max(r, |c| c.latency_ms.p90),
        column: None,
        chart: None,
    },
    LatencyP99 => Def {
        name: "latency_p99_ms",
        unit: Unit::Milliseconds,
        description: "largest single-record latency p99 of any consumer (write to handler start)",
        read: |r| max(r, |c| c.latency_ms.p99),
        column: None,
        chart: Some(Chart {
            stem: "latency-p99",
            title: "single-record latency p99, write to handler start",
            y_label: "latency p99 (s)",
            scale: 1e-3,
        }),
    },
    LatencyMax => Def {
        name: "latency_max_ms",
        unit: Unit::Milliseconds,
        description: "largest single-record latency of any consumer (write to handler start)",
        read: |r| max(r, |c| c.latency_ms.max),
        column: None,
        chart: None,
    },
    LatencyWaitMean => Def {
        name: "latency_wait_mean_ms",
        unit: Unit::Milliseconds,
        description: "mean over consumers of the wait from a record's write to the read that fetched it",
        read: |r| mean_latency(r, |c| c.latency_ms.wait.mean),
        column: None,
        chart: None,
    },
    LatencyWaitP99 => Def {
        name: "latency_wait_p99_ms",
        unit: Unit::Milliseconds,
        description: "largest p99 of any consumer of the wait from write to read",
        read: |r| max(r, |c| c.latency_ms.wait.p99),
        column: None,
        chart: None,
    },
    LatencyDeliveryMean => Def {
        name: "latency_delivery_mean_ms",
        unit: Unit::Milliseconds,
        description: "mean over consumers of the time from a read to its records in the poller's hands",
        read: |r| mean_latency(r, |c| c.latency_ms.delivery.mean),
        column: None,
        chart: None,
    },
    LatencyDeliveryP99 => Def {
        name: "latency_delivery_p99_ms",
        unit: Unit::Milliseconds,
        description: "largest p99 of any consumer of the time from read to records in hand",
        read: |r| max(r, |c| c.latency_ms.delivery.p99),
        column: None,
        chart: None,
    },
    LatencyToHandlerMean => Def {
        name: "latency_to_handler_mean_ms",
        unit: Unit::Milliseconds,
        description: "mean over consumers of the time from records in hand to the handler starting",
        read: |r| mean_latency(r, |c| c.latency_ms.to_handler.mean),
        column: None,
        chart: None,
    },
    LatencyToHandlerP99 => Def {
        name: "latency_to_handler_p99_ms",
        unit: Unit::Milliseconds,
        description: "largest p99 of any consumer of the time from records in hand to handler start",
        read: |r| max(r, |c| c.latency_ms.to_handler.p99),
        column: None,
        chart: None,
    },
}

impl Metric {
    fn def(self) -> &'static Def {
        &DEFS[self as usize]
    }

    /// The name used in files, JSON and objectives.
    pub fn name(self) -> &'static str {
        self.def().name
    }

    pub fn unit(self) -> Unit {
        self.def().unit
    }

    pub fn description(self) -> &'static str {
        self.def().description
    }

    /// Its column in the printed sweep table, if it has one.
    pub fn column(self) -> Option<Column> {
        self.def().column
    }

    /// Its own chart, if it has one.
    pub fn chart(self) -> Option<Chart> {
        self.def().chart
    }

    /// Its value in one run.
    pub fn read(self, r: &RunReport) -> f64 {
        (self.def().read)(r)
    }

    /// Its position in [`Metric::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The metric named `name` (a millisecond metric also answers to its name without `_ms`).
    pub fn from_name(name: &str) -> Result<Metric, UnknownMetric> {
        Metric::ALL
            .iter()
            .copied()
            .find(|m| {
                m.name() == name
                    || (m.unit() == Unit::Milliseconds
                        && m.name().strip_suffix("_ms") == Some(name))
            })
            .ok_or_else(|| UnknownMetric(name.to_string()))
    }
}

/// A metric name that is not in the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownMetric(pub String);

impl fmt::Display for UnknownMetric {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
        write!(f, "unknown metric `{}`", self.0)?;
        if let Some(s) = crate::config::suggest(&self.0, &names) {
            write!(f, "; did you mean `{s}`?")?;
        }
        write!(f, " (known: {})", names.join(", "))
    }
}

impl std::error::Error for UnknownMetric {}

fn mean(r: &RunReport, f: fn(&ConsumerReport) -> f64) -> f64 {
    r.consumers.iter().map(f).sum::<f64>() / r.consumers.len().max(1) as f64
}

fn max(r: &RunReport, f: fn(&ConsumerReport) -> f64) -> f64 {
    r.consumers.iter().map(f).fold(0.0, f64::max)
}

/// Mean of `f` over the consumers that counted a record's latency (0 when none did).
fn mean_latency(r: &RunReport, f: fn(&ConsumerReport) -> f64) -> f64 {
    let counted = r.consumers.iter().filter(|c| c.latency_ms.records > 0);
    let n = counted.clone().count();
    counted.map(f).sum::<f64>() / n.max(1) as f64
}

fn sum(r: &RunReport, f: fn(&ConsumerReport) -> f64) -> f64 {
    r.consumers.iter().map(f).sum::<f64>()
}

/// Every consumer that is not a router: the ends of the topology, where a record's journey from
/// its first write is complete.
fn final_consumers(r: &RunReport) -> impl Iterator<Item = &ConsumerReport> {
    r.consumers.iter().filter(|c| c.routed.is_none())
}

/// IteratorAge p99 from a record's first write (per hop when nothing routes).
fn first_write_age_p99(c: &ConsumerReport) -> f64 {
    c.from_first_write
        .as_ref()
        .map_or(c.iterator_age_ms.p99, |f| f.iterator_age_ms_p99)
}

/// Mean latency from a record's first write to its processing (per hop when nothing routes).
fn first_write_latency(c: &ConsumerReport) -> f64 {
    c.from_first_write
        .as_ref()
        .map_or(c.end_to_end_ms_mean, |f| f.end_to_end_ms_mean)
}

/// How far apart the final streams deliver: the largest minus the smallest mean first-write
/// latency among the streams read by final consumers (0 when they all read one stream). Two
/// changes to one item routed to different streams may be processed out of order within about
/// this window; within one stream, Kinesis keeps the order per partition key.
fn cross_stream_skew(r: &RunReport) -> f64 {
    let mut per_stream: Vec<(&str, f64, f64)> = Vec::new();
    for c in final_consumers(r) {
        let v = first_write_latency(c);
        match per_stream.iter_mut().find(|s| s.0 == c.stream) {
            Some(s) => {
                s.1 += v;
                s.2 += 1.0;
            }
            None => per_stream.push((&c.stream, v, 1.0)),
        }
    }
    let means = per_stream.iter().map(|s| s.1 / s.2);
    let (lo, hi) = means.fold((f64::MAX, 0.0f64), |(lo, hi), m| (lo.min(m), hi.max(m)));
    if per_stream.len() < 2 {
        0.0
    } else {
        hi - lo
    }
}

/// Of all throttled reads, the share the read-bytes limits caused (0 when none was throttled).
fn throttled_reads_bytes_share(r: &RunReport) -> f64 {
    let all: u64 = r.streams.iter().map(|s| s.throttled_reads).sum();
    let bytes: u64 = r.streams.iter().map(|s| s.throttled_reads_by_bytes).sum();
    if all == 0 {
        0.0
    } else {
        bytes as f64 / all as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_has_its_own_entry_and_a_unique_name() {
        assert_eq!(Metric::ALL.len(), DEFS.len());
        for (i, m) in Metric::ALL.iter().enumerate() {
            assert_eq!(m.index(), i);
            assert_eq!(Metric::from_name(m.name()), Ok(*m));
        }
    }

    #[test]
    fn names_resolve_with_or_without_ms_and_typos_get_a_suggestion() {
        assert_eq!(
            Metric::from_name("iterator_age_max"),
            Ok(Metric::IteratorAgeMax)
        );
        assert!(Metric::from_name("deploy").is_err());
        let e = Metric::from_name("iterator_age_mx_ms")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("unknown metric `iterator_age_mx_ms`"), "{e}");
        assert!(e.contains("did you mean `iterator_age_max_ms`?"), "{e}");
    }
}
