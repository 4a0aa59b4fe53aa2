//! The cut: a complete acpx v1 bundle holding a run's history up to and
//! including one attempt. Fork writes it as a new run; rewind writes it
//! beside the run and swaps it in.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::Result;
use crate::model::Run;

/// What the cut is for; decides the closing trace event and the manifest.
#[derive(Debug, Clone, PartialEq)]
pub enum CutKind {
    /// A new run: a `run_forked` event and a `lineage` object in the manifest.
    Fork {
        label: Option<String>,
        /// A JSON merge patch (RFC 7396) applied to the run input.
        input_patch: Option<Value>,
        sandbox: bool,
    },
    /// The same run, rolled back: a `run_rewound` event.
    Rewind { op_id: String },
}

pub struct CutRequest<'a> {
    pub run: &'a Run,
    /// Position of the last kept attempt in `run.attempts`.
    pub attempt: usize,
    /// The run id of the written bundle (the source's own for a rewind).
    pub run_id: String,
    pub kind: CutKind,
    pub now_ms: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CutSummary {
    pub run_id: String,
    pub dir: PathBuf,
    pub kept_attempts: usize,
    pub trace_events: usize,
    /// The node that would run next, by the flow's edges.
    pub next_node: Option<String>,
    pub artifacts: usize,
}

/// Writes the cut bundle into `dest`, which must not exist yet. Every file is
/// complete and synced to disk when this returns.
pub fn write_cut(request: &CutRequest, dest: &Path) -> Result<CutSummary> {
    let _ = (request, dest);
    Err(super::TimeTravelError::Invalid(
        "cut: not written yet".to_string(),
    ))
}
