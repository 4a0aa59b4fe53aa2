//! `validate` reads every event as the viewer will: lines the indexes can
//! skim past but a full read refuses are errors at their line; a line that
//! is not a JSON object is refused at open.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{copy_dir, reel};

const SAMPLE: &str = "2026-11-23T163116156Z-gen-branching-review-432a4eb8";

fn copy() -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().expect("tempdir");
    let run = temp.path().join(SAMPLE);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("sample-runs")
            .join(SAMPLE),
        &run,
    );
    (temp, run)
}

/// Replaces the `"payload":{` of line `n` (1-based) with a payload holding
/// `field` first, as a writer could have.
fn poison_line(path: &Path, n: usize, field: &str) {
    let text = fs::read_to_string(path).expect("read");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let line = &mut lines[n - 1];
    let at = line.find("\"payload\":{").expect("a payload") + "\"payload\":{".len();
    line.insert_str(at, &format!("{field},"));
    fs::write(path, lines.join("\n") + "\n").expect("write");
}

fn validate(run: &Path) -> common::Output {
    reel(["validate".as_ref(), run.as_os_str()])
}

#[test]
fn an_event_a_full_read_refuses_is_an_error_at_its_line() {
    for (what, field) in [
        ("a lone surrogate", r#""note":"\ud800""#),
        ("a number out of range", r#""note":1e999"#),
    ] {
        let (_temp, run) = copy();
        poison_line(&run.join("trace.ndjson"), 4, field);
        let out = validate(&run);
        assert_eq!(out.code, Some(1), "{what}: {}", out.describe());
        assert!(
            out.stdout.contains("trace.ndjson:4:") && out.stdout.contains("cannot be read"),
            "{what}: {}",
            out.describe()
        );
    }
    let (_temp, run) = copy();
    let events = run.join("sessions/main-4401cd67/events.ndjson");
    let text = fs::read_to_string(&events).expect("events");
    let line = text.lines().nth(2).expect("a third line").to_string();
    let poisoned = line.replacen('{', r#"{"note":"\ud800","#, 1);
    fs::write(&events, text.replacen(&line, &poisoned, 1)).expect("write");
    let out = validate(&run);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert!(
        out.stdout.contains("events.ndjson:3:"),
        "{}",
        out.describe()
    );
}

#[test]
fn a_line_that_is_not_an_object_is_refused() {
    let (_temp, run) = copy();
    let trace = run.join("trace.ndjson");
    let text = fs::read_to_string(&trace).expect("trace");
    let mut lines: Vec<&str> = text.lines().collect();
    // Fields by position: serde would take it for an event.
    let array = r#"[99,"2026-11-23T16:31:16.200Z","x","run","node_heartbeat"]"#;
    lines.insert(3, array);
    fs::write(&trace, lines.join("\n") + "\n").expect("write");
    for args in [vec!["validate"], vec!["show"]] {
        let mut args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
        args.push(run.as_os_str());
        let out = reel(args);
        assert_eq!(out.code, Some(1), "{}", out.describe());
        // validate adds its "error:" label; show prints the error itself.
        let located = out.combined().contains("trace.ndjson:4: not a JSON object")
            || out
                .combined()
                .contains("trace.ndjson:4: error: not a JSON object");
        assert!(located, "{}", out.describe());
    }
    let (_temp, run) = copy();
    fs::write(
        run.join("manifest.json"),
        r#"["acpx.flow-run-bundle.v1","id"]"#,
    )
    .expect("write");
    let out = validate(&run);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert!(
        out.stdout.contains("not a JSON object"),
        "{}",
        out.describe()
    );
}
