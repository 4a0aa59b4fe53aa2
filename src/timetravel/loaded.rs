//! A run that an operation reads, loaded once: either opened by the
//! operation itself (under its lock) or handed in by a caller that already
//! has it on screen, and then used only if the files on disk are still what
//! was indexed. Indexing is the dominant cost of fork, rewind and undo on a
//! long run, so none of them indexes the same run twice.

use std::ops::Deref;
use std::path::Path;

use serde_json::Value;

use super::Result;
use crate::model::Run;

/// A run borrowed from the caller or opened here.
pub enum LoadedRun<'r> {
    Borrowed(&'r Run),
    Opened(Box<Run>),
}

impl Deref for LoadedRun<'_> {
    type Target = Run;

    fn deref(&self) -> &Run {
        match self {
            LoadedRun::Borrowed(run) => run,
            LoadedRun::Opened(run) => run,
        }
    }
}

impl<'r> LoadedRun<'r> {
    /// `given` when it still describes the bundle in `dir`, else `dir`
    /// opened afresh.
    pub fn reuse_or_open(given: Option<&'r Run>, dir: &Path) -> Result<LoadedRun<'r>> {
        match given {
            Some(run) if same_folder(run, dir) && still_current(run) => {
                Ok(LoadedRun::Borrowed(run))
            }
            _ => Ok(LoadedRun::Opened(Box::new(Run::open(dir)?))),
        }
    }
}

fn same_folder(run: &Run, dir: &Path) -> bool {
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    canonical(&run.bundle.root).is_some_and(|a| Some(a) == canonical(dir))
}

/// Whether the files of `run` are still what was indexed: the same
/// manifest, a trace exactly as long as its indexed lines, and the last
/// indexed line still the same event (the check the live refresh makes).
/// Any rewind, undo or resume since changes the manifest (its `rewound`,
/// its status) or the trace.
pub fn still_current(run: &Run) -> bool {
    let bundle = &run.bundle;
    let manifest = bundle.read_json::<crate::bundle::Manifest>(&bundle.paths.manifest);
    let loaded = serde_json::to_value(&bundle.manifest).ok();
    let manifest_same = manifest
        .ok()
        .and_then(|m| serde_json::to_value(m).ok())
        .is_some_and(|m| Some(m) == loaded);
    let trace_len = bundle.open_file(&bundle.paths.trace).map(|(_, m)| m.len());
    let complete = trace_len.is_ok_and(|len| len == bundle.trace.scan_position().offset);
    manifest_same && complete && last_event_same(run)
}

fn last_event_same(run: &Run) -> bool {
    let trace = &run.bundle.trace;
    let Some(last) = trace.entries().last() else {
        return true;
    };
    run.bundle.read_event(last).ok().is_some_and(|event| {
        event.get("seq").and_then(Value::as_u64) == Some(u64::from(last.seq))
            && event.get("type").and_then(Value::as_str) == Some(trace.type_name(trace.len() - 1))
    })
}
