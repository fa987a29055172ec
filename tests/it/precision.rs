//! `sim sweep --precision`: replicates until the half-width asked, the same bytes whatever the
//! threads and after an interrupt and resume; bad values refused; values of too few replicates
//! shown without `±`.

use crate::common::{interrupt_sweep, root, sim};
use std::path::{Path, PathBuf};
use std::time::Duration;

const EXPERIMENT: &str = r#"
name = "precise"
model = "MODELS/kinesis-pollers.toml"
duration = "6m"
warmup = "1m"
replicates = 2
[[axes]]
path = "consumers.app.count"
values = [1, 3]
[[axes]]
path = "consumers.app.read"
values = ["shared", "efo"]
"#;

fn experiment(dir: &Path) -> PathBuf {
    let p = dir.join("precise.toml");
    let models = root().join("models").display().to_string();
    std::fs::write(&p, EXPERIMENT.replace("MODELS", &models)).unwrap();
    p
}

/// The files of a sweep's folder that hold results (not wall times).
const RESULTS: [&str; 4] = ["runs.csv", "summary.csv", "timeseries.csv", "summary.md"];

fn same_results(a: &Path, b: &Path) {
    for f in RESULTS {
        assert_eq!(
            std::fs::read_to_string(a.join(f)).unwrap(),
            std::fs::read_to_string(b.join(f)).unwrap(),
            "{f}"
        );
    }
}

/// summary.csv as rows of (column name, value).
fn summary_rows(dir: &Path) -> Vec<Vec<(String, String)>> {
    let text = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(String::from))
                .collect()
        })
        .collect()
}

fn cell<'a>(row: &'a [(String, String)], name: &str) -> &'a str {
    &row.iter().find(|(n, _)| n == name).unwrap().1
}

#[test]
fn a_precision_sweep_reaches_the_half_width_asked_and_gives_the_same_bytes_on_one_thread_and_two() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(dir.path());
    let outs: Vec<PathBuf> = ["1", "2"]
        .iter()
        .map(|j| {
            let out = dir.path().join(format!("j{j}"));
            sim()
                .args([
                    "sweep",
                    "--quiet",
                    "--precision",
                    "4%",
                    "--max-replicates",
                    "12",
                ])
                .args(["-j", j, "--out"])
                .arg(&out)
                .arg(&exp)
                .assert()
                .success();
            out
        })
        .collect();
    same_results(&outs[0], &outs[1]);
    let rows = summary_rows(&outs[0]);
    let counts: Vec<u32> = rows
        .iter()
        .map(|r| cell(r, "replicates").parse().unwrap())
        .collect();
    assert!(counts.iter().all(|&n| (5..=12).contains(&n)), "{counts:?}");
    for r in &rows {
        let capped = cell(r, "capped") == "true";
        for m in ["iterator_age_avg_ms", "throttled_reads_per_min"] {
            let reached = cell(r, &format!("precision_{m}"));
            let mean: f64 = cell(r, m).parse().unwrap();
            let ci: f64 = cell(r, &format!("{m}_ci95")).parse().unwrap();
            if !capped {
                let reached: f64 = reached.parse().unwrap();
                assert!(reached <= 0.04, "{m} reached {reached} in {r:?}");
                assert!(ci <= 0.04 * mean.abs() + 1e-3, "{m}: ±{ci} of {mean}");
            }
        }
        if capped {
            assert_eq!(cell(r, "replicates"), "12", "{r:?}");
        }
    }
    let md = std::fs::read_to_string(outs[0].join("summary.md")).unwrap();
    assert!(
        md.contains("Precision asked: a 95% half-width of at most 4%"),
        "{md}"
    );
    let report = std::fs::read_to_string(outs[0].join("report.html")).unwrap();
    assert!(report.contains("Precision asked"));
    let json: serde_json::Value = serde_json::from_slice(
        &sim()
            .args([
                "sweep",
                "--quiet",
                "--json",
                "--precision",
                "4%",
                "--max-replicates",
                "12",
            ])
            .arg("--out")
            .arg(dir.path().join("json"))
            .arg(&exp)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let p0 = &json["points"][0];
    assert_eq!(p0["replicates"].to_string(), counts[0].to_string());
    assert_eq!(p0["precision"]["asked"], 0.04);
    assert!(p0["precision"]["reached"]["iterator_age_avg_ms"].is_number());
}

#[test]
fn an_interrupted_precision_sweep_resumes_to_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(dir.path());
    let flags = ["--precision", "2%", "--max-replicates", "14"];
    let full = dir.path().join("full");
    sim()
        .args(["sweep", "--quiet", "-j", "2"])
        .args(flags)
        .arg("--out")
        .arg(&full)
        .arg(&exp)
        .assert()
        .success();
    let total: usize = summary_rows(&full)
        .iter()
        .map(|r| cell(r, "replicates").parse::<usize>().unwrap())
        .sum();
    // The first round is 4 points x 5 replicates: stop the sweep inside a later round, when the
    // decisions the journal's runs led to matter.
    assert!(total > 22, "the sweep needs more than one round: {total}");

    let part = dir.path().join("part");
    let journal = dir.path().join(".part.resume");
    let mut sweep = std::process::Command::new(assert_cmd::cargo::cargo_bin("sim"));
    sweep
        .args(["sweep", "--quiet", "-j", "1"])
        .args(flags)
        .arg("--out")
        .arg(&part)
        .arg(&exp);
    let out = interrupt_sweep(
        sweep,
        &journal,
        22,
        Duration::from_secs(120),
        "no round ended",
        "-TERM",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(
        err.contains("--precision 2% --max-replicates 14`"),
        "the hint resumes the same adaptive sweep: {err}"
    );
    let kept = std::fs::read_dir(journal.join("runs")).unwrap().count();
    assert!((22..total).contains(&kept), "kept {kept} of {total}");
    sim()
        .args(["sweep", "--quiet", "--resume", "-j", "2"])
        .args(flags)
        .arg("--out")
        .arg(&part)
        .arg(&exp)
        .assert()
        .success();
    same_results(&full, &part);
}

#[test]
fn bad_precision_flags_are_refused_naming_the_flag_as_typed() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(dir.path());
    let out = dir.path().join("out");
    for (flags, says) in [
        (
            &["--precision", "0%"][..],
            "invalid value '0%' for '--precision",
        ),
        (&["--precision", "150%"], "above 0% and below 100%"),
        (&["--precision", "abc"], "`abc` is not a precision"),
        (
            &["--precision", "5%", "--max-replicates", "0"],
            "'--max-replicates <N>'",
        ),
        (
            &["--max-replicates", "9"],
            "--max-replicates applies to a sweep with a precision",
        ),
        (
            &["--precision", "5%", "--partition", "1/2", "--journal", "j"],
            "--precision 5% cannot go with --partition",
        ),
        (
            &["--precision", "5%", "--assumptions", "8"],
            "cannot go with --assumptions",
        ),
        (
            &[
                "--precision",
                "5%",
                "--replicates",
                "50",
                "--max-replicates",
                "10",
            ],
            "--precision 5% cannot go with --replicates 50: a point's first round would run more \
             replicates than --max-replicates 10 allows",
        ),
        (
            &["--precision", "5%", "--replicates", "21"],
            "than the default cap of 20 (--max-replicates) allows",
        ),
        (
            &["--precision", "5%", "--precision-metric", "iterator_age"],
            "'--precision-metric <METRIC>'",
        ),
    ] {
        let mut cmd = sim();
        cmd.args(["sweep", "--quiet"]).args(flags);
        if !flags.contains(&"--partition") {
            cmd.arg("--out").arg(&out);
        }
        let o = cmd.arg(&exp).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{flags:?}: {err}");
        assert!(err.contains(says), "{flags:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!out.exists(), "{flags:?} left an output folder");
    }
}

#[test]
fn two_replicates_show_values_without_a_misleading_interval_and_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(dir.path());
    let out = dir.path().join("two");
    let o = sim()
        .args(["sweep", "--quiet", "--out"])
        .arg(&out)
        .arg(&exp)
        .output()
        .unwrap();
    assert!(o.status.success());
    let why =
        "2 replicate(s): too few for an interval, so no ± (use --precision or replicates >= 3)";
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    let terminal = String::from_utf8_lossy(&o.stdout);
    assert!(md.contains(why), "summary.md: no reason given");
    assert!(
        report.contains(&why.replace('>', "&gt;")),
        "report.html: no reason given"
    );
    assert!(terminal.contains(why), "{terminal}");
    let table = md.split("|---").nth(1).unwrap();
    assert!(!table.contains('±'), "{md}");
    let rows = report.split("id=\"summary\"").nth(1).unwrap();
    assert!(!rows.split("</table>").next().unwrap().contains('±'));
    // Nor does the explorer's column of a point's numbers promise a half-width.
    assert!(!report.contains("half-width</th>") && !report.contains("mean ± 95% half-width"));
    assert!(report.contains("\"header\":\"mean (too few replicates for an interval)\""));
    // The CSV keeps its half-width column: a number, not a display.
    let rows = summary_rows(&out);
    assert_eq!(cell(&rows[0], "replicates"), "2");
}

/// Ten minutes at 600 records/s, more than five pollers can share, then 30 records/s: a backlog
/// that builds and drains, so IteratorAge has an initial transient of a quarter of an hour.
const TRANSIENT: &str = r#"
name = "transient"
model = "MODELS/kinesis-pollers.toml"
duration = "60m"
warmup = "WARMUP"
replicates = 2
[set]
"producers.app.rate" = 600.0
"producers.app.profile" = { kind = "periodic", period = "60m", multipliers = [1.0, 0.05, 0.05, 0.05, 0.05, 0.05] }
[[axes]]
path = "consumers.app.count"
values = [4, 5]
"#;

fn transient(dir: &Path, warmup: &str) -> PathBuf {
    let p = dir.join(format!("transient-{warmup}.toml"));
    let models = root().join("models").display().to_string();
    let text = TRANSIENT
        .replace("MODELS", &models)
        .replace("WARMUP", warmup);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn a_fixed_warm_up_shorter_than_the_transient_is_warned_about_and_auto_detects_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fixed");
    let o = sim()
        .args(["sweep", "--quiet", "--out"])
        .arg(&out)
        .arg(transient(dir.path(), "1m"))
        .output()
        .unwrap();
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    let warning = "Warning: the warm-up (1 min) is shorter than the initial transient MSER-5 finds";
    assert!(err.contains(warning), "{err}");
    assert!(err.contains("at 2 of 2 point(s)"), "{err}");
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(md.contains(warning), "{md}");
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains(warning));

    let runs = |dir: &Path| {
        let o = sim()
            .args(["sweep", "--quiet", "-j", "2", "--out"])
            .arg(dir)
            .arg(transient(dir.parent().unwrap(), "auto"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(!String::from_utf8_lossy(&o.stderr).contains("Warning"));
        std::fs::read_to_string(dir.join("summary.md")).unwrap()
    };
    let auto = runs(&dir.path().join("auto"));
    let found = auto
        .lines()
        .find(|l| l.starts_with("Warm-up detected per point"))
        .unwrap_or_else(|| panic!("{auto}"));
    // The transient lasts about a quarter of an hour after the burst's 10 minutes end.
    let range: Vec<u32> = found
        .split("found ")
        .nth(1)
        .and_then(|s| s.split(" min").next())
        .unwrap()
        .split(" to ")
        .map(|n| n.parse().unwrap())
        .collect();
    assert!(range.iter().all(|m| (10..=25).contains(m)), "{found}");
    assert_eq!(
        auto,
        runs(&dir.path().join("again")),
        "detection is deterministic"
    );
}

#[test]
fn warmup_auto_replaces_a_models_own_warm_up_longer_than_the_experiments_duration() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("m.toml"),
        "duration = \"1h\"\nwarmup = \"10m\"\nseed = 1\n\
         [streams.s]\nkind = \"kinesis\"\nshards = 1\n\
         [producers.p]\nstream = \"s\"\nrate = 10.0\n\
         [consumers.fn]\nstream = \"s\"\ncount = 1\n",
    )
    .unwrap();
    let exp = dir.path().join("e.toml");
    std::fs::write(
        &exp,
        "name = \"short\"\nmodel = \"m.toml\"\nduration = \"4m\"\nwarmup = \"auto\"\n\
         replicates = 1\nseed = 1\n\
         [[axes]]\npath = \"consumers.fn.count\"\nvalues = [1, 2]\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = sim()
        .args(["sweep", "--quiet", "--out"])
        .arg(&out)
        .arg(&exp)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(md.contains("Warm-up detected per point"), "{md}");
}

/// Three replicates of the two-reader rule over three minutes: at four readers and more, some
/// half-widths are wider than their means (summary.csv says which); the table, summary.md and
/// report.html show them with a note saying why, not silently.
#[test]
fn a_plus_minus_wider_than_its_value_is_explained_where_it_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    let exp = dir.path().join("two.toml");
    let model = root().join("models/dynamodb-readers.toml");
    std::fs::write(
        &exp,
        format!(
            "name = \"two\"\nmodel = {:?}\nduration = \"3m\"\nwarmup = \"1m\"\nreplicates = 3\n\
             seed = 2\n[[axes]]\npath = \"consumers.fn.count\"\nlabel = \"readers\"\n\
             values = \"1..=6\"\n",
            model.display().to_string()
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = sim()
        .args(["sweep", "--quiet", "--out"])
        .arg(&out)
        .arg(&exp)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = summary_rows(&out);
    let wide = rows.iter().any(|row| {
        row.iter().any(|(name, ci)| {
            let Some(metric) = name.strip_suffix("_ci95") else {
                return false;
            };
            let (ci, mean): (f64, f64) = (ci.parse().unwrap(), cell(row, metric).parse().unwrap());
            ci > mean.abs()
        })
    });
    assert!(wide, "the setting has a half-width wider than its mean");
    let note = "have a ± wider than themselves";
    assert!(String::from_utf8_lossy(&o.stdout).contains(note));
    assert!(std::fs::read_to_string(out.join("summary.md"))
        .unwrap()
        .contains(note));
    assert!(std::fs::read_to_string(out.join("report.html"))
        .unwrap()
        .contains(note));
}
