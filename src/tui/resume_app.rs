//! Continuing a waiting run from the viewer, as `App` methods: the continue
//! key opens the dialog (or says in the status bar why it cannot), the
//! dialog's options re-plan on a worker, Enter starts the continuation on a
//! worker while the view follows the run live, and stopping it — or
//! leaving the run while it goes on — asks first.

use std::path::PathBuf;

use super::action::Action;
use super::app::{App, Screen};
use super::dialog::{Dialog, PendingOp};
use super::keymap::Mode;
use super::message::{Effect, Msg};
use super::resume::{PlanFacts, PlanHandle, ResumeDialog, ResumeJob};
use super::resume_effects::{outcome_notice, required_permission};
use crate::bundle::EventKind;
use crate::timetravel::resume::ResumeOutcome;
use crate::timetravel::runid::now_ms;

/// What to do once a running continuation was asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterStop {
    Stay,
    Back,
    Quit,
}

impl App {
    fn key_name(&self, action: Action, default: &str) -> String {
        self.keymap
            .key_for(Mode::Run, action)
            .map_or(default.to_string(), |k| k.to_string())
    }

    /// The continue key: the dialog for a waiting run, else why not.
    pub(super) fn continue_action(&mut self) -> Vec<Effect> {
        let fork_key = self.key_name(Action::Fork, "f");
        let stop_key = self.key_name(Action::StopContinue, "x");
        let Screen::Run(view) = &mut self.screen else {
            return Vec::new();
        };
        if let Some(job) = &self.resume {
            view.notice = Some(format!(
                "{} is being continued already ({stop_key} stops it)",
                short_id(&job.run_id)
            ));
            return Vec::new();
        }
        let run = &view.run;
        let status = run.status();
        if status == "waiting" {
            return self.open_resume_dialog();
        }
        let resumed = run
            .bundle
            .trace
            .entries()
            .iter()
            .any(|e| e.kind == EventKind::RunResumed);
        view.notice = Some(if view.live {
            format!("this run is {status}: acpx is still writing it, there is nothing to continue")
        } else if resumed {
            format!("this run was continued already and is {status}: fork a step ({fork_key}) to go on from there again")
        } else {
            format!("only a waiting run can be continued (a fork, or a run stopped at a checkpoint); this one is {status}: fork a step ({fork_key}), then continue the fork")
        });
        Vec::new()
    }

    /// Opens the continue dialog on the run shown and asks for its plan.
    pub(super) fn open_resume_dialog(&mut self) -> Vec<Effect> {
        let Screen::Run(view) = &mut self.screen else {
            return Vec::new();
        };
        // The graph then shows the state the run goes on from.
        let head = view.head();
        view.set_cursor(head);
        let mut effects: Vec<Effect> = view.inspect_effect().into_iter().collect();
        self.plan_generation += 1;
        let run = &view.run;
        let dialog = ResumeDialog::new(
            run.bundle.root.clone(),
            run.run_id(),
            required_permission(run),
            self.plan_generation,
        );
        let effect = Effect::PlanResume {
            run_dir: dialog.run_dir.clone(),
            options: dialog.options(now_ms()),
            generation: dialog.generation,
        };
        self.dialog = Some(Dialog::Resume(Box::new(dialog)));
        effects.push(effect);
        effects
    }

    /// An option changed in the dialog: plan again.
    pub(super) fn replan(&mut self) -> Vec<Effect> {
        self.plan_generation += 1;
        let generation = self.plan_generation;
        let Some(Dialog::Resume(dialog)) = &mut self.dialog else {
            return Vec::new();
        };
        dialog.checking(generation);
        vec![Effect::PlanResume {
            run_dir: dialog.run_dir.clone(),
            options: dialog.options(now_ms()),
            generation,
        }]
    }

    pub(super) fn resume_planned(
        &mut self,
        generation: u64,
        result: Result<(Box<PlanFacts>, Option<PlanHandle>), String>,
    ) -> Vec<Effect> {
        let Some(Dialog::Resume(dialog)) = &mut self.dialog else {
            return Vec::new();
        };
        dialog.planned(generation, result);
        // The nodes that can run, overlaid on the graph as for a fork.
        if let (Some(facts), Screen::Run(view)) = (dialog.facts(), &mut self.screen) {
            let flow = &view.run.bundle.flow;
            view.rerun_nodes = facts
                .rerun
                .iter()
                .filter_map(|n| flow.node_position(&n.id))
                .collect();
        }
        Vec::new()
    }

    /// Enter in the dialog: the continuation starts on its own worker and
    /// the view follows the run from its head.
    pub(super) fn start_resume(&mut self) -> Vec<Effect> {
        let Some(Dialog::Resume(dialog)) = self.dialog.take() else {
            return Vec::new();
        };
        let handle = match &dialog.plan {
            super::resume::PlanState::Ready(_, handle) => handle.clone(),
            _ => return Vec::new(),
        };
        let job = ResumeJob {
            run_dir: dialog.run_dir.clone(),
            run_id: dialog.run_id.clone(),
            cancel: Default::default(),
            at: None,
            stopping: false,
        };
        if let Screen::Run(view) = &mut self.screen {
            view.resuming = true;
            view.check_live();
            let head = view.head();
            view.set_cursor(head);
        }
        let effect = Effect::Resume {
            run_dir: job.run_dir.clone(),
            options: dialog.options(now_ms()),
            plan: handle,
            cancel: job.cancel.clone(),
        };
        self.resume = Some(job);
        vec![effect]
    }

    pub(super) fn resume_progress(
        &mut self,
        run_dir: PathBuf,
        next: Option<String>,
    ) -> Vec<Effect> {
        if let Some(job) = self.resume.as_mut().filter(|j| j.run_dir == run_dir) {
            job.at = next.or_else(|| Some("its end".to_string()));
        }
        self.refresh_if_shown(&run_dir)
    }

    pub(super) fn resume_finished(
        &mut self,
        run_dir: PathBuf,
        result: Result<ResumeOutcome, String>,
    ) -> Vec<Effect> {
        if self.resume.as_ref().is_some_and(|j| j.run_dir == run_dir) {
            self.resume = None;
        }
        if let Screen::Run(view) = &mut self.screen {
            if view.run.bundle.root == run_dir {
                view.resuming = false;
                view.check_live();
            }
        }
        match result {
            Ok(outcome) => {
                let undo_key = self.key_name(Action::Undo, "u");
                self.notice = Some(outcome_notice(&outcome, &undo_key));
            }
            Err(err) => {
                // A long reason gets a box of its own, wrapped.
                self.dialog = Some(Dialog::Report {
                    title: "the continuation failed".to_string(),
                    body: vec![err],
                    scroll: 0,
                });
            }
        }
        self.refresh_if_shown(&run_dir)
    }

    fn refresh_if_shown(&self, run_dir: &std::path::Path) -> Vec<Effect> {
        match &self.screen {
            Screen::Run(view) if view.run.bundle.root == run_dir => vec![Effect::Refresh {
                run: view.run.clone(),
            }],
            _ => Vec::new(),
        }
    }

    /// The stop key: asks before stopping the continuation.
    pub(super) fn stop_action(&mut self) -> Vec<Effect> {
        let continue_key = self.key_name(Action::Continue, "C");
        match &self.resume {
            None => {
                if let Screen::Run(view) = &mut self.screen {
                    view.notice = Some(format!(
                        "nothing is running ({continue_key} continues a waiting run)"
                    ));
                }
            }
            Some(_) => self.confirm_stop(AfterStop::Stay),
        }
        Vec::new()
    }

    /// Leaving the run (back, quit) while it is being continued asks
    /// first. Returns whether it asked (the caller then does nothing).
    pub(super) fn guard_leaving(&mut self, then: AfterStop) -> bool {
        let Some(job) = &self.resume else {
            return false;
        };
        if job.stopping {
            return false;
        }
        self.confirm_stop(then);
        true
    }

    fn confirm_stop(&mut self, then: AfterStop) {
        let Some(job) = &self.resume else {
            return;
        };
        let undo_key = self.key_name(Action::Undo, "u");
        let verb = match then {
            AfterStop::Stay => "stop",
            AfterStop::Back => "stop and leave",
            AfterStop::Quit => "stop and quit",
        };
        self.dialog = Some(Dialog::Confirm {
            title: "Stop the continuation".to_string(),
            body: vec![
                format!("{} is being continued through acpx.", job.run_id),
                format!("Stopping it works as ctrl-c does for acpx: the run ends failed (Interrupted); {undo_key} then restores it as it waited."),
                String::new(),
                format!("y / Enter: {verb}    n / Esc: keep it running"),
            ],
            op: PendingOp::StopResume { then },
        });
    }

    /// The stop was confirmed.
    pub(super) fn stop_resume(&mut self, then: AfterStop) -> Vec<Effect> {
        if let Some(job) = &mut self.resume {
            job.cancel.request();
            job.stopping = true;
        }
        match then {
            AfterStop::Stay => Vec::new(),
            AfterStop::Back => self.act(Action::Back),
            AfterStop::Quit => {
                self.quit = true;
                Vec::new()
            }
        }
    }

    /// For the event loop on its way out: stops a running continuation and
    /// says whether there is one to wait for.
    pub fn stop_resume_for_exit(&mut self) -> bool {
        match &mut self.resume {
            Some(job) => {
                job.cancel.request();
                job.stopping = true;
                true
            }
            None => false,
        }
    }

    /// Whether `msg` ends the continuation the loop waits for on its way out.
    pub fn ends_resume(msg: &Msg) -> bool {
        matches!(msg, Msg::ResumeFinished { .. })
    }
}

/// The 8-hex suffix of a run id (what the lists show).
fn short_id(run_id: &str) -> &str {
    run_id.rsplit('-').next().unwrap_or(run_id)
}
