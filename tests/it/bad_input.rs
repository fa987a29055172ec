//! Bad input gives a clear error, never a panic (issue #5).
//!
//! Every file under `tests/bad/models/` (checked with `sim validate`) and `tests/bad/experiments/`
//! (checked with `sim sweep --out <tmp>/x`) starts with three comment lines:
//!
//! ```text
//! # expect: <a fragment of the message>
//! # key: <the dotted key path the message names, or `none`>
//! # at: <line>:<col> of the error in this file
//! ```
//!
//! For each, `sim` must exit with code 2 and print the fragment, the `file:line:col` location and
//! the key path, must not panic, and must create nothing: neither the `--out` folder nor anything
//! in its working directory. Files that are awkward to commit (bytes that are not UTF-8, a
//! directory, an unreadable file) are made by the test and must name the file as a whole.

use assert_cmd::Command;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug)]
enum Kind {
    Model,
    Experiment,
}

#[derive(Debug)]
enum Place {
    /// Line and column in the case file.
    At(usize, usize),
    /// The message names the file as a whole (`path: message`).
    Whole,
}

#[derive(Debug)]
struct Case {
    file: PathBuf,
    kind: Kind,
    expect: String,
    key: Option<String>,
    place: Place,
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad")
}

/// Reads a case from its header lines.
fn from_header(file: PathBuf, kind: Kind) -> Case {
    let text = std::fs::read_to_string(&file).unwrap();
    let field = |name: &str| {
        text.lines()
            .take_while(|l| l.starts_with('#'))
            .find_map(|l| l.strip_prefix(&format!("# {name}: ")))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("{} has no `# {name}:` line", file.display()))
    };
    let at = field("at");
    let (line, col) = at
        .split_once(':')
        .and_then(|(l, c)| Some((l.parse().ok()?, c.parse().ok()?)))
        .unwrap_or_else(|| panic!("{}: `# at: {at}` is not LINE:COL", file.display()));
    let key = field("key");
    Case {
        kind,
        expect: field("expect"),
        key: (key != "none").then_some(key),
        place: Place::At(line, col),
        file,
    }
}

fn committed_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for (dir, kind) in [("models", Kind::Model), ("experiments", Kind::Experiment)] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(corpus().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            assert_eq!(
                f.extension().and_then(|e| e.to_str()),
                Some("toml"),
                "{}: only cases belong here",
                f.display()
            );
            cases.push(from_header(f, kind));
        }
    }
    cases
}

/// Cases written at run time into `dir`.
fn generated_cases(dir: &Path) -> Vec<Case> {
    let whole = |file: PathBuf, kind, expect: &str| Case {
        file,
        kind,
        expect: expect.into(),
        key: None,
        place: Place::Whole,
    };
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    // "café" in Latin-1: a valid TOML shape, but not UTF-8.
    let latin1 = b"name = \"caf\xe9\"\n[streams.s]\nkind = \"kinesis\"\n";
    let model_latin1 = write("latin1-model.toml", latin1);
    let exp_latin1 = write("latin1-experiment.toml", b"model = \"x.toml\" # \xff\xfe\n");
    let exp_on_latin1 = write(
        "experiment-on-latin1.toml",
        b"model = \"latin1-model.toml\"\n",
    );
    let a_dir = dir.join("a-directory.toml");
    std::fs::create_dir(&a_dir).unwrap();
    let plain = write("plain-file", b"seed = 1\n");
    let mut cases = vec![
        whole(model_latin1, Kind::Model, "is not UTF-8 text"),
        whole(exp_latin1, Kind::Experiment, "is not UTF-8 text"),
        Case {
            file: exp_on_latin1,
            kind: Kind::Experiment,
            expect: "latin1-model.toml: is not UTF-8 text".into(),
            key: Some("model".into()),
            place: Place::At(1, 1),
        },
        whole(a_dir.clone(), Kind::Model, "is a directory"),
        whole(a_dir, Kind::Experiment, "is a directory"),
        whole(dir.join("missing.toml"), Kind::Model, "cannot read"),
        whole(dir.join("missing.toml"), Kind::Experiment, "cannot read"),
        whole(plain.join("model.toml"), Kind::Model, "cannot read"),
    ];
    // Without read permission. Root reads it anyway, so the case only counts where it bites.
    let locked = write("locked.toml", b"[streams.s]\nkind = \"kinesis\"\n");
    set_mode(&locked, 0o000);
    if std::fs::read(&locked).is_err() {
        cases.push(whole(locked.clone(), Kind::Model, "cannot read"));
        cases.push(whole(locked, Kind::Experiment, "cannot read"));
    } else {
        eprintln!("note: running as a user who can read a mode-000 file; skipping that case");
    }
    cases
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) {}

/// Runs `sim` on one case; returns what was wrong, if anything.
fn check(case: &Case) -> Result<(), String> {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("x");
    let mut cmd = Command::cargo_bin("sim").unwrap();
    cmd.current_dir(work.path());
    match case.kind {
        Kind::Model => cmd.arg("validate").arg(&case.file),
        Kind::Experiment => cmd
            .args(["sweep", "--quiet", "--jobs", "1", "--out"])
            .arg(&out)
            .arg(&case.file),
    };
    let output = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut wrong = Vec::new();
    if output.status.code() != Some(2) {
        wrong.push(format!("exit code {:?}, expected 2", output.status.code()));
    }
    if stderr.contains("panicked") {
        wrong.push("panicked".into());
    }
    if !stderr.starts_with("error: ") {
        wrong.push("stderr does not start with `error: `".into());
    }
    if !stderr.contains(&case.expect) {
        wrong.push(format!("no `{}`", case.expect));
    }
    let shown = case.file.display();
    let place = match case.place {
        Place::At(line, col) => format!("{shown}:{line}:{col}: "),
        Place::Whole => format!("{shown}: "),
    };
    if !stderr.contains(&place) {
        wrong.push(format!("no location `{place}`"));
    }
    match &case.key {
        Some(k) if !stderr.contains(&format!("key `{k}`: ")) => {
            wrong.push(format!("no key path `{k}`"))
        }
        None if stderr.contains("key `") => wrong.push("names a key path, expected none".into()),
        _ => {}
    }
    let created: Vec<_> = std::fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    if !created.is_empty() {
        wrong.push(format!("created {created:?}"));
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\n    stderr: {}",
            wrong.join("; "),
            stderr.trim()
        ))
    }
}

#[test]
fn every_bad_file_gets_a_located_error_and_no_output() {
    let scratch = tempfile::tempdir().unwrap();
    let committed = committed_cases();
    let generated = generated_cases(scratch.path());
    assert!(
        committed.len() >= 35,
        "only {} committed cases",
        committed.len()
    );
    let mut report = String::new();
    let mut failed = 0;
    for case in committed.iter().chain(&generated) {
        if let Err(why) = check(case) {
            failed += 1;
            let _ = writeln!(report, "{} ({:?}): {why}", case.file.display(), case.kind);
        }
    }
    assert!(
        failed == 0,
        "{failed} of {} bad inputs were not reported as promised:\n{report}",
        committed.len() + generated.len()
    );
}

/// Runs `sim` with `args` in an empty folder; returns the exit code, stderr and seconds taken.
fn sim_in_empty_dir(args: &[&str]) -> (Option<i32>, String, f64) {
    let work = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let output = Command::cargo_bin("sim")
        .unwrap()
        .current_dir(work.path())
        .args(args)
        .output()
        .unwrap();
    let secs = started.elapsed().as_secs_f64();
    let created = std::fs::read_dir(work.path()).unwrap().count();
    assert_eq!(created, 0, "{args:?} created files");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    (output.status.code(), stderr, secs)
}

fn example(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(rel)
        .display()
        .to_string()
}

#[test]
#[cfg(unix)]
fn an_endless_input_file_ends_in_a_size_error_within_seconds() {
    let model = example("examples/calibrate/stream.toml");
    let queries = example("examples/calibrate/observed/queries.json");
    let observed = example("examples/calibrate/observed/result.json");
    let zero = "/dev/zero";
    let cases: [(Vec<&str>, &str); 6] = [
        (vec!["validate", zero], "16 MiB"),
        (vec!["sweep", "--quiet", zero], "16 MiB"),
        (vec!["run", &model, "--prices", zero], "16 MiB"),
        (
            vec![
                "calibrate",
                &model,
                "--queries",
                zero,
                "--observed",
                &observed,
            ],
            "64 MiB",
        ),
        (
            vec![
                "calibrate",
                &model,
                "--queries",
                &queries,
                "--observed",
                zero,
            ],
            "64 MiB",
        ),
        (vec!["params", zero], "16 MiB"),
    ];
    for (args, limit) in cases {
        let (code, err, secs) = sim_in_empty_dir(&args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        let expected = format!("error: /dev/zero: larger than {limit}, the most sim reads from a");
        assert!(err.contains(&expected), "{args:?}: {err}");
        assert!(secs < 30.0, "{args:?} took {secs:.1} s");
    }
}

#[test]
#[cfg(unix)]
fn an_endless_pipe_as_the_observed_export_ends_in_a_size_error() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("observed.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("note: no mkfifo here; skipping");
        return;
    }
    let writer_path = fifo.clone();
    // Writes until the reader goes away (then the write fails and the thread ends).
    let writer = std::thread::spawn(move || {
        let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&writer_path) else {
            return;
        };
        let chunk = b"{\"MetricDataResults\": []}\n".repeat(4096);
        while f.write_all(&chunk).is_ok() {}
    });
    let (code, err, secs) = sim_in_empty_dir(&[
        "calibrate",
        &example("examples/calibrate/stream.toml"),
        "--queries",
        &example("examples/calibrate/observed/queries.json"),
        "--observed",
        &fifo.display().to_string(),
    ]);
    writer.join().unwrap();
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("observed.json: larger than 64 MiB, the most sim reads from a JSON file"),
        "{err}"
    );
    assert!(secs < 30.0, "took {secs:.1} s");
}

#[test]
fn a_model_with_a_utf8_byte_order_mark_reads_as_without() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example("models/kinesis-standard.toml")).unwrap();
    let path = dir.path().join("bom.toml");
    std::fs::write(&path, format!("\u{feff}{text}")).unwrap();
    let (code, err, _) = sim_in_empty_dir(&["validate", &path.display().to_string()]);
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn a_five_megabyte_key_is_not_echoed_whole() {
    let dir = tempfile::tempdir().unwrap();
    let key = "k".repeat(5 << 20);
    let path = dir.path().join("huge-key.toml");
    std::fs::write(
        &path,
        format!("[streams.s]\nkind = \"kinesis\"\nshards = 1\n{key} = 1\n"),
    )
    .unwrap();
    let (code, err, _) = sim_in_empty_dir(&["validate", &path.display().to_string()]);
    assert_eq!(code, Some(2), "{}", &err[..err.len().min(2000)]);
    assert!(err.len() < 4000, "{} bytes of stderr", err.len());
    assert!(
        err.contains("huge-key.toml:4:1: key `streams.s.kkkk"),
        "{err}"
    );
    let whole = format!("… ({} characters in all)`", key.len() + "streams.s.".len());
    assert!(err.contains(&whole), "{err}");
}

#[test]
fn two_hundred_thousand_functions_are_checked_and_forecast_in_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "duration = \"1m\"\n[streams.s]\nkind = \"kinesis\"\nshards = 1\n\
         [producers.p]\nstream = \"s\"\nrate = 10.0\n",
    );
    for i in 0..20 {
        text += &format!("[consumers.c{i}]\nstream = \"s\"\ncount = 10000\n");
    }
    let path = dir.path().join("many.toml");
    std::fs::write(&path, text).unwrap();
    let (code, err, secs) =
        sim_in_empty_dir(&["run", &path.display().to_string(), "--max-events", "1"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("this run is forecast to need about"), "{err}");
    assert!(secs < 20.0, "took {secs:.1} s");
}
