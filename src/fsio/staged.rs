//! A command's output folder, checked before any work and written at the end: [`Staged::begin`]
//! refuses a folder sim may not write into (see [`super::owned`]), the current folder or one
//! holding the command's inputs, and makes a staging folder inside it, so an unwritable `--out`
//! fails before a simulation starts. The command fills the staging folder; [`Staged::commit`]
//! moves sim's old files aside (or keeps them), moves the new ones in and lists them in the
//! marker. A command that fails, is refused or is interrupted leaves the folder as it found it.

use super::owned::{self, io, Error, Listing, Stamp, MARKER, SENTINEL};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// What a command does with the files an earlier sim command wrote into its folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The folder holds this command's files only (a sweep, a plan, a calibration).
    Replace,
    /// This command's files replace their namesakes; the other files of runs and timelines stay
    /// (a run and its timeline share a folder). Beside any other command's files it replaces.
    Update,
    /// This command's files replace their namesakes and every other file stays: `sim plan`
    /// writing its verdict beside the sweep it read from the folder.
    Beside,
}

impl Mode {
    /// The word the folder's listing records for it.
    fn name(self) -> &'static str {
        match self {
            Mode::Replace | Mode::Beside => "replace",
            Mode::Update => "update",
        }
    }
}

/// A new temporary folder of this process inside `dir`, holding the [`SENTINEL`] that tells it
/// from a user's folder of a similar name.
fn temp_folder(dir: &Path, kind: &str) -> std::io::Result<PathBuf> {
    let path = tempfile::Builder::new()
        .prefix(&super::temp_prefix(kind))
        .tempdir_in(dir)?
        .keep();
    std::fs::write(path.join(SENTINEL), owned::host())?;
    Ok(path)
}

/// `path` made absolute against the current folder (without resolving links).
fn absolute(path: &Path) -> Result<PathBuf, Error> {
    if path.is_absolute() {
        return Ok(path.to_path_buf());
    }
    Ok(std::env::current_dir()
        .map_err(io("read", Path::new(".")))?
        .join(path))
}

/// An output folder being written (see the module documentation).
#[derive(Debug)]
pub struct Staged {
    /// The folder as the user named it (for messages).
    shown: PathBuf,
    /// The same folder as an absolute path (for every file operation).
    target: PathBuf,
    staging: PathBuf,
    mode: Mode,
    /// The outermost folder this command created for the target, removed again on failure.
    created: Option<PathBuf>,
    done: bool,
}

/// Staging folders of this process with the folders made for them, removed by [`abandon_all`]
/// on a forced exit.
static LIVE: Mutex<Vec<(PathBuf, Option<PathBuf>)>> = Mutex::new(Vec::new());

/// Removes this process's staging folders, and the folders made for them while empty: for an
/// exit that skips destructors (an interrupt).
pub(crate) fn abandon_all() {
    if let Ok(live) = LIVE.lock() {
        for (staging, created) in live.iter() {
            let _ = std::fs::remove_dir_all(staging);
            if let (Some(c), Some(target)) = (created, staging.parent()) {
                remove_empty_up_to(target, c);
            }
        }
    }
}

/// Removes `dir` and its parents up to `top` while they are empty.
fn remove_empty_up_to(dir: &Path, top: &Path) {
    let mut dir = dir.to_path_buf();
    while std::fs::remove_dir(&dir).is_ok() && dir != top {
        match dir.parent() {
            Some(p) => dir = p.to_path_buf(),
            None => break,
        }
    }
}

impl Staged {
    /// Checks that the command may write into `target` and prepares its staging folder.
    /// `inputs` are the files the command reads: a folder holding one of them is refused, as is
    /// the current folder and any folder that holds it.
    pub fn begin(shown: &Path, mode: Mode, inputs: &[&Path]) -> Result<Staged, Error> {
        protect(shown, inputs)?;
        let target = absolute(shown)?;
        let target = target.as_path();
        let survey = owned::survey(target, None)?;
        owned::remove_debris(&survey);
        let created = outermost_missing(target);
        std::fs::create_dir_all(target).map_err(io("create folder", shown))?;
        let staging = match temp_folder(target, "staging") {
            Ok(dir) => dir,
            Err(e) => {
                if let Some(c) = &created {
                    remove_empty_up_to(target, c);
                }
                return Err(io("write into", shown)(e));
            }
        };
        if let Ok(mut live) = LIVE.lock() {
            live.push((staging.clone(), created.clone()));
        }
        Ok(Staged {
            shown: shown.to_path_buf(),
            target: target.to_path_buf(),
            staging,
            mode,
            created,
            done: false,
        })
    }

    /// The folder to write the command's files into.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// The folder the files will be in once committed, as the user named it.
    pub fn shown(&self) -> &Path {
        &self.shown
    }

    /// Moves the staged files into the target folder and lists them in its marker. The target is
    /// surveyed again first: a file that appeared or changed during the command is never touched.
    pub fn commit(mut self) -> Result<(), Error> {
        let survey = owned::survey(&self.target, Some(&self.staging))?;
        owned::remove_debris(&survey);
        let staged = files_in(&self.staging)?;
        let mut new = Listing::default();
        for (rel, stamp) in &staged {
            new.files.entry(rel.clone()).or_default().insert(*stamp);
        }
        // A run keeps the other files of runs and timelines; beside a sweep's (or any other
        // command's) files it would make a mixed folder, so it replaces them.
        let keep = match self.mode {
            Mode::Replace => false,
            Mode::Update => survey.kind == Mode::Update.name(),
            Mode::Beside => true,
        };
        let mut kept = Listing::default();
        if keep {
            for (rel, stamps) in &survey.ours {
                if !new.files.contains_key(rel) {
                    kept.files.insert(rel.clone(), stamps.clone());
                    new.files.insert(rel.clone(), stamps.clone());
                }
            }
        }
        new.kind = match (self.mode, survey.kind.is_empty()) {
            (Mode::Beside, false) => survey.kind.clone(),
            _ => self.mode.name().into(),
        };
        // While files move, the marker vouches for the old and the new alike, so a crash at any
        // point leaves a folder whose every file is listed.
        let mut both = new.clone();
        for (rel, stamps) in &survey.ours {
            both.files
                .entry(rel.clone())
                .or_default()
                .extend(stamps.iter().copied());
        }
        self.write_marker(&both)?;
        let aside = temp_folder(&self.target, "old").map_err(io("write into", &self.shown))?;
        let mut moved_aside = Vec::new();
        let moved = self
            .move_aside(&survey, &kept, &aside, &mut moved_aside)
            .and_then(|()| self.move_in(&staged));
        if let Err(e) = moved {
            // Put sim's previous files back where they were: they stay whole.
            for rel in moved_aside.iter().rev() {
                let _ = std::fs::rename(aside.join(rel), self.target.join(rel));
            }
            let _ = std::fs::remove_dir_all(&aside);
            return Err(e);
        }
        // The listing of old and new already covers the folder; the exact one is a courtesy.
        let _ = self.write_marker(&new);
        let _ = std::fs::remove_dir_all(&aside);
        for folder in &survey.folders {
            let _ = std::fs::remove_dir(folder); // only if empty now
        }
        self.finish();
        Ok(())
    }

    fn write_marker(&self, listing: &Listing) -> Result<(), Error> {
        let path = self.target.join(MARKER);
        super::write(&path, listing.text().as_bytes()).map_err(|e| Error::Io {
            what: "write",
            path: path.clone(),
            source: std::io::Error::other(e.with_causes()),
        })
    }

    /// Moves sim's old files that the new ones do not keep into `aside`, noting each in `moved`.
    fn move_aside(
        &self,
        survey: &owned::Survey,
        kept: &Listing,
        aside: &Path,
        moved: &mut Vec<String>,
    ) -> Result<(), Error> {
        for rel in survey.ours.keys() {
            if kept.files.contains_key(rel) {
                continue;
            }
            let to = aside.join(rel);
            if let Some(p) = to.parent() {
                std::fs::create_dir_all(p).map_err(io("create folder", p))?;
            }
            let from = self.target.join(rel);
            std::fs::rename(&from, &to).map_err(io("move aside", &from))?;
            moved.push(rel.clone());
        }
        Ok(())
    }

    fn move_in(&self, staged: &[(String, Stamp)]) -> Result<(), Error> {
        for (rel, _) in staged {
            let to = self.target.join(rel);
            if let Some(p) = to.parent() {
                std::fs::create_dir_all(p).map_err(io("create folder", p))?;
            }
            std::fs::rename(self.staging.join(rel), &to).map_err(io("write", &to))?;
        }
        Ok(())
    }

    fn finish(&mut self) {
        let _ = std::fs::remove_dir_all(&self.staging);
        if let Ok(mut live) = LIVE.lock() {
            live.retain(|(d, _)| d != &self.staging);
        }
        self.done = true;
    }
}

impl Drop for Staged {
    /// A command that did not commit leaves the folder as it found it.
    fn drop(&mut self) {
        if self.done {
            return;
        }
        self.finish();
        if let Some(c) = &self.created {
            // Only folders this command created, and only while they hold nothing.
            remove_empty_up_to(&self.target, c);
        }
    }
}

/// Every file under `dir` with its stamp, by relative path, in sorted order.
fn files_in(dir: &Path) -> Result<Vec<(String, Stamp)>, Error> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(io("read", &d))? {
            let p = e.map_err(io("read", &d))?.path();
            if d == dir && p.file_name() == Some(SENTINEL.as_ref()) {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                let stamp = Stamp::of(&p).map_err(io("read", &p))?;
                out.push((owned::relative(dir, &p), stamp));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The first folder on the way to `target` that does not exist yet (None: it exists).
fn outermost_missing(target: &Path) -> Option<PathBuf> {
    let mut missing = None;
    let mut p = Some(target);
    while let Some(dir) = p.filter(|d| !d.as_os_str().is_empty()) {
        if dir.exists() {
            break;
        }
        missing = Some(dir.to_path_buf());
        p = dir.parent();
    }
    missing
}

/// Refuses the current folder, a folder that holds it, and a folder that holds an input.
fn protect(target: &Path, inputs: &[&Path]) -> Result<(), Error> {
    let canon = canonical(target)?;
    let refuse = |why: String| Error::Protected {
        dir: target.to_path_buf(),
        why,
    };
    if let Ok(cwd) = std::env::current_dir().and_then(|d| d.canonicalize()) {
        if cwd.starts_with(&canon) {
            return Err(refuse(if cwd == canon {
                "is the current folder".into()
            } else {
                "holds the current folder".into()
            }));
        }
    }
    for input in inputs {
        if let Ok(i) = input.canonicalize() {
            if i.starts_with(&canon) {
                return Err(refuse(format!(
                    "holds {}, an input of this command",
                    input.display()
                )));
            }
        }
    }
    Ok(())
}

/// `path` made absolute with every existing part's links resolved; the parts that do not exist
/// yet must be plain names.
fn canonical(path: &Path) -> Result<PathBuf, Error> {
    let abs = absolute(path)?;
    let mut rest = Vec::new();
    let mut base = abs.as_path();
    loop {
        if let Ok(c) = base.canonicalize() {
            let mut out = c;
            for part in rest.iter().rev() {
                match part {
                    Component::Normal(n) => out.push(n),
                    Component::CurDir => {}
                    _ => {
                        return Err(Error::Protected {
                            dir: path.to_path_buf(),
                            why: "names `..` after a folder that does not exist".into(),
                        })
                    }
                }
            }
            return Ok(out);
        }
        let (Some(parent), Some(last)) = (base.parent(), base.components().next_back()) else {
            return Ok(abs);
        };
        rest.push(last);
        base = parent;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn replaces_its_own_files_only() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        let s = Staged::begin(&target, Mode::Replace, &[]).unwrap();
        write(s.path(), "a.csv", "1");
        write(s.path(), "sub/x.svg", "x");
        s.commit().unwrap();
        let s = Staged::begin(&target, Mode::Replace, &[]).unwrap();
        write(s.path(), "b.csv", "2");
        s.commit().unwrap();
        assert_eq!(names(&target), [MARKER, "b.csv"]);
        assert_eq!(names(root.path()), ["out"], "nothing left beside it");
    }

    #[test]
    fn an_update_replaces_the_files_of_another_kind_of_command() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        let s = Staged::begin(&target, Mode::Replace, &[]).unwrap();
        write(s.path(), "summary.csv", "sweep");
        s.commit().unwrap();
        let s = Staged::begin(&target, Mode::Update, &[]).unwrap();
        write(s.path(), "summary.json", "run");
        s.commit().unwrap();
        assert_eq!(names(&target), [MARKER, "summary.json"], "no mixed folder");
    }

    #[test]
    fn an_update_keeps_sims_other_files() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        let s = Staged::begin(&target, Mode::Update, &[]).unwrap();
        write(s.path(), "a.csv", "1");
        s.commit().unwrap();
        let s = Staged::begin(&target, Mode::Update, &[]).unwrap();
        write(s.path(), "b.csv", "2");
        s.commit().unwrap();
        assert_eq!(names(&target), [MARKER, "a.csv", "b.csv"]);
        // Both are still sim's: a replace takes them.
        let s = Staged::begin(&target, Mode::Replace, &[]).unwrap();
        s.commit().unwrap();
        assert_eq!(names(&target), [MARKER]);
    }

    #[test]
    fn a_foreign_or_changed_file_is_refused_and_kept() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        let s = Staged::begin(&target, Mode::Replace, &[]).unwrap();
        write(s.path(), "a.csv", "1");
        s.commit().unwrap();
        write(&target, "notes.txt", "mine");
        let err = Staged::begin(&target, Mode::Replace, &[]).unwrap_err();
        assert!(err.to_string().contains("notes.txt"), "{err}");
        std::fs::remove_file(target.join("notes.txt")).unwrap();
        write(&target, "a.csv", "edited");
        let err = Staged::begin(&target, Mode::Update, &[]).unwrap_err();
        assert!(err.to_string().contains("changed"), "{err}");
        assert_eq!(
            std::fs::read_to_string(target.join("a.csv")).unwrap(),
            "edited"
        );
    }

    #[test]
    fn a_file_that_appears_during_the_command_stops_the_commit() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        let s = Staged::begin(&target, Mode::Replace, &[]).unwrap();
        write(s.path(), "a.csv", "1");
        write(&target, "late.txt", "mine");
        assert!(s.commit().is_err());
        assert_eq!(
            names(&target),
            ["late.txt"],
            "no staging folder, no marker left"
        );
    }

    #[test]
    fn a_failed_write_leaves_the_previous_results_whole() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        let s = Staged::begin(&target, Mode::Replace, &[]).unwrap();
        write(s.path(), "a.csv", "old");
        s.commit().unwrap();
        let marker = std::fs::read(target.join(MARKER)).unwrap();
        // A command whose writing fails part way (a full disk) never commits.
        let s = Staged::begin(&target, Mode::Replace, &[]).unwrap();
        write(s.path(), "a.csv", "new");
        write(s.path(), "b.csv", "half");
        drop(s);
        assert_eq!(names(&target), [MARKER, "a.csv"]);
        assert_eq!(
            std::fs::read_to_string(target.join("a.csv")).unwrap(),
            "old"
        );
        assert_eq!(std::fs::read(target.join(MARKER)).unwrap(), marker);
    }

    #[test]
    fn a_dropped_command_removes_what_it_created() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("a/b/out");
        let s = Staged::begin(&target, Mode::Replace, &[]).unwrap();
        write(s.path(), "a.csv", "1");
        drop(s);
        assert!(names(root.path()).is_empty());
    }

    #[test]
    fn the_current_folder_and_folders_of_inputs_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let model = root.path().join("models/m.toml");
        write(root.path(), "models/m.toml", "x");
        let err = Staged::begin(root.path(), Mode::Replace, &[&model]).unwrap_err();
        assert!(err.to_string().contains("m.toml"), "{err}");
        let err = Staged::begin(Path::new("."), Mode::Replace, &[]).unwrap_err();
        assert!(err.to_string().contains("current folder"), "{err}");
        let err = Staged::begin(Path::new("/"), Mode::Replace, &[]).unwrap_err();
        assert!(
            err.to_string().contains("holds the current folder"),
            "{err}"
        );
    }

    #[test]
    fn debris_of_a_dead_command_is_cleaned() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        // No process has id 4194304 + 7 (above Linux's largest pid).
        write(&target, ".sim-staging-4194311-x/a.csv", "1");
        write(
            &target,
            &format!(".sim-staging-4194311-x/{SENTINEL}"),
            &owned::host(),
        );
        write(&target, ".sim-tmp-4194311-y", "");
        let s = Staged::begin(&target, Mode::Replace, &[]).unwrap();
        s.commit().unwrap();
        assert_eq!(names(&target), [MARKER]);
        // Another host's staging is not this host's to judge: the folder is busy.
        write(
            &target,
            &format!(".sim-staging-4194311-z/{SENTINEL}"),
            "elsewhere",
        );
        let err = Staged::begin(&target, Mode::Replace, &[]).unwrap_err();
        assert!(err.to_string().contains("another sim command"), "{err}");
        std::fs::remove_dir_all(target.join(".sim-staging-4194311-z")).unwrap();
        // A user's entries with such names (no sentinel, other content) are foreign.
        for user in [
            ".sim-old-4194311-thesis.txt",
            ".sim-staging-4194311-photos/cat.jpg",
        ] {
            write(&target, user, "mine");
            let err = Staged::begin(&target, Mode::Replace, &[]).unwrap_err();
            assert!(err.to_string().contains("was not written by sim"), "{err}");
            assert_eq!(std::fs::read_to_string(target.join(user)).unwrap(), "mine");
            std::fs::remove_file(target.join(user)).unwrap();
        }
    }
}
