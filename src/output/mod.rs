//! Turning reports into bytes: the summary table, JSON and CSV.

pub mod bands;
pub mod run;
pub mod sweep;
pub mod sweep_plots;
pub mod table;
pub mod timeline;
