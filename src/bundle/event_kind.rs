//! The event types and outcome words the trace index keeps as small enums.

/// The event types acpx 0.19.1 writes; anything else is `Other` and keeps its
/// name in the file (readers must ignore unknown types, not reject them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum EventKind {
    RunStarted,
    NodeStarted,
    NodeHeartbeat,
    ArtifactWritten,
    SessionBound,
    AcpPromptPrepared,
    AcpResponseParsed,
    ActionPrepared,
    ActionCompleted,
    NodeOutcome,
    RunCompleted,
    RunFailed,
    /// Written by `reel` when it forks or rewinds a run.
    RunForked,
    RunRewound,
    /// Written by reel's resume driver where a waiting run went on.
    RunResumed,
    Other,
}

impl EventKind {
    pub fn parse(name: &str) -> Self {
        match name {
            "run_started" => Self::RunStarted,
            "node_started" => Self::NodeStarted,
            "node_heartbeat" => Self::NodeHeartbeat,
            "artifact_written" => Self::ArtifactWritten,
            "session_bound" => Self::SessionBound,
            "acp_prompt_prepared" => Self::AcpPromptPrepared,
            "acp_response_parsed" => Self::AcpResponseParsed,
            "action_prepared" => Self::ActionPrepared,
            "action_completed" => Self::ActionCompleted,
            "node_outcome" => Self::NodeOutcome,
            "run_completed" => Self::RunCompleted,
            "run_failed" => Self::RunFailed,
            "run_forked" => Self::RunForked,
            "run_rewound" => Self::RunRewound,
            "run_resumed" => Self::RunResumed,
            _ => Self::Other,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::RunStarted => "run_started",
            Self::NodeStarted => "node_started",
            Self::NodeHeartbeat => "node_heartbeat",
            Self::ArtifactWritten => "artifact_written",
            Self::SessionBound => "session_bound",
            Self::AcpPromptPrepared => "acp_prompt_prepared",
            Self::AcpResponseParsed => "acp_response_parsed",
            Self::ActionPrepared => "action_prepared",
            Self::ActionCompleted => "action_completed",
            Self::NodeOutcome => "node_outcome",
            Self::RunCompleted => "run_completed",
            Self::RunFailed => "run_failed",
            Self::RunForked => "run_forked",
            Self::RunRewound => "run_rewound",
            Self::RunResumed => "run_resumed",
            Self::Other => "other",
        }
    }

    /// Every kind, at the place of its `as u8` value (asserted below: the
    /// snapshot takes any tag under `TAGS` as a kind).
    pub(crate) const ALL: [EventKind; 16] = [
        EventKind::RunStarted,
        EventKind::NodeStarted,
        EventKind::NodeHeartbeat,
        EventKind::ArtifactWritten,
        EventKind::SessionBound,
        EventKind::AcpPromptPrepared,
        EventKind::AcpResponseParsed,
        EventKind::ActionPrepared,
        EventKind::ActionCompleted,
        EventKind::NodeOutcome,
        EventKind::RunCompleted,
        EventKind::RunFailed,
        EventKind::RunForked,
        EventKind::RunRewound,
        EventKind::RunResumed,
        EventKind::Other,
    ];

    /// How many tags there are.
    pub(crate) const TAGS: u32 = Self::ALL.len() as u32;

    /// Events after which the run is over.
    pub fn ends_run(self) -> bool {
        matches!(self, Self::RunCompleted | Self::RunFailed)
    }
}

/// Attempt outcomes (`node_outcome.payload.outcome`) and run statuses share
/// this small vocabulary; `Running` is never written, only derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum Outcome {
    #[default]
    None,
    Ok,
    Failed,
    TimedOut,
    Cancelled,
    Running,
    Completed,
    Waiting,
    Other,
}

impl Outcome {
    /// Every outcome, at the place of its `as u8` value (asserted below).
    pub(crate) const ALL: [Outcome; 9] = [
        Outcome::None,
        Outcome::Ok,
        Outcome::Failed,
        Outcome::TimedOut,
        Outcome::Cancelled,
        Outcome::Running,
        Outcome::Completed,
        Outcome::Waiting,
        Outcome::Other,
    ];

    /// How many tags there are.
    pub(crate) const TAGS: u32 = Self::ALL.len() as u32;

    pub fn parse(name: &str) -> Self {
        match name {
            "ok" => Self::Ok,
            "failed" => Self::Failed,
            "timed_out" => Self::TimedOut,
            "cancelled" => Self::Cancelled,
            "running" => Self::Running,
            "completed" => Self::Completed,
            "waiting" => Self::Waiting,
            _ => Self::Other,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Ok => "ok",
            Self::Failed => "failed",
            Self::TimedOut => "timed_out",
            Self::Cancelled => "cancelled",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Waiting => "waiting",
            Self::Other => "other",
        }
    }
}

// Each variant's tag is its place in `ALL`.
const _: () = {
    let mut i = 0;
    while i < EventKind::ALL.len() {
        assert!(EventKind::ALL[i] as usize == i);
        i += 1;
    }
    let mut i = 0;
    while i < Outcome::ALL.len() {
        assert!(Outcome::ALL[i] as usize == i);
        i += 1;
    }
};
