//! What a bad model, experiment or price file is told: where ([`Origin`]), which key, what was
//! wrong ([`ConfigError`]); semantic errors before they are placed ([`Invalid`], and the typed
//! [`Problem`]s of a size or a `--set` flag); "did you mean".

use std::fmt;
use std::path::PathBuf;

/// Where an error was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// In a file, 1-based line and column.
    File {
        path: PathBuf,
        line: usize,
        col: usize,
    },
    /// In the value given with `--set PATH=VALUE`.
    Flag(String),
    /// In a flag other than `--set`, as the user typed it (`--duration 5mins`).
    Typed(String),
    /// The file as a whole (unreadable, not UTF-8, a directory).
    Whole(PathBuf),
}

/// A bad model or experiment: where, which key, what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub origin: Origin,
    /// Dotted key path, empty when not known.
    pub key: String,
    pub message: String,
}

impl ConfigError {
    /// An error about the file as a whole.
    pub fn whole(path: impl Into<PathBuf>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            origin: Origin::Whole(path.into()),
            key: String::new(),
            message: message.into(),
        }
    }
}

impl ConfigError {
    /// The file's line with a caret under the offending text, as rustc and toml show it; `None`
    /// when the error is not at a place in a file that can be read.
    pub fn snippet(&self) -> Option<String> {
        use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
        let Origin::File { path, line, col } = &self.origin else {
            return None;
        };
        let text = crate::input::read_text(path, crate::input::TOML_LIMIT, "a TOML file").ok()?;
        let start = byte_offset(&text, *line, *col)?;
        let span = start..start + token_len(&text[start..]);
        let report = &[Group::with_level(Level::ERROR).element(
            Snippet::source(text.as_str())
                .path(path.display().to_string())
                .fold(true)
                .annotation(AnnotationKind::Primary.span(span)),
        )];
        Some(Renderer::plain().render(report).to_string())
    }
}

/// The byte offset of a 1-based line and column (in characters).
fn byte_offset(text: &str, line: usize, col: usize) -> Option<usize> {
    let start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2)?.0 + 1
    };
    let rest = &text[start..];
    let within = rest
        .char_indices()
        .nth(col - 1)
        .map_or(rest.len(), |(i, _)| i);
    Some(start + within)
}

/// The length of the key, value or header starting `rest`: a quoted string to its closing quote,
/// a table header to its bracket, else up to the next separator; at least one character.
fn token_len(rest: &str) -> usize {
    let line = rest.split('\n').next().unwrap_or("");
    let closing = |open: char, close: char| {
        line.strip_prefix(open)
            .and_then(|r| r.find(close))
            .map(|i| i + 2)
    };
    let len = closing('"', '"')
        .or_else(|| closing('[', ']').filter(|_| !line.starts_with("[[")))
        .or_else(|| {
            line.find("]]")
                .map(|i| i + 2)
                .filter(|_| line.starts_with("[["))
        })
        .unwrap_or_else(|| {
            line.find(|c: char| c.is_whitespace() || "=,]}#".contains(c))
                .unwrap_or(line.len())
        });
    len.max(1).min(line.len().max(1))
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match &self.origin {
            Origin::File { path, line, col } => write!(f, "{}:{line}:{col}: ", path.display())?,
            Origin::Flag(flag) => write!(f, "--set {flag}: ")?,
            Origin::Typed(flag) => write!(f, "{flag}: ")?,
            Origin::Whole(path) => write!(f, "{}: ", path.display())?,
        }
        // Keys and messages may quote user text of any length: a 5 MB key is not echoed whole.
        if !self.key.is_empty() {
            write!(f, "key `{}`: ", crate::input::clip(&self.key))?;
        }
        f.write_str(&crate::input::clip_message(&self.message))
    }
}

impl std::error::Error for ConfigError {}

/// What is wrong with a size or a `--set` flag, before it is placed: a [`ConfigError`] (or the
/// flag's message) carries it as its message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    // A size (`units::parse_size`); each quotes the text as typed.
    #[error("a size cannot be negative, found `{0}`")]
    NegativeSize(String),
    #[error("`{text}` has unknown unit `{unit}` (expected B, KB, MB, GB, KiB, MiB or GiB)")]
    SizeUnit { text: String, unit: String },
    #[error("`{0}` is not a size (expected e.g. \"1KiB\" or \"6MB\")")]
    NotASize(String),
    #[error("`{0}` is too large")]
    SizeTooLarge(String),

    // `--set PATH=VALUE` (`overrides`).
    #[error("`{0}` is not PATH=VALUE")]
    NotPathValue(String),
    #[error("`{0}` is not a dotted key path such as consumers.fn.batch_size")]
    NotKeyPath(String),
    /// `hint` is a "did you mean" (see [`did_you_mean`]), or the names there are.
    #[error("the model has no {what} `{name}`{hint}")]
    NoSuchEntry {
        what: &'static str,
        name: String,
        hint: String,
    },
    /// An element of a list of tables (`name.index`) given a value.
    #[error("`{0}` is a table; set one of its keys")]
    TableNotValue(String),
    #[error("`{name}` is a value, not a table, so `{below}` cannot be set under it")]
    ValueNotTable { name: String, below: String },
    #[error("`{name}` is a list of {len}; `{index}` is not an index into it")]
    NotAnIndex {
        name: String,
        len: usize,
        index: String,
    },
}

/// A semantic error at a key path, not yet placed in a file or on a flag.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    pub path: String,
    pub message: String,
    /// Another key the error is equally about (the duration a warm-up must stay under): when only
    /// that key was set on the command line, the flag is blamed and the file line is context.
    pub also: Option<String>,
}

/// The closest candidate to `found`, if it is close enough to be a plausible typo.
pub fn suggest<'a>(found: &str, candidates: &[&'a str]) -> Option<&'a str> {
    // A name far longer than every candidate is no typo of one (and comparing costs its length).
    let longest = candidates.iter().map(|c| c.len()).max().unwrap_or(0);
    if found.len() > 2 * longest + 8 {
        return None;
    }
    // Jaro-Winkler favours long names; one edit away also counts, for short ones (`fun` for `fn`).
    let close =
        |c: &str| strsim::jaro_winkler(found, c) > 0.8 || strsim::levenshtein(found, c) == 1;
    candidates
        .iter()
        .filter(|c| close(c))
        .map(|c| (strsim::jaro_winkler(found, c), *c))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `"; did you mean `x`?"` when a candidate is close to `found`, else nothing.
pub fn did_you_mean(found: &str, candidates: &[&str]) -> String {
    suggest(found, candidates).map_or(String::new(), |s| format!("; did you mean `{s}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            suggest("batchsize", &["batch_size", "stream"]),
            Some("batch_size")
        );
        assert_eq!(suggest("zzz", &["batch_size", "stream"]), None);
        assert_eq!(suggest("fun", &["fn", "stream"]), Some("fn"));
        assert_eq!(
            did_you_mean("strem", &["stream"]),
            "; did you mean `stream`?"
        );
        assert_eq!(did_you_mean("zzz", &["stream"]), "");
    }

    #[test]
    fn points_a_caret_at_the_token() {
        assert_eq!(token_len("warmup = \"5m\"\n"), 6);
        assert_eq!(token_len("\"5m\"\n"), 4);
        assert_eq!(token_len("[consumers.fn]\nx = 1"), 14);
        assert_eq!(token_len("[[axes]]\n"), 8);
        assert_eq!(token_len("30,"), 2);
        assert_eq!(byte_offset("a\nbcd\n", 2, 2), Some(3));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.toml");
        std::fs::write(&path, "seed = 1\nwarmup = \"5m\"\n").unwrap();
        let e = ConfigError {
            origin: Origin::File {
                path,
                line: 2,
                col: 10,
            },
            key: "warmup".into(),
            message: "bad".into(),
        };
        let s = e.snippet().unwrap();
        assert!(s.contains("2 | warmup = \"5m\""), "{s}");
        assert!(s.contains("|          ^^^^"), "{s}");
    }

    #[test]
    fn shows_place_key_and_message() {
        let e = ConfigError {
            origin: Origin::Flag("seed=x".into()),
            key: "seed".into(),
            message: "bad".into(),
        };
        assert_eq!(e.to_string(), "--set seed=x: key `seed`: bad");
        assert_eq!(
            ConfigError::whole("m.toml", "gone").to_string(),
            "m.toml: gone"
        );
    }
}
