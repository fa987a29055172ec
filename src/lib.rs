//! `sim`: a discrete-event simulator of read contention on AWS streams.
//!
//! Layers, each knowing only the ones below it:
//! - [`assumptions`]: the parameters AWS does not publish, their plausible ranges, designs over
//!   them and variance-based sensitivity;
//! - [`engine`]: clock, event queue, random streams (knows nothing of AWS);
//! - [`dist`]: distributions of durations and sizes;
//! - [`model`]: streams, shards, limits, consumers and their functions (knows nothing of files);
//! - [`config`]: model files, overrides and validation into a [`model::ModelSpec`];
//! - [`output`]: reports turned into tables, JSON, CSV;
//! - [`plot`]: charts rendered from plain numbers into PNG and SVG files (knows nothing of AWS);
//! - [`cli`]: the command line.

pub mod assumptions;
pub mod cli;
pub mod config;
pub mod dist;
pub mod engine;
pub mod experiment;
pub mod model;
pub mod output;
pub mod plan;
pub mod plot;
pub mod sweep;
