//! The assumption catalogue against the shipped models and docs: every pattern names real keys,
//! every current value is the value the model really runs with, every design point is a valid
//! model, and `sim assumptions` behaves like the other commands.

use crate::common::{root, sim};
use sim::assumptions::report::catalogue_markdown;
use sim::assumptions::{
    expand, AssumptionSet, Catalogue, Current, Design, Method, Param, Saltelli,
};
use sim::config::{ModelFile, Override};
use std::path::{Path, PathBuf};

fn set(text: &str) -> Override {
    Override::parse(text).unwrap()
}

/// Every shipped model, plus three that switch on what no shipped model uses: DynamoDB rollover,
/// a Kinesis stream fed by a DynamoDB table, and a simulated deployment (a model runs one only
/// with a `[control_plane]` table, and no shipped model has one).
fn cases() -> Vec<(ModelFile, Vec<Override>)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("models"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let mut cases: Vec<(ModelFile, Vec<Override>)> = paths
        .iter()
        .map(|p| (ModelFile::open(p).unwrap(), vec![]))
        .collect();
    let open = |name: &str| ModelFile::open(&root().join("models").join(name)).unwrap();
    cases.push((
        open("dynamodb-streams.toml"),
        vec![set("streams.dispatches.rollover=4h")],
    ));
    cases.push((
        open("kinesis-standard.toml"),
        vec![set("producers.orders.source=dynamodb-table")],
    ));
    cases.push((
        open("kinesis-standard.toml"),
        vec![set("control_plane.deploy=true")],
    ));
    cases
}

fn params_of(file: &ModelFile, ovs: &[Override]) -> Vec<Param> {
    expand(Catalogue::load(), file, ovs, &[]).unwrap()
}

fn resolved(file: &ModelFile, ovs: &[Override]) -> String {
    format!("{:?}", file.resolve(ovs).unwrap_or_else(|e| panic!("{e}")))
}

#[test]
fn every_catalogue_pattern_names_a_real_key_in_some_shipped_model() {
    let cat = Catalogue::load();
    let mut used = vec![false; cat.entries.len()];
    for (file, ovs) in cases() {
        for p in params_of(&file, &ovs) {
            used[p.entry] = true;
        }
    }
    for (e, used) in cat.entries.iter().zip(used) {
        assert!(
            used,
            "`{}` ({}) matches no key of any model",
            e.key,
            e.applies.name()
        );
    }
}

/// Setting every parameter explicitly to the value `sim assumptions MODEL` shows changes
/// nothing: the shown values are the ones the model runs with.
#[test]
fn current_values_are_the_values_the_model_runs_with() {
    let cat = Catalogue::load();
    for (file, ovs) in cases() {
        let params: Vec<Param> = params_of(&file, &ovs)
            .into_iter()
            .filter(|p| {
                let inexact = cat
                    .group_of(&cat.entries[p.entry].key)
                    .is_some_and(|(g, _)| !g.exact);
                !(inexact && p.group.is_some())
            })
            .collect();
        let mut with = ovs.clone();
        with.extend(AssumptionSet::current(&params).overrides(&params));
        assert_eq!(
            resolved(&file, &ovs),
            resolved(&file, &with),
            "{}",
            file.path.display()
        );
    }
}

#[test]
fn every_design_point_is_a_valid_model_and_changes_it() {
    for (file, ovs) in cases() {
        let params = params_of(&file, &ovs);
        let base = resolved(&file, &ovs);
        for method in [Method::Sobol, Method::LatinHypercube] {
            let design = Design::new(params.clone(), 8, 3, method).unwrap();
            for s in &design.sets {
                let mut with = ovs.clone();
                with.extend(s.overrides(&params));
                let spec = file.resolve(&with).unwrap_or_else(|e| {
                    panic!("{}: {e}\n{:?}", file.path.display(), s.overrides(&params))
                });
                assert_ne!(format!("{spec:?}"), base, "{}", file.path.display());
            }
        }
    }
}

#[test]
fn a_field_of_a_table_the_model_does_not_set_is_written_with_the_whole_table() {
    let file = ModelFile::open(&root().join("models/reader-streams-central.toml")).unwrap();
    let select = ["consumers.*.throttle_backoff".to_string()];
    let params = expand(Catalogue::load(), &file, &[], &select).unwrap();
    assert_eq!(params.len(), 3);
    let design = Design::new(params.clone(), 1, 1, Method::Sobol).unwrap();
    let ovs = design.sets[0].overrides(&params);
    assert_eq!(ovs.len(), 1, "{ovs:?}");
    assert_eq!(ovs[0].path, "consumers.fn.throttle_backoff");
    assert!(
        ovs[0].value.contains("kind = \"exponential\""),
        "{}",
        ovs[0].value
    );
    assert!(matches!(params[0].current, Current::Default(_)));
}

#[test]
fn docs_model_md_lists_every_assumption_as_the_catalogue_does() {
    let docs = std::fs::read_to_string(root().join("docs/model.md")).unwrap();
    let table = catalogue_markdown(Catalogue::load());
    assert!(
        docs.contains(&table),
        "docs/model.md §19 differs from the catalogue; replace its table with the output of \
         `sim assumptions --markdown`:\n{table}"
    );
}

#[test]
fn sim_assumptions_lists_the_catalogue_within_100_columns() {
    let out = sim().arg("assumptions").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().all(|l| l.chars().count() <= 100));
    for e in &Catalogue::load().entries {
        assert!(
            text.contains(&e.key) && text.contains(&e.source),
            "{}",
            e.key
        );
    }
    let out = sim().args(["assumptions", "--json"]).output().unwrap();
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        j["assumptions"].as_array().unwrap().len(),
        Catalogue::load().entries.len()
    );
}

#[test]
fn sim_assumptions_with_a_model_lists_its_keys_and_values() {
    let out = sim()
        .args(["assumptions", "models/kinesis-standard.toml", "--json"])
        .args(["--set", "consumers.fn.min_call_interval=300ms"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = j["parameters"].as_array().unwrap();
    let row = |key: &str| rows.iter().find(|r| r["key"] == key).unwrap().clone();
    assert_eq!(row("consumers.fn.min_call_interval")["current"], "300ms");
    assert_eq!(row("consumers.fn.min_call_interval")["set_by"], "model");
    assert_eq!(row("consumers.fn.fetch_records")["current"], "10000");
    assert_eq!(row("consumers.fn.fetch_records")["set_by"], "default");
    assert_eq!(row("consumers.fn.throttle_backoff.max")["current"], "10s");
    let text = sim()
        .args(["assumptions", "models/kinesis-standard.toml"])
        .output()
        .unwrap()
        .stdout;
    let text = String::from_utf8(text).unwrap();
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
}

#[test]
fn sim_assumptions_refuses_a_bad_model_with_exit_2_and_no_output() {
    for args in [
        vec!["assumptions", "models/no-such-model.toml"],
        vec!["assumptions", "tests/bad/models"],
        vec![
            "assumptions",
            "models/kinesis-standard.toml",
            "--set",
            "consumers.fn.batch_size=0",
        ],
        vec!["assumptions", "--set", "seed=1"],
    ] {
        let out = sim().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

/// A small Saltelli study on a real model: the records written depend on the producer alone, so
/// their band has zero width and every index is zero; throttled reads move with the read limit.
#[test]
fn a_metric_no_assumption_touches_gets_a_zero_band_and_zero_effects() {
    let path = root().join("models/dynamodb-readers.toml");
    let file = ModelFile::open(&path).unwrap();
    let base = vec![set("consumers.fn.count=3")];
    let select = [
        "streams.*.limits.read_calls_per_s".to_string(),
        "consumers.*.throttle_backoff.max".to_string(),
    ];
    let params = expand(Catalogue::load(), &file, &base, &select).unwrap();
    assert_eq!(params.len(), 2);
    let saltelli = Saltelli::new(8, 2, 11).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (mut written, mut throttled) = (vec![], vec![]);
    for s in saltelli.sets(&params) {
        let report = run(
            &path,
            &dir.path().join("run"),
            base.iter().chain(&s.overrides(&params)),
        );
        written.push(report["streams"][0]["records_written"].as_f64().unwrap());
        throttled.push(report["streams"][0]["throttled_reads"].as_f64().unwrap());
    }
    let band = sim::assumptions::Band::of(&written);
    assert_eq!(band.width(), 0.0);
    for ix in saltelli.analyse(&written) {
        assert_eq!((ix.first, ix.total), (0.0, 0.0));
    }
    assert!(sim::assumptions::Band::of(&throttled).width() > 0.0);
    for ix in saltelli.analyse(&throttled) {
        assert!(ix.first.is_finite() && ix.total.is_finite() && ix.total >= 0.0);
    }
}

fn run<'a>(model: &Path, out: &Path, ovs: impl Iterator<Item = &'a Override>) -> serde_json::Value {
    let mut c = sim();
    c.args([
        "run",
        "--duration",
        "2m",
        "--warmup",
        "0s",
        "--json",
        "--out",
    ])
    .arg(out)
    .arg(model);
    for o in ovs {
        c.args(["--set", &o.flag()]);
    }
    let out = c.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The catalogue asks a consumer's resolved read mode what applies to it: a consumer copied ten
/// times (`count`) and switched to enhanced fan-out by `--set` gets the stream's fan-out
/// parameters and none of a poller's.
#[test]
fn a_consumers_resolved_read_mode_decides_which_assumptions_apply_to_it() {
    let file = ModelFile::open(&root().join("models/kinesis-standard.toml")).unwrap();
    let keys = |ovs: &[Override]| -> Vec<String> {
        params_of(&file, ovs).into_iter().map(|p| p.key).collect()
    };
    let shared = keys(&[]);
    assert!(shared.contains(&"consumers.fn.fetch_records".to_string()));
    assert!(!shared.iter().any(|k| k.contains(".efo.")), "{shared:?}");
    let efo = keys(&[set("consumers.fn.read=efo")]);
    assert!(
        efo.contains(&"streams.events.efo.event_gap".to_string()),
        "{efo:?}"
    );
    assert!(!efo
        .iter()
        .any(|k| k.starts_with("consumers.fn.fetch_records")));
    assert!(
        !efo.iter().any(|k| k.contains("read_burst_bytes")),
        "{efo:?}"
    );
}

/// The model files a reader runs as shipped: `models/` and the examples' models.
fn shipped_model_files() -> Vec<PathBuf> {
    let mut paths = vec![];
    for dir in [
        "models",
        "examples/calibrate",
        "examples/check",
        "examples/review",
    ] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                paths.push(p);
            }
        }
    }
    paths.sort();
    paths
}

/// The catalogue's default for one of a model's parameters, as `sim assumptions` shows values.
fn default_shown(p: &Param) -> String {
    let e = &Catalogue::load().entries[p.entry];
    let d = e.default.display();
    if d == e.low.display() && d != e.high.display() {
        p.range.low.display()
    } else if d == e.high.display() {
        p.range.high.display()
    } else {
        d
    }
}

/// A shipped model runs at the catalogue's defaults; where it departs from one (another value,
/// or the table written in another form), the line that sets it, or the line above, says why.
#[test]
fn a_shipped_model_that_departs_from_a_catalogue_default_says_why_beside_the_value() {
    let mut checked = 0;
    for path in shipped_model_files() {
        let Ok(file) = ModelFile::open(&path) else {
            continue; // an experiment or objectives file
        };
        let Ok(params) = expand(Catalogue::load(), &file, &[], &[]) else {
            continue;
        };
        checked += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for p in &params {
            let departs = match &p.current {
                Current::Default(_) => false,
                Current::Model(v) => v.display() != default_shown(p),
                // A fixed value where the catalogue varies a distribution whose base only stands
                // for it (`propagation = "70ms"`): no departure when it is the default.
                Current::Other(text) => {
                    let pattern = &Catalogue::load().entries[p.entry].key;
                    let inexact = Catalogue::load()
                        .group_of(pattern)
                        .is_some_and(|(g, _)| !g.exact);
                    !(inexact && text.contains(&format!("\"{}\"", default_shown(p))))
                }
            };
            if !departs {
                continue;
            }
            let leaf = match &p.group {
                Some(_) => {
                    let pattern = &Catalogue::load().entries[p.entry].key;
                    let (g, _) = Catalogue::load().group_of(pattern).unwrap();
                    g.key.rsplit('.').next().unwrap().to_string()
                }
                None => p.key.rsplit('.').next().unwrap().to_string(),
            };
            let setting: Vec<usize> = (0..lines.len())
                .filter(|&i| lines[i].contains(&format!("{leaf} =")))
                .collect();
            assert!(
                !setting.is_empty(),
                "{}: {} not found",
                path.display(),
                p.key
            );
            for i in setting {
                let said =
                    lines[i].contains('#') || (i > 0 && lines[i - 1].trim_start().starts_with('#'));
                assert!(
                    said,
                    "{}:{}: `{}` = {} departs from the catalogue's default ({}) without a \
                     comment saying why",
                    path.display(),
                    i + 1,
                    p.key,
                    p.current.display(),
                    default_shown(p)
                );
            }
        }
    }
    assert!(checked >= 12, "{checked} models checked");
}
