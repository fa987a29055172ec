//! Assumptions: the model parameters AWS does not publish, each with a plausible range, and the
//! tools to ask how much a result depends on them.
//!
//! - [`catalogue`]: `assumptions.toml` (embedded), every assumed parameter's key pattern, default,
//!   range, reason and source;
//! - [`evidence`]: the rules an entry's evidence and derivation follow;
//! - [`mod@expand`]: a model's concrete parameters (patterns expanded over its streams, consumers and
//!   producers) with their current values;
//! - [`design`]: Sobol and Latin hypercube designs mapped onto the ranges as `--set` overrides;
//! - [`sensitivity`]: Saltelli sampling, Jansen's first-order and total-effect indices, the
//!   given-data main effect and its noise floor, bands;
//! - [`bootstrap`]: percentile-bootstrap confidence intervals of those indices;
//! - [`quantile`]: the Harrell-Davis quantile estimator the bands use;
//! - [`report`]: `sim assumptions` output.

pub(crate) mod bootstrap;
pub(crate) mod catalogue;
pub(crate) mod design;
mod error;
pub mod evidence;
pub mod expand;
pub(crate) mod quantile;
pub mod report;
pub(crate) mod sensitivity;
pub(crate) mod value;

pub use bootstrap::{jansen_intervals, Interval, Resamples, RESAMPLES};
pub use catalogue::Catalogue;
pub use design::{AssumptionSet, Design, Method};
pub use error::AssumptionError;
pub use expand::{expand, Current, Param};
pub use sensitivity::{jansen, Band, Indices, Saltelli};
