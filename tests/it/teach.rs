//! `sim teach` writes one self-contained teaching page for any experiment with a readers axis and
//! refuses others with a located error; the page and a sweep report's explorer work in a real
//! headless Chromium (tests/browser/check.mjs, driven through playwright-core), which this test
//! runs when node, playwright-core and Chromium are installed (`.ci/run` installs them) and
//! otherwise says SKIPPED.

use crate::common::{root, sim};
use std::path::{Path, PathBuf};

fn teach(dir: &Path, args: &[&str]) -> PathBuf {
    let out = dir.join("teach");
    sim()
        .arg("teach")
        .args(args)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    out.join("teach.html")
}

/// The JSON the page embeds.
fn page_data(html: &str) -> serde_json::Value {
    let start = html
        .find("<script type=\"application/json\" id=\"data\">")
        .unwrap();
    let rest = &html[start..];
    let body = &rest[rest.find('>').unwrap() + 1..rest.find("</script>").unwrap()];
    serde_json::from_str(body).unwrap()
}

fn throttled(run: &serde_json::Value) -> usize {
    run["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c[2] == 2)
        .count()
}

#[test]
fn the_default_page_holds_sims_runs_for_every_reader_count_and_stream_kind_and_loads_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let page = teach(dir.path(), &[]);
    let html = std::fs::read_to_string(&page).unwrap();
    for bad in [
        "src=", "href=", "url(", "@import", "<link", "http://", "https://",
    ] {
        assert!(!html.contains(bad), "the page holds {bad}");
    }
    let d = page_data(&html);
    assert_eq!(d["axis"]["path"], "consumers.fn.count");
    for kind in ["dynamodb", "kinesis", "efo"] {
        assert_eq!(d["runs"][kind].as_array().unwrap().len(), 6, "{kind}");
    }
    let dynamo = &d["runs"]["dynamodb"];
    assert_eq!(throttled(&dynamo[1]), 0, "two readers share the shard");
    // At the catalogue's defaults the GetRecords and invoke latencies stretch each poller's
    // cycle, so three readers throttle only now and then (about 1.6 calls a minute); four always.
    assert!(throttled(&dynamo[3]) > 0, "a fourth reader is throttled");
    assert_eq!(dynamo[2]["lanes"].as_array().unwrap().len(), 3);
    let efo = &d["runs"]["efo"][5];
    assert_eq!(throttled(efo), 0, "enhanced fan-out has no shared budget");
    assert!(efo["calls"].as_array().unwrap().iter().any(|c| c[2] == 3));
    let samples = dynamo[2]["t"].as_array().unwrap().len();
    assert_eq!(samples, 101, "10 s sampled every 100 ms");
    assert!(d["runs"]["dynamodb"][5]["behind"][0]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a.as_f64().unwrap() > 1000.0));
}

#[test]
fn teach_takes_any_experiment_with_a_readers_axis_and_states_the_other_axes() {
    let dir = tempfile::tempdir().unwrap();
    let exp = dir.path().join("subs.toml");
    let model = root().join("models/kinesis-standard.toml");
    std::fs::write(
        &exp,
        format!(
            "name = \"subs\"\nmodel = {:?}\nduration = \"3m\"\nwarmup = \"1m\"\n\
             [[axes]]\npath = \"consumers.fn.batch_size\"\nvalues = [50, 10]\n\
             [[axes]]\npath = \"consumers.fn.count\"\nlabel = \"subscribers\"\nvalues = [4, 8]\n",
            model.display().to_string()
        ),
    )
    .unwrap();
    let page = teach(
        dir.path(),
        &[exp.to_str().unwrap(), "--at", "30s", "--window", "5s"],
    );
    let d = page_data(&std::fs::read_to_string(page).unwrap());
    assert_eq!(d["axis"]["label"], "subscribers");
    assert_eq!(
        d["others"][0], "fn.batch_size = 50",
        "held at its first value"
    );
    assert_eq!(d["runs"]["kinesis"][1]["readers"], 8);
    assert_eq!(d["window"]["length_s"], 5.0);
}

#[test]
fn an_experiment_without_a_readers_axis_gets_a_located_error_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let exp = dir.path().join("batch.toml");
    let model = root().join("models/kinesis-standard.toml");
    std::fs::write(
        &exp,
        format!(
            "name = \"batch\"\nmodel = {:?}\n\n[[axes]]\npath = \"consumers.fn.batch_size\"\nvalues = [10, 100]\n",
            model.display().to_string()
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = sim()
        .args(["teach", "--out"])
        .arg(&out)
        .arg(&exp)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("batch.toml:4") && err.contains("needs a readers axis"),
        "{err}"
    );
    assert!(!out.exists(), "no output");
    let o = sim()
        .args(["teach", "--window", "2m", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--window 2m"));
    assert!(!out.exists(), "no output");
    let o = sim()
        .args(["teach", "--out"])
        .arg(&out)
        .arg(root().join("models/dynamodb-readers.toml"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("dynamodb-readers.toml") && err.contains("sim teach takes an experiment"),
        "{err}"
    );
    assert!(!out.exists(), "no output");
}

/// What the browser check needs, or why it cannot run here.
fn browser_tools() -> Result<(PathBuf, PathBuf), String> {
    let dir = root().join("tests/browser");
    if !dir
        .join("node_modules/playwright-core/package.json")
        .is_file()
    {
        return Err("playwright-core is not installed (cd tests/browser && npm ci)".into());
    }
    let on_path = |name: &str| {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    };
    let node = on_path("node").ok_or("node is not on the PATH (apt-get install nodejs npm)")?;
    let chromium = std::env::var_os("SIM_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| {
            ["/usr/bin/chromium-headless-shell", "/usr/bin/chromium"]
                .map(PathBuf::from)
                .into_iter()
                .find(|p| p.is_file())
        })
        .ok_or("no /usr/bin/chromium-headless-shell or /usr/bin/chromium (apt-get install chromium-headless-shell)")?;
    Ok((node, chromium))
}

#[test]
fn in_chromium_three_readers_turn_calls_red_and_the_report_explorer_follows_its_controls() {
    let (node, chromium) = match browser_tools() {
        Ok(t) => t,
        Err(why) => {
            // .ci/run installs the tools and sets this: there the test must run.
            assert!(
                std::env::var_os("SIM_REQUIRE_BROWSER").is_none(),
                "SIM_REQUIRE_BROWSER is set but the browser test cannot run: {why}"
            );
            eprintln!("\n*** SKIPPED the browser test of sim teach and report.html: {why} ***\n");
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let page = teach(dir.path(), &[]);
    let report = dir.path().join("sweep");
    sim()
        .args(["sweep", "--quiet", "--out"])
        .arg(&report)
        .arg(root().join("tests/browser/explore.toml"))
        .assert()
        .success();
    let shots = dir.path().join("shots");
    std::fs::create_dir(&shots).unwrap();
    let started = std::time::Instant::now();
    let o = std::process::Command::new(node)
        .current_dir(root().join("tests/browser"))
        .env("SIM_CHROMIUM", &chromium)
        .arg("check.mjs")
        .arg(&page)
        .arg(report.join("report.html"))
        .arg(&shots)
        .output()
        .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    eprintln!("{log}");
    assert!(o.status.success(), "the browser check failed:\n{log}");
    assert!(log.contains("at four readers throttled calls appear"));
    assert!(
        started.elapsed().as_secs() < 60,
        "the browser check took {:?}",
        started.elapsed()
    );
    for png in [
        "teach-2-readers.png",
        "teach-4-readers.png",
        "report-explore.png",
    ] {
        let bytes = std::fs::read(shots.join(png)).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "{png}");
        if let Some(keep) = std::env::var_os("SIM_TEACH_SCREENSHOTS") {
            std::fs::write(Path::new(&keep).join(png), bytes).unwrap();
        }
    }
}

#[test]
fn sampling_the_traced_shard_changes_no_call_of_the_run() {
    use sim::model::run::simulate_trace;
    use sim::model::world::Trace;
    let text = std::fs::read_to_string(root().join("models/dynamodb-readers.toml")).unwrap();
    for sets in [
        &["consumers.fn.count=3"][..],
        &["consumers.fn.count=4", "streams.table.kind=kinesis"],
        &[
            "consumers.fn.count=2",
            "streams.table.kind=kinesis",
            "consumers.fn.read=efo",
        ],
    ] {
        let spec = crate::common::spec(&text, sets);
        let trace = |every| {
            simulate_trace(
                &spec,
                Trace {
                    from: 60_000_000_000,
                    to: 70_000_000_000,
                    every,
                    ..Default::default()
                },
            )
        };
        let (plain, sampled) = (trace(0), trace(100_000_000));
        assert!(plain.samples.is_empty());
        assert_eq!(sampled.samples.len(), 101, "{sets:?}");
        assert_eq!(plain.calls, sampled.calls, "{sets:?}");
        assert_eq!(plain.pushes, sampled.pushes, "{sets:?}");
        assert_eq!(plain.read_ages, sampled.read_ages, "{sets:?}");
        let last = sampled.samples.last().unwrap();
        assert!(last.written > sampled.samples[0].written, "records arrive");
        assert!(last.readers.iter().all(|r| r.read <= last.written));
    }
}
