//! The time-travel effects of the TUI, carried out on workers: the same
//! library calls the CLI makes, with results as messages.

use std::path::Path;
use std::sync::Arc;

use super::message::{DiffTarget, Msg};
use crate::model::Run;
use crate::timetravel::rewind::{lock_run, undo, RewindOptions};
use crate::timetravel::runid::now_ms;

/// The fork preview as dialog lines plus the nodes to overlay on the graph.
pub fn preview(run: &Run, attempt: usize) -> Msg {
    let preview = crate::timetravel::preview::preview(run, attempt);
    Msg::Previewed {
        attempt,
        rerun: preview.rerun.iter().map(|n| n.id.clone()).collect(),
        lines: preview_lines(&preview),
        continue_blocked: super::resume_effects::continue_blocked(run),
    }
}

fn preview_lines(preview: &crate::timetravel::preview::ForkPreview) -> Vec<String> {
    let mut lines = vec![format!(
        "keeps {}, up to {} (seq {})",
        crate::humanize::plural(preview.kept.len(), "step"),
        preview.kept.last().map(String::as_str).unwrap_or("—"),
        preview.cut_seq
    )];
    lines.push(match &preview.next_node {
        Some(next) => format!("next node: {next}"),
        None => "next node: none (the run would end here)".to_string(),
    });
    if preview.rerun.is_empty() {
        lines.push("nothing would re-run".to_string());
    } else {
        lines.push("would re-run (double border on the graph):".to_string());
        for node in &preview.rerun {
            lines.push(match node.side_effects {
                Some(effect) => format!("  ⚠ {} ({}) — {effect}", node.id, node.node_type),
                None => format!("    {} ({})", node.id, node.node_type),
            });
        }
    }
    lines
}

pub fn fork(
    run: &Run,
    attempt: usize,
    patch: Option<serde_json::Value>,
    label: Option<String>,
) -> Msg {
    let options = crate::timetravel::fork::ForkOptions {
        label,
        input_patch: patch,
        sandbox: true,
        now_ms: now_ms(),
        run_id: None,
    };
    Msg::OperationDone {
        what: "fork".to_string(),
        result: crate::timetravel::fork::fork(run, attempt, &options)
            .map(|summary| summary.dir)
            .map_err(|e| e.to_string()),
    }
}

/// Rewinds the run in `run_dir`; `loaded` is the run on screen, used when
/// it is still what is on disk.
pub fn rewind_run(run_dir: &Path, attempt_id: &str, loaded: Option<&Run>) -> Msg {
    let options = RewindOptions {
        force: false,
        now_ms: now_ms(),
        hook: None,
    };
    Msg::OperationDone {
        what: format!("rewind to {attempt_id}"),
        result: lock_run(run_dir, loaded)
            .and_then(|locked| locked.rewind(attempt_id, &options))
            .map(|_| run_dir.to_path_buf())
            .map_err(|e| e.to_string()),
    }
}

pub fn undo_run(run_dir: &Path) -> Msg {
    let options = RewindOptions {
        force: false,
        now_ms: now_ms(),
        hook: None,
    };
    Msg::OperationDone {
        what: "undo".to_string(),
        result: undo(run_dir, &options)
            .map(|_| run_dir.to_path_buf())
            .map_err(|e| e.to_string()),
    }
}

/// The diff as the same readable report `reel diff` prints.
pub fn diff(a: &Arc<Run>, a_attempt: usize, b: &DiffTarget) -> Msg {
    use crate::timetravel::diff::report::{print_frames, print_parent};
    let mut text = String::new();
    let title = match b {
        DiffTarget::Frame(b_attempt) => {
            // The mark is the older frame: a is the mark, b the cursor.
            let diff = crate::timetravel::diff::diff_frames(a, *b_attempt, a, a_attempt);
            print_frames(&mut text, &diff, a);
            format!(
                "diff: {} → {}",
                a.attempt_id(&a.attempts[*b_attempt]),
                a.attempt_id(&a.attempts[a_attempt])
            )
        }
        DiffTarget::Parent => match parent_of(a).and_then(|parent| {
            crate::timetravel::diff::diff_against_parent(a, &parent)
                .map(|diff| (parent, diff))
                .map_err(|e| e.to_string())
        }) {
            Ok((parent, diff)) => {
                print_parent(&mut text, &diff, a);
                format!("diff against parent {}", parent.run_id())
            }
            Err(err) => {
                return Msg::Report {
                    title: "diff".to_string(),
                    body: vec![err],
                }
            }
        },
    };
    Msg::Report {
        title,
        body: text.lines().map(str::to_string).collect(),
    }
}

fn parent_of(run: &Run) -> Result<Run, String> {
    let parent_id = run
        .bundle
        .read_json::<serde_json::Value>(&run.bundle.paths.manifest)
        .ok()
        .and_then(|m| {
            m.pointer("/lineage/parentRunId")
                .and_then(|v| v.as_str())
                .map(str::to_string)
        })
        .ok_or_else(|| "this run is not a fork: press m on a frame first, then d".to_string())?;
    let runs_dir = run.bundle.root.parent().unwrap_or(Path::new("."));
    Run::open(&runs_dir.join(&parent_id)).map_err(|e| format!("parent {parent_id}: {e}"))
}

/// The lineage forest of the run's folder as indented rows; rows for runs
/// carry their path (Enter opens them), backups are informational.
pub fn lineage_rows(run: &Run) -> Msg {
    let runs_dir = run.bundle.root.parent().unwrap_or(Path::new("."));
    let current = run.run_id();
    let mut rows = Vec::new();
    match crate::timetravel::lineage::lineage(runs_dir) {
        Ok(forest) => {
            for node in &forest {
                push_rows(node, 0, &current, &mut rows);
            }
            let (count, bytes) = backup_use(&forest);
            if count > 0 {
                rows.push((
                    format!(
                        "backups: {} using {} (reel gc removes old ones)",
                        crate::humanize::plural(count, "backup"),
                        crate::humanize::bytes(bytes)
                    ),
                    None,
                ));
            }
        }
        Err(err) => rows.push((err.to_string(), None)),
    }
    Msg::LineageListed { rows }
}

/// How many backups the forest holds and their bytes.
fn backup_use(forest: &[crate::timetravel::lineage::LineageNode]) -> (usize, u64) {
    forest.iter().fold((0, 0), |(count, bytes), node| {
        let (c, b) = backup_use(&node.children);
        let own: u64 = node.backups.iter().map(|b| b.bytes).sum();
        (count + node.backups.len() + c, bytes + own + b)
    })
}

fn push_rows(
    node: &crate::timetravel::lineage::LineageNode,
    depth: usize,
    current: &str,
    rows: &mut Vec<(String, Option<std::path::PathBuf>)>,
) {
    let indent = "  ".repeat(depth);
    let here = if node.run_id == current { "▶ " } else { "" };
    // The same words as `reel tree`: label, fork point, input patch.
    let fork = node
        .lineage
        .as_ref()
        .map(|l| {
            let label = l
                .label
                .as_deref()
                .map(|label| format!(" \"{label}\""))
                .unwrap_or_default();
            format!("  ⑂{label} at {}", l.fork_point())
        })
        .unwrap_or_default();
    let steps = node
        .steps
        .map(|n| format!("  {n} steps"))
        .unwrap_or_default();
    // Which forks were continued, and how far they got.
    let continued = node
        .continued
        .as_ref()
        .map(|c| format!("  ↻ {}", c.summary()))
        .unwrap_or_default();
    let suffix = node.run_id.rsplit('-').next().unwrap_or("");
    rows.push((
        format!(
            "{indent}{here}{suffix}  {}  {}{steps}{fork}{continued}",
            node.title, node.state
        ),
        Some(node.path.clone()),
    ));
    for backup in &node.backups {
        let what = backup.op.as_deref().unwrap_or("backup");
        let at = match (what, backup.attempt_id.as_deref()) {
            // A resume keeps the run as it waited, after its last step.
            ("resume", Some(last)) => format!(", waiting after {last}"),
            (_, Some(to)) => format!(" to {to}"),
            (_, None) => String::new(),
        };
        rows.push((
            format!(
                "{indent}  ⟲ backup {} (before {what}{at})  {}",
                backup.op_id,
                crate::humanize::bytes(backup.bytes)
            ),
            None,
        ));
    }
    for child in &node.children {
        push_rows(child, depth + 1, current, rows);
    }
}
