//! What a fork at an attempt would keep, which node would run next, and which
//! nodes could run again with side effects: shown before anything is written,
//! because re-running an ACP prompt or a shell command is not free.
//!
//! The next node follows the flow's edges as acpx does (FORMAT.md §4).

use serde::Serialize;
use serde_json::{Map, Value};

use crate::bundle::timestamp::format_iso_millis;
use crate::bundle::{FlowDefinition, FlowEdge, Outcome};
use crate::model::{output_of_payload, Attempt, Run};

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

/// The preview of a cut after `attempt` (a position in `run.attempts`).
pub fn preview(run: &Run, attempt: usize) -> ForkPreview {
    let kept = run
        .attempts
        .iter()
        .take(attempt.saturating_add(1))
        .map(|a| run.attempt_id(a).to_string())
        .collect();
    let next = next_node(run, attempt);
    let flow = &run.bundle.flow;
    let rerun = next
        .as_deref()
        .map(|start| reachable(flow, start))
        .unwrap_or_default()
        .into_iter()
        .map(|id| {
            let node = flow.node(&id);
            let node_type = node.map_or("unknown", |n| n.node_type.as_str());
            let side_effects = match node_type {
                "acp" | "decision" => Some("ACP prompt"),
                "action" if node.and_then(|n| n.action_execution()) == Some("shell") => {
                    Some("shell command")
                }
                _ => None,
            };
            RerunNode {
                node_type: node_type.to_string(),
                side_effects,
                id,
            }
        })
        .collect();
    ForkPreview {
        kept,
        next_node: next,
        rerun,
        cut_seq: run.attempts.get(attempt).map_or(0, |a| a.seq_end),
    }
}

/// The node that would run after `attempt`, by the flow's edges:
///
/// * an attempt without an outcome (interrupted, or still running) never
///   finished, so its own node runs again;
/// * after `ok`, a direct edge leads to its `to`, a switch to the case its
///   `on` path selects (in the output, or in the result with `$result.`);
///   a checkpoint is no exception: resuming after it takes its edge;
/// * after any other outcome only a `$result.` switch is followed (the run
///   fails otherwise), and a node without an edge is terminal.
pub fn next_node(run: &Run, attempt: usize) -> Option<String> {
    let attempt = run.attempts.get(attempt)?;
    let node = run.node_id(attempt);
    if !attempt.is_finished() {
        return Some(node.to_string());
    }
    match run.bundle.flow.edge_from(node)? {
        FlowEdge::Direct { to, .. } => (attempt.outcome == Outcome::Ok).then(|| to.clone()),
        FlowEdge::Switch { on, cases, .. } => {
            let (root, path) = split_path(on)?;
            if attempt.outcome != Outcome::Ok && root != PathRoot::Result {
                return None;
            }
            let payload = run.outcome_payload(attempt).ok().flatten();
            let output = payload
                .as_ref()
                .and_then(|p| output_of_payload(&run.bundle, p).ok().flatten());
            let value = match root {
                PathRoot::Output => lookup(output.as_ref()?, &path)?.clone(),
                PathRoot::Result => {
                    let result = result_object(run, attempt, payload.as_ref(), output);
                    lookup(&result, &path)?.clone()
                }
            };
            let key = case_key(&value)?;
            cases
                .iter()
                .find(|(case, _)| *case == key)
                .map(|(_, to)| to.clone())
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PathRoot {
    Output,
    Result,
}

/// `$.a.b` / `$output.a.b` → (Output, [a, b]); `$result.outcome` →
/// (Result, [outcome]). Anything else is not a path acpx understands.
fn split_path(on: &str) -> Option<(PathRoot, Vec<&str>)> {
    let (root, rest) = if let Some(rest) = on.strip_prefix("$result") {
        (PathRoot::Result, rest)
    } else if let Some(rest) = on.strip_prefix("$output") {
        (PathRoot::Output, rest)
    } else {
        (PathRoot::Output, on.strip_prefix('$')?)
    };
    if rest.is_empty() {
        return Some((root, Vec::new()));
    }
    let rest = rest.strip_prefix('.')?;
    Some((root, rest.split('.').collect()))
}

fn lookup<'v>(value: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter()
        .try_fold(value, |current, segment| match current {
            Value::Object(map) => map.get(*segment),
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?),
            _ => None,
        })
}

/// The case a value selects: scalars stringified as JavaScript's `String()`
/// does; objects, arrays and missing values select nothing.
fn case_key(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some("null".to_string()),
        Value::Number(n) => Some(match n.as_f64() {
            Some(f) if n.is_f64() && f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 => {
                format!("{}", f as i64)
            }
            _ => n.to_string(),
        }),
        Value::Object(_) | Value::Array(_) => None,
    }
}

/// The `FlowNodeResult` a `$result.` path reads: `{attemptId, nodeId,
/// nodeType, outcome, startedAt, finishedAt, durationMs, output?, error?}`.
fn result_object(
    run: &Run,
    attempt: &Attempt,
    payload: Option<&Value>,
    output: Option<Value>,
) -> Value {
    let mut result = Map::new();
    let text = |s: &str| Value::String(s.to_string());
    result.insert("attemptId".into(), text(run.attempt_id(attempt)));
    result.insert("nodeId".into(), text(run.node_id(attempt)));
    let node_type = payload
        .and_then(|p| p.get("nodeType").or_else(|| p.get("kind")))
        .and_then(Value::as_str)
        .unwrap_or_else(|| run.node_type(attempt));
    result.insert("nodeType".into(), text(node_type));
    result.insert("outcome".into(), text(attempt.outcome.name()));
    let time = |ms: Option<i64>| ms.map_or(Value::Null, |ms| Value::String(format_iso_millis(ms)));
    result.insert("startedAt".into(), time(attempt.started_ms));
    result.insert("finishedAt".into(), time(attempt.finished_ms));
    if let Some(ms) = attempt.duration_ms {
        result.insert("durationMs".into(), Value::from(ms));
    }
    if let Some(output) = output {
        result.insert("output".into(), output);
    }
    if let Some(error) = payload
        .and_then(|p| p.get("error"))
        .filter(|e| e.is_string())
    {
        result.insert("error".into(), error.clone());
    }
    Value::Object(result)
}

/// Every node reachable from `start` along any edge (all switch cases), in
/// flow order; ids the flow does not define come last.
fn reachable(flow: &FlowDefinition, start: &str) -> Vec<String> {
    let mut seen: Vec<String> = vec![start.to_string()];
    let mut next = 0;
    while next < seen.len() {
        let from = seen[next].clone();
        next += 1;
        for edge in flow.edges.iter().filter(|e| e.from() == from) {
            for target in edge.targets() {
                if !seen.iter().any(|s| s == target) {
                    seen.push(target.to_string());
                }
            }
        }
    }
    seen.sort_by_key(|id| flow.node_position(id).unwrap_or(usize::MAX));
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn sample(name: &str) -> Run {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("sample-runs")
            .join(name);
        Run::open(&dir).expect("sample run")
    }

    fn next_after(run: &Run, attempt_id: &str) -> Option<String> {
        let position = run.find_attempt(attempt_id).expect(attempt_id);
        next_node(run, position)
    }

    #[test]
    fn next_node_follows_direct_and_switch_edges() {
        let run = sample("2026-11-23T163116156Z-gen-branching-review-432a4eb8");
        let cases = [
            ("load_input#1", Some("classify")),
            ("classify#1", Some("review_loop")),
            ("decide_more#1", Some("review_loop")),
            ("decide_more#2", Some("run_checks")),
            ("run_checks#1", Some("summarize")),
            ("finalize#1", None),
        ];
        for (attempt, expected) in cases {
            assert_eq!(next_after(&run, attempt).as_deref(), expected, "{attempt}");
        }
    }

    #[test]
    fn next_node_after_failures_checkpoints_and_interrupts() {
        let recovered = sample("2026-11-23T163147648Z-gen-recovered-failure-2fd039a3");
        assert_eq!(
            next_after(&recovered, "flaky_step#1").as_deref(),
            Some("recover")
        );
        let failed = sample("2026-11-23T163143896Z-gen-acp-failure-9da6629a");
        assert_eq!(
            next_after(&failed, "ask#1"),
            None,
            "a direct edge is not taken after a failure"
        );
        let timed_out = sample("2026-11-23T163158334Z-gen-timeout-shell-a87b05a6");
        assert_eq!(next_after(&timed_out, "slow_shell#1"), None);
        let waiting = sample("2026-11-23T173739237Z-gen-branching-review-36d6dd35");
        assert_eq!(
            next_after(&waiting, "classify#1").as_deref(),
            Some("wait_for_human")
        );
        assert_eq!(
            next_after(&waiting, "wait_for_human#1").as_deref(),
            Some("finalize")
        );
        let interrupted = sample("2026-11-23T174148285Z-gen-interrupted-9c48dd6b");
        assert_eq!(
            next_after(&interrupted, "long_agent#1").as_deref(),
            Some("long_agent")
        );
    }

    #[test]
    fn preview_lists_reruns_with_side_effects() {
        let run = sample("2026-11-23T163116156Z-gen-branching-review-432a4eb8");
        let position = run.find_attempt("classify#1").expect("classify#1");
        let shown = preview(&run, position);
        assert_eq!(shown.kept, ["load_input#1", "classify#1"]);
        assert_eq!(shown.next_node.as_deref(), Some("review_loop"));
        assert_eq!(shown.cut_seq, run.attempts[position].seq_end);
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

    #[test]
    fn paths_and_case_keys() {
        assert_eq!(
            split_path("$.a.b"),
            Some((PathRoot::Output, vec!["a", "b"]))
        );
        assert_eq!(
            split_path("$output.route"),
            Some((PathRoot::Output, vec!["route"]))
        );
        assert_eq!(
            split_path("$result.outcome"),
            Some((PathRoot::Result, vec!["outcome"]))
        );
        assert_eq!(split_path("$"), Some((PathRoot::Output, vec![])));
        assert_eq!(split_path("route"), None);
        assert_eq!(split_path("$resultx"), None);
        let value = serde_json::json!({"a": [{"b": 2.0}, true], "n": null});
        assert_eq!(
            lookup(&value, &["a", "0", "b"])
                .and_then(case_key)
                .as_deref(),
            Some("2")
        );
        assert_eq!(
            lookup(&value, &["a", "1"]).and_then(case_key).as_deref(),
            Some("true")
        );
        assert_eq!(
            lookup(&value, &["n"]).and_then(case_key).as_deref(),
            Some("null")
        );
        assert_eq!(lookup(&value, &["a"]).and_then(case_key), None);
        assert_eq!(lookup(&value, &["missing"]), None);
    }
}
