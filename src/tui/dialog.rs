//! Modal dialogs over the run view: confirmations for destructive
//! operations, the fork dialog (preview + optional input patch and label),
//! reports (diffs) and the lineage list. Keys go to the open dialog first.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

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
    },
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
    },
    Open(PathBuf),
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
                ..
            } => {
                *error = None;
                match key.code {
                    KeyCode::Esc => DialogOutcome::Close,
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
                label: "try".into()
            }
        );
    }
}
