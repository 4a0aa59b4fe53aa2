//! What a fork at an attempt would keep, which node would run next, and which
//! nodes could run again with side effects: shown before anything is written,
//! because re-running an ACP prompt or a shell command is not free.
//!
//! The next node is `model::routing`'s answer.

use serde::Serialize;

use crate::bundle::FlowDefinition;
use crate::model::routing::{next_node, reachable, side_effects};
use crate::model::Run;

/// A fork preview (`reel fork --preview --json` prints it as is).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ForkPreview {
    /// attemptIds of the attempts the fork keeps, in trace order.
    pub kept: Vec<String>,
    /// The node that would run next, by the flow's edges.
    pub next_node: Option<String>,
    /// Every node reachable from `next_node` (itself included), in flow order.
    pub rerun: Vec<RerunNode>,
    /// The seq of the last kept event (the attempt's outcome).
    pub cut_seq: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RerunNode {
    pub id: String,
    pub node_type: String,
    /// What re-running the node does to the outside world, if anything.
    pub side_effects: Option<&'static str>,
}

/// Every node that can run from `start`, with what running it does.
pub fn reruns_from(flow: &FlowDefinition, start: &str) -> Vec<RerunNode> {
    reachable(flow, start)
        .into_iter()
        .map(|id| {
            let node = flow.node(&id);
            RerunNode {
                node_type: node.map_or("unknown", |n| n.node_type.as_str()).to_string(),
                side_effects: side_effects(node),
                id,
            }
        })
        .collect()
}

/// The preview of a cut after `attempt` (a position in `run.attempts`).
pub fn preview(run: &Run, attempt: usize) -> ForkPreview {
    let kept = run
        .attempts
        .iter()
        .take(attempt.saturating_add(1))
        .map(|a| run.attempt_id(a).to_string())
        .collect();
    let next = next_node(run, attempt);
    let rerun = next
        .as_deref()
        .map(|start| reruns_from(&run.bundle.flow, start))
        .unwrap_or_default();
    ForkPreview {
        kept,
        next_node: next,
        rerun,
        cut_seq: run
            .attempts
            .get(attempt)
            .map_or(0, |a| a.seq_end(&run.bundle.trace)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::path::Path;

    fn sample(name: &str) -> Run {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("sample-runs")
            .join(name);
        Run::open(&dir).expect("sample run")
    }

    #[test]
    fn preview_lists_reruns_with_side_effects() {
        let run = sample("2026-11-23T163116156Z-gen-branching-review-432a4eb8");
        let position = run.find_attempt("classify#1").expect("classify#1");
        let shown = preview(&run, position);
        assert_eq!(shown.kept, ["load_input#1", "classify#1"]);
        assert_eq!(shown.next_node.as_deref(), Some("review_loop"));
        assert_eq!(
            shown.cut_seq,
            run.attempts[position].seq_end(&run.bundle.trace)
        );
        let rerun: Vec<(&str, &str, Option<&str>)> = shown
            .rerun
            .iter()
            .map(|n| (n.id.as_str(), n.node_type.as_str(), n.side_effects))
            .collect();
        assert_eq!(
            rerun,
            [
                ("review_loop", "acp", Some("ACP prompt")),
                ("decide_more", "compute", None),
                ("run_checks", "action", Some("shell command")),
                ("summarize", "acp", Some("ACP prompt")),
                ("finalize", "compute", None),
            ]
        );
        let last = preview(&run, run.attempts.len() - 1);
        assert_eq!(last.next_node, None);
        assert!(last.rerun.is_empty());
        let json = serde_json::to_value(&shown).expect("json");
        assert_eq!(json["nextNode"], "review_loop");
        assert_eq!(json["rerun"][2]["sideEffects"], "shell command");
        assert_eq!(json["rerun"][1]["sideEffects"], Value::Null);
    }
}
