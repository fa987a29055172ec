//! What `sim import` tells on stderr: why a value is a placeholder or a default (an export
//! without the stream's series, a value the file does not resolve), which of a flag and an
//! export wins, and names from the files shown escaped and clipped.

use sim::import::{import_texts, ImportOptions, Imported};
use std::path::PathBuf;

fn traffic_template() -> String {
    std::fs::read_to_string(crate::common::root().join("tests/fixtures/import/traffic.yaml"))
        .unwrap()
}

fn with_export(rate: Vec<String>) -> ImportOptions {
    let root = crate::common::root();
    ImportOptions {
        rate,
        traffic: Some((
            root.join("tests/fixtures/cloudwatch/result.json"),
            root.join("tests/fixtures/cloudwatch/queries.json"),
        )),
        ..ImportOptions::default()
    }
}

fn import_yaml(text: &str, opts: &ImportOptions) -> Imported {
    import_texts(&[(PathBuf::from("t.yaml"), text.into())], opts, None).unwrap()
}

#[test]
fn an_export_without_the_streams_series_says_so_in_the_placeholders_warning() {
    let text = traffic_template().replace("Name: orders,", "Name: payments,");
    let m = import_yaml(&text, &with_export(vec![]));
    let told = m
        .warnings
        .iter()
        .find(|w| w.starts_with("stream `payments`: no traffic given"))
        .unwrap_or_else(|| panic!("{:?}", m.warnings));
    assert!(
        told.contains("has no IncomingRecords Sum of stream `payments`"),
        "{told}"
    );
    assert!(told.contains("it has: `orders`"), "{told}");
}

#[test]
fn a_rate_flag_and_an_export_both_given_say_which_wins() {
    let m = import_yaml(&traffic_template(), &with_export(vec!["5".into()]));
    assert!(
        m.warnings
            .iter()
            .any(|w| w.starts_with("stream `orders`: `--rate 5` wins over the CloudWatch export")),
        "{:?}",
        m.warnings
    );
    let data: toml::Table = m.model_toml.parse().unwrap();
    assert_eq!(data["producers"]["writes"]["rate"].as_float(), Some(5.0));
}

#[test]
fn a_default_used_for_a_value_the_file_does_not_resolve_says_so_and_why() {
    let text = "\
Parameters:
  Batch: {Type: Number}
Resources:
  S: {Type: AWS::Kinesis::Stream, Properties: {ShardCount: 1}}
  M: {Type: AWS::Lambda::EventSourceMapping, Properties: {EventSourceArn: !GetAtt S.Arn, FunctionName: f, BatchSize: !Ref Batch}}
";
    let m = import_yaml(text, &ImportOptions::default());
    let line = m
        .model_toml
        .lines()
        .find(|l| l.starts_with("batch_size = 100"))
        .unwrap_or_else(|| panic!("{}", m.model_toml));
    assert!(!line.contains("no batch size in the files"), "{line}");
    assert!(
        line.contains("t.yaml, M, BatchSize is not resolved: parameter `Batch` has no default"),
        "{line}"
    );
}

#[test]
fn a_functions_default_used_for_a_value_the_file_does_not_resolve_says_so_and_why() {
    let text = "\
Parameters:
  Mem: {Type: Number}
Resources:
  S: {Type: AWS::Kinesis::Stream, Properties: {ShardCount: 1}}
  F: {Type: AWS::Lambda::Function, Properties: {FunctionName: f, MemorySize: !Ref Mem}}
  M: {Type: AWS::Lambda::EventSourceMapping, Properties: {EventSourceArn: !GetAtt S.Arn, FunctionName: f}}
";
    let m = import_yaml(text, &ImportOptions::default());
    let line = m
        .model_toml
        .lines()
        .find(|l| l.starts_with("memory_mb = 128"))
        .unwrap_or_else(|| panic!("{}", m.model_toml));
    assert!(
        line.contains("t.yaml, F, MemorySize is not resolved: parameter `Mem` has no default"),
        "{line}"
    );
}

#[test]
fn names_from_the_files_reach_stderr_escaped_and_clipped() {
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(5000);
    let template = dir.path().join("t.yaml");
    std::fs::write(
        &template,
        format!(
            "Resources:\n  S: {{Type: AWS::Kinesis::Stream, Properties: {{Name: \"ord\\u202Eers\", ShardCount: 1}}}}\n  \
             M: {{Type: AWS::Lambda::EventSourceMapping, Properties: {{EventSourceArn: !GetAtt S.Arn, \
             FunctionName: \"f\\nwarning - all is well\\u001b[2J{long}\"}}}}\n"
        ),
    )
    .unwrap();
    let o = crate::common::sim()
        .arg("import")
        .arg(&template)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        !err.contains('\u{202e}') && !err.contains('\u{1b}'),
        "{err}"
    );
    assert!(
        !err.lines().any(|l| l.starts_with("warning - all is well")),
        "{err}"
    );
    assert!(err.contains("f\\nwarning - all is well"), "{err}");
    assert!(!err.contains(&long), "a 5000-character name echoed whole");
    // An error quoting a name from the file is escaped too.
    std::fs::write(
        &template,
        "Resources:\n  S: {Type: AWS::Kinesis::Stream, Properties: {Name: !Ref \"a\\u202Eb\\nerror: fake\"}}\n",
    )
    .unwrap();
    let o = crate::common::sim()
        .arg("import")
        .arg(&template)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains('\u{202e}'), "{err}");
    assert!(!err.lines().any(|l| l.starts_with("error: fake")), "{err}");
}
