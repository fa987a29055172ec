//! `sim assumptions`: the catalogue, or one model's assumed parameters, as a table that fits 100
//! columns, as JSON, or as the Markdown table in docs/model.md.

use super::catalogue::{Bound, Catalogue, Entry};
use super::expand::{Current, Param};
use super::value::{Range, Scale, Unit};
use serde_json::{json, Value as Json};

const WIDTH: usize = 100;
const INDENT: &str = "    ";

fn scale_name(unit: Unit, scale: Scale) -> &'static str {
    match (unit, scale) {
        (Unit::Choice, _) => "",
        (_, Scale::Linear) => "lin",
        (_, Scale::Log) => "log",
    }
}

fn choices(values: &[toml::Value]) -> String {
    let shown: Vec<String> = values
        .iter()
        .map(|v| v.as_str().map_or(v.to_string(), str::to_string))
        .collect();
    shown.join("|")
}

/// A parameter's plausible range in words: `low to high`, or for a choice the values it takes,
/// `one of a, b`.
pub fn range_text(range: &super::value::Range) -> String {
    match range.unit {
        Unit::Choice => format!("one of {}", choices(&range.values).replace('|', ", ")),
        _ => format!("{} to {}", range.low.display(), range.high.display()),
    }
}

/// The low and high cells; a choice lists its values across both.
fn range_cells(unit: Unit, low: String, high: String, values: &[toml::Value], w: usize) -> String {
    if unit == Unit::Choice {
        format!("{:<width$}", choices(values), width = 2 * w + 2)
    } else {
        format!("{low:<w$}  {high:<w$}")
    }
}

/// Splits `text` into lines of at most `width` characters, at spaces.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("never empty");
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(word.to_string());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

fn indented(text: &str) -> String {
    wrap(text, WIDTH - INDENT.len())
        .into_iter()
        .map(|l| format!("{INDENT}{l}\n"))
        .collect()
}

/// The catalogue as a table: one line of figures per assumption, then its reason and source.
pub fn catalogue_table(cat: &Catalogue) -> String {
    let mut out = format!(
        "{:<39}  {:<11}  {:<11}  {:<11}  {:<11}  SCALE\n",
        "KEY", "DEFAULT", "LOW", "HIGH", "UNIT"
    );
    for e in &cat.entries {
        let cells = range_cells(e.unit, e.low.display(), e.high.display(), &e.values, 11);
        let row = format!(
            "{:<39}  {:<11}  {cells}  {:<11}  {}",
            e.key,
            e.default.display(),
            e.unit.name(),
            scale_name(e.unit, e.scale)
        );
        out += row.trim_end();
        out += "\n";
        out += &indented(&format!("For {}. {}", e.applies.describe(), e.why));
        out += &format!("{INDENT}{}\n", e.source);
    }
    out += "\n";
    let footer = format!(
        "{} assumptions. Bounds such as max/call (the most one GetRecords call may return) or \
         rollover/16 come from the model itself; `sim assumptions MODEL` shows one model's values.",
        cat.entries.len()
    );
    for line in wrap(&footer, WIDTH) {
        out += &line;
        out += "\n";
    }
    out
}

fn bound_json(b: &Bound) -> Json {
    match b {
        Bound::Fixed(v) => json!(v.display()),
        Bound::Ref { .. } => json!({ "model": b.display() }),
    }
}

fn entry_json(e: &Entry) -> Json {
    let mut j = json!({
        "key": e.key,
        "applies": e.applies.name(),
        "applies_to": e.applies.describe(),
        "unit": e.unit.name(),
        "default": bound_json(&e.default),
        "why": e.why,
        "source": e.source,
        "derivation": e.derivation,
        "evidence": e.evidence.iter().map(|v| json!({
            "url": v.url,
            "kind": v.kind.name(),
            "says": v.says,
        })).collect::<Vec<_>>(),
    });
    if e.unit == Unit::Choice {
        j["values"] = json!(e.values.iter().map(|v| v.to_string()).collect::<Vec<_>>());
    } else {
        j["low"] = bound_json(&e.low);
        j["high"] = bound_json(&e.high);
        j["scale"] = json!(scale_name(e.unit, e.scale));
    }
    j
}

/// The catalogue as one JSON object.
pub fn catalogue_json(cat: &Catalogue) -> Json {
    json!({ "assumptions": cat.entries.iter().map(entry_json).collect::<Vec<_>>() })
}

/// The catalogue as the Markdown of docs/model.md §19: the table, then each entry's derivation
/// and evidence.
pub fn catalogue_markdown(cat: &Catalogue) -> String {
    let mut out = String::from(
        "| Key | For | Default | Low | High | Scale | Why | Source |\n|---|---|---|---|---|---|---|---|\n",
    );
    for e in &cat.entries {
        let (low, high) = if e.unit == Unit::Choice {
            (choices(&e.values).replace('|', ", "), String::new())
        } else {
            (e.low.display(), e.high.display())
        };
        out += &format!(
            "| `{}` | {} | {} | {low} | {high} | {} | {} | <{}> |\n",
            e.key,
            e.applies.describe(),
            e.default.display(),
            scale_name(e.unit, e.scale),
            e.why,
            e.source
        );
    }
    out += "\n**Evidence and derivation.** For each entry: how its low, default and high follow from \
            the evidence, then each source with its kind (documentation: AWS's own pages; \
            measurement: published figures or logs; anecdote: a report without figures; fit: \
            nothing but a fit of `sim` to a published observation) and what it says, in our words.\n\n";
    for e in &cat.entries {
        out += &format!(
            "- `{}` ({}): {}\n",
            e.key,
            e.applies.describe(),
            e.derivation
        );
        for v in &e.evidence {
            out += &format!("  - {}, <{}>: {}\n", v.kind.name(), v.url, v.says);
        }
    }
    out
}

fn current_cell(c: &Current) -> String {
    match c {
        Current::Other(_) => "(other)".into(),
        _ => c.display(),
    }
}

fn range_of(r: &Range) -> (String, String) {
    (r.low.display(), r.high.display())
}

/// One model's assumed parameters with their current values.
pub fn model_table(name: &str, params: &[Param]) -> String {
    let mut out = format!(
        "{} assumed parameters in {name}\n{:<46}  {:<10}  {:<8}  {:<10}  {:<10}  SCALE\n",
        params.len(),
        "KEY",
        "CURRENT",
        "SET BY",
        "LOW",
        "HIGH"
    );
    for p in params {
        out += &model_row(p);
    }
    out += "\n`sim assumptions` explains each range; vary one with --set KEY=VALUE.\n";
    out
}

/// One parameter's line (a long key gets a line of its own), and a note when the model sets
/// its table in another form.
fn model_row(p: &Param) -> String {
    const KEY: usize = 46;
    let (low, high) = range_of(&p.range);
    let cells = range_cells(p.range.unit, low, high, &p.range.values, 10);
    let set_by = match p.current {
        Current::Default(_) => "default",
        Current::Model(_) | Current::Other(_) => "model",
    };
    let mut out = String::new();
    let key = if p.key.len() > KEY {
        out += &format!("{}\n", p.key);
        ""
    } else {
        &p.key
    };
    let row = format!(
        "{key:<KEY$}  {:<10}  {set_by:<8}  {cells}  {}",
        current_cell(&p.current),
        scale_name(p.range.unit, p.range.scale)
    );
    out += row.trim_end();
    out += "\n";
    if let Current::Other(text) = &p.current {
        out += &indented(&format!(
            "The model sets {text}; a design writes the whole table in the assumed form."
        ));
    }
    out
}

/// One model's assumed parameters as one JSON object.
pub fn model_json(name: &str, cat: &Catalogue, params: &[Param]) -> Json {
    let rows: Vec<Json> = params
        .iter()
        .map(|p| {
            let (low, high) = range_of(&p.range);
            let mut j = json!({
                "key": p.key,
                "pattern": cat.entries[p.entry].key,
                "current": p.current.display(),
                "set_by": p.current.origin(),
                "unit": p.range.unit.name(),
            });
            if p.range.unit == Unit::Choice {
                j["values"] = json!(choices(&p.range.values).split('|').collect::<Vec<_>>());
            } else {
                j["low"] = json!(low);
                j["high"] = json!(high);
                j["scale"] = json!(scale_name(p.range.unit, p.range.scale));
            }
            j
        })
        .collect();
    json!({ "model": name, "parameters": rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_within_the_width() {
        let lines = wrap("one two three four five", 9);
        assert_eq!(lines, ["one two", "three", "four five"]);
    }

    #[test]
    fn the_catalogue_table_fits_100_columns() {
        let t = catalogue_table(Catalogue::load());
        for line in t.lines() {
            assert!(
                line.chars().count() <= WIDTH,
                "{} chars: {line}",
                line.chars().count()
            );
        }
        assert!(t.contains("consumers.*.throttle_backoff.max"));
    }
}
