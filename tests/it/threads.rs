//! `sim run --threads N`: a model whose shards do not interact writes the same bytes on any number
//! of threads; one whose shards interact runs on one thread and says why; a bad count is refused.

use crate::common::{root, sim};
use std::path::{Path, PathBuf};

/// Two streams, a poller with two lanes whose failures it bisects and an enhanced fan-out reader;
/// every function's provisioned environments cover all its shards, and the account limit cannot
/// bind, so no shard's events can see another's.
const INDEPENDENT: &str = r#"
name = "independent"
duration = "3m"
warmup = "30s"
seed = 11

[account]
concurrency = 1000

[streams.a]
kind = "kinesis"
shards = 5

[streams.b]
kind = "kinesis"
shards = 2

[producers.pa]
stream = "a"
rate = 400.0

[producers.pb]
stream = "b"
rate = 60.0

[consumers.poll]
stream = "a"
count = 2
parallelization_factor = 2
bisect_on_error = true

[consumers.poll.function]
provisioned_concurrency = 10
error_probability = 0.03

[consumers.push]
stream = "b"
read = "efo"

[consumers.push.function]
provisioned_concurrency = 2
"#;

fn write_model(dir: &Path) -> PathBuf {
    let path = dir.join("independent.toml");
    std::fs::write(&path, INDEPENDENT).unwrap();
    path
}

/// Runs `model` with `extra` flags into `out`; returns stdout and stderr.
fn run(model: &Path, out: &Path, extra: &[&str]) -> (String, String) {
    let o = sim()
        .arg("run")
        .arg(model)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    (String::from_utf8_lossy(&o.stdout).to_string(), stderr)
}

/// Every file of a run folder, without the lines that may differ between two runs of the same
/// model: the machine's timings (summary.json) and the command line (report.html).
fn files(dir: &Path) -> Vec<(String, String)> {
    // The folder's listing (.sim-output) holds the hashes of those files, so it is left out.
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n != ".sim-output")
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let text = std::fs::read_to_string(dir.join(&n)).unwrap();
            let kept: Vec<&str> = text
                .split_inclusive('\n')
                .filter(|l| {
                    ![
                        "\"wall_s\"",
                        "\"events_per_s\"",
                        "\"peak_rss_mb\"",
                        ">command line<",
                    ]
                    .iter()
                    .any(|k| l.contains(k))
                })
                .collect();
            (n, kept.concat())
        })
        .collect()
}

#[test]
fn a_run_split_over_threads_writes_the_same_files_as_one_thread() {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(dir.path());
    run(&model, &dir.path().join("default"), &[]);
    let want = files(&dir.path().join("default"));
    assert!(want.iter().any(|(n, _)| n == "timeseries.csv"));
    for threads in ["1", "2", "3"] {
        let out = dir.path().join(format!("t{threads}"));
        let (stdout, stderr) = run(&model, &out, &["--threads", threads, "--json"]);
        assert!(stderr.is_empty(), "{stderr}");
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(
            v["threads"]["used"].to_string(),
            threads,
            "{}",
            v["threads"]
        );
        assert!(v["threads"].get("reason").is_none(), "{}", v["threads"]);
        assert_eq!(files(&out), want, "--threads {threads}");
    }
}

#[test]
fn a_model_whose_shards_interact_runs_on_one_thread_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(dir.path());
    let router = root().join("models/reader-streams-router.toml");
    let cases: [(&Path, &[&str], &str); 3] = [
        (
            &model,
            &["--set", "account.concurrency=5"],
            "account concurrency limit can bind",
        ),
        (
            &model,
            &["--set", "consumers.poll.function.provisioned_concurrency=0"],
            "warm execution environments",
        ),
        (
            &router,
            &["--duration", "2m", "--warmup", "0s"],
            "`router` routes records",
        ),
    ];
    for (i, (path, sets, why)) in cases.into_iter().enumerate() {
        let out = dir.path().join(format!("c{i}"));
        let mut flags = sets.to_vec();
        flags.extend(["--threads", "2", "--json"]);
        let (stdout, stderr) = run(path, &out, &flags);
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let t = &v["threads"];
        assert_eq!(
            (t["requested"].as_u64(), t["used"].as_u64()),
            (Some(2), Some(1)),
            "{t}"
        );
        assert!(t["reason"].as_str().unwrap().contains(why), "{t}");
        assert!(
            stderr.contains("--threads 2: one thread used: "),
            "{stderr}"
        );
        assert!(stderr.contains(why), "{stderr}");
    }
}

#[test]
fn a_thread_count_of_zero_is_refused_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(dir.path());
    let out = dir.path().join("out");
    let o = sim()
        .arg("run")
        .arg(&model)
        .arg("--out")
        .arg(&out)
        .args(["--threads", "0"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("'0'") && stderr.contains("--threads"),
        "{stderr}"
    );
    assert!(!out.exists(), "no partial output");
}
