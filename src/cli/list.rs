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
    let mut listed = Vec::new();
    for row in rows {
        match row {
            Ok(summary) => {
                // Attempt counts come from the trace index, the source of truth.
                let (attempts, status) = match Run::open(&summary.path) {
                    Ok(run) => (Some(run.attempts.len()), run.status()),
                    Err(_) => (None, summary.status.clone()),
                };
                listed.push((summary, attempts, status));
            }
            Err(err) => super::say(format_args!("skipped {}", clean(&err.to_string(), 300))),
        }
    }
    if json {
        let array: Vec<_> = listed
            .iter()
            .map(|(s, attempts, status)| {
                json!({
                    "runId": s.run_id, "title": s.title, "flowName": s.flow_name, "status": status,
                    "startedAt": s.started_at, "finishedAt": s.finished_at, "attempts": attempts,
                    "path": s.path, "lineage": s.lineage,
                })
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
    for (s, attempts, status) in &listed {
        let suffix = s.run_id.rsplit('-').next().unwrap_or("");
        let attempts = attempts.map_or("? steps".to_string(), |n| {
            crate::humanize::plural(n, "step")
        });
        outln!(
            out,
            "  {}  {}  {}  {:>11}  {}",
            pad(&clean(suffix, 8), 8),
            pad(&clean(status, 9), 9),
            pad(&clean(s.began_at().unwrap_or(""), 24), 24),
            attempts,
            clean(&s.display_title(), 80),
        );
    }
    Ok(EXIT_OK)
}
