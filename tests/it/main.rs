//! Every integration test, in one binary: each module below was once a binary of its own, and
//! each extra binary costs a whole-program link under the release profile (`cargo test
//! --release`). A module owns one topic; `common` holds what they share. Run one topic with
//! `cargo test --release --test it TOPIC::`.

mod common;

mod aggregate;
mod assumptions;
mod auto_sets;
mod bad_input;
mod bands;
mod calibrate;
mod calibrate_lambda;
mod check;
mod check_cli;
mod check_templates;
mod ci;
mod cli;
mod cloudwatch;
mod control_plane;
mod cost;
mod experiments;
mod import;
mod import_hostile;
mod import_join;
mod import_out;
mod import_warnings;
mod latencies;
mod latency;
mod layers;
mod lineage;
mod never_panic;
mod plan_blame;
mod polling;
mod precision;
mod progress;
mod read_modes;
mod recipes;
mod report_html;
mod scale_out;
mod seed_table;
mod sim;
mod teach;
mod threads;
mod topology;
mod traps;
mod user_facing;
