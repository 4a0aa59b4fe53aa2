//! The state of every node at a frame. A frame is a cursor on the trace
//! (an event `seq`), never a list index, so appends and forks cannot shift it.

use serde::Serialize;

use super::attempt::Attempt;
use crate::bundle::Outcome;

/// What a node looks like at a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeStatus {
    NotVisited,
    Running,
    Done,
    Failed,
    TimedOut,
    Cancelled,
}

impl NodeStatus {
    pub fn name(self) -> &'static str {
        match self {
            NodeStatus::NotVisited => "not_visited",
            NodeStatus::Running => "running",
            NodeStatus::Done => "done",
            NodeStatus::Failed => "failed",
            NodeStatus::TimedOut => "timed_out",
            NodeStatus::Cancelled => "cancelled",
        }
    }

    /// A glyph that tells the state apart without colour.
    pub fn glyph(self) -> &'static str {
        match self {
            NodeStatus::NotVisited => "·",
            NodeStatus::Running => "▸",
            NodeStatus::Done => "✓",
            NodeStatus::Failed => "✗",
            NodeStatus::TimedOut => "⧗",
            NodeStatus::Cancelled => "⊘",
        }
    }
}

/// The state of one flow node at a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeFrame {
    pub status: NodeStatus,
    /// Attempts of this node started at or before the frame.
    pub attempts: u32,
    /// The latest such attempt (position in `Run::attempts`).
    pub latest: Option<usize>,
}

impl NodeFrame {
    const UNVISITED: NodeFrame = NodeFrame {
        status: NodeStatus::NotVisited,
        attempts: 0,
        latest: None,
    };
}

/// The status of an attempt seen from frame `seq`.
pub fn attempt_status_at(attempt: &Attempt, seq: u32) -> NodeStatus {
    if attempt.seq_end > seq {
        return NodeStatus::Running; // its outcome lies in the future
    }
    match attempt.outcome {
        Outcome::Ok => NodeStatus::Done,
        Outcome::Failed | Outcome::Other | Outcome::None => NodeStatus::Failed,
        Outcome::TimedOut => NodeStatus::TimedOut,
        Outcome::Cancelled => NodeStatus::Cancelled,
        Outcome::Running | Outcome::Completed | Outcome::Waiting => NodeStatus::Running,
    }
}

/// The state of each of `node_count` flow nodes at frame `seq`.
pub fn node_frames(attempts: &[Attempt], node_count: usize, seq: u32) -> Vec<NodeFrame> {
    let mut frames = vec![NodeFrame::UNVISITED; node_count];
    let visible = attempts.partition_point(|a| a.seq_start <= seq);
    for (position, attempt) in attempts[..visible].iter().enumerate() {
        if let Some(frame) = attempt.flow_node.and_then(|n| frames.get_mut(n)) {
            frame.attempts += 1;
            frame.latest = Some(position);
            frame.status = attempt_status_at(attempt, seq);
        }
    }
    frames
}
