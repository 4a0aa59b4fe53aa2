//! `reel audit [DIR]`: the log of rewinds and undos in a runs directory,
//! after finishing any operation that was interrupted.

use std::path::Path;

use super::format::{clean, pad};
use super::{CliError, CliResult, EXIT_OK};
use crate::timetravel::{audit, recovery};

/// `runs_dir` exists (the caller checked, with the words every command uses).
pub fn run(runs_dir: &Path, json: bool) -> CliResult {
    let recovered = recovery::recover(runs_dir).map_err(CliError::failure)?;
    let records = audit::read_all(runs_dir).map_err(CliError::failure)?;
    let mut out = String::new();
    if json {
        outln!(
            out,
            "{}",
            crate::sanitize::json::to_line(
                &serde_json::json!({"records": records, "recovered": recovered.len()})
            )
        );
    } else if records.is_empty() {
        outln!(
            out,
            "no rewinds or undos in {}",
            super::format::path(runs_dir)
        );
    } else {
        for r in &records {
            let state = serde_json::to_value(r.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            outln!(
                out,
                "{}  {}  {}  {}  {}  {}",
                clean(&r.at, 24),
                pad(&clean(&r.op, 6), 6),
                pad(&state, 11),
                clean(&r.run_id, 60),
                clean(r.attempt_id.as_deref().unwrap_or(""), 30),
                clean(r.detail.as_deref().unwrap_or(""), 60),
            );
        }
    }
    for r in &recovered {
        super::say(clean(&r.describe(), 300));
    }
    super::emit(&out);
    Ok(EXIT_OK)
}
