//! Turning reports into bytes: the summary table, JSON, CSV, Markdown, the manifest and the HTML
//! report; `sim check`'s verdict as text, Markdown and JUnit XML.

pub mod bands;
pub mod check;
pub mod columns;
mod error;
pub mod explore;
pub mod html;
pub mod html_report;
pub mod junit;
pub mod manifest;
pub mod markdown;
pub mod minutes;
pub mod results;
pub mod run;
pub mod run_charts;
pub mod sweep;
pub mod sweep_files;
pub mod sweep_plots;
pub mod table;
pub mod teach;
pub mod teach_page;
pub mod timeline;
pub mod timeseries;

pub use error::{OutputError, Result};
