//! `sim`: a discrete-event simulator of read contention on AWS streams.
//!
//! Layers from the bottom up, each using only the ones above it in this list (`tests/it/layers.rs`
//! checks every import against it):
//! - [`engine`]: clock, event queue, random streams (knows nothing of AWS);
//! - [`dist`]: distributions of durations and sizes;
//! - [`fsio`]: atomic file writes, for every layer that writes files;
//! - [`input`]: input files read with a size bound, and user text clipped when echoed back;
//! - [`cloudwatch`]: CloudWatch exports (AWS CLI JSON) read into typed series, fits from them,
//!   and series written back in the same format (knows nothing of the model);
//! - [`plot`]: charts rendered from plain numbers into PNG and SVG files (knows nothing of AWS);
//! - [`model`]: streams, shards, limits, consumers and their functions, run to a report (knows
//!   nothing of files, flags or the machine);
//! - [`config`]: model files, overrides and validation into a [`model::ModelSpec`];
//! - [`import`]: CloudFormation, SAM, Terraform and AWS CLI files read into a commented model file;
//! - [`assumptions`]: the parameters AWS does not publish, their plausible ranges, designs over
//!   them and variance-based sensitivity;
//! - [`experiment`]: sweep definitions expanded into points of model specs;
//! - [`sweep`]: running every point and replicate, and the table of point metrics;
//! - [`plan`]: service-level objectives answered over a sweep;
//! - [`output`]: reports and sweeps turned into tables, JSON, CSV, plots and the HTML report;
//! - [`calibrate`]: assumed parameters fitted to a CloudWatch export, and the calibrated model;
//! - [`progress`]: what the command line shows and measures around a run;
//! - [`cli`]: the command line.

// These docs are for people working on sim: a module's page may link to the crate-private
// modules that do its work (`cargo doc --document-private-items` shows them).
#![allow(rustdoc::private_intra_doc_links)]

pub mod assumptions;
pub mod calibrate;
pub mod cli;
pub mod cloudwatch;
pub mod config;
pub mod dist;
pub mod engine;
pub mod experiment;
pub mod fsio;
pub mod import;
pub mod input;
pub mod model;
pub mod output;
pub mod plan;
pub mod plot;
pub mod progress;
pub mod sweep;
