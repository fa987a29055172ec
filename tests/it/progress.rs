//! What a sweep says about its own progress: the plain progress lines (stderr not a terminal)
//! count every run it does, assumption sets included, to the end; the headline states every run
//! and the wall time of the command; a study forecast to take long says so before it starts.

use crate::common::sim;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

/// A one-minute model and an experiment of `points` consumer counts over it, in `dir`.
fn tiny(dir: &Path, points: u32) -> PathBuf {
    std::fs::write(
        dir.join("m.toml"),
        "duration = \"1m\"\nwarmup = \"10s\"\nseed = 1\n\
         [streams.s]\nkind = \"kinesis\"\nshards = 1\n\
         [producers.p]\nstream = \"s\"\nrate = 10.0\n\
         [consumers.fn]\nstream = \"s\"\ncount = 1\n",
    )
    .unwrap();
    let exp = dir.join("e.toml");
    std::fs::write(
        &exp,
        format!(
            "name = \"tiny\"\nmodel = \"m.toml\"\nreplicates = 1\nseed = 1\n\
             [[axes]]\npath = \"consumers.fn.count\"\nvalues = \"1..={points}\"\n"
        ),
    )
    .unwrap();
    exp
}

/// `(done, total)` of every plain progress line in `stderr`.
fn progress_lines(stderr: &str) -> Vec<(usize, usize)> {
    stderr
        .lines()
        .filter_map(|l| {
            let (done, rest) = l.strip_prefix("sim: ")?.split_once('/')?;
            let total = rest.split_once(" runs")?.0;
            Some((done.parse().ok()?, total.parse().ok()?))
        })
        .collect()
}

#[test]
fn a_saltelli_study_counts_every_run_in_its_progress_and_its_headline() {
    let dir = tempfile::tempdir().unwrap();
    let exp = tiny(dir.path(), 2);
    let flags = ["--assumptions", "4", "--sensitivity", "saltelli"];
    let listed = sim()
        .args(["sweep", "--list-runs", "--json"])
        .args(flags)
        .arg(&exp)
        .output()
        .unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let every = listed["runs"].as_array().unwrap().len();
    // Two plain runs and, per point, N(d + 2) runs under the design's sets.
    assert!(every > 2 * 10, "{every}");

    let started = Instant::now();
    let out = sim()
        .args(["sweep", "--jobs", "2", "--out"])
        .arg(dir.path().join("out"))
        .args(flags)
        .arg(&exp)
        .output()
        .unwrap();
    let took = started.elapsed().as_secs_f64();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    let lines = progress_lines(&err);
    assert!(lines.len() >= 10, "{err}");
    assert!(lines.iter().all(|&(_, total)| total == every), "{err}");
    assert!(lines.windows(2).all(|w| w[0].0 < w[1].0), "{err}");
    assert_eq!(lines.last(), Some(&(every, every)), "{err}");

    let text = String::from_utf8_lossy(&out.stdout);
    let headline = text.lines().next().unwrap();
    let sets = (every - 2) / 2;
    assert!(
        headline.starts_with(&format!(
            "tiny: 2 points x 1 replicate(s), each also under {sets} assumption sets (1 run each): {every} runs, "
        )),
        "{headline}"
    );
    // The time stated is the command's: more than the plain runs took, no more than the whole.
    let stated: f64 = headline
        .split(" events in ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{headline}"));
    assert!(
        stated <= took && stated > 0.5 * took,
        "{stated} s stated, {took} s taken"
    );
    // The report's provenance counts the assumption runs too.
    let html = std::fs::read_to_string(dir.path().join("out").join("report.html")).unwrap();
    let more = format!(
        "under {sets} assumption sets (1 run each): {} runs more",
        every - 2
    );
    assert!(html.contains(&more), "{more}");
}

/// Writes a study into `dir` that is forecast to take minutes (four consumers of 8 busy shards
/// for 48 hours, 8 points: billions of forecast events, well above the 30 s under which no
/// forecast is printed even on an idle machine) and returns its experiment file.
fn long_study(dir: &Path) -> PathBuf {
    std::fs::write(
        dir.join("m.toml"),
        "duration = \"48h\"\nwarmup = \"1m\"\nseed = 1\n\
         [streams.s]\nkind = \"kinesis\"\nshards = 8\n\
         [producers.p]\nstream = \"s\"\nrate = 4000.0\n\
         [consumers.fn]\nstream = \"s\"\ncount = 4\n",
    )
    .unwrap();
    let exp = dir.join("e.toml");
    std::fs::write(
        &exp,
        "name = \"long\"\nmodel = \"m.toml\"\nreplicates = 1\nseed = 1\n\
         [[axes]]\npath = \"consumers.fn.count\"\nvalues = \"1..=8\"\n",
    )
    .unwrap();
    exp
}

#[test]
fn a_study_forecast_to_take_minutes_says_so_before_its_first_run() {
    let dir = tempfile::tempdir().unwrap();
    let exp = long_study(dir.path());
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("sim"))
        .args(["sweep", "--jobs", "1", "--assumptions", "4", "--out"])
        .arg(dir.path().join("out"))
        .arg(&exp)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        first.starts_with("sim: long: 40 runs (8 plain, the rest under 4 assumption sets), forecast to take about "),
        "{first}"
    );
    assert!(first.contains("on 1 worker thread(s)"), "{first}");
}

#[test]
fn an_adaptive_sweeps_progress_grows_its_total_with_each_round_and_never_counts_past_it() {
    let dir = tempfile::tempdir().unwrap();
    let exp = tiny(dir.path(), 3);
    // A precision no minute-long run reaches: every point runs its first round of 5, then more
    // rounds up to the cap of 12.
    let out = sim()
        .args(["sweep", "--jobs", "2", "--precision", "0.01%"])
        .args(["--precision-metric", "iterator_age_max"])
        .args(["--max-replicates", "12", "--out"])
        .arg(dir.path().join("out"))
        .arg(&exp)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    let lines = progress_lines(&err);
    assert!(lines.len() >= 2, "{err}");
    assert!(lines.iter().all(|&(done, total)| done <= total), "{err}");
    assert!(lines.windows(2).all(|w| w[0].0 < w[1].0), "{err}");
    // The first round planned 3 x 5 runs; the last line counts all 3 x 12.
    assert_eq!(lines[0].1, 15, "{err}");
    assert_eq!(lines.last(), Some(&(36, 36)), "{err}");
}

#[test]
fn an_adaptive_sweeps_forecast_says_it_is_of_the_first_round_only() {
    let dir = tempfile::tempdir().unwrap();
    let exp = long_study(dir.path());
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("sim"))
        .args(["sweep", "--jobs", "1", "--precision", "5%", "--out"])
        .arg(dir.path().join("out"))
        .arg(&exp)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let (mut first, mut second) = (String::new(), String::new());
    err.read_line(&mut first).unwrap();
    err.read_line(&mut second).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(first.starts_with("sim: long: 40 runs, forecast"), "{first}");
    assert!(
        second.starts_with(
            "sim: long: that forecast is the first round of --precision (5 replicate(s) per point)"
        ) && second.contains("up to 20 per point"),
        "{second}"
    );
}
