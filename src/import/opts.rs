//! What infrastructure code cannot say, given on the command line: traffic (`--rate`), record
//! sizes (`--record-size`) and function durations (`--function-duration p50,p99`), each for every
//! stream or function or, as `NAME=VALUE`, for one.

use super::error::ImportError;
use std::path::PathBuf;

/// The flags of `sim import`, as typed (each may be given several times).
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Records per second written to a stream: `200` (every stream) or `orders=200`.
    pub rate: Vec<String>,
    /// Record size: `1KiB` (fixed) or `1KiB,8KiB` (log-normal median and 99th percentile),
    /// optionally `STREAM=`.
    pub record_size: Vec<String>,
    /// Function duration per invocation: `40ms` (fixed) or `40ms,250ms` (log-normal median and
    /// 99th percentile), optionally `FUNCTION=`.
    pub function_duration: Vec<String>,
    /// The model's name (else the output file's or the first source's stem).
    pub name: Option<String>,
    /// A CloudWatch get-metric-data output, and the queries file it answered, whose streams'
    /// IncomingRecords and IncomingBytes and functions' Duration p50 and p99 the model replays.
    pub traffic: Option<(PathBuf, PathBuf)>,
}

/// One flag's value, for every name or for one.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Scoped {
    pub name: Option<String>,
    /// The TOML value to write.
    pub toml: String,
    /// The flag as typed, for comments and errors.
    pub typed: String,
}

/// The flags parsed and checked.
#[derive(Clone, Debug, Default)]
pub(crate) struct Given {
    pub rate: Vec<Scoped>,
    pub record_size: Vec<Scoped>,
    pub duration: Vec<Scoped>,
}

impl Given {
    /// The value for `name`: its own, else the one for every name.
    pub(crate) fn find<'a>(list: &'a [Scoped], name: &str) -> Option<&'a Scoped> {
        list.iter()
            .rev()
            .find(|s| s.name.as_deref() == Some(name))
            .or_else(|| list.iter().rev().find(|s| s.name.is_none()))
    }
}

fn split_scope(flag: &str, text: &str) -> (Option<String>, String, String) {
    let typed = format!("{flag} {text}");
    match text.split_once('=') {
        Some((n, v)) => (Some(n.trim().to_string()), v.trim().to_string(), typed),
        None => (None, text.trim().to_string(), typed),
    }
}

pub(crate) fn parse(o: &ImportOptions) -> Result<Given, ImportError> {
    let mut g = Given::default();
    for r in &o.rate {
        let (name, v, typed) = split_scope("--rate", r);
        let rate: f64 = v
            .parse()
            .ok()
            .filter(|x: &f64| x.is_finite() && *x > 0.0 && *x <= 1e9)
            .ok_or_else(|| {
                ImportError::flag(
                    &typed,
                    "expected records per second, a number above 0 and at most 1e9",
                )
            })?;
        g.rate.push(Scoped {
            name,
            toml: toml_float(rate),
            typed,
        });
    }
    for s in &o.record_size {
        let (name, v, typed) = split_scope("--record-size", s);
        let toml = distribution(
            &v,
            &typed,
            |t| crate::config::units::parse_size(t).ok().map(|b| b as f64),
            "a size such as 1KiB",
        )?;
        g.record_size.push(Scoped { name, toml, typed });
    }
    for d in &o.function_duration {
        let (name, v, typed) = split_scope("--function-duration", d);
        let toml = distribution(
            &v,
            &typed,
            |t| {
                crate::engine::time::parse_duration(t)
                    .ok()
                    .map(|n| n as f64)
            },
            "a duration such as 40ms",
        )?;
        g.duration.push(Scoped { name, toml, typed });
    }
    Ok(g)
}

/// `A` (fixed) or `A,B` (log-normal with median A and 99th percentile B) as TOML.
fn distribution(
    v: &str,
    typed: &str,
    read: impl Fn(&str) -> Option<f64>,
    what: &str,
) -> Result<String, ImportError> {
    let parts: Vec<&str> = v.split(',').map(str::trim).collect();
    let check = |p: &str| {
        read(p).filter(|x| *x > 0.0).ok_or_else(|| {
            ImportError::flag(
                typed,
                format!("`{}` is not {what} above 0", crate::input::clip(p)),
            )
        })
    };
    match parts.as_slice() {
        [one] => {
            check(one)?;
            Ok(toml_string(one))
        }
        [median, p99] => {
            let (m, p) = (check(median)?, check(p99)?);
            if p < m {
                return Err(ImportError::flag(typed, "the 99th percentile is below the median: expected MEDIAN,P99 with P99 >= MEDIAN"));
            }
            Ok(format!(
                "{{ kind = \"lognormal\", median = {}, p99 = {} }}",
                toml_string(median),
                toml_string(p99)
            ))
        }
        _ => Err(ImportError::flag(
            typed,
            format!("expected one value or two (median,p99), each {what}"),
        )),
    }
}

/// A string as a TOML basic string.
pub(crate) fn toml_string(s: &str) -> String {
    toml_edit::Value::from(s).to_string().trim().to_string()
}

/// A float as TOML writes it (always with a decimal point).
pub(crate) fn toml_float(x: f64) -> String {
    toml_edit::Value::from(x).to_string().trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_become_values_for_every_name_or_one() {
        let g = parse(&ImportOptions {
            rate: vec!["200".into(), "orders=50".into()],
            record_size: vec!["500B,4KiB".into()],
            function_duration: vec!["audit=40ms".into()],
            name: None,
            traffic: None,
        })
        .unwrap();
        assert_eq!(Given::find(&g.rate, "orders").unwrap().toml, "50.0");
        assert_eq!(Given::find(&g.rate, "other").unwrap().toml, "200.0");
        assert_eq!(
            g.record_size[0].toml,
            r#"{ kind = "lognormal", median = "500B", p99 = "4KiB" }"#
        );
        assert!(Given::find(&g.duration, "billing").is_none());
    }

    #[test]
    fn bad_flags_are_named_as_typed() {
        let e = parse(&ImportOptions {
            function_duration: vec!["40ms,5ms".into()],
            ..Default::default()
        })
        .unwrap_err();
        assert!(
            e.to_string().starts_with("--function-duration 40ms,5ms:"),
            "{e}"
        );
        let e = parse(&ImportOptions {
            rate: vec!["-3".into()],
            ..Default::default()
        })
        .unwrap_err();
        assert!(e.to_string().contains("--rate -3"), "{e}");
    }
}
