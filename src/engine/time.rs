//! Simulated time: integer nanoseconds, and the human duration syntax ("250ms", "90s", "1h").

/// A point in or a span of simulated time, in nanoseconds (u64 covers about 584 years).
pub type Nanos = u64;

pub const NS: Nanos = 1;
pub const US: Nanos = 1_000;
pub const MS: Nanos = 1_000_000;
pub const SEC: Nanos = 1_000_000_000;
pub const MIN: Nanos = 60 * SEC;
pub const HOUR: Nanos = 60 * MIN;
pub const DAY: Nanos = 24 * HOUR;

/// The units a duration may use, as error messages list them.
pub const UNITS: &str = "ns, us, ms, s (sec, secs, second, seconds), m (min, mins, minute, \
                         minutes), h (hr, hrs, hour, hours) or d (day, days)";

/// Parses a human duration: a non-negative decimal number followed by a unit ([`UNITS`]: `ns`,
/// `us`/`µs`, `ms`, `s`/`sec`/`seconds`, `m`/`min`/`mins`/`minutes`, `h`/`hr`/`hours`,
/// `d`/`days`), with or without a space, e.g. `"250ms"`, `"1.5s"`, `"90min"`, `"5 mins"`, or
/// several such terms from the largest unit down, e.g. `"1h30m"`, `"1m 30.5s"`. A bare `"0"` is
/// zero.
pub fn parse_duration(text: &str) -> Result<Nanos, DurationError> {
    let s = text.trim();
    if s == "0" {
        return Ok(0);
    }
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| DurationError::NoUnit(text.to_string()))?;
    let (num, unit) = s.split_at(split);
    if !num.is_empty() && unit.contains(|c: char| c.is_ascii_digit()) {
        return compound(text, s);
    }
    let unit_ns = unit_ns(unit.trim()).ok_or_else(|| DurationError::UnknownUnit {
        text: text.to_string(),
        unit: unit.trim().to_string(),
    })?;
    let value: f64 = num
        .parse()
        .map_err(|_| DurationError::NotANumber(text.to_string()))?;
    term(text, value, unit_ns)
}

/// Why a duration (a model's value, a `--duration` flag) could not be read; each message quotes
/// the text as typed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("`{0}` has no unit (expected e.g. \"250ms\", \"90s\", \"1h\")")]
    NoUnit(String),
    #[error(
        "`{text}` has unknown unit `{unit}` (expected {UNITS}, e.g. \"250ms\", \"90s\", \
         \"5 min\", or several from the largest down, e.g. \"1h30m\")"
    )]
    UnknownUnit { text: String, unit: String },
    #[error("`{0}` is not a duration (expected e.g. \"250ms\", \"90s\", \"1h\")")]
    NotANumber(String),
    /// Several terms that are not numbers with units from the largest down.
    #[error(
        "`{0}` is not a duration: write a number and a unit ({UNITS}), or several from \
         the largest unit down, e.g. \"250ms\", \"1.5s\", \"90min\" or \"1h30m\""
    )]
    NotCompound(String),
    #[error("`{0}` is too long (at most about 292 years)")]
    TooLong(String),
}

/// Nanoseconds per unit, for the unit names a duration may use.
fn unit_ns(unit: &str) -> Option<Nanos> {
    Some(match unit {
        "ns" => NS,
        "us" | "µs" => US,
        "ms" => MS,
        "s" | "sec" | "secs" | "second" | "seconds" => SEC,
        "m" | "min" | "mins" | "minute" | "minutes" => MIN,
        "h" | "hr" | "hrs" | "hour" | "hours" => HOUR,
        "d" | "day" | "days" => DAY,
        _ => return None,
    })
}

/// `value` units of `unit_ns` nanoseconds, refused beyond half the range of [`Nanos`].
fn term(text: &str, value: f64, unit_ns: Nanos) -> Result<Nanos, DurationError> {
    let ns = value * unit_ns as f64;
    if !ns.is_finite() || ns >= u64::MAX as f64 / 2.0 {
        return Err(DurationError::TooLong(text.to_string()));
    }
    Ok(ns.round() as Nanos)
}

/// Several terms such as `1h30m`, each unit smaller than the one before.
fn compound(text: &str, s: &str) -> Result<Nanos, DurationError> {
    let refuse = || DurationError::NotCompound(text.to_string());
    let (mut total, mut last, mut rest) = (0, Nanos::MAX, s);
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let after = rest[n..].trim_start();
        let u = after
            .find(|c: char| c.is_whitespace() || c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let value: f64 = rest[..n].parse().map_err(|_| refuse())?;
        let unit = unit_ns(&after[..u])
            .filter(|&unit| unit < last)
            .ok_or_else(refuse)?;
        total = term(text, value, unit)?
            .checked_add(total)
            .filter(|&t| (t as f64) < u64::MAX as f64 / 2.0)
            .ok_or_else(|| DurationError::TooLong(text.to_string()))?;
        (last, rest) = (unit, after[u..].trim_start());
    }
    Ok(total)
}

/// Formats a duration compactly with the largest unit that keeps it readable ("1h", "250ms", "1.5s").
pub fn format_duration(ns: Nanos) -> String {
    const UNITS: [(Nanos, &str); 7] = [
        (DAY, "d"),
        (HOUR, "h"),
        (MIN, "m"),
        (SEC, "s"),
        (MS, "ms"),
        (US, "us"),
        (NS, "ns"),
    ];
    if ns == 0 {
        return "0s".into();
    }
    for (unit, name) in UNITS {
        if ns >= unit {
            let v = ns as f64 / unit as f64;
            return if (v - v.round()).abs() < 1e-9 {
                format!("{}{name}", v.round() as u64)
            } else {
                format!("{}{name}", trim_float(v))
            };
        }
    }
    unreachable!()
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Nanoseconds as (fractional) milliseconds.
pub fn as_ms(ns: f64) -> f64 {
    ns / MS as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(parse_duration("250ms"), Ok(250 * MS));
        assert_eq!(parse_duration("90s"), Ok(90 * SEC));
        assert_eq!(parse_duration("1h"), Ok(HOUR));
        assert_eq!(parse_duration("1.5s"), Ok(1500 * MS));
        assert_eq!(parse_duration("5m"), Ok(5 * MIN));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("2d"), Ok(2 * DAY));
    }

    #[test]
    fn rejects_nonsense_with_a_reason() {
        assert!(parse_duration("10")
            .unwrap_err()
            .to_string()
            .contains("no unit"));
        assert!(parse_duration("10 parsecs")
            .unwrap_err()
            .to_string()
            .contains("unknown unit"));
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("1e300h").is_err());
        assert!(parse_duration("99999999999d")
            .unwrap_err()
            .to_string()
            .contains("too long"));
    }

    #[test]
    fn parses_compound_and_fractional_forms() {
        assert_eq!(parse_duration("1h30m"), Ok(HOUR + 30 * MIN));
        assert_eq!(parse_duration("90min"), Ok(90 * MIN));
        assert_eq!(parse_duration("2h"), Ok(2 * HOUR));
        assert_eq!(parse_duration("1d"), Ok(DAY));
        assert_eq!(parse_duration("1m30s500ms"), Ok(90 * SEC + 500 * MS));
        assert_eq!(parse_duration("1h 30m"), Ok(HOUR + 30 * MIN));
        assert_eq!(parse_duration("1.5h30s"), Ok(90 * MIN + 30 * SEC));
        assert_eq!(parse_duration("1d12h"), Ok(36 * HOUR));
        assert_eq!(parse_duration("2s250us"), Ok(2 * SEC + 250 * US));
    }

    #[test]
    fn refuses_compounds_out_of_order_or_without_units() {
        for bad in [
            "30m1h", "1h1h", "1h30", "1h30x", "1e3s", "1s.5", "1h-30m", "1..5h2m",
        ] {
            let e = parse_duration(bad).unwrap_err().to_string();
            assert!(e.contains("from the largest unit down"), "{bad}: {e}");
            assert!(e.contains("\"1h30m\""), "{bad}: {e}");
        }
        assert!(parse_duration("99999999999d1s")
            .unwrap_err()
            .to_string()
            .contains("too long"));
        assert!(parse_duration("200000d200000h")
            .unwrap_err()
            .to_string()
            .contains("too long"));
    }

    #[test]
    fn keeps_the_single_term_messages() {
        assert_eq!(
            parse_duration("1x").unwrap_err().to_string(),
            "`1x` has unknown unit `x` (expected ns, us, ms, s (sec, secs, second, seconds), m (min, mins, minute, minutes), h (hr, hrs, hour, hours) or d (day, days), e.g. \"250ms\", \"90s\", \"5 min\", or several from the largest down, e.g. \"1h30m\")"
        );
        assert!(parse_duration("-1s")
            .unwrap_err()
            .to_string()
            .starts_with("`-1s` has unknown unit `-1s` (expected ns, us, ms, s (sec"));
        assert_eq!(
            parse_duration("h").unwrap_err().to_string(),
            "`h` is not a duration (expected e.g. \"250ms\", \"90s\", \"1h\")"
        );
    }

    #[test]
    fn the_obvious_spellings_of_minutes_hours_and_seconds_are_accepted() {
        for ok in [
            "5min",
            "5 min",
            "5 mins",
            "5 minutes",
            "5 minute",
            "5m",
            "5 m",
        ] {
            assert_eq!(parse_duration(ok), Ok(5 * MIN), "{ok}");
        }
        assert_eq!(parse_duration("90s"), Ok(90 * SEC));
        assert_eq!(parse_duration("90 seconds"), Ok(90 * SEC));
        assert_eq!(parse_duration("2 hours"), Ok(2 * HOUR));
        assert_eq!(parse_duration("1 day"), Ok(DAY));
        assert_eq!(parse_duration("1h30m"), Ok(HOUR + 30 * MIN));
        assert_eq!(parse_duration("1 hour 30 mins"), Ok(HOUR + 30 * MIN));
        for bad in ["5 minuets", "5 M", "5 months", "5 y"] {
            let e = parse_duration(bad).unwrap_err().to_string();
            assert!(e.contains("m (min, mins, minute, minutes)"), "{bad}: {e}");
        }
        let e = parse_duration("1h 30 parsecs").unwrap_err().to_string();
        assert!(e.contains("m (min, mins, minute, minutes)"), "{e}");
    }

    #[test]
    fn formats_round_trip() {
        for s in ["1h", "250ms", "1.5s", "5m", "0s", "2d"] {
            assert_eq!(format_duration(parse_duration(s).unwrap()), s);
        }
    }
}
