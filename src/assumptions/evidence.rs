//! The rules an entry's evidence follows: a derivation, a public source that is not a fit, fits
//! named after the post they fit, and no range or reason that rests on a shipped model's value.

use super::catalogue::{Catalogue, Entry, EvidenceKind};

/// The two published observations `sim` is fitted to: title, author and public address. A piece
/// of evidence of kind `fit` says `fit to <title> (<author>)` and points at the post.
pub const POSTS: [(&str, &str, &str); 2] = [
    (
        "Lambda and Kinesis: beware of hot streams",
        "Yan Cui",
        "https://lumigo.io/blog/lambda-and-kinesis-beware-of-hot-streams/",
    ),
    (
        "Optimizing AWS Stream Consumer Performance",
        "Ross Rhodes",
        "https://engineering.kraken.tech/news/2024/05/13/stream-consumer-performance.html",
    ),
];

/// Wording that justifies a value by a model rather than by evidence.
const MODEL_WORDS: [&str; 6] = [
    "model needs",
    "models need",
    "shipped model",
    "power api model",
    "hot-stream model",
    "calibrated model",
];

/// Every way `cat` breaks the rules, one line each naming the entry; empty when it keeps them.
/// `models` are the names of the shipped model files (`dynamodb-streams.toml`): an entry's
/// reason, derivation or evidence that names one rests on a model, not on a source.
pub fn problems(cat: &Catalogue, models: &[String]) -> Vec<String> {
    cat.entries
        .iter()
        .flat_map(|e| entry_problems(e, models))
        .collect()
}

fn entry_problems(e: &Entry, models: &[String]) -> Vec<String> {
    let name = format!("`{}` ({})", e.key, e.applies.name());
    let mut out = Vec::new();
    if e.derivation.trim().is_empty() {
        out.push(format!("{name}: no derivation"));
    }
    if e.evidence.is_empty() {
        out.push(format!("{name}: no evidence"));
    }
    if !e.evidence.iter().any(|v| v.kind != EvidenceKind::Fit) {
        out.push(format!(
            "{name}: only fits; cite the public page that leaves the value open"
        ));
    }
    for v in &e.evidence {
        if !v.url.starts_with("https://") || v.url.contains(char::is_whitespace) {
            out.push(format!("{name}: evidence url `{}` is not https", v.url));
        }
        if v.says.trim().is_empty() {
            out.push(format!("{name}: evidence {} says nothing", v.url));
        }
        if v.kind == EvidenceKind::Fit {
            let named = POSTS.iter().any(|(title, author, url)| {
                v.says.starts_with(&format!("fit to {title} ({author})")) && v.url == *url
            });
            if !named {
                out.push(format!(
                    "{name}: a fit must say \"fit to <post title> (<author>)\" and link that post"
                ));
            }
        }
    }
    let texts = [("why", &e.why), ("derivation", &e.derivation)]
        .into_iter()
        .map(|(w, t)| (w, t.as_str()))
        .chain(e.evidence.iter().map(|v| ("evidence", v.says.as_str())));
    for (what, text) in texts {
        let lower = text.to_lowercase();
        if let Some(w) = MODEL_WORDS.iter().find(|w| lower.contains(*w)) {
            out.push(format!("{name}: its {what} rests on a model (\"{w}\")"));
        }
        if let Some(m) = models.iter().find(|m| {
            let stem = m.trim_end_matches(".toml");
            lower.contains(&m.to_lowercase()) || lower.contains(&format!("{stem} "))
        }) {
            out.push(format!("{name}: its {what} names the shipped model {m}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assumptions::catalogue::TEXT;

    fn shipped_models() -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        names.sort();
        assert!(names.len() >= 10, "{names:?}");
        names
    }

    #[test]
    fn every_entry_has_a_derivation_and_a_public_source_and_rests_on_no_shipped_model() {
        let found = problems(&Catalogue::parse(TEXT).unwrap(), &shipped_models());
        assert!(found.is_empty(), "{}", found.join("\n"));
    }

    const ENTRY: &str = "[[assumption]]\nkey = \"consumers.*.x\"\napplies = \"router\"\n\
        unit = \"duration\"\ndefault = \"1s\"\nlow = \"0s\"\nhigh = \"2s\"\nsource = \"https://x\"\n";

    /// A piece of evidence: url, kind, says.
    type Ev = (&'static str, &'static str, &'static str);

    fn problems_of(extra: &str, evidence: &[Ev]) -> Vec<String> {
        let mut text = format!("{ENTRY}{extra}\n");
        for (url, kind, says) in evidence {
            text += &format!(
                "[[assumption.evidence]]\nurl = \"{url}\"\nkind = \"{kind}\"\nsays = \"{says}\"\n"
            );
        }
        problems(
            &Catalogue::parse(&text).unwrap(),
            &["dynamodb-streams.toml".to_string()],
        )
    }

    const DOC: Ev = ("https://docs.aws.amazon.com/x", "documentation", "says x");

    #[test]
    fn an_entry_that_keeps_the_rules_has_no_problems() {
        let fit = (
            POSTS[0].2,
            "fit",
            "fit to Lambda and Kinesis: beware of hot streams (Yan Cui): knee at five",
        );
        let found = problems_of("why = \"w\"\nderivation = \"d\"", &[DOC, fit]);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn each_broken_rule_is_named() {
        let cases: [(&str, Vec<Ev>, &str); 7] = [
            ("why = \"w\"", vec![DOC], "no derivation"),
            ("why = \"w\"\nderivation = \"d\"", vec![], "no evidence"),
            (
                "why = \"w\"\nderivation = \"d\"",
                vec![(
                    POSTS[1].2,
                    "fit",
                    "fit to Optimizing AWS Stream Consumer Performance (Ross Rhodes): x",
                )],
                "only fits",
            ),
            (
                "why = \"w\"\nderivation = \"d\"",
                vec![DOC, ("http://example.com", "anecdote", "a")],
                "not https",
            ),
            (
                "why = \"w\"\nderivation = \"d\"",
                vec![DOC, (POSTS[0].2, "fit", "fits the post")],
                "fit to <post title>",
            ),
            (
                "why = \"the Power API model needs 60 s\"\nderivation = \"d\"",
                vec![DOC],
                "rests on a model",
            ),
            (
                "why = \"w\"\nderivation = \"high: what dynamodb-streams.toml sets\"",
                vec![DOC],
                "names the shipped model dynamodb-streams.toml",
            ),
        ];
        for (extra, evidence, want) in cases {
            let found = problems_of(extra, &evidence);
            assert!(
                found
                    .iter()
                    .any(|p| p.contains(want) && p.contains("`consumers.*.x`")),
                "{want}: {found:?}"
            );
        }
    }
}
