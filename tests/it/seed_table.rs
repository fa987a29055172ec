//! The seed table of docs/calibration.md: it is what `scripts/seed-table.sh` wrote for today's
//! inputs, and the script's formatting still reads sim's study folders (a fixture in
//! tests/it/seed_table/).

use crate::common::root;
use std::process::Command;

const BEGIN: &str = "<!-- seed-table begin fingerprint=";

fn script(args: &[&str]) -> std::process::Output {
    Command::new("bash")
        .arg(root().join("scripts/seed-table.sh"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

#[test]
fn the_seed_table_in_calibration_md_was_measured_with_todays_inputs() {
    let doc = std::fs::read_to_string(root().join("docs/calibration.md")).unwrap();
    let line = doc
        .lines()
        .find(|l| l.starts_with(BEGIN))
        .expect("docs/calibration.md has the seed table's begin marker");
    let committed = line[BEGIN.len()..].split(';').next().unwrap();
    assert!(
        doc.contains("<!-- seed-table end -->"),
        "the end marker is missing"
    );
    let out = script(&["--fingerprint"]);
    assert!(out.status.success(), "{out:?}");
    let today = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        committed,
        today.trim(),
        "docs/calibration.md's seed table was measured with other inputs (the catalogue, the \
         experiments or models it runs, or the script changed): rerun `scripts/seed-table.sh` \
         and commit the table"
    );
}

#[test]
fn the_seed_table_script_formats_study_folders_into_rows_with_their_verdicts() {
    let out = script(&["--format", "tests/it/seed_table"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(rows.len(), 2 + 13, "{table}");
    let row = |start: &str| {
        *rows
            .iter()
            .find(|r| r.starts_with(&format!("| {start}")))
            .unwrap_or_else(|| panic!("no row {start}:\n{table}"))
    };
    // The knee's quantiles come from the share of sets meeting "no throttled reads" per count.
    assert!(
        row("Hot streams: throttled").ends_with("| 4 to 5 | 5 | 5 | 4 to 6 | yes |"),
        "{table}"
    );
    assert!(row("Hot streams, 30 subscribers: IteratorAge")
        .ends_with("| > 10 s | 202 s | 150 s | 9.0 s to 250 s | yes |"));
    // Above 50 s, but the band stops at 49 s; 60-70 s, but the band stops at 59 s.
    assert!(row("Power API, DynamoDB Streams, 4 readers: Average").ends_with("| **no** |"));
    assert!(row("Power API, DynamoDB Streams, 4 readers: Maximum").ends_with("| **no** |"));
    assert!(row("Power API, fan-out function: Average").ends_with("| yes |"));
    assert!(row("Power API, Kinesis 3 EFO + 1 shared: Average")
        .ends_with("| 1.5 s to 2.5 s | 1.2 s | 1.2 s | 1.1 s to 1.4 s | **no** |"));
    assert!(row("Developer guide: propagation, 5 standard")
        .ends_with("| 750 ms to 1.2 s | 950 ms | 980 ms | 700 ms to 1.4 s | yes |"));
}

#[test]
fn the_seed_table_script_refuses_an_unknown_flag_and_a_folder_without_studies() {
    let out = script(&["--frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    let dir = tempfile::tempdir().unwrap();
    let out = script(&["--format", dir.path().to_str().unwrap()]);
    assert!(!out.status.success());
}
