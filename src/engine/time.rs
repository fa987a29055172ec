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

/// Parses a human duration: a non-negative decimal number followed by a unit
/// (`ns`, `us`, `µs`, `ms`, `s`, `m`/`min`, `h`, `d`), e.g. `"250ms"`, `"1.5s"`, `"1h"`. A bare `"0"` is zero.
pub fn parse_duration(text: &str) -> Result<Nanos, String> {
    let s = text.trim();
    if s == "0" {
        return Ok(0);
    }
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| {
            format!("`{text}` has no unit (expected e.g. \"250ms\", \"90s\", \"1h\")")
        })?;
    let (num, unit) = s.split_at(split);
    let unit_ns = match unit.trim() {
        "ns" => NS,
        "us" | "µs" => US,
        "ms" => MS,
        "s" | "sec" => SEC,
        "m" | "min" => MIN,
        "h" => HOUR,
        "d" => DAY,
        other => {
            return Err(format!(
                "`{text}` has unknown unit `{other}` (expected ns, us, ms, s, m, h or d)"
            ))
        }
    };
    let value: f64 = num.parse().map_err(|_| {
        format!("`{text}` is not a duration (expected e.g. \"250ms\", \"90s\", \"1h\")")
    })?;
    let ns = value * unit_ns as f64;
    if !ns.is_finite() || ns >= u64::MAX as f64 / 2.0 {
        return Err(format!("`{text}` is too long (at most about 292 years)"));
    }
    Ok(ns.round() as Nanos)
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
        assert!(parse_duration("10").unwrap_err().contains("no unit"));
        assert!(parse_duration("10 parsecs")
            .unwrap_err()
            .contains("unknown unit"));
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("1e300h").is_err());
        assert!(parse_duration("99999999999d")
            .unwrap_err()
            .contains("too long"));
    }

    #[test]
    fn formats_round_trip() {
        for s in ["1h", "250ms", "1.5s", "5m", "0s", "2d"] {
            assert_eq!(format_duration(parse_duration(s).unwrap()), s);
        }
    }
}
