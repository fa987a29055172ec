//! `sim import` (issue #26): one architecture written five ways gives one model; a template
//! equivalent to a shipped model gives that model's results exactly; every value of the written
//! model says where it came from; placeholders are marked until flags replace them.

use crate::common::{root, sim};
use sim::import::{import, ImportOptions};
use std::path::PathBuf;

fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures/import").join(rel)
}

/// The five ways of writing the orders architecture (tests/fixtures/import/orders/).
fn five_ways() -> Vec<(&'static str, Vec<PathBuf>)> {
    let cli: Vec<PathBuf> = [
        "describe-stream-summary.json",
        "list-stream-consumers.json",
        "list-event-source-mappings.json",
        "get-function-billing.json",
        "get-function-configuration-audit.json",
        "get-function-configuration-sync.json",
        "describe-table.json",
    ]
    .iter()
    .map(|f| fixture(&format!("orders/cli/{f}")))
    .collect();
    vec![
        ("CloudFormation YAML", vec![fixture("orders/cfn.yaml")]),
        ("CloudFormation JSON", vec![fixture("orders/cfn.json")]),
        ("SAM", vec![fixture("orders/sam.yaml")]),
        ("Terraform plan", vec![fixture("orders/plan.json")]),
        ("AWS CLI outputs", cli),
    ]
}

fn named(name: &str) -> ImportOptions {
    ImportOptions {
        name: Some(name.into()),
        ..ImportOptions::default()
    }
}

/// The model as data: comments (the provenance) gone, key order irrelevant.
fn as_data(toml_text: &str) -> toml::Table {
    toml_text.parse().expect("the imported model is TOML")
}

#[test]
fn one_architecture_written_five_ways_imports_to_the_same_model() {
    let mut models = Vec::new();
    for (way, files) in five_ways() {
        let m = import(&files, &named("orders")).unwrap_or_else(|e| panic!("{way}: {e}"));
        models.push((way, as_data(&m.model_toml), m));
    }
    let (first_way, first, imported) = &models[0];
    for (way, model, _) in &models[1..] {
        assert_eq!(model, first, "{way} and {first_way} give different models");
    }
    // And that model is the architecture: both streams, three readers, the mapping's settings.
    let text = &imported.model_toml;
    for expected in [
        "[streams.orders]",
        "shards = 4",
        "retention = \"48h\"",
        "[streams.customers]",
        "kind = \"dynamodb-streams\"",
        "[consumers.billing]",
        "batch_size = 200",
        "batching_window = \"2s\"",
        "parallelization_factor = 2",
        "bisect_on_error = true",
        "max_retry_attempts = 3",
        "max_record_age = \"3600s\"",
        "reserved_concurrency = 20",
        "[consumers.audit]",
        "read = \"efo\"",
        "[consumers.sync]",
        "batch_size = 50",
    ] {
        assert!(text.contains(expected), "no `{expected}` in\n{text}");
    }
    let spec = crate::common::spec(text, &[]);
    assert_eq!(spec.consumers.len(), 3);
}

#[test]
fn every_value_of_an_imported_model_says_where_it_came_from() {
    for (way, files) in five_ways() {
        let m = import(&files, &named("orders")).unwrap();
        for line in m.model_toml.lines() {
            let is_value = !line.starts_with('#') && !line.starts_with('[') && line.contains(" = ");
            if is_value {
                let (_, comment) = line
                    .split_once("  # ")
                    .unwrap_or_else(|| panic!("{way}: no comment beside `{line}`"));
                assert!(
                    !comment.trim().is_empty(),
                    "{way}: empty comment on `{line}`"
                );
            }
        }
        // A value read from a file names the file, the resource and the property.
        let shards = m
            .model_toml
            .lines()
            .find(|l| l.starts_with("shards = 4"))
            .unwrap();
        let file = files
            .iter()
            .find(|f| shards.contains(&f.display().to_string()));
        assert!(file.is_some(), "{way}: `{shards}` names none of the files");
    }
}

#[test]
fn properties_the_model_lacks_and_resources_outside_it_are_named() {
    let m = import(&[fixture("orders/cfn.yaml")], &named("orders")).unwrap();
    let filter = m
        .warnings
        .iter()
        .find(|w| w.contains("FilterCriteria"))
        .expect("a FilterCriteria warning");
    assert!(
        filter.contains("BillingMapping") && filter.contains("every record"),
        "{filter}"
    );
    assert!(
        m.outside
            .iter()
            .any(|o| o.contains("ArchiveBucket (AWS::S3::Bucket)")),
        "{:?}",
        m.outside
    );
    assert!(
        m.outside
            .iter()
            .any(|o| o.contains("DebugStream") && o.contains("IsDev")),
        "{:?}",
        m.outside
    );
    assert!(
        m.model_toml.contains("# - "),
        "the outside list is in the model file too"
    );
    let sam = import(&[fixture("orders/sam.yaml")], &named("orders")).unwrap();
    assert!(
        sam.outside
            .iter()
            .any(|o| o.contains("Nightly (a Schedule event)")),
        "{:?}",
        sam.outside
    );
}

#[test]
fn placeholders_are_marked_and_warned_until_flags_give_the_values() {
    let bare = import(&[fixture("orders/cfn.yaml")], &named("orders")).unwrap();
    for key in ["rate = ", "record_size = ", "duration = \"20ms\""] {
        let line = bare
            .model_toml
            .lines()
            .find(|l| l.starts_with(key))
            .unwrap();
        assert!(line.contains("PLACEHOLDER"), "{line}");
    }
    assert!(bare.warnings.iter().any(|w| w.contains("no traffic given")));
    assert!(bare
        .warnings
        .iter()
        .any(|w| w.contains("function `billing`: no duration given")));
    let opts = ImportOptions {
        rate: vec!["100".into(), "orders=250".into()],
        record_size: vec!["1KiB,8KiB".into()],
        function_duration: vec!["40ms,250ms".into(), "sync=5ms".into()],
        name: Some("orders".into()),
        traffic: None,
    };
    let given = import(&[fixture("orders/cfn.yaml")], &opts).unwrap();
    let data = as_data(&given.model_toml);
    let producers = data["producers"].as_table().unwrap();
    assert_eq!(producers["orders-writes"]["rate"].as_float(), Some(250.0));
    assert_eq!(
        producers["customers-writes"]["rate"].as_float(),
        Some(100.0)
    );
    let consumers = data["consumers"].as_table().unwrap();
    assert_eq!(
        consumers["sync"]["function"]["duration"].as_str(),
        Some("5ms")
    );
    assert_eq!(
        consumers["billing"]["function"]["duration"]["p99"].as_str(),
        Some("250ms")
    );
    // Only the DynamoDB stream's shard count is left to guess.
    let left: Vec<&str> = given
        .model_toml
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains("PLACEHOLDER"))
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].starts_with("shards = 1"), "{left:?}");
}

#[test]
fn a_flag_for_a_stream_or_function_that_is_not_there_is_refused_as_typed() {
    let opts = ImportOptions {
        rate: vec!["ordres=5".into()],
        ..ImportOptions::default()
    };
    let e = import(&[fixture("orders/cfn.yaml")], &opts)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("--rate ordres=5: no stream `ordres`"), "{e}");
    assert!(e.contains("orders, customers"), "{e}");
}

/// `sim run --json` of `model` for 30 minutes, without what depends on the machine.
fn summary(model: &std::path::Path, out: &std::path::Path) -> serde_json::Value {
    let o = sim()
        .arg("run")
        .arg(model)
        .args(["--duration", "30m", "--warmup", "2m", "--json", "--out"])
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for k in ["wall_s", "events_per_s", "peak_rss_mb"] {
        v.as_object_mut().unwrap().remove(k);
    }
    v
}

#[test]
fn a_template_equivalent_to_a_shipped_model_gives_its_results_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let imported = dir.path().join("dynamodb-readers.toml");
    let o = sim()
        .arg("import")
        .arg(fixture("dynamodb-readers.yaml"))
        .args([
            "--rate",
            "20",
            "--record-size",
            "500B,4KiB",
            "--function-duration",
            "50ms,400ms",
            "--out",
        ])
        .arg(&imported)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        o.stdout.is_empty(),
        "with --out the model goes to the file only"
    );
    let ours = summary(&imported, &dir.path().join("a"));
    let shipped = summary(
        &root().join("models/dynamodb-readers.toml"),
        &dir.path().join("b"),
    );
    assert_eq!(ours, shipped);
    let csv = |d: &str| std::fs::read(dir.path().join(d).join("timeseries.csv")).unwrap();
    assert_eq!(csv("a"), csv("b"), "the per-minute series differ");
}

#[test]
fn sim_import_prints_the_model_and_tells_warnings_and_outside_resources_on_stderr() {
    let o = sim()
        .args(["import", "tests/fixtures/import/orders/sam.yaml"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8(o.stdout).unwrap();
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        out.starts_with("# Imported by `sim import` from tests/fixtures/import/orders/sam.yaml."),
        "{out}"
    );
    assert!(
        out.contains("name = \"sam\""),
        "named after the source: {out}"
    );
    assert!(
        err.contains("warning: stream `orders`: no traffic given"),
        "{err}"
    );
    assert!(err.contains("outside the model (2):"), "{err}");
}

#[test]
fn an_imported_model_runs_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("orders.toml");
    let o = sim()
        .args(["import", "tests/fixtures/import/orders/plan.json", "--out"])
        .arg(&model)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let run = sim()
        .arg("run")
        .arg(&model)
        .args(["--duration", "5m", "--warmup", "1m", "--out"])
        .arg(dir.path().join("run"))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary = std::fs::read_to_string(dir.path().join("run/summary.json")).unwrap();
    for reader in ["\"billing\"", "\"audit\"", "\"sync\""] {
        assert!(summary.contains(reader), "{reader} not in the run");
    }
}

#[test]
fn cdk_synth_output_reads_with_construct_names_and_without_its_bookkeeping() {
    let m = import(
        &[fixture("shapes/cdk.template.json")],
        &ImportOptions::default(),
    )
    .unwrap();
    let data = as_data(&m.model_toml);
    assert_eq!(data["streams"]["Events"]["shards"].as_integer(), Some(2));
    assert_eq!(
        data["consumers"]["Handler"]["batch_size"].as_integer(),
        Some(500)
    );
    assert_eq!(
        data["consumers"]["Handler"]["function"]["memory_mb"].as_integer(),
        Some(1024)
    );
    assert!(
        m.model_toml.contains("[IngestStack/Handler/Resource]"),
        "the construct path is shown"
    );
    assert!(
        !m.outside.iter().any(|o| o.contains("CDKMetadata")),
        "{:?}",
        m.outside
    );
    assert!(
        m.outside.iter().any(|o| o.contains("AWS::IAM::Role")),
        "{:?}",
        m.outside
    );
    assert!(m
        .warnings
        .iter()
        .any(|w| w.contains("TumblingWindowInSeconds is not modelled")));
}

#[test]
fn a_pipe_reads_as_a_pipe_and_mappings_that_cannot_read_are_listed_with_why() {
    let m = import(
        &[
            fixture("shapes/pipe.yaml"),
            fixture("shapes/dynamodbstreams-describe-stream.json"),
        ],
        &ImportOptions::default(),
    )
    .unwrap();
    let data = as_data(&m.model_toml);
    let pipe = &data["consumers"]["dispatch-pipe"];
    assert_eq!(pipe["service"].as_str(), Some("pipe"));
    assert_eq!(pipe["batch_size"].as_integer(), Some(10));
    assert_eq!(pipe["max_retry_attempts"].as_integer(), Some(5));
    assert_eq!(
        pipe["function"]["timeout"].as_str(),
        Some("20s"),
        "the target function's timeout"
    );
    // Three open shards: the describe-stream output's shards without an ending sequence number.
    assert_eq!(
        data["streams"]["dispatches"]["shards"].as_integer(),
        Some(3)
    );
    assert!(
        m.model_toml
            .contains("arn:aws:sqs:eu-west-1:123456789012:dlq"),
        "the dead-letter queue is named"
    );
    let outside = m.outside.join("\n");
    assert!(
        outside.contains("Paused (AWS::Lambda::EventSourceMapping): disabled"),
        "{outside}"
    );
    assert!(
        outside.contains("External (AWS::Lambda::EventSourceMapping): its EventSourceArn is not resolved: parameter `ExternalStreamArn` has no default"),
        "{outside}"
    );
}

#[test]
fn a_terraform_state_with_child_modules_and_on_demand_capacity_reads() {
    let m = import(&[fixture("shapes/state.json")], &ImportOptions::default()).unwrap();
    let data = as_data(&m.model_toml);
    assert_eq!(
        data["streams"]["clicks"]["capacity"].as_str(),
        Some("on-demand")
    );
    assert!(
        data["streams"]["clicks"].get("shards").is_none(),
        "an on-demand stream starts as the model says"
    );
    assert_eq!(
        data["consumers"]["counter"]["parallelization_factor"].as_integer(),
        Some(4)
    );
    assert!(m
        .warnings
        .iter()
        .any(|w| w.contains("the function `counter` is described in none of the files")));
    assert!(m
        .outside
        .iter()
        .any(|o| o.contains("data.aws_caller_identity.current: a data source")));
}

#[test]
fn the_review_example_imports_and_its_second_version_adds_three_subscribers() {
    let flags = ImportOptions {
        rate: vec!["200".into()],
        record_size: vec!["1KiB,8KiB".into()],
        function_duration: vec!["40ms,250ms".into()],
        name: None,
        traffic: None,
    };
    // Named as the README's command names them, from the repository's root.
    let load = |f: &str| {
        let rel = PathBuf::from("examples/review").join(f);
        let text = std::fs::read_to_string(root().join(&rel)).unwrap();
        sim::import::import_texts(&[(rel, text)], &flags, None)
    };
    let (v1, v2) = (load("orders.yaml"), load("orders-v2.yaml"));
    let (v1, v2) = (v1.unwrap(), v2.unwrap());
    let readers = |m: &sim::import::Imported| -> Vec<String> {
        let mut r: Vec<String> = as_data(&m.model_toml)["consumers"]
            .as_table()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        r.sort();
        r
    };
    assert_eq!(readers(&v1), ["analytics", "billing", "fulfilment"]);
    assert_eq!(
        readers(&v2),
        [
            "analytics",
            "audit",
            "billing",
            "fulfilment",
            "notifications",
            "search-index"
        ]
    );
    assert!(v1.warnings.is_empty(), "{:?}", v1.warnings);
    assert!(
        !v1.model_toml.contains("PLACEHOLDER\n")
            && !v1
                .model_toml
                .lines()
                .any(|l| !l.starts_with('#') && l.contains("PLACEHOLDER"))
    );
    // The README quotes these lines of the imported model: they must stay true.
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("## Import your architecture")
        .nth(1)
        .and_then(|s| s.split("```toml").nth(1))
        .and_then(|s| s.split("```").next())
        .expect("README has the import section's TOML excerpt");
    for line in section.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            v1.model_toml.lines().any(|l| l == line),
            "README quotes `{line}`, which the import does not write"
        );
    }
}

#[test]
fn traffic_and_durations_come_from_a_cloudwatch_export_the_model_replays() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("traffic.toml");
    let o = sim()
        .args([
            "import",
            "tests/fixtures/import/traffic.yaml",
            "--traffic",
            "tests/fixtures/cloudwatch/result.json",
            "--traffic-queries",
            "tests/fixtures/cloudwatch/queries.json",
            "--out",
        ])
        .arg(&model)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let text = std::fs::read_to_string(&model).unwrap();
    let data = as_data(&text);
    let rate = &data["producers"]["writes"]["rate"];
    assert_eq!(rate["id"].as_str(), Some("rec"), "{text}");
    assert_eq!(
        data["producers"]["writes"]["record_size"]["bytes_id"].as_str(),
        Some("bytes")
    );
    let duration = &data["consumers"]["orders-consumer"]["function"]["duration"];
    assert_eq!(
        (duration["id"].as_str(), duration["p99_id"].as_str()),
        (Some("d50"), Some("d99"))
    );
    // The export has no p50 of audit-consumer's Duration: a placeholder, said so.
    assert!(
        err.contains("function `audit-consumer`: no duration given"),
        "{err}"
    );
    // The export is named so that the model finds it from where it was written.
    let from = std::path::Path::new(rate["from"].as_str().unwrap());
    let found = if from.is_absolute() {
        from.to_path_buf()
    } else {
        dir.path().join(from)
    };
    assert_eq!(
        std::fs::canonicalize(found).unwrap(),
        root()
            .join("tests/fixtures/cloudwatch/result.json")
            .canonicalize()
            .unwrap()
    );
    let run = sim()
        .arg("run")
        .arg(&model)
        .args(["--duration", "5m", "--warmup", "1m", "--out"])
        .arg(dir.path().join("run"))
        .output()
        .unwrap();
    let run_err = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{run_err}");
    assert!(
        run_err.contains("fitted producers.writes.rate: replayed from rec"),
        "{run_err}"
    );
}

#[test]
fn a_traffic_export_without_its_queries_is_a_usage_error() {
    let o = sim()
        .args([
            "import",
            "tests/fixtures/import/traffic.yaml",
            "--traffic",
            "tests/fixtures/cloudwatch/result.json",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--traffic-queries"));
}

#[test]
fn out_replaces_an_earlier_import_but_never_a_file_sim_did_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.toml");
    let import_to = |out: &std::path::Path| {
        sim()
            .args(["import", "tests/fixtures/import/orders/cfn.yaml", "--out"])
            .arg(out)
            .output()
            .unwrap()
    };
    assert!(import_to(&model).status.success());
    let again = import_to(&model);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let mine = dir.path().join("notes.toml");
    std::fs::write(&mine, "# my notes\n").unwrap();
    let o = import_to(&mine);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a file sim wrote"));
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "# my notes\n");
}

#[test]
fn a_table_and_a_stream_of_one_name_and_a_function_reading_both_get_names_of_their_own() {
    let text = "\
Resources:
  S: { Type: AWS::Kinesis::Stream, Properties: { Name: orders, ShardCount: 1 } }
  T: { Type: AWS::DynamoDB::Table, Properties: { TableName: orders, StreamSpecification: { StreamViewType: NEW_IMAGE } } }
  M1: { Type: AWS::Lambda::EventSourceMapping, Properties: { EventSourceArn: !GetAtt S.Arn, FunctionName: f } }
  M2: { Type: AWS::Lambda::EventSourceMapping, Properties: { EventSourceArn: !GetAtt T.StreamArn, FunctionName: f } }
";
    let m = sim::import::import_texts(
        &[(PathBuf::from("clash.yaml"), text.into())],
        &ImportOptions::default(),
        None,
    )
    .unwrap();
    let data = as_data(&m.model_toml);
    assert_eq!(data["streams"]["orders"]["kind"].as_str(), Some("kinesis"));
    assert_eq!(
        data["streams"]["orders-2"]["kind"].as_str(),
        Some("dynamodb-streams")
    );
    assert_eq!(
        data["consumers"]["f-orders"]["stream"].as_str(),
        Some("orders")
    );
    assert_eq!(
        data["consumers"]["f-orders-2"]["stream"].as_str(),
        Some("orders-2")
    );
}
