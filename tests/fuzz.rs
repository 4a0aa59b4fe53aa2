//! Fuzz targets, one per reader of untrusted input, run for a bounded
//! number of deterministic cases (an in-repo harness: `cargo fuzz` needs a
//! nightly toolchain). Seeds are the real bundles, read in place; mutations
//! are byte-, line-, JSON- and folder-level (`fuzz/mutate.rs`,
//! `fuzz/json_mut.rs`, `fuzz/folder.rs`). How to run longer, rerun one
//! case and find saved failures: `fuzz/harness.rs`.

mod common;

#[path = "fuzz/corpus.rs"]
mod corpus;
#[path = "fuzz/folder.rs"]
mod folder;
#[path = "fuzz/gen.rs"]
mod gen;
#[path = "fuzz/harness.rs"]
mod harness;
#[path = "fuzz/json_mut.rs"]
mod json_mut;
#[path = "fuzz/mutate.rs"]
mod mutate;
#[path = "fuzz/rng.rs"]
mod rng;
#[path = "fuzz/selftest.rs"]
mod selftest;
#[path = "fuzz/t_bundle.rs"]
mod t_bundle;
#[path = "fuzz/t_conversation.rs"]
mod t_conversation;
#[path = "fuzz/t_docs.rs"]
mod t_docs;
#[path = "fuzz/t_fork.rs"]
mod t_fork;
#[path = "fuzz/t_index.rs"]
mod t_index;
#[path = "fuzz/t_patch.rs"]
mod t_patch;
#[path = "fuzz/t_refresh.rs"]
mod t_refresh;
#[path = "fuzz/t_sanitize.rs"]
mod t_sanitize;
#[path = "fuzz/t_text.rs"]
mod t_text;
#[path = "fuzz/t_viewer.rs"]
mod t_viewer;

use harness::{run, Target};

/// The first `max` bytes of `text` (on a char boundary), for messages.
pub fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &text[..end], text.len())
}

/// The first character of `text` a terminal must not receive.
pub fn dangerous_char(text: &str) -> Option<char> {
    text.chars().find(|&c| t_sanitize::forbidden(c, false))
}

/// In-memory targets: `REEL_FUZZ_CASES` cases each.
fn memory(name: &'static str, default_cases: u64, expect_both: bool) -> Target {
    Target {
        name,
        default_cases,
        weight: 1,
        expect_both,
    }
}

/// Targets that build a bundle folder per case: `REEL_FUZZ_CASES / 100`.
fn folder(name: &'static str, default_cases: u64) -> Target {
    Target {
        name,
        default_cases,
        weight: 100,
        expect_both: true,
    }
}

#[test]
fn ndjson_scan() {
    run(memory("ndjson_scan", 1500, true), t_index::ndjson_scan);
}

#[test]
fn trace_index() {
    run(memory("trace_index", 1500, true), t_index::trace_index);
}

#[test]
fn session_index() {
    run(memory("session_index", 1500, true), t_index::session_index);
}

#[test]
fn manifest() {
    run(memory("manifest", 3000, true), t_docs::manifest);
}

#[test]
fn flow() {
    run(memory("flow", 1000, true), t_docs::flow);
}

#[test]
fn conversation() {
    run(
        memory("conversation", 1000, false),
        t_conversation::conversation,
    );
}

#[test]
fn record() {
    run(memory("record", 300, true), t_conversation::record);
}

#[test]
fn tour() {
    run(memory("tour", 5000, true), t_text::tour);
}

#[test]
fn keymap() {
    run(memory("keymap", 2000, true), t_text::keymap);
}

#[test]
fn sanitize() {
    run(memory("sanitize", 10000, false), t_sanitize::sanitize);
}

#[test]
fn json_line() {
    run(memory("json_line", 3000, false), t_sanitize::json_line);
}

#[test]
fn patch() {
    run(memory("patch", 3000, true), t_patch::patch);
}

#[test]
fn bundle() {
    // At least the sweep over the branching-review sample's files.
    let cases = t_bundle::sweep_len().max(1) + 200;
    run(folder("bundle", cases), t_bundle::bundle);
}

#[test]
fn refresh() {
    run(folder("refresh", 150), t_refresh::refresh);
}

#[test]
fn fork() {
    run(folder("fork", 100), t_fork::fork);
}

/// `fork()` takes `ForkOptions::run_id` as a folder name (the tour player
/// builds one from the bundle's `runId`): a hostile id must be refused.
#[test]
fn fork_hostile_run_id() {
    run(folder("fork_hostile_run_id", 30), t_fork::fork_hostile_id);
}

#[test]
fn viewer() {
    run(folder("viewer", 100), t_viewer::viewer);
}

#[test]
fn harness_reports_panics_and_violations() {
    selftest::panics_and_violations();
}

#[test]
fn harness_reports_hangs() {
    selftest::hangs();
}
