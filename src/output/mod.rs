//! Turning reports into bytes: the summary table, JSON, CSV, Markdown, the manifest and the HTML
//! report.

pub mod bands;
pub mod columns;
pub mod explore;
pub mod html;
pub mod html_report;
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
