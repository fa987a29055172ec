//! The scale-out recipes in deploy/ run as written, without a cluster: each submit script runs
//! with a stand-in for its scheduler's client that keeps what would be submitted; every task's
//! command is then read from the manifest or job definition as submitted, given the scheduler's
//! index variables and run with the built `sim`, and the recipe's merge must write the CSVs of a
//! one-machine `sim sweep`, byte for byte, with and without an assumption study.

use crate::common;

use common::SCHEDULER_VARS;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The smallest sweep the tests share: 12 runs of a few simulated minutes.
const EXP: &str = "tests/scale-out.toml";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A command run from the repository root with no scheduler variables but `vars`.
fn command(program: impl AsRef<std::ffi::OsStr>, vars: &[(&str, String)]) -> Command {
    let mut c = Command::new(program);
    c.current_dir(root());
    for var in SCHEDULER_VARS.iter().chain(&["ASSUMPTIONS"]) {
        c.env_remove(var);
    }
    c.envs(vars.iter().map(|(k, v)| (k, v)));
    c
}

/// Runs `c`, which must succeed; its stdout.
fn ok(mut c: Command) -> String {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{c:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The built `sim` with `args`, as a task with the scheduler variables `vars` runs it.
fn sim(args: &[String], vars: &[(&str, String)]) {
    let mut c = command(env!("CARGO_BIN_EXE_sim"), vars);
    c.args(args);
    ok(c);
}

/// The argument after `flag` in a command.
fn after<'a>(args: &'a [String], flag: &str) -> &'a str {
    &args[args.iter().position(|a| a == flag).expect(flag) + 1]
}

/// The sweep's tasks and its merge are given the assumption sets submitted (0: none).
fn assert_same_assumptions(sweep: &[String], merge: &[String], submitted: Option<&str>) {
    let n = submitted.unwrap_or("0");
    assert_eq!(after(sweep, "--assumptions"), n, "{sweep:?}");
    assert_eq!(after(merge, "--assumptions"), n, "{merge:?}");
}

/// Writes an executable shell script `name` into `dir`.
fn stand_in(dir: &Path, name: &str, script: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs a submit script with `bin` first on PATH and CAPTURE naming where its stand-ins keep
/// what they are given.
fn submit(script: &str, args: &[&str], assumptions: Option<&str>, bin: &Path, capture: &Path) {
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let mut vars = vec![("PATH", path), ("CAPTURE", capture.display().to_string())];
    vars.extend(assumptions.map(|n| ("ASSUMPTIONS", n.to_string())));
    let mut c = command("bash", &vars);
    c.arg(script).args(args);
    ok(c);
}

/// The files a stand-in kept, in the order it was called.
fn captured(capture: &Path) -> Vec<String> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(capture)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort_by_key(|p| {
        p.file_stem()
            .unwrap()
            .to_str()
            .unwrap()
            .parse::<u32>()
            .unwrap()
    });
    names
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// A path inside the container, `mount` being the shared volume's mount path, as seen here
/// where the volume is `volume`.
fn on_volume(arg: &str, mount: &str, volume: &Path) -> String {
    match arg.strip_prefix(mount) {
        Some(rest) => format!("{}{rest}", volume.display()),
        None => arg.to_string(),
    }
}

/// The CSVs a one-machine `sim sweep` of `EXP` writes (with `--assumptions N` if given) must be
/// the ones in `merged`, byte for byte.
fn assert_merged_as_one_machine(merged: &Path, assumptions: Option<&str>, scratch: &Path) {
    let single = scratch.join("single");
    let mut args = vec!["sweep", EXP, "-q", "--out", single.to_str().unwrap()];
    args.extend(assumptions.iter().flat_map(|n| ["--assumptions", n]));
    sim(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>(), &[]);
    let csvs = |dir: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".csv"))
            .collect();
        v.sort();
        v
    };
    let names = csvs(&single);
    assert!(names.contains(&"summary.csv".to_string()), "{names:?}");
    assert_eq!(
        names.contains(&"sensitivity.csv".to_string()),
        assumptions.is_some()
    );
    assert_eq!(names, csvs(merged));
    for name in names {
        let read = |dir: &Path| std::fs::read(dir.join(&name)).unwrap();
        assert!(read(&single) == read(merged), "{name} differs");
    }
}

// Kubernetes: the manifests are read with a few string rules that hold for the shipped files.

/// The stand-in for kubectl: keeps each manifest applied from stdin; every Job completes at once.
const KUBECTL: &str = r#"#!/bin/sh
for a in "$@"; do
  if [ "$a" = apply ]; then cat > "$CAPTURE/$(ls "$CAPTURE" | wc -l | tr -d ' ').yaml"; fi
done
"#;

/// The quoted strings of the flow list after `key: [`, which may span lines.
fn flow_list(yaml: &str, key: &str) -> Vec<String> {
    let start = yaml.find(&format!("{key}: [")).expect(key) + key.len() + 3;
    let end = start + yaml[start..].find(']').unwrap();
    yaml[start..end]
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The value after `key: ` on its line.
fn scalar<'a>(yaml: &'a str, key: &str) -> &'a str {
    let at = yaml.find(&format!("{key}: ")).expect(key) + key.len() + 2;
    yaml[at..]
        .lines()
        .next()
        .unwrap()
        .split('#')
        .next()
        .unwrap()
        .trim()
}

/// The container's `env` entries, written `- { name: NAME, value: "VALUE" }`.
fn env_of(yaml: &str) -> BTreeMap<String, String> {
    yaml.lines()
        .filter_map(|l| l.trim().strip_prefix("- { name: "))
        .filter_map(|l| {
            let (name, rest) = l.split_once(", value: \"")?;
            Some((name.to_string(), rest.split('"').next()?.to_string()))
        })
        .collect()
}

/// The container's args as the kubelet gives them: `$(VAR)` expanded from its env, paths on the
/// journal volume mapped to `volume`, and the experiment (the argument after the command) `EXP`.
fn container_args(yaml: &str, volume: &Path) -> Vec<String> {
    let env = env_of(yaml);
    let mount = scalar(yaml, "mountPath").trim_end_matches(['}', ' ']);
    let mut args: Vec<String> = flow_list(yaml, "args")
        .iter()
        .map(|a| {
            let a = env
                .iter()
                .fold(a.clone(), |a, (k, v)| a.replace(&format!("$({k})"), v));
            on_volume(&a, mount, volume)
        })
        .collect();
    assert!(args[1].ends_with(".toml"), "{args:?}");
    args[1] = EXP.into();
    args
}

/// Submits the Kubernetes recipe, runs every index of the sweep Job and then the merge Job.
fn run_kubernetes_recipe(assumptions: Option<&str>, scratch: &Path) -> PathBuf {
    let (bin, capture, volume) = dirs(scratch);
    stand_in(&bin, "kubectl", KUBECTL);
    submit(
        "deploy/kubernetes/submit.sh",
        &[],
        assumptions,
        &bin,
        &capture,
    );
    let [sweep, merge] = <[String; 2]>::try_from(captured(&capture)).unwrap();
    let (task, args) = (
        container_args(&sweep, &volume),
        container_args(&merge, &volume),
    );
    assert_same_assumptions(&task, &args, assumptions);
    let completions: u32 = scalar(&sweep, "completions").parse().unwrap();
    for k in 0..completions {
        sim(&task, &[("JOB_COMPLETION_INDEX", k.to_string())]);
    }
    sim(&args, &[]);
    PathBuf::from(after(&args, "--out"))
}

/// A folder for stand-ins, one for what they keep, one for the shared volume.
fn dirs(scratch: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let made = ["bin", "capture", "volume"].map(|d| {
        let p = scratch.join(d);
        std::fs::create_dir(&p).unwrap();
        p
    });
    let [bin, capture, volume] = made;
    (bin, capture, volume)
}

#[test]
fn the_kubernetes_recipe_merges_to_the_summary_of_a_one_machine_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_kubernetes_recipe(None, tmp.path());
    assert_merged_as_one_machine(&out, None, tmp.path());
}

#[test]
fn the_kubernetes_recipe_with_assumptions_merges_to_the_summary_of_a_one_machine_study() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_kubernetes_recipe(Some("4"), tmp.path());
    assert_merged_as_one_machine(&out, Some("4"), tmp.path());
}

#[test]
fn the_kubernetes_sweep_job_has_as_many_completions_as_the_partitions_it_names() {
    let yaml = std::fs::read_to_string(root().join("deploy/kubernetes/sweep-job.yaml")).unwrap();
    let partition = after(&flow_list(&yaml, "args"), "--partition").to_string();
    assert_eq!(
        partition.strip_prefix("auto/"),
        Some(scalar(&yaml, "completions"))
    );
}

// AWS Batch: the job definitions are JSON, the submitted parameters fill their `Ref::` slots.

/// The stand-in for aws: keeps each call's arguments, one a line, and answers a job id.
const AWS: &str = r#"#!/bin/sh
n=$(ls "$CAPTURE" | wc -l | tr -d ' ')
printf '%s\n' "$@" > "$CAPTURE/$n.args"
echo "job-$n"
"#;

/// The value after `flag` in a call's arguments.
fn flag_value<'a>(call: &'a str, flag: &str) -> &'a str {
    let mut lines = call.lines();
    lines.find(|l| *l == flag).expect(flag);
    lines.next().unwrap()
}

/// A submitted job's command as Batch runs it: the job definition it names, its `Ref::NAME`
/// elements replaced by the submitted parameters or the definition's defaults, and paths on
/// the journal volume mapped to `volume`.
fn batch_command(call: &str, volume: &Path) -> Vec<String> {
    let name = flag_value(call, "--job-definition");
    let file = match name {
        "sim-sweep" => "deploy/aws-batch/job-definition.json",
        _ => "deploy/aws-batch/merge-job-definition.json",
    };
    let def: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(file)).unwrap()).unwrap();
    assert_eq!(def["jobDefinitionName"], name);
    let mut params: BTreeMap<String, String> =
        serde_json::from_value(def["parameters"].clone()).unwrap();
    for pair in flag_value(call, "--parameters").split(',') {
        let (k, v) = pair.split_once('=').unwrap();
        params.insert(k.into(), v.into());
    }
    let mount = def["containerProperties"]["mountPoints"][0]["containerPath"]
        .as_str()
        .unwrap();
    let command: Vec<String> =
        serde_json::from_value(def["containerProperties"]["command"].clone()).unwrap();
    command
        .iter()
        .map(|a| match a.strip_prefix("Ref::") {
            Some(k) => on_volume(params.get(k).expect(k), mount, volume),
            None => a.clone(),
        })
        .collect()
}

/// Submits the AWS Batch recipe over `shards` children, runs each child of the array and then
/// the merge job.
fn run_batch_recipe(shards: u32, assumptions: Option<&str>, scratch: &Path) -> PathBuf {
    let (bin, capture, volume) = dirs(scratch);
    stand_in(&bin, "aws", AWS);
    let n = shards.to_string();
    let args = ["QUEUE", n.as_str(), EXP];
    submit(
        "deploy/aws-batch/submit.sh",
        &args,
        assumptions,
        &bin,
        &capture,
    );
    let [array, merge] = <[String; 2]>::try_from(captured(&capture)).unwrap();
    assert_eq!(
        flag_value(&array, "--array-properties"),
        format!("size={n}")
    );
    assert_eq!(flag_value(&merge, "--depends-on"), "jobId=job-0");
    let (task, args) = (
        batch_command(&array, &volume),
        batch_command(&merge, &volume),
    );
    assert_same_assumptions(&task, &args, assumptions);
    for k in 0..shards {
        let vars = [
            ("AWS_BATCH_JOB_ARRAY_INDEX", k.to_string()),
            ("AWS_BATCH_JOB_ARRAY_SIZE", n.clone()),
        ];
        sim(&task, &vars);
    }
    sim(&args, &[]);
    PathBuf::from(after(&args, "--out"))
}

#[test]
fn the_aws_batch_recipe_merges_to_the_summary_of_a_one_machine_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_batch_recipe(3, None, tmp.path());
    assert_merged_as_one_machine(&out, None, tmp.path());
}

#[test]
fn the_aws_batch_recipe_with_assumptions_merges_to_the_summary_of_a_one_machine_study() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_batch_recipe(3, Some("4"), tmp.path());
    assert_merged_as_one_machine(&out, Some("4"), tmp.path());
}

// Slurm: the batch scripts are shell scripts; each task runs as Slurm would start it.

/// Runs every task of the Slurm array script and then the merge script.
fn run_slurm_recipe(shards: u32, assumptions: Option<&str>, scratch: &Path) -> PathBuf {
    let out = scratch.join("out");
    let mut vars = vec![
        ("EXPERIMENT", EXP.to_string()),
        ("SIM", env!("CARGO_BIN_EXE_sim").to_string()),
        ("JOURNAL", scratch.join("journal").display().to_string()),
        ("OUT", out.display().to_string()),
        ("SLURM_ARRAY_TASK_MIN", "0".into()),
        ("SLURM_ARRAY_TASK_COUNT", shards.to_string()),
    ];
    vars.extend(assumptions.map(|n| ("ASSUMPTIONS", n.to_string())));
    for k in 0..shards {
        let mut task = vars.clone();
        task.push(("SLURM_ARRAY_TASK_ID", k.to_string()));
        let mut c = command("bash", &task);
        c.arg("deploy/slurm/sweep-array.sbatch");
        ok(c);
    }
    let mut c = command("bash", &vars);
    c.arg("deploy/slurm/merge.sbatch");
    ok(c);
    out
}

#[test]
fn the_slurm_recipe_merges_to_the_summary_of_a_one_machine_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_slurm_recipe(2, None, tmp.path());
    assert_merged_as_one_machine(&out, None, tmp.path());
}

#[test]
fn the_slurm_recipe_with_assumptions_merges_to_the_summary_of_a_one_machine_study() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_slurm_recipe(2, Some("4"), tmp.path());
    assert_merged_as_one_machine(&out, Some("4"), tmp.path());
}

// `--assumptions 0`, the recipes' default, is the flag left out.

#[test]
fn zero_assumption_sets_list_the_runs_of_a_plain_sweep_and_leave_sensitivity_nothing_to_apply_to() {
    let list = |extra: &[&str]| {
        let mut c = command(env!("CARGO_BIN_EXE_sim"), &[]);
        c.args(["sweep", EXP, "--list-runs", "--partition", "3"])
            .args(extra);
        c.output().unwrap()
    };
    assert_eq!(list(&["--assumptions", "0"]).stdout, list(&[]).stdout);
    let refused = list(&["--assumptions", "0", "--sensitivity", "saltelli"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--sensitivity needs"));
    let three = list(&["--assumptions", "3"]);
    assert_eq!(three.status.code(), Some(2));
}
