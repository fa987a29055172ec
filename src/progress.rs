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

/// Progress of a sweep on a stderr that is not a terminal (a batch job's log): a plain line at
/// every tenth of the runs and at least every 30 s, e.g. `sim: 12/60 runs, 3.1 s elapsed`.
pub struct PlainLines {
    started: std::time::Instant,
    /// The tenth last printed and when.
    last: std::sync::Mutex<(usize, std::time::Instant)>,
}

impl Default for PlainLines {
    fn default() -> Self {
        let now = std::time::Instant::now();
        PlainLines {
            started: now,
            last: std::sync::Mutex::new((0, now)),
        }
    }
}

impl PlainLines {
    /// Notes that `done` of `total` runs are finished, printing a line when one is due.
    pub fn tell(&self, done: usize, total: usize) {
        let tenth = done * 10 / total.max(1);
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let now = std::time::Instant::now();
        let due = tenth > last.0 || done == total || now.duration_since(last.1).as_secs() >= 30;
        if due {
            *last = (tenth, now);
            eprintln!(
                "sim: {done}/{total} runs, {:.1} s elapsed",
                self.started.elapsed().as_secs_f64()
            );
        }
    }
}
