//! Bands over plausible assumptions: the spread of each metric across assumption sets, the
//! assumption that decides it, and how robust `sim plan`'s verdict is.

use crate::common::root;
use assert_cmd::Command;
use sim::experiment::Experiment;
use sim::plan::{robustness, Slo};
use sim::sweep::bands::{self, Bands};
use sim::sweep::design::AssumptionDesign;
use sim::sweep::metric::Metric;
use sim::sweep::stats::summarise;
use std::path::{Path, PathBuf};

/// The shipped experiment `name` with its model paths made absolute and each `(from, to)` edit
/// applied, written into `dir`.
fn edited_experiment(dir: &Path, name: &str, edits: &[(&str, &str)]) -> PathBuf {
    let text = std::fs::read_to_string(root().join("experiments").join(name)).unwrap();
    let models = format!("{}/", root().join("models").display());
    let text = edits
        .iter()
        .fold(text.replace("../models/", &models), |t, (from, to)| {
            t.replace(from, to)
        });
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The hot-stream experiment cut to 5 minutes, one replicate and the given subscriber counts.
fn short_hot_stream(dir: &Path, counts: &str) -> PathBuf {
    let values = format!("values = {counts}");
    edited_experiment(
        dir,
        "hot-stream.toml",
        &[
            ("duration = \"20m\"", "duration = \"5m\""),
            ("warmup = \"2m\"", "warmup = \"1m\""),
            ("replicates = 2 ", "replicates = 1 "),
            ("values = \"1..=30\"", &values),
            (
                "timeseries = [{ subscribers = 30 }, { subscribers = 5 }]",
                "",
            ),
        ],
    )
}

fn opts<'a>(
    prices: &'a sim::model::cost::Prices,
    stop: &'a std::sync::atomic::AtomicBool,
) -> sim::sweep::Options<'a> {
    sim::sweep::Options {
        jobs: 0,
        journal: None,
        resume: false,
        stop,
        prices: Some(prices),
        partition: None,
        on_done: None,
    }
}

/// What every point of `exp` gave under each set of `design`, run by the sweep runner.
fn sets_of(
    exp: &Experiment,
    design: &AssumptionDesign,
    opts: &sim::sweep::Options,
) -> bands::SetSummaries {
    bands::summarise(exp, &sim::sweep::run_sets(exp, design, opts).unwrap())
}

/// The experiment, its plain summaries and its bands over `n` sets.
fn banded(path: &Path, n: usize) -> (Experiment, Vec<sim::sweep::stats::PointSummaries>, Bands) {
    let exp = Experiment::open(path, None).unwrap();
    let prices = sim::config::prices::load(None).unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let res = sim::sweep::run_with(&exp, &opts(&prices, &stop)).unwrap();
    let design = AssumptionDesign::new(&exp, n).unwrap();
    let sets = sets_of(&exp, &design, &opts(&prices, &stop));
    (exp.clone(), summarise(&exp, &res), Bands::new(design, sets))
}

fn point(exp: &Experiment, key: &str) -> usize {
    exp.points.iter().find(|p| p.key() == key).unwrap().index
}

#[test]
fn throttled_reads_under_enhanced_fan_out_have_a_band_of_width_zero_and_no_deciding_assumption() {
    let dir = tempfile::tempdir().unwrap();
    let (exp, _, b) = banded(&short_hot_stream(dir.path(), "[1, 10]"), 16);
    let efo = point(&exp, "consumers.fn.count=10,model=kinesis-efo");
    let std = point(&exp, "consumers.fn.count=10,model=kinesis-standard");
    let throttled = Metric::ThrottledReadsPerMin;
    assert_eq!(bands::spread(&b.sets, efo, throttled).width(), 0.0);
    assert!(bands::effects(&exp, &b, efo, throttled)
        .iter()
        .all(|e| e.total == 0.0));
    let s = bands::spread(&b.sets, std, throttled);
    assert!(s.width() > 0.0 && s.min <= s.p5 && s.p5 <= s.p50 && s.p95 <= s.max);
    // The same sets, with the same values of shared keys, at every point.
    let key = "consumers.fn.function.env_idle_timeout";
    let both: Vec<String> = [0, 1]
        .map(|m| {
            let ov = b.design.overrides(m, 3);
            ov.iter().find(|o| o.path == key).unwrap().value.clone()
        })
        .to_vec();
    assert_eq!(both[0], both[1]);
}

#[test]
fn a_parameter_the_model_never_reads_has_an_effect_near_zero() {
    let dir = tempfile::tempdir().unwrap();
    let (exp, _, b) = banded(&short_hot_stream(dir.path(), "[2]"), 32);
    // Enhanced fan-out at two subscribers: no function errors (so no retry delay) and no
    // invocation throttles (so no account backoff).
    let efo = point(&exp, "consumers.fn.count=2,model=kinesis-efo");
    for m in [Metric::IteratorAgeMax, Metric::IteratorAgeAvg] {
        let effects = bands::effects(&exp, &b, efo, m);
        for unread in [
            "consumers.fn.retry_delay",
            "account.invoke_throttle_backoff.max",
        ] {
            let e = effects.iter().find(|e| e.key == unread).unwrap();
            assert!(e.total < 0.25, "{unread} on {}: {}", m.name(), e.total);
        }
    }
}

#[test]
fn plan_says_how_far_the_largest_count_moves_across_assumption_sets() {
    let dir = tempfile::tempdir().unwrap();
    let (exp, _, b) = banded(&short_hot_stream(dir.path(), "[1, 3, 6, 10]"), 16);
    let slos = [Slo::parse("throttled_reads_per_min < 1").unwrap()];
    let r = robustness(&exp, &b, &slos);
    assert_eq!(r.len(), 2);
    let efo = r.iter().find(|r| r.architecture == "kinesis-efo").unwrap();
    assert_eq!(efo.max_count_range, (Some(10.0), Some(10.0)));
    assert!(efo.shares.iter().all(|(_, s)| *s == 1.0));
    assert_eq!(efo.deciding, None);
    let std = r
        .iter()
        .find(|r| r.architecture == "kinesis-standard")
        .unwrap();
    let (lo, hi) = std.max_count_range;
    assert!(lo.unwrap_or(0.0) <= hi.unwrap_or(0.0));
    // One reader meets the objective under most plausible sets (since #28's wider ranges not
    // under all: some sets throttle even one poller), ten under fewer.
    assert_eq!(std.shares[0].0, "1");
    assert!(std.shares[0].1 >= 0.5, "{:?}", std.shares);
    assert!(
        std.shares[0].1 > std.shares.last().unwrap().1,
        "{:?}",
        std.shares
    );
    assert!(std.shares.iter().all(|(_, s)| (0.0..=1.0).contains(s)));
    let answers = sim::plan::answer(&exp, &b.sets[0], &[], &slos);
    let json = sim::plan::json(&exp, &slos, &answers, Some(&r));
    let arch = &json["answers"][0];
    for field in [
        "max_count",
        "max_count_range",
        "deciding_assumption",
        "meets_share",
    ] {
        assert!(arch.get(field).is_some(), "{field} in {arch}");
    }
    let text = sim::plan::robustness_report(&exp, &r);
    assert!(
        text.contains(
            "kinesis-efo: up to subscribers = 10 meets them under every plausible assumption"
        ),
        "{text}"
    );
}

#[test]
fn sweep_with_assumptions_adds_bands_and_sensitivity_and_leaves_the_plain_columns_alone() {
    let dir = tempfile::tempdir().unwrap();
    let exp = short_hot_stream(dir.path(), "[1, 8]");
    let run = |out: &str, extra: &[&str]| {
        let mut cmd = Command::cargo_bin("sim").unwrap();
        cmd.args(["sweep", exp.to_str().unwrap(), "-q", "--json", "--out"])
            .arg(dir.path().join(out))
            .args(extra);
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let plain = run("plain", &[]);
    let banded = run("banded", &["--assumptions", "8"]);
    let m = &banded["points"][0]["metrics"]["iterator_age_max_ms"];
    assert_eq!(
        m["mean"],
        plain["points"][0]["metrics"]["iterator_age_max_ms"]["mean"]
    );
    for k in ["p5", "p50", "p95", "min", "max"] {
        assert!(m["band"][k].is_number(), "{k} in {m}");
    }
    assert!(plain["points"][0]["metrics"]["iterator_age_max_ms"]
        .get("band")
        .is_none());
    let read = |d: &str, f: &str| std::fs::read_to_string(dir.path().join(d).join(f)).unwrap();
    let (p, b) = (read("plain", "summary.csv"), read("banded", "summary.csv"));
    let (ph, bh) = (p.lines().next().unwrap(), b.lines().next().unwrap());
    assert!(bh.starts_with(ph) && bh.contains("iterator_age_max_ms_band_p95"));
    assert!(!ph.contains("_band_"));
    let sens = read("banded", "sensitivity.csv");
    let header = sens.lines().next().unwrap();
    for col in [
        "point",
        "metric",
        "assumption",
        "total_effect",
        "first_order",
    ] {
        assert!(header.split(',').any(|c| c == col), "{header}");
    }
    assert!(!dir.path().join("plain/sensitivity.csv").exists());
    assert!(dir
        .path()
        .join("banded/sensitivity-iterator_age_max_ms.png")
        .exists());
    // The throttle verdict per architecture: EFO is never throttled; standard reads are at 8
    // subscribers, so their knee is 1 or none. With sets it has a band of their knees.
    let verdict = |v: &serde_json::Value, arch: &str| {
        v["throttle_verdict"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["architecture"] == arch)
            .unwrap()
            .clone()
    };
    let efo = verdict(&banded, "kinesis-efo");
    assert_eq!(efo["no_throttled_reads_up_to"], "8");
    assert_eq!(efo["clear_throughout"], true);
    assert_eq!(efo["band"]["sets"], 8);
    assert_eq!(
        (&efo["band"]["p5"], &efo["band"]["p95"]),
        (&"8".into(), &"8".into())
    );
    let std = verdict(&plain, "kinesis-standard");
    assert_eq!(std["clear_throughout"], false, "{std}");
    assert!(std.get("band").is_none());
    let knee = std["no_throttled_reads_up_to"].clone();
    assert!(knee == "1" || knee.is_null(), "{std}");
    assert_eq!(
        verdict(&banded, "kinesis-standard")["no_throttled_reads_up_to"],
        knee,
        "the plain knee is the plain runs' whatever the sets say"
    );
    let md = read("banded", "summary.md");
    assert!(
        md.contains("## Throttled reads")
            && md.contains("kinesis-efo: no throttled reads up to 8 subscribers, the sweep's largest (across 8 assumption sets: 8 throughout the 5-95% band)"),
        "{md}"
    );
    assert!(read("banded", "report.html").contains("kinesis-efo: no throttled reads up to 8"));
}

/// The two-reader-rule experiment cut to 3 minutes, one replicate and one or three readers.
fn short_two_reader(dir: &Path) -> PathBuf {
    edited_experiment(
        dir,
        "two-reader-rule.toml",
        &[
            ("duration = \"30m\"", "duration = \"3m\""),
            ("warmup = \"2m\"", "warmup = \"1m\""),
            ("replicates = 3", "replicates = 1"),
            ("values = \"1..=6\"", "values = [1, 3]"),
            (
                "timeseries = [{ readers = 2 }, { readers = 3 }, { readers = 6 }]",
                "",
            ),
            // Deployment simulated, so that its assumptions (one never read here) are in the design.
            (
                "[[axes]]",
                "[set]\n\"control_plane.deploy\" = true\n\n[[axes]]",
            ),
        ],
    )
}

#[test]
fn a_saltelli_sweep_gives_an_assumption_the_model_never_reads_a_total_effect_of_exactly_zero() {
    let dir = tempfile::tempdir().unwrap();
    let exp = short_two_reader(dir.path());
    let run = |out: &str| {
        let mut cmd = Command::cargo_bin("sim").unwrap();
        cmd.args(["sweep", exp.to_str().unwrap(), "-q", "--out"])
            .arg(dir.path().join(out))
            .args(["--assumptions", "16", "--sensitivity", "saltelli"]);
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let stdout = String::from_utf8(o.stdout).unwrap();
        assert!(
            stdout.contains("16 x (26 assumptions + 2) = 448 sets"),
            "{stdout}"
        );
        std::fs::read_to_string(dir.path().join(out).join("sensitivity.csv")).unwrap()
    };
    let sens = run("a");
    assert_eq!(sens, run("b"), "the same bytes twice");
    let mut rows = csv::Reader::from_reader(sens.as_bytes());
    let header = rows.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|c| c == name).unwrap();
    let (key, total, first) = (col("assumption"), col("total_effect"), col("first_order"));
    let (lo, hi) = (col("total_effect_lo"), col("total_effect_hi"));
    let mut moved = 0;
    for row in rows.records().map(Result::unwrap) {
        // Registering an enhanced fan-out consumer never happens on a DynamoDB stream, and the
        // function never fails, so neither value is ever read.
        if [
            "control_plane.consumer_creating",
            "consumers.fn.retry_delay",
        ]
        .contains(&&row[key])
        {
            assert_eq!(&row[total], "0.000", "{row:?}");
            // Its interval holds 0, and only 0: every resample's AB_i runs equal its A runs.
            assert_eq!([&row[lo], &row[hi]], ["0.000", "0.000"], "{row:?}");
        }
        let (l, t, h) = (&row[lo], &row[total], &row[hi]);
        let [l, t, h] = [l, t, h].map(|v| v.parse::<f64>().unwrap());
        assert!(l <= t + 0.001 && t <= h + 0.001, "{row:?}");
        moved += usize::from(row[total].parse::<f64>().unwrap() > 0.0);
        assert!(row[first].parse::<f64>().is_ok(), "{row:?}");
    }
    assert!(moved > 0, "some assumption moves some metric");
}

#[test]
fn sensitivity_names_the_flag_as_typed_when_the_estimator_is_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let exp = short_two_reader(dir.path());
    let o = Command::cargo_bin("sim")
        .unwrap()
        .args(["sweep", exp.to_str().unwrap(), "-q", "--assumptions", "8"])
        .args(["--sensitivity", "sobol-jansen", "--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--sensitivity") && err.contains("sobol-jansen") && err.contains("saltelli"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists(), "no partial output");
}

#[test]
fn a_saltelli_design_runs_n_times_d_plus_two_sets_and_draws_its_band_from_a_and_b() {
    let dir = tempfile::tempdir().unwrap();
    let exp = Experiment::open(&short_two_reader(dir.path()), None).unwrap();
    let design = AssumptionDesign::saltelli(&exp, 8).unwrap();
    let d = design.keys.len();
    assert_eq!((design.runs(), design.sets()), (8 * (d + 2), 16));
    let prices = sim::config::prices::load(None).unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let all = sets_of(&exp, &design, &opts(&prices, &stop));
    assert_eq!(all.len(), 8 * (d + 2));
    let b = Bands::new(design, all);
    assert_eq!((b.sets.len(), b.ab.len()), (16, d));
    assert!(b.ab.iter().all(|block| block.len() == 8));
    let three = point(&exp, "consumers.fn.count=3");
    for m in Metric::ALL {
        let effects = bands::effects(&exp, &b, three, *m);
        let unread = effects
            .iter()
            .find(|e| e.key == "control_plane.consumer_creating")
            .unwrap();
        assert_eq!(unread.total, 0.0, "{}", m.name());
    }
}

#[test]
fn a_saltelli_plan_names_an_assumption_only_when_changing_it_alone_moves_the_largest_count() {
    let dir = tempfile::tempdir().unwrap();
    let exp = Experiment::open(&short_hot_stream(dir.path(), "[4, 5, 6]"), None).unwrap();
    let prices = sim::config::prices::load(None).unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    // Sixteen rows: with fewer, every row can give the same largest count, and nothing is named.
    let design = AssumptionDesign::saltelli(&exp, 16).unwrap();
    let sets = sets_of(&exp, &design, &opts(&prices, &stop));
    let b = Bands::new(design, sets);
    let slos = [Slo::parse("iterator_age_max_ms < 30000").unwrap()];
    let largest =
        |sets: &[Vec<sim::sweep::stats::PointSummaries>], arch: &str| -> Vec<Option<String>> {
            sets.iter()
                .map(|s| {
                    let answers = sim::plan::answer(&exp, s, &[], &slos);
                    answers
                        .into_iter()
                        .find(|a| a.architecture == arch)?
                        .largest_count
                })
                .collect()
        };
    let mut named = 0;
    for r in robustness(&exp, &b, &slos) {
        assert_eq!(r.sets, 32, "the A and B sets of N = 16");
        let a = largest(&b.sets[..16], &r.architecture);
        let Some((key, effect)) = &r.deciding else {
            continue;
        };
        named += 1;
        assert!(*effect > 0.0, "{key}: {effect}");
        assert_ne!(key, "consumers.fn.retry_delay", "the function never fails");
        let k = b.design.keys.iter().position(|x| x == key).unwrap();
        assert_ne!(
            a,
            largest(&b.ab[k], &r.architecture),
            "{}: changing {key} alone moves the largest count in some row",
            r.architecture
        );
    }
    assert!(
        named > 0,
        "some architecture's largest count depends on an assumption"
    );
}

/// The band's legend entry says how many sets it rests on in full: the legend shortens labels
/// wider than its column with "…", which cut "plausible assumptions, 5-95% of 128 sets" before
/// its count's noun.
#[test]
fn the_band_legend_says_its_number_of_sets_without_being_cut() {
    let dir = tempfile::tempdir().unwrap();
    let exp = short_hot_stream(dir.path(), "[1]");
    let out = dir.path().join("out");
    Command::cargo_bin("sim")
        .unwrap()
        .current_dir(root())
        .args(["sweep", "--quiet", "--assumptions", "128", "--out"])
        .arg(&out)
        .arg(&exp)
        .assert()
        .success();
    let svg = std::fs::read_to_string(out.join("iterator-age-max.svg")).unwrap();
    let label = svg
        .lines()
        .find(|l| l.contains("5-95%"))
        .unwrap_or_else(|| panic!("no band legend: {svg}"));
    assert_eq!(label.trim(), "5-95% of 128 assumption sets", "{label}");
    // The widest count --assumptions takes is no longer.
    assert_eq!(
        sim::sweep::bands::band_label(4096).len(),
        label.trim().len() + 1
    );
}

/// The deciding assumption (or the assumptions jointly within noise) is said in summary.md and
/// the report as the terminal says it: only the terminal said it.
#[test]
fn summary_md_and_the_report_say_which_assumption_decides_as_the_terminal_does() {
    let dir = tempfile::tempdir().unwrap();
    let exp = short_hot_stream(dir.path(), "[1]");
    let out = dir.path().join("out");
    let o = Command::cargo_bin("sim")
        .unwrap()
        .current_dir(root())
        .args(["sweep", "--quiet", "--assumptions", "4", "--out"])
        .arg(&out)
        .arg(&exp)
        .output()
        .unwrap();
    assert!(o.status.success());
    let stdout = String::from_utf8_lossy(&o.stdout);
    let line = stdout
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("Deciding assumption: "))
        .unwrap_or_else(|| panic!("{stdout}"));
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(md.lines().any(|l| l == line), "{md}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let escaped = line.replace('&', "&amp;").replace('\'', "&#39;");
    assert!(html.contains(&format!("<p>{escaped}</p>")), "{line}");
}

/// `sim sweep EXP --assumptions N ARGS... --json`, its JSON and the manifest it wrote.
fn sweep_sets(exp: &Path, out: &Path, extra: &[&str]) -> (serde_json::Value, serde_json::Value) {
    let o = Command::cargo_bin("sim")
        .unwrap()
        .args(["sweep", exp.to_str().unwrap(), "-q", "--json", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    (
        serde_json::from_slice(&o.stdout).unwrap(),
        serde_json::from_str(&manifest).unwrap(),
    )
}

#[test]
fn each_set_runs_each_point_once_unless_asked_and_shares_the_plain_runs_seeds() {
    let dir = tempfile::tempdir().unwrap();
    // 2 points x 3 replicates.
    let exp = edited_experiment(
        dir.path(),
        "hot-stream.toml",
        &[
            ("duration = \"20m\"", "duration = \"3m\""),
            ("warmup = \"2m\"", "warmup = \"1m\""),
            ("replicates = 2 ", "replicates = 3 "),
            ("values = \"1..=30\"", "values = [2]"),
            (
                "timeseries = [{ subscribers = 30 }, { subscribers = 5 }]",
                "",
            ),
        ],
    );
    let (one, manifest) = sweep_sets(&exp, &dir.path().join("one"), &["--assumptions", "4"]);
    assert_eq!(
        one["assumptions"]["runs_per_set"], 1,
        "{}",
        one["assumptions"]
    );
    assert_eq!(manifest["set_replicates"], 1);
    // 6 plain runs, then 4 sets x 2 points x 1.
    assert_eq!(manifest["runs"].as_array().unwrap().len(), 6);
    let (three, manifest) = sweep_sets(
        &exp,
        &dir.path().join("three"),
        &["--assumptions", "4", "--set-replicates", "3"],
    );
    assert_eq!(three["assumptions"]["runs_per_set"], 3);
    assert_eq!(manifest["set_replicates"], 3);
    let report = |d: &str| std::fs::read_to_string(dir.path().join(d).join("report.html")).unwrap();
    assert!(report("one").contains("each point under 4 assumption sets (1 run each): 8 runs more"));
    assert!(
        report("three").contains("each point under 4 assumption sets (3 runs each): 24 runs more")
    );
    // The plain columns do not depend on the runs under sets.
    let avg =
        |v: &serde_json::Value| v["points"][0]["metrics"]["iterator_age_avg_ms"]["mean"].clone();
    assert!(avg(&one).is_number());
    assert_eq!(avg(&one), avg(&three));
    // A set's run of a point has the seed of the point's plain replicate 0 (common random
    // numbers): what makes one run per set as precise as two (docs/model.md §19).
    let listed = Command::cargo_bin("sim")
        .unwrap()
        .args([
            "sweep",
            exp.to_str().unwrap(),
            "--assumptions",
            "4",
            "--list-runs",
            "--json",
        ])
        .output()
        .unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let runs = listed["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 6 + 4 * 2);
    for r in runs.iter().filter(|r| r["set"].is_u64()) {
        assert_eq!(r["replicate"], 0);
        let plain = (runs.iter())
            .find(|p| p.get("set").is_none() && p["point"] == r["point"] && p["replicate"] == 0)
            .unwrap();
        assert_eq!(r["seed"], plain["seed"]);
    }
}

#[test]
fn set_replicates_is_refused_without_assumption_sets() {
    let e = Command::cargo_bin("sim")
        .unwrap()
        .args([
            "sweep",
            "experiments/hot-stream.toml",
            "--set-replicates",
            "2",
        ])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(e.status.code(), Some(2));
    let err = String::from_utf8_lossy(&e.stderr);
    assert!(
        err.contains("--set-replicates") && err.contains("--assumptions"),
        "{err}"
    );
}

/// Readers whose every call is throttled (throttled calls count against the limit and the
/// pollers retry within 200 ms) read nothing at 30: their IteratorAge has no sample, which a
/// sweep must call no data, in the plain runs and under every assumption set alike (the axes
/// hold the starving values, and an axis wins over a set).
#[test]
fn a_reader_that_reads_nothing_is_a_warning_not_an_iterator_age_of_zero() {
    let dir = tempfile::tempdir().unwrap();
    let exp = dir.path().join("starve.toml");
    let text = format!(
        r#"
name = "starve"
model = "{m}/kinesis-standard.toml"
duration = "3m"
warmup = "1m"
[[axes]]
path = "consumers.fn.count"
label = "readers"
values = [1, 30]
[[axes]]
path = "streams.events.limits.throttled_calls_count"
values = [true]
[[axes]]
path = "consumers.fn.throttle_backoff.initial"
values = ["100ms"]
[[axes]]
path = "consumers.fn.throttle_backoff.max"
values = ["200ms"]
"#,
        m = root().join("models").display()
    );
    std::fs::write(&exp, text).unwrap();
    for (out, extra) in [("plain", &[][..]), ("sets", &["--assumptions", "4"][..])] {
        let o = Command::cargo_bin("sim")
            .unwrap()
            .args(["sweep", exp.to_str().unwrap(), "-q", "--out"])
            .arg(dir.path().join(out))
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let stdout = String::from_utf8_lossy(&o.stdout);
        let read = |f: &str| std::fs::read_to_string(dir.path().join(out).join(f)).unwrap();
        let plain = "Warning: a reader read no record at all after the warm-up while records \
                     waited (every read throttled, say) in the plain runs at 1 point(s), first \
                     readers=30";
        for (what, text) in [
            ("stdout", stdout.to_string()),
            ("summary.md", read("summary.md")),
            ("report.html", read("report.html")),
        ] {
            assert!(text.contains(plain), "{out} {what}: {text}");
            let sets = "under 4 of the 4 assumption sets at 1 point(s), first readers=30";
            assert_eq!(text.contains(sets), out == "sets", "{out} {what}: {text}");
        }
        // The zero it warns of: no reader at 30 has an IteratorAge sample.
        let summary = read("summary.csv");
        let header: Vec<&str> = summary.lines().next().unwrap().split(',').collect();
        let col = header
            .iter()
            .position(|c| *c == "iterator_age_max_ms")
            .unwrap();
        let at_30 = summary.lines().nth(2).unwrap().split(',').nth(col).unwrap();
        assert_eq!(at_30.parse::<f64>().unwrap(), 0.0, "{summary}");
    }
}
