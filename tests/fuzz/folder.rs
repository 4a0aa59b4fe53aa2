//! Mutated bundle folders: a real bundle copied into the case's scratch
//! runs folder, then files changed, truncated, emptied, removed, swapped,
//! replaced by folders or by symlinks (out of the bundle too), taken from
//! other bundles, and junk session or transient folders added.

use std::fs;
use std::path::{Path, PathBuf};

use super::corpus::{corpus, files_of};
use super::mutate;
use super::rng::Rng;

/// A case's layout: `scratch/runs/<bundle>` and `scratch/outside/`, a
/// sibling no operation on the bundle may touch.
pub struct Scene {
    pub runs: PathBuf,
    pub bundle: PathBuf,
    pub outside: PathBuf,
}

pub fn scene(scratch: &Path, source: &Path) -> Scene {
    let runs = scratch.join("runs");
    let name = source
        .file_name()
        .map_or_else(|| "run".into(), |n| n.to_os_string());
    let bundle = runs.join(name);
    crate::common::copy_dir(source, &bundle);
    let outside = scratch.join("outside");
    fs::create_dir_all(&outside).expect("mkdir outside");
    fs::write(outside.join("secret.json"), SECRET).expect("write secret");
    Scene {
        runs,
        bundle,
        outside,
    }
}

/// What lies outside the bundle: a valid manifest, trace line and session
/// event at once, so reading it through any file would show.
pub const SECRET: &[u8] =
    b"{\"seq\":1,\"type\":\"run_started\",\"runId\":\"LEAKED-OUTSIDE\",\"payload\":{}}\n";
pub const SECRET_MARK: &str = "leaked-outside";

/// The files reels reads first; mutations pick them half of the time.
fn is_key_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    matches!(
        name,
        "manifest.json"
            | "flow.json"
            | "trace.ndjson"
            | "events.ndjson"
            | "record.json"
            | "steps.json"
            | "live.json"
            | "run.json"
    )
}

fn pick_file(rng: &mut Rng, dir: &Path) -> Option<PathBuf> {
    let files = files_of(dir);
    if files.is_empty() {
        return None;
    }
    let key: Vec<&PathBuf> = files.iter().filter(|f| is_key_file(f)).collect();
    if !key.is_empty() && rng.one_in(2) {
        return Some((*rng.pick(&key)).clone());
    }
    Some(rng.pick(&files).clone())
}

/// Changes the contents the way its type suggests.
pub fn mutate_contents(rng: &mut Rng, path: &Path, data: &mut Vec<u8>) {
    let name = path.to_string_lossy();
    if name.ends_with(".ndjson") {
        mutate::ndjson(rng, data);
    } else if name.ends_with(".json") {
        mutate::json_doc(rng, data);
    } else {
        mutate::bytes(rng, data);
    }
}

/// Replaces a file's bytes (never writing through a link).
fn rewrite(path: &Path, bytes: &[u8]) {
    let _ = fs::remove_file(path);
    let _ = fs::write(path, bytes);
}

/// One random change to the bundle folder.
pub fn mutate_once(rng: &mut Rng, scene: &Scene) {
    let dir = &scene.bundle;
    let Some(file) = pick_file(rng, dir) else {
        return;
    };
    match rng.below(16) {
        0..=5 => {
            let mut data = fs::read(&file).unwrap_or_default();
            mutate_contents(rng, &file, &mut data);
            rewrite(&file, &data);
        }
        6 => {
            let data = fs::read(&file).unwrap_or_default();
            rewrite(&file, &data[..rng.below(data.len() + 1)]);
        }
        7 => {
            let _ = fs::remove_file(&file);
        }
        8 => rewrite(&file, b""),
        9 => {
            if let Some(other) = pick_file(rng, dir) {
                let (a, b) = (
                    fs::read(&file).unwrap_or_default(),
                    fs::read(&other).unwrap_or_default(),
                );
                rewrite(&file, &b);
                rewrite(&other, &a);
            }
        }
        10 => {
            let _ = fs::remove_file(&file);
            let _ = fs::create_dir_all(&file);
        }
        11 => {
            #[cfg(unix)]
            {
                let _ = fs::remove_file(&file);
                let target = if rng.one_in(2) {
                    scene.outside.join("secret.json")
                } else {
                    pick_file(rng, dir).unwrap_or_default()
                };
                let _ = std::os::unix::fs::symlink(target, &file);
            }
        }
        12 => {
            // The same file of another bundle (a trace with foreign ids, ...).
            let relative = file.strip_prefix(dir).unwrap_or(&file).to_path_buf();
            let other = rng.pick(&corpus().bundles).join(&relative);
            if let Ok(bytes) = fs::read(other) {
                rewrite(&file, &bytes);
            }
        }
        13 => {
            let folder = *rng.pick(&["sessions", "artifacts", "projections"]);
            let _ = fs::remove_dir_all(dir.join(folder));
        }
        14 => {
            let name = if rng.one_in(2) {
                "acpx-write-x1".to_string()
            } else {
                format!("s{}", rng.small(9))
            };
            let session = dir.join("sessions").join(name);
            let _ = fs::create_dir_all(&session);
            let line = rng.pick(&corpus().lines).clone();
            let _ = fs::write(
                session.join("events.ndjson"),
                [line.as_slice(), b"\n"].concat(),
            );
        }
        _ => {
            // Appended lines, as a live writer adds them.
            let trace = dir.join("trace.ndjson");
            let mut data = fs::read(&trace).unwrap_or_default();
            for _ in 0..rng.small(4) + 1 {
                let line: &Vec<u8> = rng.pick(&corpus().lines);
                data.extend_from_slice(line);
                data.push(b'\n');
            }
            rewrite(&trace, &data);
        }
    }
}

/// Several changes, or (for the sweep) none here: the caller picks.
pub fn mutate(rng: &mut Rng, scene: &Scene) {
    for _ in 0..rng.small(3) + 1 {
        mutate_once(rng, scene);
    }
}

/// Every file under `dir` with its bytes (symlinks as their target path).
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_symlink() {
            let target = fs::read_link(&path).unwrap_or_default();
            out.push((relative, target.to_string_lossy().into_owned().into_bytes()));
        } else if kind.is_dir() {
            out.push((relative, b"<dir>".to_vec()));
            walk(root, &path, out);
        } else {
            out.push((relative, fs::read(&path).unwrap_or_default()));
        }
    }
}
