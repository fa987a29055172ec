//! Turning reports into bytes: the summary table, JSON, CSV, Markdown, the manifest and the HTML
//! report; `sim check`'s verdict as text, Markdown and JUnit XML.

pub(crate) mod bands;
pub(crate) mod check;
pub(crate) mod columns;
mod error;
pub(crate) mod explore;
pub(crate) mod html;
pub(crate) mod html_report;
pub mod junit;
pub(crate) mod latency;
pub(crate) mod manifest;
pub(crate) mod markdown;
pub(crate) mod minutes;
pub(crate) mod precision;
pub(crate) mod results;
pub mod run;
pub(crate) mod run_charts;
pub(crate) mod sweep;
pub(crate) mod sweep_files;
pub(crate) mod sweep_plots;
pub(crate) mod table;
pub(crate) mod teach;
pub(crate) mod teach_page;
pub(crate) mod timeline;
pub(crate) mod timeseries;
pub(crate) mod verdict;

pub use error::{OutputError, Result};
