//! Resolving bundle-relative paths without ever leaving the bundle.
//!
//! Paths inside a bundle come from its JSON files; a hostile or broken bundle
//! could point at `../../.ssh/id_rsa` or at a symlink out of the folder.

use std::path::{Component, Path, PathBuf};

/// Joins `relative` (a bundle-relative POSIX path) onto `root`, refusing
/// absolute paths, `..` components and symlinks that lead outside `root`.
pub fn resolve_inside(root: &Path, relative: &str) -> Result<PathBuf, String> {
    if relative.is_empty() {
        return Err("empty path".to_string());
    }
    if relative.contains('\0') {
        return Err(format!("path {relative:?} contains a NUL byte"));
    }
    let rel = Path::new(relative);
    for component in rel.components() {
        match component {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(format!("path {relative:?} points outside the bundle"));
            }
        }
    }
    if relative.starts_with('\\') || relative.contains(":\\") {
        return Err(format!("path {relative:?} points outside the bundle"));
    }
    let joined = root.join(rel);
    // A symlink inside the bundle may still lead out of it.
    if let (Ok(real_root), Ok(real)) = (root.canonicalize(), joined.canonicalize()) {
        if !real.starts_with(&real_root) {
            return Err(format!(
                "path {relative:?} leads outside the bundle through a symlink"
            ));
        }
    }
    Ok(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_relative_paths_resolve() {
        let root = Path::new("/nonexistent/run");
        assert_eq!(
            resolve_inside(root, "sessions/a/events.ndjson").ok(),
            Some(root.join("sessions/a/events.ndjson"))
        );
    }

    #[test]
    fn escapes_are_refused() {
        let root = Path::new("/nonexistent/run");
        for bad in ["../x", "/etc/passwd", "a/../../x", "", "a\\..\\b:\\c"] {
            assert!(resolve_inside(root, bad).is_err(), "{bad} must be refused");
        }
    }

    #[test]
    fn symlink_out_of_bundle_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("run");
        std::fs::create_dir(&root).expect("mkdir");
        #[cfg(unix)]
        {
            let outside = dir.path().join("outside");
            std::fs::create_dir(&outside).expect("mkdir");
            std::fs::write(outside.join("secret"), "x").expect("write");
            std::os::unix::fs::symlink(&outside, root.join("escape")).expect("symlink");
            assert!(resolve_inside(&root, "escape/secret").is_err());
            std::fs::create_dir(root.join("inner")).expect("mkdir");
            std::os::unix::fs::symlink(root.join("inner"), root.join("alias")).expect("symlink");
            assert!(resolve_inside(&root, "alias").is_ok());
        }
    }
}
