//! What the command line shows and measures around a single run, outside the model: a progress bar
//! on stderr and the process's peak memory.

use crate::model::run::Observer;
use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar of one run, in percent of its simulated time.
pub struct RunBar(ProgressBar);

impl RunBar {
    /// A bar labelled `name`, drawn on stderr.
    pub fn new(name: &str) -> RunBar {
        let bar = ProgressBar::new(100).with_style(
            ProgressStyle::with_template("{msg} [{bar:40}] {pos}% simulated, {elapsed} elapsed")
                .expect("static template"),
        );
        bar.set_message(name.to_string());
        RunBar(bar)
    }
}

impl Observer for RunBar {
    fn steps(&self) -> u64 {
        100
    }

    fn advanced(&mut self, done: u64) {
        self.0.set_position(done);
        if done == 100 {
            self.0.finish_and_clear();
        }
    }
}

/// The peak resident set size of this process in MiB, from `VmHWM` in /proc/self/status (Linux
/// only; `None` elsewhere or if unreadable).
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
