//! What is wrong with an axis range or the plots table of an experiment, before it is placed at
//! its key ([`Problem`]; `config::error_at` places it).

/// What is wrong with a range string or a plot choice; each message quotes the text as typed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("`{0}` is not a range such as \"1..=30\" or \"0..100:10\"")]
    NotARange(String),
    #[error("the step of `{0}` must be positive")]
    StepNotPositive(String),
    #[error("`{0}` is empty or reversed")]
    Empty(String),
    #[error("`{0}` has more than 100,000 values")]
    TooManyValues(String),
    /// One end or the step (`part`) of the range `range`.
    #[error("`{part}` in `{range}` is not a number")]
    NotANumber { part: String, range: String },
    #[error("`{0}` needs finite bounds and a positive step")]
    NotFinite(String),
    #[error("no axis `{0}` to plot on x")]
    NoXAxis(String),
    /// `wanted` is the plot's `key = value` pairs, joined.
    #[error("no point has {0}")]
    NoPoint(String),
}
