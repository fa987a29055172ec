//! Properties of loading and running (issue #5: bad input gives clear errors, never a panic).
//!
//! (a) Whatever the text, `ModelFile::from_text` returns `Ok` or an error placed inside the text; it
//!     never panics. Texts are arbitrary strings, and TOML-ish documents built from the model
//!     schema's own tables and keys with values good, bad and garbled. `--set` overrides of random
//!     paths with random values are held to the same rule.
//! (b) Small valid models (1-2 streams, 0-2 producers, 1-4 consumers, a few minutes) always load
//!     and always simulate to `Ok`: `simulate` checks conservation itself
//!     (written = processed + in flight + unread + discarded + expired).
//!
//! Case counts are kept small so that the whole suite stays fast in release builds; set
//! `PROPTEST_CASES=N` for a deeper search.

use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config;
use sim::config::{ConfigError, ModelFile, Origin, Override};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

/// `cases` by default; `PROPTEST_CASES=N` runs more for a deeper search.
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        // Failures print their minimal case; no regression files are written into tests/.
        failure_persistence: None,
        ..Config::default()
    }
}

/// Checks an error is placed inside `text` and prints.
fn well_placed(e: &ConfigError, text: &str) -> Result<(), TestCaseError> {
    let shown = e.to_string();
    prop_assert!(!shown.is_empty());
    if let Origin::File { line, col, .. } = e.origin {
        let lines = text.split('\n').count();
        prop_assert!(
            line >= 1 && line <= lines && col >= 1,
            "{shown}: outside a text of {lines} lines"
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// (a) Arbitrary and TOML-ish text.

const TOP: &[&str] = &[
    "name",
    "description",
    "duration",
    "warmup",
    "seed",
    "metrics",
    "streams",
    "producers",
    "consumers",
];
const STREAM: &[&str] = &[
    "kind",
    "shards",
    "retention",
    "record_chunk",
    "limits",
    "efo",
];
const LIMITS: &[&str] = &[
    "write_records_per_s",
    "write_bytes_per_s",
    "read_calls_per_s",
    "read_bytes_per_s",
    "read_burst_bytes",
    "max_records_per_call",
    "max_bytes_per_call",
    "big_read_penalty",
    "overdraw_penalty",
    "max_efo_consumers",
];
const EFO: &[&str] = &[
    "bytes_per_s",
    "propagation",
    "renewal_period",
    "renewal_gap",
    "event_gap",
];
const PRODUCER: &[&str] = &[
    "stream",
    "rate",
    "arrivals",
    "record_size",
    "keys",
    "profile",
];
const CONSUMER: &[&str] = &[
    "stream",
    "count",
    "service",
    "read",
    "batch_size",
    "fetch_records",
    "batching_window",
    "payload_cap",
    "parallelization_factor",
    "idle_poll_interval",
    "min_call_interval",
    "busy_poll",
    "throttle_backoff",
    "max_retry_attempts",
    "max_record_age",
    "bisect_on_error",
    "retry_delay",
    "function",
];
const FUNCTION: &[&str] = &[
    "duration",
    "per_record",
    "cold_start",
    "env_idle_timeout",
    "provisioned_concurrency",
    "error_probability",
    "timeout",
    "poison",
    "fanout",
];
const DIST: &[&str] = &["kind", "value", "mean", "median", "p99", "min", "max"];
const BACKOFF: &[&str] = &["kind", "delay", "initial", "multiplier", "max", "jitter"];
const PROFILE: &[&str] = &["kind", "on", "off", "high", "low", "period", "multipliers"];
const KEYS: &[&str] = &["kind", "keys", "exponent", "share"];
const DOWNSTREAM: &[&str] = &["name", "duration", "per_record", "error_probability"];
const POISON: &[&str] = &["shard", "at"];
const WORDS: &[&str] = &[
    "kinesis",
    "dynamodb-streams",
    "efo",
    "shared",
    "fixed",
    "exponential",
    "lognormal",
    "uniform",
    "zipf",
    "hot",
    "flat",
    "on-off",
    "periodic",
    "poisson",
    "constant",
    "none",
    "full",
    "equal",
    "lambda",
    "pipe",
    "sent",
    "finished",
    "s",
    "t",
    "fn",
];
const NAMES: &[&str] = &["s", "t", "fn", "a-1", "\"x.y\""];

/// Table headers (NAME is replaced by a name) and the keys that belong in them.
const SECTIONS: &[(&str, &[&str])] = &[
    ("", TOP),
    ("[metrics]", &["iterator_age", "latency_sample"]),
    ("[streams.NAME]", STREAM),
    ("[streams.NAME.limits]", LIMITS),
    ("[streams.NAME.efo]", EFO),
    ("[producers.NAME]", PRODUCER),
    ("[producers.NAME.keys]", KEYS),
    ("[producers.NAME.profile]", PROFILE),
    ("[producers.NAME.record_size]", DIST),
    ("[consumers.NAME]", CONSUMER),
    ("[consumers.NAME.throttle_backoff]", BACKOFF),
    ("[consumers.NAME.function]", FUNCTION),
    ("[consumers.NAME.function.duration]", DIST),
    ("[[consumers.NAME.function.fanout]]", DOWNSTREAM),
    ("[[consumers.NAME.function.poison]]", POISON),
];

fn all_keys() -> Vec<&'static str> {
    let mut v: Vec<&str> = SECTIONS
        .iter()
        .flat_map(|(_, k)| k.iter().copied())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn toml_float(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{v:?}")
    }
}

/// Leaf values: plausible, out of range, of the wrong type, or not TOML at all.
fn leaf() -> BoxedStrategy<String> {
    let units = select(vec![
        "ns", "us", "ms", "s", "m", "min", "h", "d", "B", "KB", "KiB", "MiB", "", "x", " parsec",
    ]);
    prop_oneof![
        any::<i64>().prop_map(|v| v.to_string()),
        (-3i64..30).prop_map(|v| v.to_string()),
        any::<f64>().prop_map(toml_float),
        (-1.0f64..2.0).prop_map(toml_float),
        (0u64..100_000, units).prop_map(|(n, u)| format!("\"{n}{u}\"")),
        select(vec![
            "\"99999999999d\"",
            "\"-5m\"",
            "\"1e300h\"",
            "\"0.5ns\"",
            "\"18446744073709551615B\"",
            "0",
            "-1",
            "9223372036854775807",
            "nan",
            "inf",
            "-inf",
            "true",
            "false",
            "\"\"",
            "[]",
            "{}",
        ])
        .prop_map(String::from),
        select(WORDS).prop_map(|w| format!("\"{w}\"")),
        "[a-z0-9 ./-]{0,8}".prop_map(|s| format!("\"{s}\"")),
        // Not TOML: whatever follows `=` up to the end of the line.
        "[^\n]{0,8}",
    ]
    .boxed()
}

/// A value for `key`: usually one of the kind it takes (often out of range), sometimes anything.
fn value_for(key: &str) -> BoxedStrategy<String> {
    prop_oneof![
        8 => plausible(key),
        2 => leaf(),
        1 => nested(),
    ]
    .boxed()
}

fn nested() -> BoxedStrategy<String> {
    leaf()
        .prop_recursive(2, 8, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3)
                    .prop_map(|v| format!("[{}]", v.join(", "))),
                prop::collection::btree_map(select(all_keys()), inner, 0..3).prop_map(|kv| {
                    let body: Vec<String> = kv.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                    format!("{{ {} }}", body.join(", "))
                }),
            ]
        })
        .boxed()
}

fn quoted(words: &'static [&'static str]) -> BoxedStrategy<String> {
    select(words).prop_map(|w| format!("\"{w}\"")).boxed()
}

fn duration() -> BoxedStrategy<String> {
    prop_oneof![
        (
            0u64..2000,
            select(vec!["ns", "us", "ms", "s", "m", "h", "d"])
        )
            .prop_map(|(n, u)| format!("\"{n}{u}\"")),
        Just("0".to_string()),
    ]
    .boxed()
}

fn size() -> BoxedStrategy<String> {
    prop_oneof![
        (0u64..5000).prop_map(|n| n.to_string()),
        (0u64..20, select(vec!["B", "KB", "MB", "KiB", "MiB"]))
            .prop_map(|(n, u)| format!("\"{n}{u}\"")),
    ]
    .boxed()
}

fn integer() -> BoxedStrategy<String> {
    prop_oneof![
        8 => (-2i64..=12).prop_map(|v| v.to_string()),
        1 => any::<i64>().prop_map(|v| v.to_string()),
    ]
    .boxed()
}

fn number() -> BoxedStrategy<String> {
    prop_oneof![
        8 => (-0.5f64..3.0).prop_map(toml_float),
        1 => any::<f64>().prop_map(toml_float),
        1 => (0i64..5).prop_map(|v| v.to_string()),
    ]
    .boxed()
}

/// An inline table of keys from `keys`, each with a value of its kind.
fn table_of(keys: &'static [&'static str]) -> BoxedStrategy<String> {
    prop::collection::btree_map(select(keys), Just(()), 0..4)
        .prop_flat_map(|m| {
            m.into_keys()
                .map(|k| plausible_leaf(k).prop_map(move |v| format!("{k} = {v}")))
                .collect::<Vec<_>>()
        })
        .prop_map(|kv| format!("{{ {} }}", kv.join(", ")))
        .boxed()
}

/// Values of the type `key` takes, without nesting tables of tables.
fn plausible_leaf(key: &str) -> BoxedStrategy<String> {
    match key {
        "kind" => quoted(&[
            "kinesis",
            "dynamodb-streams",
            "fixed",
            "exponential",
            "lognormal",
            "uniform",
            "zipf",
            "hot",
            "uniform",
            "flat",
            "on-off",
            "periodic",
        ]),
        "stream" => quoted(&["s", "t", "fn"]),
        "name" | "description" => "[a-z./ -]{0,6}".prop_map(|s| format!("\"{s}\"")).boxed(),
        "arrivals" => quoted(&["poisson", "constant"]),
        "read" => quoted(&["shared", "efo"]),
        "service" => quoted(&["lambda", "pipe"]),
        "jitter" => quoted(&["none", "full", "equal"]),
        "iterator_age" => quoted(&["sent", "finished"]),
        "bisect_on_error" => select(vec!["true", "false"]).prop_map(String::from).boxed(),
        "write_bytes_per_s" | "read_bytes_per_s" | "read_burst_bytes" | "max_bytes_per_call"
        | "bytes_per_s" | "payload_cap" | "record_size" => size(),
        "shards"
        | "count"
        | "batch_size"
        | "fetch_records"
        | "parallelization_factor"
        | "max_retry_attempts"
        | "provisioned_concurrency"
        | "keys"
        | "shard"
        | "seed"
        | "read_calls_per_s"
        | "write_records_per_s"
        | "max_records_per_call"
        | "max_efo_consumers"
        | "latency_sample" => integer(),
        "rate" | "error_probability" | "share" | "exponent" | "multiplier" | "high" | "low" => {
            number()
        }
        "multipliers" => prop::collection::vec(number(), 0..4)
            .prop_map(|v| format!("[{}]", v.join(", ")))
            .boxed(),
        _ => duration(),
    }
}

fn plausible(key: &str) -> BoxedStrategy<String> {
    match key {
        "limits" => table_of(LIMITS),
        "efo" => table_of(EFO),
        "function" => table_of(FUNCTION),
        "throttle_backoff" => table_of(BACKOFF),
        "keys" => prop_oneof![table_of(KEYS), integer()].boxed(),
        "profile" => table_of(PROFILE),
        "metrics" => table_of(&["iterator_age", "latency_sample"]),
        "poison" => prop::collection::vec(table_of(POISON), 0..3)
            .prop_map(|v| format!("[{}]", v.join(", ")))
            .boxed(),
        "fanout" => prop::collection::vec(table_of(DOWNSTREAM), 0..3)
            .prop_map(|v| format!("[{}]", v.join(", ")))
            .boxed(),
        "duration" | "cold_start" | "propagation" | "record_size" | "on" | "off" => {
            prop_oneof![plausible_leaf(key), table_of(DIST),].boxed()
        }
        _ => plausible_leaf(key),
    }
}

/// A key: usually one that belongs in the section, sometimes one from elsewhere or a made-up one.
fn key(own: &'static [&'static str]) -> BoxedStrategy<String> {
    prop_oneof![
        8 => select(own).prop_map(String::from),
        1 => select(all_keys()).prop_map(String::from),
        1 => "[a-z_]{1,10}",
    ]
    .boxed()
}

/// Lines `key = value`, each key once.
fn entries(own: &'static [&'static str], n: std::ops::Range<usize>) -> BoxedStrategy<String> {
    prop::collection::vec(key(own), n)
        .prop_flat_map(|mut keys| {
            let mut seen = std::collections::HashSet::new();
            keys.retain(|k| seen.insert(k.clone()));
            keys.into_iter()
                .map(|k| value_for(&k).prop_map(move |v| format!("{k} = {v}\n")))
                .collect::<Vec<_>>()
        })
        .prop_map(|lines| lines.concat())
        .boxed()
}

fn section() -> impl Strategy<Value = (String, String)> {
    (0..SECTIONS.len()).prop_flat_map(|i| {
        let (header, own) = SECTIONS[i];
        (select(NAMES), entries(own, 0..6))
            .prop_map(move |(name, body)| (header.replace("NAME", name), body))
    })
}

fn document() -> impl Strategy<Value = String> {
    (
        entries(TOP, 0..4),
        select(vec![
            "",
            "[streams.s]\nkind = \"kinesis\"\n",
            "[streams.s]\nkind = \"dynamodb-streams\"\nshards = 2\n",
        ]),
        prop::collection::vec(section(), 0..8),
    )
        .prop_map(|(root, stream, sections)| {
            // Root keys must come before the first table; a table may be opened only once.
            let mut text = root + stream;
            let mut opened: Vec<String> = stream.lines().take(1).map(String::from).collect();
            for (header, body) in sections {
                if header.starts_with("[[") || !opened.contains(&header) {
                    text += &format!("{header}\n{body}");
                    opened.push(header);
                }
            }
            text
        })
}

fn load(text: &str) -> Result<(), TestCaseError> {
    match ModelFile::from_text(Path::new("fuzz.toml"), text.to_string()) {
        Ok(_) => Ok(()),
        Err(e) => well_placed(&e, text),
    }
}

const BASE: &str = r#"
duration = "5m"
warmup = "1m"
[streams.s]
kind = "kinesis"
shards = 2
[producers.p]
stream = "s"
rate = 5.0
[consumers.fn]
stream = "s"
function = { duration = "10ms", fanout = [{ name = "d", duration = "5ms" }] }
"#;

/// A dotted path, usually into a table the base model has, sometimes through anything.
fn override_path() -> impl Strategy<Value = String> {
    let prefix = select(vec![
        "",
        "streams.s",
        "streams.s.limits",
        "streams.s.efo",
        "streams.t",
        "producers.p",
        "producers.p.profile",
        "consumers.fn",
        "consumers.fn.function",
        "consumers.fn.function.fanout.0",
        "consumers.fn.function.fanout.3",
        "consumers.fn.throttle_backoff",
        "consumers.new",
    ]);
    let segment = prop_oneof![
        4 => select(all_keys()).prop_map(String::from),
        1 => select(vec!["0", "1", "s", "fn"]).prop_map(String::from),
        1 => "[a-z]{1,4}",
    ];
    (prefix, prop::collection::vec(segment, 1..3)).prop_map(|(p, rest)| {
        let rest = rest.join(".");
        if p.is_empty() {
            rest
        } else {
            format!("{p}.{rest}")
        }
    })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_text_never_panics_the_loader(text in any::<String>()) {
        load(&text)?;
    }

    #[test]
    fn toml_ish_documents_never_panic_the_loader(text in document()) {
        load(&text)?;
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn overrides_never_panic_the_loader(
        sets in prop::collection::vec(
            override_path().prop_flat_map(|p| {
                let last = p.rsplit('.').next().unwrap_or("").to_string();
                (Just(p), value_for(&last))
            }),
            1..4,
        )
    ) {
        let file = ModelFile::from_text(Path::new("base.toml"), BASE.into()).unwrap();
        let overrides: Vec<Override> = sets
            .iter()
            .filter_map(|(p, v)| Override::parse(&format!("{p}={v}")).ok())
            .collect();
        if let Err(e) = file.resolve(&overrides) {
            well_placed(&e, BASE)?;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (b) Small valid models always simulate.

#[derive(Debug, Clone)]
struct StreamG {
    kinesis: bool,
    shards: u32,
    retention: &'static str,
    chunk: bool,
    read_calls: Option<u32>,
}

#[derive(Debug, Clone)]
struct ProducerG {
    stream: usize,
    rate: f64,
    constant: bool,
    lognormal_size: bool,
    keys: u8,
    share: f64,
    profile: u8,
}

#[derive(Debug, Clone)]
struct ConsumerG {
    stream: usize,
    count: u32,
    efo: bool,
    batch_size: u32,
    extra_fetch: Option<u32>,
    window_ms: u32,
    factor: u32,
    small_payload: bool,
    fixed_backoff: bool,
    retries: i32,
    max_age_s: Option<u32>,
    bisect: bool,
    retry_delay_ms: u32,
    duration_ms: u32,
    lognormal: bool,
    per_record_us: u32,
    error: f64,
    timeout_ms: u32,
    poison: Option<(u32, u32)>,
    fanout: Vec<(u32, f64)>,
    provisioned: u32,
}

fn stream_g() -> impl Strategy<Value = StreamG> {
    (
        any::<bool>(),
        1u32..=3,
        select(vec!["90s", "3m", "24h"]),
        prop::bool::weighted(0.2),
        prop::option::weighted(0.3, 1u32..=10),
    )
        .prop_map(|(kinesis, shards, retention, chunk, read_calls)| StreamG {
            kinesis,
            shards,
            retention,
            chunk,
            read_calls,
        })
}

fn producer_g() -> impl Strategy<Value = ProducerG> {
    (
        0usize..2,
        0.1f64..40.0,
        any::<bool>(),
        any::<bool>(),
        0u8..3,
        0.0f64..=1.0,
        0u8..3,
    )
        .prop_map(
            |(stream, rate, constant, lognormal_size, keys, share, profile)| ProducerG {
                stream,
                rate,
                constant,
                lognormal_size,
                keys,
                share,
                profile,
            },
        )
}

fn consumer_g() -> impl Strategy<Value = ConsumerG> {
    let reading = (
        0usize..2,
        1u32..=2,
        any::<bool>(),
        prop_oneof![4 => 1u32..=300, 1 => Just(10_000u32)],
        prop::option::weighted(0.3, 0u32..500),
        prop_oneof![Just(0u32), 1u32..=3000],
        1u32..=10,
        prop::bool::weighted(0.2),
        any::<bool>(),
    );
    let failing = (
        -1i32..=4,
        prop::option::weighted(0.3, 1u32..=600),
        any::<bool>(),
        prop_oneof![Just(0u32), 1u32..=500],
        prop_oneof![Just(0.0f64), 0.0f64..0.3, Just(1.0f64)],
        prop::option::weighted(0.2, (0u32..3, 0u32..600)),
        prop::collection::vec(
            (0u32..100, prop_oneof![Just(0.0f64), 0.0f64..0.2, Just(1.0)]),
            0..=2,
        ),
    );
    let function = (
        prop_oneof![Just(0u32), 1u32..=300],
        any::<bool>(),
        prop_oneof![Just(0u32), 1u32..=2000],
        prop_oneof![Just(60_000u32), 20u32..=3000],
        0u32..=2,
    );
    (reading, failing, function).prop_map(
        |(
            (
                stream,
                count,
                efo,
                batch_size,
                extra_fetch,
                window_ms,
                factor,
                small_payload,
                fixed_backoff,
            ),
            (retries, max_age_s, bisect, retry_delay_ms, error, poison, fanout),
            (duration_ms, lognormal, per_record_us, timeout_ms, provisioned),
        )| ConsumerG {
            stream,
            count,
            efo,
            batch_size,
            extra_fetch,
            window_ms,
            factor,
            small_payload,
            fixed_backoff,
            retries,
            max_age_s,
            bisect,
            retry_delay_ms,
            duration_ms,
            lognormal,
            per_record_us,
            error,
            timeout_ms,
            poison,
            fanout,
            provisioned,
        },
    )
}

/// Writes the model as a TOML file (so that loading is exercised too).
fn render(
    minutes: u32,
    warmup_s: u32,
    seed: u64,
    streams: &[StreamG],
    producers: &[ProducerG],
    consumers: &[ConsumerG],
) -> String {
    let mut t = format!("duration = \"{minutes}m\"\nwarmup = \"{warmup_s}s\"\nseed = {seed}\n");
    for (i, s) in streams.iter().enumerate() {
        let kind = if s.kinesis {
            "kinesis"
        } else {
            "dynamodb-streams"
        };
        t += &format!(
            "[streams.s{i}]\nkind = \"{kind}\"\nshards = {}\nretention = \"{}\"\n",
            s.shards, s.retention
        );
        if s.chunk {
            t += "record_chunk = \"500ms\"\n";
        }
        if let Some(r) = s.read_calls {
            t += &format!("limits = {{ read_calls_per_s = {r} }}\n");
        }
    }
    for (i, p) in producers.iter().enumerate() {
        let si = p.stream % streams.len();
        t += &format!(
            "[producers.p{i}]\nstream = \"s{si}\"\nrate = {}\narrivals = \"{}\"\n",
            toml_float(p.rate),
            if p.constant { "constant" } else { "poisson" }
        );
        if p.lognormal_size {
            t += "record_size = { kind = \"lognormal\", median = \"1KiB\", p99 = \"64KiB\" }\n";
        }
        t += match p.keys {
            0 => String::new(),
            1 => format!(
                "keys = {{ kind = \"hot\", share = {} }}\n",
                toml_float(p.share)
            ),
            _ => "keys = { kind = \"zipf\", keys = 50, exponent = 1.2 }\n".into(),
        }
        .as_str();
        t += match p.profile {
            0 => "",
            1 => "profile = { kind = \"on-off\", on = { kind = \"exponential\", mean = \"20s\" }, off = \"40s\", high = 4.0, low = 0.5 }\n",
            _ => "profile = { kind = \"periodic\", period = \"2m\", multipliers = [0.0, 1.0, 3.0] }\n",
        };
    }
    for (i, c) in consumers.iter().enumerate() {
        let si = c.stream % streams.len();
        let s = &streams[si];
        t += &format!(
            "[consumers.c{i}]\nstream = \"s{si}\"\ncount = {}\nbatch_size = {}\nbatching_window = \"{}ms\"\nparallelization_factor = {}\nmax_retry_attempts = {}\nbisect_on_error = {}\n",
            c.count, c.batch_size, c.window_ms, c.factor, c.retries, c.bisect
        );
        if c.efo && s.kinesis {
            t += "read = \"efo\"\n";
        }
        if let Some(extra) = c.extra_fetch {
            t += &format!("fetch_records = {}\n", c.batch_size + extra);
        }
        if c.small_payload {
            t += "payload_cap = \"16KiB\"\n";
        }
        if c.fixed_backoff {
            t += "throttle_backoff = { kind = \"fixed\", delay = \"300ms\" }\n";
        }
        if let Some(age) = c.max_age_s {
            t += &format!("max_record_age = \"{age}s\"\n");
        }
        // A function that certainly fails and takes no time needs a delay between retries, or the
        // model is refused (it would never advance).
        let certain_failure =
            c.error >= 1.0 || c.poison.is_some() || c.fanout.iter().any(|(_, e)| *e >= 1.0);
        let retry_delay = if c.duration_ms == 0 && certain_failure {
            c.retry_delay_ms.max(1)
        } else {
            c.retry_delay_ms
        };
        t += &format!("retry_delay = \"{retry_delay}ms\"\n");
        t += &format!("[consumers.c{i}.function]\n");
        if c.lognormal && c.duration_ms > 0 {
            t += &format!(
                "duration = {{ kind = \"lognormal\", median = \"{}ms\", p99 = \"{}ms\" }}\n",
                c.duration_ms,
                c.duration_ms * 5
            );
        } else {
            t += &format!("duration = \"{}ms\"\n", c.duration_ms);
        }
        t += &format!(
            "per_record = \"{}us\"\nerror_probability = {}\ntimeout = \"{}ms\"\nprovisioned_concurrency = {}\n",
            c.per_record_us,
            toml_float(c.error),
            c.timeout_ms,
            c.provisioned
        );
        if let Some((shard, at)) = c.poison {
            t += &format!(
                "poison = [{{ shard = {}, at = \"{}s\" }}]\n",
                shard % s.shards,
                at % (minutes * 60)
            );
        }
        if !c.fanout.is_empty() {
            let calls: Vec<String> = c
                .fanout
                .iter()
                .enumerate()
                .map(|(j, (ms, e))| {
                    format!(
                        "{{ name = \"d{j}\", duration = \"{ms}ms\", error_probability = {} }}",
                        toml_float(*e)
                    )
                })
                .collect();
            t += &format!("fanout = [{}]\n", calls.join(", "));
        }
    }
    t
}

fn model() -> impl Strategy<Value = String> {
    (
        2u32..=10,
        0u32..=60,
        any::<u32>(),
        prop::collection::vec(stream_g(), 1..=2),
        prop::collection::vec(producer_g(), 0..=2),
        prop::collection::vec(consumer_g(), 1..=4),
    )
        .prop_map(|(minutes, warmup_s, seed, s, p, c)| {
            render(minutes, warmup_s, u64::from(seed), &s, &p, &c)
        })
}

/// Simulates on another thread, so that a run that never ends fails the case (with the model in
/// the message) instead of hanging the suite.
fn simulate_within(spec: sim::model::ModelSpec, limit: Duration) -> Result<(), String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let outcome = sim::model::simulate(&spec).map(|_| ());
        let _ = tx.send(outcome.map_err(|e| format!("{e:?}")));
    });
    match rx.recv_timeout(limit) {
        Ok(outcome) => outcome,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!("still running after {limit:?}")),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err("panicked".into()),
    }
}

proptest! {
    #![proptest_config(Config { max_shrink_iters: 8, ..config(24) })]

    #[test]
    fn small_valid_models_simulate_and_conserve_records(text in model()) {
        let file = ModelFile::from_text(Path::new("gen.toml"), text.clone())
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let spec = file.resolve(&[]).unwrap();
        if let Err(why) = simulate_within(spec, Duration::from_secs(20)) {
            eprintln!("failing model ({why}):\n{text}");
            return Err(TestCaseError::fail(format!("{why}\n{text}")));
        }
    }
}
