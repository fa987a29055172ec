//! Hostile files for `sim import` (issue #26 item 3): every file of tests/bad/import/ gets exit 2
//! and a located error (file, line and column or the file as a whole, the key path, what was
//! expected) and no output; a bounded property test feeds mutated, deeply nested and huge inputs
//! to every reader: no panic, no hang, and the caps on size and nesting hold.

use crate::common::{root, sim};
use proptest::prelude::*;
use sim::import::{import_texts, ImportOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

struct Case {
    file: String,
    at: Option<String>,
    key: Option<String>,
    fragment: String,
}

fn cases() -> Vec<Case> {
    let index = std::fs::read_to_string(root().join("tests/bad/import/EXPECTED")).unwrap();
    index
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.splitn(4, " | ").collect();
            assert_eq!(
                f.len(),
                4,
                "EXPECTED line `{l}`: FILE | AT | KEY | FRAGMENT"
            );
            Case {
                file: f[0].into(),
                at: (f[1] != "whole").then(|| f[1].into()),
                key: (f[2] != "-").then(|| f[2].into()),
                fragment: f[3].into(),
            }
        })
        .collect()
}

#[test]
fn every_bad_import_file_is_listed_with_its_expected_error() {
    let mut on_disk: Vec<String> = std::fs::read_dir(root().join("tests/bad/import"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "EXPECTED")
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = cases().into_iter().map(|c| c.file).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
}

#[test]
fn every_bad_import_file_gets_exit_2_a_located_error_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    for c in cases() {
        let rel = format!("tests/bad/import/{}", c.file);
        let out = dir.path().join(format!("{}.toml", c.file));
        let o = sim()
            .args(["import", &rel, "--out"])
            .arg(&out)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{rel}: {err}");
        assert!(!err.contains("panicked"), "{rel}: {err}");
        let place = match &c.at {
            Some(at) => format!("error: {rel}:{at}: "),
            None => format!("error: {rel}: "),
        };
        assert!(
            err.starts_with(&place),
            "{rel}: expected `{place}` in\n{err}"
        );
        if let Some(k) = &c.key {
            assert!(
                err.contains(&format!("key `{k}`")),
                "{rel}: no key `{k}` in\n{err}"
            );
        }
        assert!(
            err.contains(&c.fragment),
            "{rel}: no `{}` in\n{err}",
            c.fragment
        );
        assert!(o.stdout.is_empty(), "{rel}: printed a model");
        assert!(!out.exists(), "{rel}: wrote {}", out.display());
    }
}

#[test]
fn unreadable_sources_name_the_file_as_a_whole() {
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("binary.json");
    std::fs::write(&binary, b"{\"Resources\": \xff\xfe}").unwrap();
    let empty = dir.path().join("empty.yaml");
    std::fs::write(&empty, "").unwrap();
    for (path, fragment) in [
        (binary.as_path(), "is not UTF-8 text"),
        (dir.path(), "is a directory"),
        (
            Path::new("tests/bad/import/no-such-file.yaml"),
            "cannot read",
        ),
        (empty.as_path(), "expected a map at the top"),
    ] {
        let o = sim().arg("import").arg(path).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{}: {err}", path.display());
        assert!(
            err.contains(&path.display().to_string()) && err.contains(fragment),
            "{err}"
        );
        assert!(o.stdout.is_empty());
    }
}

fn opts() -> ImportOptions {
    ImportOptions::default()
}

fn run(name: &str, text: String) -> Result<sim::import::Imported, sim::import::ImportError> {
    import_texts(&[(PathBuf::from(name), text)], &opts(), None)
}

#[test]
fn strings_built_by_sub_and_join_are_capped_each_and_in_all() {
    // Each stream's name twice the one before: 2^59 bytes uncapped.
    let doubling =
        std::fs::read_to_string(root().join("tests/bad/import/cfn-sub-doubling.yaml")).unwrap();
    let e = run("doubling.yaml", doubling).unwrap_err().to_string();
    assert!(e.contains("longer than 4096 bytes"), "{e}");
    // Twenty thousand copies of a 4000-byte parameter: each short enough, 80 MB in all.
    let many = format!(
        "Parameters:\n  B: {{Type: String, Default: {}}}\nResources:\n  S:\n    Type: AWS::Kinesis::Stream\n    Properties:\n      Tags:\n{}",
        "b".repeat(4000),
        "        - !Join ['', [!Ref B]]\n".repeat(20_000)
    );
    let started = Instant::now();
    let e = run("many.yaml", many).unwrap_err().to_string();
    assert!(e.contains("exceed 64 MiB in all"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn nesting_and_size_are_capped_before_they_cost_memory_or_time() {
    let deep_json = format!(
        "{{\"Resources\": {}{}}}",
        "[".repeat(1_000_000),
        "]".repeat(1_000_000)
    );
    let deep_yaml = format!("Resources: {}\n", "[".repeat(200_000));
    let block_yaml: String = (0..2_000)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    let wide = format!("[{}1]", "1,".repeat(1_200_000));
    let many_keys = format!(
        "{{\"Resources\": {{{}\"x\": 1}}}}",
        (0..300_000)
            .map(|i| format!("\"r{i}\": 1,"))
            .collect::<String>()
    );
    let long_string = format!(
        "{{\"Resources\": {{\"S\": {{\"Type\": \"{}\"}}}}}}",
        "é".repeat(4_000_000)
    );
    let too_big = " ".repeat((33 << 20) as usize);
    for (name, text, fragment) in [
        ("deep.json", deep_json, "nested more than 128 levels deep"),
        ("deep.yaml", deep_yaml, ""),
        ("block.yaml", block_yaml, "nested more than 128 levels deep"),
        ("wide.json", wide, "more than 500000 values"),
        ("keys.json", many_keys, "expected a map with `Type`"),
        ("long.json", long_string, "nothing to model"),
        ("big.yaml", too_big, "larger than 32 MiB"),
    ] {
        let started = Instant::now();
        let r = run(name, text);
        let took = started.elapsed();
        assert!(took < Duration::from_secs(20), "{name} took {took:?}");
        match r {
            Err(e) => assert!(e.to_string().contains(fragment), "{name}: {e}"),
            Ok(_) => panic!("{name} was imported"),
        }
    }
}

/// The fixtures every mutation starts from: one per reader.
fn seeds() -> Vec<(String, String)> {
    let dir = root().join("tests/fixtures/import/orders");
    [
        "cfn.yaml",
        "cfn.json",
        "sam.yaml",
        "plan.json",
        "cli/list-event-source-mappings.json",
        "cli/describe-table.json",
    ]
    .iter()
    .map(|f| {
        (
            f.replace('/', "-"),
            std::fs::read_to_string(dir.join(f)).unwrap(),
        )
    })
    .collect()
}

/// One edit of a text: bytes replaced, inserted, removed, a span repeated or nested.
#[derive(Clone, Debug)]
enum Edit {
    Replace(usize, String),
    Delete(usize, usize),
    Repeat(usize, usize, usize),
    Truncate(usize),
    Wrap(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let token = prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("\"".to_string()),
        Just(":".to_string()),
        Just(",".to_string()),
        Just("\n  ".to_string()),
        Just("!Ref ".to_string()),
        Just("!GetAtt x.y".to_string()),
        Just("&a ".to_string()),
        Just("*a".to_string()),
        Just("${".to_string()),
        Just("{\"Ref\": \"AWS::NoValue\"}".to_string()),
        Just("{\"Fn::If\": [\"IsProd\", 1, 2]}".to_string()),
        Just("-1".to_string()),
        Just("99999999999999999999".to_string()),
        Just("null".to_string()),
        "[ -~]{0,8}",
    ];
    prop_oneof![
        (any::<usize>(), token).prop_map(|(at, t)| Edit::Replace(at, t)),
        (any::<usize>(), 0usize..40).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), 1usize..60, 1usize..2_000).prop_map(|(at, n, k)| Edit::Repeat(at, n, k)),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), 1usize..400).prop_map(|(at, k)| Edit::Wrap(at, k)),
    ]
}

fn apply(text: &str, e: &Edit) -> String {
    let n = text.len().max(1);
    let at = |i: usize| {
        let mut i = i % n;
        while i > 0 && !text.is_char_boundary(i) {
            i -= 1;
        }
        i.min(text.len())
    };
    match e {
        Edit::Replace(i, t) => {
            let i = at(*i);
            let j = at(i + t.len()).max(i);
            format!("{}{t}{}", &text[..i], &text[j..])
        }
        Edit::Delete(i, k) => {
            let i = at(*i);
            let j = at(i + k).max(i);
            format!("{}{}", &text[..i], &text[j..])
        }
        Edit::Repeat(i, len, k) => {
            let i = at(*i);
            let j = at(i + len).max(i);
            format!("{}{}{}", &text[..i], text[i..j].repeat(*k), &text[j..])
        }
        Edit::Truncate(i) => text[..at(*i)].to_string(),
        Edit::Wrap(i, k) => {
            let i = at(*i);
            let open = if text.trim_start().starts_with('{') {
                "["
            } else {
                "- "
            };
            let close = if open == "[" { "]" } else { "" };
            format!("{}{}{}", &text[..i], open.repeat(*k), &text[i..]) + &close.repeat(*k)
        }
    }
}

proptest! {
    // 2,000 inputs, about 4 s in a debug build: bounded, so the suite runs it each time.
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_sources_never_panic_or_hang(seed in 0usize..6, edits in proptest::collection::vec(edit(), 1..4)) {
        let (name, mut text) = seeds().swap_remove(seed);
        for e in &edits {
            text = apply(&text, e);
        }
        let started = Instant::now();
        let r = run(&name, text);
        prop_assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
        if let Err(e) = r {
            let shown = e.to_string();
            prop_assert!(shown.starts_with(&name), "an error not naming its file: {}", shown);
        }
    }
}

/// A JSON value built from the words the readers look for, so that random trees reach the
/// intrinsic functions, the resource readers and the joins, not only the parsers.
fn tree() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let words = prop_oneof![
        Just("Resources"),
        Just("Type"),
        Just("Properties"),
        Just("Ref"),
        Just("Fn::GetAtt"),
        Just("Fn::If"),
        Just("Fn::Sub"),
        Just("Fn::Join"),
        Just("Fn::Select"),
        Just("Fn::FindInMap"),
        Just("Condition"),
        Just("Conditions"),
        Just("Parameters"),
        Just("Default"),
        Just("Mappings"),
        Just("A"),
        Just("B"),
        Just("Name"),
        Just("ShardCount"),
        Just("EventSourceArn"),
        Just("FunctionName"),
        Just("BatchSize"),
        Just("StreamARN"),
        Just("Events"),
        Just("Stream"),
        Just("AWS::Kinesis::Stream"),
        Just("AWS::Kinesis::StreamConsumer"),
        Just("AWS::Lambda::EventSourceMapping"),
        Just("AWS::Serverless::Function"),
        Just("AWS::DynamoDB::Table"),
        Just("AWS::Pipes::Pipe"),
        Just("Kinesis"),
        Just("StreamSpecification"),
        Just("Source"),
        Just("A.Arn"),
        Just("${A}"),
        Just("arn:aws:kinesis:r:1:stream/A"),
        Just("Fn::Equals"),
        Just("Fn::Not"),
        Just("SourceParameters"),
    ];
    let leaf = prop_oneof![
        words.clone().prop_map(|w| Value::String(w.to_string())),
        (-3i64..20_000).prop_map(Value::from),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ];
    leaf.prop_recursive(6, 200, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec((words.clone(), inner), 0..6).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

proptest! {
    // 500 random trees under `Resources` (and as a whole file), a few seconds in a debug build.
    #![proptest_config(ProptestConfig { cases: 500, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_templates_never_panic_or_hang(resources in tree(), rest in tree()) {
        let doc = serde_json::json!({ "Resources": resources, "Conditions": rest.clone(), "Parameters": rest });
        for text in [doc.to_string(), serde_json::to_string_pretty(&doc["Conditions"]).unwrap()] {
            let started = Instant::now();
            let r = run("random.json", text);
            prop_assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
            if let Err(e) = r {
                prop_assert!(e.to_string().starts_with("random.json"), "{}", e);
            }
        }
    }
}
