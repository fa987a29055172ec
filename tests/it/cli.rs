//! The command line as a user meets it: exit codes, output folders, budgets, broken pipes, and an
//! interrupted sweep resumed to the same bytes as an uninterrupted one.

use crate::common::{interrupt_sweep, root, sim};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn model(name: &str) -> String {
    root().join("models").join(name).display().to_string()
}

#[test]
fn run_prints_one_json_object_and_writes_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = sim()
        .args([
            "run",
            &model("kinesis-standard.toml"),
            "--duration",
            "5m",
            "--warmup",
            "1m",
            "--json",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON object");
    for key in [
        "model",
        "seed",
        "simulated_s",
        "events",
        "wall_s",
        "streams",
        "consumers",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let c = &v["consumers"][0];
    for key in [
        "iterator_age_ms",
        "records_processed",
        "records_in_flight",
        "records_unread",
        "records_discarded",
        "records_expired",
        "throttled_reads",
        "invocations",
        "errors",
        "duplicates",
    ] {
        assert!(c.get(key).is_some(), "missing consumers[0].{key}");
    }
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names.len(),
        5,
        "only the four result files and the .sim-output marker, no temporaries: {names:?}"
    );
    assert!(dir.path().join("summary.json").exists() && dir.path().join("timeseries.csv").exists());
}

#[test]
fn the_same_seed_gives_the_same_bytes_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = |sub: &str| {
        sim()
            .args([
                "run",
                &model("dynamodb-streams.toml"),
                "--duration",
                "20m",
                "--seed",
                "9",
                "--out",
            ])
            .arg(dir.path().join(sub))
            .assert()
            .success();
        std::fs::read(dir.path().join(sub).join("timeseries.csv")).unwrap()
    };
    assert_eq!(run("a"), run("b"));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("sim"))
        .current_dir(root())
        .args([
            "run",
            &model("kinesis-efo.toml"),
            "--duration",
            "3m",
            "--warmup",
            "1m",
            "--json",
            "--out",
        ])
        .arg(tempfile::tempdir().unwrap().path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

/// `sim run` with `args`, in milliseconds or seconds: (exit code, stderr, seconds).
fn refused(args: &[&str]) -> (Option<i32>, String, f64) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let started = std::time::Instant::now();
    let o = sim().args(args).arg("--out").arg(&out).output().unwrap();
    assert!(!out.exists(), "nothing written");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    (o.status.code(), err, started.elapsed().as_secs_f64())
}

#[test]
fn a_billion_records_a_second_are_forecast_as_work_and_refused() {
    let (code, err, secs) = refused(&[
        "run",
        &model("kinesis-standard.toml"),
        "--set",
        "producers.orders.rate=1e9",
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("3.6e12 records drawn"), "{err}");
    assert!(err.contains("more than --max-events 2.0e10"), "{err}");
    assert!(secs < 10.0, "refused in {secs:.1} s");
}

#[test]
fn idle_shards_are_forecast_in_memory_and_refused_above_max_memory() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("duration = \"1m\"\n");
    for i in 0..200 {
        text += &format!("[streams.s{i}]\nkind = \"kinesis\"\nshards = 100000\n");
    }
    text += "[producers.p]\nstream = \"s0\"\nrate = 1.0\n";
    let path = dir.path().join("idle.toml");
    std::fs::write(&path, text).unwrap();
    let path = path.display().to_string();
    let (code, err, secs) = refused(&["run", &path, "--max-memory", "4GiB"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("this run is forecast to hold at least 11444 MiB of memory"),
        "{err}"
    );
    assert!(err.contains("more than --max-memory 4096MiB"), "{err}");
    assert!(secs < 20.0, "refused in {secs:.1} s");
    let (code, err, _) = refused(&["run", &path, "--max-memory", "lots"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("--max-memory lots: `lots` has unknown unit"),
        "{err}"
    );
}

#[test]
fn work_forecast_above_the_limit_is_refused_with_the_flag_to_override() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let o = sim()
        .args([
            "run",
            &model("kinesis-standard.toml"),
            "--set",
            "streams.events.shards=5000",
            "--duration",
            "30d",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("events") && err.contains("--max-events"),
        "{err}"
    );
    assert!(!out.exists(), "nothing written");
    sim()
        .args([
            "run",
            &model("kinesis-standard.toml"),
            "--duration",
            "2m",
            "--warmup",
            "1m",
            "--max-events",
            "1",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(2);
}

const EXPERIMENT: &str = r#"
name = "cli"
model = "MODELS/kinesis-pollers.toml"
duration = "10m"
warmup = "1m"
replicates = 4
[[axes]]
path = "consumers.app.count"
values = "1..=6"
[[axes]]
path = "consumers.app.read"
values = ["shared", "efo"]
"#;

fn experiment(dir: &Path) -> PathBuf {
    let p = dir.join("cli.toml");
    std::fs::write(
        &p,
        EXPERIMENT.replace("MODELS", &root().join("models").display().to_string()),
    )
    .unwrap();
    p
}

#[test]
fn a_sweep_refuses_to_replace_a_folder_it_did_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let mine = dir.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "keep").unwrap();
    let o = sim()
        .args(["sweep", "--quiet", "--out"])
        .arg(&mine)
        .arg(experiment(dir.path()))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("refusing"));
    assert_eq!(
        std::fs::read_to_string(mine.join("notes.txt")).unwrap(),
        "keep"
    );
}

#[test]
fn an_interrupted_sweep_resumes_to_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(dir.path());
    let full = dir.path().join("full");
    sim()
        .args(["sweep", "--quiet", "--jobs", "2", "--out"])
        .arg(&full)
        .arg(&exp)
        .assert()
        .success();

    let part = dir.path().join("part");
    let journal = dir.path().join(".part.resume");
    let mut sweep = std::process::Command::new(assert_cmd::cargo::cargo_bin("sim"));
    sweep
        .args(["sweep", "--quiet", "--jobs", "1", "--out"])
        .arg(&part)
        .arg(&exp);
    let out = interrupt_sweep(
        sweep,
        &journal,
        3,
        Duration::from_secs(60),
        "no run finished",
        "-INT",
    );
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("runs finished") && err.contains("--resume"),
        "{err}"
    );
    assert!(
        err.contains(&format!("--out {}`", part.display())),
        "the hint resumes into the same folder: {err}"
    );
    assert!(!part.exists(), "no half-written results");
    let kept = std::fs::read_dir(journal.join("runs")).unwrap().count();
    assert!((3..48).contains(&kept), "kept {kept}");

    sim()
        .args(["sweep", "--quiet", "--resume", "--jobs", "2", "--out"])
        .arg(&part)
        .arg(&exp)
        .assert()
        .success();
    for f in ["runs.csv", "summary.csv", "timeseries.csv"] {
        assert_eq!(
            std::fs::read(full.join(f)).unwrap(),
            std::fs::read(part.join(f)).unwrap(),
            "{f}"
        );
    }
    assert!(
        !journal.exists(),
        "the journal is removed once the sweep completes"
    );
}

#[test]
fn help_documents_the_exit_codes() {
    let o = sim().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("130 interrupted") && text.contains("2 bad input"),
        "{text}"
    );
}

mod output_folders;

/// `sim plan --assumptions N --out DIR` writes its verdict under assumption sets into its files,
/// and over a sweep already in DIR it answers without running it, keeping every file the sweep
/// wrote.
#[test]
fn plan_writes_its_robust_verdict_and_reuses_the_sweep_in_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let exp = root().join("experiments/two-reader-rule.toml");
    let (swept, fresh) = (dir.path().join("swept"), dir.path().join("fresh"));
    let o = sim()
        .arg("sweep")
        .arg(&exp)
        .args(["--quiet", "--assumptions", "8", "--out"])
        .arg(&swept)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let before: Vec<_> = std::fs::read_dir(&swept)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let plan = |out: &Path| {
        sim()
            .arg("plan")
            .arg(&exp)
            .args([
                "--slo",
                "iterator_age_max < 5s",
                "--assumptions",
                "8",
                "--out",
            ])
            .arg(out)
            .output()
            .unwrap()
    };
    let reused = plan(&swept);
    assert_eq!(reused.status.code(), Some(0), "{reused:?}");
    let said = String::from_utf8_lossy(&reused.stderr);
    assert!(
        said.contains("reusing the sweep in") && said.contains("nothing run again"),
        "{said}"
    );
    let o = plan(&fresh);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(!String::from_utf8_lossy(&o.stderr).contains("reusing"));
    for f in ["plan.md", "plan.json", "sensitivity.csv", "summary.csv"] {
        assert_eq!(
            std::fs::read(swept.join(f)).unwrap(),
            std::fs::read(fresh.join(f)).unwrap(),
            "{f}: the reused sweep answers as a fresh one"
        );
    }
    let md = std::fs::read_to_string(swept.join("plan.md")).unwrap();
    assert!(md.contains("Under 8 plausible assumption sets"), "{md}");
    let json = std::fs::read_to_string(swept.join("plan.json")).unwrap();
    assert!(
        json.contains("max_count_range") || json.contains("robust"),
        "{json}"
    );
    let page = std::fs::read_to_string(swept.join("report.html")).unwrap();
    assert!(page.contains("Under 8 plausible assumption sets"));
    for name in before {
        assert!(swept.join(&name).exists(), "{name:?} was removed");
    }
}

/// `--resume` with nothing to resume says so, and runs the whole sweep.
#[test]
fn resume_without_a_journal_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let o = sim()
        .args(["sweep", "--quiet", "--resume", "--out"])
        .arg(dir.path().join("out"))
        .arg(root().join("experiments/two-reader-rule.toml"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no interrupted sweep to resume"), "{err}");
}

/// `--resume` with a kept sweep that is not the one asked (here: the flags without its
/// `--assumptions`) refuses, saying why, and keeps the runs, rather than emptying them silently.
#[test]
fn resume_of_another_sweep_than_the_one_kept_refuses_and_keeps_its_runs() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(dir.path());
    let part = dir.path().join("part");
    let journal = dir.path().join(".part.resume");
    let mut sweep = std::process::Command::new(assert_cmd::cargo::cargo_bin("sim"));
    sweep
        .args([
            "sweep",
            "--quiet",
            "--jobs",
            "1",
            "--assumptions",
            "4",
            "--out",
        ])
        .arg(&part)
        .arg(&exp);
    let out = interrupt_sweep(
        sweep,
        &journal,
        3,
        Duration::from_secs(60),
        "no run finished",
        "-INT",
    );
    assert_eq!(out.status.code(), Some(130));
    let kept = std::fs::read_dir(journal.join("runs")).unwrap().count();
    let o = sim()
        .args(["sweep", "--quiet", "--resume", "--out"])
        .arg(&part)
        .arg(&exp)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("is not this sweep") && err.contains("--assumptions"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(journal.join("runs")).unwrap().count(),
        kept
    );
    assert!(!part.exists());
}

/// The resume folder beside an output (`.NAME.resume`) is used and removed only while it holds
/// a journal sim writes: a user's folder, files added to it, or a link of that name are left
/// alone and the sweep is refused.
#[test]
fn a_user_folder_named_like_the_resume_folder_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let exp = root().join("experiments/two-reader-rule.toml");
    let mine = dir.path().join(".s.resume");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "mine").unwrap();
    let userdir = dir.path().join("userdir");
    std::fs::create_dir_all(&userdir).unwrap();
    std::os::unix::fs::symlink(&userdir, dir.path().join(".l.resume")).unwrap();
    for out in ["s", "l"] {
        let o = sim()
            .arg("sweep")
            .arg(&exp)
            .args(["--quiet", "--out"])
            .arg(dir.path().join(out))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{o:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("not sim's resume folder"), "{err}");
    }
    assert_eq!(
        std::fs::read_to_string(mine.join("notes.txt")).unwrap(),
        "mine"
    );
    assert!(std::fs::read_dir(&userdir).unwrap().next().is_none());
    assert!(dir.path().join(".l.resume").is_symlink());
}

/// The README says every subcommand's help ends with examples: each command `sim --help` lists.
#[test]
fn every_subcommands_help_has_examples_of_itself() {
    let out = sim().arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    let commands: Vec<&str> = help
        .split("Commands:\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.contains(&"calibrate"), "{commands:?}");
    for c in commands {
        let out = sim().args([c, "--help"]).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains(&format!("Examples:\n  sim {c} "))
                || text.contains(&format!("Examples:\n  sim {c}\n")),
            "sim {c} --help:\n{text}"
        );
    }
}
