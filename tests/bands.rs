//! Bands over plausible assumptions: the spread of each metric across assumption sets, the
//! assumption that decides it, and how robust `sim plan`'s verdict is.

use assert_cmd::Command;
use sim::experiment::Experiment;
use sim::plan::{robustness, Slo};
use sim::sweep::bands::{self, AssumptionDesign, Bands};
use sim::sweep::metric::Metric;
use sim::sweep::stats::summarise;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The hot-stream experiment cut to 5 minutes, one replicate and the given subscriber counts.
fn short_hot_stream(dir: &Path, counts: &str) -> PathBuf {
    let text = std::fs::read_to_string(root().join("experiments/hot-stream.toml")).unwrap();
    let models = root().join("models");
    let text = text
        .replace("../models/", &format!("{}/", models.display()))
        .replace("duration = \"20m\"", "duration = \"5m\"")
        .replace("warmup = \"2m\"", "warmup = \"1m\"")
        .replace("replicates = 2 ", "replicates = 1 ")
        .replace("values = \"1..=30\"", &format!("values = {counts}"))
        .replace(
            "timeseries = [{ subscribers = 30 }, { subscribers = 5 }]",
            "",
        );
    let path = dir.join("hot-stream.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn opts<'a>(
    prices: &'a sim::model::cost::Prices,
    stop: &'a std::sync::atomic::AtomicBool,
) -> sim::sweep::Options<'a> {
    sim::sweep::Options {
        jobs: 0,
        progress: false,
        journal: None,
        resume: false,
        stop,
        prices: Some(prices),
        shard: None,
        on_done: None,
    }
}

/// The experiment, its plain summaries and its bands over `n` sets.
fn banded(path: &Path, n: usize) -> (Experiment, Vec<sim::sweep::stats::PointSummaries>, Bands) {
    let exp = Experiment::open(path, None).unwrap();
    let prices = sim::config::prices::load(None).unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let res = sim::sweep::run_with(&exp, &opts(&prices, &stop)).unwrap();
    let design = AssumptionDesign::new(&exp, n).unwrap();
    let sets = bands::run(&exp, &design, &opts(&prices, &stop)).unwrap();
    (exp.clone(), summarise(&exp, &res), Bands { design, sets })
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
    assert!(bands::effects(&exp, &b.design, &b.sets, efo, throttled)
        .iter()
        .all(|e| e.effect == 0.0));
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
        let effects = bands::effects(&exp, &b.design, &b.sets, efo, m);
        for unread in [
            "consumers.fn.retry_delay",
            "account.invoke_throttle_backoff.max",
        ] {
            let e = effects.iter().find(|e| e.key == unread).unwrap();
            assert!(e.effect < 0.25, "{unread} on {}: {}", m.name(), e.effect);
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
    assert_eq!(std.shares[0], ("1".to_string(), 1.0));
    assert!(std.shares.iter().all(|(_, s)| (0.0..=1.0).contains(s)));
    let answers = sim::plan::answer(&exp, &b.sets[0], &slos);
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
    for col in ["point", "metric", "assumption", "total_effect"] {
        assert!(header.split(',').any(|c| c == col), "{header}");
    }
    assert!(!dir.path().join("plain/sensitivity.csv").exists());
    assert!(dir
        .path()
        .join("banded/sensitivity-iterator_age_max_ms.png")
        .exists());
}
