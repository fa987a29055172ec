//! The AWS stream model: shards, limits, producers, consumers and their functions.
//!
//! This layer knows nothing of files, flags, plots or the machine it runs on: [`run`] takes a
//! [`spec::ModelSpec`] and returns a [`report::RunReport`].

pub(crate) mod arrivals;
pub(crate) mod aws;
pub mod control;
pub mod cost;
pub(crate) mod dups;
pub mod estimate;
pub(crate) mod function;
pub(crate) mod ids;
pub(crate) mod latency;
pub(crate) mod limits;
pub(crate) mod log;
pub(crate) mod metrics;
pub(crate) mod origin;
pub(crate) mod parallel;
pub mod report;
pub mod run;
pub(crate) mod shard;
pub(crate) mod spec;
mod summarise;
pub mod world;

pub use report::RunReport;
pub use run::simulate;
pub use spec::ModelSpec;
