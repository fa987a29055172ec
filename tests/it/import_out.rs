//! `sim import --out`: the model written signs itself, and only a model that is still exactly
//! what sim import wrote is replaced; an edited one, a link or a dangling link is refused by name.

use crate::common::sim;
use std::path::Path;

fn import_to(out: &Path) -> std::process::Output {
    sim()
        .args(["import", "tests/fixtures/import/orders/cfn.yaml", "--out"])
        .arg(out)
        .output()
        .unwrap()
}

fn refused(o: &std::process::Output, path: &Path, why: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(err.contains(why), "{err}");
}

#[test]
fn an_imported_model_the_user_edited_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.toml");
    assert!(import_to(&model).status.success());
    let written = std::fs::read_to_string(&model).unwrap();
    assert!(
        written.lines().last().unwrap().contains("sim-signature"),
        "{written}"
    );
    // The first line still says sim wrote it; a value below was changed by hand.
    let edited = written.replacen("shards = 4", "shards = 8", 1);
    assert_ne!(edited, written);
    std::fs::write(&model, &edited).unwrap();
    refused(&import_to(&model), &model, "not a file sim wrote");
    assert_eq!(std::fs::read_to_string(&model).unwrap(), edited);
    // Put back as written, it is sim's again and replaced.
    std::fs::write(&model, &written).unwrap();
    assert!(import_to(&model).status.success());
}

#[cfg(unix)]
#[test]
fn a_link_or_a_dangling_link_at_out_is_refused_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.toml");
    assert!(import_to(&target).status.success());
    let before = std::fs::read_to_string(&target).unwrap();
    let link = dir.path().join("link.toml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    refused(&import_to(&link), &link, "is not a plain file");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), before);
    let dangling = dir.path().join("dangling.toml");
    std::os::unix::fs::symlink(dir.path().join("nowhere.toml"), &dangling).unwrap();
    refused(&import_to(&dangling), &dangling, "is not a plain file");
    assert!(std::fs::symlink_metadata(&dangling)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(!dir.path().join("nowhere.toml").exists());
}
