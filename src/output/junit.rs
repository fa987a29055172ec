//! `sim check`'s verdict as JUnit XML, the report format CI systems display (GitHub Actions
//! through a reporter action, GitLab's `artifacts:reports:junit`, Jenkins): one test suite for the
//! model checked, one test case per objective; an objective that does not hold is a `<failure>`
//! whose message carries the measured value.

use crate::plan::check::{show, Verdict};
use std::fmt::Write;

/// `text` safe in XML character data and attribute values: the five special characters escaped,
/// and characters XML 1.0 does not allow at all (most control characters) replaced.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out += "&amp;",
            '<' => out += "&lt;",
            '>' => out += "&gt;",
            '"' => out += "&quot;",
            '\'' => out += "&apos;",
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The verdict as a JUnit XML document.
pub fn junit(v: &Verdict) -> String {
    let n = v.objectives.len();
    let failures = v.failing().len();
    let suite = escape(&format!("sim check: {}", v.change.model));
    let class = escape(&format!("sim.check.{}", v.change.model));
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"sim check\" tests=\"{n}\" failures=\"{failures}\" errors=\"0\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{suite}\" tests=\"{n}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">"
    );
    let _ = writeln!(out, "    <properties>");
    let mut prop = |name: &str, value: &str| {
        let _ = writeln!(
            out,
            "      <property name=\"{}\" value=\"{}\"/>",
            escape(name),
            escape(value)
        );
    };
    prop("model", &v.change.source);
    if let Some(b) = &v.base {
        prop("base", &b.source);
    }
    if let Some(c) = v.what_changes() {
        prop("change", &c);
    }
    let _ = writeln!(out, "    </properties>");
    for slo in &v.objectives {
        let m = v.change.measure(slo);
        let mut said = format!("measured {}", show(slo.metric, m.value));
        if let Some(b) = &v.base {
            said += &format!(" (base {})", show(slo.metric, b.measure(slo).value));
        }
        if let Some((k, total)) = m.sets_holding {
            said += &format!("; holds in {k} of {total} plausible assumption sets");
        }
        let _ = write!(
            out,
            "    <testcase classname=\"{class}\" name=\"{}\"",
            escape(&slo.text)
        );
        if m.holds {
            let _ = writeln!(
                out,
                ">\n      <system-out>{}</system-out>\n    </testcase>",
                escape(&said)
            );
        } else {
            let message = format!("objective `{}` does not hold: {said}", slo.text);
            let _ = writeln!(
                out,
                ">\n      <failure type=\"objective\" message=\"{}\">{}</failure>\n    </testcase>",
                escape(&message),
                escape(&message)
            );
        }
    }
    out += "  </testsuite>\n</testsuites>\n";
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_and_forbidden_characters_are_escaped() {
        assert_eq!(
            escape("a < b & \"c\" > 'd'"),
            "a &lt; b &amp; &quot;c&quot; &gt; &apos;d&apos;"
        );
        assert_eq!(escape("x\u{1}y\tz"), "x\u{FFFD}y\tz");
    }
}
