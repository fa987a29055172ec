//! What is wrong with an assumed value, a catalogue entry or a design ([`AssumptionError`]).

use crate::config::Problem;
use crate::engine::time::DurationError;

/// The assumptions layer's error. A catalogue's errors are checked by the unit tests of the
/// embedded `assumptions.toml`; a value's and a design's reach users through the callers, which
/// place them (a model key, a flag).
#[derive(Debug, thiserror::Error)]
pub enum AssumptionError {
    // A value read as its unit (`value::Value::from_toml`).
    #[error(transparent)]
    Duration(#[from] DurationError),
    /// A size (the config layer reads sizes).
    #[error(transparent)]
    Size(#[from] Problem),
    /// `value` as TOML writes it, and the unit's name.
    #[error("`{value}` is not a {unit}")]
    NotA { value: String, unit: &'static str },
    #[error("`{0}` is not one of the listed values")]
    NotAChoice(String),

    // The catalogue (`catalogue::Catalogue::parse`).
    #[error("{0}")]
    Toml(toml::de::Error),
    /// Something wrong in the entry for `key`.
    #[error("assumption `{key}`: {why}")]
    Entry {
        key: String,
        why: Box<AssumptionError>,
    },
    #[error("assumption `{key}` is listed twice for `{applies}`")]
    Twice { key: String, applies: &'static str },
    #[error(
        "unknown unit `{0}` (expected duration, bytes, count, calls/s, records/s, probability or \
         choice)"
    )]
    UnknownUnit(String),
    /// `expected` lists the names `applies` may take.
    #[error("unknown `applies = \"{found}\"` (expected one of {expected})")]
    UnknownApplies { found: String, expected: String },
    #[error("unknown scale `{0}` (expected linear or log)")]
    UnknownScale(String),
    #[error("a choice, and only a choice, lists its `values`")]
    ChoiceValues,
    /// Something wrong with the bound `what` (`default`, `low` or `high`).
    #[error("{what}: {why}")]
    Bound {
        what: &'static str,
        why: Box<AssumptionError>,
    },
    #[error("`{0}` is missing")]
    Missing(&'static str),
    #[error("`ref` must be batch_size, max_records_per_call or rollover")]
    BadRef,
    #[error("`divide` must be a whole number of at least 1")]
    BadDivide,
    #[error("not a dotted key path")]
    NotDotted,
    #[error("`{applies}` concerns {section}, not `{found}`")]
    WrongSection {
        applies: &'static str,
        section: &'static str,
        found: String,
    },
    #[error("use `*` for the name under streams, consumers and producers, and nowhere else")]
    Stars,
    #[error("low is above high")]
    LowAboveHigh,
    #[error("the default lies outside [low, high]")]
    DefaultOutside,
    #[error("a log scale needs a low end above zero")]
    LogLowEnd,
    #[error("the group `{group}` has no field `{field}`")]
    NoGroupField { group: String, field: String },
    /// `base` is the group's value, as `sim assumptions` shows it.
    #[error("the default differs from the group's `{field}` ({base})")]
    GroupDefault { field: String, base: String },
    #[error("`{0}` selects no assumption; `sim assumptions` lists their key patterns")]
    SelectsNone(String),

    // Designs.
    #[error(
        "a Sobol design holds at most {max_points} points of {max_dims} dimensions, asked for \
         {points} of {dims}"
    )]
    SobolTooLarge {
        max_points: usize,
        max_dims: usize,
        points: usize,
        dims: usize,
    },
}
