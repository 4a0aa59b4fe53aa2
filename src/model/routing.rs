//! Which node runs after an attempt: the flow's edges and switches
//! evaluated on the recorded outcome, output and result, as acpx's
//! `resolveNextNode` does (FORMAT.md §4). Fork, preview and resume all ask.

use serde_json::{Map, Value};

use crate::bundle::timestamp::format_iso_millis;
use crate::bundle::{FlowDefinition, FlowEdge, FlowNode, Outcome};
use crate::model::{output_of_payload, Attempt, Run};

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
    result.insert(
        "startedAt".into(),
        time(attempt.started_ms(&run.bundle.trace)),
    );
    result.insert(
        "finishedAt".into(),
        time(attempt.finished_ms(&run.bundle.trace)),
    );
    if let Some(ms) = attempt.duration_ms(&run.bundle.trace) {
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
pub fn reachable(flow: &FlowDefinition, start: &str) -> Vec<String> {
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

/// What running `node` again does to the outside world, if anything: an
/// ACP prompt reaches an agent, a shell action runs a command.
pub fn side_effects(node: Option<&FlowNode>) -> Option<&'static str> {
    match node.map(|n| n.node_type.as_str()) {
        Some("acp" | "decision") => Some("ACP prompt"),
        Some("action") if node.and_then(|n| n.action_execution()) == Some("shell") => {
            Some("shell command")
        }
        _ => None,
    }
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
