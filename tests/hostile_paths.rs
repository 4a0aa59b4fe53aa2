//! Bundles that try to make reel read or write outside them: session ids
//! that climb out of `sessions/`, symlinked session folders, manifests,
//! traces, session logs and artifacts, FIFOs and devices in place of files.
//! Every case is built here from a copy of a sample run, and every reel
//! command that reads a run (validate, show, state, play, demo, fork,
//! rewind) is run on it. What must hold, whatever the command says:
//! - nothing from outside the bundle appears in any output or in any file
//!   reel wrote (a canary string lives only outside);
//! - nothing outside the runs directory changes;
//! - no command hangs (the runner's bound) or panics.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::{copy_dir, reel, Output};
use serde_json::Value;

const CANARY: &str = "CANARY-FROM-OUTSIDE-THE-BUNDLE";
const SAMPLE: &str = "2026-11-23T163116156Z-gen-branching-review-432a4eb8";

struct Scene {
    _temp: tempfile::TempDir,
    runs: PathBuf,
    run: PathBuf,
    outside: PathBuf,
}

/// `<tmp>/runs/<run>` (a copy of the branching-review sample) and
/// `<tmp>/outside/` holding files full of the canary: a session folder, a
/// manifest, a trace and an artifact someone would like reel to show.
fn scene() -> Scene {
    let temp = tempfile::tempdir().expect("tempdir");
    let runs = temp.path().join("runs");
    let run = runs.join(SAMPLE);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("sample-runs")
            .join(SAMPLE),
        &run,
    );
    let outside = temp.path().join("outside");
    let session = outside.join("session");
    fs::create_dir_all(&session).expect("mkdir");
    // A session log that parses, with the canary in an agent message.
    let real_events = run.join("sessions/main-4401cd67/events.ndjson");
    let events = fs::read_to_string(&real_events)
        .expect("events")
        .replace("Review round", CANARY)
        .replace("MOCK_", CANARY);
    assert!(events.contains(CANARY));
    fs::write(session.join("events.ndjson"), events).expect("write");
    for name in ["record.json", "binding.json"] {
        let text = fs::read_to_string(run.join("sessions/main-4401cd67").join(name))
            .expect("session file")
            .replacen("{", &format!("{{\"canary\":\"{CANARY}\","), 1);
        fs::write(session.join(name), text).expect("write");
    }
    let manifest = fs::read_to_string(run.join("manifest.json"))
        .expect("manifest")
        .replace("Review: fix flaky login test", CANARY);
    fs::write(outside.join("manifest.json"), manifest).expect("write");
    let trace = fs::read_to_string(run.join("trace.ndjson"))
        .expect("trace")
        .replace("Review the change", CANARY);
    fs::write(outside.join("trace.ndjson"), trace).expect("write");
    fs::write(outside.join("artifact.txt"), CANARY).expect("write");
    Scene {
        _temp: temp,
        runs,
        run,
        outside,
    }
}

/// Every file under `dir` with its bytes (symlinks as their targets).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            let meta = fs::symlink_metadata(&path).expect("lstat");
            if meta.file_type().is_symlink() {
                let target = fs::read_link(&path).expect("readlink");
                out.insert(path, target.to_string_lossy().as_bytes().to_vec());
            } else if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                out.insert(path.clone(), fs::read(&path).expect("read"));
            } else {
                out.insert(path, b"<special>".to_vec());
            }
        }
    }
    out
}

/// Real files under `dir` (not following symlinks) whose bytes hold the
/// canary.
fn files_with_canary(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                let bytes = fs::read(&path).unwrap_or_default();
                if String::from_utf8_lossy(&bytes).contains(CANARY) {
                    found.push(path);
                }
            }
        }
    }
    found
}

/// Runs every reading command on the scene's run and checks the promises.
/// Returns the outputs by command name for case-specific checks.
fn attack(scene: &Scene) -> BTreeMap<&'static str, Output> {
    let before_outside = snapshot(&scene.outside);
    let run = scene.run.to_string_lossy().into_owned();
    let runs = scene.runs.to_string_lossy().into_owned();
    let scratch = tempfile::tempdir().expect("scratch");
    let cast = scratch.path().join("play.cast");
    let tour_cast = scratch.path().join("tour.cast");
    let tour = scratch.path().join("attack.tour");
    fs::write(
        &tour,
        format!("open {run}\nstep 5\ntab session\npause 1s\ntab attempt\npause 1s\n"),
    )
    .expect("tour");
    let s = |p: &Path| p.to_string_lossy().into_owned();
    let commands: Vec<(&str, Vec<String>)> = vec![
        ("validate", vec!["validate".into(), run.clone()]),
        (
            "validate-json",
            vec!["validate".into(), run.clone(), "--json".into()],
        ),
        ("show", vec!["show".into(), run.clone()]),
        (
            "show-json",
            vec!["show".into(), run.clone(), "--json".into()],
        ),
        (
            "state",
            vec![
                "state".into(),
                run.clone(),
                "--at".into(),
                "5".into(),
                "--json".into(),
            ],
        ),
        ("list", vec!["list".into(), runs.clone(), "--json".into()]),
        ("tree", vec!["tree".into(), runs.clone()]),
        (
            "play",
            vec![
                "play".into(),
                run.clone(),
                "--headless".into(),
                "--record".into(),
                s(&cast),
            ],
        ),
        (
            "demo",
            vec![
                "demo".into(),
                s(&tour),
                "--headless".into(),
                "--record".into(),
                s(&tour_cast),
            ],
        ),
        (
            "fork",
            vec!["fork".into(), run.clone(), "--at".into(), "5".into()],
        ),
        (
            "rewind",
            vec![
                "rewind".into(),
                run.clone(),
                "--to".into(),
                "3".into(),
                "--yes".into(),
            ],
        ),
    ];
    let mut outputs = BTreeMap::new();
    for (name, args) in commands {
        let out = reel(&args);
        assert!(
            !out.combined().contains(CANARY),
            "{name} printed what lies outside the bundle:\n{}",
            out.describe()
        );
        outputs.insert(name, out);
    }
    for recording in [&cast, &tour_cast] {
        let text = fs::read_to_string(recording).unwrap_or_default();
        assert!(
            !text.contains(CANARY),
            "{} shows the outside",
            recording.display()
        );
    }
    assert_eq!(
        snapshot(&scene.outside),
        before_outside,
        "something outside the runs directory changed"
    );
    let leaked = files_with_canary(&scene.runs);
    assert!(
        leaked.is_empty(),
        "reel wrote the outside into the runs: {leaked:?}"
    );
    assert_eq!(
        fs::read_dir(scene.outside.parent().expect("tmp"))
            .expect("tmp")
            .count(),
        2,
        "only runs/ and outside/ exist beside each other"
    );
    outputs
}

fn edit_manifest(run: &Path, edit: impl FnOnce(&mut Value)) {
    let path = run.join("manifest.json");
    let mut manifest: Value =
        serde_json::from_slice(&fs::read(&path).expect("manifest")).expect("json");
    edit(&mut manifest);
    fs::write(&path, serde_json::to_vec_pretty(&manifest).expect("json")).expect("write");
}

fn assert_refused(outputs: &BTreeMap<&str, Output>, names: &[&str], needle: &str) {
    for name in names {
        let out = &outputs[name];
        assert_ne!(out.code, Some(0), "{name} went ahead:\n{}", out.describe());
        assert!(
            out.combined().contains(needle),
            "{name} does not say {needle:?}:\n{}",
            out.describe()
        );
    }
}

#[test]
fn session_ids_that_climb_out_of_sessions_are_refused() {
    for hostile in ["../../../outside/session", "ABSOLUTE"] {
        let scene = scene();
        let id = if hostile == "ABSOLUTE" {
            scene.outside.join("session").to_string_lossy().into_owned()
        } else {
            hostile.to_string()
        };
        edit_manifest(&scene.run, |m| {
            let first = &mut m["sessions"][0];
            first["id"] = id.clone().into();
            for field in ["bindingPath", "recordPath", "eventsPath"] {
                first.as_object_mut().expect("object").remove(field);
            }
        });
        let outputs = attack(&scene);
        assert_refused(
            &outputs,
            &[
                "validate", "show", "state", "fork", "rewind", "play", "demo",
            ],
            "not a plain folder name",
        );
        // The rewind wrote no session folder anywhere.
        assert!(
            !scene.runs.join(".reel/staging").exists()
                || fs::read_dir(scene.runs.join(".reel/staging"))
                    .expect("staging")
                    .count()
                    == 0
        );
    }
}

#[cfg(unix)]
#[test]
fn a_symlinked_session_folder_is_neither_read_nor_copied() {
    use std::os::unix::fs::symlink;
    // Named by the manifest: refused when read.
    let scene = scene();
    let folder = scene.run.join("sessions/main-4401cd67");
    fs::remove_dir_all(&folder).expect("rm");
    symlink(scene.outside.join("session"), &folder).expect("symlink");
    let outputs = attack(&scene);
    assert_refused(&outputs, &["show", "state", "fork"], "outside the bundle");

    // Found only by listing sessions/: not a session at all.
    let scene = self::scene();
    symlink(
        scene.outside.join("session"),
        scene.run.join("sessions/extra-1"),
    )
    .expect("symlink");
    let outputs = attack(&scene);
    let shown = outputs["show-json"].json();
    let ids: Vec<&str> = shown["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert!(!ids.contains(&"extra-1"), "{ids:?}");
    assert_eq!(
        outputs["fork"].code,
        Some(0),
        "{}",
        outputs["fork"].describe()
    );
}

#[cfg(unix)]
#[test]
fn symlinked_manifest_trace_session_log_and_artifact_are_refused() {
    use std::os::unix::fs::symlink;
    let replace = |scene: &Scene, inside: &str, outside: &Path| {
        let path = scene.run.join(inside);
        fs::remove_file(&path).expect("rm");
        symlink(outside, &path).expect("symlink");
    };
    let scene = scene();
    replace(
        &scene,
        "manifest.json",
        &scene.outside.join("manifest.json"),
    );
    let outputs = attack(&scene);
    assert_refused(
        &outputs,
        &[
            "validate", "show", "state", "fork", "rewind", "play", "demo",
        ],
        "outside the bundle",
    );

    let scene = self::scene();
    replace(&scene, "trace.ndjson", &scene.outside.join("trace.ndjson"));
    let outputs = attack(&scene);
    assert_refused(
        &outputs,
        &["validate", "show", "fork", "rewind", "play", "demo"],
        "outside the bundle",
    );

    let scene = self::scene();
    replace(
        &scene,
        "sessions/main-4401cd67/events.ndjson",
        &scene.outside.join("session/events.ndjson"),
    );
    let outputs = attack(&scene);
    assert_refused(
        &outputs,
        &["validate", "show", "fork"],
        "outside the bundle",
    );

    let scene = self::scene();
    let artifact = fs::read_dir(scene.run.join("artifacts"))
        .expect("artifacts")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "txt"))
        .expect("a text artifact");
    let name = format!(
        "artifacts/{}",
        artifact.file_name().expect("name").to_string_lossy()
    );
    replace(&scene, &name, &scene.outside.join("artifact.txt"));
    let outputs = attack(&scene);
    assert!(
        outputs["validate"]
            .combined()
            .contains("outside the bundle"),
        "{}",
        outputs["validate"].describe()
    );
}

#[cfg(target_os = "linux")]
#[test]
fn fifos_and_devices_in_place_of_files_never_hang() {
    use rustix::fs::{FileType, Mode};
    let files = [
        "manifest.json",
        "flow.json",
        "trace.ndjson",
        "projections/run.json",
        "projections/live.json",
        "projections/steps.json",
        "sessions/main-4401cd67/events.ndjson",
        "sessions/main-4401cd67/record.json",
        "sessions/main-4401cd67/binding.json",
    ];
    let mut cases = 0;
    for (kind, file_type, dev) in [
        ("FIFO", FileType::Fifo, 0),
        // /dev/zero's major and minor: endless zeros if read.
        (
            "character device",
            FileType::CharacterDevice,
            rustix::fs::makedev(1, 5),
        ),
    ] {
        for file in files {
            let scene = scene();
            let path = scene.run.join(file);
            fs::remove_file(&path).expect("rm");
            rustix::fs::mknodat(
                rustix::fs::CWD,
                &path,
                file_type,
                Mode::from_raw_mode(0o600),
                dev,
            )
            .unwrap_or_else(|e| panic!("mknod {kind} (needs root for a device): {e}"));
            let outputs = attack(&scene);
            for name in ["validate", "show-json", "state", "fork"] {
                let out = &outputs[name];
                assert!(
                    out.code == Some(0) || out.combined().contains(kind),
                    "{file} as a {kind}: {name} failed without saying why:\n{}",
                    out.describe()
                );
            }
            assert!(
                outputs["validate"].combined().contains(kind),
                "{file} as a {kind}: validate does not report it:\n{}",
                outputs["validate"].describe()
            );
            cases += 1;
        }
    }
    println!("{cases} special-file cases, {} commands each", 11);
}
