//! `reel show RUN [--json]`: the run, its nodes, attempts, sessions and
//! artifacts.

use serde_json::{json, Value};

use super::format::{clean, duration, pad, time_of_day};
use super::{CliError, CliResult, EXIT_OK};
use crate::bundle::artifacts::referenced_in_trace;
use crate::bundle::timestamp::format_iso_millis;
use crate::model::Run;
use crate::sanitize::json::to_line;

pub fn run(run: &Run, json: bool) -> CliResult {
    let mut out = String::new();
    let result = render(&mut out, run, json);
    super::emit(&out);
    result
}

fn render(out: &mut String, run: &Run, json: bool) -> CliResult {
    let document = show_json(run)?;
    if json {
        outln!(out, "{}", to_line(&document));
    } else {
        print_human(out, run, &document);
    }
    Ok(EXIT_OK)
}

/// The `show --json` document (its fields are a contract: see the README).
pub fn show_json(run: &Run) -> Result<Value, CliError> {
    let flow = &run.bundle.flow;
    let visited = run.visited_nodes();
    let nodes: Vec<Value> = flow
        .nodes
        .iter()
        .zip(&visited)
        .map(|(node, visited)| json!({"id": node.id, "nodeType": node.node_type, "visited": visited}))
        .collect();
    let attempts: Vec<Value> = run.attempts.iter().map(|a| attempt_json(run, a)).collect();
    let mut sessions = Vec::new();
    for session in &run.bundle.sessions {
        let events = session.index().map_err(CliError::failure)?.len();
        sessions.push(json!({"id": session.id, "handle": session.handle, "events": events}));
    }
    let refs = referenced_in_trace(&run.bundle.root, &run.bundle.paths.trace)
        .map_err(CliError::failure)?;
    let missing = refs
        .iter()
        .filter(|r| {
            run.bundle
                .resolve(r)
                .map_or(true, |p| run.bundle.open_file(&p).is_err())
        })
        .count();
    Ok(json!({
        "runId": run.run_id(),
        "flowName": run.flow_name(),
        "runTitle": run.bundle.manifest.run_title,
        "status": run.status(),
        "startedAt": run.started_at(),
        "finishedAt": run.finished_at(),
        "path": run.bundle.root,
        "traceEvents": run.bundle.trace.len(),
        "nodes": nodes,
        "attempts": attempts,
        "sessions": sessions,
        "artifacts": {"referenced": refs.len(), "missing": missing},
    }))
}

fn print_human(out: &mut String, run: &Run, doc: &Value) {
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).unwrap_or("").to_string();
    outln!(
        out,
        "{}  ({})",
        clean(run.title(), 100),
        clean(run.flow_name(), 60)
    );
    outln!(out, "run       {}", clean(&run.run_id(), 100));
    outln!(
        out,
        "status    {}   started {}   finished {}",
        clean(&run.status(), 20),
        clean(&text(doc, "startedAt"), 30),
        clean(&text(doc, "finishedAt"), 30),
    );
    let artifacts = &doc["artifacts"];
    outln!(
        out,
        "trace     {} events · {} attempts · {} sessions · {} artifacts ({} missing)",
        run.bundle.trace.len(),
        run.attempts.len(),
        run.bundle.sessions.len(),
        artifacts["referenced"],
        artifacts["missing"],
    );
    let frames = run.node_frames_at(run.last_seq());
    let nodes: Vec<String> = run
        .bundle
        .flow
        .nodes
        .iter()
        .zip(&frames)
        .map(|(node, frame)| {
            format!(
                "{} {}×{}",
                frame.status.glyph(),
                clean(&node.id, 40),
                frame.attempts
            )
        })
        .collect();
    outln!(out, "nodes     {}", nodes.join("  "));
    outln!(out);
    outln!(
        out,
        "   #  {}  {}  {}  {}  {}  session",
        pad("attempt", 22),
        pad("type", 10),
        pad("outcome", 9),
        pad("started", 12),
        pad("took", 7)
    );
    for (i, a) in run.attempts.iter().enumerate() {
        outln!(out, "{}", attempt_row(run, i, a));
    }
}

/// One entry of `attempts` in `show --json` (also `show --follow --json`).
pub fn attempt_json(run: &Run, a: &crate::model::Attempt) -> Value {
    json!({
        "attemptId": run.attempt_id(a),
        "nodeId": run.node_id(a),
        "nodeType": run.node_type(a),
        "outcome": a.outcome.name(),
        "startedAt": a.started_ms.map(format_iso_millis),
        "finishedAt": a.finished_ms.map(format_iso_millis),
        "durationMs": a.duration_ms,
        "seqStart": a.seq_start,
        "seqEnd": a.seq_end,
        "sessionId": run.session_id(a),
    })
}

/// One row of the attempt table (`show`, `show --follow`).
pub fn attempt_row(run: &Run, i: usize, a: &crate::model::Attempt) -> String {
    format!(
        "{:>4}  {}  {}  {}  {}  {}  {}",
        i + 1,
        pad(&clean(run.attempt_id(a), 22), 22),
        pad(&clean(run.node_type(a), 10), 10),
        pad(a.outcome.name(), 9),
        pad(
            &time_of_day(a.started_ms.map(format_iso_millis).as_deref()),
            12
        ),
        pad(&a.duration_ms.map(duration).unwrap_or_default(), 7),
        clean(run.session_id(a).unwrap_or(""), 40),
    )
}
