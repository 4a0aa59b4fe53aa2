//! `reel tree [DIR|RUN] [--json]`: forks and backups as a forest.
//!
//! ```text
//! ● 432a4eb8  Review: fix flaky login test  completed  9 steps
//! ├─⑂ 7f3a91c2  fork at review_loop#2 (seq 37) "stricter reviewer"  waiting  5 steps
//! │  └─⑂ …
//! ├─⑂ de1d1f54  fork at review_loop#1 (seq 29)  completed  9 steps  ↻ continued at decide_more, 6 steps ran
//! │  └─⟲ backup 20261201T114341143Z-f35087b0  before resume (waiting after review_loop#1)
//! └─⟲ backup 20261123T181512123Z-ab12cd34  before rewind to classify#1
//! ```

use std::path::{Path, PathBuf};

use serde_json::json;

use super::format::clean;
use super::{CliError, CliResult, EXIT_OK};
use crate::humanize::plural;
use crate::model::discovery::{self, resolve_run, ResolveError};
use crate::timetravel::lineage::{lineage, BackupInfo, LineageNode};

#[derive(Debug, clap::Args)]
pub struct TreeArgs {
    /// A runs directory (default: the runs directory), or one run (bundle
    /// path, runId or unique suffix) to show only the tree it belongs to.
    #[arg(value_name = "DIR|RUN")]
    pub target: Option<String>,
    /// Print JSON instead of text (one document on stdout).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &TreeArgs, runs_dir: Option<&Path>) -> CliResult {
    let mut out = String::new();
    let result = render(&mut out, args, runs_dir);
    super::emit(&out);
    result
}

fn render(out: &mut String, args: &TreeArgs, runs_dir: Option<&Path>) -> CliResult {
    let (dir, focus) = target(args.target.as_deref(), runs_dir)?;
    super::recover(&dir);
    let mut forest = lineage(&dir).map_err(CliError::failure)?;
    if let Some(focus) = &focus {
        let found = forest
            .iter()
            .position(|root| contains(root, focus))
            .ok_or_else(|| CliError::failure(format!("run {focus} is not in {}", dir.display())))?;
        forest = vec![forest.swap_remove(found)];
    }
    if args.json {
        let doc = json!({"runsDir": dir, "focus": focus, "roots": forest});
        outln!(out, "{}", crate::sanitize::json::to_pretty(&doc));
        return Ok(EXIT_OK);
    }
    if forest.is_empty() {
        outln!(out, "no runs in {}", clean(&dir.to_string_lossy(), 200));
    }
    for root in &forest {
        outln!(out, "{}", root_line(root, focus.as_deref()));
        print_children(out, root, "", focus.as_deref());
    }
    Ok(EXIT_OK)
}

/// The runs directory to read, and the run to focus on, if one was named.
fn target(
    spec: Option<&str>,
    runs_dir: Option<&Path>,
) -> Result<(PathBuf, Option<String>), CliError> {
    let Some(spec) = spec else {
        let dir = runs_dir.ok_or_else(|| {
            CliError::usage("no runs directory: pass DIR, --runs-dir or set ACPX_FLOW_RUNS_DIR")
        })?;
        return Ok((dir.to_path_buf(), None));
    };
    let path = Path::new(spec);
    if path.is_dir() && !discovery::is_bundle(path) {
        return Ok((path.to_path_buf(), None));
    }
    let run = resolve_run(spec, runs_dir).map_err(|err| match err {
        ResolveError::NoRunsDir | ResolveError::NoSuchPath(_) => CliError::usage(err),
        other => CliError::failure(other),
    })?;
    let id = crate::timetravel::lineage::read_extras(&run)
        .ok()
        .and_then(|m| m.run_id)
        .unwrap_or_else(|| crate::bundle::folder_name(&run));
    // Absolute, so `reel tree RUNID` inside the runs folder (a bare relative
    // path whose parent is "") reads that folder.
    let located = crate::timetravel::layout::locate_run(&run).map_err(CliError::failure)?;
    Ok((located.runs_dir, Some(id)))
}

fn contains(node: &LineageNode, run_id: &str) -> bool {
    node.run_id == run_id || node.children.iter().any(|c| contains(c, run_id))
}

/// Forks and backups of `node`, interleaved by time (newest last).
fn print_children(out: &mut String, node: &LineageNode, prefix: &str, focus: Option<&str>) {
    enum Child<'a> {
        Fork(&'a LineageNode),
        Backup(&'a BackupInfo),
    }
    let mut children: Vec<(Option<&str>, Child)> = node
        .children
        .iter()
        .map(|c| {
            (
                c.lineage.as_ref().and_then(|l| l.created_at.as_deref()),
                Child::Fork(c),
            )
        })
        .chain(
            node.backups
                .iter()
                .map(|b| (b.at.as_deref(), Child::Backup(b))),
        )
        .collect();
    children.sort_by(|x, y| x.0.cmp(&y.0));
    let count = children.len();
    for (i, (_, child)) in children.into_iter().enumerate() {
        let last = i + 1 == count;
        let branch = if last { "└─" } else { "├─" };
        match child {
            Child::Fork(fork) => {
                outln!(out, "{prefix}{branch}{}", fork_line(fork, focus));
                let deeper = format!("{prefix}{}", if last { "   " } else { "│  " });
                print_children(out, fork, &deeper, focus);
            }
            Child::Backup(backup) => outln!(out, "{prefix}{branch}{}", backup_line(backup)),
        }
    }
}

/// The 8-hex suffix acpx's viewer shows for a run id.
fn short(run_id: &str) -> String {
    let suffix = run_id.rsplit('-').next().unwrap_or(run_id);
    clean(if suffix.len() >= 6 { suffix } else { run_id }, 80)
}

fn root_line(node: &LineageNode, focus: Option<&str>) -> String {
    let mut line = match &node.lineage {
        Some(lineage) => format!(
            "⑂ {}  {}  fork of {} ({}) at {}",
            short(&node.run_id),
            clean(&node.title, 60),
            short(&lineage.parent_run_id),
            if node.lineage_cycle {
                "lineage cycle"
            } else {
                "parent missing"
            },
            fork_point(node)
        ),
        None => format!("● {}  {}", short(&node.run_id), clean(&node.title, 60)),
    };
    line.push_str(&run_facts(node, focus));
    line
}

fn fork_line(node: &LineageNode, focus: Option<&str>) -> String {
    let label = node
        .lineage
        .as_ref()
        .and_then(|l| l.label.as_deref())
        .map(|l| format!(" \"{}\"", clean(l, 60)))
        .unwrap_or_default();
    format!(
        "⑂ {}  fork at {}{label}{}",
        short(&node.run_id),
        fork_point(node),
        run_facts(node, focus)
    )
}

fn fork_point(node: &LineageNode) -> String {
    node.lineage
        .as_ref()
        .map(|lineage| clean(&lineage.fork_point(), 160))
        .unwrap_or_default()
}

/// Status, steps, rewind and continuation markers, and the focus arrow.
fn run_facts(node: &LineageNode, focus: Option<&str>) -> String {
    let mut text = format!("  {}", clean(&node.state, 20));
    if let Some(steps) = node.steps {
        text.push_str(&format!("  {}", plural(steps, "step")));
    }
    if let Some(rewound) = &node.rewound {
        let to = rewound
            .attempt_id
            .as_deref()
            .map(|a| format!(" to {}", clean(a, 40)));
        text.push_str(&format!("  ⟲ rewound{}", to.unwrap_or_default()));
    }
    if let Some(continued) = &node.continued {
        text.push_str(&format!("  ↻ {}", clean(&continued.summary(), 160)));
    }
    if let Some(error) = &node.error {
        text.push_str(&format!("  ({})", clean(error, 120)));
    }
    if focus == Some(node.run_id.as_str()) {
        text.push_str("  ◀");
    }
    text
}

fn backup_line(backup: &BackupInfo) -> String {
    let what = match (backup.op.as_deref(), backup.attempt_id.as_deref()) {
        (Some("undo"), _) => "before undo".to_string(),
        // A resume keeps the run as it waited, after its last step.
        (Some("resume"), Some(last)) => {
            format!("before resume (waiting after {})", clean(last, 40))
        }
        (Some(op), Some(to)) => format!("before {} to {}", clean(op, 20), clean(to, 40)),
        (Some(op), None) => format!("before {}", clean(op, 20)),
        (None, Some(to)) => format!("before rewind to {}", clean(to, 40)),
        (None, None) => "kept copy".to_string(),
    };
    let mut line = format!("⟲ backup {}  {what}", clean(&backup.op_id, 60));
    if let Some(at) = &backup.at {
        let minute = at.get(..16).unwrap_or(at).replace('T', " ");
        line.push_str(&format!("  {}", clean(&minute, 30)));
    }
    if let Some(steps) = backup.steps {
        line.push_str(&format!("  {}", plural(steps, "step")));
    }
    match backup.state.as_deref() {
        Some("done") | None => {}
        Some(state) => line.push_str(&format!("  ({})", clean(state, 20))),
    }
    line
}
