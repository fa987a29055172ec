//! The assumption catalogue (`assumptions.toml`, embedded): each undocumented parameter's key
//! pattern, default, plausible range, unit, reason and source, checked when it is read.

use super::value::{Range, Scale, Unit, Value};
use super::AssumptionError;
use serde::Deserialize;
use std::sync::OnceLock;

/// The catalogue shipped with `sim`, embedded so that the binary stands alone.
pub(crate) const TEXT: &str = include_str!("../../assumptions.toml");

/// Which instances of a key pattern an assumption concerns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applies {
    KinesisSharedStream,
    DynamodbStreams,
    SharedStream,
    EfoStream,
    Rollover,
    Lineage,
    OnDemand,
    Consumer,
    SharedReader,
    KinesisReader,
    DynamodbReader,
    Router,
    DynamodbTable,
    Account,
    Deploy,
}

/// Every `applies` value: its name, the table it belongs to, and what it means.
const APPLIES: [(Applies, &str, &str, &str); 15] = [
    (
        Applies::KinesisSharedStream,
        "kinesis-shared-stream",
        "streams",
        "Kinesis streams with standard readers",
    ),
    (
        Applies::DynamodbStreams,
        "dynamodb-streams",
        "streams",
        "DynamoDB streams",
    ),
    (
        Applies::SharedStream,
        "shared-stream",
        "streams",
        "streams with standard readers",
    ),
    (
        Applies::EfoStream,
        "efo-stream",
        "streams",
        "streams with EFO readers",
    ),
    (
        Applies::Rollover,
        "rollover",
        "streams",
        "streams with rollover",
    ),
    (
        Applies::Lineage,
        "lineage",
        "streams",
        "streams with rollover or on-demand",
    ),
    (
        Applies::OnDemand,
        "on-demand",
        "streams",
        "on-demand streams",
    ),
    (Applies::Consumer, "consumer", "consumers", "every consumer"),
    (
        Applies::SharedReader,
        "shared-reader",
        "consumers",
        "standard readers",
    ),
    (
        Applies::KinesisReader,
        "kinesis-reader",
        "consumers",
        "standard Kinesis readers",
    ),
    (
        Applies::DynamodbReader,
        "dynamodb-reader",
        "consumers",
        "DynamoDB readers",
    ),
    (Applies::Router, "router", "consumers", "routers"),
    (
        Applies::DynamodbTable,
        "dynamodb-table",
        "producers",
        "producers with source = \"dynamodb-table\"",
    ),
    (Applies::Account, "account", "account", "the account"),
    (
        Applies::Deploy,
        "deploy",
        "control_plane",
        "models that simulate deployment",
    ),
];

impl Applies {
    fn row(self) -> &'static (Applies, &'static str, &'static str, &'static str) {
        APPLIES
            .iter()
            .find(|r| r.0 == self)
            .expect("every variant has a row")
    }

    pub fn parse(text: &str) -> Result<Applies, AssumptionError> {
        APPLIES
            .iter()
            .find(|r| r.1 == text)
            .map(|r| r.0)
            .ok_or_else(|| {
                let names: Vec<&str> = APPLIES.iter().map(|r| r.1).collect();
                AssumptionError::UnknownApplies {
                    found: text.to_string(),
                    expected: names.join(", "),
                }
            })
    }

    pub fn name(self) -> &'static str {
        self.row().1
    }

    /// The model table whose entries the pattern ranges over.
    pub fn section(self) -> &'static str {
        self.row().2
    }

    /// What the instances are, in words.
    pub fn describe(self) -> &'static str {
        self.row().3
    }
}

/// A value taken from the model itself, for bounds that depend on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefName {
    /// The consumer's `batch_size`.
    BatchSize,
    /// The most one call on the consumer's stream may return (at least `batch_size`).
    MaxRecordsPerCall,
    /// The stream's rollover period.
    Rollover,
}

/// A default or a range end: a fixed value, or a model value divided by `divide`.
#[derive(Clone, Debug, PartialEq)]
pub enum Bound {
    Fixed(Value),
    Ref { name: RefName, divide: u64 },
}

impl Bound {
    /// `250ms`, or `rollover/16`.
    pub fn display(&self) -> String {
        match self {
            Bound::Fixed(v) => v.display(),
            Bound::Ref { name, divide } => {
                let n = match name {
                    RefName::BatchSize => "batch_size",
                    RefName::MaxRecordsPerCall => "max/call",
                    RefName::Rollover => "rollover",
                };
                if *divide == 1 {
                    n.to_string()
                } else {
                    format!("{n}/{divide}")
                }
            }
        }
    }
}

/// One assumed parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Key pattern, e.g. `consumers.*.throttle_backoff.max`.
    pub key: String,
    pub applies: Applies,
    pub unit: Unit,
    pub default: Bound,
    pub low: Bound,
    pub high: Bound,
    pub scale: Scale,
    /// The values of a choice.
    pub values: Vec<toml::Value>,
    pub why: String,
    pub source: String,
    /// How the low, default and high follow from the evidence (empty while not yet written).
    pub derivation: String,
    /// The public sources the range rests on.
    pub evidence: Vec<Evidence>,
}

/// What kind of source a piece of evidence is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EvidenceKind {
    /// AWS's own documentation.
    Documentation,
    /// A published measurement (a benchmark, logs, a post with figures).
    Measurement,
    /// A report without figures or method.
    Anecdote,
    /// Nothing but a fit of `sim` to a published observation.
    Fit,
}

impl EvidenceKind {
    /// The name used in the catalogue and in `sim assumptions --json`.
    pub fn name(self) -> &'static str {
        match self {
            EvidenceKind::Documentation => "documentation",
            EvidenceKind::Measurement => "measurement",
            EvidenceKind::Anecdote => "anecdote",
            EvidenceKind::Fit => "fit",
        }
    }
}

/// One public source behind an assumption's range.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// The public page.
    pub url: String,
    pub kind: EvidenceKind,
    /// What the source says, in the catalogue's own words.
    pub says: String,
}

/// A table written whole when the model does not set it (a backoff policy, a distribution).
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// Key pattern of the table, e.g. `consumers.*.throttle_backoff`.
    pub key: String,
    /// The table `sim` assumes.
    pub base: toml::Table,
    /// Whether `base` is written exactly as `sim`'s default (not merely equivalent to it).
    pub exact: bool,
}

/// The whole catalogue.
#[derive(Clone, Debug, PartialEq)]
pub struct Catalogue {
    pub entries: Vec<Entry>,
    pub groups: Vec<Group>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    #[serde(default)]
    group: Vec<RawGroup>,
    assumption: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    key: String,
    base: toml::Table,
    exact: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    key: String,
    applies: String,
    unit: String,
    default: toml::Value,
    low: Option<toml::Value>,
    high: Option<toml::Value>,
    scale: Option<String>,
    values: Option<Vec<toml::Value>>,
    why: String,
    source: String,
    derivation: Option<String>,
    #[serde(default)]
    evidence: Vec<Evidence>,
}

impl Catalogue {
    /// The embedded catalogue. It is checked by the unit tests, so reading it cannot fail.
    pub fn load() -> &'static Catalogue {
        static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
        CATALOGUE
            .get_or_init(|| Catalogue::parse(TEXT).expect("assumptions.toml is checked by tests"))
    }

    /// Reads and checks a catalogue; errors name the assumption's key.
    pub fn parse(text: &str) -> Result<Catalogue, AssumptionError> {
        let raw: RawCatalogue = toml::from_str(text).map_err(AssumptionError::Toml)?;
        let groups: Vec<Group> = raw
            .group
            .into_iter()
            .map(|g| Group {
                key: g.key,
                base: g.base,
                exact: g.exact.unwrap_or(true),
            })
            .collect();
        let mut entries = Vec::new();
        for r in raw.assumption {
            let key = r.key.clone();
            let e = entry(r, &groups).map_err(|why| AssumptionError::Entry {
                key: key.clone(),
                why: Box::new(why),
            })?;
            if entries
                .iter()
                .any(|x: &Entry| x.key == e.key && x.applies == e.applies)
            {
                return Err(AssumptionError::Twice {
                    key,
                    applies: e.applies.name(),
                });
            }
            entries.push(e);
        }
        Ok(Catalogue { entries, groups })
    }

    /// The group an entry's key lies in, and the entry's field within it.
    pub fn group_of<'a>(&'a self, key: &'a str) -> Option<(&'a Group, &'a str)> {
        group_of(&self.groups, key)
    }

    /// Checks that each prefix selects at least one entry, naming the first that selects none.
    pub fn check_select(&self, prefixes: &[String]) -> Result<(), AssumptionError> {
        match prefixes
            .iter()
            .find(|p| !self.entries.iter().any(|e| e.key.starts_with(p.as_str())))
        {
            Some(p) => Err(AssumptionError::SelectsNone(p.clone())),
            None => Ok(()),
        }
    }

    /// The entries, optionally only those whose pattern starts with one of `prefixes`.
    pub fn select(&self, prefixes: &[String]) -> Vec<usize> {
        (0..self.entries.len())
            .filter(|&i| {
                prefixes.is_empty()
                    || prefixes
                        .iter()
                        .any(|p| self.entries[i].key.starts_with(p.as_str()))
            })
            .collect()
    }
}

fn group_of<'a>(groups: &'a [Group], key: &'a str) -> Option<(&'a Group, &'a str)> {
    groups.iter().find_map(|g| {
        let field = key.strip_prefix(g.key.as_str())?.strip_prefix('.')?;
        Some((g, field))
    })
}

fn entry(r: RawEntry, groups: &[Group]) -> Result<Entry, AssumptionError> {
    let applies = Applies::parse(&r.applies)?;
    check_pattern(&r.key, applies)?;
    let unit = Unit::parse(&r.unit)?;
    let scale = match r.scale.as_deref() {
        None | Some("linear") => Scale::Linear,
        Some("log") => Scale::Log,
        Some(other) => return Err(AssumptionError::UnknownScale(other.to_string())),
    };
    let values = r.values.unwrap_or_default();
    if (unit == Unit::Choice) == values.is_empty() {
        return Err(AssumptionError::ChoiceValues);
    }
    let bound = |v: Option<&toml::Value>, what: &'static str| match v {
        Some(v) => parse_bound(unit, v, &values).map_err(|why| AssumptionError::Bound {
            what,
            why: Box::new(why),
        }),
        None if unit == Unit::Choice => Ok(Bound::Fixed(Value::Int(0))),
        None => Err(AssumptionError::Missing(what)),
    };
    let e = Entry {
        default: bound(Some(&r.default), "default")?,
        low: bound(r.low.as_ref(), "low")?,
        high: bound(r.high.as_ref(), "high")?,
        key: r.key,
        applies,
        unit,
        scale,
        values,
        why: r.why,
        source: r.source,
        derivation: r.derivation.unwrap_or_default(),
        evidence: r.evidence,
    };
    check_range(&e)?;
    check_group(&e, groups)?;
    Ok(e)
}

fn parse_bound(
    unit: Unit,
    v: &toml::Value,
    values: &[toml::Value],
) -> Result<Bound, AssumptionError> {
    let Some(t) = v.as_table().filter(|t| t.contains_key("ref")) else {
        return Value::from_toml(unit, v, values).map(Bound::Fixed);
    };
    let name = match t.get("ref").and_then(|r| r.as_str()) {
        Some("batch_size") => RefName::BatchSize,
        Some("max_records_per_call") => RefName::MaxRecordsPerCall,
        Some("rollover") => RefName::Rollover,
        _ => return Err(AssumptionError::BadRef),
    };
    let divide = match t.get("divide") {
        None => 1,
        Some(toml::Value::Integer(d)) if *d >= 1 => *d as u64,
        Some(_) => return Err(AssumptionError::BadDivide),
    };
    Ok(Bound::Ref { name, divide })
}

/// `streams.*.…`, `consumers.*.…`, `producers.*.…` or a fixed path under `account` or
/// `control_plane`, in the table `applies` belongs to.
fn check_pattern(key: &str, applies: Applies) -> Result<(), AssumptionError> {
    let parts: Vec<&str> = key.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(AssumptionError::NotDotted);
    }
    if parts[0] != applies.section() {
        return Err(AssumptionError::WrongSection {
            applies: applies.name(),
            section: applies.section(),
            found: parts[0].to_string(),
        });
    }
    let named = matches!(parts[0], "streams" | "consumers" | "producers");
    let stars = parts.iter().filter(|p| **p == "*").count();
    match (named, stars) {
        (true, 1) if parts[1] == "*" && parts.len() >= 3 => Ok(()),
        (false, 0) if parts.len() >= 2 => Ok(()),
        _ => Err(AssumptionError::Stars),
    }
}

/// Fixed bounds must hold the default; a log scale needs a positive low end.
fn check_range(e: &Entry) -> Result<(), AssumptionError> {
    if e.unit == Unit::Choice {
        return Ok(());
    }
    let fixed = |b: &Bound| match b {
        Bound::Fixed(v) => Some(v.as_f64()),
        Bound::Ref { .. } => None,
    };
    let (lo, def, hi) = (fixed(&e.low), fixed(&e.default), fixed(&e.high));
    if let (Some(lo), Some(hi)) = (lo, hi) {
        if lo > hi {
            return Err(AssumptionError::LowAboveHigh);
        }
        if def.is_some_and(|d| d < lo || d > hi) {
            return Err(AssumptionError::DefaultOutside);
        }
    }
    if e.scale == Scale::Log && lo.is_some_and(|l| l <= 0.0) {
        return Err(AssumptionError::LogLowEnd);
    }
    Ok(())
}

/// An entry inside a group names one of the base table's fields, and its default is that field.
fn check_group(e: &Entry, groups: &[Group]) -> Result<(), AssumptionError> {
    let Some((g, field)) = group_of(groups, &e.key) else {
        return Ok(());
    };
    let base = g
        .base
        .get(field)
        .ok_or_else(|| AssumptionError::NoGroupField {
            group: g.key.clone(),
            field: field.to_string(),
        })?;
    let base = Value::from_toml(e.unit, base, &e.values)?;
    match &e.default {
        Bound::Fixed(d) if *d == base => Ok(()),
        _ => Err(AssumptionError::GroupDefault {
            field: field.to_string(),
            base: base.display(),
        }),
    }
}

impl Entry {
    /// The range with fixed ends, or None when an end depends on the model.
    pub fn fixed_range(&self) -> Option<Range> {
        match (&self.low, &self.high) {
            (Bound::Fixed(low), Bound::Fixed(high)) => Some(Range {
                unit: self.unit,
                low: low.clone(),
                high: high.clone(),
                scale: self.scale,
                values: self.values.clone(),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalogue_reads_and_every_entry_explains_itself() {
        let c = Catalogue::parse(TEXT).unwrap();
        assert!(c.entries.len() >= 20, "{}", c.entries.len());
        for e in &c.entries {
            assert!(!e.why.is_empty() && !e.why.contains('\n'), "{}", e.key);
            assert!(e.source.starts_with("https://"), "{}: {}", e.key, e.source);
        }
        assert!(std::ptr::eq(Catalogue::load(), Catalogue::load()));
    }

    #[test]
    fn every_group_is_used() {
        let c = Catalogue::load();
        for g in &c.groups {
            assert!(
                c.entries
                    .iter()
                    .any(|e| c.group_of(&e.key).is_some_and(|(x, _)| x == g)),
                "{}",
                g.key
            );
        }
    }

    #[test]
    fn a_selection_that_names_nothing_is_refused() {
        let c = Catalogue::load();
        assert!(c
            .check_select(&["consumers.*.throttle_backoff".into()])
            .is_ok());
        let err = c
            .check_select(&["consumers.*.nonsense".into()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("consumers.*.nonsense"), "{err}");
    }

    fn one(entry: &str) -> Result<Catalogue, AssumptionError> {
        Catalogue::parse(&format!(
            "[[assumption]]\n{entry}\nwhy = \"w\"\nsource = \"https://x\"\n"
        ))
    }

    #[test]
    fn bad_entries_are_refused_with_their_key() {
        let cases = [
            ("key = \"streams.*.renewal\"\napplies = \"router\"\nunit = \"duration\"\ndefault = \"1s\"\nlow = \"0s\"\nhigh = \"2s\"", "concerns consumers"),
            ("key = \"consumers.fn.x\"\napplies = \"router\"\nunit = \"duration\"\ndefault = \"1s\"\nlow = \"0s\"\nhigh = \"2s\"", "use `*`"),
            ("key = \"consumers.*.x\"\napplies = \"router\"\nunit = \"duration\"\ndefault = \"3s\"\nlow = \"0s\"\nhigh = \"2s\"", "outside"),
            ("key = \"consumers.*.x\"\napplies = \"router\"\nunit = \"duration\"\ndefault = \"1s\"\nlow = \"0s\"\nhigh = \"2s\"\nscale = \"log\"", "log scale"),
            ("key = \"consumers.*.x\"\napplies = \"router\"\nunit = \"furlongs\"\ndefault = 1\nlow = 0\nhigh = 2", "unknown unit"),
            ("key = \"consumers.*.x\"\napplies = \"router\"\nunit = \"choice\"\ndefault = 1\nvalues = [2, 3]", "not one of"),
        ];
        for (text, want) in cases {
            let err = one(text).unwrap_err().to_string();
            assert!(err.contains(want) && err.contains("assumption `"), "{err}");
        }
    }

    #[test]
    fn evidence_is_read_with_its_kind_and_an_unknown_kind_is_refused() {
        let entry = "key = \"consumers.*.x\"\napplies = \"router\"\nunit = \"duration\"\ndefault = \"1s\"\nlow = \"0s\"\nhigh = \"2s\"\nderivation = \"d\"";
        let ev = |kind: &str| {
            Catalogue::parse(&format!(
                "[[assumption]]\n{entry}\nwhy = \"w\"\nsource = \"https://x\"\n\
                 [[assumption.evidence]]\nurl = \"https://x\"\nkind = \"{kind}\"\nsays = \"s\"\n"
            ))
        };
        let c = ev("measurement").unwrap();
        assert_eq!(c.entries[0].derivation, "d");
        assert_eq!(c.entries[0].evidence[0].kind, EvidenceKind::Measurement);
        assert_eq!(c.entries[0].evidence[0].says, "s");
        let err = ev("hearsay").unwrap_err().to_string();
        assert!(err.contains("hearsay"), "{err}");
    }
}
