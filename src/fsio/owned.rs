//! Which files in an output folder sim wrote. The folder's marker ([`MARKER`]) lists every file
//! a sim command wrote there by path, size and hash; a survey of the folder finds each entry
//! either in that list (sim's own: it may be replaced), debris of a killed sim command (removed),
//! or foreign: anything else, which makes every writing command refuse the folder.

use crate::engine::rng as fnv;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The file in an output folder that lists the files sim wrote there.
pub const MARKER: &str = ".sim-output";

/// The first line of a marker that lists its files; older markers only said "written by sim".
const VERSION_LINE: &str = "sim-output 2";

/// How many entries a survey reads before it gives up on a folder as not sim's.
const MAX_ENTRIES: usize = 100_000;

/// How deep a survey descends (sim writes at most one level of subfolders).
const MAX_DEPTH: usize = 8;

/// The largest marker read (a listing of [`MAX_ENTRIES`] files is far smaller).
const MAX_MARKER_BYTES: u64 = 16 << 20;

/// Why a folder is not sim's to write into, or could not be surveyed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An entry sim did not write (or that changed since it did).
    #[error(
        "refusing to write into {dir}: {} {why}; sim writes only into a folder that is absent, \
         empty or holds nothing but files sim wrote there: remove it or choose another --out",
        file.display()
    )]
    Foreign {
        dir: PathBuf,
        file: PathBuf,
        why: String,
    },
    /// The folder is in use by another sim command that is still running.
    #[error("refusing to write into {}: another sim command ({who}) is writing there", dir.display())]
    Busy { dir: PathBuf, who: String },
    /// The folder is one the command must not replace (the current folder, or one holding inputs).
    #[error(
        "refusing to write into {dir}: it {why}; choose a folder of its own for sim's outputs"
    )]
    Protected { dir: PathBuf, why: String },
    /// The path names something that is not a folder.
    #[error("{0} exists and is not a folder")]
    NotAFolder(PathBuf),
    /// A file-system call failed.
    #[error("cannot {what} {}: {source}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Wraps an I/O error with what was being done and to which path.
pub(crate) fn io<'a>(
    what: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> Error + 'a {
    move |source| Error::Io {
        what,
        path: path.to_path_buf(),
        source,
    }
}

/// What sim recorded of one file it wrote: its size and content hash (64-bit FNV-1a: a check
/// against accidents, an edited or replaced file, not against an adversary).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Stamp {
    pub size: u64,
    pub hash: u64,
}

impl Stamp {
    /// The stamp of the file at `path` as it is now.
    pub(crate) fn of(path: &Path) -> std::io::Result<Stamp> {
        let mut file = std::fs::File::open(path)?;
        let mut hash = fnv::FNV_START;
        let mut buf = vec![0u8; 1 << 16];
        let mut size = 0u64;
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hash = fnv::fnv1a(hash, &buf[..n]);
            size += n as u64;
        }
        Ok(Stamp { size, hash })
    }
}

/// The files a marker lists: by path relative to the folder (with `/`), every stamp recorded
/// for it (two while a command is moving its files in: the old and the new).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Listing {
    pub files: BTreeMap<String, BTreeSet<Stamp>>,
    /// What wrote the folder: `update` (a run or a timeline, whose files may sit side by side),
    /// or `replace` (a sweep, a plan, a calibration: one command's files only).
    pub kind: String,
    /// The marker predates listings: files with names sim writes count as sim's.
    legacy: bool,
}

impl Listing {
    /// The listing in `dir`'s marker; an empty one where there is no marker.
    pub(crate) fn read(dir: &Path) -> Result<Listing, Error> {
        let path = dir.join(MARKER);
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Listing::default()),
            Err(e) => return Err(io("read", &path)(e)),
        };
        if !meta.is_file() || meta.len() > MAX_MARKER_BYTES {
            return Err(Error::Foreign {
                dir: dir.to_path_buf(),
                file: path,
                why: "is not a marker sim wrote".into(),
            });
        }
        let text = std::fs::read(&path).map_err(io("read", &path))?;
        let text = String::from_utf8_lossy(&text);
        let mut lines = text.lines();
        if lines.next() != Some(VERSION_LINE) {
            return Ok(Listing {
                legacy: true,
                ..Listing::default()
            });
        }
        let mut files: BTreeMap<String, BTreeSet<Stamp>> = BTreeMap::new();
        let mut kind = String::new();
        for line in lines.filter(|l| !l.is_empty()) {
            if let Some(k) = line.strip_prefix("# kind: ") {
                kind = k.trim().to_string();
                continue;
            }
            if line.starts_with('#') {
                continue;
            }
            let mut parts = line.splitn(3, ' ');
            let (Some(hash), Some(size), Some(name)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let (Ok(hash), Ok(size)) = (u64::from_str_radix(hash, 16), size.parse()) else {
                continue;
            };
            files
                .entry(name.to_string())
                .or_default()
                .insert(Stamp { size, hash });
        }
        Ok(Listing {
            files,
            kind,
            legacy: false,
        })
    }

    /// The marker's text.
    pub(crate) fn text(&self) -> String {
        let mut s = format!(
            "{VERSION_LINE}\n# written by sim: the files it wrote in this folder (hash, size, path);\n\
             # sim replaces or removes only these, and refuses the folder if it holds anything else\n\
             # kind: {}\n",
            self.kind
        );
        for (name, stamps) in &self.files {
            for st in stamps {
                s += &format!("{:016x} {} {name}\n", st.hash, st.size);
            }
        }
        s
    }

    /// Whether the file `rel` with stamp `stamp` (computed only if needed) is one sim wrote.
    fn owns(&self, rel: &str, stamp: impl FnOnce() -> std::io::Result<Stamp>) -> Ownership {
        if self.legacy {
            return match legacy_name(rel) {
                true => Ownership::Ours,
                false => Ownership::Unlisted,
            };
        }
        let Some(stamps) = self.files.get(rel) else {
            return Ownership::Unlisted;
        };
        match stamp() {
            Ok(s) if stamps.contains(&s) => Ownership::Ours,
            Ok(_) => Ownership::Changed,
            Err(_) => Ownership::Unreadable,
        }
    }
}

enum Ownership {
    Ours,
    Unlisted,
    Changed,
    Unreadable,
}

/// The files an older sim wrote, which marked its folders without listing them: its fixed file
/// names, its charts, and a calibrated model.
fn legacy_name(rel: &str) -> bool {
    const NAMES: [&str; 11] = [
        "summary.json",
        "timeseries.csv",
        "report.html",
        "runs.csv",
        "summary.csv",
        "sensitivity.csv",
        "summary.md",
        "plan.json",
        "plan.md",
        "manifest.json",
        "calibration.csv",
    ];
    let (folder, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    let chart = name.ends_with(".png") || name.ends_with(".svg");
    match folder {
        "" => NAMES.contains(&name) || chart || name.ends_with("-calibrated.toml"),
        "timeseries" => chart,
        _ => false,
    }
}

/// What a survey found in a folder that holds nothing foreign.
#[derive(Debug, Default)]
pub(crate) struct Survey {
    /// sim's own files, by relative path, with the stamps the listing has for them.
    pub ours: BTreeMap<String, BTreeSet<Stamp>>,
    /// Temporary files and folders of sim commands that no longer run.
    pub debris: Vec<PathBuf>,
    /// The subfolders, deepest first.
    pub folders: Vec<PathBuf>,
    /// What wrote the folder (see [`Listing::kind`]).
    pub kind: String,
}

/// Surveys `dir`: every entry must be sim's (listed in its marker, unchanged), debris of a sim
/// command that no longer runs, or the marker itself. `skip` names an entry of this process's
/// own to pass over (its staging folder). An absent folder is an empty survey.
pub(crate) fn survey(dir: &Path, skip: Option<&Path>) -> Result<Survey, Error> {
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Survey::default()),
        Err(e) => return Err(io("read", dir)(e)),
        Ok(m) if m.file_type().is_symlink() => {
            return Err(Error::Foreign {
                dir: dir.to_path_buf(),
                file: dir.to_path_buf(),
                why: "is a symbolic link; sim writes only into a real folder".into(),
            })
        }
        Ok(m) if !m.is_dir() => return Err(Error::NotAFolder(dir.to_path_buf())),
        Ok(_) => {}
    }
    let listing = Listing::read(dir)?;
    let mut s = Survey::default();
    let mut seen = 0usize;
    walk(dir, dir, 0, &listing, skip, &mut s, &mut seen)?;
    s.folders.reverse();
    s.kind.clone_from(&listing.kind);
    for (name, stamps) in &listing.files {
        if let Some(ours) = s.ours.get_mut(name) {
            ours.clone_from(stamps);
        }
    }
    Ok(s)
}

fn walk(
    root: &Path,
    dir: &Path,
    depth: usize,
    listing: &Listing,
    skip: Option<&Path>,
    s: &mut Survey,
    seen: &mut usize,
) -> Result<(), Error> {
    let foreign = |file: PathBuf, why: &str| Error::Foreign {
        dir: root.to_path_buf(),
        file,
        why: why.into(),
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io("read", dir))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io("read", dir))?;
    entries.sort();
    for path in entries {
        *seen += 1;
        if *seen > MAX_ENTRIES {
            return Err(foreign(
                dir.to_path_buf(),
                &format!("holds more than {MAX_ENTRIES} entries, more than sim writes"),
            ));
        }
        if skip == Some(path.as_path()) || (depth == 0 && path.file_name() == Some(MARKER.as_ref()))
        {
            continue;
        }
        if let Some(pid) = (depth == 0).then(|| debris_pid(&path)).flatten() {
            if pid == std::process::id() {
                continue;
            }
            if alive(pid) {
                let who = match pid {
                    0 => format!(
                        "on another host sharing this file system: {}; remove it if none is",
                        path.display()
                    ),
                    pid => format!("process {pid}"),
                };
                return Err(Error::Busy {
                    dir: root.to_path_buf(),
                    who,
                });
            }
            s.debris.push(path);
            continue;
        }
        let meta = std::fs::symlink_metadata(&path).map_err(io("read", &path))?;
        let rel = relative(root, &path);
        if meta.file_type().is_symlink() {
            return Err(foreign(path, "is a symbolic link, which sim never writes"));
        }
        if meta.is_dir() {
            if depth + 1 >= MAX_DEPTH {
                return Err(foreign(path, "is nested deeper than sim writes"));
            }
            let before = s.ours.len();
            walk(root, &path, depth + 1, listing, skip, s, seen)?;
            if s.ours.len() == before {
                return Err(foreign(path, "is a folder sim did not write"));
            }
            s.folders.push(path);
            continue;
        }
        if !meta.is_file() {
            return Err(foreign(path, "is not a regular file"));
        }
        match listing.owns(&rel, || Stamp::of(&path)) {
            Ownership::Ours => {
                s.ours.insert(rel, BTreeSet::new());
            }
            Ownership::Unlisted if listing.legacy => {
                return Err(foreign(
                    path,
                    "is not a file sim writes, and the folder's .sim-output is from an older sim \
                     that did not list its files (or is not sim's)",
                ))
            }
            Ownership::Unlisted => return Err(foreign(path, "was not written by sim")),
            Ownership::Changed => {
                return Err(foreign(
                    path,
                    "has changed since sim wrote it (its size or content differs)",
                ))
            }
            Ownership::Unreadable => return Err(foreign(path, "cannot be read")),
        }
    }
    Ok(())
}

/// `path` relative to `root`, with `/` between its parts.
pub(crate) fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The process id in the name of a temporary entry sim makes (`.sim-tmp-PID-…`,
/// `.sim-staging-PID-…`, `.sim-old-PID-…`).
pub(crate) fn temp_pid(name: &str) -> Option<u32> {
    let rest = ["tmp", "staging", "old"]
        .iter()
        .find_map(|kind| name.strip_prefix(&format!(".sim-{kind}-")))?;
    rest.split_once('-')?.0.parse().ok()
}

/// The file a staging or set-aside folder of sim's holds from its creation, telling it from a
/// user's folder of a similar name.
pub(crate) const SENTINEL: &str = ".sim-temporary";

/// The process that made `path`, if it is one of sim's temporary entries: a staging or
/// set-aside folder holding [`SENTINEL`], or a temporary marker (empty, or a marker's text).
/// Anything else with such a name is a user's, and foreign.
fn debris_pid(path: &Path) -> Option<u32> {
    let name = path.file_name()?.to_string_lossy();
    let pid = temp_pid(&name)?;
    let meta = std::fs::symlink_metadata(path).ok()?;
    let ours = if meta.is_dir() {
        let sentinel = std::fs::read_to_string(path.join(SENTINEL));
        // A folder another host made (a shared file system) is judged as if its process ran:
        // its id means nothing here.
        if sentinel.as_deref().is_ok_and(|h| h.trim() != host()) {
            return Some(0);
        }
        !name.starts_with(".sim-tmp-") && sentinel.is_ok()
    } else if meta.is_file() && name.starts_with(".sim-tmp-") && meta.len() <= MAX_MARKER_BYTES {
        let text = std::fs::read(path).ok()?;
        text.is_empty() || text.starts_with(VERSION_LINE.as_bytes())
    } else {
        false
    };
    ours.then_some(pid)
}

/// This machine's name, written into sim's temporary folders so that a folder made on another
/// host sharing the file system is never taken for debris.
pub(crate) fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

/// Whether a process with this id runs (or may run: one we may not signal counts as running; a
/// zombie, which has ended, does not).
fn alive(pid: u32) -> bool {
    if pid == 0 {
        return true; // another host's (see `debris_pid`)
    }
    let Ok(id) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill with signal 0 sends nothing; it only checks that the process exists.
    let r = unsafe { libc::kill(id, 0) };
    let exists = r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH);
    let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(") ").map(|(_, rest)| rest.starts_with('Z')))
        .unwrap_or(false);
    exists && !zombie
}

/// Removes debris a survey found (temporary files and folders of sim commands that are gone).
pub(crate) fn remove_debris(s: &Survey) {
    for d in &s.debris {
        let _ = match std::fs::symlink_metadata(d) {
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(d),
            Ok(_) => std::fs::remove_file(d),
            Err(_) => Ok(()),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_carry_their_process() {
        assert_eq!(temp_pid(".sim-tmp-123-abc"), Some(123));
        assert_eq!(temp_pid(".sim-staging-7-x"), Some(7));
        assert_eq!(temp_pid(".sim-old-9-"), Some(9));
        assert_eq!(temp_pid(".sim-output"), None);
        assert_eq!(temp_pid(".sim-tmp-abc"), None);
        assert!(alive(std::process::id()));
    }

    #[test]
    fn a_listing_reads_back_what_it_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let mut l = Listing::default();
        let st = Stamp { size: 3, hash: 42 };
        l.files.entry("a b/c.csv".into()).or_default().insert(st);
        std::fs::write(dir.path().join(MARKER), l.text()).unwrap();
        assert_eq!(Listing::read(dir.path()).unwrap(), l);
    }

    #[test]
    fn old_markers_vouch_only_for_names_sim_writes() {
        assert!(legacy_name("summary.csv"));
        assert!(legacy_name("iterator-age.png"));
        assert!(legacy_name("timeseries/a.svg"));
        assert!(legacy_name("m-calibrated.toml"));
        assert!(!legacy_name("README.md"));
        assert!(!legacy_name("models/kinesis.toml"));
        assert!(!legacy_name("notes/x.png"));
    }
}
