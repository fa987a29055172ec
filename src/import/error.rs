//! What a bad import source or flag is told: the file, the line and column, the key path (a JSON
//! path such as `Resources.Map.Properties.BatchSize`), and what was expected.

use super::doc::Pos;
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// In a file: where (unknown for a problem with the file as a whole) and the key path.
    File {
        path: PathBuf,
        at: Option<Pos>,
        key: String,
    },
    /// In a flag, as typed.
    Flag(String),
}

/// Why an import failed: nothing is written when there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportError {
    pub place: Place,
    pub message: String,
}

impl ImportError {
    pub fn at(file: &Path, at: Pos, key: impl Into<String>, message: impl Into<String>) -> Self {
        ImportError {
            place: Place::File {
                path: file.to_path_buf(),
                at: Some(at),
                key: key.into(),
            },
            message: message.into(),
        }
    }

    pub fn whole(file: &Path, message: impl Into<String>) -> Self {
        ImportError {
            place: Place::File {
                path: file.to_path_buf(),
                at: None,
                key: String::new(),
            },
            message: message.into(),
        }
    }

    pub fn flag(typed: impl Into<String>, message: impl Into<String>) -> Self {
        ImportError {
            place: Place::Flag(typed.into()),
            message: message.into(),
        }
    }
}

impl From<ImportError> for crate::config::ConfigError {
    /// The error as every other command shows one (and with the line under it, when placed).
    fn from(e: ImportError) -> Self {
        use crate::config::Origin;
        let (origin, key) = match e.place {
            Place::File {
                path,
                at: Some(at),
                key,
            } => (
                Origin::File {
                    path,
                    line: at.line,
                    col: at.col,
                },
                key,
            ),
            Place::File {
                path,
                at: None,
                key,
            } => (Origin::Whole(path), key),
            Place::Flag(typed) => (Origin::Typed(typed), String::new()),
        };
        crate::config::ConfigError {
            origin,
            key: shown(&key),
            message: shown(&e.message),
        }
    }
}

/// Text from the files made safe to print: control characters (a newline that would start a
/// fake line) and the characters that reorder text (U+202E ...) escaped as `\n`, `\u{202e}`,
/// and each long run without a space clipped ([`crate::input::clip_message`]).
pub(crate) fn shown(text: &str) -> String {
    let reorders = |c: char| matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    let escaped: String = if text.chars().any(|c| c.is_control() || reorders(c)) {
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else if reorders(c) {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        text.to_string()
    };
    crate::input::clip_message(&escaped).into_owned()
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::config::ConfigError::from(self.clone()).fmt(f)
    }
}

impl std::error::Error for ImportError {}
