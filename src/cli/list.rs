//! `reel list [DIR] [--json]`: the runs of a folder, newest first (the
//! caller has checked that the folder exists).

use std::path::Path;

use serde_json::json;

use super::errors::{from_resolve, Origin};
use super::format::{clean, pad};
use super::{CliResult, EXIT_OK};
use crate::model::discovery::list_runs;
use crate::model::Run;
use crate::sanitize::json::to_line;

pub fn run(dir: &Path, json: bool) -> CliResult {
    super::recover(dir);
    let mut out = String::new();
    let result = render(&mut out, dir, json);
    super::emit(&out);
    result
}

fn render(out: &mut String, dir: &Path, json: bool) -> CliResult {
    let rows = list_runs(dir).map_err(|err| from_resolve(err, Origin::Given))?;
    let now = crate::bundle::timestamp::now_ms();
    let mut listed = Vec::new();
    for row in rows {
        match row {
            Ok(summary) => {
                // Attempt counts come from the trace index, the source of
                // truth (from its snapshot when the run was opened before).
                let row = match Run::open_with_snapshots(&summary.path) {
                    Ok(run) => Listed {
                        attempts: Some(run.attempts.len()),
                        state: run.state(now),
                        status: run.status(),
                        error: run.failure.as_ref().and_then(|f| f.error.clone()),
                    },
                    Err(_) => Listed {
                        attempts: None,
                        state: summary.status.clone(),
                        status: summary.status.clone(),
                        error: None,
                    },
                };
                listed.push((summary, row));
            }
            Err(err) => super::say(format_args!("skipped {}", clean(&err.to_string(), 300))),
        }
    }
    if json {
        let array: Vec<_> = listed
            .iter()
            .map(|(s, row)| {
                let mut entry = json!({
                    "runId": s.run_id, "title": s.title, "flowName": s.flow_name,
                    "status": row.status, "state": row.state,
                    "startedAt": s.started_at, "finishedAt": s.finished_at,
                    "attempts": row.attempts, "path": s.path, "lineage": s.lineage,
                });
                if let Some(error) = &row.error {
                    entry["error"] = json!(error);
                }
                entry
            })
            .collect();
        outln!(out, "{}", to_line(&serde_json::Value::Array(array)));
        return Ok(EXIT_OK);
    }
    if listed.is_empty() {
        outln!(out, "no runs in {}", super::format::path(dir));
        return Ok(EXIT_OK);
    }
    outln!(out, "{}", super::format::path(dir));
    for (s, row) in &listed {
        let suffix = s.run_id.rsplit('-').next().unwrap_or("");
        let attempts = row.attempts.map_or("? steps".to_string(), |n| {
            crate::humanize::plural(n, "step")
        });
        // Why it failed, after its title.
        let error = row
            .error
            .as_ref()
            .map(|e| format!("  ✗ {}", clean(e, 80)))
            .unwrap_or_default();
        outln!(
            out,
            "  {}  {}  {}  {:>11}  {}{error}",
            pad(&clean(suffix, 8), 8),
            pad(&clean(&row.state, 9), 9),
            pad(&clean(s.began_at().unwrap_or(""), 24), 24),
            attempts,
            clean(&s.display_title(), 80),
        );
    }
    Ok(EXIT_OK)
}

/// What `list` says of one run beyond its manifest.
struct Listed {
    attempts: Option<usize>,
    /// The trace's word on the status.
    status: String,
    /// The status as a person should read it now (`stale` for a run whose
    /// writer is silent: `model::liveness`).
    state: String,
    error: Option<String>,
}
