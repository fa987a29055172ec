//! ISO 8601 times as the AWS CLI prints them, to and from whole epoch seconds.
//!
//! The CLI prints `2024-05-01T10:05:00+00:00` (version 2) or `2024-05-01T10:05:00Z` (version 1);
//! any offset is accepted. CloudWatch datapoints start on whole seconds, so a fraction of a second
//! other than zero is refused rather than rounded away.

use super::Problem;

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM|±HHMM|±HH)` into seconds since 1970-01-01 UTC.
pub fn parse(s: &str) -> Result<i64, Problem> {
    let b = s.as_bytes();
    let date = fields(b, 0, &[(4, b'-'), (2, b'-'), (2, 0)])?;
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return Err(Problem::NoDateTimeSeparator);
    }
    let clock = fields(b, 11, &[(2, b':'), (2, b':'), (2, 0)])?;
    let (year, month, day) = (date[0], date[1], date[2]);
    let (hour, minute, second) = (clock[0], clock[1], clock[2]);
    check_date(year, month, day)?;
    if hour > 23 || minute > 59 || second > 59 {
        return Err(Problem::ClockOutOfRange {
            hour,
            minute,
            second,
        });
    }
    let rest = skip_zero_fraction(&b[19..])?;
    let offset = offset_seconds(rest)?;
    let days = days_from_civil(year, month, day);
    Ok(days * 86_400 + hour * 3_600 + minute * 60 + second - offset)
}

/// Formats epoch seconds as the AWS CLI version 2 prints them: `2024-05-01T10:05:00+00:00`.
pub fn format(epoch_s: i64) -> String {
    let days = epoch_s.div_euclid(86_400);
    let secs = epoch_s.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00",
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60
    )
}

/// Reads fixed-width decimal fields starting at `at`, each followed by its separator (0: none).
fn fields(b: &[u8], mut at: usize, widths: &[(usize, u8)]) -> Result<Vec<i64>, Problem> {
    let mut out = Vec::with_capacity(widths.len());
    for &(width, sep) in widths {
        let digits = b
            .get(at..at + width)
            .filter(|d| d.iter().all(u8::is_ascii_digit))
            .ok_or(Problem::NotATime)?;
        out.push(digits.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')));
        at += width;
        if sep != 0 {
            if b.get(at) != Some(&sep) {
                return Err(Problem::NotATime);
            }
            at += 1;
        }
    }
    Ok(out)
}

fn check_date(year: i64, month: i64, day: i64) -> Result<(), Problem> {
    if !(1..=12).contains(&month) {
        return Err(Problem::MonthOutOfRange(month));
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=days).contains(&day) {
        return Err(Problem::DayOutOfRange { year, month, day });
    }
    Ok(())
}

/// Skips `.000...`; a non-zero fraction of a second is an error.
fn skip_zero_fraction(b: &[u8]) -> Result<&[u8], Problem> {
    let Some(rest) = b.strip_prefix(b".") else {
        return Ok(b);
    };
    let n = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 {
        return Err(Problem::NoFractionDigits);
    }
    if rest[..n].iter().any(|&c| c != b'0') {
        return Err(Problem::FractionOfSecond);
    }
    Ok(&rest[n..])
}

/// The UTC offset in seconds; no offset at all is an error (the time would be ambiguous).
fn offset_seconds(b: &[u8]) -> Result<i64, Problem> {
    let (sign, rest) = match b.first() {
        Some(b'Z' | b'z') if b.len() == 1 => return Ok(0),
        Some(b'+') => (1, &b[1..]),
        Some(b'-') => (-1, &b[1..]),
        None => return Err(Problem::NoOffset),
        Some(_) => return Err(Problem::NoOffsetSign),
    };
    let (h, m) = match rest.len() {
        2 => (fields(rest, 0, &[(2, 0)])?[0], 0),
        4 => {
            let f = fields(rest, 0, &[(2, 0), (2, 0)])?;
            (f[0], f[1])
        }
        5 => {
            let f = fields(rest, 0, &[(2, b':'), (2, 0)])?;
            (f[0], f[1])
        }
        _ => return Err(Problem::BadOffset),
    };
    if h > 23 || m > 59 {
        return Err(Problem::OffsetOutOfRange {
            hours: h,
            minutes: m,
        });
    }
    Ok(sign * (h * 3_600 + m * 60))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (eras of 400 years, March-based years).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_cli_versions_spellings_give_the_same_second() {
        let t = 1_714_557_900; // 2024-05-01T10:05:00Z
        assert_eq!(parse("2024-05-01T10:05:00+00:00").ok(), Some(t));
        assert_eq!(parse("2024-05-01T10:05:00Z").ok(), Some(t));
        assert_eq!(parse("2024-05-01T10:05:00.000000+00:00").ok(), Some(t));
        assert_eq!(parse("2024-05-01T12:05:00+02:00").ok(), Some(t));
        assert_eq!(parse("2024-05-01T05:05:00-0500").ok(), Some(t));
        assert_eq!(parse("2024-05-01T11:05:00+01").ok(), Some(t));
        assert_eq!(format(t), "2024-05-01T10:05:00+00:00");
    }

    #[test]
    fn format_and_parse_are_inverse_across_eras_and_leap_days() {
        for t in [
            0,
            -1,
            951_782_400, // 2000-02-29
            1_709_164_800,
            4_107_542_399,
            -62_135_596_800, // 0001-01-01
        ] {
            assert_eq!(parse(&format(t)).ok(), Some(t), "{}", format(t));
        }
        assert_eq!(format(951_782_400), "2000-02-29T00:00:00+00:00");
    }

    #[test]
    fn bad_times_say_what_is_wrong() {
        let err = |s: &str| parse(s).unwrap_err().to_string();
        assert!(err("2024-05-01T25:00:00+00:00").contains("25:00:00 is out of range"));
        assert!(err("2024-13-01T10:00:00Z").contains("month 13"));
        assert!(err("2023-02-29T10:00:00Z").contains("day 29"));
        assert!(err("2024-05-01T10:05:00").contains("no UTC offset"));
        assert!(err("2024-05-01T10:05:00.5Z").contains("fraction of a second"));
        assert!(err("2024-05-01 10:05").contains("expected a time like"));
        assert!(err("yesterday").contains("expected a time like"));
        assert!(err("2024-05-01T10:05:00+24:00").contains("offset 24:00"));
        assert!(err("2024-05-01T10:05:00Zulu").contains("expected `Z` or an offset"));
        assert!(err("２０２４-05-01T10:05:00Z").contains("expected a time like"));
        assert!(err("").contains("expected a time like"));
    }
}
