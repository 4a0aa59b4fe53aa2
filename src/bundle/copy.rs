//! Copying a bundle folder without taking anything from outside it: real
//! folders and regular files are copied, each file opened through
//! `safe_open`; symlinks, FIFOs, devices and sockets are left behind.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::error::BundleError;
use super::safe_open;

/// Copies the bundle folder `from` into `to` (created), returning the paths
/// (relative to `from`) left out because they were not plain files or
/// folders.
pub fn copy_bundle(from: &Path, to: &Path) -> Result<Vec<PathBuf>, BundleError> {
    let mut skipped = Vec::new();
    copy_dir(from, from, to, &mut skipped)?;
    Ok(skipped)
}

fn copy_dir(
    root: &Path,
    dir: &Path,
    to: &Path,
    skipped: &mut Vec<PathBuf>,
) -> Result<(), BundleError> {
    fs::create_dir_all(to).map_err(|e| BundleError::io(to, e))?;
    let entries = fs::read_dir(dir).map_err(|e| BundleError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| BundleError::io(dir, e))?;
        let source = entry.path();
        let target = to.join(entry.file_name());
        // `file_type` does not follow symlinks.
        let kind = entry.file_type().map_err(|e| BundleError::io(&source, e))?;
        if kind.is_dir() {
            copy_dir(root, &source, &target, skipped)?;
        } else if kind.is_file() {
            let (mut file, _) = safe_open::open(root, &source)?;
            let mut out = fs::File::create(&target).map_err(|e| BundleError::io(&target, e))?;
            io::copy(&mut file, &mut out).map_err(|e| BundleError::io(&target, e))?;
        } else {
            let relative = source.strip_prefix(root).unwrap_or(&source);
            skipped.push(relative.to_path_buf());
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn only_plain_files_and_folders_are_copied() {
        let dir = tempfile::tempdir().expect("tempdir");
        let run = dir.path().join("run");
        fs::create_dir_all(run.join("sessions/s1")).expect("mkdir");
        fs::write(run.join("trace.ndjson"), "{}\n").expect("write");
        fs::write(run.join("sessions/s1/events.ndjson"), "{}\n").expect("write");
        fs::write(dir.path().join("secret"), "outside").expect("write");
        std::os::unix::fs::symlink(dir.path().join("secret"), run.join("flow.json"))
            .expect("symlink");
        std::os::unix::fs::symlink(dir.path(), run.join("sessions/s2")).expect("symlink");
        let copy = dir.path().join("copy");
        let mut skipped = copy_bundle(&run, &copy).expect("copy");
        skipped.sort();
        assert_eq!(
            skipped,
            [PathBuf::from("flow.json"), PathBuf::from("sessions/s2")]
        );
        assert_eq!(fs::read(copy.join("trace.ndjson")).expect("trace"), b"{}\n");
        assert!(copy.join("sessions/s1/events.ndjson").is_file());
        assert!(fs::symlink_metadata(copy.join("flow.json")).is_err());
        assert!(fs::symlink_metadata(copy.join("sessions/s2")).is_err());
    }
}
