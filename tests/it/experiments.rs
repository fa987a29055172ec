//! Sweeps: expansion, seeds, determinism across threads, CSV columns, each shipped experiment's
//! qualitative result on a shortened run, and every figure the README quotes (readme_figures).

use crate::common::root;
use assert_cmd::Command;
use sim::experiment::Experiment;
use sim::sweep::metric::Metric;
use sim::sweep::stats::{summarise, PointSummaries};
use std::path::{Path, PathBuf};

mod readme_figures;

/// Writes `text` as an experiment in a temporary folder, with model paths made absolute.
fn experiment_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let models = root().join("models");
    let text = text.replace("../models/", &format!("{}/", models.display()));
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// A shipped experiment, shortened: every `key = value` line in `changes` replaces the original.
fn shipped(dir: &Path, name: &str, changes: &[(&str, &str)]) -> Experiment {
    let mut text =
        std::fs::read_to_string(root().join("experiments").join(format!("{name}.toml"))).unwrap();
    for (key, value) in changes {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{key} =")))
            .unwrap_or_else(|| panic!("{name} has no `{key}` line"))
            .to_string();
        text = text.replacen(&line, &format!("{key} = {value}"), 1);
    }
    Experiment::open(&experiment_file(dir, name, &text), None).expect("valid experiment")
}

/// An experiment swept once, with its per-point summaries.
struct Swept<'a> {
    exp: &'a Experiment,
    sums: Vec<PointSummaries>,
    counters: Vec<sim::plan::Counters>,
}

impl<'a> Swept<'a> {
    fn run(exp: &'a Experiment) -> Swept<'a> {
        let prices = sim::config::prices::load(None).unwrap();
        let stop = std::sync::atomic::AtomicBool::new(false);
        let opts = sim::sweep::Options {
            jobs: 0,
            journal: None,
            resume: false,
            stop: &stop,
            prices: Some(&prices),
            partition: None,
            on_done: None,
        };
        let res = sim::sweep::run_with(exp, &opts).unwrap();
        Swept {
            exp,
            sums: summarise(exp, &res),
            counters: sim::plan::counters(exp, &res),
        }
    }

    /// Mean of `metric` per point, keyed by the point's parameters.
    fn means(&self, metric: Metric) -> Vec<(String, f64)> {
        self.exp
            .points
            .iter()
            .map(|p| (p.key(), self.sums[p.index][metric].mean))
            .collect()
    }
}

/// The hot-stream experiment cut to 8 minutes, one replicate and six subscriber counts.
fn short_hot_stream(dir: &Path) -> Experiment {
    shipped(
        dir,
        "hot-stream",
        &[
            ("duration", "\"8m\""),
            ("replicates", "1"),
            ("values", "[1, 3, 5, 8, 16, 30]"),
        ],
    )
}

fn at(values: &[(String, f64)], key: &str) -> f64 {
    values
        .iter()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("no point {key}"))
        .1
}

const SMALL: &str = r#"
name = "small"
model = "../models/kinesis-standard.toml"
duration = "4m"
warmup = "1m"
replicates = 2
seed = 4
[[axes]]
path = "consumers.fn.count"
values = [1, 6]
[[axes]]
path = "consumers.fn.batch_size"
values = "50..=150:100"
"#;

#[test]
fn points_are_the_cartesian_product_with_the_last_axis_fastest() {
    let dir = tempfile::tempdir().unwrap();
    let exp = Experiment::open(&experiment_file(dir.path(), "small", SMALL), None).unwrap();
    let keys: Vec<String> = exp.points.iter().map(|p| p.key()).collect();
    assert_eq!(
        keys,
        [
            "consumers.fn.count=1,consumers.fn.batch_size=50",
            "consumers.fn.count=1,consumers.fn.batch_size=150",
            "consumers.fn.count=6,consumers.fn.batch_size=50",
            "consumers.fn.count=6,consumers.fn.batch_size=150",
        ]
    );
    assert_eq!(exp.runs(), 8);
}

#[test]
fn seeds_depend_on_parameters_and_replicate_not_on_position() {
    let dir = tempfile::tempdir().unwrap();
    let a = Experiment::open(&experiment_file(dir.path(), "a", SMALL), None).unwrap();
    let b_text = SMALL.replace("values = [1, 6]", "values = [6]");
    let b = Experiment::open(&experiment_file(dir.path(), "b", &b_text), None).unwrap();
    // Point "count=6, batch=50" is third in a and first in b: same seeds.
    assert_eq!(a.seed_of(2, 0), b.seed_of(0, 0));
    assert_eq!(a.seed_of(2, 1), b.seed_of(0, 1));
    assert_ne!(a.seed_of(2, 0), a.seed_of(2, 1));
    assert_ne!(a.seed_of(2, 0), a.seed_of(3, 0));
    assert!(
        a.seed_of(3, 1) <= i64::MAX as u64,
        "seeds fit a TOML integer"
    );
}

#[test]
fn a_bad_axis_path_is_reported_at_the_axis() {
    let dir = tempfile::tempdir().unwrap();
    let text = SMALL.replace("consumers.fn.batch_size", "consumers.fn.batchsize");
    let err = Experiment::open(&experiment_file(dir.path(), "bad", &text), None).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("bad.toml:") && msg.contains("axes.1"), "{msg}");
    assert!(msg.contains("did you mean `batch_size`"), "{msg}");
    let text = SMALL.replace("\"50..=150:100\"", "\"150..=50\"");
    let msg = Experiment::open(&experiment_file(dir.path(), "rev", &text), None)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("reversed") && msg.contains("axes.1.values"),
        "{msg}"
    );
}

fn sweep_cli(exp: &Path, out: &Path, jobs: &str) {
    Command::cargo_bin("sim")
        .unwrap()
        .args(["sweep", "--quiet", "--jobs", jobs, "--out"])
        .arg(out)
        .arg(exp)
        .assert()
        .success();
}

#[test]
fn results_are_byte_identical_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment_file(dir.path(), "small", SMALL);
    sweep_cli(&exp, &dir.path().join("one"), "1");
    sweep_cli(&exp, &dir.path().join("two"), "2");
    for f in ["runs.csv", "summary.csv", "timeseries.csv", "summary.md"] {
        let a = std::fs::read(dir.path().join("one").join(f)).unwrap();
        let b = std::fs::read(dir.path().join("two").join(f)).unwrap();
        assert!(!a.is_empty());
        assert_eq!(a, b, "{f} differs between --jobs 1 and --jobs 2");
    }
    for png in [
        "iterator-age-avg.png",
        "iterator-age-max.png",
        "throttled-reads.png",
    ] {
        assert!(dir.path().join("one").join(png).exists(), "{png}");
    }
}

#[test]
fn csv_columns_are_stable() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment_file(dir.path(), "small", SMALL);
    let out = dir.path().join("out");
    sweep_cli(&exp, &out, "2");
    let header = |f: &str| {
        std::fs::read_to_string(out.join(f))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        header("runs.csv"),
        "point,replicate,seed,fn_count,fn_batch_size,consumer,stream,read,\
iterator_age_avg_ms,iterator_age_max_ms,iterator_age_mean_ms,iterator_age_p50_ms,iterator_age_p99_ms,\
iterator_age_samples,records_processed,records_in_flight,records_unread,records_discarded,records_expired,\
read_calls,throttled_reads,throttled_reads_per_min,invocations,errors,retries,duplicates,cold_starts,\
peak_concurrency,delivery_latency_ms,end_to_end_ms_mean,end_to_end_ms_max"
    );
    let mut want = String::from("point,fn_count,fn_batch_size,replicates");
    for m in Metric::ALL {
        want += &format!(",{0},{0}_ci95", m.name());
    }
    assert_eq!(header("summary.csv"), want);
    assert!(header("timeseries.csv").starts_with(
        "point,fn_count,fn_batch_size,replicate,minute,consumer,stream,iterator_age_avg_ms"
    ));
}

#[test]
fn hot_stream_throttles_from_about_five_subscribers_and_efo_stays_flat() {
    let dir = tempfile::tempdir().unwrap();
    let exp = short_hot_stream(dir.path());
    let swept = Swept::run(&exp);
    let thr = swept.means(Metric::ThrottledReadsPerMin);
    let age = swept.means(Metric::IteratorAgeAvg);
    let std = |n: u32| format!("consumers.fn.count={n},model=kinesis-standard");
    let efo = |n: u32| format!("consumers.fn.count={n},model=kinesis-efo");
    assert_eq!(at(&thr, &std(1)), 0.0);
    assert!(at(&thr, &std(3)) < 10.0, "{thr:?}");
    let (t8, t16, t30) = (at(&thr, &std(8)), at(&thr, &std(16)), at(&thr, &std(30)));
    assert!(t8 > 100.0 && t16 > t8 && t30 > t16, "{thr:?}");
    // Linear: the growth per added subscriber agrees within a factor of two on both stretches.
    let ratio = ((t30 - t16) / 14.0) / ((t16 - t8) / 8.0);
    assert!(
        (0.5..2.0).contains(&ratio),
        "increments {} and {}",
        t16 - t8,
        t30 - t16
    );
    for n in [1, 8, 16, 30] {
        assert_eq!(at(&thr, &efo(n)), 0.0);
        assert!(at(&age, &efo(n)) < 150.0, "EFO age at {n}: {age:?}");
    }
    assert!(at(&age, &std(30)) > 10.0 * at(&age, &efo(30)), "{age:?}");
    let max = swept.means(Metric::IteratorAgeMax);
    assert!(at(&max, &std(30)) > 10_000.0, "spikes above 10 s: {max:?}");
}

#[test]
fn power_api_architectures_rank_as_in_the_post() {
    let dir = tempfile::tempdir().unwrap();
    let exp = shipped(
        dir.path(),
        "power-api",
        &[("duration", "\"6h\""), ("replicates", "2")],
    );
    let swept = Swept::run(&exp);
    let worst = swept.means(Metric::IteratorAgeWorstMinute);
    let max = swept.means(Metric::IteratorAgeMax);
    let (a, b, c) = (
        "model=dynamodb-streams",
        "model=dynamodb-fanout-function",
        "model=power-api-kinesis",
    );
    // At the catalogue's defaults the order is the post's, but four readers stay far below its
    // figures (average above 50 s, maximum 60-70 s): docs/calibration.md's seed table shows them
    // against the band over every plausible assumption.
    assert!(
        at(&worst, b) < 10_000.0 && at(&worst, c) < 4_000.0,
        "{worst:?}"
    );
    assert!(
        at(&worst, a) > at(&worst, b) && at(&worst, b) > at(&worst, c),
        "{worst:?}"
    );
    assert!(at(&max, a) > 20_000.0, "{max:?}");
    assert!((25_000.0..45_000.0).contains(&at(&max, c)), "{max:?}");
    let thr = swept.means(Metric::ThrottledReadsPerMin);
    assert!(
        at(&thr, a) > 0.0 && at(&thr, b) == 0.0 && at(&thr, c) == 0.0,
        "{thr:?}"
    );
}

#[test]
fn two_reader_rule_throttles_from_the_third_reader() {
    let dir = tempfile::tempdir().unwrap();
    let exp = shipped(
        dir.path(),
        "two-reader-rule",
        &[("duration", "\"10m\""), ("replicates", "1")],
    );
    let swept = Swept::run(&exp);
    let thr = swept.means(Metric::ThrottledReadsPerMin);
    let n = |k: u32| format!("consumers.fn.count={k}");
    assert_eq!(at(&thr, &n(1)), 0.0);
    assert_eq!(at(&thr, &n(2)), 0.0);
    for k in 3..=6 {
        assert!(at(&thr, &n(k)) > 0.0, "{thr:?}");
    }
    assert!(at(&thr, &n(6)) > at(&thr, &n(3)));
}

#[test]
fn propagation_delays_match_the_developer_guide() {
    let dir = tempfile::tempdir().unwrap();
    let exp = shipped(
        dir.path(),
        "propagation",
        &[("duration", "\"15m\""), ("replicates", "2")],
    );
    let swept = Swept::run(&exp);
    let d = swept.means(Metric::DeliveryLatency);
    let key = |n: u32, r: &str| format!("consumers.app.count={n},consumers.app.read={r}");
    assert!((170.0..230.0).contains(&at(&d, &key(1, "shared"))), "{d:?}");
    assert!(
        (750.0..1250.0).contains(&at(&d, &key(5, "shared"))),
        "{d:?}"
    );
    for n in [1, 5] {
        assert!((65.0..80.0).contains(&at(&d, &key(n, "efo"))), "{d:?}");
    }
}

#[test]
fn plan_finds_the_largest_subscriber_count_meeting_the_objectives() {
    use sim::plan::{answer, Slo};
    let dir = tempfile::tempdir().unwrap();
    let exp = short_hot_stream(dir.path());
    let swept = Swept::run(&exp);
    let slos = [
        Slo::parse("iterator_age_max < 30s").unwrap(),
        Slo::parse("throttled_reads_per_min < 300").unwrap(),
    ];
    let answers = answer(&exp, &swept.sums, &swept.counters, &slos);
    let std = answers
        .iter()
        .find(|a| a.architecture == "kinesis-standard")
        .unwrap();
    let largest: u32 = std.largest_count.as_deref().unwrap().parse().unwrap();
    assert!((3..=8).contains(&largest), "{std:?}");
    assert!(std.binding.starts_with("read calls"), "{std:?}");
    let efo = answers
        .iter()
        .find(|a| a.architecture == "kinesis-efo")
        .unwrap();
    assert_eq!(efo.largest_count.as_deref(), Some("30"));
}

#[test]
fn reader_streams_trade_throttles_for_a_hop_and_efo_for_money() {
    let dir = tempfile::tempdir().unwrap();
    let exp = shipped(
        dir.path(),
        "reader-streams",
        &[
            ("duration", "\"12m\""),
            ("warmup", "\"2m\""),
            ("replicates", "1"),
        ],
    );
    let swept = Swept::run(&exp);
    let (central, router, efo) = (
        "model=reader-streams-central",
        "model=reader-streams-router",
        "model=reader-streams-efo",
    );
    // Thirty pollers on one stream throttle most; ten per reader stream still throttle (more than
    // five share each shard); enhanced fan-out never does.
    let thr = swept.means(Metric::ThrottledReadsPerMin);
    assert!(at(&thr, central) > 2.0 * at(&thr, router), "{thr:?}");
    assert!(at(&thr, router) > 0.0 && at(&thr, efo) == 0.0, "{thr:?}");
    // From the first write: the router's extra hop costs less than the contention it removes.
    let lat = swept.means(Metric::FirstWriteLatency);
    assert!(at(&lat, central) > at(&lat, router), "{lat:?}");
    assert!(at(&lat, efo) < 500.0, "{lat:?}");
    // Only the router splits one item's changes over several streams.
    let skew = swept.means(Metric::CrossStreamSkew);
    assert!(at(&skew, router) > 0.0 && at(&skew, central) == 0.0 && at(&skew, efo) == 0.0);
    // Cost: three more streams and a router cost a little; thirty EFO consumers cost most.
    let cost = swept.means(Metric::CostPerMonth);
    assert!(at(&cost, central) < at(&cost, router), "{cost:?}");
    assert!(at(&cost, router) * 5.0 < at(&cost, efo), "{cost:?}");
}

#[test]
fn power_api_cost_puts_a_price_beside_each_architecture() {
    let dir = tempfile::tempdir().unwrap();
    let exp = shipped(
        dir.path(),
        "power-api-cost",
        &[("duration", "\"2h\""), ("replicates", "1")],
    );
    let swept = Swept::run(&exp);
    let cost = swept.means(Metric::CostPerMonth);
    let (a, b, c) = (
        "model=dynamodb-streams",
        "model=dynamodb-fanout-function",
        "model=power-api-kinesis",
    );
    // Every architecture has a price. Their order is not asserted: since the Power API models run
    // at the catalogue's defaults (#28) the four readers' smaller, more frequent invocations cost
    // about as much as the fan-out's downstream compute or Kinesis's shard-hours, and which is
    // dearest depends on the assumptions.
    for arch in [a, b, c] {
        assert!(at(&cost, arch) > 0.0, "{arch}: {cost:?}");
    }
    // The four throttled DynamoDB readers deliver later than Kinesis's enhanced fan-out (no longer
    // ten times later: at the catalogue's defaults their backoff is shorter than the fitted one).
    let p99 = swept.means(Metric::FirstWriteAgeP99);
    assert!(at(&p99, a) > at(&p99, c), "{p99:?}");
}

/// Each quote of the README whose text, with `values` in place, the README does not hold: the
/// text it should hold.
fn misquoted(
    values: &std::collections::BTreeMap<String, serde_json::Value>,
    only: &[readme_figures::Study],
) -> Vec<String> {
    let readme = readme_figures::readme();
    readme_figures::QUOTES
        .iter()
        .filter(|q| {
            q.figures
                .iter()
                .all(|(f, _)| only.contains(&readme_figures::study_of(f)))
        })
        .filter_map(|q| match readme_figures::fill(q, values) {
            Ok(text) if readme.contains(&text) => None,
            Ok(text) => Some(format!("README.md should say: {text}")),
            Err(e) => Some(e),
        })
        .collect()
}

/// With `SIM_README_FIGURES=write` (scripts/readme-figures.sh), every quoted command is run first,
/// the 32-set assumption study included, and its figures written to docs/readme-figures.json.
#[test]
fn the_readme_quotes_the_committed_figures_as_measured() {
    if std::env::var("SIM_README_FIGURES").as_deref() == Ok("write") {
        readme_figures::write_committed(&readme_figures::measure_all(&readme_figures::STUDIES));
    }
    let wrong = misquoted(&readme_figures::committed(), &readme_figures::STUDIES);
    assert!(
        wrong.is_empty(),
        "the README's figures differ from {} (scripts/readme-figures.sh measures them):\n{}",
        readme_figures::COMMITTED,
        wrong.join("\n")
    );
}

#[test]
fn the_readme_figures_of_the_cheap_commands_are_what_the_tool_measures_now() {
    let cheap: Vec<_> = (readme_figures::STUDIES.iter().copied())
        .filter(|s| *s != readme_figures::Study::HotStreamBands)
        .collect();
    let now = readme_figures::measure_all(&cheap);
    let wrong = misquoted(&now, &cheap);
    assert!(
        wrong.is_empty(),
        "the tool no longer measures what the README quotes; run scripts/readme-figures.sh, which \
         writes {}, and update README.md:\n{}",
        readme_figures::COMMITTED,
        wrong.join("\n")
    );
    let committed = readme_figures::committed();
    for (name, v) in &now {
        assert_eq!(
            committed.get(name).map(|c| c.to_string()),
            Some(v.to_string()),
            "{name}: {} is stale; run scripts/readme-figures.sh",
            readme_figures::COMMITTED
        );
    }
}
