//! A model's concrete assumed parameters: the catalogue's patterns expanded over its streams,
//! consumers and producers, with each parameter's current value and its range in this model.

use super::catalogue::{Applies, Bound, Catalogue, Entry, RefName};
use super::value::{Range, Unit, Value};
use crate::config::{overrides, ConfigError, ModelFile, Origin, Override};
use crate::model::spec::ReadMode;
use crate::model::ModelSpec;
use toml_edit::DocumentMut;

/// One assumed parameter of one model.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// Concrete `--set` path, e.g. `consumers.fn.throttle_backoff.max`.
    pub key: String,
    /// Index of its entry in the catalogue.
    pub entry: usize,
    /// Its range in this model (ends that depend on the model are resolved).
    pub range: Range,
    pub current: Current,
    /// Set when the parameter can only be changed by writing its whole table.
    pub group: Option<GroupSlot>,
}

/// Where a parameter's current value comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Current {
    /// The model file (or an override) sets it.
    Model(Value),
    /// The model leaves it to `sim`'s default.
    Default(Value),
    /// The model sets it in another form (a fixed backoff where the catalogue varies an
    /// exponential one); shown as written.
    Other(String),
}

impl Current {
    pub fn value(&self) -> Option<&Value> {
        match self {
            Current::Model(v) | Current::Default(v) => Some(v),
            Current::Other(_) => None,
        }
    }

    pub fn display(&self) -> String {
        match self {
            Current::Model(v) | Current::Default(v) => v.display(),
            Current::Other(text) => text.clone(),
        }
    }

    /// `model` or `default`, or `model (other form)`.
    pub fn origin(&self) -> &'static str {
        match self {
            Current::Model(_) => "model",
            Current::Default(_) => "default",
            Current::Other(_) => "model (other form)",
        }
    }
}

/// A table written whole: its path in this model, the parameter's field in it, and the table
/// the other fields come from.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupSlot {
    pub path: String,
    pub field: String,
    pub base: toml::Table,
}

/// The model's assumed parameters (all catalogue entries when `select` is empty, else the
/// entries whose patterns start with one of its prefixes), with `overrides` applied first.
pub fn expand(
    cat: &Catalogue,
    file: &ModelFile,
    overrides: &[Override],
    select: &[String],
) -> Result<Vec<Param>, ConfigError> {
    let spec = file.resolve(overrides)?;
    let doc = model_table(file, overrides)?;
    let ctx = Ctx {
        doc: &doc,
        spec: &spec,
    };
    let mut found = Vec::new();
    for i in cat.select(select) {
        let e = &cat.entries[i];
        for name in ctx.instances(e) {
            found.push((section_rank(e.applies.section()), name, i));
        }
    }
    // Each stream's, consumer's or producer's parameters together, in the catalogue's order.
    found.sort();
    Ok(found
        .into_iter()
        .map(|(_, name, i)| ctx.param(cat, i, name.as_deref()))
        .collect())
}

/// The model as a plain TOML table, overrides applied.
fn model_table(file: &ModelFile, ovs: &[Override]) -> Result<toml::Table, ConfigError> {
    let whole = |message: String| ConfigError {
        origin: Origin::Whole(file.path.clone()),
        key: String::new(),
        message,
    };
    let mut doc: DocumentMut = file.text.parse().map_err(|e| whole(format!("{e}")))?;
    overrides::apply(&mut doc, ovs).map_err(|(o, problem)| ConfigError {
        origin: Origin::Flag(o.flag()),
        key: o.path.clone(),
        message: problem.to_string(),
    })?;
    toml::from_str(&doc.to_string()).map_err(|e| whole(format!("{e}")))
}

fn lookup<'a>(t: &'a toml::Table, path: &str) -> Option<&'a toml::Value> {
    let mut parts = path.split('.');
    let mut v = t.get(parts.next()?)?;
    for p in parts {
        v = v.as_table()?.get(p)?;
    }
    Some(v)
}

struct Ctx<'a> {
    doc: &'a toml::Table,
    spec: &'a ModelSpec,
}

impl Ctx<'_> {
    fn str_at(&self, path: &str) -> Option<&str> {
        lookup(self.doc, path).and_then(|v| v.as_str())
    }

    fn names(&self, section: &str) -> Vec<String> {
        lookup(self.doc, section)
            .and_then(|v| v.as_table())
            .map_or(vec![], |t| t.keys().cloned().collect())
    }

    /// The names the entry's pattern stands for in this model (None for a fixed path).
    fn instances(&self, e: &Entry) -> Vec<Option<String>> {
        let section = e.applies.section();
        if !matches!(section, "streams" | "consumers" | "producers") {
            return if self.applies(e.applies, "") {
                vec![None]
            } else {
                vec![]
            };
        }
        self.names(section)
            .into_iter()
            .filter(|n| self.applies(e.applies, n))
            .map(Some)
            .collect()
    }

    fn readers(&self, stream: &str) -> Vec<String> {
        self.names("consumers")
            .into_iter()
            .filter(|c| self.str_at(&format!("consumers.{c}.stream")) == Some(stream))
            .collect()
    }

    /// Whether consumer `c`'s resolved read mode (its first copy's when it has a `count`) answers
    /// `ask`: the catalogue asks the mode what it implies, never its name, so a new mode is
    /// neither shared nor enhanced fan-out until its methods say so.
    fn mode_is(&self, c: &str, ask: fn(ReadMode) -> bool) -> bool {
        self.consumer(c).is_some_and(|c| ask(c.read))
    }

    fn stream_kind_of(&self, consumer: &str) -> Option<&str> {
        let s = self.str_at(&format!("consumers.{consumer}.stream"))?;
        self.str_at(&format!("streams.{s}.kind"))
    }

    fn applies(&self, a: Applies, n: &str) -> bool {
        let at = |rest: &str| self.str_at(&format!("{}.{n}.{rest}", a.section()));
        let rollover = || at("rollover").is_some_and(|r| r != "off");
        let on_demand = || at("capacity") == Some("on-demand");
        let shared = || self.mode_is(n, ReadMode::shares_call_budget);
        let any_reader = |ask| self.readers(n).iter().any(|c| self.mode_is(c, ask));
        match a {
            Applies::KinesisSharedStream => {
                at("kind") == Some("kinesis") && self.applies(Applies::SharedStream, n)
            }
            Applies::DynamodbStreams => at("kind") == Some("dynamodb-streams"),
            Applies::SharedStream => any_reader(ReadMode::shares_call_budget),
            Applies::EfoStream => any_reader(ReadMode::subscribes),
            Applies::Rollover => rollover(),
            Applies::Lineage => rollover() || on_demand(),
            Applies::OnDemand => on_demand(),
            Applies::Consumer | Applies::Account => true,
            Applies::SharedReader => shared(),
            Applies::KinesisReader => shared() && self.stream_kind_of(n) == Some("kinesis"),
            Applies::DynamodbReader => {
                shared() && self.stream_kind_of(n) == Some("dynamodb-streams")
            }
            Applies::Router => lookup(self.doc, &format!("consumers.{n}.routes"))
                .and_then(|r| r.as_array())
                .is_some_and(|r| !r.is_empty()),
            Applies::DynamodbTable => at("source") == Some("dynamodb-table"),
            // Only a model with a `[control_plane]` table (and not `deploy = false`) simulates
            // its deployment.
            Applies::Deploy => self.spec.control_plane.is_some(),
        }
    }

    fn param(&self, cat: &Catalogue, i: usize, name: Option<&str>) -> Param {
        let e = &cat.entries[i];
        let concrete = |pattern: &str| match name {
            Some(n) => pattern.replacen('*', n, 1),
            None => pattern.to_string(),
        };
        let key = concrete(&e.key);
        let resolve = |b: &Bound| self.bound(e, b, name.unwrap_or_default());
        let range = Range {
            unit: e.unit,
            low: resolve(&e.low),
            high: resolve(&e.high),
            scale: e.scale,
            values: e.values.clone(),
        };
        let default = resolve(&e.default);
        let (current, group) = match cat.group_of(&e.key) {
            None => (self.current(e, &key, default), None),
            Some((g, field)) => {
                let path = concrete(&g.key);
                self.grouped(e, &path, field, &g.base, default)
            }
        };
        Param {
            key,
            entry: i,
            range,
            current,
            group,
        }
    }

    fn current(&self, e: &Entry, key: &str, default: Value) -> Current {
        match lookup(self.doc, key) {
            None => Current::Default(default),
            Some(v) => Value::from_toml(e.unit, v, &e.values)
                .map_or_else(|_| Current::Other(v.to_string()), Current::Model),
        }
    }

    /// A field of a group: field-wise when the model sets the table in the same form, else the
    /// whole table has to be written.
    fn grouped(
        &self,
        e: &Entry,
        path: &str,
        field: &str,
        base: &toml::Table,
        default: Value,
    ) -> (Current, Option<GroupSlot>) {
        let slot = || {
            Some(GroupSlot {
                path: path.to_string(),
                field: field.to_string(),
                base: base.clone(),
            })
        };
        match lookup(self.doc, path) {
            None => (Current::Default(default), slot()),
            Some(toml::Value::Table(t)) if t.get("kind") == base.get("kind") => {
                (self.current(e, &format!("{path}.{field}"), default), None)
            }
            Some(other) => (Current::Other(format!("{} = {other}", leaf(path))), slot()),
        }
    }

    /// A bound's value in this model; `name` is the instance the pattern stands for.
    fn bound(&self, e: &Entry, b: &Bound, name: &str) -> Value {
        let (r, divide) = match b {
            Bound::Fixed(v) => return v.clone(),
            Bound::Ref { name, divide } => (*name, *divide),
        };
        let raw = match r {
            RefName::BatchSize => self.consumer(name).map_or(0, |c| c.batch_size),
            RefName::MaxRecordsPerCall => self.consumer(name).map_or(0, |c| {
                self.spec.streams[c.stream]
                    .limits
                    .max_records_per_call
                    .max(c.batch_size)
            }),
            RefName::Rollover => self
                .spec
                .streams
                .iter()
                .find(|s| s.name == name)
                .and_then(|s| s.lineage.rollover)
                .map_or(0, |r| r.every),
        };
        let v = raw / divide;
        match e.unit {
            Unit::Duration => Value::Nanos(v),
            Unit::Bytes => Value::Bytes(v),
            _ => Value::Int(v as i64),
        }
    }

    /// The resolved consumer a raw name stands for (the first copy when it has a `count`).
    fn consumer(&self, name: &str) -> Option<&crate::model::spec::ConsumerSpec> {
        let first = format!("{name}-1");
        self.spec
            .consumers
            .iter()
            .find(|c| c.name == name)
            .or_else(|| self.spec.consumers.iter().find(|c| c.name == first))
    }
}

fn section_rank(section: &str) -> usize {
    [
        "streams",
        "producers",
        "consumers",
        "account",
        "control_plane",
    ]
    .iter()
    .position(|s| *s == section)
    .unwrap_or(usize::MAX)
}

fn leaf(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}
