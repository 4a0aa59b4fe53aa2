//! Lineage: the forest of runs in a runs directory. A fork hangs under the
//! run named by its manifest's `lineage.parentRunId`; each run also lists
//! the backups rewind/undo kept of it (`.reel/backups/<runId>/<opId>/`).
//!
//! Built from manifests and a byte count of `node_started` and
//! `run_resumed` in each trace, never a full trace index, so a folder of
//! thousands of runs stays cheap. A run continued in place says where it
//! went on and how it ended.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Result, TimeTravelError};
use crate::bundle::folder_name;
use crate::model::discovery::is_reserved_name;

use super::layout::StateDirs;

mod scan;
pub use scan::{count_steps, scan as scan_trace, Continued, TraceScan};

/// `manifest.lineage` of a fork.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LineageRef {
    pub parent_run_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_patch: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<bool>,
}

impl LineageRef {
    /// Where the fork was cut and how it differs from a plain copy:
    /// `review#2 (seq 41) with the input patch {"topic":"x"}, not sandboxed`.
    /// Raw bundle text: callers sanitize it for the terminal.
    pub fn fork_point(&self) -> String {
        let attempt = self.attempt_id.as_deref().unwrap_or("?");
        let mut text = match self.seq {
            Some(seq) => format!("{attempt} (seq {seq})"),
            None => attempt.to_string(),
        };
        if let Some(patch) = &self.input_patch {
            // A patch from a manifest can be any size: its start says enough.
            let patch = crate::humanize::truncate(&patch.to_string(), 200);
            text.push_str(&format!(" with the input patch {patch}"));
        }
        if self.sandbox == Some(false) {
            text.push_str(", not sandboxed");
        }
        text
    }
}

/// `manifest.rewound` of a run rewound in place.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RewoundRef {
    #[serde(default)]
    pub op_id: Option<String>,
    #[serde(default)]
    pub attempt_id: Option<String>,
    #[serde(default)]
    pub seq: Option<u32>,
    #[serde(default)]
    pub at: Option<String>,
}

/// The manifest fields lineage needs, read leniently: a malformed `lineage`
/// or `rewound` object is treated as absent rather than failing the tree.
#[derive(Debug, Clone, Default)]
pub struct ManifestExtras {
    pub run_id: Option<String>,
    pub title: Option<String>,
    pub status: Option<String>,
    pub started_at: Option<String>,
    pub trace: Option<String>,
    /// `paths.liveProjection`.
    pub live_projection: Option<String>,
    pub lineage: Option<LineageRef>,
    pub rewound: Option<RewoundRef>,
}

/// Reads the manifest of the run in `dir`.
pub fn read_extras(dir: &Path) -> Result<ManifestExtras> {
    let value: Value = crate::bundle::read_json_as(dir, &dir.join("manifest.json"))?;
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_string);
    Ok(ManifestExtras {
        run_id: text("runId"),
        title: text("runTitle")
            .filter(|t| !t.trim().is_empty())
            .or_else(|| text("flowName")),
        status: text("status"),
        started_at: text("startedAt"),
        trace: value
            .pointer("/paths/trace")
            .and_then(Value::as_str)
            .map(str::to_string),
        live_projection: value
            .pointer("/paths/liveProjection")
            .and_then(Value::as_str)
            .map(str::to_string),
        lineage: lenient(&value, "lineage"),
        rewound: lenient(&value, "rewound"),
    })
}

fn lenient<T: serde::de::DeserializeOwned>(manifest: &Value, key: &str) -> Option<T> {
    serde_json::from_value(manifest.get(key)?.clone()).ok()
}

/// One run in the forest, with its forks (children) and backups.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LineageNode {
    pub run_id: String,
    pub title: String,
    pub status: String,
    /// The status as read now: `stale` for a run that says running but
    /// whose writer is silent (`model::liveness`).
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// Attempts (`node_started` events) in the trace, when it was readable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lineage: Option<LineageRef>,
    /// A fork whose parent is not in this runs directory.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub parent_missing: bool,
    /// Shown as a root because its lineage loops back on itself.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub lineage_cycle: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rewound: Option<RewoundRef>,
    /// Continued in place (its trace has `run_resumed`): where, how far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continued: Option<Continued>,
    /// Why the manifest could not be read (the run is listed anyway).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub backups: Vec<BackupInfo>,
    pub children: Vec<LineageNode>,
    #[serde(skip)]
    pub path: PathBuf,
}

/// A complete copy of a run as it was before one rewind or undo.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupInfo {
    pub op_id: String,
    /// `rewind` or `undo`, from the audit log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op: Option<String>,
    /// When the operation ran (audit log, else the folder's mtime).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// The attempt the operation rewound to, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<usize>,
    /// Bytes of the files in the backup (see [`super::backups::disk_use`]).
    pub bytes: u64,
    #[serde(skip)]
    pub path: PathBuf,
}

/// Whether the run in `dir` was continued in place: where it went on, how
/// many steps ran since, and why it failed if it did.
pub fn continuation(dir: &Path) -> Option<Continued> {
    let extras = read_extras(dir).ok()?;
    let trace = extras.trace.as_deref();
    let scanned = scan_trace(dir, trace)?;
    let status = extras.status.as_deref().unwrap_or("unknown");
    scan::continued(
        dir,
        trace,
        &scanned,
        status,
        extras.live_projection.as_deref(),
    )
}

/// The forest of every run in `runs_dir`: roots oldest first, forks under
/// their parents by `createdAt`, backups by time.
pub fn lineage(runs_dir: &Path) -> Result<Vec<LineageNode>> {
    let read = fs::read_dir(runs_dir).map_err(|e| TimeTravelError::io(runs_dir, e))?;
    let mut names: Vec<String> = read
        .filter_map(std::result::Result::ok)
        .filter(|e| e.path().join("manifest.json").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !is_reserved_name(n))
        .collect();
    names.sort();
    let audit = read_audit(runs_dir);
    let mut nodes: Vec<LineageNode> = names
        .iter()
        .map(|name| describe(&runs_dir.join(name), runs_dir, &audit))
        .collect();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for (i, (node, name)) in nodes.iter().zip(&names).enumerate() {
        by_id.entry(node.run_id.clone()).or_insert(i);
        by_id.entry(name.clone()).or_insert(i);
    }
    let parents: Vec<Option<usize>> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let parent = by_id.get(&n.lineage.as_ref()?.parent_run_id).copied();
            parent.filter(|&p| p != i)
        })
        .collect();
    for (node, parent) in nodes.iter_mut().zip(&parents) {
        node.parent_missing = node.lineage.is_some() && parent.is_none();
    }
    Ok(assemble(nodes, &parents))
}

/// Turns the parent links into trees; runs caught in a lineage cycle become
/// roots (the oldest of each cycle) so none disappears from the tree.
fn assemble(nodes: Vec<LineageNode>, parents: &[Option<usize>]) -> Vec<LineageNode> {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (i, parent) in parents.iter().enumerate() {
        if let Some(p) = parent {
            children[*p].push(i);
        }
    }
    let mut placed = vec![false; nodes.len()];
    let mut roots: Vec<usize> = (0..nodes.len()).filter(|&i| parents[i].is_none()).collect();
    let mut slots: Vec<Option<LineageNode>> = nodes.into_iter().map(Some).collect();
    let mut out = Vec::new();
    loop {
        for &root in &roots {
            if let Some(mut tree) = build(root, &children, &mut slots, &mut placed) {
                tree.lineage_cycle = parents[root].is_some();
                out.push(tree);
            }
        }
        match (0..slots.len()).find(|&i| !placed[i]) {
            Some(next) => roots = vec![next],
            None => break,
        }
    }
    out.sort_by(|x, y| (&x.started_at, &x.run_id).cmp(&(&y.started_at, &y.run_id)));
    out
}

fn build(
    at: usize,
    children: &[Vec<usize>],
    slots: &mut [Option<LineageNode>],
    placed: &mut [bool],
) -> Option<LineageNode> {
    if placed[at] {
        return None;
    }
    placed[at] = true;
    let mut node = slots[at].take()?;
    for &child in &children[at] {
        if let Some(tree) = build(child, children, slots, placed) {
            node.children.push(tree);
        }
    }
    node.children.sort_by(|x, y| {
        let key = |n: &LineageNode| {
            let created = n.lineage.as_ref().and_then(|l| l.created_at.clone());
            (created.or_else(|| n.started_at.clone()), n.run_id.clone())
        };
        key(x).cmp(&key(y))
    });
    Some(node)
}

fn describe(dir: &Path, runs_dir: &Path, audit: &HashMap<String, Value>) -> LineageNode {
    let name = folder_name(dir);
    let mut node = LineageNode {
        run_id: name.clone(),
        title: String::new(),
        status: "unknown".to_string(),
        state: "unknown".to_string(),
        started_at: None,
        steps: None,
        lineage: None,
        parent_missing: false,
        lineage_cycle: false,
        rewound: None,
        continued: None,
        error: None,
        backups: Vec::new(),
        children: Vec::new(),
        path: dir.to_path_buf(),
    };
    match read_extras(dir) {
        Ok(extras) => {
            let trace = extras.trace.as_deref();
            let scanned = scan_trace(dir, trace);
            node.steps = scanned.as_ref().map(|s| s.steps);
            node.run_id = extras.run_id.unwrap_or(name);
            node.title = extras.title.unwrap_or_default();
            node.status = extras.status.unwrap_or(node.status);
            node.continued = scanned.as_ref().and_then(|s| {
                let live = extras.live_projection.as_deref();
                scan::continued(dir, trace, s, &node.status, live)
            });
            node.started_at = extras.started_at;
            node.lineage = extras.lineage;
            node.rewound = extras.rewound;
        }
        Err(err) => {
            node.status = "unreadable".to_string();
            node.error = Some(err.to_string());
        }
    }
    node.state = state_now(dir, &node.status);
    let backups_dir = StateDirs::new(runs_dir).backups_of(&node.run_id);
    node.backups = backups(&backups_dir, node.rewound.as_ref(), audit);
    node
}

/// `status`, or `stale` for a run that says running and whose writer is
/// silent: only such a run is opened (the rest of the forest is scanned).
fn state_now(dir: &Path, status: &str) -> String {
    if status != "running" {
        return status.to_string();
    }
    match crate::model::Run::open(dir) {
        Ok(run) => run.state(crate::bundle::timestamp::now_ms()),
        Err(_) => status.to_string(),
    }
}

/// The backups of one run, oldest first.
fn backups(
    dir: &Path,
    rewound: Option<&RewoundRef>,
    audit: &HashMap<String, Value>,
) -> Vec<BackupInfo> {
    let Ok(read) = fs::read_dir(dir) else {
        return Vec::new(); // no backups: the usual case
    };
    let mut out: Vec<BackupInfo> = read
        .filter_map(std::result::Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|entry| {
            let path = entry.path();
            let op_id = entry.file_name().to_string_lossy().into_owned();
            let record = audit.get(&op_id);
            let field = |key: &str| record?.get(key)?.as_str().map(str::to_string);
            let extras = read_extras(&path).ok();
            let rewound_here = rewound.filter(|r| r.op_id.as_deref() == Some(op_id.as_str()));
            BackupInfo {
                op: field("op"),
                at: field("at").or_else(|| modified(&path)),
                attempt_id: field("attemptId")
                    .or_else(|| rewound_here.and_then(|r| r.attempt_id.clone())),
                state: field("state"),
                status: extras.as_ref().and_then(|e| e.status.clone()),
                steps: extras.and_then(|e| count_steps(&path, e.trace.as_deref())),
                bytes: super::backups::disk_use(&path).bytes,
                op_id,
                path,
            }
        })
        .collect();
    out.sort_by(|x, y| (&x.at, &x.op_id).cmp(&(&y.at, &y.op_id)));
    out
}

/// Each opId's audit records merged (latest state, first time). A missing
/// or damaged log is no reason to hide the tree: bad lines are skipped.
pub(crate) fn read_audit(runs_dir: &Path) -> HashMap<String, Value> {
    let mut records = HashMap::new();
    for record in super::audit::read_values(runs_dir).unwrap_or_default() {
        if let Some(op_id) = record.get("opId").and_then(Value::as_str) {
            let op_id = op_id.to_string();
            let merged = match records.remove(&op_id) {
                // Later records bring the state; the op began at the first.
                Some(Value::Object(mut earlier)) => {
                    let began = earlier.get("at").cloned();
                    if let Value::Object(later) = record {
                        earlier.extend(later);
                    }
                    if let Some(began) = began {
                        earlier.insert("at".to_string(), began);
                    }
                    Value::Object(earlier)
                }
                _ => record,
            };
            records.insert(op_id, merged);
        }
    }
    records
}

pub(crate) fn modified(path: &Path) -> Option<String> {
    let time = fs::metadata(path).ok()?.modified().ok()?;
    let ms = time.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis();
    Some(crate::bundle::timestamp::format_iso_millis(
        i64::try_from(ms).ok()?,
    ))
}
