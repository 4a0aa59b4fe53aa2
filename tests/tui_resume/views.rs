//! The views around continuing: "fork and continue" from the fork dialog
//! and the lineage of continued forks.

use std::fs;
use std::path::Path;

use crossterm::event::KeyCode;
use crossterm::event::KeyModifiers;
use reel::tui::dialog::Dialog;
use reel::tui::message::{Effect, Msg};
use reel::tui::resume::PlanState;

use crate::helpers::*;
use crate::support::*;

#[test]
fn fork_and_continue_opens_the_forks_dialog() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = tmp.path().join(BRANCHING_REVIEW);
    copy_dir(&branching_review(), &run);
    let mut app = run_app(run.clone());
    keys(&mut app, "jjjj"); // review_loop#2
    keys(&mut app, "f");
    // The sample's flow file is not on this machine: not offered, and why.
    let Some(Dialog::Fork { can_continue, .. }) = &app.dialog else {
        panic!("the fork dialog expected");
    };
    assert!(
        matches!(can_continue, Some(Err(why)) if why.contains("flow file")),
        "{can_continue:?}"
    );
    assert!(screen(&mut app, 160, 48).contains("fork and continue is not offered"));
    let effects = app.update(key_msg(KeyCode::Char('r'), KeyModifiers::CONTROL));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(
        matches!(&app.dialog, Some(Dialog::Fork { error: Some(e), .. }) if e.contains("cannot work here"))
    );
    assert_eq!(
        fs::read_dir(tmp.path()).expect("dir").count(),
        1,
        "nothing forked"
    );

    // Where it can work (an engine and the flow file found), ctrl-r forks
    // and opens the fork's continue dialog.
    send(
        &mut app,
        Msg::Previewed {
            attempt: 4,
            lines: vec!["preview".into()],
            rerun: Vec::new(),
            continue_blocked: None,
        },
    );
    assert!(screen(&mut app, 160, 48).contains("ctrl-r: fork and continue"));
    let effects = app.update(key_msg(KeyCode::Char('r'), KeyModifiers::CONTROL));
    let held = settle_but_resume(&mut app, effects);
    let fork = view(&app).run.clone();
    assert_ne!(fork.bundle.root, run, "the fork is shown");
    assert_eq!(fork.attempts.len(), 5);
    assert_eq!(fork.status(), "waiting");
    let dialog = resume_dialog(&app);
    assert_eq!(dialog.run_dir, fork.bundle.root);
    assert_eq!(dialog.plan, PlanState::Checking);
    assert!(
        matches!(&held[..], [Effect::PlanResume { run_dir, .. }] if *run_dir == fork.bundle.root),
        "{held:?}"
    );
}

/// A fork continued in place, as the engine leaves it: `run_resumed` and
/// the attempts after it in the trace, the manifest's final status.
fn fake_continuation(fork: &Path, status: &str) {
    let trace_path = fork.join("trace.ndjson");
    let mut trace = fs::read_to_string(&trace_path).expect("trace");
    let last = trace
        .lines()
        .last()
        .and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .expect("last event");
    let seq = last["seq"].as_u64().expect("seq");
    let run_id = last["runId"].as_str().expect("runId").to_string();
    trace.push_str(&format!(
        "{{\"seq\":{},\"at\":\"2026-12-01T11:43:48.479Z\",\"runId\":\"{run_id}\",\"scope\":\"run\",\"type\":\"run_resumed\",\"payload\":{{\"resumedAt\":\"decide_more\"}}}}\n",
        seq + 1
    ));
    trace.push_str(&format!(
        "{{\"seq\":{},\"at\":\"2026-12-01T11:43:48.484Z\",\"runId\":\"{run_id}\",\"scope\":\"node\",\"type\":\"node_started\",\"nodeId\":\"decide_more\",\"attemptId\":\"decide_more#2\",\"payload\":{{\"nodeType\":\"compute\"}}}}\n",
        seq + 2
    ));
    fs::write(&trace_path, trace).expect("write trace");
    let manifest_path = fork.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(&manifest_path).expect("manifest")).expect("json");
    manifest["status"] = status.into();
    fs::write(&manifest_path, manifest.to_string()).expect("write manifest");
}

#[test]
fn lineage_shows_which_forks_were_continued_and_how_they_ended() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = tmp.path().join(BRANCHING_REVIEW);
    copy_dir(&branching_review(), &run);
    let source = reel::model::Run::open(&run).expect("run");
    let fork = |label: &str| {
        let options = reel::timetravel::fork::ForkOptions {
            label: Some(label.to_string()),
            input_patch: None,
            sandbox: true,
            now_ms: reel::timetravel::runid::now_ms(),
            run_id: None,
        };
        reel::timetravel::fork::fork(&source, 2, &options)
            .expect("fork")
            .dir
    };
    let continued = fork("continued");
    let waiting = fork("left waiting");
    fake_continuation(&continued, "completed");
    let mut app = run_app(continued.clone());
    keys(&mut app, "L");
    let Some(Dialog::Lineage { rows, .. }) = &app.dialog else {
        panic!("lineage expected: {:?}", app.dialog);
    };
    let row_of = |dir: &Path| {
        rows.iter()
            .find(|(_, path)| path.as_deref() == Some(dir))
            .map(|(label, _)| label.clone())
            .expect("a row for the fork")
    };
    let shown = row_of(&continued);
    assert!(
        shown.contains("completed") && shown.contains("↻ continued at decide_more, 1 step ran"),
        "{shown}"
    );
    let left = row_of(&waiting);
    assert!(
        left.contains("waiting") && !left.contains("continued"),
        "{left}"
    );
    // The list is drawn whole at 80 columns: long rows wrap.
    let text = screen(&mut app, 80, 24);
    // The dialog's text read across its wrapped lines, without the borders
    // of the box and of the panes beside it.
    let inside: String = text
        .lines()
        .filter_map(|line| {
            let start = line.find('┃')? + '┃'.len_utf8();
            let end = line.rfind('┃')?;
            (end > start).then(|| &line[start..end])
        })
        .collect::<Vec<_>>()
        .join(" ");
    let flat = inside.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("1 step ran"), "{text}");
}
