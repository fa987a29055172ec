//! Turning reports into bytes: the summary table, JSON, CSV, and atomic file writes.

pub mod atomic;
pub mod run;
pub mod sweep;
pub mod sweep_plots;
pub mod table;
pub mod timeline;
