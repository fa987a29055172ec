//! What comes in from a user's files and goes back out in messages: every input file is read with
//! a size bound (so `/dev/zero` or an endless pipe ends in an error, not in the kernel's OOM
//! killer), a UTF-8 byte-order mark is skipped, and user text echoed in an error is clipped.

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

/// The largest model, experiment or price file read (TOML written by hand is kilobytes).
pub const TOML_LIMIT: u64 = 16 << 20;
/// The largest CloudWatch export read (a week of per-minute points of a hundred series is about
/// 30 MiB); parsing holds a few times this in memory.
pub const EXPORT_LIMIT: u64 = 64 << 20;

/// The most bytes read from one file of a journal or of sim's own outputs read back.
pub const JOURNAL_LIMIT: u64 = 256 << 20;

/// The bytes of `path`, at most `limit` of them: a larger file (or an endless one, such as a
/// FIFO or a device) is an `InvalidData` error saying so, read no further than the limit.
pub fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "larger than {} MiB, the most sim reads from it",
                limit >> 20
            ),
        ));
    }
    Ok(bytes)
}

/// The most characters of user text (a key, a value, an Id) echoed back in one message.
pub const ECHO_CHARS: usize = 200;

/// The text of `path`, at most `limit` bytes, without a leading byte-order mark. The error is
/// the message about the file as a whole (the caller names the file): a directory (`what` says
/// what was expected, e.g. "a TOML file"), unreadable, too large, or not UTF-8.
pub fn read_text(path: &Path, limit: u64, what: &str) -> Result<String, ReadError> {
    if path.is_dir() {
        return Err(ReadError::Directory {
            expected: what.to_string(),
        });
    }
    let file = std::fs::File::open(path).map_err(ReadError::Read)?;
    let mut bytes = Vec::new();
    // One byte past the limit tells a file of exactly `limit` bytes from a larger one.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Read)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            mib: limit >> 20,
            expected: what.to_string(),
        });
    }
    let mut text = String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8 {
        offset: e.utf8_error().valid_up_to(),
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

/// Why an input file could not be read as text: the message about the file as a whole, without
/// its name (the caller's located error names it).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("is a directory, expected {expected}")]
    Directory { expected: String },
    /// The message quotes the I/O error (it is not also a `source`, so it is never shown twice).
    #[error("cannot read: {0}")]
    Read(std::io::Error),
    #[error("larger than {mib} MiB, the most sim reads from {expected}")]
    TooLarge { mib: u64, expected: String },
    #[error("is not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 { offset: usize },
}

/// `text` cut to [`ECHO_CHARS`] characters, with an ellipsis and the full length when cut.
pub fn clip(text: &str) -> Cow<'_, str> {
    clip_to(text, ECHO_CHARS)
}

/// The most characters of one message echoed back (lists of expected keys stay whole).
pub const MESSAGE_CHARS: usize = 4000;

/// A message that may quote user text: each run of characters without a space cut to
/// [`ECHO_CHARS`], and the whole to [`MESSAGE_CHARS`].
pub fn clip_message(text: &str) -> Cow<'_, str> {
    let long_word = text
        .split(char::is_whitespace)
        .any(|w| w.len() > ECHO_CHARS && w.chars().nth(ECHO_CHARS).is_some());
    if !long_word {
        return clip_to(text, MESSAGE_CHARS);
    }
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        // Closing quotes and punctuation stay after the cut, so the sentence still reads.
        let word = &rest[..end];
        let body = word.trim_end_matches(|c| "`\"',.:;)]}".contains(c));
        out.push_str(&clip(body));
        out.push_str(&word[body.len()..]);
        let space = rest[end..]
            .find(|c: char| !c.is_whitespace())
            .map_or(rest.len(), |i| end + i);
        out.push_str(&rest[end..space]);
        rest = &rest[space..];
    }
    Cow::Owned(clip_to(&out, MESSAGE_CHARS).into_owned())
}

/// `text` cut to `max` characters, with an ellipsis and the full length when cut.
pub fn clip_to(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!(
            "{}… ({} characters in all)",
            &text[..end],
            text.chars().count()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_past_the_limit_is_refused_and_one_at_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.toml");
        std::fs::write(&p, vec![b'a'; 2 << 20]).unwrap();
        assert_eq!(
            read_text(&p, 2 << 20, "a TOML file").unwrap().len(),
            2 << 20
        );
        let err = read_text(&p, 1 << 20, "a TOML file")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "larger than 1 MiB, the most sim reads from a TOML file"
        );
        let err = read_text(dir.path(), 1 << 20, "a TOML file")
            .unwrap_err()
            .to_string();
        assert_eq!(err, "is a directory, expected a TOML file");
    }

    #[test]
    fn an_endless_device_ends_in_an_error() {
        let zero = Path::new("/dev/zero");
        if zero.exists() {
            let err = read_text(zero, 1 << 20, "a JSON file")
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("larger than 1 MiB"), "{err}");
        }
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.json");
        std::fs::write(&p, "\u{feff}{\"a\": 1}").unwrap();
        assert_eq!(read_text(&p, 1 << 20, "x").unwrap(), "{\"a\": 1}");
        std::fs::write(&p, b"\xff\xfe{}").unwrap();
        let err = read_text(&p, 1 << 20, "x").unwrap_err().to_string();
        assert_eq!(err, "is not UTF-8 text (invalid byte at offset 0)");
    }

    #[test]
    fn long_text_is_clipped_with_its_length() {
        assert_eq!(clip("short"), "short");
        let long = "é".repeat(5000);
        let c = clip(&long);
        assert!(c.starts_with(&"é".repeat(ECHO_CHARS)));
        assert!(c.ends_with("… (5000 characters in all)"), "{c}");
        assert_eq!(clip_to("abcd", 4), "abcd");
        assert_eq!(clip_to("abcde", 4), "abcd… (5 characters in all)");
        let key = "k".repeat(5_000_000);
        let message = format!("unknown field `{key}`, expected one of `a`, `b`");
        let m = clip_message(&message);
        assert!(m.len() < 300, "{m}");
        assert!(
            m.ends_with(" characters in all)`, expected one of `a`, `b`"),
            "{m}"
        );
        let words = "ab ".repeat(5000);
        assert!(clip_message(&words).chars().count() < MESSAGE_CHARS + 40);
        assert_eq!(clip_message("a  b\tc"), "a  b\tc");
    }
}
