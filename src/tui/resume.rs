//! The continue dialog's state: what the resume preview found (engine,
//! next node, what can run with side effects flagged, sessions and whether
//! they diverged, flow drift), the options the user picks (session policy,
//! permission mode) and what Enter may do. Only choices that can work are
//! offered; when Enter cannot run, the dialog says why.

use std::cell::Cell;
use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent};

use crate::timetravel::preview::RerunNode;
use crate::timetravel::resume::{
    Cancel, PermissionMode, ResumeOptions, ResumePlan, SessionCheck, SessionPolicy,
};

/// A plan the library made, carried to the worker that runs it. Compared
/// by identity: two handles are equal when they hold the same plan.
#[derive(Debug, Clone)]
pub struct PlanHandle(pub Arc<ResumePlan>);

impl PartialEq for PlanHandle {
    fn eq(&self, other: &PlanHandle) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// What the dialog shows of a plan (tests build it directly).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlanFacts {
    /// `fork`, `rewind` or `checkpoint`.
    pub waiting_after: String,
    pub waiting_on: Option<String>,
    pub next_node: Option<String>,
    pub rerun: Vec<RerunNode>,
    pub flow_path: PathBuf,
    pub sessions: Vec<SessionCheck>,
    pub node_version: String,
    pub acpx_version: String,
    pub acpx_dir: PathBuf,
    pub warnings: Vec<String>,
    /// Why the library would refuse it as asked.
    pub blocked: Option<String>,
}

impl PlanFacts {
    pub fn from_plan(plan: &ResumePlan) -> PlanFacts {
        PlanFacts {
            waiting_after: plan.waiting_after.to_string(),
            waiting_on: plan.waiting_on.clone(),
            next_node: plan.next_node.clone(),
            rerun: plan.rerun.clone(),
            flow_path: plan.flow_path.clone(),
            sessions: plan.sessions.clone(),
            node_version: plan.engine.node_version.clone(),
            acpx_version: plan.engine.acpx_version.clone(),
            acpx_dir: plan.engine.acpx_dir.clone(),
            warnings: plan.warnings.clone(),
            blocked: plan.blocked.clone(),
        }
    }

    pub fn diverged(&self) -> Vec<&SessionCheck> {
        self.sessions.iter().filter(|s| s.diverged).collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum PlanState {
    /// The preview is being computed (the probe takes a second or two).
    Checking,
    Ready(Box<PlanFacts>, Option<PlanHandle>),
    /// The preview failed: no engine, not waiting, a refused probe …
    Failed(String),
}

/// The permission mode a flow declares it needs (`flow.json` `permissions`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Required {
    pub mode: PermissionMode,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResumeDialog {
    pub run_dir: PathBuf,
    pub run_id: String,
    pub sessions: SessionPolicy,
    /// `None`: acpx's configured default.
    pub permission: Option<PermissionMode>,
    pub required: Option<Required>,
    pub plan: PlanState,
    /// The plan request this dialog waits for.
    pub generation: u64,
    /// First body line shown; the renderer records how far it can go.
    pub scroll: usize,
    pub max_scroll: Cell<usize>,
    /// The last facts seen, kept while a changed option is re-checked.
    pub last_facts: Option<Box<PlanFacts>>,
    /// A one-line answer to the last key (a choice that is not offered).
    pub note: Option<String>,
}

/// What a key in the continue dialog asks the app to do.
#[derive(Debug, Clone, PartialEq)]
pub enum ResumeKey {
    Stay,
    Close,
    /// An option changed: plan again.
    Replan,
    Run,
}

impl ResumeDialog {
    pub fn new(
        run_dir: PathBuf,
        run_id: String,
        required: Option<Required>,
        generation: u64,
    ) -> ResumeDialog {
        ResumeDialog {
            run_dir,
            run_id,
            sessions: SessionPolicy::Auto,
            // A flow that needs a mode gets it preselected (acpx's default
            // would be refused by the probe).
            permission: required.as_ref().map(|r| r.mode),
            required,
            plan: PlanState::Checking,
            generation,
            scroll: 0,
            max_scroll: Cell::new(0),
            last_facts: None,
            note: None,
        }
    }

    /// The facts on screen: the current plan's, else the last ones seen.
    pub fn facts(&self) -> Option<&PlanFacts> {
        match &self.plan {
            PlanState::Ready(facts, _) => Some(facts),
            _ => self.last_facts.as_deref(),
        }
    }

    /// The options this dialog asks the library for.
    pub fn options(&self, now_ms: i64) -> ResumeOptions {
        ResumeOptions {
            permission: self.permission,
            sessions: self.sessions,
            now_ms,
            ..ResumeOptions::default()
        }
    }

    /// The permission modes offered: with a required mode only it and
    /// stronger ones (weaker ones would be refused), else acpx's default
    /// and every mode.
    pub fn permission_choices(&self) -> Vec<Option<PermissionMode>> {
        let all = [
            PermissionMode::ApproveAll,
            PermissionMode::ApproveReads,
            PermissionMode::DenyAll,
        ];
        match &self.required {
            Some(required) => all
                .into_iter()
                .filter(|m| *m >= required.mode)
                .map(Some)
                .collect(),
            None => std::iter::once(None).chain(all.map(Some)).collect(),
        }
    }

    /// Session policies matter only when the run has recorded sessions
    /// (unknown until the first plan: offered then).
    pub fn sessions_offered(&self) -> bool {
        self.facts().is_none_or(|f| !f.sessions.is_empty())
    }

    /// Why Enter cannot run now, if it cannot.
    pub fn why_not(&self) -> Option<String> {
        match &self.plan {
            PlanState::Checking => Some("checking…".to_string()),
            PlanState::Failed(err) => Some(err.clone()),
            PlanState::Ready(facts, _) => facts.blocked.clone(),
        }
    }

    /// The answer for a plan request; late answers are dropped.
    pub fn planned(
        &mut self,
        generation: u64,
        result: Result<(Box<PlanFacts>, Option<PlanHandle>), String>,
    ) {
        if generation != self.generation {
            return;
        }
        self.plan = match result {
            Ok((facts, handle)) => {
                self.last_facts = Some(facts.clone());
                PlanState::Ready(facts, handle)
            }
            Err(err) => PlanState::Failed(err),
        };
    }

    /// Marks the dialog as waiting for the plan of `generation`.
    pub fn checking(&mut self, generation: u64) {
        if let PlanState::Ready(facts, _) = &self.plan {
            self.last_facts = Some(facts.clone());
        }
        self.plan = PlanState::Checking;
        self.generation = generation;
    }

    pub fn key(&mut self, key: &KeyEvent) -> ResumeKey {
        self.note = None;
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => ResumeKey::Close,
            KeyCode::Enter => match self.why_not() {
                None => ResumeKey::Run,
                Some(_) => {
                    self.note = Some("Enter cannot run this yet: see why below".to_string());
                    ResumeKey::Stay
                }
            },
            KeyCode::Char('s') => self.cycle_sessions(),
            KeyCode::Char('p') => self.cycle_permission(),
            KeyCode::Char('j') | KeyCode::Down => self.scroll_by(1),
            KeyCode::Char('k') | KeyCode::Up => self.scroll_by(-1),
            KeyCode::PageDown => self.scroll_by(10),
            KeyCode::PageUp => self.scroll_by(-10),
            _ => ResumeKey::Stay,
        }
    }

    fn scroll_by(&mut self, delta: isize) -> ResumeKey {
        self.scroll = self
            .scroll
            .saturating_add_signed(delta)
            .min(self.max_scroll.get());
        ResumeKey::Stay
    }

    fn cycle_sessions(&mut self) -> ResumeKey {
        if !self.sessions_offered() {
            self.note = Some("this run has no agent sessions to reuse: nothing to choose".into());
            return ResumeKey::Stay;
        }
        self.sessions = match self.sessions {
            SessionPolicy::Auto => SessionPolicy::Reuse,
            SessionPolicy::Reuse => SessionPolicy::Fresh,
            SessionPolicy::Fresh => SessionPolicy::Auto,
        };
        ResumeKey::Replan
    }

    fn cycle_permission(&mut self) -> ResumeKey {
        let choices = self.permission_choices();
        if choices.len() < 2 {
            self.note = Some(match &self.required {
                Some(r) => format!(
                    "the flow requires {}: no other mode can run it",
                    r.mode.name()
                ),
                None => "no other permission mode".to_string(),
            });
            return ResumeKey::Stay;
        }
        let at = choices
            .iter()
            .position(|c| *c == self.permission)
            .map_or(0, |i| (i + 1) % choices.len());
        self.permission = choices[at];
        ResumeKey::Replan
    }
}

/// A continuation running on a worker.
#[derive(Debug, Clone)]
pub struct ResumeJob {
    pub run_dir: PathBuf,
    pub run_id: String,
    pub cancel: Cancel,
    /// Where it went on (after the driver's `resumed` message).
    pub at: Option<String>,
    /// A stop was asked for.
    pub stopping: bool,
}

impl ResumeJob {
    /// The status-bar text while it runs.
    pub fn status(&self, stop_key: &str) -> String {
        if self.stopping {
            return "stopping the continuation…".to_string();
        }
        match &self.at {
            Some(node) => format!("continuing at {node}… ({stop_key} stop)"),
            None => format!("continuing… ({stop_key} stop)"),
        }
    }
}
