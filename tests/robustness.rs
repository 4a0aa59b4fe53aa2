//! Damaged bundles must give errors, never panics: every file of a real
//! bundle is truncated at many points and has bytes flipped, and the whole
//! read path (open, attempts, frames, outputs, conversations, validate) runs
//! on each damaged copy.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use reel::bundle::validate::validate_bundle;
use reel::model::Run;

const SOURCE: &str = "sample-runs/2026-11-23T163116156Z-gen-branching-review-432a4eb8";

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn files_of(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).expect("read_dir").flatten() {
        if entry.path().is_dir() {
            out.extend(files_of(&entry.path()));
        } else {
            out.push(entry.path());
        }
    }
    out.sort();
    out
}

/// Everything a viewer would do with a run, errors allowed, panics not.
fn exercise(dir: &Path) {
    let _ = validate_bundle(dir);
    let Ok(run) = Run::open(dir) else { return };
    let _ = run.status();
    for attempt in &run.attempts {
        let _ = run.node_frames_at(attempt.seq_end);
        let _ = run.outputs_at(attempt.seq_end);
        let _ = run.conversation(attempt);
    }
    for session in &run.bundle.sessions {
        let _ = session.index();
    }
}

#[test]
fn damaged_copies_never_panic() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(SOURCE);
    let files = files_of(&source);
    assert!(files.len() > 10, "the source bundle should have many files");
    let scratch = tempfile::tempdir().expect("tempdir");
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut cases = 0;
    for (n, file) in files.iter().enumerate() {
        let relative = file.strip_prefix(&source).expect("inside");
        let original = fs::read(file).expect("read");
        for round in 0..6 {
            let copy = scratch.path().join(format!("case-{n}-{round}"));
            common::copy_dir(&source, &copy);
            let mut bytes = original.clone();
            if round % 2 == 0 {
                bytes.truncate(rng.below(bytes.len()));
            } else {
                for _ in 0..1 + rng.below(8) {
                    if !bytes.is_empty() {
                        let at = rng.below(bytes.len());
                        bytes[at] = rng.next() as u8;
                    }
                }
            }
            fs::write(copy.join(relative), &bytes).expect("write");
            exercise(&copy);
            fs::remove_dir_all(&copy).expect("cleanup");
            cases += 1;
        }
    }
    assert_eq!(cases, files.len() * 6);
}
