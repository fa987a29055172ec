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
