//! The CI definitions in deploy/ci/ run as written, without a CI service. A repository with a
//! base branch and a change that adds subscribers is cloned as a runner clones it; each
//! definition's script steps (the GitHub Actions workflow's `run:` steps, the GitLab job's
//! `before_script`, `script` and `after_script`) run with bash in the clone, with the CI's
//! variables set and stand-ins for what a test machine lacks (`cargo install`, `gh`, `curl`) that
//! keep what they are given; `sim` is the built binary. The verdict must reach the comment or
//! note, the JUnit report must be where the definition says, and the job must fail.

use crate::check::xml;
use crate::common::root;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A subscriber `audit` of four functions, added by the change under review.
const AUDIT: &str = "\n[consumers.audit]\nstream = \"table\"\ncount = 4\nbatch_size = 100\n\
    function = { duration = { kind = \"lognormal\", median = \"50ms\", p99 = \"400ms\" }, timeout = \"30s\" }\n";

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "advice.detachedHead=false",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The upstream repository (main: the shipped model as `models/orders.toml`, its objective
/// beside it, and the CI script) and a clone on branch `change`, which adds `audit`.
fn repository(scratch: &Path) -> PathBuf {
    let up = scratch.join("upstream");
    std::fs::create_dir_all(up.join("models")).unwrap();
    std::fs::create_dir_all(up.join("deploy/ci")).unwrap();
    std::fs::copy(
        root().join("models/dynamodb-readers.toml"),
        up.join("models/orders.toml"),
    )
    .unwrap();
    std::fs::copy(
        root().join("models/kinesis-standard.toml"),
        up.join("models/other.toml"),
    )
    .unwrap();
    std::fs::write(
        up.join("models/sim-objectives.toml"),
        "[plan]\nslo = [\"iterator_age_max < 30s\"]\n",
    )
    .unwrap();
    std::fs::copy(
        root().join("deploy/ci/sim-check.sh"),
        up.join("deploy/ci/sim-check.sh"),
    )
    .unwrap();
    git(&up, &["init", "-q"]);
    git(&up, &["add", "."]);
    git(&up, &["commit", "-qm", "base"]);
    let work = scratch.join("work");
    git(
        scratch,
        &["clone", "-q", up.to_str().unwrap(), work.to_str().unwrap()],
    );
    git(&work, &["checkout", "-qb", "change"]);
    let model = work.join("models/orders.toml");
    let text = std::fs::read_to_string(&model).unwrap() + AUDIT;
    std::fs::write(&model, text).unwrap();
    git(&work, &["commit", "-qam", "adds a subscriber"]);
    work
}

/// A folder of stand-ins: `sim` (the built binary), and `cargo`, `gh` and `curl`, which write
/// their arguments, and the file a `--body-file` or `body@` names, into CAPTURE.
fn stand_ins(scratch: &Path) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let (bin, capture) = (scratch.join("bin"), scratch.join("capture"));
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&capture).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_sim"), bin.join("sim")).unwrap();
    let keep = r#"#!/usr/bin/env bash
name=$(basename "$0")
printf '%s\n' "$*" >> "$CAPTURE/$name.args"
prev=
for a in "$@"; do
    [ "$prev" = --body-file ] && cp "$a" "$CAPTURE/$name.body"
    case $a in body@*) cp "${a#body@}" "$CAPTURE/$name.body" ;; esac
    prev=$a
done
"#;
    for name in ["cargo", "gh", "curl"] {
        std::fs::write(bin.join(name), keep).unwrap();
        std::fs::set_permissions(bin.join(name), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    (bin, capture)
}

/// Runs `script` with bash (errexit and pipefail, as both CIs do) in `dir` with `vars`; its exit
/// code.
fn run(script: &str, dir: &Path, vars: &BTreeMap<String, String>) -> i32 {
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .current_dir(dir)
        .env_clear()
        .env("HOME", dir)
        .envs(vars)
        .output()
        .unwrap();
    eprintln!(
        "{script}\n--- exit {:?}\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out.status.code().unwrap()
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The value of `key:` on `lines[i]` and, for a block (`|`), the more indented lines after it.
fn value_at(lines: &[&str], i: usize, key: &str) -> String {
    let rest = lines[i]
        .trim_start()
        .trim_start_matches("- ")
        .strip_prefix(key)
        .unwrap()
        .trim();
    if rest != "|" {
        return rest.to_string();
    }
    let own = indent(lines[i]);
    (lines[i + 1..].iter())
        .take_while(|l| l.trim().is_empty() || indent(l) > own)
        .map(|l| l.get(own + 2..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `KEY: value` lines under the `key:` line at `lines[i]`.
fn map_under(lines: &[&str], i: usize) -> BTreeMap<String, String> {
    let own = indent(lines[i]);
    (lines[i + 1..].iter())
        .take_while(|l| indent(l) > own)
        .filter_map(|l| l.trim().split_once(": "))
        .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
        .collect()
}

/// A GitHub Actions step: its name, `run:` script (None for `uses:`) and `env:`.
struct Step {
    name: String,
    run: Option<String>,
    env: BTreeMap<String, String>,
}

fn github_steps(yaml: &str) -> (BTreeMap<String, String>, Vec<Step>) {
    let lines: Vec<&str> = yaml.lines().collect();
    let job_env = lines.iter().position(|l| *l == "    env:").unwrap();
    let start = lines.iter().position(|l| *l == "    steps:").unwrap();
    let mut steps: Vec<Step> = Vec::new();
    for (i, line) in lines.iter().enumerate().skip(start + 1) {
        let t = line.trim_start().trim_start_matches("- ");
        if line.starts_with("      - ") {
            steps.push(Step {
                name: String::new(),
                run: None,
                env: BTreeMap::new(),
            });
        }
        let step = steps.last_mut().unwrap();
        if t.starts_with("name: ") {
            step.name = value_at(&lines, i, "name:");
        } else if t.starts_with("run:") {
            step.run = Some(value_at(&lines, i, "run:"));
        } else if t == "env:" {
            step.env = map_under(&lines, i);
        } else if t.starts_with("uses: ") && step.name.is_empty() {
            step.name = value_at(&lines, i, "uses:");
        }
    }
    (map_under(&lines, job_env), steps)
}

/// `${{ ... }}` expressions replaced as GitHub would for pull request 7 into main.
fn expand(text: &str) -> String {
    let text = text
        .replace("${{ github.base_ref }}", "main")
        .replace("${{ github.event.pull_request.number }}", "7")
        .replace("${{ vars.SIM_GIT }}", "https://example.invalid/sim.git")
        .replace("${{ github.token }}", "token");
    assert!(
        !text.contains("${{"),
        "an expression the test does not know: {text}"
    );
    text
}

fn path_var(bin: &Path) -> String {
    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap())
}

/// The JUnit report the job leaves: well-formed, one failing test case, the objective's.
fn assert_junit(work: &Path) {
    let xml = std::fs::read_to_string(work.join("sim-check/models-orders.xml")).unwrap();
    let doc = xml::parse(&xml);
    let suite = &doc.children[0];
    let cases: Vec<_> = suite
        .children
        .iter()
        .filter(|c| c.name == "testcase")
        .collect();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].attr("name"), "iterator_age_max < 30s");
    assert_eq!(cases[0].children[0].name, "failure");
}

/// The comment a job posts: the changed model's verdict and what the change does, and nothing of
/// the model the change did not touch.
fn assert_comment(body: &str) {
    assert!(
        body.starts_with("## sim check\n\n### sim check: **FAIL**"),
        "{body}"
    );
    assert!(
        body.contains("adds subscriber `audit` (4 functions) to `table`"),
        "{body}"
    );
    assert!(
        body.contains("objective `iterator_age_max < 30s` now fails"),
        "{body}"
    );
    assert!(body.contains("against the base `"), "{body}");
    assert!(
        !body.contains("kinesis-standard") && !body.contains("sim-signature"),
        "{body}"
    );
}

#[test]
fn the_github_workflow_comments_the_verdict_and_fails_the_pull_request() {
    let scratch = tempfile::tempdir().unwrap();
    let work = repository(scratch.path());
    let (bin, capture) = stand_ins(scratch.path());
    let yaml = std::fs::read_to_string(root().join("deploy/ci/github-actions.yml")).unwrap();
    assert!(
        yaml.contains("    paths:\n      - \"models/**\"\n"),
        "runs on changes to models"
    );
    let (job_env, steps) = github_steps(&yaml);
    let mut codes = BTreeMap::new();
    for step in &steps {
        let Some(script) = &step.run else { continue };
        let mut vars = job_env.clone();
        vars.extend(step.env.iter().map(|(k, v)| (k.clone(), expand(v))));
        vars.insert("PATH".into(), path_var(&bin));
        vars.insert("CAPTURE".into(), capture.display().to_string());
        codes.insert(step.name.clone(), run(&expand(script), &work, &vars));
    }
    let want = [
        ("Check the changed models", 1),
        ("Comment on the pull request", 0),
        ("Install sim", 0),
    ];
    assert_eq!(
        codes,
        want.map(|(k, v)| (k.to_string(), v)).into_iter().collect()
    );
    let cargo = std::fs::read_to_string(capture.join("cargo.args")).unwrap();
    assert_eq!(
        cargo,
        "install --locked --git https://example.invalid/sim.git sim\n"
    );
    let gh = std::fs::read_to_string(capture.join("gh.args")).unwrap();
    assert_eq!(
        gh,
        "pr comment 7 --edit-last --body-file sim-check/comment.md\n"
    );
    assert_comment(&std::fs::read_to_string(capture.join("gh.body")).unwrap());
    assert!(yaml.contains("report_paths: sim-check/*.xml"));
    assert_junit(&work);
}

/// The items of the list `key:` of the GitLab job (`- command` or `- |` blocks).
fn gitlab_list(lines: &[&str], key: &str) -> Vec<String> {
    let at = lines
        .iter()
        .position(|l| *l == format!("  {key}:"))
        .unwrap();
    (at + 1..lines.len())
        .take_while(|&i| indent(lines[i]) > 2)
        .filter(|&i| lines[i].starts_with("    - "))
        .map(
            |i| match lines[i].trim_start().strip_prefix("- ").unwrap() {
                "|" => value_at(lines, i, ""),
                item => item.to_string(),
            },
        )
        .collect()
}

#[test]
fn the_gitlab_job_posts_the_verdict_as_a_note_reports_junit_and_fails() {
    let scratch = tempfile::tempdir().unwrap();
    let work = repository(scratch.path());
    let (bin, capture) = stand_ins(scratch.path());
    let yaml = std::fs::read_to_string(root().join("deploy/ci/gitlab-ci.yml")).unwrap();
    let lines: Vec<&str> = yaml.lines().collect();
    assert!(
        yaml.contains("      changes:\n        - models/**/*\n"),
        "runs on changes to models"
    );
    let at = lines.iter().position(|l| *l == "  variables:").unwrap();
    let mut vars = map_under(&lines, at);
    let ci = [
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
        ("CI_API_V4_URL", "https://gitlab.example.invalid/api/v4"),
        ("CI_PROJECT_ID", "42"),
        ("CI_MERGE_REQUEST_IID", "7"),
        ("SIM_GIT", "https://example.invalid/sim.git"),
        ("SIM_CHECK_TOKEN", "secret"),
    ];
    vars.extend(ci.map(|(k, v)| (k.to_string(), v.to_string())));
    vars.insert("PATH".into(), path_var(&bin));
    vars.insert("CAPTURE".into(), capture.display().to_string());
    // before_script and script run in one shell; after_script in its own, whatever they did.
    let mut main = gitlab_list(&lines, "before_script");
    main.extend(gitlab_list(&lines, "script"));
    assert_eq!(run(&main.join("\n"), &work, &vars), 1);
    assert_eq!(
        run(
            &gitlab_list(&lines, "after_script").join("\n"),
            &work,
            &vars
        ),
        0
    );
    let curl = std::fs::read_to_string(capture.join("curl.args")).unwrap();
    assert!(curl.contains("--header PRIVATE-TOKEN: secret"), "{curl}");
    assert!(
        curl.trim_end()
            .ends_with("https://gitlab.example.invalid/api/v4/projects/42/merge_requests/7/notes"),
        "{curl}"
    );
    assert_comment(&std::fs::read_to_string(capture.join("curl.body")).unwrap());
    assert!(yaml.contains("    reports:\n      junit: sim-check/*.xml\n"));
    assert_junit(&work);
}

/// The CI script on a pull request that changes a SAM template (examples/review's, v1 to v2) with
/// the template's objectives beside it: the template is checked against its base version through
/// `sim import`, and the comment says what the change does.
#[test]
fn the_ci_script_checks_a_changed_template_against_its_base() {
    let scratch = tempfile::tempdir().unwrap();
    let up = scratch.path().join("upstream");
    std::fs::create_dir_all(up.join("infra")).unwrap();
    std::fs::create_dir_all(up.join("deploy/ci")).unwrap();
    let review = root().join("examples/review");
    for (from, to) in [
        ("orders.yaml", "infra/orders.yaml"),
        ("sim-objectives.toml", "infra/sim-objectives.toml"),
    ] {
        std::fs::copy(review.join(from), up.join(to)).unwrap();
    }
    std::fs::copy(
        root().join("deploy/ci/sim-check.sh"),
        up.join("deploy/ci/sim-check.sh"),
    )
    .unwrap();
    // A CloudWatch export is JSON too, but no template: it is not checked.
    std::fs::write(up.join("infra/export.json"), "{\"MetricDataResults\": []}").unwrap();
    git(&up, &["init", "-q"]);
    git(&up, &["add", "."]);
    git(&up, &["commit", "-qm", "base"]);
    let work = scratch.path().join("work");
    git(
        scratch.path(),
        &["clone", "-q", up.to_str().unwrap(), work.to_str().unwrap()],
    );
    git(&work, &["checkout", "-qb", "change"]);
    std::fs::copy(
        review.join("orders-v2.yaml"),
        work.join("infra/orders.yaml"),
    )
    .unwrap();
    std::fs::write(
        work.join("infra/export.json"),
        "{\"MetricDataResults\": [ ]}",
    )
    .unwrap();
    git(&work, &["commit", "-qam", "adds three subscribers"]);
    let (bin, _) = stand_ins(scratch.path());
    let vars: BTreeMap<String, String> = [
        ("PATH".to_string(), path_var(&bin)),
        ("SIM_MODELS".into(), "infra".into()),
        (
            "SIM_CHECK_ARGS".into(),
            "--rate 200 --record-size 1KiB,8KiB --function-duration 40ms,250ms".into(),
        ),
    ]
    .into_iter()
    .collect();
    let code = run("deploy/ci/sim-check.sh origin/HEAD", &work, &vars);
    assert_eq!(code, 1, "an objective fails");
    let comment = std::fs::read_to_string(work.join("sim-check/comment.md")).unwrap();
    assert!(
        comment
            .contains("adds subscribers `audit`, `notifications` and `search-index` to `orders`"),
        "{comment}"
    );
    assert!(work.join("sim-check/infra-orders.xml").exists());
    assert!(
        !work.join("sim-check/infra-export.md").exists(),
        "an export is not checked"
    );
}

/// A repository whose main branch holds `base` (path, text) and a clone on branch `change`
/// that writes `change` over it, with the CI script; the clone.
fn repository_of(scratch: &Path, base: &[(&str, String)], change: &[(&str, String)]) -> PathBuf {
    let up = scratch.join("upstream");
    let write = |dir: &Path, files: &[(&str, String)]| {
        for (path, text) in files {
            let at = dir.join(path);
            std::fs::create_dir_all(at.parent().unwrap()).unwrap();
            std::fs::write(at, text).unwrap();
        }
    };
    let script = std::fs::read_to_string(root().join("deploy/ci/sim-check.sh")).unwrap();
    write(&up, &[("deploy/ci/sim-check.sh", script)]);
    write(&up, base);
    git(&up, &["init", "-q"]);
    git(&up, &["add", "."]);
    git(&up, &["commit", "-qm", "base"]);
    let work = scratch.join("work");
    git(
        scratch,
        &["clone", "-q", up.to_str().unwrap(), work.to_str().unwrap()],
    );
    git(&work, &["checkout", "-qb", "change"]);
    write(&work, change);
    git(&work, &["add", "."]);
    git(&work, &["commit", "-qm", "the change"]);
    work
}

fn shipped(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap()
}

const OBJECTIVES: &str = "[plan]\nslo = [\"iterator_age_max < 30s\"]\n";

/// Runs the CI script in `work` with `vars` (and PATH to the built sim); its exit code.
fn run_script(scratch: &Path, work: &Path, vars: &[(&str, &str)]) -> i32 {
    let bin = scratch.join("bin");
    if !bin.exists() {
        stand_ins(scratch);
    }
    let mut all: BTreeMap<String, String> = [("PATH".to_string(), path_var(&bin))].into();
    all.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    run("bash deploy/ci/sim-check.sh origin/HEAD", work, &all)
}

/// `models/a/x.toml` and `models/a-x.toml` once shared one report name, a name with a space was
/// cut in two, and the base was shown as the temporary folder it was copied to.
#[test]
fn the_ci_script_gives_each_model_its_own_report_takes_names_with_spaces_and_shows_the_base_by_commit(
) {
    let scratch = tempfile::tempdir().unwrap();
    let model = shipped("models/dynamodb-readers.toml");
    let paths = [
        "models/a/x.toml",
        "models/a-x.toml",
        "models/my orders.toml",
    ];
    let mut base: Vec<(&str, String)> = paths.iter().map(|p| (*p, model.clone())).collect();
    base.push(("models/sim-objectives.toml", OBJECTIVES.into()));
    base.push(("models/a/sim-objectives.toml", OBJECTIVES.into()));
    let change: Vec<(&str, String)> = paths.iter().map(|p| (*p, model.clone() + AUDIT)).collect();
    let work = repository_of(scratch.path(), &base, &change);
    let code = run_script(scratch.path(), &work, &[]);
    assert_eq!(code, 1, "an objective fails, and every model was read");
    let out = work.join("sim-check");
    for name in ["models-a-x", "models-a-x-2", "models-my orders"] {
        assert!(out.join(format!("{name}.xml")).exists(), "{name}.xml");
        assert!(out.join(format!("{name}.md")).exists(), "{name}.md");
    }
    let comment = std::fs::read_to_string(out.join("comment.md")).unwrap();
    assert_eq!(
        comment.matches("### sim check: **FAIL**").count(),
        3,
        "{comment}"
    );
    let short = Command::new("git")
        .current_dir(&work)
        .args(["rev-parse", "--short", "origin/HEAD"])
        .output()
        .unwrap();
    let short = String::from_utf8(short.stdout).unwrap();
    for p in paths {
        let base = format!("against the base `{p} at {}`", short.trim());
        assert!(comment.contains(&base), "{base}\n{comment}");
    }
    assert!(
        !comment.contains("/tmp") && !comment.contains("base-"),
        "{comment}"
    );
}

/// An objective with spaces cannot go through SIM_CHECK_ARGS (split on spaces): quotes there are
/// refused with what to do instead, and SIM_CHECK_ARGS_FILE takes one argument per line.
#[test]
fn the_ci_script_refuses_quotes_in_its_args_and_reads_an_args_file_one_per_line() {
    let scratch = tempfile::tempdir().unwrap();
    let model = shipped("models/dynamodb-readers.toml");
    let base = [
        ("models/orders.toml", model.clone()),
        ("models/sim-objectives.toml", OBJECTIVES.into()),
    ];
    let work = repository_of(
        scratch.path(),
        &base,
        &[("models/orders.toml", model + AUDIT)],
    );
    let quoted = "--slo \"errors < 1\"";
    let code = run_script(scratch.path(), &work, &[("SIM_CHECK_ARGS", quoted)]);
    assert_eq!(code, 2);
    assert!(!work.join("sim-check").exists());
    let file = scratch.path().join("args");
    std::fs::write(&file, "--slo\nthrottled_reads_per_min < 1000000\n").unwrap();
    let code = run_script(
        scratch.path(),
        &work,
        &[("SIM_CHECK_ARGS_FILE", file.to_str().unwrap())],
    );
    assert_eq!(code, 1);
    let comment = std::fs::read_to_string(work.join("sim-check/comment.md")).unwrap();
    assert!(
        comment.contains("| `throttled_reads_per_min < 1000000` |"),
        "{comment}"
    );
}

/// What `sim import` reads is checked in CI: `terraform show -json` output as one file, the AWS
/// CLI output of one folder together; a CloudWatch export never.
#[test]
fn the_ci_script_checks_terraform_json_and_a_folder_of_cli_output_but_not_an_export() {
    let scratch = tempfile::tempdir().unwrap();
    let fixtures = "tests/fixtures/import/orders";
    let mut base: Vec<(String, String)> = vec![
        (
            "infra/plan.json".into(),
            shipped(&format!("{fixtures}/plan.json")),
        ),
        ("infra/sim-objectives.toml".into(), OBJECTIVES.into()),
        ("infra/cli/sim-objectives.toml".into(), OBJECTIVES.into()),
        (
            "infra/cli/export.json".into(),
            "{\"MetricDataResults\": [], \"Table\": {}}".into(),
        ),
    ];
    let mut names: Vec<String> = std::fs::read_dir(root().join(format!("{fixtures}/cli")))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    for n in &names {
        let text = shipped(&format!("{fixtures}/cli/{n}"));
        base.push((format!("infra/cli/{n}"), text));
    }
    let change: Vec<(String, String)> = base
        .iter()
        .filter(|(p, _)| p.ends_with(".json"))
        .map(|(p, t)| (p.clone(), t.clone() + "\n"))
        .collect();
    let b: Vec<(&str, String)> = base.iter().map(|(p, t)| (p.as_str(), t.clone())).collect();
    let c: Vec<(&str, String)> = change
        .iter()
        .map(|(p, t)| (p.as_str(), t.clone()))
        .collect();
    let work = repository_of(scratch.path(), &b, &c);
    let vars = [("SIM_MODELS", "infra"), ("SIM_CHECK_ARGS", "--rate 1")];
    let code = run_script(scratch.path(), &work, &vars);
    assert_eq!(code, 0, "both hold, and both were read");
    let out = work.join("sim-check");
    assert!(out.join("infra-plan.xml").exists());
    assert!(out.join("infra-cli.xml").exists());
    assert!(!out.join("infra-cli-export.xml").exists());
    let comment = std::fs::read_to_string(out.join("comment.md")).unwrap();
    assert_eq!(
        comment.matches("no change to the architecture").count(),
        2,
        "{comment}"
    );
    assert!(
        comment.contains("against the base `infra/cli/*.json at "),
        "{comment}"
    );
}
