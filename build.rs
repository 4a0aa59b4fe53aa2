//! Build-time facts for the tests (the library and the binary use none):
//!
//! - cfg `reel_shared`: `../shared/bundles` existed when this was built.
//!   Tests that need it are ignored without it, with that reason, instead of
//!   passing having checked nothing. `REEL_SHARED_DIR` names another folder
//!   in its place (a test of this logic: point it anywhere without
//!   `bundles/` to see what is ignored then).
//! - env `REEL_SHARED_DIR`: the folder the tests read, as decided here.
//! - cfg `reel_skip_acpx`: `REEL_SKIP_ACPX_TESTS` is set (not empty, not
//!   `0`): the tests that run the real acpx are ignored, saying so. Without
//!   it they fail when node, npm or acpx cannot be had.
//!
//! And one for the binary:
//!
//! - env `REEL_GIT_COMMIT`: the short commit hash of the checkout, with
//!   ` dirty` when tracked files differ from it, for `reel --version`;
//!   `unknown` outside a git checkout of this crate (a crates tarball).

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(reel_shared)");
    println!("cargo::rustc-check-cfg=cfg(reel_skip_acpx)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=REEL_SHARED_DIR");
    println!("cargo::rerun-if-env-changed=REEL_SKIP_ACPX_TESTS");

    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let shared = env::var_os("REEL_SHARED_DIR")
        .filter(|dir| !dir.is_empty())
        .map_or_else(|| manifest.join("../shared"), PathBuf::from);
    let shared = if shared.is_relative() {
        manifest.join(shared)
    } else {
        shared
    };
    let bundles = shared.join("bundles");
    if bundles.is_dir() {
        println!("cargo::rustc-cfg=reel_shared");
        // Rebuilt when it changes or goes away. A folder that appears later
        // is not noticed (watching the repository's parent would scan every
        // sibling): `touch build.rs` then.
        println!("cargo::rerun-if-changed={}", bundles.display());
    }
    println!("cargo::rustc-env=REEL_SHARED_DIR={}", shared.display());

    let skip_acpx = env::var("REEL_SKIP_ACPX_TESTS").is_ok_and(|v| !v.is_empty() && v != "0");
    if skip_acpx {
        println!("cargo::rustc-cfg=reel_skip_acpx");
    }

    println!("cargo::rustc-env=REEL_GIT_COMMIT={}", git_commit(&manifest));
}

/// `abc1234`, `abc1234 dirty` or `unknown`. Only this crate's own checkout
/// counts: a tarball unpacked inside some other repository has no `.git`
/// of its own and must not report that repository's commit.
fn git_commit(manifest: &Path) -> String {
    if !manifest.join(".git").exists() {
        return "unknown".to_string();
    }
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .args(args)
            .current_dir(manifest)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let Some(hash) = git(&["rev-parse", "--short", "HEAD"]).filter(|h| !h.is_empty()) else {
        return "unknown".to_string();
    };
    // Rebuilt when HEAD moves (a commit, a checkout) or the index changes
    // (staging), and when the sources change, which may make the tree
    // dirty or clean again. Paths that do not exist are left out: cargo
    // would rerun the script on every build for them.
    let mut watched = vec![
        "HEAD".to_string(),
        "index".to_string(),
        "packed-refs".to_string(),
    ];
    if let Some(head_ref) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(head_ref);
    }
    for name in watched {
        if let Some(path) = git(&["rev-parse", "--git-path", &name]) {
            let path = manifest.join(path);
            if path.exists() {
                println!("cargo::rerun-if-changed={}", path.display());
            }
        }
    }
    for source in ["src", "assets", "Cargo.toml", "Cargo.lock"] {
        println!("cargo::rerun-if-changed={source}");
    }
    // `--no-optional-locks`: no opportunistic index refresh, which would
    // touch the index and rerun this script on the next build.
    match git(&[
        "--no-optional-locks",
        "status",
        "--porcelain",
        "--untracked-files=no",
    ]) {
        Some(changes) if changes.is_empty() => hash,
        Some(_) => format!("{hash} dirty"),
        None => hash,
    }
}
