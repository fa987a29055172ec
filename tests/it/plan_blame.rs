//! `sim plan` names the limit that binds at the first failing point, decided from that point's
//! runs: one small model per kind of limit (propagation delay, read call limit, read byte limit,
//! function duration, concurrency), each run for three simulated minutes.

use assert_cmd::Command;

/// A stream of `shards` Kinesis shards fed `rate` records/s of `size`, read by consumer `fn`,
/// whose table ends with `consumer` (more keys, one per line); `more` is added at the top.
fn model(shards: u32, rate: f64, size: &str, consumer: &str, more: &str) -> String {
    format!(
        "duration = \"3m\"\nwarmup = \"30s\"\nseed = 1\n{more}\n\
         [streams.s]\nkind = \"kinesis\"\nshards = {shards}\n\
         [producers.p]\nstream = \"s\"\nrate = {rate}\nrecord_size = \"{size}\"\n\
         [consumers.fn]\nstream = \"s\"\ncount = 1\n{consumer}\n"
    )
}

/// The limit `sim plan` names for `model` swept at `count` consumers under the objective `slo`
/// (the single architecture's binding, from `--json`).
fn binding(model: &str, count: u32, slo: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.toml"), model).unwrap();
    let exp = format!(
        "name = \"blame\"\nmodel = \"m.toml\"\nreplicates = 1\nseed = 1\n\
         [[axes]]\npath = \"consumers.fn.count\"\nvalues = [{count}]\n"
    );
    std::fs::write(dir.path().join("e.toml"), exp).unwrap();
    let out = Command::cargo_bin("sim")
        .unwrap()
        .current_dir(dir.path())
        .args(["plan", "e.toml", "--json", "--slo", slo])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["answers"][0]["binding"].as_str().unwrap().to_string()
}

const FAST: &str = "function = { duration = \"1ms\", cold_start = \"0\" }";

#[test]
fn a_lone_idle_poller_missing_an_age_objective_blames_the_propagation_delay() {
    // One poller asking every 400 ms: no throttle, an idle function, and an IteratorAge maximum
    // of about 300 ms that only the wait for the next poll explains (experiments/propagation.toml).
    let consumer = format!("idle_poll_interval = \"400ms\"\nmin_call_interval = \"200ms\"\n{FAST}");
    let b = binding(
        &model(1, 20.0, "1KiB", &consumer, ""),
        1,
        "iterator_age_max <= 250ms",
    );
    assert!(b.starts_with("propagation delay: records wait"), "{b}");
}

#[test]
fn eight_pollers_of_one_shard_blame_the_read_call_limit() {
    let b = binding(
        &model(1, 20.0, "1KiB", FAST, ""),
        8,
        "throttled_reads_per_min < 1",
    );
    assert!(b.starts_with("read calls:"), "{b}");
}

#[test]
fn three_readers_of_large_records_blame_the_read_byte_limit() {
    // 900 KiB/s written, read three times: 2.7 MiB/s from a shard that gives 2 MiB/s.
    let b = binding(
        &model(1, 9.0, "100KiB", FAST, ""),
        3,
        "throttled_reads_per_min < 1",
    );
    assert!(b.starts_with("read bytes:"), "{b}");
}

#[test]
fn a_function_slower_than_its_records_blames_the_function_duration() {
    // Batches of 10 records taking 200 ms: 50 records/s processed of 100 written.
    let consumer = "batch_size = 10\nfunction = { duration = \"200ms\", cold_start = \"0\" }";
    let b = binding(
        &model(1, 100.0, "1KiB", consumer, ""),
        1,
        "iterator_age_max < 10s",
    );
    assert!(b.starts_with("function duration:"), "{b}");
}

#[test]
fn an_account_with_one_execution_for_four_shards_blames_concurrency() {
    let consumer = "function = { duration = \"400ms\", cold_start = \"0\" }";
    let account = "[account]\nconcurrency = 1";
    let b = binding(
        &model(4, 40.0, "1KiB", consumer, account),
        1,
        "iterator_age_max < 5s",
    );
    assert!(b.starts_with("concurrency:"), "{b}");
}
