//! Diffs of two frames — of one run, of two runs, or of a fork against its
//! parent. A frame is (run, attempt position): the state at the end of that
//! attempt (its `seq_end`), exactly what `reel state` shows.
//!
//! The diff is a report, not a verdict: parts that cannot be read (a missing
//! output artifact …) are listed as problems instead of failing the whole
//! comparison, and such a diff is never called identical.

mod conversation;
mod json;
pub mod report;

use serde::Serialize;

use super::lineage::{read_extras, LineageRef};
use super::{Result, TimeTravelError};
use crate::model::{NodeFrame, Run};
use conversation::conversation_diff;
pub use conversation::{summarize, ConversationDiff, ItemDifference, ItemSummary};
use json::json_diff_opt;
pub use json::{json_diff, ChangeKind, JsonChange};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameDiff {
    pub a: FrameRef,
    pub b: FrameRef,
    /// No difference found anywhere, and nothing left uncompared.
    pub identical: bool,
    /// The first step (walking both histories up to the shorter frame) where
    /// the attemptId, outcome or output differ; `None` when one history is a
    /// prefix of the other.
    pub first_divergence: Option<Divergence>,
    /// How many leading steps both histories share.
    pub common_steps: usize,
    /// How the run input differs (`run.json` `input`): a fork made with an
    /// input patch differs from its parent here even at the fork point.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub input: Vec<JsonChange>,
    pub nodes: Vec<NodeChange>,
    pub outputs: Vec<OutputChange>,
    pub conversation: ConversationDiff,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

impl FrameDiff {
    /// Everything matches but the run input: a fork made with an input
    /// patch, at its fork point.
    pub fn differs_only_in_input(&self) -> bool {
        !self.input.is_empty()
            && self.first_divergence.is_none()
            && self.nodes.is_empty()
            && self.outputs.is_empty()
            && !self.conversation.differs
            && self.problems.is_empty()
    }
}

/// Which frame a side of the diff is.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameRef {
    pub run_id: String,
    pub attempt_id: String,
    /// 1-based step number of the attempt.
    pub step: usize,
    pub steps: usize,
    pub seq: u32,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Divergence {
    pub step: usize,
    pub a: String,
    pub b: String,
    pub a_outcome: String,
    pub b_outcome: String,
    /// What differs: `attemptId`, `outcome`, `output`.
    pub reasons: Vec<&'static str>,
    /// The structural diff of the two attempts' outputs, when they differ.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub output_changes: Vec<JsonChange>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeState {
    pub state: &'static str,
    pub attempts: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct NodeChange {
    pub id: String,
    pub a: NodeState,
    pub b: NodeState,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutputChange {
    pub node: String,
    pub changes: Vec<JsonChange>,
}

/// A fork against its parent: at the fork point (which must be identical
/// apart from ids) and after it (each run's last step). `a` is the parent.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ParentDiff {
    pub lineage: LineageRef,
    pub at_fork: FrameDiff,
    pub after: FrameDiff,
}

/// Diffs frame `a_attempt` of `a` against frame `b_attempt` of `b`
/// (positions in `Run::attempts`; both must be in range).
pub fn diff_frames(a: &Run, a_attempt: usize, b: &Run, b_attempt: usize) -> FrameDiff {
    let mut problems = Vec::new();
    let (a_seq, b_seq) = (
        a.attempts[a_attempt].seq_end(&a.bundle.trace),
        b.attempts[b_attempt].seq_end(&b.bundle.trace),
    );
    let (first_divergence, common_steps) = divergence(a, a_attempt, b, b_attempt, &mut problems);
    let input = input_changes(a, b, &mut problems);
    let nodes = node_changes(a, a_seq, b, b_seq);
    let outputs = output_changes(a, a_seq, b, b_seq, &mut problems);
    let conversation = conversation_diff(a, a_attempt, b, b_attempt, &mut problems);
    let identical = first_divergence.is_none()
        && input.is_empty()
        && nodes.is_empty()
        && outputs.is_empty()
        && !conversation.differs
        && problems.is_empty();
    FrameDiff {
        a: frame_ref(a, a_attempt),
        b: frame_ref(b, b_attempt),
        identical,
        first_divergence,
        common_steps,
        input,
        nodes,
        outputs,
        conversation,
        problems,
    }
}

/// Diffs a fork against its parent. The fork point is found by the
/// lineage's attemptId (else its seq) in the parent; the fork's step at the
/// same position should be the same attempt. Fails when `fork` has no
/// lineage or the parent lacks the attempt it names.
pub fn diff_against_parent(fork: &Run, parent: &Run) -> Result<ParentDiff> {
    let extras = read_extras(&fork.bundle.root)?;
    let lineage = extras.lineage.ok_or_else(|| {
        TimeTravelError::Invalid(format!("run {} is not a fork (no lineage)", fork.run_id()))
    })?;
    let by_id = lineage
        .attempt_id
        .as_deref()
        .and_then(|id| parent.find_attempt(id));
    let by_seq = || {
        let seq = lineage.seq?;
        parent
            .attempts
            .iter()
            .position(|a| a.seq_end(&parent.bundle.trace) == seq)
    };
    let point = by_id.or_else(by_seq).ok_or_else(|| {
        let named = match (&lineage.attempt_id, lineage.seq) {
            (None, None) => return missing_point(fork, "its lineage names no attempt"),
            (Some(id), Some(seq)) => format!("{id} (seq {seq})"),
            (Some(id), None) => id.clone(),
            (None, Some(seq)) => format!("seq {seq}"),
        };
        missing_point(
            fork,
            &format!("parent {} has no attempt {named}", parent.run_id()),
        )
    })?;
    let (Some(fork_last), Some(parent_last)) = (
        fork.attempts.len().checked_sub(1),
        parent.attempts.len().checked_sub(1),
    ) else {
        return Err(TimeTravelError::Invalid(format!(
            "fork {} has no steps",
            fork.run_id()
        )));
    };
    // A fork rewound to before its fork point no longer has that step: its
    // last step stands in, and the diff shows what is gone.
    let at_fork = diff_frames(parent, point, fork, point.min(fork_last));
    let after = diff_frames(parent, parent_last, fork, fork_last);
    Ok(ParentDiff {
        lineage,
        at_fork,
        after,
    })
}

fn missing_point(fork: &Run, why: &str) -> TimeTravelError {
    TimeTravelError::Invalid(format!(
        "cannot find the fork point of {}: {why}",
        fork.run_id()
    ))
}

fn frame_ref(run: &Run, position: usize) -> FrameRef {
    let attempt = &run.attempts[position];
    FrameRef {
        run_id: run.run_id(),
        attempt_id: run.attempt_id(attempt).to_string(),
        step: position + 1,
        steps: run.attempts.len(),
        seq: attempt.seq_end(&run.bundle.trace),
    }
}

/// Walks both histories from step 1 up to the shorter frame.
fn divergence(
    a: &Run,
    a_end: usize,
    b: &Run,
    b_end: usize,
    problems: &mut Vec<String>,
) -> (Option<Divergence>, usize) {
    for step in 0..=a_end.min(b_end) {
        let (x, y) = (&a.attempts[step], &b.attempts[step]);
        let (x_id, y_id) = (a.attempt_id(x), b.attempt_id(y));
        let mut reasons = Vec::new();
        if x_id != y_id {
            reasons.push("attemptId");
        }
        if x.outcome != y.outcome {
            reasons.push("outcome");
        }
        let mut output_changes = Vec::new();
        match (a.attempt_output(x), b.attempt_output(y)) {
            (Ok(p), Ok(q)) => {
                output_changes = json_diff_opt(p.as_ref(), q.as_ref());
                if !output_changes.is_empty() {
                    reasons.push("output");
                }
            }
            (p, q) => {
                for err in [p.err(), q.err()].into_iter().flatten() {
                    problems.push(format!("output of step {}: {err}", step + 1));
                }
            }
        }
        if !reasons.is_empty() {
            let found = Divergence {
                step: step + 1,
                a: x_id.to_string(),
                b: y_id.to_string(),
                a_outcome: x.outcome.name().to_string(),
                b_outcome: y.outcome.name().to_string(),
                reasons,
                output_changes,
            };
            return (Some(found), step);
        }
    }
    (None, a_end.min(b_end) + 1)
}

/// Node ids of both flows (a's order, then b's extras), where the state or
/// attempt count differs.
fn node_changes(a: &Run, a_seq: u32, b: &Run, b_seq: u32) -> Vec<NodeChange> {
    let state = |run: &Run, frames: &[NodeFrame], id: &str| {
        let frame = run
            .bundle
            .flow
            .node_position(id)
            .and_then(|i| frames.get(i));
        frame.map_or(
            NodeState {
                state: "not_visited",
                attempts: 0,
            },
            |f| NodeState {
                state: f.status.name(),
                attempts: f.attempts,
            },
        )
    };
    let (a_frames, b_frames) = (a.node_frames_at(a_seq), b.node_frames_at(b_seq));
    let mut ids: Vec<&str> = a.bundle.flow.nodes.iter().map(|n| n.id.as_str()).collect();
    for node in &b.bundle.flow.nodes {
        if !ids.contains(&node.id.as_str()) {
            ids.push(&node.id);
        }
    }
    ids.into_iter()
        .filter_map(|id| {
            let (x, y) = (state(a, &a_frames, id), state(b, &b_frames, id));
            (x != y).then(|| NodeChange {
                id: id.to_string(),
                a: x,
                b: y,
            })
        })
        .collect()
}

/// The run inputs compared; an unreadable `run.json` is a problem, an
/// absent one (or no `input` in it) compares as no input.
fn input_changes(a: &Run, b: &Run, problems: &mut Vec<String>) -> Vec<JsonChange> {
    let mut input_of = |run: &Run| {
        let bundle = &run.bundle;
        match bundle.read_projection_field(&bundle.paths.run_projection, "input") {
            Ok(input) => Some(input),
            Err(err) => {
                problems.push(format!("input of {}: {err}", run.run_id()));
                None
            }
        }
    };
    match (input_of(a), input_of(b)) {
        (Some(x), Some(y)) => json_diff_opt(x.as_ref(), y.as_ref()),
        _ => Vec::new(),
    }
}

fn output_changes(
    a: &Run,
    a_seq: u32,
    b: &Run,
    b_seq: u32,
    problems: &mut Vec<String>,
) -> Vec<OutputChange> {
    let (a_out, b_out) = (a.outputs_at(a_seq), b.outputs_at(b_seq));
    let mut ids: Vec<&str> = a_out.iter().map(|(id, _)| id.as_str()).collect();
    for (id, _) in &b_out {
        if !ids.contains(&id.as_str()) {
            ids.push(id);
        }
    }
    let find = |outputs: &'_ [(String, _)], id: &str| outputs.iter().position(|(n, _)| n == id);
    let mut changes = Vec::new();
    for id in ids {
        let x = find(&a_out, id).map(|i| &a_out[i].1);
        let y = find(&b_out, id).map(|i| &b_out[i].1);
        let (x, y) = match (x, y) {
            (Some(Err(err)), _) | (_, Some(Err(err))) => {
                problems.push(format!("output of {id}: {err}"));
                continue;
            }
            (x, y) => (
                x.and_then(|r| r.as_ref().ok()),
                y.and_then(|r| r.as_ref().ok()),
            ),
        };
        let diff = json_diff_opt(x, y);
        if !diff.is_empty() {
            changes.push(OutputChange {
                node: id.to_string(),
                changes: diff,
            });
        }
    }
    changes
}
