//! The precision an experiment file asks of its points (`precision = "5%"`, `max_replicates`),
//! and how a precision, a replicate cap and the file's counts of runs per point (`replicates`,
//! `set_replicates`) are read, from a file or from `sim sweep`'s flags.

/// A precision and cap as the experiment file states them (each None when the file is silent).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FilePrecision {
    /// The share (0.05) and the text as written (`5%`).
    pub share: Option<(f64, String)>,
    pub max_replicates: Option<u32>,
}

/// A precision as typed: a percentage above 0% and below 100%, such as `5%` or `2.5%`.
pub fn parse_share(typed: &str) -> Result<f64, String> {
    let bad = || {
        format!(
            "`{typed}` is not a precision: write a percentage above 0% and below 100%, such as 5%"
        )
    };
    let number = typed.trim().strip_suffix('%').ok_or_else(bad)?;
    let pct: f64 = number.trim().parse().map_err(|_| bad())?;
    if !(pct.is_finite() && pct > 0.0 && pct < 100.0) {
        return Err(bad());
    }
    Ok(pct / 100.0)
}

/// A count of runs per point written as `key = value` in the experiment file at `path` (1 when
/// left out): 1 to 1000, else an error at the key.
pub(super) fn replicate_count(
    path: &std::path::Path,
    text: &str,
    key: &str,
    value: Option<i64>,
) -> Result<u32, crate::config::ConfigError> {
    match value.unwrap_or(1) {
        r @ 1..=1000 => Ok(r as u32),
        r => Err(crate::config::error_at(
            path,
            text,
            key,
            format!("{key} must be between 1 and 1000, found {r}"),
        )),
    }
}

/// A replicate cap: 2 (one replicate gives no interval) to 1000.
pub fn check_max_replicates(n: i64) -> Result<u32, String> {
    match n {
        2..=1000 => Ok(n as u32),
        _ => Err(format!(
            "{n} is not a replicate cap: it must be from 2 to 1000 (an interval needs 2 replicates)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precisions_are_percentages_strictly_between_0_and_100() {
        assert_eq!(parse_share("5%"), Ok(0.05));
        assert_eq!(parse_share(" 2.5 % "), Ok(0.025));
        for bad in ["0%", "100%", "150%", "abc", "5", "-5%", "nan%", "inf%", ""] {
            let e = parse_share(bad).unwrap_err();
            assert!(e.contains("above 0% and below 100%"), "{bad}: {e}");
        }
        assert_eq!(check_max_replicates(2), Ok(2));
        assert!(check_max_replicates(0).is_err());
        assert!(check_max_replicates(1).is_err());
        assert!(check_max_replicates(1001).is_err());
    }
}
