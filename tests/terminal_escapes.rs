//! Nothing reel prints can drive the terminal: a run folder named with
//! escape sequences, C1 controls, bidi overrides and line separators, and
//! the same characters inside the bundle's strings, go through every
//! subcommand (stdout and stderr, human and `--json`, errors included).
//! JSON stays faithful: the dangerous characters are `\uXXXX` escapes that
//! decode back to the original string.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{copy_dir, reel, Output};
use serde_json::Value;

const SAMPLE: &str = "2026-11-23T163116156Z-gen-branching-review-432a4eb8";

/// OSC window title, clear screen, 8-bit CSI, right-to-left override, a
/// line separator, DEL and a newline.
const HOSTILE: &str = "run\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}evil\u{2028}x\u{7f}\ny";

/// Characters that must never reach the terminal raw. (Newlines and tabs
/// are the output's own layout.)
fn dangerous(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
}

fn assert_clean(what: &str, out: &Output) {
    for (stream, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        if let Some(c) = text.chars().find(|&c| dangerous(c)) {
            panic!(
                "{what}: {stream} carries U+{:04X} raw:\n{}",
                c as u32,
                out.describe().escape_debug()
            );
        }
        // The hostile name's newline must not split a printed line either:
        // "y" is never at the start of a line.
        assert!(
            !text.lines().any(|l| l.starts_with("y\u{1b}") || l == "y"),
            "{what}: the name's newline reached {stream}"
        );
    }
}

struct Scene {
    _temp: tempfile::TempDir,
    runs: PathBuf,
    run: PathBuf,
}

fn scene() -> Scene {
    let temp = tempfile::tempdir().expect("tempdir");
    let runs = temp.path().join("runs");
    let run = runs.join(HOSTILE);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("sample-runs")
            .join(SAMPLE),
        &run,
    );
    // The same characters inside the bundle: the title and an agent reply.
    let manifest = run.join("manifest.json");
    let mut value: Value =
        serde_json::from_slice(&fs::read(&manifest).expect("read")).expect("json");
    value["runTitle"] = HOSTILE.into();
    fs::write(&manifest, serde_json::to_vec_pretty(&value).expect("json")).expect("write");
    let events = run.join("sessions/reviewer-22b54ff9/events.ndjson");
    let text = fs::read_to_string(&events).expect("events");
    let escaped = serde_json::to_string(HOSTILE).expect("json");
    let escaped = &escaped[1..escaped.len() - 1];
    fs::write(&events, text.replace("finding 2a", escaped)).expect("write");
    Scene {
        _temp: temp,
        runs,
        run,
    }
}

fn s(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[test]
fn every_subcommand_prints_only_safe_characters() {
    let scene = scene();
    let run = s(&scene.run);
    let runs = s(&scene.runs);
    let cast_dir = tempfile::tempdir().expect("tempdir");
    let cast = cast_dir.path().join("play.cast");
    let commands: Vec<(&str, Vec<String>)> = vec![
        ("list", vec!["list".into(), runs.clone()]),
        (
            "list json",
            vec!["list".into(), runs.clone(), "--json".into()],
        ),
        ("show", vec!["show".into(), run.clone()]),
        (
            "show json",
            vec!["show".into(), run.clone(), "--json".into()],
        ),
        (
            "state",
            vec!["state".into(), run.clone(), "--at".into(), "5".into()],
        ),
        (
            "state json",
            vec![
                "state".into(),
                run.clone(),
                "--at".into(),
                "5".into(),
                "--json".into(),
            ],
        ),
        ("validate", vec!["validate".into(), run.clone()]),
        (
            "validate json",
            vec!["validate".into(), run.clone(), "--json".into()],
        ),
        (
            "fork preview",
            vec![
                "fork".into(),
                run.clone(),
                "--at".into(),
                "3".into(),
                "--preview".into(),
            ],
        ),
        (
            "fork json",
            vec![
                "fork".into(),
                run.clone(),
                "--at".into(),
                "3".into(),
                "--json".into(),
            ],
        ),
        (
            "rewind",
            vec![
                "rewind".into(),
                run.clone(),
                "--to".into(),
                "7".into(),
                "--yes".into(),
            ],
        ),
        (
            "rewind json",
            vec![
                "rewind".into(),
                run.clone(),
                "--to".into(),
                "6".into(),
                "--yes".into(),
                "--json".into(),
            ],
        ),
        ("undo", vec!["undo".into(), run.clone(), "--yes".into()]),
        (
            "undo json",
            vec!["undo".into(), run.clone(), "--yes".into(), "--json".into()],
        ),
        ("tree", vec!["tree".into(), runs.clone()]),
        (
            "tree json",
            vec!["tree".into(), runs.clone(), "--json".into()],
        ),
        ("audit", vec!["audit".into(), runs.clone()]),
        (
            "audit json",
            vec!["audit".into(), runs.clone(), "--json".into()],
        ),
        (
            "diff",
            vec!["diff".into(), format!("{run}@2"), format!("{run}@5")],
        ),
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
        // Errors quote what they were given.
        (
            "unknown attempt",
            vec!["state".into(), run.clone(), "--at".into(), HOSTILE.into()],
        ),
        (
            "bad argument",
            vec!["show".into(), run.clone(), format!("--{HOSTILE}")],
        ),
        (
            "missing path",
            vec!["validate".into(), format!("{run}-gone")],
        ),
        (
            "no such run",
            vec![
                "show".into(),
                "--runs-dir".into(),
                runs.clone(),
                HOSTILE.replace("run", "nope"),
            ],
        ),
    ];
    for (what, args) in &commands {
        let out = reel(args);
        assert_clean(what, &out);
        if what.ends_with("json") {
            assert_eq!(out.code, Some(0), "{what}: {}", out.describe());
            let value = out.json();
            // Faithful: the escaped strings decode to the real name.
            let text = value.to_string();
            let names_the_run = ["list json", "show json", "rewind json", "tree json"];
            assert!(
                text.contains("\\u001b]0;pwned") || !names_the_run.contains(what),
                "{what}: the run's name or title is not in the document: {text}"
            );
        }
    }
    // JSON decodes back to the real strings.
    let shown = reel(["show", &run, "--json"]).json();
    assert_eq!(shown["path"].as_str(), Some(run.as_str()));
    assert_eq!(shown["runTitle"].as_str(), Some(HOSTILE));
    let state = reel(["state", &run, "--at", "5", "--json"]);
    assert!(
        state
            .stdout
            .contains("\\u009b31m\\u202eevil\\u2028x\\u007f"),
        "the agent's reply is escaped in state --json: {}",
        state.stdout
    );
    // The recording's header title is escaped too.
    let header = fs::read_to_string(&cast)
        .expect("cast")
        .lines()
        .next()
        .expect("header")
        .to_string();
    assert!(!header.chars().any(dangerous), "{header:?}");
    let title: Value = serde_json::from_str(&header).expect("header json");
    assert!(title["title"].as_str().is_some_and(|t| t.contains(HOSTILE)));
}

#[test]
fn a_broken_bundle_with_a_hostile_name_errs_safely() {
    let scene = scene();
    let trace = scene.run.join("trace.ndjson");
    let mut text = fs::read_to_string(&trace).expect("trace");
    text.insert_str(text.find('\n').expect("a line") + 1, "{not json \u{9b}2J\n");
    fs::write(&trace, text).expect("write");
    let run = s(&scene.run);
    for args in [
        vec!["show", &run],
        vec!["show", &run, "--json"],
        vec!["validate", &run],
        vec!["validate", &run, "--json"],
        vec!["fork", &run, "--at", "1"],
        vec!["rewind", &run, "--to", "1", "--yes"],
    ] {
        let out = reel(&args);
        assert_clean(&args.join(" "), &out);
        assert_ne!(out.code, Some(0), "{}", out.describe());
        let located = out.combined().contains("trace.ndjson:2")
            || (out.stdout.contains("trace.ndjson\"") && out.stdout.contains("\"line\":2"));
        assert!(located, "names the file and line: {}", out.describe());
    }
}
