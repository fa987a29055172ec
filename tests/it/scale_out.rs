//! Sweeps past one machine: partitions (`--partition K/N`, or `--shard`, its old name) writing
//! into one journal, `sim merge` giving the outputs of a one-machine sweep byte for byte, SIGTERM
//! keeping a partition's finished runs, and merges refusing
//! what they cannot vouch for; the same for sweeps over assumption sets (`--assumptions N`), whose
//! every run is journaled, sharded and merged like a plain one.

use crate::common::sim;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const EXP: &str = "tests/scale-out.toml";
const SLOW: &str = "tests/scale-out-slow.toml";

fn run(args: &[&str]) -> std::process::Output {
    sim().args(args).output().unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "sim {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails_with_2(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(out.status.code(), Some(2), "sim {args:?}");
    String::from_utf8(out.stderr).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// A JSON object without the fields that measure the machine rather than the model.
fn without_timing(text: &str) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
    for key in ["wall_s", "events_per_s", "peak_rss_mb"] {
        v.as_object_mut().unwrap().remove(key);
    }
    v
}

fn shard_all(journal: &Path, n: u32) {
    run_shards(journal, &(0..n).collect::<Vec<_>>(), n, &[]);
}

/// Runs partitions `shards` of `n` of the test sweep into `journal`, with `extra` flags.
fn run_shards(journal: &Path, shards: &[u32], n: u32, extra: &[&str]) {
    for k in shards {
        let shard = format!("{k}/{n}");
        let mut args = vec!["sweep", EXP];
        args.extend_from_slice(extra);
        args.extend(["--partition", &shard, "--journal", s(journal), "-q"]);
        ok(&args);
    }
}

#[test]
fn three_shards_merged_write_the_files_of_a_one_machine_sweep_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let (single, merged, journal) = (
        tmp.path().join("single"),
        tmp.path().join("merged"),
        tmp.path().join("journal"),
    );
    let one = ok(&["sweep", EXP, "-q", "--json", "--out", s(&single)]);
    shard_all(&journal, 3);
    let m = merge_json(&journal, &merged);
    assert_eq!(without_timing(&one), without_timing(&m));
    assert_same_files(&single, &merged);
}

/// `sim merge` of the journal in `journal` into `merged`; its `--json` summary.
fn merge_json(journal: &Path, merged: &Path) -> String {
    ok(&[
        "merge",
        EXP,
        "--journal",
        s(journal),
        "--out",
        s(merged),
        "--json",
    ])
}

/// The two output folders hold the same files with the same [`invariant_bytes`].
fn assert_same_files(single: &Path, merged: &Path) {
    let (a, b) = (files(single), files(merged));
    let rel = |v: &[PathBuf], root: &Path| -> Vec<PathBuf> {
        v.iter()
            .map(|p| p.strip_prefix(root).unwrap().to_path_buf())
            .collect()
    };
    assert_eq!(rel(&a, single), rel(&b, merged));
    assert!(a.len() > 10, "a sweep writes CSVs and plots: {a:?}");
    for (x, y) in a.iter().zip(&b) {
        assert!(
            invariant_bytes(x) == invariant_bytes(y),
            "{} differs",
            x.display()
        );
    }
}

/// A file's bytes less what records the invocation rather than the results: the timing fields of
/// JSON files and the command line (in `manifest.json` and the provenance row of `report.html`),
/// and so the hashes and sizes of JSON and HTML files in the folder's listing (`.sim-output`),
/// whose paths still count. Every other byte, every CSV and plot whole, must match.
fn invariant_bytes(path: &Path) -> Vec<u8> {
    let text = || std::fs::read_to_string(path).unwrap();
    if path.ends_with(".sim-output") {
        return text()
            .lines()
            .map(|l| match l.splitn(3, ' ').nth(2) {
                Some(path) if path.ends_with(".json") || path.ends_with(".html") => path,
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n")
            .into_bytes();
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => {
            let mut v: serde_json::Value = serde_json::from_str(&text()).unwrap();
            if let Some(o) = v.as_object_mut() {
                for key in ["wall_s", "events_per_s", "peak_rss_mb", "command_line"] {
                    o.remove(key);
                }
            }
            v.to_string().into_bytes()
        }
        Some("html") => text()
            .lines()
            .filter(|l| !l.contains("<td class=\"text\">command line</td>"))
            .collect::<Vec<_>>()
            .join("\n")
            .into_bytes(),
        _ => std::fs::read(path).unwrap(),
    }
}

#[test]
fn shards_share_the_runs_out_evenly_and_each_run_once() {
    let listed: serde_json::Value = serde_json::from_str(&ok(&[
        "sweep",
        EXP,
        "--list-runs",
        "--json",
        "--shard",
        "3",
    ]))
    .unwrap();
    let runs = listed["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 12);
    let mut per_shard = [0; 3];
    for r in runs {
        per_shard[r["shard"].as_u64().unwrap() as usize] += 1;
        assert!(r["forecast_events"].as_f64().unwrap() > 0.0);
        assert!(r["params"]["readers"].is_number());
    }
    assert_eq!(per_shard, [4, 4, 4]);
    let text = ok(&["sweep", EXP, "--list-runs"]);
    assert!(text.contains("readers=6"), "{text}");
}

#[test]
fn slurm_array_variables_pick_the_same_partition_as_the_explicit_flag_by_either_name() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    ok(&["sweep", EXP, "--partition", "1/3", "--journal", s(&a), "-q"]);
    let out = sim()
        .args(["sweep", EXP, "--shard", "auto", "--journal", s(&b), "-q"])
        .env("SLURM_ARRAY_TASK_ID", "8")
        .env("SLURM_ARRAY_TASK_MIN", "7")
        .env("SLURM_ARRAY_TASK_COUNT", "3")
        .output()
        .unwrap();
    assert!(out.status.success());
    let names = |d: &Path| -> Vec<_> {
        files(&d.join("runs"))
            .iter()
            .map(|p| p.file_name().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&a), names(&b));
    assert_eq!(names(&a).len(), 4);
}

#[test]
fn bad_partition_flags_are_refused_naming_the_flag_as_typed_by_either_name() {
    let tmp = tempfile::tempdir().unwrap();
    let j = tmp.path().join("j");
    for flag in ["--partition", "--shard"] {
        let noun = flag.trim_start_matches('-');
        let e = fails_with_2(&["sweep", EXP, flag, "3/3", "--journal", s(&j)]);
        assert!(
            e.contains(&format!(
                "{flag} 3/3: K must be below N ({noun}s are numbered 0 to 2)"
            )),
            "{e}"
        );
        let e = fails_with_2(&["sweep", EXP, flag, "0/0", "--journal", s(&j)]);
        assert!(e.contains(&format!("{flag} 0/0")), "{e}");
        let e = fails_with_2(&["sweep", EXP, flag, "auto", "--journal", s(&j)]);
        assert!(
            e.contains(&format!("{flag} auto")) && e.contains("SLURM_ARRAY_TASK_ID"),
            "{e}"
        );
        assert!(
            e.contains(&format!("pass {flag} K/N, or {flag} auto/N")),
            "{e}"
        );
        let e = fails_with_2(&["sweep", EXP, flag, "auto/4", "--journal", s(&j)]);
        assert!(e.contains("JOB_COMPLETION_INDEX"), "{e}");
        let e = fails_with_2(&["sweep", EXP, flag, "0/2"]);
        assert!(
            e.contains(&format!(
                "{flag} 0/2 needs --journal DIR, the folder the {noun}s share"
            )),
            "{e}"
        );
        let e = fails_with_2(&["sweep", EXP, "--list-runs", flag, "0"]);
        assert!(
            e.contains(&format!("{flag} 0: N must be at least 1")),
            "{e}"
        );
    }
    let e = fails_with_2(&[
        "sweep",
        EXP,
        "--partition",
        "0/2",
        "--shard",
        "0/2",
        "--journal",
        s(&j),
    ]);
    assert!(e.contains("--partition") && e.contains("--shard"), "{e}");
    assert!(!j.exists(), "a refused partition writes nothing");
}

#[test]
fn the_old_shard_flag_lists_and_runs_exactly_what_partition_does_and_speaks_of_shards() {
    let list = |flag| ok(&["sweep", EXP, "--list-runs", "--json", flag, "3"]);
    assert_eq!(list("--partition"), list("--shard"));
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let said = |flag, dir: &Path| ok(&["sweep", EXP, flag, "2/3", "--journal", s(dir)]);
    let (new, old) = (said("--partition", &a), said("--shard", &b));
    assert!(new.starts_with("partition 2/3: 4 runs finished"), "{new}");
    assert!(new.contains("once every partition has finished"), "{new}");
    assert_eq!(old, new.replace("partition", "shard").replace(s(&a), s(&b)));
    let names = |d: &Path| -> Vec<_> {
        files(&d.join("runs"))
            .iter()
            .map(|p| p.file_name().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&a), names(&b));
    let help = ok(&["sweep", "--help"]);
    assert!(help.contains("--partition <K/N|auto|auto/N>"), "{help}");
    assert!(
        !help.contains("--shard <"),
        "the old name is not advertised: {help}"
    );
}

#[test]
fn merge_refuses_a_journal_from_another_experiment() {
    let tmp = tempfile::tempdir().unwrap();
    let journal = tmp.path().join("journal");
    shard_all(&journal, 1);
    let out = tmp.path().join("out");
    let e = fails_with_2(&["merge", SLOW, "--journal", s(&journal), "--out", s(&out)]);
    assert!(e.contains("another experiment file"), "{e}");
    let e = fails_with_2(&[
        "merge",
        EXP,
        "--replicates",
        "3",
        "--journal",
        s(&journal),
        "--out",
        s(&out),
    ]);
    assert!(e.contains("replicates"), "{e}");
    let e = fails_with_2(&["merge", EXP, "--journal", s(tmp.path()), "--out", s(&out)]);
    assert!(e.contains("not a sim journal"), "{e}");
    assert!(!out.exists(), "a refused merge writes nothing");
}

#[test]
fn merge_lists_missing_runs_with_the_shard_that_owns_each() {
    let tmp = tempfile::tempdir().unwrap();
    let journal = tmp.path().join("journal");
    run_shards(&journal, &[0, 2], 3, &[]);
    let out = tmp.path().join("out");
    let e = fails_with_2(&["merge", EXP, "--journal", s(&journal), "--out", s(&out)]);
    assert!(e.contains("4 of 12 runs"), "{e}");
    assert_eq!(e.matches(": shard 1/3").count(), 4, "{e}");
    assert!(
        e.contains("run these shards again") && e.contains("1/3"),
        "{e}"
    );
    assert!(!out.exists());
    run_shards(&journal, &[1], 3, &[]);
    ok(&["merge", EXP, "--journal", s(&journal), "--out", s(&out)]);
    assert!(out.join("summary.csv").exists());
}

fn wait_for_a_run(journal: &Path, child: &mut std::process::Child) {
    let started = Instant::now();
    loop {
        let n = std::fs::read_dir(journal.join("runs")).map_or(0, |d| d.count());
        if n >= 1 {
            return;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the shard ended before any run"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no run after 2 min"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_shard_stopped_by_sigterm_keeps_its_finished_runs_and_a_rerun_completes_the_merge() {
    let tmp = tempfile::tempdir().unwrap();
    let journal = tmp.path().join("journal");
    let args = [
        "sweep",
        SLOW,
        "--shard",
        "0/1",
        "--journal",
        s(&journal),
        "--jobs",
        "1",
    ];
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("sim"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_a_run(&journal, &mut child);
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    let kept = files(&journal.join("runs")).len();
    assert!((1..12).contains(&kept), "{kept} runs kept");
    let out = tmp.path().join("out");
    let e = fails_with_2(&["merge", SLOW, "--journal", s(&journal), "--out", s(&out)]);
    assert!(e.contains(&format!("{} of 12 runs", 12 - kept)), "{e}");
    ok(&args);
    ok(&["merge", SLOW, "--journal", s(&journal), "--out", s(&out)]);
    assert!(out.join("runs.csv").exists());
}

fn shard_assumptions(journal: &Path, shards: &[u32], n: u32) {
    run_shards(journal, shards, n, &["--assumptions", "4"]);
}

#[test]
fn an_assumption_sweep_sharded_three_ways_merges_to_the_files_of_a_one_machine_sweep_byte_for_byte()
{
    let tmp = tempfile::tempdir().unwrap();
    let (single, merged, journal) = (
        tmp.path().join("single"),
        tmp.path().join("merged"),
        tmp.path().join("journal"),
    );
    let one = ok(&[
        "sweep",
        EXP,
        "--assumptions",
        "4",
        "-q",
        "--json",
        "--out",
        s(&single),
    ]);
    shard_assumptions(&journal, &[0, 1, 2], 3);
    assert_eq!(files(&journal.join("runs")).len(), 12 * 5);
    let m = merge_json(&journal, &merged);
    assert_eq!(without_timing(&one), without_timing(&m));
    assert!(single.join("sensitivity.csv").exists());
    assert_same_files(&single, &merged);
}

#[test]
fn a_saltelli_sweep_sharded_two_ways_merges_to_the_files_of_a_one_machine_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let (single, merged, journal) = (
        tmp.path().join("single"),
        tmp.path().join("merged"),
        tmp.path().join("journal"),
    );
    let salt = ["--assumptions", "4", "--sensitivity", "saltelli"];
    let out = ["-q", "--out", s(&single)];
    ok(&[&["sweep", EXP][..], &salt, &out].concat());
    for k in ["0/2", "1/2"] {
        let shard = ["--shard", k, "--journal", s(&journal), "-q"];
        ok(&[&["sweep", EXP][..], &salt, &shard].concat());
    }
    let e = fails_with_2(&["merge", EXP, "--assumptions", "4", "--journal", s(&journal)]);
    assert!(e.contains("saltelli:4, not lhs:4"), "{e}");
    ok(&["merge", EXP, "--journal", s(&journal), "--out", s(&merged)]);
    assert_same_files(&single, &merged);
}

#[test]
fn assumption_runs_are_listed_with_their_set_and_shared_out_evenly() {
    let listed: serde_json::Value = serde_json::from_str(&ok(&[
        "sweep",
        EXP,
        "--assumptions",
        "4",
        "--list-runs",
        "--json",
        "--shard",
        "3",
    ]))
    .unwrap();
    let runs = listed["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 12 * 5);
    let sets: Vec<u64> = runs.iter().filter_map(|r| r["set"].as_u64()).collect();
    assert_eq!(sets.len(), 12 * 4);
    assert!((0..4).all(|k| sets.iter().filter(|&&s| s == k).count() == 12));
    let mut per_shard = [0; 3];
    for r in runs {
        per_shard[r["shard"].as_u64().unwrap() as usize] += 1;
    }
    assert_eq!(per_shard, [20, 20, 20]);
    let keys: std::collections::BTreeSet<&str> =
        runs.iter().map(|r| r["key"].as_str().unwrap()).collect();
    assert_eq!(keys.len(), runs.len(), "every run has its own key");
}

#[test]
fn merge_refuses_a_journal_written_with_another_assumption_design() {
    let tmp = tempfile::tempdir().unwrap();
    let (with, plain) = (tmp.path().join("with"), tmp.path().join("plain"));
    shard_assumptions(&with, &[0], 1);
    shard_all(&plain, 1);
    let out = tmp.path().join("out");
    let e = fails_with_2(&[
        "merge",
        EXP,
        "--assumptions",
        "8",
        "--journal",
        s(&with),
        "--out",
        s(&out),
    ]);
    assert!(e.contains("lhs:4, not lhs:8"), "{e}");
    // The file runs each point twice under each set; a merge told once would take half the runs.
    let e = fails_with_2(&[
        "merge",
        EXP,
        "--assumptions",
        "4",
        "--set-replicates",
        "1",
        "--journal",
        s(&with),
        "--out",
        s(&out),
    ]);
    assert!(
        e.contains("with set_replicates 2, not 1 (--set-replicates)"),
        "{e}"
    );
    let e = fails_with_2(&[
        "merge",
        EXP,
        "--assumptions",
        "4",
        "--journal",
        s(&plain),
        "--out",
        s(&out),
    ]);
    assert!(e.contains("design none, not lhs:4"), "{e}");
    let e = fails_with_2(&[
        "merge",
        EXP,
        "--journal",
        s(&with),
        s(&plain),
        "--out",
        s(&out),
    ]);
    assert!(e.contains("design none, not lhs:4"), "{e}");
    let e = fails_with_2(&[
        "sweep",
        EXP,
        "--assumptions",
        "8",
        "--shard",
        "0/1",
        "--journal",
        s(&with),
    ]);
    assert!(e.contains("lhs:4, not lhs:8"), "{e}");
    assert!(!out.exists(), "a refused merge writes nothing");
}

#[test]
fn merge_lists_missing_assumption_runs_with_the_shard_that_owns_each() {
    let tmp = tempfile::tempdir().unwrap();
    let journal = tmp.path().join("journal");
    shard_assumptions(&journal, &[0, 2], 3);
    let out = tmp.path().join("out");
    let e = fails_with_2(&["merge", EXP, "--journal", s(&journal), "--out", s(&out)]);
    assert!(e.contains("20 of 60 runs"), "{e}");
    assert_eq!(e.matches(": shard 1/3").count(), 20, "{e}");
    assert_eq!(e.matches(", assumption set ").count(), 16, "{e}");
    assert!(!out.exists());
    shard_assumptions(&journal, &[1], 3);
    ok(&["merge", EXP, "--journal", s(&journal), "--out", s(&out)]);
    assert!(out.join("sensitivity.csv").exists());
}

/// The identity of each file in a folder: a run journaled again would be a new file.
#[cfg(unix)]
fn inodes(dir: &Path) -> Vec<(PathBuf, u64)> {
    use std::os::unix::fs::MetadataExt;
    files(dir)
        .into_iter()
        .map(|p| {
            let ino = std::fs::metadata(&p).unwrap().ino();
            (p, ino)
        })
        .collect()
}

#[cfg(unix)]
#[test]
fn a_one_machine_assumption_sweep_with_a_journal_resumes_where_it_stopped() {
    let tmp = tempfile::tempdir().unwrap();
    let (first, second, journal) = (
        tmp.path().join("first"),
        tmp.path().join("second"),
        tmp.path().join("journal"),
    );
    let sweep = |out: &Path| {
        ok(&[
            "sweep",
            EXP,
            "--assumptions",
            "4",
            "--journal",
            s(&journal),
            "--out",
            s(out),
            "-q",
        ])
    };
    sweep(&first);
    let runs = journal.join("runs");
    let all = files(&runs);
    assert_eq!(all.len(), 60, "every plain and assumption run is journaled");
    for lost in all.iter().step_by(3) {
        std::fs::remove_file(lost).unwrap();
    }
    let kept = inodes(&runs);
    sweep(&second);
    let after = inodes(&runs);
    assert_eq!(after.len(), 60);
    assert!(
        kept.iter().all(|k| after.contains(k)),
        "a journaled run is not run again"
    );
    assert_same_files(&first, &second);
}

/// The run files of a journal, by name.
fn run_files(journal: &Path) -> Vec<PathBuf> {
    files(&journal.join("runs"))
}

#[test]
fn merge_and_resume_refuse_a_run_file_copied_over_another_runs_name() {
    let tmp = tempfile::tempdir().unwrap();
    let journal = tmp.path().join("journal");
    shard_all(&journal, 2);
    let runs = run_files(&journal);
    assert_eq!(runs.len(), 12);
    std::fs::copy(&runs[0], &runs[1]).unwrap();
    let out = tmp.path().join("out");
    let e = fails_with_2(&["merge", EXP, "--journal", s(&journal), "--out", s(&out)]);
    let name = runs[1].file_name().unwrap().to_str().unwrap();
    assert!(e.contains(name), "the error names the file: {e}");
    assert!(
        e.contains("copied or renamed from another run") && e.contains("not the run of point"),
        "{e}"
    );
    assert!(!out.exists(), "a refused merge writes nothing");
    let e = fails_with_2(&[
        "sweep",
        EXP,
        "--journal",
        s(&journal),
        "--out",
        s(&out),
        "-q",
    ]);
    assert!(e.contains(name) && e.contains("copied or renamed"), "{e}");
    assert!(!out.exists(), "a refused sweep writes nothing");
    std::fs::remove_file(&runs[1]).unwrap();
    shard_all(&journal, 2);
    ok(&["merge", EXP, "--journal", s(&journal), "--out", s(&out)]);
}

#[test]
fn merge_refuses_a_run_file_with_one_byte_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let journal = tmp.path().join("journal");
    shard_all(&journal, 1);
    let runs = run_files(&journal);
    let good = std::fs::read(&runs[5]).unwrap();
    let out = tmp.path().join("out");
    // A digit inside the run (still valid JSON, only the checksum can tell), then bytes spread
    // over the whole file.
    let digit = String::from_utf8(good.clone())
        .unwrap()
        .rfind("\"events\":")
        .unwrap()
        + 9;
    let step = good.len() / 5;
    for at in [digit, 3, step, 2 * step, 3 * step, good.len() - 2] {
        let mut bytes = good.clone();
        bytes[at] = if bytes[at] == b'1' {
            b'2'
        } else {
            bytes[at] ^ 1
        };
        std::fs::write(&runs[5], &bytes).unwrap();
        let e = fails_with_2(&["merge", EXP, "--journal", s(&journal), "--out", s(&out)]);
        let name = runs[5].file_name().unwrap().to_str().unwrap();
        assert!(e.contains(name), "byte {at}: the error names the file: {e}");
        if at == digit {
            assert!(e.contains("checksum does not match its content"), "{e}");
        }
        assert!(!out.exists(), "a refused merge writes nothing");
    }
    std::fs::write(&runs[5], &good).unwrap();
    ok(&["merge", EXP, "--journal", s(&journal), "--out", s(&out)]);
}

#[test]
fn merge_refuses_a_journal_of_the_older_format_saying_which() {
    let tmp = tempfile::tempdir().unwrap();
    let journal = tmp.path().join("journal");
    shard_all(&journal, 1);
    let header = journal.join("journal.json");
    let text = std::fs::read_to_string(&header).unwrap();
    assert!(text.contains("\"format\": 2"), "{text}");
    std::fs::write(&header, text.replace("\"format\": 2", "\"format\": 1")).unwrap();
    let e = fails_with_2(&["merge", EXP, "--journal", s(&journal)]);
    assert!(
        e.contains("journal format 1") && e.contains("does not read"),
        "{e}"
    );
}

/// The command between backquotes in a shard's closing line, as words.
fn printed_merge(stdout: &str) -> Vec<String> {
    let command = stdout
        .split('`')
        .nth(1)
        .unwrap_or_else(|| panic!("{stdout}"));
    command.split_whitespace().map(String::from).collect()
}

#[test]
fn the_merge_command_a_shard_prints_merges_what_the_shards_ran() {
    let tmp = tempfile::tempdir().unwrap();
    let journal = tmp.path().join("journal");
    let flags = ["--replicates", "1", "--assumptions", "4"];
    let mut printed = Vec::new();
    for k in ["0/2", "1/2"] {
        let shard = ["--shard", k, "--journal", s(&journal), "-q"];
        let stdout = ok(&[&["sweep", EXP][..], &flags, &shard].concat());
        printed.push(printed_merge(&stdout));
    }
    assert_eq!(printed[0], printed[1]);
    let words = &printed[0];
    assert_eq!(&words[..2], ["sim", "merge"], "{words:?}");
    let joined = words.join(" ");
    assert!(joined.contains("--replicates 1"), "{joined}");
    let out = tmp.path().join("out");
    let mut args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    args.extend(["--out", s(&out)]);
    ok(&args);
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert_eq!(summary.lines().count(), 7, "6 points: {summary}");
    assert!(out.join("sensitivity.csv").exists());
}
