//! Continuing a waiting run from the TUI, through `App::update`: the
//! continue key on runs that cannot go on, the dialog (permission mode
//! preselected from the flow, session policy cycling, re-plans and late
//! answers, Enter refused with the reason), running (the view goes live,
//! the status bar says so), stopping and leaving behind a confirmation,
//! the outcome, "fork and continue" from the fork dialog, and the lineage
//! view. Plans are injected as messages (a real one needs node and acpx:
//! tests/tui_resume_e2e.rs), so nothing here runs an engine. Snapshots of
//! the dialog at 80×24 and 160×48.

#[path = "tui_resume/helpers.rs"]
mod helpers;
mod support;
#[path = "tui_resume/views.rs"]
mod views;

use std::fs;

use crossterm::event::{KeyCode, KeyModifiers};
use helpers::*;
use reel::timetravel::resume::{PermissionMode, SessionPolicy};
use reel::tui::dialog::Dialog;
use reel::tui::message::{Effect, Msg};
use reel::tui::resume::{PlanState, ResumeDialog};
use support::*;

// ---------------------------------------------------------------------------

#[test]
fn the_continue_key_says_why_a_run_cannot_go_on() {
    let mut app = run_app(branching_review()); // completed
    let effects = press_raw(&mut app, KeyCode::Char('C'));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(app.dialog.is_none(), "no dialog that cannot succeed");
    let notice = view(&app)
        .notice
        .clone()
        .expect("a reason in the status bar");
    assert!(notice.contains("only a waiting run"), "{notice}");
    assert!(
        notice.contains("completed") && notice.contains("(f)"),
        "{notice}"
    );
    // Nothing is cut off at 80 columns: the bar wraps the message.
    let bar = status_rows(&mut app, 80, 24);
    let flat = bar.split_whitespace().collect::<Vec<_>>().join(" ");
    let expected = notice.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains(&expected), "{bar}");

    // A run that was continued already says so.
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = tmp.path().join(BRANCHING_REVIEW);
    copy_dir(&branching_review(), &run);
    let mut trace = fs::read_to_string(run.join("trace.ndjson")).expect("trace");
    trace.push_str(&format!(
        "{{\"seq\":58,\"at\":\"2026-11-23T16:31:25.000Z\",\"runId\":\"{BRANCHING_REVIEW}\",\"scope\":\"run\",\"type\":\"run_resumed\",\"payload\":{{\"resumedAt\":null}}}}\n"
    ));
    fs::write(run.join("trace.ndjson"), trace).expect("write");
    let mut app = run_app(run);
    press_raw(&mut app, KeyCode::Char('C'));
    assert!(app.dialog.is_none());
    let notice = view(&app).notice.clone().expect("a reason");
    assert!(notice.contains("continued already"), "{notice}");
}

#[test]
fn the_dialog_preselects_the_required_mode_and_offers_only_what_can_work() {
    std::env::set_var("XDG_CONFIG_HOME", "/nonexistent/config");
    let mut app = run_app(sample(WAITING));
    assert!(
        screen(&mut app, 160, 48).contains("C continue"),
        "a waiting run offers the key"
    );
    let effects = press_raw(&mut app, KeyCode::Char('C'));
    // branching-review's flow.json requires approve-all: preselected.
    let first = plan_request(
        &effects,
        SessionPolicy::Auto,
        Some(PermissionMode::ApproveAll),
    );
    let dialog = resume_dialog(&app);
    assert_eq!(dialog.plan, PlanState::Checking);
    assert_eq!(dialog.run_dir, sample(WAITING));
    let text = screen(&mut app, 80, 24);
    assert!(text.contains("checking…"), "{text}");
    // Weaker modes would be refused: `p` says so instead of offering them.
    assert!(press_raw(&mut app, KeyCode::Char('p')).is_empty());
    let note = resume_dialog(&app).note.clone().expect("a note");
    assert!(note.contains("requires approve-all"), "{note}");

    // The plan: a diverged session under auto blocks Enter, with the reason.
    planned(&mut app, first, facts(true));
    let text = screen(&mut app, 160, 48);
    for wanted in [
        "DIVERGED",
        "goes on at",
        "finalize",
        "⚠ review_loop (acp): ACP prompt",
        "⚠ run_checks (action): shell command",
        "node v20.20.2 · acpx 0.19.1",
        "⚠ the flow file was modified",
        "Press s to choose",
    ] {
        assert!(text.contains(wanted), "{wanted:?} missing:\n{text}");
    }
    assert!(
        !text.contains("Enter continue"),
        "Enter is not offered:\n{text}"
    );
    assert!(press_raw(&mut app, KeyCode::Enter).is_empty());
    assert!(resume_dialog(&app).note.is_some(), "Enter answers");
    assert!(app.resume.is_none());
    // The nodes that can run are overlaid on the graph.
    let flow = &view(&app).run.bundle.flow;
    let mut marked: Vec<&str> = view(&app)
        .rerun_nodes
        .iter()
        .map(|&i| flow.nodes[i].id.as_str())
        .collect();
    marked.sort_unstable();
    assert_eq!(marked, ["finalize", "review_loop", "run_checks"]);

    // `s` cycles the policy and plans again; a late answer is dropped.
    let effects = press_raw(&mut app, KeyCode::Char('s'));
    let second = plan_request(
        &effects,
        SessionPolicy::Reuse,
        Some(PermissionMode::ApproveAll),
    );
    assert!(second > first);
    assert_eq!(resume_dialog(&app).plan, PlanState::Checking);
    planned(&mut app, first, facts(false));
    assert_eq!(
        resume_dialog(&app).plan,
        PlanState::Checking,
        "stale plan ignored"
    );
    let effects = press_raw(&mut app, KeyCode::Char('s'));
    let third = plan_request(
        &effects,
        SessionPolicy::Fresh,
        Some(PermissionMode::ApproveAll),
    );
    planned(&mut app, third, facts(false));
    let text = screen(&mut app, 160, 48);
    assert!(text.contains("Enter continue"), "{text}");
    assert!(text.contains("[fresh]"), "{text}");

    // A plan that failed shows why, and Enter does nothing.
    let effects = press_raw(&mut app, KeyCode::Char('s'));
    let fourth = plan_request(
        &effects,
        SessionPolicy::Auto,
        Some(PermissionMode::ApproveAll),
    );
    send(
        &mut app,
        Msg::ResumePlanned {
            generation: fourth,
            result: Err("no acpx found (looked at PATH)".into()),
        },
    );
    assert!(screen(&mut app, 80, 24).contains("cannot continue: no acpx found"));
    assert!(press_raw(&mut app, KeyCode::Enter).is_empty());
    press_raw(&mut app, KeyCode::Esc);
    assert!(app.dialog.is_none());
    assert!(
        view(&app).rerun_nodes.is_empty(),
        "the overlay goes with it"
    );
}

#[test]
fn without_a_required_mode_every_permission_mode_is_offered() {
    let mut app = run_app(sample("2026-11-23T163006509Z-gen-acp-echo-051c87fa"));
    let dialog = ResumeDialog::new(sample("x"), "x".into(), None, 1);
    assert_eq!(dialog.permission, None, "acpx's own default first");
    assert_eq!(dialog.permission_choices().len(), 4);
    app.dialog = Some(Dialog::Resume(Box::new(dialog)));
    app.plan_generation = 1;
    let mut seen = Vec::new();
    for _ in 0..4 {
        let effects = press_raw(&mut app, KeyCode::Char('p'));
        seen.push(resume_dialog(&app).permission);
        assert_eq!(effects.len(), 1, "each change plans again");
    }
    assert_eq!(
        seen,
        [
            Some(PermissionMode::ApproveAll),
            Some(PermissionMode::ApproveReads),
            Some(PermissionMode::DenyAll),
            None
        ]
    );
}

#[test]
fn running_follows_live_and_reports_the_outcome() {
    let mut app = dialog_with_plan(false);
    let effect = start(&mut app);
    let Effect::Resume {
        run_dir,
        options,
        plan,
        ..
    } = &effect
    else {
        unreachable!()
    };
    assert_eq!(run_dir, &sample(WAITING));
    assert_eq!(options.sessions, SessionPolicy::Auto);
    assert_eq!(options.permission, Some(PermissionMode::ApproveAll));
    assert!(plan.is_none(), "the injected plan had no handle");
    assert!(app.dialog.is_none());
    let job = app.resume.as_ref().expect("a job");
    assert_eq!(job.run_dir, sample(WAITING));
    let shown = view(&app);
    assert!(shown.resuming && shown.live && shown.following());
    let bar = status_rows(&mut app, 160, 48);
    assert!(
        bar.contains("● LIVE") && bar.contains("continuing… (x stop)"),
        "{bar}"
    );
    // A live view wakes the loop to notice a writer that died.
    assert!(app.tick_interval().is_some());
    // While it runs, operations on the run wait.
    press_raw(&mut app, KeyCode::Char('C'));
    assert!(view_mut(&mut app)
        .notice
        .take()
        .expect("notice")
        .contains("already"));
    press_raw(&mut app, KeyCode::Char('R'));
    assert!(app.dialog.is_none(), "no rewind while it runs");
    assert!(view_mut(&mut app)
        .notice
        .take()
        .expect("notice")
        .contains("stop it (x)"));

    let effects = app.update(Msg::ResumeProgress {
        run_dir: sample(WAITING),
        next: Some("finalize".into()),
    });
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Refresh { .. })),
        "the view catches up"
    );
    assert!(status_rows(&mut app, 160, 48).contains("continuing at finalize… (x stop)"));

    let attempts = ["finalize#1"];
    let effects = app.update(Msg::ResumeFinished {
        run_dir: sample(WAITING),
        result: Ok(outcome("completed", &attempts, false, None)),
    });
    assert!(effects.iter().any(|e| matches!(e, Effect::Refresh { .. })));
    assert!(app.resume.is_none());
    assert!(!view(&app).resuming);
    assert!(
        !view(&app).live,
        "a waiting run is not live once it is left alone"
    );
    assert_eq!(
        app.notice.as_deref(),
        Some("continued: completed · 1 step ran · u undoes")
    );
    assert!(!cancel_of(&effect).requested(), "it ended on its own");
}

#[test]
fn a_failed_continuation_is_shown_whole() {
    let mut app = dialog_with_plan(false);
    start(&mut app);
    let long = format!(
        "the resume driver stopped (exit Some(1)) before the run went on:\n{}",
        "x ".repeat(150)
    );
    send(
        &mut app,
        Msg::ResumeFinished {
            run_dir: sample(WAITING),
            result: Err(long.clone()),
        },
    );
    let Some(Dialog::Report { title, .. }) = &app.dialog else {
        panic!("a report expected: {:?}", app.dialog);
    };
    assert_eq!(title, "the continuation failed");
    let text = screen(&mut app, 80, 24);
    let shown = text.matches("x ").count() + text.matches(" x").count();
    assert!(
        shown >= 150,
        "the whole message is on screen ({shown}):\n{text}"
    );
}

#[test]
fn stopping_asks_then_interrupts() {
    let mut app = dialog_with_plan(false);
    let cancel = cancel_of(&start(&mut app));
    press_raw(&mut app, KeyCode::Char('x'));
    let Some(Dialog::Confirm { body, .. }) = &app.dialog else {
        panic!("a confirmation expected: {:?}", app.dialog);
    };
    assert!(body.iter().any(|l| l.contains("Interrupted")), "{body:?}");
    press_raw(&mut app, KeyCode::Char('n'));
    assert!(!cancel.requested(), "declined: it goes on");
    press_raw(&mut app, KeyCode::Char('x'));
    press_raw(&mut app, KeyCode::Char('y'));
    assert!(cancel.requested(), "the driver is asked to stop");
    assert!(app.resume.as_ref().is_some_and(|j| j.stopping));
    assert!(status_rows(&mut app, 160, 48).contains("stopping the continuation…"));
    send(
        &mut app,
        Msg::ResumeFinished {
            run_dir: sample(WAITING),
            result: Ok(outcome(
                "failed",
                &["finalize#1"],
                true,
                Some("Interrupted"),
            )),
        },
    );
    assert_eq!(
        app.notice.as_deref(),
        Some("stopped: failed (Interrupted) · 1 step ran · u undoes")
    );
    // Nothing runs now: the stop key says so.
    press_raw(&mut app, KeyCode::Char('x'));
    assert!(app.dialog.is_none());
    assert!(view(&app)
        .notice
        .as_deref()
        .is_some_and(|n| n.contains("nothing is running")));
}

#[test]
fn leaving_while_it_runs_asks_and_stops_it() {
    let mut app = dialog_with_plan(false);
    let cancel = cancel_of(&start(&mut app));
    // q would quit (no browser to go back to): asked first.
    press_raw(&mut app, KeyCode::Char('q'));
    assert!(!app.quit);
    let Some(Dialog::Confirm { body, .. }) = &app.dialog else {
        panic!("a confirmation expected: {:?}", app.dialog);
    };
    assert!(body.iter().any(|l| l.contains("stop and quit")), "{body:?}");
    press_raw(&mut app, KeyCode::Esc);
    assert!(!app.quit && !cancel.requested());
    press_raw(&mut app, KeyCode::Char('q'));
    press_raw(&mut app, KeyCode::Char('y'));
    assert!(app.quit && cancel.requested());
    assert!(app.stop_resume_for_exit(), "the loop waits for it to end");

    // ctrl-c quits at once; the loop then stops the continuation.
    let mut app = dialog_with_plan(false);
    let cancel = cancel_of(&start(&mut app));
    app.update(key_msg(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(app.quit);
    assert!(app.stop_resume_for_exit() && cancel.requested());
}

// ---------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------

#[test]
fn snapshot_dialog_blocked_by_a_diverged_session() {
    let mut app = dialog_with_plan(true);
    for (w, h) in [(80, 24), (160, 48)] {
        insta::assert_snapshot!(format!("resume_blocked@{w}x{h}"), screen(&mut app, w, h));
    }
}

#[test]
fn snapshot_dialog_ready_and_checking() {
    let mut app = dialog_with_plan(false);
    let effects = press_raw(&mut app, KeyCode::Char('s')); // reuse
    let generation = plan_request(
        &effects,
        SessionPolicy::Reuse,
        Some(PermissionMode::ApproveAll),
    );
    insta::assert_snapshot!("resume_checking@80x24", screen(&mut app, 80, 24));
    planned(&mut app, generation, facts(false));
    for (w, h) in [(80, 24), (160, 48)] {
        insta::assert_snapshot!(format!("resume_ready@{w}x{h}"), screen(&mut app, w, h));
    }
    start(&mut app);
    insta::assert_snapshot!("resume_running@80x24", screen(&mut app, 80, 24));
}
