//! What is wrong in an export or with series, before it is placed in a file ([`Problem`]); the
//! placed error is `cloudwatch::Error`, whose message a `Problem` becomes.

use std::path::PathBuf;

/// What is wrong with a time, a query, a result entry, a fit or series to write, not yet placed
/// at a file, line and entry (the reader places it in a `cloudwatch::Error`).
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    // A time as the AWS CLI prints it (`time::parse`).
    #[error("expected a time like 2024-05-01T10:05:00+00:00")]
    NotATime,
    #[error("expected `T` between the date and the time")]
    NoDateTimeSeparator,
    #[error("time {hour:02}:{minute:02}:{second:02} is out of range")]
    ClockOutOfRange { hour: i64, minute: i64, second: i64 },
    #[error("month {0} is out of range")]
    MonthOutOfRange(i64),
    #[error("day {day} is out of range for {year:04}-{month:02}")]
    DayOutOfRange { year: i64, month: i64, day: i64 },
    #[error("expected digits after the decimal point")]
    NoFractionDigits,
    #[error("has a fraction of a second; CloudWatch periods start on whole seconds")]
    FractionOfSecond,
    #[error("has no UTC offset; expected `Z` or `+00:00` at the end")]
    NoOffset,
    #[error("expected `Z` or an offset like `+00:00` after the seconds")]
    NoOffsetSign,
    #[error("expected an offset like `+00:00` after the seconds")]
    BadOffset,
    #[error("offset {hours:02}:{minutes:02} is out of range")]
    OffsetOutOfRange { hours: i64, minutes: i64 },

    // A timestamp in an export.
    /// A time written as text that `time::parse` refused.
    #[error("\"{text}\": {why}")]
    BadTime { text: String, why: Box<Problem> },
    #[error("{0}: epoch seconds must be whole and within range")]
    BadEpoch(f64),
    /// The `index`-th of a result entry's Timestamps.
    #[error("Timestamps[{index}] {why}")]
    BadTimestamp { index: usize, why: Box<Problem> },

    // get-metric-data queries and results.
    /// `first` is the line of the query that first used the Id, when found.
    #[error(
        "Id \"{id}\" is used twice{}",
        first.map_or(String::new(), |l| format!(" (first at line {l})"))
    )]
    QueryIdTwice { id: String, first: Option<usize> },
    #[error("Id \"{id}\" has no query in {}", queries.display())]
    NoQuery { id: String, queries: PathBuf },
    #[error("has both MetricStat and Expression; expected one")]
    StatAndExpression,
    #[error("has neither MetricStat nor Expression")]
    NoStatNorExpression,
    #[error("MetricStat.Period must be a positive number of seconds")]
    QueryPeriodZero,
    #[error("Timestamps has {timestamps} entries but Values has {values}")]
    Lengths { timestamps: usize, values: usize },

    // get-metric-statistics' label and period.
    #[error("has no Label: the metric name is needed to know what the datapoints are")]
    NoLabel,
    #[error("the period must be a positive number of seconds")]
    PeriodZero,
    #[error("cannot tell the period from fewer than two distinct timestamps; give the period")]
    PeriodUnknown,
    #[error("datapoints are {0} s apart; is that the period?")]
    PeriodTooLong(i64),

    // Fits (`fit`).
    #[error("the median must be positive, got {0}")]
    MedianNotPositive(f64),
    #[error("p99 ({p99}) must be at least the median ({median})")]
    P99BelowMedian { p99: f64, median: f64 },
    #[error("the mean must be positive, got {0}")]
    MeanNotPositive(f64),
    #[error("p99 ({p99}) must exceed the mean ({mean}) for a log-normal fit")]
    P99NotAboveMean { p99: f64, mean: f64 },
    /// `ratio` is the most p99 may be over the mean, `e^(z^2/2)`.
    #[error(
        "p99 ({p99}) is more than {ratio:.1} times the mean ({mean}): no log-normal has that shape"
    )]
    TooSkewed { p99: f64, mean: f64, ratio: f64 },
    #[error("a duration fit needs a p99 series with data")]
    NoP99,
    #[error("a duration fit needs a p50 or an Average series too")]
    NoMiddle,
    #[error("no period has both IncomingBytes and a positive IncomingRecords")]
    NoRecordPeriods,
    #[error("the period must be positive")]
    RatePeriodZero,
    #[error("no IncomingRecords data")]
    NoRecords,

    // Series written as an export (`write_metric_data`).
    #[error("Id \"{0}\": must start with a lowercase letter and hold only letters, digits and _")]
    BadId(String),
    #[error("Id \"{0}\" is used twice")]
    RepeatedId(String),
    #[error("{0}: the period must be positive")]
    SeriesPeriodZero(String),
    #[error("{0}: points must be strictly ascending in time")]
    NotAscending(String),
    /// `at` is the point's time as the export writes it.
    #[error("{id}: value {value} at {at} is not finite")]
    NotFinite { id: String, value: f64, at: String },
    #[error("{0}")]
    Json(serde_json::Error),
    #[error("{0}")]
    Utf8(std::string::FromUtf8Error),
}
