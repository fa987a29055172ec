//! Single files sim writes outside an output folder, at a path the user names (`sim check
//! --markdown FILE --junit FILE`, for a CI job to post or attach). No folder listing can vouch for
//! such a file, so the file vouches for itself: its last line is a comment holding a signature,
//! the hash of every byte above it. sim replaces a file at that path only when it is absent or
//! still exactly what sim wrote (its signature holds); anything else, a file of the user's or one
//! of sim's they edited, is refused before any work. The files of one command are written to
//! temporary files beside their targets and renamed into place only once all are written.

use crate::engine::rng as fnv;
use std::path::{Path, PathBuf};

/// Why a single file may not be written, or could not be.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// Something at the path that sim did not write, or that changed since.
    #[error("refusing to overwrite {}: it {why}; remove it or name another file", path.display())]
    Foreign { path: PathBuf, why: String },
    /// A file-system call failed.
    #[error("cannot {what} {}: {source}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> Error + 'a {
    move |source| Error::Io {
        what,
        path: path.to_path_buf(),
        source,
    }
}

/// The word before the hash in the signature line.
const TAG: &str = "sim-signature fnv1a:";

/// The largest file read to check a signature (a verdict is a few kilobytes).
const MAX_BYTES: u64 = 16 << 20;

/// How a format writes a comment around the signature: `("<!-- ", " -->")` for Markdown and XML.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Comment {
    pub open: &'static str,
    pub close: &'static str,
}

/// The comment of Markdown (rendered invisibly) and of XML (allowed after the root element).
pub(crate) const HTML_COMMENT: Comment = Comment {
    open: "<!-- ",
    close: " -->",
};

/// The hash a signature carries for `body`.
fn hash(body: &[u8]) -> u64 {
    fnv::fnv1a(fnv::FNV_START, body)
}

/// `body` (ending with a newline) followed by its signature line.
pub(crate) fn signed(body: &str, comment: Comment) -> String {
    let mut body = body.to_string();
    if !body.ends_with('\n') {
        body.push('\n');
    }
    let sig = format!(
        "{}written by sim; sim replaces this file only while it is unchanged. {TAG}{:016x}{}\n",
        comment.open,
        hash(body.as_bytes()),
        comment.close
    );
    body + &sig
}

/// Whether `bytes` end with a signature that holds for what comes before it.
fn signature_holds(bytes: &[u8]) -> bool {
    let Some(stripped) = bytes.strip_suffix(b"\n") else {
        return false;
    };
    let start = stripped
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let (body, last) = bytes.split_at(start);
    let Ok(last) = std::str::from_utf8(last) else {
        return false;
    };
    let Some(at) = last.find(TAG) else {
        return false;
    };
    let hex: String = last[at + TAG.len()..].chars().take(16).collect();
    u64::from_str_radix(&hex, 16).is_ok_and(|h| hex.len() == 16 && h == hash(body))
}

/// Refuses `path` unless it is absent or a file sim wrote and nobody changed since: call it for
/// every file before any work.
pub(crate) fn check(path: &Path) -> Result<(), Error> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io("read", path)(e)),
    };
    let foreign = |why: &str| Error::Foreign {
        path: path.to_path_buf(),
        why: why.into(),
    };
    if !meta.is_file() {
        return Err(foreign("is not a plain file"));
    }
    if meta.len() > MAX_BYTES {
        return Err(foreign("is not a file sim wrote (too large)"));
    }
    let bytes = std::fs::read(path).map_err(io("read", path))?;
    if signature_holds(&bytes) {
        Ok(())
    } else {
        Err(foreign(
            "is not a file sim wrote, or was changed since (sim signs such files on their \
             last line)",
        ))
    }
}

/// Writes each `(path, text)` (texts already [`signed`]): every file to a temporary file beside
/// its target first, then all renamed into place. Each target is checked again just before.
pub(crate) fn write_all(files: &[(&Path, String)]) -> Result<(), Error> {
    let mut ready = Vec::new();
    for (path, text) in files {
        check(path)?;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io("create folder", dir))?;
        let mut tmp = tempfile::Builder::new()
            .prefix(&super::temp_prefix("tmp"))
            .tempfile_in(dir)
            .map_err(io("write into", dir))?;
        std::io::Write::write_all(tmp.as_file_mut(), text.as_bytes()).map_err(io("write", path))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            (tmp.as_file())
                .set_permissions(std::fs::Permissions::from_mode(0o644))
                .map_err(io("write", path))?;
        }
        ready.push((tmp, *path));
    }
    for (tmp, path) in ready {
        tmp.persist(path).map_err(|e| io("write", path)(e.error))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_text_is_recognised_and_an_edited_one_is_not() {
        let text = signed("# verdict\n\nholds\n", HTML_COMMENT);
        assert!(text.ends_with(" -->\n"));
        assert!(signature_holds(text.as_bytes()));
        let edited = text.replace("holds", "fails");
        assert!(!signature_holds(edited.as_bytes()));
        assert!(!signature_holds(b"# my notes\n"));
        assert!(!signature_holds(b""));
        let appended = text.clone() + "more\n";
        assert!(!signature_holds(appended.as_bytes()));
    }

    #[test]
    fn only_absent_or_unchanged_files_may_be_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("check.md");
        check(&path).unwrap();
        write_all(&[(&path, signed("one", HTML_COMMENT))]).unwrap();
        check(&path).unwrap();
        write_all(&[(&path, signed("two", HTML_COMMENT))]).unwrap();
        assert!(std::fs::read_to_string(&path).unwrap().starts_with("two\n"));
        std::fs::write(&path, "mine\n").unwrap();
        let e = check(&path).unwrap_err().to_string();
        assert!(e.contains("not a file sim wrote"), "{e}");
        assert!(check(dir.path()).is_err());
    }
}
