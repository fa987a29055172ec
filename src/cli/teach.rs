//! `sim teach`: the two-reader rule as a page to teach with, written through `fsio::Staged` like
//! every command's files (the runs and the page are `output::teach` and `output::teach_page`).

use super::common::*;
use crate::config::ConfigError;
use crate::experiment::{kind_of, FileKind};
use crate::fsio::{Mode, Staged};
use crate::output::teach::{self, Window};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct TeachArgs {
    /// An experiment with a readers axis (`path = "consumers.NAME.count"`).
    #[arg(default_value = "experiments/two-reader-rule.toml")]
    pub experiment: PathBuf,
    /// Simulated time at which the animated window starts, e.g. "2m" (default: 1m).
    #[arg(long, default_value = "1m")]
    pub at: String,
    /// Length of the animated window, from 1s to 60s.
    #[arg(long, default_value = "10s")]
    pub window: String,
    /// Output folder (default: output/EXPERIMENT-NAME/); writes teach.html.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub(super) fn run_teach(args: TeachArgs) -> Result<(), Failure> {
    let text = crate::config::read_text(&args.experiment)?;
    if let FileKind::Model(key) = kind_of(&text) {
        return Err(ConfigError::whole(
            &args.experiment,
            format!(
                "this is a model file (it has `{key}`): sim teach takes an experiment with a \
                 readers axis, such as experiments/two-reader-rule.toml"
            ),
        )
        .into());
    }
    let exp = open_experiment(&args.experiment, Some(1))?;
    teach::readers_axis(&exp)?;
    let at = duration_flag("at", &args.at)?;
    let length = duration_flag("window", &args.window)?;
    if !(1..=60).contains(&(length / crate::engine::time::SEC)) || length % 1_000_000 != 0 {
        return Err(Failure::Usage(format!(
            "--window {}: give a whole number of milliseconds from 1s to 60s",
            args.window
        )));
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&exp.name));
    let staged = Staged::begin(&out, Mode::Update, &exp.input_files())?;
    let w = Window {
        at,
        length,
        step: 100 * 1_000_000,
    };
    let data = teach::data(&exp, w)?;
    let html = crate::output::teach_page::page(&data);
    crate::fsio::write(&staged.path().join("teach.html"), html.as_bytes())
        .map_err(output_failure)?;
    staged.commit()?;
    print_stdout(&format!(
        "{} runs ({} values of `{}` x 3 stream kinds), {:.0} KiB\n  wrote {}/teach.html\n",
        data["axis"]["values"].as_array().map_or(0, |v| v.len()) * 3,
        data["axis"]["values"].as_array().map_or(0, |v| v.len()),
        data["axis"]["path"].as_str().unwrap_or_default(),
        html.len() as f64 / 1024.0,
        out.display()
    ))
}
