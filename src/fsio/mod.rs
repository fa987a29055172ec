//! File-system helpers shared by every layer that writes (plots, the sweep journal, outputs):
//! atomic writes (a temporary file in the target folder, then a rename, so a crash or Ctrl-C
//! never leaves a truncated result behind), and the output folders sim may write into
//! ([`owned`]: which files in them sim wrote; [`staged`]: a command's files written aside and
//! moved in together), and single files at a path the user names, which sign themselves
//! ([`single`]).

pub(crate) mod owned;
pub(crate) mod single;
pub(crate) mod staged;

pub use owned::MARKER;
pub use staged::{Mode, Staged};

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a file could not be written. The message says what was being done to which path; the
/// I/O error is its source, which the command line prints after it ([`WriteError::with_causes`]).
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot create folder {}", dir.display())]
    CreateFolder {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create a temporary file in {}", dir.display())]
    TempFile {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl WriteError {
    /// The message followed by each of its causes after ": ", as the command line prints an
    /// error.
    pub fn with_causes(&self) -> String {
        let mut text = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            text = format!("{text}: {c}");
            cause = c.source();
        }
        text
    }
}

type Result<T> = std::result::Result<T, WriteError>;

/// The name prefix of sim's temporary files and folders, followed by the process id, so that a
/// later command can tell debris of a killed `sim` from anything else (see [`owned`]).
pub(crate) fn temp_prefix(kind: &str) -> String {
    format!(".sim-{kind}-{}-", std::process::id())
}

/// Writes `bytes` to `path` atomically, creating parent folders.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    write_with(path, |w| w.write_all(bytes))
}

/// Writes what `fill` writes (through a buffer) to `path` atomically, creating parent folders.
pub fn write_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|source| WriteError::CreateFolder {
        dir: dir.to_path_buf(),
        source,
    })?;
    let mut tmp = tempfile::Builder::new()
        .prefix(&temp_prefix("tmp"))
        .tempfile_in(dir)
        .map_err(|source| WriteError::TempFile {
            dir: dir.to_path_buf(),
            source,
        })?;
    let failed = |source| WriteError::Write {
        path: path.to_path_buf(),
        source,
    };
    {
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        fill(&mut w).and_then(|_| w.flush())
    }
    .map_err(failed)?;
    // Temporary files are private (0600); results are ordinary files, readable by all.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(failed)?;
    }
    tmp.persist(path).map_err(|e| failed(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_names_the_path_then_its_cause_once() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "x").unwrap();
        let e = write(&file.join("below").join("x.csv"), b"1").unwrap_err();
        let head = format!("cannot create folder {}", file.join("below").display());
        assert_eq!(e.to_string(), head);
        let cause = std::error::Error::source(&e)
            .expect("the I/O error")
            .to_string();
        // As the command line prints it: the cause once, not again inside the message.
        assert_eq!(e.with_causes(), format!("{head}: {cause}"));
    }
}
