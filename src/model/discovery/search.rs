//! Finding bundles below a folder at any depth (`reel validate DIR`): the
//! runs of a runs directory, or of a folder of runs directories such as
//! `../shared/bundles/<acpx version>/<run>`.
//!
//! The same rules as listing a runs directory decide what is a run:
//! reserved names (hidden, `acpx-write-*`) are never runs nor searched, a
//! bundle folder is not searched further (its `sessions/` are not runs).
//! The search is bounded in depth and in folders opened, and follows no
//! symlink below the first level: a symlinked folder is never entered, and
//! only a symlink directly inside the folder given counts as a run, as it
//! does for `reel list`.

use std::fs;
use std::path::{Path, PathBuf};

use super::{bundle_names, is_bundle, is_reserved_name, ResolveError};

/// Bundles are looked for this many levels below the folder given.
pub const SEARCH_DEPTH: usize = 5;
/// At most this many folders are opened by one search.
pub const SEARCH_FOLDERS: usize = 20_000;

/// What a search found.
#[derive(Debug, Default)]
pub struct BundleSearch {
    /// Bundle folders, sorted.
    pub bundles: Vec<PathBuf>,
    /// Folders below the first level that could not be read.
    pub unreadable: Vec<PathBuf>,
    /// Whether [`SEARCH_FOLDERS`] stopped the search early.
    pub truncated: bool,
}

/// `root` itself when it is a bundle, else every bundle below it up to
/// [`SEARCH_DEPTH`] levels down. A `root` that cannot be listed is an error
/// (missing, a file, unreadable), as for a runs directory.
pub fn find_bundles(root: &Path) -> Result<BundleSearch, ResolveError> {
    let mut search = BundleSearch::default();
    if is_bundle(root) {
        search.bundles.push(root.to_path_buf());
        return Ok(search);
    }
    // The first level is exactly what `reel list` shows.
    search
        .bundles
        .extend(bundle_names(root)?.into_iter().map(|name| root.join(name)));
    let mut opened = 1;
    // (folder to open, the level of its entries); bundles at the first
    // level are listed already.
    let mut pending: Vec<(PathBuf, usize)> = subfolders(root, &mut search)
        .into_iter()
        .filter(|dir| !is_bundle(dir))
        .map(|dir| (dir, 2))
        .collect();
    while let Some((dir, level)) = pending.pop() {
        if opened >= SEARCH_FOLDERS {
            search.truncated = true;
            break;
        }
        opened += 1;
        for sub in subfolders(&dir, &mut search) {
            if is_bundle(&sub) {
                search.bundles.push(sub);
            } else if level < SEARCH_DEPTH {
                pending.push((sub, level + 1));
            }
        }
    }
    search.bundles.sort();
    Ok(search)
}

/// The real (not symlinked) folders with non-reserved names directly
/// inside `dir`; one that cannot be read is noted.
fn subfolders(dir: &Path, search: &mut BundleSearch) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        search.unreadable.push(dir.to_path_buf());
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| !is_reserved_name(&e.file_name().to_string_lossy()))
        // `DirEntry::file_type` does not follow symlinks.
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(path: &Path) {
        fs::create_dir_all(path).expect("mkdir");
        fs::write(path.join("manifest.json"), "{}").expect("manifest");
    }

    fn found(root: &Path) -> Vec<String> {
        let search = find_bundles(root).expect("search");
        search
            .bundles
            .iter()
            .map(|b| {
                b.strip_prefix(root)
                    .expect("below root")
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    }

    #[test]
    fn finds_bundles_at_every_level_up_to_the_bound() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        bundle(&root.join("run-a"));
        bundle(&root.join("v1/run-b"));
        bundle(&root.join("v1/deeper/run-c"));
        // A bundle's own folders are not searched: not a run.
        bundle(&root.join("run-a/sessions/inner"));
        // At the bound, and one past it.
        bundle(&root.join("1/2/3/4/run-at-5"));
        bundle(&root.join("1/2/3/4/5/run-at-6"));
        assert_eq!(
            found(root),
            ["1/2/3/4/run-at-5", "run-a", "v1/deeper/run-c", "v1/run-b"]
        );
        assert_eq!(SEARCH_DEPTH, 5, "the test above places bundles for 5");
    }

    #[test]
    fn skips_hidden_transient_and_symlinked_folders() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("root");
        bundle(&root.join("kept/run"));
        bundle(&root.join(".reel/backups/run/op"));
        bundle(&root.join(".hidden/run"));
        bundle(&root.join("acpx-write-123/run"));
        bundle(&root.join("v/acpx-write-9"));
        let outside = tmp.path().join("outside");
        bundle(&outside.join("run"));
        bundle(&outside.join("nested/run"));
        #[cfg(unix)]
        {
            // A symlinked bundle directly inside counts (as for `reel
            // list`); a symlinked folder is never entered, at any level.
            std::os::unix::fs::symlink(outside.join("run"), root.join("linked-run"))
                .expect("symlink");
            std::os::unix::fs::symlink(&outside, root.join("linked-dir")).expect("symlink");
            std::os::unix::fs::symlink(&outside, root.join("kept/linked")).expect("symlink");
            std::os::unix::fs::symlink(&root, root.join("kept/loop")).expect("symlink");
        }
        let mut expected = vec!["kept/run"];
        if cfg!(unix) {
            expected.push("linked-run");
        }
        assert_eq!(found(&root), expected);
    }

    #[test]
    fn a_bundle_is_itself_and_a_missing_root_is_an_error() {
        let tmp = tempfile::tempdir().expect("tempdir");
        bundle(&tmp.path().join("run"));
        let search = find_bundles(&tmp.path().join("run")).expect("search");
        assert_eq!(search.bundles, [tmp.path().join("run")]);
        assert!(matches!(
            find_bundles(&tmp.path().join("gone")),
            Err(ResolveError::MissingRunsDir(_))
        ));
        fs::write(tmp.path().join("file"), "x").expect("file");
        assert!(matches!(
            find_bundles(&tmp.path().join("file")),
            Err(ResolveError::NotARunsDir(_))
        ));
        let empty = tmp.path().join("empty");
        fs::create_dir(&empty).expect("mkdir");
        let search = find_bundles(&empty).expect("search");
        assert!(search.bundles.is_empty() && !search.truncated);
    }
}
