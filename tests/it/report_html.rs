//! A sweep's folder holds a self-contained `report.html` (checked statically, and in headless
//! Chromium when one is installed), tidy CSV files whose every column has one type and a line in
//! `manifest.json`, and `sim plan` writes its answer as JSON, Markdown and HTML.

use crate::common::{root, sim};
use std::path::{Path, PathBuf};

/// A model whose comment holds markup, and an experiment over it with objectives and a
/// producer slow enough that some minutes have no IteratorAge sample.
fn inputs(dir: &Path) -> PathBuf {
    let model = std::fs::read_to_string(root().join("models/kinesis-standard.toml")).unwrap();
    let model = format!("# <script>alert('model')</script>\n{model}");
    std::fs::write(dir.join("model.toml"), model).unwrap();
    let exp = r#"
name = "report-check"
description = "two readers & a <b>slow</b> producer"
model = "model.toml"
duration = "6m"
warmup = "1m"
replicates = 2
seed = 3
[set]
"producers.orders.rate" = 0.05
[[axes]]
path = "consumers.fn.count"
values = [1, 6]
[[axes]]
path = "consumers.fn.batch_size"
label = "Batch size"
values = [10, 100]
[plots]
timeseries = [{ "fn.count" = 6, "Batch size" = 10 }]
[plan]
slo = ["iterator_age_max < 30s"]
"#;
    let path = dir.join("exp.toml");
    std::fs::write(&path, exp).unwrap();
    path
}

fn sweep(dir: &Path) -> PathBuf {
    let out = dir.join("out");
    sim()
        .current_dir(dir)
        .args(["sweep", "--quiet", "--out"])
        .arg(&out)
        .arg(inputs(dir))
        .assert()
        .success();
    out
}

/// Every `.svg` file the sweep wrote, at the top and under `timeseries/`.
fn svg_files(out: &Path) -> usize {
    [out.to_path_buf(), out.join("timeseries")]
        .iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap())
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "svg")
        })
        .count()
}

/// The values of every `src=`, `href=` (outside `<a>`) and `url(` in `html`.
fn loads(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for key in ["src=\"", "href=\"", "url("] {
        for (at, _) in html.match_indices(key) {
            let before = &html[..at];
            let tag_start = before.rfind('<').unwrap_or(0);
            if key == "href=\"" && html[tag_start..].starts_with("<a ") {
                continue;
            }
            let rest = &html[at + key.len()..];
            let end = rest.find(['"', ')']).unwrap_or(rest.len());
            found.push(rest[..end].to_string());
        }
    }
    found
}

fn check_loads_nothing(html: &str) {
    for bad in ["<link", "@import", "url(http", "<img", "<iframe"] {
        assert!(!html.contains(bad), "the report contains {bad}");
    }
    // Scripts only inline (the explorer's), none fetched.
    for (at, _) in html.match_indices("<script") {
        let tag = &html[at..at + html[at..].find('>').unwrap()];
        assert!(!tag.contains("src"), "the report loads a script: {tag}");
    }
    for l in loads(html) {
        assert!(
            !l.starts_with("http:") && !l.starts_with("https:") && !l.starts_with("//"),
            "the report loads {l}"
        );
    }
}

#[test]
fn the_report_is_one_self_contained_page_with_every_plot() {
    let dir = tempfile::tempdir().unwrap();
    let out = sweep(dir.path());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    check_loads_nothing(&html);
    assert!(html.contains("&lt;script&gt;alert(&#39;model&#39;)&lt;/script&gt;"));
    assert!(html.contains("two readers &amp; a &lt;b&gt;slow&lt;/b&gt; producer"));
    assert_eq!(
        html.matches("<svg").count() - html.matches("<svg id=\"explore-chart\"").count(),
        svg_files(&out),
        "every plot, once (besides the explorer's chart)"
    );
    assert!(html.contains("id=\"explore-axis-1\""), "a control per axis");
    assert!(html.find("id=\"explore\"").unwrap() < html.find("id=\"plots\"").unwrap());
    assert!(html.contains("@media print"));
    for part in [
        "iterator_age_max &lt; 30s",
        "Assumptions in force",
        "producers.orders.rate",
        "command line",
    ] {
        assert!(html.contains(part), "missing {part}");
    }
    let answer = html.find("The question and the answer").unwrap();
    assert!(
        answer < html.find("<svg").unwrap(),
        "the answer comes first"
    );
    screenshot(&out.join("report.html"), dir.path());
}

/// A headless Chromium (or Chrome) on the PATH, if any.
fn browser() -> Option<PathBuf> {
    let names = [
        "chromium-headless-shell",
        "chromium",
        "chromium-browser",
        "google-chrome",
    ];
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|n| {
        std::env::split_paths(&path)
            .map(|d| d.join(n))
            .find(|p| p.is_file())
    })
}

/// Opens the page in headless Chromium: it renders (the screenshot is not one colour) without a
/// console error. Skipped, saying why, when no browser is installed.
fn screenshot(page: &Path, tmp: &Path) {
    let Some(chrome) = browser() else {
        eprintln!(
            "SKIPPED the browser check: no chromium-headless-shell, chromium or google-chrome on \
             the PATH (apt-get install -y chromium-headless-shell)"
        );
        return;
    };
    let png = tmp.join("report.png");
    let o = std::process::Command::new(&chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,2000",
        ])
        .arg(format!("--user-data-dir={}", tmp.join("profile").display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{} failed: {log}", chrome.display());
    for bad in ["Uncaught", "ERROR:CONSOLE", "CONSOLE(", "net::ERR"] {
        assert!(!log.contains(bad), "browser log has {bad}: {log}");
    }
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(px).collect();
    assert!(
        pixels.iter().any(|p| *p != pixels[0]),
        "the screenshot is blank"
    );
    if let Some(keep) = std::env::var_os("SIM_REPORT_SCREENSHOT") {
        std::fs::copy(&png, keep).unwrap();
    }
}

/// Every column of a CSV file: its name and its cells.
fn columns(path: &Path) -> Vec<(String, Vec<String>)> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let names: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let mut cols: Vec<(String, Vec<String>)> = names.into_iter().map(|n| (n, vec![])).collect();
    for rec in r.records() {
        for (c, cell) in cols.iter_mut().zip(rec.unwrap().iter()) {
            c.1.push(cell.to_string());
        }
    }
    cols
}

#[test]
fn every_csv_column_has_one_type_and_a_line_in_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out = sweep(dir.path());
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    for file in ["summary.csv", "runs.csv", "timeseries.csv"] {
        let cols = columns(&out.join(file));
        let described: Vec<&str> = manifest["files"][file]["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        let names: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(
            names, described,
            "{file}: the manifest describes every column"
        );
        for (name, cells) in &cols {
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{file}: column `{name}` is not snake_case"
            );
            let filled: Vec<&String> = cells.iter().filter(|c| !c.is_empty()).collect();
            let numbers = filled.iter().filter(|c| c.parse::<f64>().is_ok()).count();
            assert!(
                numbers == 0 || numbers == filled.len(),
                "{file}: column `{name}` mixes numbers and text"
            );
        }
    }
    let ts = columns(&out.join("timeseries.csv"));
    let col = |n: &str| &ts.iter().find(|c| c.0 == n).unwrap().1;
    let (samples, avg, max) = (
        col("samples"),
        col("iterator_age_avg_ms"),
        col("iterator_age_max_ms"),
    );
    let empty_minutes = samples.iter().filter(|s| *s == "0").count();
    assert!(
        empty_minutes > 0,
        "the slow producer leaves minutes without samples"
    );
    for i in 0..samples.len() {
        let none = samples[i] == "0";
        assert_eq!(
            avg[i].is_empty(),
            none,
            "row {i}: no sample, no Average, and only then"
        );
        assert_eq!(
            max[i].is_empty(),
            none,
            "row {i}: no sample, no Maximum, and only then"
        );
    }
    let replicates: std::collections::BTreeSet<&String> = col("replicate").iter().collect();
    assert_eq!(replicates.len(), 2, "every replicate's series");
    assert!(
        col("batch_size").iter().any(|v| v == "10"),
        "axis labels name columns"
    );
    let json = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(serde_json::from_str::<serde_json::Value>(&json).unwrap()["points"].is_array());
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(md.contains("| fn.count | Batch size |"), "{md}");
}

#[test]
fn plan_answers_in_json_and_writes_its_answer_and_report_into_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let exp = inputs(dir.path());
    let o = sim()
        .current_dir(dir.path())
        .args(["plan", "--json"])
        .arg(&exp)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["objectives"][0], "iterator_age_max < 30s",
        "from the [plan] table"
    );
    assert!(!v["answers"].as_array().unwrap().is_empty());
    let out = dir.path().join("plan");
    sim()
        .current_dir(dir.path())
        .args(["plan", "--slo", "throttled_reads_per_min < 1", "--out"])
        .arg(&out)
        .arg(&exp)
        .assert()
        .success();
    let md = std::fs::read_to_string(out.join("plan.md")).unwrap();
    assert!(md.contains("`throttled_reads_per_min < 1`") && md.contains("| architecture |"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("throttled_reads_per_min &lt; 1"));
    check_loads_nothing(&html);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).unwrap()).unwrap();
    assert_eq!(json["objectives"][0], "throttled_reads_per_min < 1");
}

#[test]
fn a_run_writes_its_report_too() {
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    sim()
        .args(["run", "--duration", "8m", "--out"])
        .arg(dir.path().join("run"))
        .arg(dir.path().join("model.toml"))
        .assert()
        .success();
    let html = std::fs::read_to_string(dir.path().join("run/report.html")).unwrap();
    check_loads_nothing(&html);
    assert!(html.contains("&lt;script&gt;alert(&#39;model&#39;)"));
}

#[test]
fn a_bad_objective_in_the_experiment_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let exp = inputs(dir.path());
    let text = std::fs::read_to_string(&exp)
        .unwrap()
        .replace("iterator_age_max < 30s", "latency < 3s");
    std::fs::write(&exp, text).unwrap();
    let o = sim()
        .current_dir(dir.path())
        .args(["sweep", "--quiet", "--out"])
        .arg(dir.path().join("out"))
        .arg(&exp)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("exp.toml:") && err.contains("unknown metric `latency`"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists(), "no partial output");
}
