//! File-system helpers shared by every layer that writes (plots, the sweep journal, outputs):
//! atomic writes, a temporary file in the target folder then a rename, so a crash or Ctrl-C never
//! leaves a truncated result behind.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

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
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
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

/// Marks a folder as written by `sim`, so that it may be replaced by a later run.
pub const MARKER: &str = ".sim-output";

/// Fails unless `target` is absent, empty, or a folder an earlier `sim` run wrote.
pub fn check_replaceable(target: &Path) -> Result<()> {
    if target.exists() {
        anyhow::ensure!(
            target.is_dir(),
            "{} exists and is not a folder",
            target.display()
        );
        let empty = std::fs::read_dir(target)?.next().is_none();
        anyhow::ensure!(
            empty || target.join(MARKER).exists(),
            "refusing to replace {}: it was not written by sim (no {MARKER} file); remove it or choose another --out",
            target.display()
        );
    }
    Ok(())
}

/// Fails if one of `names` exists in `dir` and `dir` does not carry the [`MARKER`]: a command that
/// writes single files into a folder replaces only files an earlier `sim` command wrote there.
pub fn check_overwritable(dir: &Path, names: &[&str]) -> Result<()> {
    if dir.join(MARKER).exists() {
        return Ok(());
    }
    match names.iter().map(|n| dir.join(n)).find(|p| p.exists()) {
        None => Ok(()),
        Some(file) => anyhow::bail!(
            "refusing to overwrite {}: it was not written by sim (no {MARKER} file in {}); \
             remove it or choose another --out",
            file.display(),
            dir.display()
        ),
    }
}

/// Marks `dir` as written by `sim` (see [`check_overwritable`]).
pub fn mark(dir: &Path) -> Result<()> {
    write(
        &dir.join(MARKER),
        b"written by sim; safe to delete with its folder\n",
    )
}

/// Fills a fresh staging folder with `fill`, then puts it in place of `target` in one rename, so
/// readers see either the old results or the new ones, never a mix. An existing `target` is
/// replaced only if it is empty or carries the [`MARKER`] of an earlier `sim` run.
pub fn replace_dir(target: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    check_replaceable(target)?;
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create folder {}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".sim-staging-")
        .tempdir_in(parent)
        .with_context(|| format!("cannot create a staging folder in {}", parent.display()))?;
    fill(staging.path())?;
    mark(staging.path())?;
    let staged = staging.keep();
    if target.exists() {
        let old = tempfile::Builder::new()
            .prefix(".sim-old-")
            .tempdir_in(parent)?
            .keep();
        std::fs::rename(target, old.join("previous"))
            .with_context(|| format!("cannot move the old {} aside", target.display()))?;
        std::fs::rename(&staged, target)
            .with_context(|| format!("cannot write {}", target.display()))?;
        std::fs::remove_dir_all(&old).ok();
    } else {
        std::fs::rename(&staged, target)
            .with_context(|| format!("cannot write {}", target.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_its_own_folders_only() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        replace_dir(&target, |d| write(&d.join("a.csv"), b"1")).unwrap();
        replace_dir(&target, |d| write(&d.join("b.csv"), b"2")).unwrap();
        assert!(
            !target.join("a.csv").exists(),
            "old results are not mixed in"
        );
        assert_eq!(std::fs::read(target.join("b.csv")).unwrap(), b"2");
        let foreign = root.path().join("mine");
        std::fs::create_dir(&foreign).unwrap();
        std::fs::write(foreign.join("notes.txt"), "keep me").unwrap();
        let err = replace_dir(&foreign, |_| Ok(())).unwrap_err();
        assert!(err.to_string().contains("refusing"));
        assert!(foreign.join("notes.txt").exists());
        let leftovers: Vec<_> = std::fs::read_dir(root.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 2, "no staging folders left behind");
    }

    #[test]
    fn overwrites_marked_files_only() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path();
        check_overwritable(dir, &["summary.json"]).unwrap();
        std::fs::write(dir.join("summary.json"), "theirs").unwrap();
        let err = check_overwritable(dir, &["summary.json"]).unwrap_err();
        assert!(err.to_string().contains("summary.json"), "{err}");
        mark(dir).unwrap();
        check_overwritable(dir, &["summary.json"]).unwrap();
    }
}
