//! File-system helpers shared by every layer that writes (plots, the sweep journal, outputs):
//! atomic writes (a temporary file in the target folder, then a rename, so a crash or Ctrl-C
//! never leaves a truncated result behind), and the output folders sim may write into
//! ([`owned`]: which files in them sim wrote; [`staged`]: a command's files written aside and
//! moved in together), and single files at a path the user names, which sign themselves
//! ([`single`]).

pub mod owned;
pub mod single;
pub mod staged;

pub use owned::MARKER;
pub use staged::{Mode, Staged};

use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

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
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create folder {}", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(&temp_prefix("tmp"))
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        fill(&mut w).and_then(|_| w.flush())
    }
    .with_context(|| format!("cannot write {}", path.display()))?;
    // Temporary files are private (0600); results are ordinary files, readable by all.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
