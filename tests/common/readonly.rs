//! A folder made read-only for the life of a guard (tests of read-only
//! runs folders).

use std::fs;

/// Makes a folder refuse new entries for the life of the guard: `chmod
/// 0555`, or, for root (whom modes do not stop), `chattr +i`.
#[cfg(unix)]
pub struct ReadOnly {
    dir: std::path::PathBuf,
    immutable: bool,
}

#[cfg(unix)]
impl ReadOnly {
    pub fn new(dir: &std::path::Path) -> Option<ReadOnly> {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o555)).expect("chmod");
        let mut guard = ReadOnly {
            dir: dir.to_path_buf(),
            immutable: false,
        };
        if guard.refuses_entries() {
            return Some(guard);
        }
        guard.immutable = std::process::Command::new("chattr")
            .arg("+i")
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        guard.refuses_entries().then_some(guard)
    }

    fn refuses_entries(&self) -> bool {
        let probe = self.dir.join("probe");
        let refused = fs::write(&probe, b"x").is_err();
        let _ = fs::remove_file(&probe);
        refused
    }
}

#[cfg(unix)]
impl Drop for ReadOnly {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        if self.immutable {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(&self.dir)
                .status();
        }
        let _ = fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o755));
    }
}
