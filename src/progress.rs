//! What the command line shows and measures around runs, outside the model: a progress bar of one
//! run, the progress of a study (every run a sweep or plan will do, on one bar or in plain lines,
//! to the end), the forecast of its wall time, and the process's peak memory.

use crate::model::run::Observer;
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Mutex;
use std::time::Instant;

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

/// How a study shows its progress on stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Show {
    /// A progress bar (stderr is a terminal).
    Bar,
    /// Plain lines (a batch job's log): see [`PlainLines`].
    Lines,
    Nothing,
}

/// The progress of every run a command will do: the plain runs and those under assumption sets
/// count on one bar (or in one series of lines) from the first run to the last. Each run weighs
/// its forecast events, so the time left is read from the share of the forecast work done, not
/// from the share of runs (the longest runs start first).
pub struct Study {
    started: Instant,
    /// Runs and forecast events planned: they grow when a study learns of more runs as it goes
    /// (an adaptive sweep's rounds, [`Study::plan_more`]).
    planned: Mutex<(usize, f64)>,
    /// Runs and forecast events done.
    done: Mutex<(usize, f64)>,
    bar: Option<ProgressBar>,
    lines: Option<PlainLines>,
}

impl Study {
    /// The progress of runs forecast at `weights` events each, labelled `name`, shown as `show`.
    pub fn new(name: &str, weights: &[f64], show: Show) -> Study {
        let total = weights.len();
        let bar = (show == Show::Bar).then(|| {
            let bar = ProgressBar::new(total as u64).with_style(
                ProgressStyle::with_template(
                    "{msg} [{bar:40}] {pos}/{len} runs, {elapsed} elapsed{prefix}",
                )
                .expect("static template"),
            );
            bar.set_message(name.to_string());
            bar
        });
        Study {
            started: Instant::now(),
            planned: Mutex::new((total, weights.iter().sum())),
            done: Mutex::new((0, 0.0)),
            bar,
            lines: (show == Show::Lines).then(PlainLines::default),
        }
    }

    /// Notes that a run forecast at `weight` events finished (or was found in a journal).
    pub fn tick(&self, weight: f64) {
        // The lock is held until the line is printed: two workers finishing together must not
        // print their counts in the other order.
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        done.0 += 1;
        done.1 += weight;
        let (runs, work) = *done;
        // A run the plan did not count (none should be) grows the plan rather than showing a
        // count above its total.
        let (total, planned) = {
            let mut planned = self.planned.lock().unwrap_or_else(|e| e.into_inner());
            planned.0 = planned.0.max(runs);
            planned.1 = planned.1.max(work);
            *planned
        };
        let elapsed = self.started.elapsed().as_secs_f64();
        let left = time_left(elapsed, work, planned);
        if let Some(bar) = &self.bar {
            bar.set_length(total as u64);
            bar.set_prefix(left.map_or(String::new(), |s| format!(", about {} left", span(s))));
            bar.set_position(runs as u64);
        }
        if let Some(line) = (self.lines.as_ref()).and_then(|l| l.line(runs, total, elapsed, left)) {
            eprintln!("{line}");
        }
    }

    /// Adds runs forecast at `weights` events each to the plan, once the study knows of them (an
    /// adaptive sweep's next round): the total shown grows, so the count never passes it.
    pub fn plan_more(&self, weights: &[f64]) {
        let done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        let mut planned = self.planned.lock().unwrap_or_else(|e| e.into_inner());
        planned.0 += weights.len();
        planned.1 += weights.iter().sum::<f64>();
        if let Some(bar) = &self.bar {
            bar.set_length(planned.0 as u64);
        }
        if let Some(lines) = &self.lines {
            lines.replanned(done.0, planned.0);
        }
    }

    /// Runs finished so far.
    pub fn finished(&self) -> usize {
        self.done.lock().unwrap_or_else(|e| e.into_inner()).0
    }

    /// Clears the bar (the lines need nothing).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Seconds left when `done` of `total` forecast events took `elapsed` seconds; None before any
/// work is done or once all of it is.
fn time_left(elapsed: f64, done: f64, total: f64) -> Option<f64> {
    (done > 0.0 && done < total).then(|| elapsed * (total - done) / done)
}

/// Seconds as a person reads them: `45 s`, `5.2 min`, `1.3 h`.
pub fn span(seconds: f64) -> String {
    if seconds < 100.0 {
        format!("{seconds:.0} s")
    } else if seconds < 6000.0 {
        format!("{:.1} min", seconds / 60.0)
    } else {
        format!("{:.1} h", seconds / 3600.0)
    }
}

/// Progress on a stderr that is not a terminal (a batch job's log): a plain line at every tenth
/// of the runs and whenever a run ends 30 s or more after the last line, e.g.
/// `sim: 12/60 runs, 3.1 s elapsed, about 9 s left`.
#[derive(Default)]
pub struct PlainLines {
    /// The tenth last printed and when (seconds since the start).
    last: Mutex<(usize, f64)>,
}

impl PlainLines {
    /// Counts tenths from `done` of a new `total`, so that the next line comes at the next tenth
    /// of it (or after 30 s) rather than at once.
    pub fn replanned(&self, done: usize, total: usize) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        last.0 = done * 10 / total.max(1);
    }

    /// The line due when `done` of `total` runs are finished `elapsed` seconds after the start,
    /// with `left` seconds forecast to go; None when no line is due.
    pub fn line(
        &self,
        done: usize,
        total: usize,
        elapsed: f64,
        left: Option<f64>,
    ) -> Option<String> {
        let tenth = done * 10 / total.max(1);
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let due = tenth > last.0 || done == total || elapsed - last.1 >= 30.0;
        if !due {
            return None;
        }
        *last = (tenth, elapsed);
        let left = left.map_or(String::new(), |s| format!(", about {} left", span(s)));
        Some(format!(
            "sim: {done}/{total} runs, {elapsed:.1} s elapsed{left}"
        ))
    }
}

/// Forecast events ([`crate::model::estimate`]) a worker thread with a core of its own gets
/// through per second, on the release build: what turns a study's forecast events into a forecast
/// of its wall time. The forecast is generous (2 to 3 times the events that happen), so this is
/// not a simulation speed. Measured as forecast events over CPU seconds of `sim sweep -j1` on the
/// shipped experiments: 34 M (reader-streams) to 53 M (power-api), hot-stream 39 M (docs/performance.md,
/// "The forecast of a study's wall time").
pub const FORECAST_EVENTS_PER_THREAD_S: f64 = 4.0e7;

/// The share of a core each of `threads` workers gets on `cores` cores already running `load`
/// other runnable tasks (the 1-minute load average before the study starts): 1 on an idle
/// machine with a core per worker.
pub fn core_share(threads: usize, cores: usize, load: f64) -> f64 {
    let wanted = load.max(0.0) + threads.max(1) as f64;
    (cores.max(1) as f64 / wanted).min(1.0)
}

/// The 1-minute load average of the machine (Linux; 0 where unknown).
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

/// The wall time, in seconds, of runs forecast at `weights` events each on `threads` workers that
/// take the heaviest first (as [`crate::sweep`] does) and each get `share` of a core: the
/// longest-processing-time schedule's makespan at [`FORECAST_EVENTS_PER_THREAD_S`].
pub fn forecast_wall_s(weights: &[f64], threads: usize, share: f64) -> f64 {
    let mut sorted = weights.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let mut load = std::collections::BinaryHeap::new();
    for _ in 0..threads.clamp(1, sorted.len().max(1)) {
        load.push(std::cmp::Reverse(Load(0.0)));
    }
    for w in sorted {
        let std::cmp::Reverse(Load(least)) = load.pop().expect("at least one worker");
        load.push(std::cmp::Reverse(Load(least + w)));
    }
    let makespan = load.into_iter().map(|l| l.0 .0).fold(0.0, f64::max);
    makespan / (FORECAST_EVENTS_PER_THREAD_S * share.clamp(1e-3, 1.0))
}

/// A worker's load, ordered by `total_cmp` so that it can sit in a heap.
#[derive(PartialEq)]
struct Load(f64);

impl Eq for Load {}

impl PartialOrd for Load {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Load {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines printed for `total` runs finishing at the times `at` (seconds, one per run).
    fn lines(total: usize, at: &[f64]) -> Vec<String> {
        let plain = PlainLines::default();
        (at.iter().enumerate())
            .filter_map(|(i, &t)| plain.line(i + 1, total, t, None))
            .collect()
    }

    #[test]
    fn plain_lines_come_at_each_tenth_and_every_thirty_seconds_and_end_at_the_total() {
        // 100 runs, one per second: a line at every tenth, the last one at 100/100.
        let at: Vec<f64> = (1..=100).map(f64::from).collect();
        let got = lines(100, &at);
        assert_eq!(got.len(), 10, "{got:?}");
        assert_eq!(got[9], "sim: 100/100 runs, 100.0 s elapsed");
        // 1000 runs of which the first 50 take a minute each, the rest a hundredth of a second:
        // a tenth is 100 runs, so only the 30-second rule speaks during the slow start, then
        // each tenth.
        let at: Vec<f64> = (1..=1000)
            .map(|i| match i <= 50 {
                true => 60.0 * f64::from(i),
                false => 3000.0 + f64::from(i - 50) / 100.0,
            })
            .collect();
        let got = lines(1000, &at);
        assert!(got[0].starts_with("sim: 1/1000 runs, 60.0 s"), "{got:?}");
        assert!(
            got[49].starts_with("sim: 50/1000 runs, 3000.0 s"),
            "{got:?}"
        );
        assert_eq!(got.len(), 50 + 10, "{got:?}");
        assert!(got.last().unwrap().starts_with("sim: 1000/1000 runs"));
    }

    #[test]
    fn the_time_left_is_read_from_the_forecast_work_done() {
        assert_eq!(time_left(10.0, 0.0, 100.0), None);
        assert_eq!(time_left(10.0, 25.0, 100.0), Some(30.0));
        assert_eq!(time_left(10.0, 100.0, 100.0), None);
        let plain = PlainLines::default();
        let line = plain.line(1, 2, 12.0, Some(130.0)).unwrap();
        assert_eq!(line, "sim: 1/2 runs, 12.0 s elapsed, about 2.2 min left");
    }

    #[test]
    fn a_studys_forecast_follows_the_heaviest_first_schedule() {
        let rate = FORECAST_EVENTS_PER_THREAD_S;
        // Four runs of 1, 1, 1, 3 units on two threads: the 3 alone, the 1s together.
        let w = [rate, rate, rate, 3.0 * rate];
        assert_eq!(forecast_wall_s(&w, 2, 1.0), 3.0);
        assert_eq!(forecast_wall_s(&w, 1, 1.0), 6.0);
        // More threads than runs: the longest run.
        assert_eq!(forecast_wall_s(&w, 16, 1.0), 3.0);
        // Half a core each: twice as long.
        assert_eq!(forecast_wall_s(&w, 2, 0.5), 6.0);
        assert_eq!(forecast_wall_s(&[], 2, 1.0), 0.0);
    }

    #[test]
    fn other_load_shares_the_cores() {
        assert_eq!(core_share(2, 2, 0.0), 1.0);
        assert_eq!(core_share(1, 2, 3.0), 0.5);
        assert_eq!(core_share(8, 2, 0.0), 0.25);
        assert_eq!(core_share(0, 0, -1.0), 1.0);
        assert_eq!(span(45.4), "45 s");
        assert_eq!(span(312.0), "5.2 min");
        assert_eq!(span(7200.0), "2.0 h");
    }
}
