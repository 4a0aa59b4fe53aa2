//! `reel diff A B [--json]`: two frames (`RUN@ATTEMPT`, or `RUN` for its
//! last step) compared; `reel diff FORK`: a fork against its parent. A diff
//! is a report, so it exits 0 whether or not the frames differ.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::format::{clean, pad};
use super::{CliError, CliResult, EXIT_OK};
use crate::humanize::plural;
use crate::model::discovery::{self, resolve_run};
use crate::model::Run;
use crate::timetravel::diff::{
    diff_against_parent, diff_frames, ChangeKind, FrameDiff, ItemSummary, NodeState, ParentDiff,
};
use crate::timetravel::lineage::read_extras;

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// `RUN@ATTEMPT` (attemptId such as review#2, or a step number; `RUN`
    /// alone is its last step). With no B: a fork against its parent.
    #[arg(value_name = "A")]
    pub a: String,
    #[arg(value_name = "B")]
    pub b: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &DiffArgs, runs_dir: Option<&Path>) -> CliResult {
    let mut out = String::new();
    let result = render(&mut out, args, runs_dir);
    super::emit(&out);
    result
}

fn render(out: &mut String, args: &DiffArgs, runs_dir: Option<&Path>) -> CliResult {
    match &args.b {
        Some(b) => {
            let (a_run, a_at) = open_frame(&args.a, runs_dir)?;
            let (b_run, b_at) = open_frame(b, runs_dir)?;
            let diff = diff_frames(&a_run, a_at, &b_run, b_at);
            if args.json {
                outln!(out, "{}", to_json(&diff));
            } else {
                print_frames(out, &diff, &b_run);
            }
        }
        None => {
            let (fork, parent) = open_fork(&args.a, runs_dir)?;
            let diff = diff_against_parent(&fork, &parent).map_err(CliError::failure)?;
            if args.json {
                outln!(out, "{}", to_json(&diff));
            } else {
                print_parent(out, &diff, &fork);
            }
        }
    }
    Ok(EXIT_OK)
}

fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value)
        .unwrap_or_else(|e| json!({"error": e.to_string()}).to_string())
}

/// Splits `RUN@ATTEMPT` on the last `@` (attempt ids hold `#`, paths may
/// hold `@`); an existing folder is taken whole, as a run alone.
pub fn split_frame(spec: &str) -> Result<(&str, Option<&str>), CliError> {
    if spec.trim().is_empty() {
        return Err(CliError::usage("empty frame: give RUN or RUN@ATTEMPT"));
    }
    if Path::new(spec).is_dir() {
        return Ok((spec, None));
    }
    match spec.rsplit_once('@') {
        None => Ok((spec, None)),
        Some((run, attempt)) if run.is_empty() || attempt.trim().is_empty() => Err(
            CliError::usage(format!("bad frame {spec:?}: expected RUN@ATTEMPT (e.g. 432a4eb8@review_loop#2 or 432a4eb8@5)")),
        ),
        Some((run, attempt)) => Ok((run, Some(attempt))),
    }
}

/// The run and attempt position a frame argument names.
fn open_frame(spec: &str, runs_dir: Option<&Path>) -> Result<(Run, usize), CliError> {
    let (run_spec, attempt) = split_frame(spec)?;
    let run = super::open_run(run_spec, runs_dir)?;
    let position = match attempt {
        Some(attempt) => run.find_attempt(attempt).ok_or_else(|| {
            CliError::failure(format!(
                "no attempt {attempt:?} in run {} (give an attemptId such as node#1 or a step number 1..{})",
                run.run_id(),
                run.attempts.len()
            ))
        })?,
        None => run
            .attempts
            .len()
            .checked_sub(1)
            .ok_or_else(|| CliError::failure(format!("run {} has no steps yet", run.run_id())))?,
    };
    Ok((run, position))
}

/// A fork and its parent, looked up by runId beside the fork (else in the
/// runs directory).
fn open_fork(spec: &str, runs_dir: Option<&Path>) -> Result<(Run, Run), CliError> {
    if split_frame(spec)?.1.is_some() {
        return Err(CliError::usage(
            "give two frames (reel diff A B), or one fork without @ATTEMPT (reel diff FORK)",
        ));
    }
    let fork = super::open_run(spec, runs_dir)?;
    let extras = read_extras(&fork.bundle.paths.manifest).map_err(CliError::failure)?;
    let lineage = extras.lineage.ok_or_else(|| {
        CliError::failure(format!(
            "run {} is not a fork (no lineage in its manifest); to compare two frames: reel diff A B",
            fork.run_id()
        ))
    })?;
    let parent_id = &lineage.parent_run_id;
    let beside: Option<PathBuf> = fork.bundle.root.parent().map(|d| d.join(parent_id));
    let parent_dir = match beside.filter(|d| discovery::is_bundle(d)) {
        Some(dir) => dir,
        None => resolve_run(parent_id, runs_dir).map_err(|err| {
            CliError::failure(format!(
                "the parent of fork {} is missing: {err}",
                fork.run_id()
            ))
        })?,
    };
    let parent = super::open_run(&parent_dir.to_string_lossy(), None)?;
    Ok((fork, parent))
}

fn print_parent(out: &mut String, diff: &ParentDiff, fork: &Run) {
    let lineage = &diff.lineage;
    outln!(
        out,
        "fork {} of {}, forked at {} (seq {}){}",
        clean(&fork.run_id(), 80),
        clean(&lineage.parent_run_id, 80),
        clean(lineage.attempt_id.as_deref().unwrap_or("?"), 60),
        lineage.seq.map_or("?".to_string(), |s| s.to_string()),
        lineage
            .label
            .as_deref()
            .map(|l| format!("  \"{}\"", clean(l, 60)))
            .unwrap_or_default()
    );
    let at = &diff.at_fork;
    if at.identical {
        outln!(out, "at the fork point (step {}): identical", at.a.step);
    } else {
        outln!(out, "at the fork point: the fork does not match its parent");
        print_body(out, at, None);
    }
    outln!(out, "\nafter the fork");
    print_frames(out, &diff.after, fork);
}

fn print_frames(out: &mut String, diff: &FrameDiff, b_run: &Run) {
    for (label, side) in [("a", &diff.a), ("b", &diff.b)] {
        outln!(
            out,
            "{label}  {} @ {}  step {}/{}  seq {}",
            clean(&side.run_id, 80),
            clean(&side.attempt_id, 60),
            side.step,
            side.steps,
            side.seq
        );
    }
    print_body(out, diff, Some(b_run));
}

fn print_body(out: &mut String, diff: &FrameDiff, b_run: Option<&Run>) {
    if diff.identical {
        outln!(
            out,
            "identical: same history ({} steps), node states, outputs and conversation",
            diff.common_steps
        );
        return;
    }
    print_history(out, diff, b_run);
    if !diff.nodes.is_empty() {
        outln!(out, "\nnodes");
        let width = diff
            .nodes
            .iter()
            .map(|n| n.id.chars().count())
            .max()
            .unwrap_or(0)
            .min(30);
        for node in &diff.nodes {
            outln!(
                out,
                "  {}  {} → {}",
                pad(&clean(&node.id, 30), width),
                state(&node.a),
                state(&node.b)
            );
        }
    }
    if !diff.outputs.is_empty() {
        outln!(out, "\noutputs");
        for output in &diff.outputs {
            outln!(out, "  {}", clean(&output.node, 60));
            print_changes(out, &output.changes, "    ");
        }
    }
    print_conversation(out, diff);
    if !diff.problems.is_empty() {
        outln!(out, "\nnot compared");
        for problem in &diff.problems {
            outln!(out, "  {}", clean(problem, 200));
        }
    }
}

/// The first divergence, or how one history extends the other.
fn print_history(out: &mut String, diff: &FrameDiff, b_run: Option<&Run>) {
    if let Some(d) = &diff.first_divergence {
        outln!(
            out,
            "first divergence at step {}: {} {} vs {} {} ({})",
            d.step,
            clean(&d.a, 60),
            d.a_outcome,
            clean(&d.b, 60),
            d.b_outcome,
            d.reasons.join(", ")
        );
        print_changes(out, &d.output_changes, "    ");
        return;
    }
    let (a, b) = (diff.a.step, diff.b.step);
    let mut line = format!("same history for the first {} steps", diff.common_steps);
    if a != b {
        let longer = if b > a { "b" } else { "a" };
        line.push_str(&format!("; {longer} goes {} steps further", a.abs_diff(b)));
        if let (Some(run), true) = (b_run, b > a && diff.a.run_id == diff.b.run_id) {
            let next: Vec<String> = run.attempts[a..b.min(a + 4)]
                .iter()
                .map(|x| clean(run.attempt_id(x), 40))
                .collect();
            let more = if b > a + 4 { " …" } else { "" };
            line.push_str(&format!(" ({}{more})", next.join(", ")));
        }
    }
    if !diff.problems.is_empty() {
        line.push_str(" (as far as could be read: see below)");
    }
    outln!(out, "{line}");
}

fn state(node: &NodeState) -> String {
    let glyph = match node.state {
        "done" => "✓",
        "failed" => "✗",
        "running" => "▸",
        "timed_out" => "⧗",
        "cancelled" => "⊘",
        _ => "·",
    };
    let name = node.state.replace('_', " ");
    match node.attempts {
        0 => format!("{glyph} {name}"),
        n => format!("{glyph} {name} ×{n}"),
    }
}

fn print_changes(out: &mut String, changes: &[crate::timetravel::diff::JsonChange], indent: &str) {
    const SHOWN: usize = 12;
    let width = changes
        .iter()
        .take(SHOWN)
        .map(|c| c.path.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(1, 30);
    for change in changes.iter().take(SHOWN) {
        let path = if change.path.is_empty() {
            "(whole value)"
        } else {
            change.path.as_str()
        };
        let value = |v: &Option<Value>| {
            v.as_ref()
                .map_or(String::new(), |v| clean(&v.to_string(), 50))
        };
        let text = match change.change {
            ChangeKind::Changed => format!("{} → {}", value(&change.a), value(&change.b)),
            ChangeKind::Added => format!("+ {}", value(&change.b)),
            ChangeKind::Removed => format!("− {}", value(&change.a)),
        };
        outln!(out, "{indent}{}  {text}", pad(&clean(path, 60), width));
    }
    if changes.len() > SHOWN {
        outln!(out, "{indent}… {} more (see --json)", changes.len() - SHOWN);
    }
}

fn print_conversation(out: &mut String, diff: &FrameDiff) {
    let conversation = &diff.conversation;
    if !conversation.differs {
        return;
    }
    let count =
        |n: Option<usize>| n.map_or("none (not an ACP step)".to_string(), |n| plural(n, "item"));
    outln!(
        out,
        "\nconversation  a: {}  b: {}",
        count(conversation.a_items),
        count(conversation.b_items)
    );
    let both = conversation.a_items.is_some() && conversation.b_items.is_some();
    if let Some(first) = conversation.first_difference.as_ref().filter(|_| both) {
        let item = |s: &Option<ItemSummary>| {
            s.as_ref().map_or("(nothing)".to_string(), |s| {
                format!("{} {}", clean(&s.kind, 20), clean(&s.text, 70))
            })
        };
        outln!(out, "  first difference at item {}", first.index + 1);
        outln!(out, "    a: {}", item(&first.a));
        outln!(out, "    b: {}", item(&first.b));
    }
}
