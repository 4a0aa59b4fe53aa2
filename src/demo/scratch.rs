//! The scratch folder a tour works in: a copy of the runs it opens, so its
//! forks never touch real runs. `<tmp>/reel-tour-<pid>-<hex>`, removed when
//! the tour ends; one left by a killed tour is removed by the next tour,
//! when both its pid is gone and nobody holds the folder's flock (a live
//! tour holds it from creation on, even in another pid namespace).

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

const PREFIX: &str = "reel-tour-";

#[derive(Debug)]
pub struct Scratch {
    pub dir: PathBuf,
    /// Held (flocked) for the life of the tour.
    _held: File,
}

impl Scratch {
    pub fn create() -> Result<Scratch, String> {
        let tmp = std::env::temp_dir();
        sweep(&tmp);
        let dir = tmp.join(format!(
            "{PREFIX}{}-{}",
            std::process::id(),
            crate::timetravel::runid::random_hex8()
        ));
        let fail = |e: io::Error| format!("{}: {e}", dir.display());
        fs::create_dir_all(&dir).map_err(fail)?;
        let held = File::open(&dir).map_err(fail)?;
        #[cfg(target_os = "linux")]
        rustix::fs::flock(&held, rustix::fs::FlockOperation::NonBlockingLockExclusive)
            .map_err(|e| fail(e.into()))?;
        Ok(Scratch { dir, _held: held })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Removes the scratch folders of tours that died.
fn sweep(tmp: &Path) {
    #[cfg(target_os = "linux")]
    for entry in fs::read_dir(tmp).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !entry.file_type().is_ok_and(|t| t.is_dir())
            || Path::new(&format!("/proc/{pid}")).exists()
        {
            continue;
        }
        let Ok(dir) = File::open(entry.path()) else {
            continue;
        };
        let free =
            rustix::fs::flock(&dir, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_ok();
        if free {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = tmp;
}

/// Copies a run folder: folders and regular files, symlinks as symlinks
/// (never followed), anything else (a FIFO, a socket, a device) skipped —
/// reading one could block forever, and no bundle needs one.
pub fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_file() {
            fs::copy(entry.path(), &target)?;
        } else if kind.is_symlink() {
            #[cfg(unix)]
            std::os::unix::fs::symlink(fs::read_link(entry.path())?, &target)?;
        }
    }
    Ok(())
}
