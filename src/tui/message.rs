//! Messages into the UI loop and effects out of it. Input, loading, the
//! inspector worker and search all talk to the UI thread through `Msg`;
//! `update` answers with `Effect`s that workers carry out.

use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::Event;

use super::inspect::{InspectContent, InspectRequest};
use super::resume::{PlanFacts, PlanHandle};
use crate::model::discovery::RunSummary;
use crate::model::Run;
use crate::timetravel::resume::{Cancel, ResumeOptions, ResumeOutcome};

#[derive(Debug)]
pub enum Msg {
    Input(Event),
    /// Bytes of the trace indexed so far while a run loads.
    LoadProgress {
        done: u64,
        total: u64,
    },
    RunLoaded {
        path: PathBuf,
        result: Result<Arc<Run>, String>,
    },
    /// The run as indexed so far (`done` of `total` trace bytes) while a
    /// long trace is still being indexed: shown and navigable meanwhile.
    RunPartial {
        path: PathBuf,
        run: Arc<Run>,
        done: u64,
        total: u64,
    },
    RunsListed {
        dir: PathBuf,
        result: Result<Vec<RunSummary>, String>,
    },
    /// Attempt count and trace status of one listed run, filled in lazily.
    RunCounted {
        path: PathBuf,
        attempts: usize,
        status: String,
        /// What its state is judged by when drawn (stale or not).
        life: crate::model::liveness::LifeSigns,
        /// Why it failed, when it did.
        error: Option<String>,
    },
    Inspected {
        request: InspectRequest,
        content: InspectContent,
    },
    Searched {
        query: String,
        hits: Result<Vec<u32>, String>,
    },
    /// The fork preview for the fork dialog, as text lines.
    Previewed {
        attempt: usize,
        lines: Vec<String>,
        /// Ids of the nodes that would run again.
        rerun: Vec<String>,
        /// Why "fork and continue" cannot work here (no engine, no flow
        /// file); `None`: it can.
        continue_blocked: Option<String>,
    },
    /// A resume plan for the continue dialog (`generation` drops answers
    /// to options changed since).
    ResumePlanned {
        generation: u64,
        /// The facts shown and the plan to run (`None` only in tests).
        result: Result<(Box<PlanFacts>, Option<PlanHandle>), String>,
    },
    /// The continuation wrote its `run_resumed` event: it goes on at `next`.
    ResumeProgress {
        run_dir: PathBuf,
        next: Option<String>,
    },
    /// The continuation ended (the driver exited), or could not start.
    ResumeFinished {
        run_dir: PathBuf,
        result: Result<ResumeOutcome, String>,
    },
    /// A fork, rewind or undo finished: the run to open, or why it failed.
    OperationDone {
        what: String,
        result: Result<PathBuf, String>,
    },
    /// A report to show (a diff).
    Report {
        title: String,
        body: Vec<String>,
    },
    /// Files of the open run changed on disk (from the watcher).
    RunChanged(PathBuf),
    /// Runs appeared or vanished in the browsed folder.
    RunsDirChanged(PathBuf),
    /// A periodic check while a live run is open (is its writer still alive?).
    Tick,
    /// The open run brought up to date.
    RunRefreshed(Arc<Run>),
    /// Branches for the lineage view: (label, bundle to open).
    LineageListed {
        rows: Vec<(String, Option<PathBuf>)>,
    },
    /// A signal from the signal thread (its number): the loop shuts down
    /// (or suspends, for SIGTSTP) and stops whatever it started.
    Signal(i32),
    /// A thread the viewer needs has died (a panicking worker): the loop
    /// ends with this error.
    Fatal(String),
}

#[derive(Debug, Clone)]
pub enum Effect {
    ListRuns(PathBuf),
    CountRuns(Vec<PathBuf>),
    LoadRun(PathBuf),
    Inspect {
        run: Arc<Run>,
        request: InspectRequest,
    },
    Search {
        run: Arc<Run>,
        query: String,
    },
    Preview {
        run: Arc<Run>,
        attempt: usize,
    },
    Fork {
        run: Arc<Run>,
        attempt: usize,
        patch: Option<serde_json::Value>,
        label: Option<String>,
    },
    Rewind {
        run_dir: PathBuf,
        attempt_id: String,
        /// The run on screen, reused by the rewind when it is still what is
        /// on disk (so the rewind does not index it again).
        loaded: Option<Arc<Run>>,
    },
    Undo {
        run_dir: PathBuf,
    },
    Diff {
        a: Arc<Run>,
        a_attempt: usize,
        b: DiffTarget,
    },
    Lineage {
        run: Arc<Run>,
    },
    Refresh {
        run: Arc<Run>,
    },
    /// The preview of a continuation: checks everything, runs nothing.
    PlanResume {
        run_dir: PathBuf,
        options: ResumeOptions,
        generation: u64,
    },
    /// Continues a waiting run to its end (long: a worker of its own).
    /// `plan` is the one the dialog showed (`None`: planned again).
    Resume {
        run_dir: PathBuf,
        options: ResumeOptions,
        plan: Option<PlanHandle>,
        cancel: Cancel,
    },
}

/// The other side of a diff from the TUI.
#[derive(Debug, Clone)]
pub enum DiffTarget {
    /// A marked frame of the same run.
    Frame(usize),
    /// The run's parent (it is a fork).
    Parent,
}
