//! Time travel from the TUI: the fork dialog (preview, overlay, patch
//! validation, the fork opening), rewind and undo behind confirmations,
//! mark + diff, and the lineage view — driven through `App::update` with
//! effects carried out inline, on a copy of the branching-review sample.

mod support;

use std::fs;
use std::path::PathBuf;

use crossterm::event::KeyCode;
use reel::model::Run;
use reel::tui::app::Screen;
use reel::tui::dialog::Dialog;
use support::*;

/// A temp runs dir holding a copy of branching-review, and the app on it.
fn app_on_copy() -> (tempfile::TempDir, PathBuf, reel::tui::app::App) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let name = branching_review().file_name().expect("name").to_owned();
    let run = tmp.path().join(&name);
    copy_dir(&branching_review(), &run);
    let app = run_app(run.clone());
    (tmp, run, app)
}

fn runs_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read_dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

#[test]
fn fork_dialog_previews_overlays_and_opens_the_fork() {
    let (tmp, run, mut app) = app_on_copy();
    keys(&mut app, "jjjj"); // review_loop#2
    keys(&mut app, "f");
    let Some(Dialog::Fork {
        preview: Some(lines),
        ..
    }) = &app.dialog
    else {
        panic!("fork dialog with a preview expected: {:?}", app.dialog);
    };
    assert!(
        lines.iter().any(|l| l == "next node: decide_more"),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("⚠ run_checks") && l.contains("shell command")),
        "{lines:?}"
    );
    // The graph overlay marks exactly the nodes that would run again.
    let flow = &view(&app).run.bundle.flow;
    let mut marked: Vec<&str> = view(&app)
        .rerun_nodes
        .iter()
        .map(|&i| flow.nodes[i].id.as_str())
        .collect();
    marked.sort_unstable();
    assert_eq!(
        marked,
        [
            "decide_more",
            "finalize",
            "review_loop",
            "run_checks",
            "summarize"
        ]
    );
    let text = screen(&mut app, 160, 48);
    assert!(text.contains("╔"), "double borders on the graph:\n{text}");
    // On a small terminal the preview gives way, the fields and keys stay.
    let small = screen(&mut app, 40, 12);
    for needed in ["input patch:", "label:", "Esc cancel", "more lines"] {
        assert!(small.contains(needed), "{needed:?} at 40x12:\n{small}");
    }

    // A broken patch is refused in the dialog, nothing written.
    keys(&mut app, "{bad");
    press(&mut app, KeyCode::Enter);
    assert!(
        matches!(&app.dialog, Some(Dialog::Fork { error: Some(e), .. }) if e.contains("not JSON"))
    );
    assert_eq!(runs_in(tmp.path()).len(), 1);

    for _ in 0..4 {
        press(&mut app, KeyCode::Backspace);
    }
    keys(&mut app, "{\"task\":\"retry\"}");
    press(&mut app, KeyCode::Tab);
    keys(&mut app, "stricter");
    press(&mut app, KeyCode::Enter);
    assert!(app.dialog.is_none());
    assert!(
        view(&app).rerun_nodes.is_empty(),
        "the overlay goes with the dialog"
    );
    let names = runs_in(tmp.path());
    assert_eq!(names.len(), 2, "{names:?}");
    let fork = view(&app).run.clone();
    let source_name = run
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(
        names.contains(&fork.run_id()) && fork.run_id() != source_name,
        "{names:?}"
    );
    assert_eq!(fork.attempts.len(), 5, "the fork keeps steps 1..=5");
    assert_eq!(
        view(&app).current_attempt(),
        Some(4),
        "the fork opens at its last step"
    );
    let manifest: serde_json::Value = serde_json::from_slice(
        &fs::read(fork.bundle.root.join("manifest.json")).expect("manifest"),
    )
    .expect("json");
    assert_eq!(manifest["lineage"]["attemptId"], "review_loop#2");
    assert_eq!(manifest["lineage"]["label"], "stricter");
    assert_eq!(
        manifest["lineage"]["parentRunId"],
        Run::open(&run).expect("source").run_id()
    );

    // The lineage view names the fork's label and input patch, as `reel
    // tree` does.
    keys(&mut app, "L");
    let Some(Dialog::Lineage { rows, .. }) = &app.dialog else {
        panic!("lineage expected: {:?}", app.dialog);
    };
    let patch = manifest["lineage"]["inputPatch"].to_string();
    assert!(
        rows.iter().any(|(label, _)| label.contains("▶")
            && label.contains("\"stricter\"")
            && label.contains(&format!("with the input patch {patch}"))),
        "{rows:?}"
    );
}

#[test]
fn rewind_and_undo_need_a_yes_and_round_trip() {
    let (_tmp, run, mut app) = app_on_copy();
    keys(&mut app, "jj"); // review_loop#1, step 3
    keys(&mut app, "R");
    let Some(Dialog::Confirm { body, .. }) = &app.dialog else {
        panic!("confirmation expected: {:?}", app.dialog);
    };
    assert!(
        body.iter().any(|l| l.contains("6 later steps are")),
        "{body:?}"
    );
    keys(&mut app, "n");
    assert!(app.dialog.is_none());
    assert_eq!(
        Run::open(&run).expect("run").attempts.len(),
        9,
        "declined: nothing changed"
    );

    keys(&mut app, "R");
    keys(&mut app, "y");
    assert!(app.dialog.is_none(), "{:?}", app.notice);
    assert_eq!(Run::open(&run).expect("run").attempts.len(), 3);
    assert_eq!(
        view(&app).run.attempts.len(),
        3,
        "the view reloads the rewound run"
    );

    keys(&mut app, "u");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        Run::open(&run).expect("run").attempts.len(),
        9,
        "undo restores it"
    );
    assert_eq!(view(&app).run.attempts.len(), 9);
}

#[test]
fn mark_then_diff_shows_a_report_and_lineage_lists_branches() {
    let (_tmp, _run, mut app) = app_on_copy();
    keys(&mut app, "jj"); // review_loop#1
    keys(&mut app, "m");
    keys(&mut app, "jj"); // review_loop#2
    keys(&mut app, "d");
    let Some(Dialog::Report { title, body, .. }) = &app.dialog else {
        panic!("a diff report expected: {:?}", app.dialog);
    };
    assert!(
        title.contains("review_loop#1") && title.contains("review_loop#2"),
        "{title}"
    );
    assert!(body.iter().any(|l| l.contains("/findings/0")), "{body:?}");
    press(&mut app, KeyCode::Esc);

    // Without a mark on a run that is not a fork, diff explains itself.
    view_mut(&mut app).mark = None;
    keys(&mut app, "d");
    let Some(Dialog::Report { body, .. }) = &app.dialog else {
        panic!("report expected");
    };
    assert!(body.iter().any(|l| l.contains("not a fork")), "{body:?}");
    press(&mut app, KeyCode::Esc);

    keys(&mut app, "f");
    press(&mut app, KeyCode::Enter); // fork at review_loop#2, opens it
    keys(&mut app, "L");
    let Some(Dialog::Lineage { rows, .. }) = &app.dialog else {
        panic!("lineage expected: {:?}", app.dialog);
    };
    assert!(rows.len() >= 2, "{rows:?}");
    assert!(
        rows.iter()
            .any(|(label, _)| label.contains("▶") && label.contains("⑂ at review_loop#2")),
        "{rows:?}"
    );
    // Enter on the first row (the parent) opens it.
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.screen, Screen::Run(_)));
    assert_eq!(view(&app).run.attempts.len(), 9, "back on the parent");
}

/// Makes the copy a run still being written: its trace stops after seq
/// `last`, and the manifest and live projection say running, heartbeat now.
fn make_live(run: &std::path::Path, last: u32) {
    let kept: Vec<String> = trace(run)
        .into_iter()
        .filter(|e| seq(e) <= last)
        .map(|e| e.to_string())
        .collect();
    fs::write(run.join("trace.ndjson"), kept.join("\n") + "\n").expect("trace");
    let now = reel::bundle::timestamp::format_iso_millis(reel::timetravel::runid::now_ms());
    for file in ["manifest.json", "projections/live.json"] {
        let path = run.join(file);
        let mut value: serde_json::Value =
            serde_json::from_slice(&fs::read(&path).expect("read")).expect("json");
        value["status"] = "running".into();
        if file.ends_with("live.json") {
            value["lastHeartbeatAt"] = now.clone().into();
            value["updatedAt"] = now.clone().into();
            value["finishedAt"] = serde_json::Value::Null;
        }
        fs::write(&path, value.to_string()).expect("write");
    }
}

/// Dialogs offer only what can work: `R` on a live run and `u` without a
/// backup say why instead of asking a question whose yes must fail.
#[test]
fn rewind_of_a_live_run_and_undo_without_a_backup_explain_instead_of_asking() {
    let (_tmp, run, mut app) = app_on_copy();
    keys(&mut app, "u");
    let Some(Dialog::Report { title, body, .. }) = &app.dialog else {
        panic!("an explanation expected: {:?}", app.dialog);
    };
    assert_eq!(title, "Nothing to undo");
    assert!(body.iter().any(|l| l.contains("no backup")), "{body:?}");
    press(&mut app, KeyCode::Esc);
    assert!(app.dialog.is_none());

    // After a rewind the backup exists, and undo names it.
    keys(&mut app, "jj");
    keys(&mut app, "R");
    keys(&mut app, "y");
    keys(&mut app, "u");
    let Some(Dialog::Confirm { body, .. }) = &app.dialog else {
        panic!("a confirmation expected: {:?}", app.dialog);
    };
    assert!(body.iter().any(|l| l.contains("(9 steps)")), "{body:?}");
    press(&mut app, KeyCode::Esc);

    let (_tmp, run_live, _) = app_on_copy();
    drop(run);
    make_live(&run_live, 37);
    let mut app = run_app(run_live.clone());
    keys(&mut app, "jj");
    keys(&mut app, "R");
    let Some(Dialog::Report { title, body, .. }) = &app.dialog else {
        panic!("an explanation expected: {:?}", app.dialog);
    };
    assert_eq!(title, "Rewind not possible");
    assert!(
        body.iter().any(|l| l.contains("still being written"))
            && body.iter().any(|l| l.contains("--force")),
        "{body:?}"
    );
    // Every line of it is on the screen, wrapped, none cut off.
    let text = screen(&mut app, 80, 24);
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("reel rewind RUN --at STEP --force"), "{text}");
    press(&mut app, KeyCode::Esc);
    let steps = reel::model::Run::open(&run_live)
        .expect("run")
        .attempts
        .len();
    assert_eq!(steps, 5, "nothing was cut");

    // A failure is shown whole, in a dialog that wraps, not cut at the
    // status bar's edge.
    let why = format!("cannot write {}: read-only file system", "x/".repeat(60));
    send(
        &mut app,
        reel::tui::message::Msg::OperationDone {
            what: "undo".to_string(),
            result: Err(why.clone()),
        },
    );
    let Some(Dialog::Report { title, body, .. }) = &app.dialog else {
        panic!("a report expected: {:?}", app.dialog);
    };
    assert_eq!(
        (title.as_str(), body.as_slice()),
        ("undo failed", [why].as_slice())
    );
}

#[test]
fn lineage_shows_what_the_backups_use_on_disk() {
    let (tmp, run, mut app) = app_on_copy();
    let options = reel::timetravel::rewind::RewindOptions {
        force: false,
        now_ms: 1_800_000_000_000,
        hook: None,
    };
    let outcome = reel::timetravel::rewind::rewind(&run, "3", &options).expect("rewind");
    fn bytes_under(dir: &std::path::Path) -> u64 {
        fs::read_dir(dir)
            .expect("read_dir")
            .flatten()
            .map(|e| match e.metadata().expect("metadata") {
                m if m.is_dir() => bytes_under(&e.path()),
                m => m.len(),
            })
            .sum()
    }
    let size = reel::humanize::bytes(bytes_under(&outcome.backup));
    keys(&mut app, "L");
    let Some(Dialog::Lineage { rows, .. }) = &app.dialog else {
        panic!("lineage expected: {:?}", app.dialog);
    };
    let backup_row = rows
        .iter()
        .find(|(label, _)| label.contains(&outcome.op_id))
        .unwrap_or_else(|| panic!("no row for the backup: {rows:?}"));
    assert!(backup_row.0.ends_with(&size), "{backup_row:?} ≠ {size}");
    assert!(
        rows.iter().any(|(label, _)| label
            == &format!("backups: 1 backup using {size} (reel gc removes old ones)")),
        "{rows:?}"
    );
    drop(tmp);
}
