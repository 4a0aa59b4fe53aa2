//! Checking a bundle against the format: everything a reader relies on, with
//! each finding located by file and line. Tolerated quirks are warnings.

use std::collections::HashSet;
use std::path::Path;

mod lines;
mod ranges;

use super::error::{Problem, Severity};
use super::sha256::sha256_reader;
use super::{artifacts, check_json, safe_open, Bundle, EventKind, BUNDLE_SCHEMA};

/// The outcome of validating one bundle folder.
#[derive(Debug, serde::Serialize)]
pub struct Report {
    pub path: std::path::PathBuf,
    pub problems: Vec<Problem>,
}

impl Report {
    pub fn is_broken(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Error)
    }
}

pub fn validate_bundle(dir: &Path) -> Report {
    let mut problems = Vec::new();
    match Bundle::open(dir) {
        Ok(bundle) => check_opened(&bundle, &mut problems),
        Err(err) => problems.push(Problem::from_error(&err)),
    }
    Report {
        path: dir.to_path_buf(),
        problems,
    }
}

fn check_opened(bundle: &Bundle, problems: &mut Vec<Problem>) {
    problems.extend(bundle.warnings.iter().cloned());
    check_manifest(bundle, problems);
    check_flow(bundle, problems);
    check_trace(bundle, problems);
    check_projections(bundle, problems);
    check_sessions(bundle, problems);
    ranges::check_conversation_ranges(bundle, problems);
    lines::check_lines(bundle, problems);
    check_artifacts(bundle, problems);
}

fn check_manifest(bundle: &Bundle, problems: &mut Vec<Problem>) {
    let path = &bundle.paths.manifest;
    let manifest = &bundle.manifest;
    if manifest.schema.is_none() {
        problems.push(Problem::warning(
            path,
            None,
            format!("no `schema` (expected {BUNDLE_SCHEMA})"),
        ));
    }
    match &manifest.run_id {
        None => problems.push(Problem::warning(path, None, "no `runId`")),
        Some(id) => {
            if let Some(trace_id) = bundle.trace.run_id().filter(|t| t != id) {
                problems.push(Problem::warning(
                    &bundle.paths.trace,
                    Some(1),
                    format!("runId {trace_id:?} differs from the manifest's {id:?}"),
                ));
            }
        }
    }
    if manifest.status.is_none() {
        problems.push(Problem::warning(path, None, "no `status`"));
    }
}

fn check_flow(bundle: &Bundle, problems: &mut Vec<Problem>) {
    let flow = &bundle.flow;
    let path = &bundle.paths.flow;
    let ids: HashSet<&str> = flow.nodes.iter().map(|n| n.id.as_str()).collect();
    match flow.start_at.as_deref() {
        None => problems.push(Problem::warning(path, None, "no `startAt`")),
        Some(start) if !ids.contains(start) => problems.push(Problem::error(
            path,
            None,
            format!("startAt {start:?} is not a node"),
        )),
        Some(_) => {}
    }
    let mut seen_from = HashSet::new();
    for edge in &flow.edges {
        if !seen_from.insert(edge.from()) {
            problems.push(Problem::warning(
                path,
                None,
                format!("node {:?} has more than one outgoing edge", edge.from()),
            ));
        }
        for node in std::iter::once(edge.from()).chain(edge.targets()) {
            if !ids.contains(node) {
                problems.push(Problem::error(
                    path,
                    None,
                    format!("an edge names unknown node {node:?}"),
                ));
            }
        }
    }
    if !flow.unknown_edges.is_empty() {
        problems.push(Problem::warning(
            path,
            None,
            format!(
                "{} edge(s) of an unknown shape ignored",
                flow.unknown_edges.len()
            ),
        ));
    }
}

fn check_trace(bundle: &Bundle, problems: &mut Vec<Problem>) {
    let trace = &bundle.trace;
    let path = &bundle.paths.trace;
    let mut started = HashSet::new();
    for entry in trace.entries() {
        let attempt = entry.attempt.map(|s| trace.resolve(s));
        match (entry.kind, attempt) {
            (EventKind::NodeStarted, Some(id)) if !started.insert(id) => {
                problems.push(Problem::warning(
                    path,
                    None,
                    format!("seq {}: attempt {id:?} started twice", entry.seq),
                ))
            }
            (EventKind::NodeStarted | EventKind::NodeOutcome, None) => {
                problems.push(Problem::error(
                    path,
                    None,
                    format!(
                        "seq {}: {} without an attemptId",
                        entry.seq,
                        entry.kind.name()
                    ),
                ))
            }
            (EventKind::NodeOutcome, Some(id)) if !started.contains(id) => {
                problems.push(Problem::warning(
                    path,
                    None,
                    format!(
                        "seq {}: outcome of attempt {id:?}, which never started",
                        entry.seq
                    ),
                ))
            }
            _ => {}
        }
    }
    if trace.entries().first().map(|e| e.kind) != Some(EventKind::RunStarted) {
        problems.push(Problem::warning(
            path,
            Some(1),
            "the trace does not begin with run_started",
        ));
    }
}

fn check_projections(bundle: &Bundle, problems: &mut Vec<Problem>) {
    let paths = &bundle.paths;
    for path in [
        &paths.run_projection,
        &paths.live_projection,
        &paths.steps_projection,
    ] {
        match check_json(&bundle.root, path) {
            Err(err) if safe_open::is_absent(&err) => problems.push(Problem::warning(
                path,
                None,
                "missing (derived from the trace instead)",
            )),
            Err(err) => problems.push(Problem::from_error(&err)),
            Ok(()) => {}
        }
    }
}

fn check_sessions(bundle: &Bundle, problems: &mut Vec<Problem>) {
    for session in &bundle.sessions {
        if !session.in_manifest {
            problems.push(Problem::warning(
                &bundle.paths.manifest,
                None,
                format!("session {:?} is not listed in the manifest", session.id),
            ));
        }
        for path in [&session.binding, &session.record] {
            match check_json(&bundle.root, path) {
                Err(err) if !safe_open::is_absent(&err) => {
                    problems.push(Problem::from_error(&err));
                }
                _ => {}
            }
        }
        match safe_open::open(&bundle.root, &session.events) {
            Err(err) if safe_open::is_absent(&err) => problems.push(Problem::warning(
                &session.events,
                None,
                "missing: this session's conversation cannot be rebuilt",
            )),
            Err(err) => problems.push(Problem::from_error(&err)),
            Ok(_) => {
                if let Err(err) = session.index() {
                    problems.push(Problem::from_error(&err));
                }
            }
        }
    }
}

fn check_artifacts(bundle: &Bundle, problems: &mut Vec<Problem>) {
    let refs = match artifacts::referenced_in_trace(&bundle.root, &bundle.paths.trace) {
        Ok(refs) => refs,
        Err(err) => {
            problems.push(Problem::from_error(&err));
            return;
        }
    };
    for relative in refs {
        match bundle.resolve(&relative) {
            Ok(path) => match bundle.open_file(&path) {
                Err(err) if safe_open::is_absent(&err) => problems.push(Problem {
                    severity: Severity::Warning,
                    file: path,
                    line: None,
                    message: "referenced artifact is missing".to_string(),
                }),
                Err(err) => problems.push(Problem::from_error(&err)),
                Ok((file, _)) => check_artifact_hash(&path, file, problems),
            },
            Err(err) => problems.push(Problem::error(
                &bundle.paths.trace,
                None,
                format!("artifact reference: {err}"),
            )),
        }
    }
}

/// Artifacts are content-addressed (`sha256-<hex>.<ext>`): a file whose bytes
/// do not hash to its name was altered or truncated after acpx wrote it.
fn check_artifact_hash(path: &Path, file: std::fs::File, problems: &mut Vec<Problem>) {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let Some(expected) = name
        .strip_prefix("sha256-")
        .and_then(|rest| rest.split('.').next())
        .filter(|hex| hex.len() == 64)
    else {
        return;
    };
    match sha256_reader(file) {
        // Altered or truncated after acpx wrote it: what it holds is not
        // what the run recorded.
        Ok(actual) if actual != expected.to_ascii_lowercase() => problems.push(Problem::error(
            path,
            None,
            format!("content does not match its name (sha256 {actual})"),
        )),
        Ok(_) => {}
        Err(err) => problems.push(Problem::warning(path, None, format!("cannot read: {err}"))),
    }
}
