//! Helpers for the continue-dialog tests: keys with the resume effects
//! held back (they would start node), plans injected as messages, facts a
//! plan of the waiting sample could report.

#![allow(dead_code)]

use std::path::PathBuf;

use crossterm::event::{Event, KeyCode, KeyModifiers};
use reel::timetravel::preview::RerunNode;
use reel::timetravel::resume::{PermissionMode, ResumeOutcome, SessionCheck, SessionPolicy};
use reel::tui::app::App;
use reel::tui::dialog::Dialog;
use reel::tui::message::{Effect, Msg};
use reel::tui::resume::{PlanFacts, ResumeDialog};

use crate::support::*;

pub const WAITING: &str = "2026-11-23T173739237Z-gen-branching-review-36d6dd35";

pub fn key_msg(code: KeyCode, modifiers: KeyModifiers) -> Msg {
    Msg::Input(Event::Key(key_event(code, modifiers)))
}

/// Presses a key, carries out the effects but the resume ones (they would
/// start node) and returns those.
pub fn press_raw(app: &mut App, code: KeyCode) -> Vec<Effect> {
    let modifiers = match code {
        KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    let effects = app.update(key_msg(code, modifiers));
    settle_but_resume(app, effects)
}

/// Carries out effects inline like `settle`, except the resume ones,
/// which are returned.
pub fn settle_but_resume(app: &mut App, effects: Vec<Effect>) -> Vec<Effect> {
    let mut held = Vec::new();
    let mut queue = effects;
    while let Some(effect) = queue.pop() {
        if matches!(effect, Effect::PlanResume { .. } | Effect::Resume { .. }) {
            held.push(effect);
            continue;
        }
        let mut messages = Vec::new();
        let mut inspector = reel::tui::inspect::Inspector::default();
        reel::tui::workers::execute(effect, &mut inspector, &mut |m| messages.push(m));
        for msg in messages {
            queue.extend(app.update(msg));
        }
    }
    held
}

pub fn resume_dialog(app: &App) -> &ResumeDialog {
    match &app.dialog {
        Some(Dialog::Resume(dialog)) => dialog,
        other => panic!("the continue dialog expected, got {other:?}"),
    }
}

pub fn session(id: &str, sent: usize, held: Option<usize>) -> SessionCheck {
    SessionCheck {
        bundle_id: id.to_string(),
        handle: Some(id.split('-').next().unwrap_or(id).to_string()),
        acpx_record_id: Some(format!("mock-{id}")),
        bundle_prompts: sent,
        record_prompts: held,
        diverged: held.is_some_and(|h| h != sent),
    }
}

/// What a plan of the waiting sample could say; `blocked` as the library
/// words it under `auto` with a diverged session.
pub fn facts(blocked: bool) -> PlanFacts {
    PlanFacts {
        waiting_after: "checkpoint".into(),
        waiting_on: Some("wait_for_human".into()),
        next_node: Some("finalize".into()),
        rerun: vec![
            RerunNode {
                id: "review_loop".into(),
                node_type: "acp".into(),
                side_effects: Some("ACP prompt"),
            },
            RerunNode {
                id: "run_checks".into(),
                node_type: "action".into(),
                side_effects: Some("shell command"),
            },
            RerunNode {
                id: "finalize".into(),
                node_type: "compute".into(),
                side_effects: None,
            },
        ],
        flow_path: PathBuf::from("flows/branching-review.flow.ts"),
        sessions: vec![
            session("main-4401cd67", 1, Some(1)),
            session("reviewer-22b54ff9", 1, Some(3)),
        ],
        node_version: "v20.20.2".into(),
        acpx_version: "0.19.1".into(),
        acpx_dir: PathBuf::from("node_modules/acpx"),
        warnings: vec![
            "the flow file was modified at 2026-11-23T18:00:00.000Z, after the run started".into(),
        ],
        blocked: blocked.then(|| {
            "the agent-side session of the run went on elsewhere since this point: \
             reviewer-22b54ff9. Pass --sessions reuse or --sessions fresh"
                .to_string()
        }),
    }
}

pub fn planned(app: &mut App, generation: u64, facts: PlanFacts) {
    send(
        app,
        Msg::ResumePlanned {
            generation,
            result: Ok((Box::new(facts), None)),
        },
    );
}

/// The generation of the one plan request among `effects`, checking its
/// options.
pub fn plan_request(
    effects: &[Effect],
    sessions: SessionPolicy,
    permission: Option<PermissionMode>,
) -> u64 {
    let requests: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::PlanResume {
                options,
                generation,
                ..
            } => Some((options.sessions, options.permission, *generation)),
            _ => None,
        })
        .collect();
    assert_eq!(requests.len(), 1, "one plan request: {effects:?}");
    assert_eq!((requests[0].0, requests[0].1), (sessions, permission));
    requests[0].2
}

/// The waiting sample with the continue dialog open and its plan in.
pub fn dialog_with_plan(blocked: bool) -> App {
    std::env::set_var("XDG_CONFIG_HOME", "/nonexistent/config");
    let mut app = run_app(sample(WAITING));
    let effects = press_raw(&mut app, KeyCode::Char('C'));
    let generation = plan_request(
        &effects,
        SessionPolicy::Auto,
        Some(PermissionMode::ApproveAll),
    );
    planned(&mut app, generation, facts(blocked));
    app
}

/// Presses Enter in a ready dialog: the continuation starts. Returns its
/// effect.
pub fn start(app: &mut App) -> Effect {
    let mut resumes = press_raw(app, KeyCode::Enter);
    assert_eq!(resumes.len(), 1, "one continuation starts");
    resumes.remove(0)
}

pub fn cancel_of(effect: &Effect) -> reel::timetravel::resume::Cancel {
    match effect {
        Effect::Resume { cancel, .. } => cancel.clone(),
        other => panic!("a resume effect expected: {other:?}"),
    }
}

pub fn status_rows(app: &mut App, width: u16, height: u16) -> String {
    let text = screen(app, width, height);
    let lines: Vec<&str> = text.lines().collect();
    // The bar grows upwards for a long message: the last rows after the
    // last pane border.
    let last_border = lines
        .iter()
        .rposition(|l| l.contains('╯') || l.contains('┛'))
        .unwrap_or(0);
    lines[last_border + 1..].join("\n")
}

pub fn outcome(
    status: &str,
    attempts: &[&str],
    interrupted: bool,
    error: Option<&str>,
) -> ResumeOutcome {
    ResumeOutcome {
        run_id: WAITING.to_string(),
        path: sample(WAITING),
        status: status.to_string(),
        resumed_at: Some("finalize".into()),
        attempts: attempts.iter().map(|a| a.to_string()).collect(),
        op_id: "20261201T000000000Z-00000000".into(),
        backup: PathBuf::from(".reel/backups/x"),
        error: error.map(str::to_string),
        interrupted,
    }
}
