//! The human-readable report of a diff, shared by `reel diff` and the
//! viewer's diff dialog. Bundle strings are sanitized.

use std::fmt::Write as _;

use serde_json::Value;

use super::{ChangeKind, FrameDiff, ItemSummary, NodeState, ParentDiff};
use crate::humanize::{clean, pad, plural};
use crate::model::Run;

pub fn print_parent(out: &mut String, diff: &ParentDiff, fork: &Run) {
    let lineage = &diff.lineage;
    let _ = writeln!(
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
    // A fork continued in place (`reel resume`): what went on after it.
    if let Some(continued) = crate::timetravel::lineage::continuation(&fork.bundle.root) {
        let _ = writeln!(
            out,
            "{}; the fork is {} now",
            clean(&continued.summary(), 200),
            clean(&fork.status(), 20)
        );
    }
    let at = &diff.at_fork;
    if at.identical {
        let _ = writeln!(out, "at the fork point (step {}): identical", at.a.step);
    } else if at.differs_only_in_input() {
        let why = if lineage.input_patch.is_some() {
            "the fork's input was patched"
        } else {
            "the input differs"
        };
        let _ = writeln!(
            out,
            "at the fork point (step {}): same history, node states, outputs and conversation; {why}",
            at.a.step
        );
        print_input(out, at);
    } else {
        let _ = writeln!(out, "at the fork point: the fork does not match its parent");
        print_body(out, at, None);
    }
    let _ = writeln!(out, "\nafter the fork");
    print_frames(out, &diff.after, fork);
}

pub fn print_frames(out: &mut String, diff: &FrameDiff, b_run: &Run) {
    for (label, side) in [("a", &diff.a), ("b", &diff.b)] {
        let _ = writeln!(
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
        let _ = writeln!(
            out,
            "identical: same history ({} steps), node states, outputs and conversation",
            diff.common_steps
        );
        return;
    }
    print_history(out, diff, b_run);
    print_input(out, diff);
    if !diff.nodes.is_empty() {
        let _ = writeln!(out, "\nnodes");
        let width = diff
            .nodes
            .iter()
            .map(|n| n.id.chars().count())
            .max()
            .unwrap_or(0)
            .min(30);
        for node in &diff.nodes {
            let _ = writeln!(
                out,
                "  {}  {} → {}",
                pad(&clean(&node.id, 30), width),
                state(&node.a),
                state(&node.b)
            );
        }
    }
    if !diff.outputs.is_empty() {
        let _ = writeln!(out, "\noutputs");
        for output in &diff.outputs {
            let _ = writeln!(out, "  {}", clean(&output.node, 60));
            print_changes(out, &output.changes, "    ");
        }
    }
    print_conversation(out, diff);
    if !diff.problems.is_empty() {
        let _ = writeln!(out, "\nnot compared");
        for problem in &diff.problems {
            let _ = writeln!(out, "  {}", clean(problem, 200));
        }
    }
}

fn print_input(out: &mut String, diff: &FrameDiff) {
    if !diff.input.is_empty() {
        let _ = writeln!(out, "\ninput");
        print_changes(out, &diff.input, "  ");
    }
}

/// The first divergence, or how one history extends the other.
fn print_history(out: &mut String, diff: &FrameDiff, b_run: Option<&Run>) {
    if let Some(d) = &diff.first_divergence {
        let _ = writeln!(
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
    let mut line = match diff.common_steps {
        1 => "same history for the first step".to_string(),
        n => format!("same history for the first {n} steps"),
    };
    if a != b {
        let longer = if b > a { "b" } else { "a" };
        let further = plural(a.abs_diff(b), "step");
        line.push_str(&format!("; {longer} goes {further} further"));
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
    let _ = writeln!(out, "{line}");
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
        let shown = |v: &Option<Value>| v.as_ref().map_or(String::new(), Value::to_string);
        let path = pad(&clean(path, 60), width);
        // Short values share the path's line; long ones get a line each,
        // whole up to VALUE_MAX (the terminal or the dialog wraps them).
        let inline = |v: &str| v.chars().count() <= INLINE_MAX;
        match change.change {
            ChangeKind::Changed => {
                let (a, b) = (shown(&change.a), shown(&change.b));
                if inline(&a) && inline(&b) {
                    let _ = writeln!(
                        out,
                        "{indent}{path}  {} → {}",
                        clean(&a, INLINE_MAX),
                        clean(&b, INLINE_MAX)
                    );
                } else {
                    let (a, b) = changed_pair(&a, &b, VALUE_MAX);
                    let _ = writeln!(out, "{indent}{path}");
                    let _ = writeln!(out, "{indent}    a: {a}");
                    let _ = writeln!(out, "{indent}    b: {b}");
                }
            }
            ChangeKind::Added | ChangeKind::Removed => {
                let (sign, value) = match change.change {
                    ChangeKind::Added => ("+", shown(&change.b)),
                    _ => ("−", shown(&change.a)),
                };
                if inline(&value) {
                    let _ = writeln!(out, "{indent}{path}  {sign} {}", clean(&value, INLINE_MAX));
                } else {
                    let _ = writeln!(out, "{indent}{path}");
                    let _ = writeln!(out, "{indent}    {sign} {}", clean(&value, VALUE_MAX));
                }
            }
        }
    }
    if changes.len() > SHOWN {
        let _ = writeln!(out, "{indent}… {} more (see --json)", changes.len() - SHOWN);
    }
}

/// Values this long share the line of their path.
const INLINE_MAX: usize = 50;
/// The most of one value a report shows (`--json` has them whole).
const VALUE_MAX: usize = 400;

/// Two values of a change, each at most `max` characters. Long values that
/// begin alike are shown from shortly before where they differ, so the
/// difference is on screen rather than cut away.
fn changed_pair(a: &str, b: &str, max: usize) -> (String, String) {
    let (a, b) = (
        crate::sanitize::sanitize_line(a).into_owned(),
        crate::sanitize::sanitize_line(b).into_owned(),
    );
    let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let fits = |t: &str| t.chars().count() <= max;
    // Context kept before the first difference.
    const LEAD: usize = 12;
    if (fits(&a) && fits(&b)) || common + LEAD / 2 < max {
        return (clean(&a, max), clean(&b, max));
    }
    let from = common.saturating_sub(LEAD);
    let window = |t: &str| format!("…{}", t.chars().skip(from).collect::<String>());
    (clean(&window(&a), max), clean(&window(&b), max))
}

fn print_conversation(out: &mut String, diff: &FrameDiff) {
    let conversation = &diff.conversation;
    if !conversation.differs {
        return;
    }
    let count =
        |n: Option<usize>| n.map_or("none (not an ACP step)".to_string(), |n| plural(n, "item"));
    let _ = writeln!(
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
        let _ = writeln!(out, "  first difference at item {}", first.index + 1);
        let _ = writeln!(out, "    a: {}", item(&first.a));
        let _ = writeln!(out, "    b: {}", item(&first.b));
    }
}

#[cfg(test)]
mod tests {
    use super::{changed_pair, print_changes};
    use crate::timetravel::diff::{ChangeKind, JsonChange};

    /// A long value is shown whole on a line of its own, not cut at the
    /// width of the path column.
    #[test]
    fn long_values_get_lines_of_their_own() {
        let long = format!("the summary says {}", "many things ".repeat(20));
        let changes = [
            JsonChange {
                path: "/summary".into(),
                change: ChangeKind::Added,
                a: None,
                b: Some(long.clone().into()),
            },
            JsonChange {
                path: "/n".into(),
                change: ChangeKind::Changed,
                a: Some(1.into()),
                b: Some(2.into()),
            },
        ];
        let mut out = String::new();
        print_changes(&mut out, &changes, "  ");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0].trim(), "/summary", "{out}");
        assert_eq!(lines[1].trim(), format!("+ \"{long}\""), "{out}");
        assert_eq!(
            lines[2].split_whitespace().collect::<Vec<_>>(),
            ["/n", "1", "→", "2"]
        );
    }

    #[test]
    fn long_values_show_where_they_differ() {
        let a = "\"All review rounds finished; checks passed with 12 tests.\"";
        let b = "\"All review rounds finished; checks passed with 13 tests.\"";
        let (x, y) = changed_pair(a, b, 50);
        assert!(
            x.contains("12 tests") && y.contains("13 tests"),
            "{x} / {y}"
        );
        assert!(x.starts_with('…') && x.chars().count() <= 50, "{x}");
        // Short values, or ones differing early, are shown from the start.
        assert_eq!(changed_pair("1", "2", 50), ("1".into(), "2".into()));
        let (x, _) = changed_pair(&format!("a{}", "x".repeat(80)), "b", 50);
        assert!(x.starts_with("ax") && x.ends_with('…'), "{x}");
    }
}
