//! Output folders: every command that writes refuses a folder holding anything sim did not
//! write, changes no byte of it and leaves no debris; it replaces (or keeps) only sim's own files.

use super::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

/// What a user may have put into an output folder.
#[derive(Clone, Debug)]
enum Foreign {
    File(String, Vec<u8>),
    Nested(String, String, Vec<u8>),
    EmptyFolder(String),
    Symlink(String),
    ReadOnly(String, Vec<u8>),
    /// A file sim wrote, then edited by the user.
    EditedSimFile,
}

fn foreign() -> impl Strategy<Value = Foreign> {
    let name = "[a-z]{1,8}(\\.(txt|csv|png|md|toml))?";
    let bytes = proptest::collection::vec(any::<u8>(), 0..64);
    prop_oneof![
        (name, bytes.clone()).prop_map(|(n, b)| Foreign::File(n, b)),
        ("[a-z]{1,6}", name, bytes.clone()).prop_map(|(d, n, b)| Foreign::Nested(d, n, b)),
        "[a-z]{1,6}".prop_map(Foreign::EmptyFolder),
        "[a-z]{1,6}".prop_map(Foreign::Symlink),
        (name, bytes).prop_map(|(n, b)| Foreign::ReadOnly(n, b)),
        Just(Foreign::EditedSimFile),
    ]
}

/// Every file, folder and link under `dir`, with file contents and link targets.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries {
        let p = e.unwrap().path();
        let meta = std::fs::symlink_metadata(&p).unwrap();
        if meta.file_type().is_symlink() {
            let t = std::fs::read_link(&p).unwrap();
            out.insert(p, Some(t.display().to_string().into_bytes()));
        } else if meta.is_dir() {
            out.insert(p.clone(), None);
            out.extend(snapshot(&p));
        } else {
            out.insert(p.clone(), Some(std::fs::read(&p).unwrap()));
        }
    }
    out
}

/// The commands that write a folder, each as its arguments with OUT for the folder.
fn commands(scratch: &Path) -> Vec<Vec<String>> {
    let exp = experiment(scratch).display().to_string();
    let journal = scratch.join("journal").display().to_string();
    let short = ["--duration", "3m", "--warmup", "1m"];
    let run = |cmd: &str| {
        let mut v = vec![cmd.to_string(), model("kinesis-standard.toml")];
        v.extend(short.iter().map(|s| s.to_string()));
        v
    };
    let ex = |p: &str| {
        root()
            .join("examples/calibrate")
            .join(p)
            .display()
            .to_string()
    };
    vec![
        run("run"),
        vec![
            "timeline".into(),
            model("kinesis-standard.toml"),
            "--at".into(),
            "10s".into(),
        ],
        vec!["sweep".into(), exp.clone(), "--quiet".into()],
        vec![
            "plan".into(),
            exp.clone(),
            "--slo".into(),
            "iterator_age_max < 30s".into(),
        ],
        vec!["merge".into(), exp, "--journal".into(), journal],
        vec![
            "calibrate".into(),
            ex("stream.toml"),
            "--queries".into(),
            ex("observed/queries.json"),
            "--observed".into(),
            ex("observed/result.json"),
            "--runs".into(),
            "8".into(),
        ],
    ]
}

fn run_into(args: &[String], out: &Path) -> std::process::Output {
    sim().args(args).arg("--out").arg(out).output().unwrap()
}

/// A journal of the test experiment's runs, for `sim merge`.
fn journal(scratch: &Path) {
    let o = sim()
        .arg("sweep")
        .arg(experiment(scratch))
        .args(["--shard", "0/1", "--journal"])
        .arg(scratch.join("journal"))
        .args(["--quiet"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
}

/// Puts `f`, the `k`-th of the user's entries, into `out` (named apart from the others: two
/// entries of one name would overwrite each other, or fail as a file over a folder).
fn put(out: &Path, k: usize, f: &Foreign) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(out).unwrap();
    match f {
        Foreign::File(n, b) => std::fs::write(out.join(format!("u{k}-{n}")), b).unwrap(),
        Foreign::Nested(d, n, b) => {
            std::fs::create_dir_all(out.join(format!("u{k}-{d}"))).unwrap();
            std::fs::write(out.join(format!("u{k}-{d}")).join(n), b).unwrap();
        }
        Foreign::EmptyFolder(d) => std::fs::create_dir_all(out.join(format!("u{k}-{d}"))).unwrap(),
        Foreign::Symlink(n) => {
            std::os::unix::fs::symlink("/etc/hostname", out.join(format!("u{k}-{n}"))).unwrap()
        }
        Foreign::ReadOnly(n, b) => {
            let p = out.join(format!("u{k}-ro-{n}"));
            std::fs::write(&p, b).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o444)).unwrap();
        }
        Foreign::EditedSimFile => {
            // The largest file sim wrote there, edited.
            let victim = std::fs::read_dir(out)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.is_file() && !p.ends_with(".sim-output"))
                .max_by_key(|p| std::fs::metadata(p).unwrap().len());
            if let Some(v) = victim {
                let mut text = std::fs::read(&v).unwrap();
                text.extend_from_slice(b"edited by me\n");
                std::fs::write(v, text).unwrap();
            } else {
                std::fs::write(out.join("u-edited"), "x").unwrap();
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    #[test]
    fn no_command_changes_a_byte_of_a_folder_holding_foreign_files(
        sim_first in proptest::option::of(0usize..6),
        command in 0usize..6,
        user in proptest::collection::vec(foreign(), 1..4),
    ) {
        let scratch = tempfile::tempdir().unwrap();
        let out = scratch.path().join("out");
        let cmds = commands(scratch.path());
        if command == 4 || sim_first == Some(4) {
            journal(scratch.path());
        }
        if let Some(first) = sim_first.filter(|&f| f != 5) {
            let o = run_into(&cmds[first], &out);
            prop_assert_eq!(o.status.code(), Some(0), "{:?}", o);
        }
        for (k, f) in user.iter().enumerate() {
            put(&out, k, f);
        }
        let before = snapshot(scratch.path());
        let o = run_into(&cmds[command], &out);
        let err = String::from_utf8_lossy(&o.stderr);
        prop_assert_eq!(o.status.code(), Some(2), "{:?}: {}", cmds[command], err);
        prop_assert!(err.contains("refusing to write into"), "{}", err);
        prop_assert!(!err.contains("panicked"), "{}", err);
        prop_assert_eq!(&snapshot(scratch.path()), &before, "{}", err);
    }
}

#[test]
fn every_command_replaces_or_keeps_only_its_own_files() {
    let scratch = tempfile::tempdir().unwrap();
    journal(scratch.path());
    let cmds = commands(scratch.path());
    let out = scratch.path().join("out");
    let names = |d: &Path| -> Vec<String> {
        let mut v: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    // A run and a timeline share a folder: each keeps the other's files.
    for c in [0, 1, 0] {
        let o = run_into(&cmds[c], &out);
        assert_eq!(o.status.code(), Some(0), "{o:?}");
    }
    assert_eq!(
        names(&out),
        [
            ".sim-output",
            "latency.csv",
            "report.html",
            "summary.json",
            "timeline.png",
            "timeline.svg",
            "timeseries.csv"
        ]
    );
    // The folder-writing commands replace every file sim wrote there, and leave nothing of
    // theirs behind (no staging or temporary entries, inside or beside the folder).
    for c in [2, 3, 4, 5, 0] {
        let o = run_into(&cmds[c], &out);
        assert_eq!(o.status.code(), Some(0), "{:?}: {o:?}", cmds[c]);
        let listed = names(&out);
        assert!(
            listed
                .iter()
                .all(|n| !n.starts_with(".sim-") || n == ".sim-output"),
            "{listed:?}"
        );
        if c == 5 {
            assert!(!listed.contains(&"runs.csv".to_string()), "{listed:?}");
        }
    }
    let beside = names(scratch.path());
    assert!(beside.iter().all(|n| !n.starts_with(".sim")), "{beside:?}");
}

#[test]
fn the_reproduced_loss_keeps_every_file_of_the_user() {
    let scratch = tempfile::tempdir().unwrap();
    let pa = scratch.path().join("pa");
    std::fs::create_dir_all(pa.join("models")).unwrap();
    std::fs::create_dir_all(pa.join("experiments")).unwrap();
    std::fs::write(pa.join("README.md"), "notes\n").unwrap();
    std::fs::copy(
        root().join("models/kinesis-standard.toml"),
        pa.join("models/kinesis-standard.toml"),
    )
    .unwrap();
    let before = snapshot(scratch.path());
    let o = sim()
        .current_dir(scratch.path())
        .args([
            "run",
            "pa/models/kinesis-standard.toml",
            "--duration",
            "10m",
            "--out",
            "pa",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("an input of this command"));
    let o = sim()
        .current_dir(scratch.path())
        .arg("sweep")
        .arg(root().join("experiments/two-reader-rule.toml"))
        .args(["--quiet", "--out", "pa"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert_eq!(snapshot(scratch.path()), before);
    // `--out .` and a folder holding the current one are refused, with nothing written.
    for out in [".", ".."] {
        let o = sim()
            .current_dir(&pa)
            .arg("sweep")
            .arg(root().join("experiments/two-reader-rule.toml"))
            .args(["--quiet", "--out", out])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{o:?}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("current folder"),
            "{o:?}"
        );
    }
    assert_eq!(snapshot(scratch.path()), before);
}

/// The README's commands name relative folders (the default `output/<name>` too).
#[test]
fn relative_and_default_folders_are_written() {
    let scratch = tempfile::tempdir().unwrap();
    let cmds = commands(scratch.path());
    for (i, out) in [
        (0, Some("rel/run")),
        (0, None),
        (2, Some("rel/sweep")),
        (2, None),
        (1, None),
    ] {
        let mut c = sim();
        c.current_dir(scratch.path()).args(&cmds[i]);
        if let Some(o) = out {
            c.args(["--out", o]);
        }
        let o = c.output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{:?} {out:?}: {o:?}", cmds[i]);
    }
    for d in [
        "rel/run",
        "rel/sweep",
        "output/kinesis-standard",
        "output/cli",
    ] {
        let dir = scratch.path().join(d);
        assert!(dir.join(".sim-output").exists(), "{d}");
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".sim-") && n != ".sim-output")
            .collect();
        assert!(left.is_empty(), "{d}: {left:?}");
    }
    assert!(scratch
        .path()
        .join("output/kinesis-standard/timeline.svg")
        .exists());
    assert!(scratch
        .path()
        .join("output/kinesis-standard/summary.json")
        .exists());
}

#[test]
fn an_unwritable_out_fails_before_any_simulation() {
    let started = Instant::now();
    let o = sim()
        .args([
            "run",
            &model("kinesis-standard.toml"),
            "--duration",
            "6h",
            "--out",
            "/proc/self/x",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("/proc/self/x"),
        "{o:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "it simulated first"
    );
}

/// SIGTERM (what a scheduler sends) stops every command with exit 130 and a message, and
/// leaves no staging folder and no folder it created.
#[test]
fn sigterm_stops_any_command_with_130_and_no_debris() {
    let scratch = tempfile::tempdir().unwrap();
    let cmds = commands(scratch.path());
    for c in [5, 0] {
        let out = scratch.path().join("out");
        let mut args = cmds[c].clone();
        if c == 0 {
            args = ["run", &model("kinesis-standard.toml"), "--duration", "24h"]
                .iter()
                .chain(&["--max-events", "1e12"])
                .map(|s| s.to_string())
                .collect();
        }
        let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("sim"))
            .current_dir(root())
            .args(&args)
            .arg("--out")
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let started = Instant::now();
        let staging = || {
            std::fs::read_dir(&out).is_ok_and(|d| {
                d.filter_map(Result::ok)
                    .any(|e| e.file_name().to_string_lossy().starts_with(".sim-staging-"))
            })
        };
        while !staging() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{args:?} never started"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(100));
        std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(130), "{args:?}: {err}");
        assert!(err.contains("interrupted"), "{err}");
        assert!(!out.exists(), "{args:?} left its folder behind");
    }
}

#[test]
fn debris_of_a_killed_command_is_cleaned_by_the_next() {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    // Above Linux's largest process id: no process runs with it.
    std::fs::create_dir_all(out.join(".sim-staging-4194311-abc")).unwrap();
    std::fs::write(out.join(".sim-staging-4194311-abc/summary.csv"), "x").unwrap();
    // The sentinel names the host that made the folder.
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    std::fs::write(
        out.join(".sim-staging-4194311-abc/.sim-temporary"),
        host.trim(),
    )
    .unwrap();
    std::fs::write(out.join(".sim-tmp-4194311-q"), "").unwrap();
    let o = run_into(&commands(scratch.path())[0], &out);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let left: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".sim-") && n != ".sim-output")
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
