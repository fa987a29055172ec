//! What changes between two versions of a model, in words a reviewer reads: subscribers,
//! producers and streams added, removed or changed by name (each on its stream), and the other
//! settings that differ, e.g. "adds subscriber `audit` (3 functions) to `table`" or "changes
//! subscriber `fn` on `table`: count 2 -> 6". Compared as written (before defaults), so a
//! change is said in the keys the user edited.

use toml::{Table, Value};

/// The sections whose entries are named things, with the word for one of them.
const NAMED: [(&str, &str); 3] = [
    ("streams", "stream"),
    ("producers", "producer"),
    ("consumers", "subscriber"),
];

/// Keys that say nothing about the architecture.
const IGNORED: [&str; 3] = ["name", "description", "plan"];

/// At most this many settings are listed in one sentence; the rest are counted.
const MAX_LISTED: usize = 6;

/// The changes from the model text `base` to `change`, one sentence each (none when they are the
/// same architecture). Text that is not TOML has no changes to tell (it never gets this far).
pub fn changes(base: &str, change: &str) -> Vec<String> {
    let (Ok(old), Ok(new)) = (base.parse::<Table>(), change.parse::<Table>()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (section, word) in NAMED {
        let empty = Table::new();
        let o = old.get(section).and_then(Value::as_table).unwrap_or(&empty);
        let n = new.get(section).and_then(Value::as_table).unwrap_or(&empty);
        // Entries added alike (same kind of entry, same count and stream) are told together.
        let mut adds: Vec<(String, Vec<String>)> = Vec::new();
        for (name, v) in n.iter().filter(|(k, _)| !o.contains_key(*k)) {
            let tail = added(section, v);
            match adds.iter_mut().find(|(t, _)| *t == tail) {
                Some((_, names)) => names.push(code(name)),
                None => adds.push((tail, vec![code(name)])),
            }
        }
        for (tail, names) in adds {
            out.push(match names.as_slice() {
                [one] => format!("adds {word} {one}{tail}"),
                [init @ .., last] => format!("adds {word}s {} and {last}{tail}", init.join(", ")),
                [] => continue,
            });
        }
        for (name, v) in n {
            match o.get(name) {
                None => {}
                Some(ov) if ov != v => out.push(changed(word, name, ov, v)),
                Some(_) => {}
            }
        }
        for (name, v) in o.iter().filter(|(k, _)| !n.contains_key(*k)) {
            out.push(format!(
                "removes {word} {}{}",
                code(name),
                on_stream(v, "from")
            ));
        }
    }
    let mut settings = Vec::new();
    let keys = |t: &Table| -> Vec<String> {
        t.keys()
            .filter(|k| !IGNORED.contains(&k.as_str()) && !NAMED.iter().any(|(s, _)| s == k))
            .cloned()
            .collect()
    };
    let mut all = keys(&old);
    all.extend(keys(&new).into_iter().filter(|k| !old.contains_key(k)));
    for k in all {
        diff_value(&k, old.get(&k), new.get(&k), &mut settings);
    }
    if !settings.is_empty() {
        out.push(format!("changes {}", listed(&settings)));
    }
    out
}

/// What an added entry is: a subscriber's count and stream, a stream's kind and shards.
fn added(section: &str, v: &Value) -> String {
    let get = |k: &str| v.get(k);
    match section {
        "consumers" => {
            let count = get("count").and_then(Value::as_integer).unwrap_or(1);
            let many = match count {
                1 => String::new(),
                n => format!(" ({n} functions)"),
            };
            format!("{many}{}", on_stream(v, "to"))
        }
        "producers" => on_stream(v, "to"),
        _ => {
            let kind = get("kind").and_then(Value::as_str).unwrap_or("kinesis");
            match get("shards").and_then(Value::as_integer) {
                Some(n) => format!(" ({kind}, {n} shard{})", if n == 1 { "" } else { "s" }),
                None => format!(" ({kind})"),
            }
        }
    }
}

/// ` to `stream`` for an entry that names its stream, else nothing.
fn on_stream(v: &Value, word: &str) -> String {
    v.get("stream")
        .and_then(Value::as_str)
        .map_or(String::new(), |s| format!(" {word} {}", code(s)))
}

fn changed(word: &str, name: &str, old: &Value, new: &Value) -> String {
    let mut settings = Vec::new();
    diff_value("", Some(old), Some(new), &mut settings);
    let (os, ns) = (old.get("stream"), new.get("stream"));
    let place = match (os.and_then(Value::as_str), ns.and_then(Value::as_str)) {
        (Some(a), Some(b)) if a != b => format!(" (moved from {} to {})", code(a), code(b)),
        (_, Some(b)) => format!(" on {}", code(b)),
        _ => String::new(),
    };
    settings.retain(|s| !s.starts_with("stream "));
    let name = code(name);
    match settings.is_empty() {
        true => format!("changes {word} {name}{place}"),
        false => format!("changes {word} {name}{place}: {}", listed(&settings)),
    }
}

/// A name as inline code; a backtick in it (a quoted TOML key may hold one) would end the code
/// span in Markdown, so it becomes a quote.
fn code(name: &str) -> String {
    format!("`{}`", name.replace('`', "'").replace('\n', " "))
}

/// Up to [`MAX_LISTED`] settings, then how many more.
fn listed(settings: &[String]) -> String {
    let mut text = settings
        .iter()
        .take(MAX_LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if settings.len() > MAX_LISTED {
        text += &format!(" and {} more", settings.len() - MAX_LISTED);
    }
    text
}

/// Each leaf that differs under `key`, as `key old -> new` (`(unset)` for a missing side).
fn diff_value(key: &str, old: Option<&Value>, new: Option<&Value>, out: &mut Vec<String>) {
    match (old, new) {
        (Some(Value::Table(o)), Some(Value::Table(n))) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.extend(n.keys().filter(|k| !o.contains_key(*k)));
            for k in keys {
                let sub = if key.is_empty() {
                    k.clone()
                } else {
                    format!("{key}.{k}")
                };
                diff_value(&sub, o.get(k), n.get(k), out);
            }
        }
        (o, n) if o != n => {
            let show = |v: Option<&Value>| v.map_or("(unset)".to_string(), Value::to_string);
            out.push(format!("{key} {} -> {}", show(o), show(n)));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
name = "a"
duration = "30m"
[streams.table]
kind = "dynamodb-streams"
shards = 1
[producers.writes]
stream = "table"
rate = 20.0
[consumers.fn]
stream = "table"
count = 2
function = { timeout = "30s" }
[consumers.old]
stream = "table"
"#;

    #[test]
    fn subscribers_are_told_added_removed_and_changed_on_their_stream() {
        let change = BASE
            .replace("count = 2", "count = 6\nbatch_size = 500")
            .replace("30s", "60s")
            .replace("[consumers.old]\nstream = \"table\"\n", "")
            + "[consumers.audit]\nstream = \"table\"\ncount = 3\n";
        let c = changes(BASE, &change);
        assert_eq!(
            c,
            [
                "adds subscriber `audit` (3 functions) to `table`",
                "changes subscriber `fn` on `table`: count 2 -> 6, function.timeout \"30s\" -> \"60s\", batch_size (unset) -> 500",
                "removes subscriber `old` from `table`",
            ]
        );
    }

    #[test]
    fn streams_and_top_level_settings_are_told_and_names_are_not() {
        let change = BASE
            .replace("shards = 1", "shards = 2")
            .replace("name = \"a\"", "name = \"b\"")
            .replace("\"30m\"", "\"1h\"");
        assert_eq!(
            changes(BASE, &change),
            [
                "changes stream `table`: shards 1 -> 2",
                "changes duration \"30m\" -> \"1h\""
            ]
        );
        assert!(changes(BASE, BASE).is_empty());
    }
}
