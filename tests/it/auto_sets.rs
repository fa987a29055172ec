//! `sim sweep --assumptions auto`: as many assumption sets as the answer needs, said everywhere
//! the number of sets is said, the same whatever the threads, and resumed to the same bytes after
//! an interrupt.

use crate::common::{interrupt_sweep, root, sim};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Hot-stream cut to 4 points of 4 minutes, one replicate.
fn experiment(dir: &Path) -> PathBuf {
    let models = root().join("models");
    let text = format!(
        r#"
name = "auto"
model = "{m}/kinesis-standard.toml"
duration = "4m"
warmup = "1m"
replicates = 1
seed = 3
[set]
"producers.orders.rate" = 100.0
[[axes]]
path = "consumers.fn.count"
values = [2, 8]
[[axes]]
path = "model"
values = ["{m}/kinesis-standard.toml", "{m}/kinesis-efo.toml"]
"#,
        m = models.display()
    );
    let p = dir.join("auto.toml");
    std::fs::write(&p, text).unwrap();
    p
}

/// Files that hold no wall time, so that two sweeps of the same runs write them alike.
const SAME: [&str; 4] = [
    "runs.csv",
    "summary.csv",
    "sensitivity.csv",
    "timeseries.csv",
];

#[test]
fn auto_grows_to_the_cap_at_most_says_how_many_sets_it_used_and_resumes_to_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(dir.path());
    let full = dir.path().join("full");
    let o = sim()
        .args(["sweep", "--json", "--jobs", "2", "--assumptions", "auto"])
        .args(["--max-assumptions", "32", "--out"])
        .arg(&full)
        .arg(&exp)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let auto = &json["assumptions"]["auto"];
    assert_eq!(json["assumptions"]["sets"], 32, "{json}");
    assert_eq!(json["assumptions"]["design"], "nlhs:32");
    assert_eq!(
        (auto["sets"].as_u64(), auto["cap"].as_u64()),
        (Some(32), Some(32))
    );
    assert_eq!(auto["rounds"].as_array().unwrap().len(), 1, "{auto}");
    assert!(auto["rounds"][0]["edge_move"].is_number(), "{auto}");
    assert!(
        err.contains("--assumptions auto, 32 sets:")
            && err.contains("--assumptions auto used 32 sets"),
        "{err}"
    );
    let read = |d: &Path, f: &str| std::fs::read_to_string(d.join(f)).unwrap();
    assert!(read(&full, "report.html").contains("under 32 assumption sets"));
    assert!(read(&full, "report.html").contains("(--assumptions auto: 32 sets"));
    let sens = read(&full, "sensitivity.csv");
    assert!(sens
        .lines()
        .next()
        .unwrap()
        .ends_with(",first_order,total_effect_lo,total_effect_hi"));

    // The same sweep on one thread, stopped by Ctrl-C during its second round, then resumed.
    let part = dir.path().join("part");
    let journal = dir.path().join(".part.resume");
    let mut sweep = std::process::Command::new(assert_cmd::cargo::cargo_bin("sim"));
    sweep
        .args(["sweep", "--quiet", "--jobs", "1", "--assumptions", "auto"])
        .args(["--max-assumptions", "32", "--out"])
        .arg(&part)
        .arg(&exp);
    // 4 plain runs and 16 sets of 4: the second round has begun past 68.
    let out = interrupt_sweep(
        sweep,
        &journal,
        70,
        Duration::from_secs(300),
        "too slow",
        "-INT",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(!part.exists(), "no half-written results");
    // The hint, run as it says, resumes this sweep: the same sets, not a plain sweep.
    let hint = err
        .split('`')
        .nth(1)
        .unwrap_or_else(|| panic!("no command in the hint: {err}"));
    assert!(
        hint.contains(" --assumptions auto --max-assumptions 32"),
        "{hint}"
    );
    let words: Vec<&str> = hint.split_whitespace().collect();
    assert_eq!(&words[..3], ["sim", "sweep", "--resume"], "{hint}");
    sim()
        .args(&words[1..])
        .args(["--quiet", "--jobs", "2"])
        .assert()
        .success();
    for f in SAME {
        assert_eq!(read(&full, f), read(&part, f), "{f}");
    }
    assert!(
        !journal.exists(),
        "the journal is removed once the sweep completes"
    );
}

#[test]
fn auto_refuses_what_it_cannot_be_combined_with() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(dir.path());
    let refused = |args: &[&str], says: &str| {
        let o = sim()
            .arg("sweep")
            .arg(&exp)
            .args(args)
            .args(["--out"])
            .arg(dir.path().join("out"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!dir.path().join("out").exists(), "no partial output");
    };
    refused(
        &["--assumptions", "auto", "--sensitivity", "saltelli"],
        "--sensitivity saltelli needs --assumptions N",
    );
    refused(
        &["--assumptions", "auto", "--list-runs"],
        "--list-runs needs --assumptions N",
    );
    refused(
        &["--assumptions", "16", "--max-assumptions", "64"],
        "--max-assumptions caps --assumptions auto",
    );
    for cap in ["16", "33", "5000"] {
        refused(
            &["--assumptions", "auto", "--max-assumptions", cap],
            "a round reaches: 32, 64, 128",
        );
    }
    refused(&["--assumptions", "most"], "expected auto, 0");
}
