//! The journal of a sweep: a header naming what the runs belong to (`journal.json`) and one file
//! per finished run (`runs/KEY.json`), each written atomically as the run ends. It lets an
//! interrupted sweep keep its work, and lets shards of one sweep on many machines write into one
//! folder that `sim merge` turns into the sweep's outputs.
//!
//! The format is stable and versioned: a run's key is a hash of a canonical text of what decides
//! it (point parameters, replicate, seed, overrides), never of Rust's `Debug` output, and the
//! header pins the journal format, the `sim` version and a hash of every input file, so a journal
//! is only ever read back by the same program on the same inputs. Each run's file also names the
//! run it holds (key, point, replicate, set, seed) with a checksum, so a damaged file, or one run's
//! file copied over another's name, is refused rather than read as the run its name says.

use crate::config::Override;
use crate::engine::rng::name_id;
use crate::experiment::Experiment;
use crate::fsio;
use crate::model::report::MinuteSeries;
use crate::model::RunReport;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The version of the journal's layout; bumped whenever a file in it changes shape (2: each run's
/// file carries its key and a checksum).
pub(crate) const FORMAT: u32 = 2;
/// The header's file name inside the journal folder.
pub(crate) const HEADER: &str = "journal.json";
pub(crate) const RUNS: &str = "runs";

/// What a journal's runs belong to. Two journals can be merged only if their headers agree on
/// everything but `partitions`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub(crate) struct Header {
    pub format: u32,
    pub sim_version: String,
    pub experiment: String,
    /// Hash of the experiment file's text and every model file it names.
    pub experiment_hash: String,
    pub replicates: u32,
    /// Runs of each point under each assumption set (1 in a journal written before sim had
    /// the setting).
    #[serde(default = "one")]
    pub set_replicates: u32,
    pub runs: usize,
    /// Hash of the unit prices the runs were costed with (`builtin` for the shipped ones).
    pub prices: String,
    /// The design of assumption sets the sweep crosses its points with, as its id (`lhs:N` for
    /// `--assumptions N`); null for a sweep without one.
    #[serde(default)]
    pub design: Option<String>,
    /// Into how many partitions the writers divided the sweep (the last writer's), to name the
    /// partition owning a missing run; null when written by a one-machine sweep. Named `shards` in
    /// the file, as it was before `--shard` became `--partition`, so journals stay readable.
    #[serde(default, rename = "shards")]
    pub partitions: Option<u32>,
}

fn one() -> u32 {
    1
}

impl Header {
    /// The header of `exp`'s journal, its runs costed with prices identified by `prices`.
    pub(crate) fn new(exp: &Experiment, prices: &str) -> Header {
        Header {
            format: FORMAT,
            sim_version: env!("CARGO_PKG_VERSION").into(),
            experiment: exp.name.clone(),
            experiment_hash: exp.source_hash(),
            replicates: exp.replicates,
            set_replicates: exp.set_replicates,
            runs: exp.runs(),
            prices: prices.into(),
            design: None,
            partitions: None,
        }
    }

    /// Why runs journaled under `self` cannot stand for runs under `want` (None: they can).
    pub(crate) fn mismatch(&self, want: &Header) -> Option<String> {
        let differ = |what: &str, have: &dyn std::fmt::Display, want: &dyn std::fmt::Display| {
            Some(format!("it was written {what} {have}, not {want}"))
        };
        if self.format != want.format {
            return Some(format!(
                "it was written in journal format {} (sim {}), which this sim (format {}) does not read; \
                 merge it with the sim that wrote it, or run its shards again into a new folder",
                self.format, self.sim_version, want.format
            ));
        }
        if self.sim_version != want.sim_version {
            return differ("by sim", &self.sim_version, &want.sim_version);
        }
        if self.experiment_hash != want.experiment_hash {
            return Some(format!(
                "it was written for another experiment file or other model files (`{}`, hash {}; this one is `{}`, hash {})",
                self.experiment, self.experiment_hash, want.experiment, want.experiment_hash
            ));
        }
        if self.replicates != want.replicates {
            return differ("with replicates", &self.replicates, &want.replicates);
        }
        if self.design.is_some() && self.set_replicates != want.set_replicates {
            return differ(
                "with set_replicates",
                &self.set_replicates,
                &format!("{} (--set-replicates)", want.set_replicates),
            );
        }
        if self.design != want.design {
            let name = |d: &Option<String>| d.clone().unwrap_or_else(|| "none".into());
            return Some(format!(
                "it was written with assumption design {}, not {} (--assumptions)",
                name(&self.design),
                name(&want.design)
            ));
        }
        if self.prices != want.prices {
            return differ("with prices", &self.prices, &want.prices);
        }
        None
    }
}

/// Why a journal cannot be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// A header that cannot be read from the disk.
    #[error("cannot read {}: {why}", path.display())]
    Unreadable { path: PathBuf, why: std::io::Error },
    /// A header this sim cannot parse.
    #[error(
        "{} is not a journal header this sim can read (journal format {FORMAT}): {why}",
        path.display()
    )]
    NotAHeader {
        path: PathBuf,
        why: serde_json::Error,
    },
    /// A folder without a header.
    #[error(
        "{} is not a sim journal (no {HEADER}); pass the folder given to `sim sweep --journal`",
        dir.display()
    )]
    NotAJournal { dir: PathBuf },
    /// A journal written for other runs, which is someone's work and is not reset.
    #[error("journal {} cannot take these runs: {why}; use another --journal folder", dir.display())]
    Taken { dir: PathBuf, why: String },
    #[error(transparent)]
    BadEntry(#[from] BadEntry),
    /// A journal file that cannot be written (a full disk, a permission): the whole reason, as
    /// the atomic write gives it.
    #[error("{0}")]
    Write(String),
    /// A run that cannot be put into JSON (a bug).
    #[error("{0}")]
    Encode(serde_json::Error),
}

impl JournalError {
    /// Whether the user can put it right (a journal's folder, files or header), rather than a bug.
    pub fn is_users(&self) -> bool {
        !matches!(
            self,
            JournalError::Encode(_) | JournalError::NotAHeader { .. }
        )
    }
}

/// Writes `bytes` into the journal's `path` atomically.
fn write(path: &Path, bytes: &[u8]) -> Result<(), JournalError> {
    fsio::write(path, bytes).map_err(|e| JournalError::Write(format!("{e:#}")))
}

/// What to do with a journal whose header does not match.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum OnMismatch {
    /// Refuse it (a shared journal: its runs are someone's work).
    Fail,
    /// Empty it (sim's own resume folder beside an output).
    Reset,
}

/// Prepares `dir` to hold runs under `header`: creates it, or checks (or resets) an existing one.
pub(crate) fn open(
    dir: &Path,
    header: &Header,
    on_mismatch: OnMismatch,
) -> Result<(), JournalError> {
    if let Some(have) = read_header_if_any(dir)? {
        match (have.mismatch(header), on_mismatch) {
            (Some(why), OnMismatch::Fail) => {
                return Err(JournalError::Taken {
                    dir: dir.to_path_buf(),
                    why,
                })
            }
            (Some(_), OnMismatch::Reset) => {
                std::fs::remove_dir_all(dir.join(RUNS)).ok();
            }
            (None, _) if have == *header => return Ok(()),
            (None, _) => {}
        }
    }
    let bytes = serde_json::to_vec_pretty(header).expect("headers serialize");
    write(&dir.join(HEADER), &bytes)
}

/// The header of the journal in `dir`.
pub(crate) fn read_header(dir: &Path) -> Result<Header, JournalError> {
    read_header_if_any(dir)?.ok_or_else(|| JournalError::NotAJournal {
        dir: dir.to_path_buf(),
    })
}

fn read_header_if_any(dir: &Path) -> Result<Option<Header>, JournalError> {
    let path = dir.join(HEADER);
    let bytes = match crate::input::read_bounded(&path, crate::input::JOURNAL_LIMIT) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(why) => return Err(JournalError::Unreadable { path, why }),
    };
    match serde_json::from_slice(&bytes) {
        Ok(header) => Ok(Some(header)),
        Err(why) => Err(JournalError::NotAHeader { path, why }),
    }
}

/// The folder holding the resume journal of the sweep writing to `out_dir`.
pub(crate) fn folder(out_dir: &Path) -> PathBuf {
    let name = out_dir
        .file_name()
        .map_or("sweep".into(), |n| n.to_string_lossy().into_owned());
    out_dir.with_file_name(format!(".{name}.resume"))
}

/// The canonical text a run's key hashes: point parameters, replicate, seed and the resolved
/// overrides, as JSON (field order fixed by this function, not by any type's layout).
pub(crate) fn canonical(exp: &Experiment, point: usize, replicate: u32) -> String {
    canonical_value(exp, point, replicate).to_string()
}

fn canonical_value(exp: &Experiment, point: usize, replicate: u32) -> serde_json::Value {
    let params: Vec<[String; 2]> = exp.points[point]
        .values
        .iter()
        .map(|(path, v)| [path.clone(), v.display()])
        .collect();
    let overrides: Vec<[String; 2]> = exp
        .overrides(point)
        .into_iter()
        .map(|o| [o.path, o.value])
        .collect();
    serde_json::json!([params, replicate, exp.seed_of(point, replicate), overrides])
}

/// The journal key of a run: 128 bits of hash of its [`canonical`] text, in hex.
pub(crate) fn key(exp: &Experiment, point: usize, replicate: u32) -> String {
    hash(&canonical(exp, point, replicate))
}

/// One assumption set of a design, as a run's key names it.
pub(crate) struct SetRef<'a> {
    /// The design's id (`lhs:N`).
    pub design: &'a str,
    pub index: usize,
    /// The overrides the set applies to the run's model.
    pub overrides: &'a [Override],
}

/// The journal key of a run under an assumption set: the hash of its plain [`canonical`] text
/// followed by the design's id, the set's index and the set's overrides.
pub(crate) fn set_key(exp: &Experiment, point: usize, replicate: u32, set: &SetRef) -> String {
    let overrides: Vec<[&str; 2]> = (set.overrides.iter())
        .map(|o| [o.path.as_str(), o.value.as_str()])
        .collect();
    let plain = canonical_value(exp, point, replicate);
    hash(&serde_json::json!([plain, set.design, set.index, overrides]).to_string())
}

fn hash(text: &str) -> String {
    let reversed: String = text.chars().rev().collect();
    format!("{:016x}{:016x}", name_id(text), name_id(&reversed))
}

/// Which run of a sweep: a point and replicate, plain or under an assumption set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunId {
    /// The assumption set (None: the model's own values).
    pub set: Option<usize>,
    pub point: usize,
    pub replicate: u32,
}

/// A journal entry as written: who the run is (checked against the name the file is stored
/// under, since a file copied over another's name would otherwise stand in for that run), a
/// checksum of the identity and the run's exact bytes, and the run.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry<'a> {
    /// The key the run was journaled under: its file name.
    key: String,
    /// The assumption set the run was made under (absent for a plain run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    set: Option<usize>,
    point: usize,
    replicate: u32,
    seed: u64,
    /// [`checksum`] of the fields above and of `run`'s text as written.
    sum: String,
    #[serde(borrow)]
    run: &'a serde_json::value::RawValue,
}

/// What an entry's `run` holds.
#[derive(Serialize, Deserialize)]
struct Body {
    report: RunReport,
    minutes: MinuteSeries,
}

/// 128 bits of hash of an entry's identity and its run's text: any changed byte changes it (each
/// step of FNV-1a is a bijection of its state), so a damaged entry is never read as a run.
fn checksum(key: &str, id: &RunId, seed: u64, run: &str) -> String {
    let set = id.set.map_or("-".into(), |s| s.to_string());
    hash(&format!(
        "{key} {set} {} {} {seed}\n{run}",
        id.point, id.replicate
    ))
}

/// A journal entry that cannot stand for the run its name says: damaged, unreadable, or another
/// run's file copied or renamed over it. The user's input, not a bug: refused with exit 2.
#[derive(Debug, thiserror::Error)]
#[error("journal entry {} {why}; delete that file to have the run made again (rerun the shard that owns it, or the sweep)", path.display())]
pub struct BadEntry {
    pub path: PathBuf,
    pub why: Refused,
}

/// Why a journal entry cannot stand for its run: the end of a [`BadEntry`]'s sentence.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("cannot be read ({0})")]
    CannotRead(std::io::Error),
    #[error("is not a run this sim can read (journal format {FORMAT}): {0}")]
    NotARun(serde_json::Error),
    #[error("is damaged: its checksum does not match its content")]
    Damaged,
    #[error(
        "holds {have}, not {want} that its name says: it was copied or renamed from another run"
    )]
    Another { have: String, want: String },
    #[error("holds a run of seed {have}, not {want}")]
    Seed { have: u64, want: u64 },
}

fn entry_path(dir: &Path, key: &str) -> PathBuf {
    dir.join(RUNS).join(format!("{key}.json"))
}

/// Records a finished run under `key`.
pub(crate) fn save(
    dir: &Path,
    key: &str,
    id: &RunId,
    report: &RunReport,
) -> Result<(), JournalError> {
    let body = serde_json::to_string(&Body {
        report: report.clone(),
        minutes: report.minutes.clone(),
    })
    .map_err(JournalError::Encode)?;
    let run = serde_json::value::RawValue::from_string(body).map_err(JournalError::Encode)?;
    let entry = Entry {
        key: key.into(),
        set: id.set,
        point: id.point,
        replicate: id.replicate,
        seed: report.seed,
        sum: checksum(key, id, report.seed, run.get()),
        run: &run,
    };
    let bytes = serde_json::to_vec(&entry).map_err(JournalError::Encode)?;
    write(&entry_path(dir, key), &bytes)
}

/// The run `id` (seed `seed`), if the journal has it under `key`. An entry that is there but is
/// not that run (unreadable, damaged, or another run's) is a [`BadEntry`].
pub(crate) fn load(
    dir: &Path,
    key: &str,
    id: &RunId,
    seed: u64,
) -> Result<Option<RunReport>, BadEntry> {
    let path = entry_path(dir, key);
    let bytes = match crate::input::read_bounded(&path, crate::input::JOURNAL_LIMIT) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(BadEntry {
                path,
                why: Refused::CannotRead(e),
            })
        }
    };
    match read_entry(&bytes, key, id, seed) {
        Ok(report) => Ok(Some(report)),
        Err(why) => Err(BadEntry { path, why }),
    }
}

/// The run in an entry's `bytes`, if it is run `id` (seed `seed`) stored under `key`; else why not.
fn read_entry(bytes: &[u8], key: &str, id: &RunId, seed: u64) -> Result<RunReport, Refused> {
    let entry: Entry = serde_json::from_slice(bytes).map_err(Refused::NotARun)?;
    let have = RunId {
        set: entry.set,
        point: entry.point,
        replicate: entry.replicate,
    };
    if entry.sum != checksum(&entry.key, &have, entry.seed, entry.run.get()) {
        return Err(Refused::Damaged);
    }
    if entry.key != key || have != *id || entry.seed != seed {
        return Err(Refused::Another {
            have: describe(&entry.key, &have, entry.seed),
            want: describe(key, id, seed),
        });
    }
    let body: Body = serde_json::from_str(entry.run.get()).map_err(Refused::NotARun)?;
    let mut report = body.report;
    if report.seed != seed {
        return Err(Refused::Seed {
            have: report.seed,
            want: seed,
        });
    }
    report.minutes = body.minutes;
    Ok(report)
}

/// A run as an error names it: point, replicate, set, seed and key.
fn describe(key: &str, id: &RunId, seed: u64) -> String {
    let set = id
        .set
        .map_or(String::new(), |s| format!(" under assumption set {s}"));
    format!(
        "the run of point {}, replicate {}{set} (seed {seed}, key {key})",
        id.point, id.replicate
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn experiment() -> Experiment {
        Experiment::open(Path::new("experiments/two-reader-rule.toml"), Some(2)).unwrap()
    }

    #[test]
    fn keys_differ_by_point_and_replicate_and_are_stable() {
        let exp = experiment();
        let a = key(&exp, 0, 0);
        assert_eq!(a, key(&exp, 0, 0));
        assert_ne!(a, key(&exp, 0, 1));
        assert_ne!(a, key(&exp, 1, 0));
        assert_eq!(a.len(), 32);
    }

    #[test]
    fn set_keys_differ_from_plain_keys_and_by_design_and_set() {
        let exp = experiment();
        let o = [Override {
            path: "a.b".into(),
            value: "1".into(),
        }];
        let set = |design, index| SetRef {
            design,
            index,
            overrides: &o,
        };
        let a = set_key(&exp, 0, 0, &set("lhs:4", 0));
        assert_eq!(a, set_key(&exp, 0, 0, &set("lhs:4", 0)));
        assert_ne!(a, key(&exp, 0, 0));
        assert_ne!(a, set_key(&exp, 0, 0, &set("lhs:4", 1)));
        assert_ne!(a, set_key(&exp, 0, 0, &set("lhs:8", 0)));
        assert_ne!(a, set_key(&exp, 0, 1, &set("lhs:4", 0)));
    }

    /// A short run of point 1, replicate 0 of the scale-out test sweep, journaled in a new folder.
    fn journaled_run() -> (tempfile::TempDir, Experiment, String, RunId, RunReport) {
        let exp = Experiment::open(Path::new("tests/scale-out.toml"), Some(1)).unwrap();
        let spec = exp.spec(1, 0);
        let mut none = crate::model::run::Unobserved;
        let report = crate::model::run::simulate_with(&spec, None, &mut none).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let id = RunId {
            set: None,
            point: 1,
            replicate: 0,
        };
        let key = key(&exp, 1, 0);
        save(dir.path(), &key, &id, &report).unwrap();
        (dir, exp, key, id, report)
    }

    #[test]
    fn an_entry_reads_back_as_the_run_it_was_saved_as_and_a_missing_one_as_none() {
        let (dir, exp, key, id, report) = journaled_run();
        let back = load(dir.path(), &key, &id, report.seed).unwrap().unwrap();
        assert_eq!(back, report);
        assert_eq!(back.minutes.len(), report.minutes.len());
        let other = RunId { point: 0, ..id };
        let none = load(
            dir.path(),
            &super::key(&exp, 0, 0),
            &other,
            exp.seed_of(0, 0),
        );
        assert!(none.unwrap().is_none());
    }

    #[test]
    fn an_entry_under_another_runs_name_is_refused_naming_both_runs() {
        let (dir, exp, key, _, _) = journaled_run();
        let runs = dir.path().join(RUNS);
        let other = super::key(&exp, 0, 0);
        std::fs::copy(
            runs.join(format!("{key}.json")),
            runs.join(format!("{other}.json")),
        )
        .unwrap();
        let id = RunId {
            set: None,
            point: 0,
            replicate: 0,
        };
        let err = load(dir.path(), &other, &id, exp.seed_of(0, 0)).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(&format!("{other}.json")), "{text}");
        assert!(
            text.contains("holds the run of point 1, replicate 0")
                && text.contains("not the run of point 0, replicate 0")
                && text.contains("copied or renamed"),
            "{text}"
        );
    }

    #[test]
    fn every_single_changed_byte_of_an_entry_is_refused() {
        let (dir, _, key, id, report) = journaled_run();
        let path = dir.path().join(RUNS).join(format!("{key}.json"));
        let good = std::fs::read(&path).unwrap();
        assert!(good.len() > 1000, "{} bytes", good.len());
        for i in 0..good.len() {
            let mut bytes = good.clone();
            bytes[i] ^= 1;
            assert!(
                read_entry(&bytes, &key, &id, report.seed).is_err(),
                "byte {i} changed ({:?}) was read as the run",
                bytes[i] as char
            );
        }
        let mut digit = String::from_utf8(good).unwrap();
        let at = digit.rfind("\"events\":").unwrap() + 9;
        let d = digit.as_bytes()[at];
        assert!(d.is_ascii_digit());
        digit.replace_range(at..=at, if d == b'1' { "2" } else { "1" });
        let err = read_entry(digit.as_bytes(), &key, &id, report.seed).unwrap_err();
        assert!(matches!(err, Refused::Damaged), "{err}");
        assert!(err.to_string().contains("checksum does not match"), "{err}");
    }

    #[test]
    fn a_header_from_another_experiment_is_refused_and_a_resume_folder_reset() {
        let exp = experiment();
        let dir = tempfile::tempdir().unwrap();
        let h = Header::new(&exp, "builtin");
        open(dir.path(), &h, OnMismatch::Fail).unwrap();
        let mut other = h.clone();
        other.experiment_hash = "0".into();
        let err = open(dir.path(), &other, OnMismatch::Fail).unwrap_err();
        assert!(
            format!("{err}").contains("another experiment file"),
            "{err}"
        );
        open(dir.path(), &other, OnMismatch::Reset).unwrap();
        assert_eq!(read_header(dir.path()).unwrap(), other);
    }
}
