use std::collections::HashMap;
use std::fs;

use super::*;

/// `<tmp>/bin/node` (a script answering `--version`) and an npm install
/// layout `<tmp>/lib/node_modules/acpx` with `bin/acpx` linking to it.
fn layout(version: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = dir.path().join("bin");
    let package = dir.path().join("lib/node_modules/acpx");
    fs::create_dir_all(package.join("dist")).expect("mkdir");
    fs::create_dir_all(&bin).expect("mkdir");
    fs::write(
        package.join("package.json"),
        format!("{{\"name\":\"acpx\",\"version\":\"{version}\"}}"),
    )
    .expect("write");
    fs::write(package.join("dist/cli.js"), "#!/usr/bin/env node\n").expect("write");
    fs::write(bin.join("node"), "#!/bin/sh\necho v20.20.2\n").expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in [bin.join("node"), package.join("dist/cli.js")] {
            fs::set_permissions(&file, fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        std::os::unix::fs::symlink(package.join("dist/cli.js"), bin.join("acpx")).expect("ln");
    }
    (dir, bin, package)
}

fn env_of(pairs: &[(&str, String)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    move |key| map.get(key).cloned()
}

#[cfg(unix)]
#[test]
fn found_on_path_through_the_binary_symlink() {
    let (_dir, bin, package) = layout("0.19.1");
    let env = env_of(&[("PATH", format!("/nonexistent:{}", bin.display()))]);
    let engine = locate(&EngineHints::default(), &env).expect("engine");
    assert_eq!(engine.node, bin.join("node"));
    assert_eq!(engine.node_version, "v20.20.2");
    assert_eq!(engine.acpx_dir, package.canonicalize().expect("real"));
    assert_eq!(engine.acpx_version, "0.19.1");
}

#[cfg(unix)]
#[test]
fn flags_win_over_the_environment_and_the_environment_over_path() {
    let (_dir, bin, package) = layout("0.19.3");
    let env = env_of(&[
        ("PATH", String::new()),
        (ACPX_ENV, package.display().to_string()),
        (NODE_ENV, bin.join("node").display().to_string()),
    ]);
    let engine = locate(&EngineHints::default(), &env).expect("from the environment");
    assert_eq!(engine.acpx_version, "0.19.3");
    let (_other, other_bin, _) = layout("0.19.1");
    let hints = EngineHints {
        acpx: Some(other_bin.join("acpx")),
        node: None,
    };
    assert_eq!(locate(&hints, &env).expect("flag").acpx_version, "0.19.1");
}

#[cfg(unix)]
#[test]
fn missing_or_unsupported_engines_say_where_reel_looked() {
    let (_dir, bin, package) = layout("0.20.0");
    let empty = env_of(&[("PATH", "/nonexistent".to_string())]);
    let err = locate(&EngineHints::default(), &empty).expect_err("no node");
    assert!(matches!(err, EngineError::NoNode { .. }), "{err}");
    assert!(err.to_string().contains("--node") && err.to_string().contains("PATH=/nonexistent"));

    let node_only = env_of(&[(NODE_ENV, bin.join("node").display().to_string())]);
    let err = locate(&EngineHints::default(), &node_only).expect_err("no acpx");
    assert!(matches!(err, EngineError::NoAcpx { .. }), "{err}");
    assert!(err.to_string().contains("--acpx DIR"), "{err}");

    let hints = EngineHints {
        acpx: Some(package.clone()),
        node: Some(bin.join("node")),
    };
    let err = locate(&hints, &empty).expect_err("0.20 is out of range");
    assert!(err.to_string().contains("0.20.0 is not supported"), "{err}");

    let not_acpx = tempfile::tempdir().expect("tempdir");
    fs::write(
        not_acpx.path().join("package.json"),
        "{\"name\":\"left-pad\",\"version\":\"0.19.1\"}",
    )
    .expect("write");
    let hints = EngineHints {
        acpx: Some(not_acpx.path().to_path_buf()),
        node: Some(bin.join("node")),
    };
    assert!(matches!(
        locate(&hints, &empty),
        Err(EngineError::NoAcpx { .. })
    ));
}

#[test]
fn the_supported_range() {
    for (version, ok) in [
        ("0.19.1", true),
        ("0.19.9", true),
        ("0.19.0", false),
        ("0.20.0", false),
        ("1.0.0", false),
        ("0.19.1-beta.1", false),
        ("garbage", false),
    ] {
        assert_eq!(supported(version), ok, "{version}");
    }
}
