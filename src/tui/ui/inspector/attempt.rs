//! The Attempt tab: what the step did (summary, error), its output as a
//! foldable JSON tree (or the window of an output too large to fold), the
//! action, and the text artifacts in windows; `o` opens the part under the
//! selection whole.

use std::collections::HashSet;

use ratatui::text::{Line, Span};
use serde_json::Value;

use super::{json_tree_lines, text_window, Doc};
use crate::humanize::duration;
use crate::tui::inspect::{AttemptContent, PagerSource};
use crate::tui::theme::Theme;
use crate::tui::ui::text::{clean, truncate, wrap};

pub(super) fn doc(
    attempt: &AttemptContent,
    folded: &HashSet<String>,
    cols: usize,
    theme: &Theme,
) -> Doc {
    let mut doc = Doc::new();
    let mut summary = format!(
        "{} · {} · {}",
        clean(&attempt.attempt_id),
        clean(&attempt.node_type),
        attempt.outcome
    );
    if let Some(started) = &attempt.started_at {
        summary.push_str(&format!(
            " · started {}",
            started.get(11..23).unwrap_or(started)
        ));
    }
    if let Some(ms) = attempt.duration_ms {
        summary.push_str(&format!(" · {}", duration(ms)));
    }
    doc.push(Line::styled(truncate(&summary, cols), theme.title), None);
    if let Some(error) = &attempt.error {
        doc.extend(wrap(
            error,
            cols,
            Span::styled("error: ", theme.error),
            Span::raw("  "),
            theme.error,
        ));
    }
    doc.section(attempt.output_source.clone());
    match (&attempt.output, &attempt.output_text) {
        (Some(output), _) => {
            doc.heading("Output  (Enter folds)", theme);
            json_tree_lines(&mut doc, output, folded, true, cols, theme);
        }
        (None, Some(text)) => {
            doc.heading("Output  (too large to fold as JSON)", theme);
            text_window(&mut doc, &text.window, cols, theme);
        }
        (None, None) => doc.push(Line::styled("no output", theme.dim), None),
    }
    doc.section(None);
    if let Some(action) = &attempt.action {
        doc.heading("Action", theme);
        doc.extend(action_lines(action, cols, theme));
    }
    for (title, text) in [
        ("Prompt", &attempt.prompt),
        ("Raw response", &attempt.raw_response),
        ("stdout", &attempt.stdout),
        ("stderr", &attempt.stderr),
    ] {
        if let Some(text) = text {
            doc.section(Some(PagerSource::Artifact(text.path.clone())));
            doc.heading(title, theme);
            text_window(&mut doc, &text.window, cols, theme);
        }
    }
    doc.section(None);
    if !attempt.missing.is_empty() {
        doc.heading("Missing artifacts", theme);
        for path in &attempt.missing {
            doc.push(
                Line::styled(truncate(&format!("  {}", clean(path)), cols), theme.error),
                None,
            );
        }
    }
    doc
}

fn action_lines(action: &Value, cols: usize, theme: &Theme) -> Vec<Line<'static>> {
    let kind = action
        .get("actionType")
        .and_then(Value::as_str)
        .unwrap_or("action");
    let command = action.get("command").and_then(Value::as_str).unwrap_or("");
    let args: Vec<String> = action
        .get("args")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|v| {
                    v.as_str()
                        .map(|s| format!("{s:?}"))
                        .unwrap_or_else(|| v.to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    let mut lines = wrap(
        &format!("{command} {}", args.join(" ")),
        cols,
        Span::styled("  $ ", theme.key),
        Span::raw("    "),
        theme.text,
    );
    let mut facts = vec![kind.to_string()];
    if let Some(code) = action.get("exitCode").filter(|v| !v.is_null()) {
        facts.push(format!("exit {code}"));
    }
    if let Some(signal) = action.get("signal").and_then(Value::as_str) {
        facts.push(format!("signal {}", clean(signal)));
    }
    if let Some(ms) = action.get("durationMs").and_then(Value::as_u64) {
        facts.push(duration(ms));
    }
    if let Some(cwd) = action.get("cwd").and_then(Value::as_str) {
        facts.push(format!("in {}", clean(cwd)));
    }
    lines.push(Line::styled(
        truncate(&format!("  {}", facts.join(" · ")), cols),
        theme.dim,
    ));
    lines
}
