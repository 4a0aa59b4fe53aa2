//! What the app does with a dialog's answer (fork, confirmations, the
//! continue dialog, opening a branch) and the time-travel keys of the run
//! view that open those dialogs, as `App` methods.

use super::action::Action;
use super::app::{App, Screen};
use super::dialog::{Dialog, DialogOutcome, ForkField, PendingOp};
use super::message::{DiffTarget, Effect};

impl App {
    pub(super) fn dialog_outcome(&mut self, outcome: DialogOutcome) -> Vec<Effect> {
        if outcome != DialogOutcome::Stay {
            // The fork preview overlay lives only as long as its dialog.
            if let Screen::Run(view) = &mut self.screen {
                view.rerun_nodes.clear();
            }
        }
        match outcome {
            DialogOutcome::Stay => Vec::new(),
            DialogOutcome::Close => {
                self.dialog = None;
                Vec::new()
            }
            DialogOutcome::Open(path) => {
                self.dialog = None;
                if self.resume.is_some() {
                    self.notice = Some(self.busy_notice());
                    return Vec::new();
                }
                self.reopen(path)
            }
            DialogOutcome::ResumeReplan => self.replan(),
            DialogOutcome::ResumeRun => self.start_resume(),
            DialogOutcome::Confirmed(PendingOp::StopResume { then }) => {
                self.dialog = None;
                self.stop_resume(then)
            }
            DialogOutcome::Confirmed(op) => {
                let (title, effect) = match op {
                    PendingOp::Rewind {
                        run_dir,
                        attempt_id,
                    } => (
                        format!("rewinding to {attempt_id}…"),
                        Effect::Rewind {
                            loaded: match &self.screen {
                                Screen::Run(view) => Some(view.run.clone()),
                                _ => None,
                            },
                            run_dir,
                            attempt_id,
                        },
                    ),
                    PendingOp::Undo { run_dir } => (
                        "restoring the last backup…".to_string(),
                        Effect::Undo { run_dir },
                    ),
                    PendingOp::StopResume { .. } => return Vec::new(),
                };
                self.dialog = Some(Dialog::Working { title });
                vec![effect]
            }
            DialogOutcome::Fork {
                attempt,
                patch,
                label,
                then_continue,
            } => {
                let Screen::Run(view) = &self.screen else {
                    return Vec::new();
                };
                let patch = if patch.trim().is_empty() {
                    None
                } else {
                    match serde_json::from_str::<serde_json::Value>(&patch) {
                        Ok(value) => Some(value),
                        Err(err) => {
                            if let Some(Dialog::Fork { error, .. }) = &mut self.dialog {
                                *error = Some(format!("input patch is not JSON: {err}"));
                            }
                            return Vec::new();
                        }
                    }
                };
                let label = Some(label.trim().to_string()).filter(|l| !l.is_empty());
                let run = view.run.clone();
                self.continue_on_load = then_continue;
                self.dialog = Some(Dialog::Working {
                    title: "forking…".to_string(),
                });
                vec![Effect::Fork {
                    run,
                    attempt,
                    patch,
                    label,
                }]
            }
        }
    }

    /// The time-travel actions of the run view.
    pub(super) fn time_travel(&mut self, action: Action) -> Vec<Effect> {
        if self.resume.is_some() && matches!(action, Action::Fork | Action::Rewind | Action::Undo) {
            let busy = self.busy_notice();
            if let Screen::Run(view) = &mut self.screen {
                view.notice = Some(busy);
            }
            return Vec::new();
        }
        let Screen::Run(view) = &mut self.screen else {
            return Vec::new();
        };
        let Some(attempt) = view.current_attempt() else {
            view.notice = Some("move the cursor onto a step first".to_string());
            return Vec::new();
        };
        let run = view.run.clone();
        let attempt_id = run.attempt_id(&run.attempts[attempt]).to_string();
        let run_dir = run.bundle.root.clone();
        match action {
            Action::Fork => {
                self.dialog = Some(Dialog::Fork {
                    attempt,
                    preview: None,
                    patch: String::new(),
                    label: String::new(),
                    field: ForkField::Patch,
                    error: None,
                    can_continue: None,
                });
                vec![Effect::Preview { run, attempt }]
            }
            Action::Rewind => {
                let now = crate::timetravel::runid::now_ms();
                if let crate::model::Liveness::Live { age_ms: age } = run.liveness(now) {
                    self.dialog = Some(report(
                        "Rewind not possible",
                        vec![
                            format!(
                                "This run is still being written (its writer showed life {} ago).",
                                crate::humanize::duration(age.unsigned_abs())
                            ),
                            "Rewinding would cut what acpx is writing right now.".to_string(),
                            "Wait until the run ends, or fork it (f) to branch off.".to_string(),
                            "If the writer is dead, rewind from a shell: reel rewind RUN --at STEP --force".to_string(),
                        ],
                    ));
                    return Vec::new();
                }
                let cut: Vec<String> = run.attempts[attempt + 1..]
                    .iter()
                    .take(12)
                    .map(|a| run.attempt_id(a).to_string())
                    .collect();
                let later = run.attempts.len() - attempt - 1;
                let mut body = vec![
                    format!(
                        "Rewind this run in place to {attempt_id} (step {}/{}).",
                        attempt + 1,
                        run.attempts.len()
                    ),
                    format!(
                        "{} cut and kept in a backup; u undoes.",
                        match later {
                            1 => "1 later step is".to_string(),
                            n => format!("{n} later steps are"),
                        }
                    ),
                ];
                if !cut.is_empty() {
                    body.push(format!(
                        "cut: {}{}",
                        cut.join(", "),
                        if later > cut.len() { ", …" } else { "" }
                    ));
                }
                body.push(String::new());
                body.push("y / Enter: rewind    n / Esc: cancel".to_string());
                self.dialog = Some(Dialog::Confirm {
                    title: "Rewind".to_string(),
                    body,
                    op: PendingOp::Rewind {
                        run_dir,
                        attempt_id,
                    },
                });
                Vec::new()
            }
            Action::Undo => {
                let Some(backup) = crate::timetravel::rewind::latest_backup_of(&run_dir) else {
                    self.dialog = Some(report(
                        "Nothing to undo",
                        vec![
                            "This run has no backup to restore.".to_string(),
                            "A backup is kept each time the run is rewound (R) or continued (C); u puts the newest back.".to_string(),
                        ],
                    ));
                    return Vec::new();
                };
                let steps = crate::timetravel::lineage::count_steps(&backup, None)
                    .map(|n| format!(" ({})", crate::humanize::plural(n, "step")))
                    .unwrap_or_default();
                self.dialog = Some(Dialog::Confirm {
                    title: "Undo".to_string(),
                    body: vec![
                        format!(
                            "Restore the most recent backup of this run, {}{steps}?",
                            crate::bundle::folder_name(&backup)
                        ),
                        "The current bundle is kept as a backup too.".to_string(),
                        String::new(),
                        "y / Enter: restore    n / Esc: cancel".to_string(),
                    ],
                    op: PendingOp::Undo { run_dir },
                });
                Vec::new()
            }
            Action::Mark => {
                view.mark = Some(attempt);
                view.notice = Some(format!("marked {attempt_id}: move and press d to diff"));
                Vec::new()
            }
            Action::Diff => {
                let b = view.mark.map_or(DiffTarget::Parent, DiffTarget::Frame);
                self.dialog = Some(Dialog::Working {
                    title: "comparing…".to_string(),
                });
                vec![Effect::Diff {
                    a: run,
                    a_attempt: attempt,
                    b,
                }]
            }
            Action::Lineage => {
                self.dialog = Some(Dialog::Working {
                    title: "reading the lineage…".to_string(),
                });
                vec![Effect::Lineage { run }]
            }
            _ => Vec::new(),
        }
    }
}

/// A dialog that only informs: Esc closes it, long lines wrap.
pub(super) fn report(title: &str, body: Vec<String>) -> Dialog {
    Dialog::Report {
        title: title.to_string(),
        body,
        scroll: 0,
    }
}
