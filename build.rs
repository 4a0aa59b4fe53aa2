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

use std::env;
use std::path::PathBuf;

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
}
