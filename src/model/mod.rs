//! The AWS stream model: shards, limits, producers, consumers and their functions.
//!
//! This layer knows nothing of files, flags, plots or the machine it runs on: [`run`] takes a
//! [`spec::ModelSpec`] and returns a [`report::RunReport`].

pub mod arrivals;
pub mod aws;
pub mod control;
pub mod cost;
pub mod dups;
pub mod estimate;
pub mod function;
pub mod ids;
pub mod limits;
pub mod log;
pub mod metrics;
pub mod origin;
pub mod parallel;
pub mod report;
pub mod run;
pub mod shard;
pub mod spec;
mod summarise;
pub mod world;

pub use report::RunReport;
pub use run::simulate;
pub use spec::ModelSpec;
