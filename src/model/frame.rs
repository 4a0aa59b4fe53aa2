//! The state of every node at a frame. A frame is a cursor on the trace
//! (an event `seq`), never a list index, so appends and forks cannot shift it.

use serde::Serialize;

use super::attempt::Attempt;
use crate::bundle::{Outcome, TraceIndex};

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
pub fn attempt_status_at(attempt: &Attempt, trace: &TraceIndex, seq: u32) -> NodeStatus {
    if attempt.seq_end(trace) > seq {
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

/// Per flow node, the positions of its attempts in trace order, so the state
/// of every node at a frame costs O(nodes · log attempts), not O(attempts).
#[derive(Debug, Clone, Default)]
pub struct NodeAttempts {
    by_node: Vec<Vec<u32>>,
}

impl NodeAttempts {
    pub fn build(attempts: &[Attempt], node_count: usize) -> Self {
        let mut by_node = vec![Vec::new(); node_count];
        for (position, attempt) in attempts.iter().enumerate() {
            if let Some(list) = attempt.flow_node().and_then(|n| by_node.get_mut(n)) {
                list.push(u32::try_from(position).unwrap_or(u32::MAX));
            }
        }
        NodeAttempts { by_node }
    }

    /// Positions of the attempts of flow node `node`, in trace order.
    pub fn of(&self, node: usize) -> &[u32] {
        self.by_node.get(node).map_or(&[], Vec::as_slice)
    }

    pub fn frames(&self, attempts: &[Attempt], trace: &TraceIndex, seq: u32) -> Vec<NodeFrame> {
        self.by_node
            .iter()
            .map(|list| {
                let count = list.partition_point(|&p| attempts[p as usize].seq_start(trace) <= seq);
                match count.checked_sub(1).map(|i| list[i] as usize) {
                    None => NodeFrame::UNVISITED,
                    Some(latest) => NodeFrame {
                        status: attempt_status_at(&attempts[latest], trace, seq),
                        attempts: count as u32,
                        latest: Some(latest),
                    },
                }
            })
            .collect()
    }
}

/// The state of each of `node_count` flow nodes at frame `seq` (a linear
/// scan; `NodeAttempts::frames` answers the same from an index).
pub fn node_frames(
    attempts: &[Attempt],
    trace: &TraceIndex,
    node_count: usize,
    seq: u32,
) -> Vec<NodeFrame> {
    let mut frames = vec![NodeFrame::UNVISITED; node_count];
    let visible = attempts.partition_point(|a| a.seq_start(trace) <= seq);
    for (position, attempt) in attempts[..visible].iter().enumerate() {
        if let Some(frame) = attempt.flow_node().and_then(|n| frames.get_mut(n)) {
            frame.attempts += 1;
            frame.latest = Some(position);
            frame.status = attempt_status_at(attempt, trace, seq);
        }
    }
    frames
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Run;

    /// The indexed answer equals the linear scan at every frame of a real run.
    #[test]
    fn indexed_frames_equal_the_linear_scan() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/sample-runs/2026-11-23T163116156Z-gen-branching-review-432a4eb8"
        );
        let run = Run::open(std::path::Path::new(dir)).expect("sample run");
        let nodes = run.bundle.flow.nodes.len();
        for seq in 0..=run.last_seq() + 1 {
            assert_eq!(
                run.node_frames_at(seq),
                node_frames(&run.attempts, &run.bundle.trace, nodes, seq),
                "seq {seq}"
            );
        }
    }
}
