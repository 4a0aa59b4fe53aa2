//! Modal dialogs over the run view: confirmations for destructive
//! operations, the fork dialog (preview + optional input patch and label,
//! fork or fork and continue), the continue dialog (`resume.rs`), reports
//! (diffs) and the lineage list. Keys go to the open dialog first.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::resume::{ResumeDialog, ResumeKey};
use super::resume_app::AfterStop;

/// A destructive operation waiting for a yes.
#[derive(Debug, Clone, PartialEq)]
pub enum PendingOp {
    Rewind {
        run_dir: PathBuf,
        attempt_id: String,
    },
    Undo {
        run_dir: PathBuf,
    },
    /// Stop the running continuation, then stay, go back or quit.
    StopResume {
        then: AfterStop,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForkField {
    Patch,
    Label,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    Confirm {
        title: String,
        body: Vec<String>,
        op: PendingOp,
    },
    Fork {
        attempt: usize,
        /// Preview text, filled in by the worker.
        preview: Option<Vec<String>>,
        patch: String,
        label: String,
        field: ForkField,
        error: Option<String>,
        /// Whether "fork and continue" can work (`None`: not known yet).
        can_continue: Option<Result<(), String>>,
    },
    /// Continue a waiting run (preview, options, run).
    Resume(Box<ResumeDialog>),
    /// Something running on a worker (fork, rewind, undo, diff).
    Working { title: String },
    Report {
        title: String,
        body: Vec<String>,
        scroll: usize,
    },
    Lineage {
        rows: Vec<(String, Option<PathBuf>)>,
        selected: usize,
    },
}

/// What a key in a dialog asks the app to do.
#[derive(Debug, Clone, PartialEq)]
pub enum DialogOutcome {
    Stay,
    Close,
    Confirmed(PendingOp),
    Fork {
        attempt: usize,
        patch: String,
        label: String,
        /// Open the fork's continue dialog once it is made.
        then_continue: bool,
    },
    Open(PathBuf),
    /// The continue dialog's options changed: plan again.
    ResumeReplan,
    /// Continue the run as the dialog shows.
    ResumeRun,
}

impl Dialog {
    pub fn key(&mut self, key: &KeyEvent) -> DialogOutcome {
        let typed = |key: &KeyEvent| match key.code {
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => Some(c),
            _ => None,
        };
        match self {
            Dialog::Confirm { op, .. } => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                    DialogOutcome::Confirmed(op.clone())
                }
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                    DialogOutcome::Close
                }
                _ => DialogOutcome::Stay,
            },
            Dialog::Fork {
                attempt,
                patch,
                label,
                field,
                error,
                can_continue,
                ..
            } => {
                *error = None;
                let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
                match key.code {
                    KeyCode::Esc => DialogOutcome::Close,
                    // Fork and continue: ctrl-r (shift-Enter where the
                    // terminal reports it).
                    KeyCode::Char('r') if ctrl => {
                        fork_and_continue(attempt, patch, label, can_continue, error)
                    }
                    KeyCode::Enter if key.modifiers.contains(KeyModifiers::SHIFT) => {
                        fork_and_continue(attempt, patch, label, can_continue, error)
                    }
                    KeyCode::Tab | KeyCode::BackTab | KeyCode::Down | KeyCode::Up => {
                        *field = match field {
                            ForkField::Patch => ForkField::Label,
                            ForkField::Label => ForkField::Patch,
                        };
                        DialogOutcome::Stay
                    }
                    KeyCode::Enter => DialogOutcome::Fork {
                        attempt: *attempt,
                        patch: patch.clone(),
                        label: label.clone(),
                        then_continue: false,
                    },
                    _ => {
                        let text = match field {
                            ForkField::Patch => patch,
                            ForkField::Label => label,
                        };
                        if key.code == KeyCode::Backspace {
                            text.pop();
                        } else if let Some(c) = typed(key) {
                            text.push(c);
                        }
                        DialogOutcome::Stay
                    }
                }
            }
            Dialog::Resume(dialog) => match dialog.key(key) {
                ResumeKey::Stay => DialogOutcome::Stay,
                ResumeKey::Close => DialogOutcome::Close,
                ResumeKey::Replan => DialogOutcome::ResumeReplan,
                ResumeKey::Run => DialogOutcome::ResumeRun,
            },
            Dialog::Working { .. } => DialogOutcome::Stay,
            Dialog::Report { scroll, body, .. } => match key.code {
                KeyCode::Char('j') | KeyCode::Down => {
                    *scroll = (*scroll + 1).min(body.len().saturating_sub(1));
                    DialogOutcome::Stay
                }
                KeyCode::Char('k') | KeyCode::Up => {
                    *scroll = scroll.saturating_sub(1);
                    DialogOutcome::Stay
                }
                KeyCode::PageDown => {
                    *scroll = (*scroll + 10).min(body.len().saturating_sub(1));
                    DialogOutcome::Stay
                }
                KeyCode::PageUp => {
                    *scroll = scroll.saturating_sub(10);
                    DialogOutcome::Stay
                }
                _ => DialogOutcome::Close,
            },
            Dialog::Lineage { rows, selected } => match key.code {
                KeyCode::Char('j') | KeyCode::Down => {
                    *selected = (*selected + 1).min(rows.len().saturating_sub(1));
                    DialogOutcome::Stay
                }
                KeyCode::Char('k') | KeyCode::Up => {
                    *selected = selected.saturating_sub(1);
                    DialogOutcome::Stay
                }
                KeyCode::Enter => match rows.get(*selected).and_then(|(_, path)| path.clone()) {
                    Some(path) => DialogOutcome::Open(path),
                    None => DialogOutcome::Stay,
                },
                _ => DialogOutcome::Close,
            },
        }
    }
}

/// ctrl-r in the fork dialog: only when continuing can work, else why not.
fn fork_and_continue(
    attempt: &usize,
    patch: &str,
    label: &str,
    can_continue: &Option<Result<(), String>>,
    error: &mut Option<String>,
) -> DialogOutcome {
    match can_continue {
        Some(Ok(())) => DialogOutcome::Fork {
            attempt: *attempt,
            patch: patch.to_string(),
            label: label.to_string(),
            then_continue: true,
        },
        Some(Err(why)) => {
            *error = Some(format!("fork and continue cannot work here: {why}"));
            DialogOutcome::Stay
        }
        None => {
            *error = Some("still checking whether the fork could be continued…".to_string());
            DialogOutcome::Stay
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(dialog: &mut Dialog, code: KeyCode) -> DialogOutcome {
        dialog.key(&KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn confirm_needs_a_yes() {
        let op = PendingOp::Undo {
            run_dir: PathBuf::from("r"),
        };
        let mut dialog = Dialog::Confirm {
            title: "t".into(),
            body: vec![],
            op: op.clone(),
        };
        assert_eq!(press(&mut dialog, KeyCode::Char('x')), DialogOutcome::Stay);
        assert_eq!(
            press(&mut dialog, KeyCode::Char('y')),
            DialogOutcome::Confirmed(op)
        );
        assert_eq!(press(&mut dialog, KeyCode::Esc), DialogOutcome::Close);
    }

    #[test]
    fn fork_dialog_edits_patch_and_label() {
        let mut dialog = Dialog::Fork {
            attempt: 4,
            preview: None,
            patch: String::new(),
            label: String::new(),
            field: ForkField::Patch,
            error: None,
            can_continue: None,
        };
        for c in "{\"a\":1}".chars() {
            press(&mut dialog, KeyCode::Char(c));
        }
        press(&mut dialog, KeyCode::Tab);
        for c in "try".chars() {
            press(&mut dialog, KeyCode::Char(c));
        }
        assert_eq!(
            press(&mut dialog, KeyCode::Enter),
            DialogOutcome::Fork {
                attempt: 4,
                patch: "{\"a\":1}".into(),
                label: "try".into(),
                then_continue: false,
            }
        );
    }
}
