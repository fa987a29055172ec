//! sim's own resume folder beside an output folder (`.NAME.resume`): it is used, emptied or
//! removed only while it holds nothing but a journal sim writes (its header, its run files and
//! sim's temporary files), so a user's folder of that name is never touched.

use super::journal::{HEADER, RUNS};
use std::path::{Path, PathBuf};

/// Why a folder where sim's resume folder belongs is not sim's to use.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NotOwn {
    /// Something in it that sim does not write.
    #[error(
        "{} {why}, so it is not sim's resume folder for this output: sim leaves it alone; \
         move it away or choose another --out",
        path.display()
    )]
    Foreign { path: PathBuf, why: &'static str },
    /// A folder in it that cannot be listed.
    #[error("cannot read {}: {why}", dir.display())]
    CannotList { dir: PathBuf, why: std::io::Error },
    /// An entry that cannot be looked at.
    #[error("{0}")]
    CannotLook(std::io::Error),
}

/// Fails, saying why, unless `dir` is absent or holds only a journal's files.
pub(crate) fn check_own(dir: &Path) -> Result<(), NotOwn> {
    let refuse = |what: &Path, why: &'static str| {
        Err(NotOwn::Foreign {
            path: what.to_path_buf(),
            why,
        })
    };
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(_) => return Ok(()),
    };
    if !meta.is_dir() {
        return refuse(dir, "is not a folder");
    }
    for entry in entries(dir)? {
        let name = entry.file_name().unwrap_or_default().to_string_lossy();
        let meta = std::fs::symlink_metadata(&entry).map_err(NotOwn::CannotLook)?;
        match (name.as_ref(), meta.is_dir(), meta.is_file()) {
            (HEADER, _, true) => {}
            (RUNS, true, _) => {
                for run in entries(&entry)? {
                    let n = run.file_name().unwrap_or_default().to_string_lossy();
                    let is_file = std::fs::symlink_metadata(&run).is_ok_and(|m| m.is_file());
                    if !is_file || !(is_run_file(&n) || is_temp(&n)) {
                        return refuse(&run, "is not a run file sim writes");
                    }
                }
            }
            (n, _, true) if is_temp(n) => {}
            _ => return refuse(&entry, "is not part of a journal sim writes"),
        }
    }
    Ok(())
}

/// Removes a resume folder that [`check_own`] accepts: its files one by one, then the folders.
pub(crate) fn remove_own(dir: &Path) {
    if check_own(dir).is_err() {
        return;
    }
    if let Ok(runs) = entries(&dir.join(RUNS)) {
        for f in runs {
            let _ = std::fs::remove_file(f);
        }
    }
    let _ = std::fs::remove_dir(dir.join(RUNS));
    if let Ok(files) = entries(dir) {
        for f in files {
            let _ = std::fs::remove_file(f);
        }
    }
    let _ = std::fs::remove_dir(dir);
}

fn entries(dir: &Path) -> Result<Vec<PathBuf>, NotOwn> {
    let cannot = |why| NotOwn::CannotList {
        dir: dir.to_path_buf(),
        why,
    };
    std::fs::read_dir(dir)
        .map_err(cannot)?
        .map(|e| e.map(|e| e.path()).map_err(NotOwn::CannotLook))
        .collect()
}

/// A run's file: a hex key and `.json`.
fn is_run_file(name: &str) -> bool {
    name.strip_suffix(".json")
        .is_some_and(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_hexdigit()))
}

/// One of sim's temporary files (an atomic write under way or cut short).
fn is_temp(name: &str) -> bool {
    crate::fsio::owned::temp_pid(name).is_some() && name.starts_with(".sim-tmp-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_journal_is_sims_to_remove() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join(".out.resume");
        std::fs::create_dir_all(dir.join(RUNS)).unwrap();
        std::fs::write(dir.join(HEADER), "{}").unwrap();
        std::fs::write(dir.join(RUNS).join("0a1b.json"), "{}").unwrap();
        check_own(&dir).unwrap();
        std::fs::write(dir.join("NOTES.txt"), "mine").unwrap();
        let err = check_own(&dir).unwrap_err().to_string();
        assert!(err.contains("NOTES.txt"), "{err}");
        remove_own(&dir);
        assert_eq!(
            std::fs::read_to_string(dir.join("NOTES.txt")).unwrap(),
            "mine"
        );
        std::fs::remove_file(dir.join("NOTES.txt")).unwrap();
        remove_own(&dir);
        assert!(!dir.exists());
    }
}
