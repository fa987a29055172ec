//! How `sim import` joins what the files describe: functions named with values known only when
//! deployed (`${AWS::StackName}`) still meet their mappings, one stack read from a template and
//! from the AWS CLI gives each mapping once, and values the sources disagree on are told.

use sim::import::{import_texts, ImportOptions, Imported};
use std::path::PathBuf;

fn import_yaml(text: &str, opts: &ImportOptions) -> Imported {
    import_texts(&[(PathBuf::from("s.yaml"), text.into())], opts, None).unwrap()
}

fn as_data(toml_text: &str) -> toml::Table {
    toml_text.parse().expect("the imported model is TOML")
}

fn five_per_second() -> ImportOptions {
    ImportOptions {
        rate: vec!["5".into()],
        ..ImportOptions::default()
    }
}

const STACK_NAMED: &str = "\
Resources:
  Orders: {Type: AWS::Kinesis::Stream, Properties: {ShardCount: 2}}
  Billing:
    Type: AWS::Lambda::Function
    Properties: {FunctionName: FUNCTION_NAME, MemorySize: 1024, Timeout: 60, ReservedConcurrentExecutions: 2}
  BillingMapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {EventSourceArn: !GetAtt Orders.Arn, FunctionName: MAPPED}
";

#[test]
fn a_function_named_after_its_stack_is_joined_to_its_mapping_with_its_settings() {
    let names = [
        r#"!Sub "${AWS::StackName}-billing""#,
        r#"!Join ["-", [!Ref "AWS::StackName", billing]]"#,
    ];
    let mapped = ["!Ref Billing", "!GetAtt Billing.Arn"];
    for name in names {
        for m in mapped {
            let text = STACK_NAMED
                .replace("FUNCTION_NAME", name)
                .replace("MAPPED", m);
            let out = import_yaml(&text, &five_per_second());
            let data = as_data(&out.model_toml);
            let consumers = data["consumers"].as_table().unwrap();
            assert_eq!(
                consumers.keys().collect::<Vec<_>>(),
                ["billing"],
                "{name} / {m}:\n{}",
                out.model_toml
            );
            let f = &consumers["billing"]["function"];
            assert_eq!(
                f["memory_mb"].as_integer(),
                Some(1024),
                "{}",
                out.model_toml
            );
            assert_eq!(f["reserved_concurrency"].as_integer(), Some(2));
            assert!(
                !out.warnings.iter().any(|w| w.contains("described in none")),
                "{:?}",
                out.warnings
            );
        }
    }
}

#[test]
fn a_sam_function_named_after_its_stack_keeps_its_settings() {
    let text = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders: {Type: AWS::Kinesis::Stream, Properties: {ShardCount: 2}}
  Billing:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub "${AWS::StackName}-billing"
      MemorySize: 1024
      Timeout: 60
      Events:
        Orders: {Type: Kinesis, Properties: {Stream: !GetAtt Orders.Arn, StartingPosition: LATEST}}
"#;
    let out = import_yaml(text, &five_per_second());
    let data = as_data(&out.model_toml);
    let f = &data["consumers"]["billing"]["function"];
    assert_eq!(
        f["memory_mb"].as_integer(),
        Some(1024),
        "{}",
        out.model_toml
    );
    assert!(
        !out.warnings.iter().any(|w| w.contains("described in none")),
        "{:?}",
        out.warnings
    );
}

fn orders(rel: &str) -> PathBuf {
    crate::common::root()
        .join("tests/fixtures/import/orders")
        .join(rel)
}

fn cli_outputs() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(orders("cli"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn a_template_and_the_cli_output_of_its_stack_give_each_mapping_once() {
    let template = sim::import::import(&[orders("cfn.yaml")], &ImportOptions::default()).unwrap();
    let mut sources = vec![orders("cfn.yaml")];
    sources.extend(cli_outputs());
    let both = sim::import::import(&sources, &ImportOptions::default()).unwrap();
    let readers = |m: &Imported| {
        let mut k: Vec<String> = as_data(&m.model_toml)["consumers"]
            .as_table()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        k.sort();
        k
    };
    assert_eq!(readers(&both), readers(&template), "{}", both.model_toml);
    let mut seen = std::collections::HashSet::new();
    for w in &both.warnings {
        assert!(seen.insert(w), "told twice: {w}");
    }
    assert!(
        !both.warnings.iter().any(|w| w.contains("disagree")),
        "{:?}",
        both.warnings
    );
}

#[test]
fn values_the_sources_disagree_on_are_told_with_both_sources() {
    let dir = tempfile::tempdir().unwrap();
    let mut sources = vec![orders("cfn.yaml")];
    for f in cli_outputs() {
        let copy = dir.path().join(f.file_name().unwrap());
        let text = std::fs::read_to_string(&f).unwrap();
        std::fs::write(
            &copy,
            text.replace("\"OpenShardCount\": 4", "\"OpenShardCount\": 9"),
        )
        .unwrap();
        sources.push(copy);
    }
    let m = sim::import::import(&sources, &ImportOptions::default()).unwrap();
    let told: Vec<&String> = m
        .warnings
        .iter()
        .filter(|w| w.contains("disagree"))
        .collect();
    assert_eq!(told.len(), 1, "{:?}", m.warnings);
    assert!(told[0].contains("stream `orders`"), "{}", told[0]);
    assert!(
        told[0].contains("4 in ") && told[0].contains("9 in "),
        "{}",
        told[0]
    );
    assert!(told[0].contains("cfn.yaml") && told[0].contains("describe-stream-summary.json"));
    assert_eq!(
        as_data(&m.model_toml)["streams"]["orders"]["shards"].as_integer(),
        Some(4)
    );
}

#[test]
fn a_function_switched_off_fails_the_import_only_when_a_mapping_reads_into_it() {
    // Not read by any mapping: outside the model, no error.
    let text = STACK_NAMED
        .replace("FUNCTION_NAME", "billing")
        .replace("MAPPED", "billing")
        + "  Off: {Type: AWS::Lambda::Function, Properties: {FunctionName: off, ReservedConcurrentExecutions: 0}}\n";
    let m = import_yaml(&text, &five_per_second());
    assert!(
        m.outside.iter().any(|o| o.contains("Off")),
        "{:?}",
        m.outside
    );
    // Read by a mapping, from the CLI's get-function: located in that file.
    let dir = tempfile::tempdir().unwrap();
    let mut sources = Vec::new();
    for f in cli_outputs() {
        let copy = dir.path().join(f.file_name().unwrap());
        let text = std::fs::read_to_string(&f).unwrap();
        std::fs::write(
            &copy,
            text.replace(
                "\"ReservedConcurrentExecutions\": 20",
                "\"ReservedConcurrentExecutions\": 0",
            ),
        )
        .unwrap();
        sources.push(copy);
    }
    let e = sim::import::import(&sources, &ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("get-function-billing.json:22:41"), "{e}");
    assert!(
        e.contains("a reserved concurrency of 0 throttles every invocation"),
        "{e}"
    );
}
