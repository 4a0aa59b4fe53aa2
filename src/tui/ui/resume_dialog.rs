//! Drawing the continue dialog: the preview (where the run goes on, what
//! can run with side effects flagged, sessions and divergence, permission
//! mode, engine, flow drift) in a scrollable body, and a footer that always
//! shows what Enter does or why it cannot, and the keys. Every line is
//! wrapped to the box, so nothing is cut off.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use super::pane_block;
use super::text::{clean, wrap_lines};
use crate::timetravel::resume::{PermissionMode, SessionCheck, SessionPolicy};
use crate::tui::action::Action;
use crate::tui::keymap::{Keymap, Mode};
use crate::tui::resume::{PlanFacts, PlanState, ResumeDialog};
use crate::tui::theme::Theme;

/// Width of the label column; wrapped lines continue under the values.
const LABEL: usize = 13;

pub fn draw(frame: &mut Frame, area: Rect, dialog: &ResumeDialog, theme: &Theme, keymap: &Keymap) {
    let width = area.width.saturating_sub(2).min(104);
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let body = wrap_lines(&body_lines(dialog, theme), inner, LABEL);
    let footer = wrap_lines(&footer_lines(dialog, theme, keymap), inner, 2);
    // Keep the header and the status bar visible when there is room.
    let max_height = if area.height > 12 {
        area.height - 2
    } else {
        area.height
    };
    let room = usize::from(max_height.saturating_sub(2));
    let mut lines: Vec<Line> = Vec::new();
    let body_room = room.saturating_sub(footer.len());
    if body.len() <= body_room {
        dialog.max_scroll.set(0);
        lines.extend(body);
    } else {
        // One row goes to saying where in the body the view is.
        let shown = body_room.saturating_sub(1).max(1);
        let max_scroll = body.len() - shown;
        dialog.max_scroll.set(max_scroll);
        let top = dialog.scroll.min(max_scroll);
        let total = body.len();
        lines.extend(body.into_iter().skip(top).take(shown));
        lines.push(Line::styled(
            format!(
                "lines {}–{} of {total} · j/k scroll",
                top + 1,
                (top + shown).min(total)
            ),
            theme.dim,
        ));
    }
    lines.extend(footer);
    let height = (lines.len() as u16 + 2).min(max_height);
    let x = area.x + area.width.saturating_sub(width + 1);
    let y = area.y + (area.height.saturating_sub(height)) / 2;
    let rect = Rect::new(x, y, width, height);
    frame.render_widget(Clear, rect);
    let title = Line::styled(" Continue this run ", theme.title);
    frame.render_widget(
        Paragraph::new(lines).block(pane_block(title, true, theme)),
        rect,
    );
}

fn label(name: &str, theme: &Theme) -> Span<'static> {
    Span::styled(format!("{name:<LABEL$}"), theme.dim)
}

fn row(name: &str, value: Vec<Span<'static>>, theme: &Theme) -> Line<'static> {
    let mut spans = vec![label(name, theme)];
    spans.extend(value);
    Line::from(spans)
}

fn body_lines(dialog: &ResumeDialog, theme: &Theme) -> Vec<Line<'static>> {
    let facts = dialog.facts();
    let mut lines = vec![row("run", vec![Span::raw(clean(&dialog.run_id))], theme)];
    if let Some(facts) = facts {
        plan_lines(&mut lines, facts, theme);
    }
    lines.push(row(
        "sessions",
        choices(&session_choices(dialog), theme),
        theme,
    ));
    lines.push(row(
        "",
        vec![Span::styled(policy_text(dialog.sessions), theme.dim)],
        theme,
    ));
    if let Some(facts) = facts {
        for session in &facts.sessions {
            lines.push(session_line(session, theme));
        }
    }
    let permission = dialog
        .permission_choices()
        .into_iter()
        .map(|c| {
            (
                c.map_or("acpx's default", PermissionMode::name),
                c == dialog.permission,
            )
        })
        .collect::<Vec<_>>();
    lines.push(row("permissions", choices(&permission, theme), theme));
    let why = match (&dialog.required, dialog.permission) {
        (Some(required), _) => format!(
            "the flow requires {}{}",
            required.mode.name(),
            required
                .reason
                .as_deref()
                .map(|r| format!(" ({})", clean(r)))
                .unwrap_or_default()
        ),
        (None, None) => "what acpx's config says".to_string(),
        (None, Some(mode)) => permission_text(mode).to_string(),
    };
    lines.push(row("", vec![Span::styled(why, theme.dim)], theme));
    if let Some(facts) = facts {
        lines.push(row(
            "engine",
            vec![Span::raw(format!(
                "node {} · acpx {} · {}",
                clean(&facts.node_version),
                clean(&facts.acpx_version),
                clean(&facts.acpx_dir.display().to_string())
            ))],
            theme,
        ));
        lines.push(row(
            "flow",
            vec![Span::raw(clean(&facts.flow_path.display().to_string()))],
            theme,
        ));
        for warning in &facts.warnings {
            lines.push(Line::styled(format!("⚠ {}", clean(warning)), theme.key));
        }
    }
    lines
}

fn plan_lines(lines: &mut Vec<Line<'static>>, facts: &PlanFacts, theme: &Theme) {
    let waiting = match &facts.waiting_on {
        Some(node) => format!(
            "after a {}, on {}",
            clean(&facts.waiting_after),
            clean(node)
        ),
        None => format!("after a {}", clean(&facts.waiting_after)),
    };
    lines.push(row("waiting", vec![Span::raw(waiting)], theme));
    let next = facts.next_node.as_deref().map_or(
        "nothing is left to run: the run completes".to_string(),
        clean,
    );
    lines.push(row(
        "goes on at",
        vec![Span::styled(next, theme.title)],
        theme,
    ));
    for (i, node) in facts.rerun.iter().enumerate() {
        let name = if i == 0 { "can run" } else { "" };
        let text = format!("{} ({})", clean(&node.id), clean(&node.node_type));
        let value = match node.side_effects {
            Some(effect) => vec![Span::styled(format!("⚠ {text}: {effect}"), theme.key)],
            None => vec![Span::raw(format!("  {text}"))],
        };
        lines.push(row(name, value, theme));
    }
}

fn session_choices(dialog: &ResumeDialog) -> Vec<(&'static str, bool)> {
    [
        SessionPolicy::Auto,
        SessionPolicy::Reuse,
        SessionPolicy::Fresh,
    ]
    .into_iter()
    .map(|p| (p.name(), p == dialog.sessions))
    .collect()
}

/// The choices side by side, the chosen one marked (and selected when
/// there is colour).
fn choices(options: &[(&'static str, bool)], theme: &Theme) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for (i, (name, chosen)) in options.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" "));
        }
        spans.push(if *chosen {
            Span::styled(format!("[{name}]"), theme.selection)
        } else {
            Span::styled(format!(" {name} "), theme.dim)
        });
    }
    spans
}

fn policy_text(policy: SessionPolicy) -> &'static str {
    match policy {
        SessionPolicy::Auto => "reuse the recorded agent sessions, unless one went on elsewhere since",
        SessionPolicy::Reuse => "go on in the recorded agent sessions even if they went on elsewhere (the agent remembers turns this run lacks; the runs sharing them see the change)",
        SessionPolicy::Fresh => "open new agent sessions (the context of the earlier turns is lost)",
    }
}

fn permission_text(mode: PermissionMode) -> &'static str {
    match mode {
        PermissionMode::ApproveAll => "every permission request of the agents is approved",
        PermissionMode::ApproveReads => "reads and searches are approved, writes denied",
        PermissionMode::DenyAll => "every permission request is denied",
    }
}

fn session_line(session: &SessionCheck, theme: &Theme) -> Line<'static> {
    let (text, style) = match (session.diverged, session.record_prompts) {
        (_, None) => (
            "acpx's record of it is gone: reusing it fails".to_string(),
            theme.error,
        ),
        (true, Some(held)) => (
            format!(
                "DIVERGED: this run sent {} prompt(s), the agent-side session holds {held}",
                session.bundle_prompts
            ),
            theme.key,
        ),
        (false, _) => ("in step with this run".to_string(), theme.dim),
    };
    Line::from(vec![
        label("", theme),
        Span::raw(format!("{}  ", clean(&session.bundle_id))),
        Span::styled(text, style),
    ])
}

fn key(keymap: &Keymap, action: Action, default: &str) -> String {
    keymap
        .key_for(Mode::Run, action)
        .map_or(default.to_string(), |k| k.to_string())
}

fn footer_lines(dialog: &ResumeDialog, theme: &Theme, keymap: &Keymap) -> Vec<Line<'static>> {
    let mut lines = vec![Line::raw("")];
    if let Some(note) = &dialog.note {
        lines.push(Line::styled(clean(note), theme.key));
    }
    let status = match &dialog.plan {
        PlanState::Checking => Line::styled(
            "checking… (the preview loads the flow and acpx as a run would: a second or two)",
            theme.dim,
        ),
        PlanState::Failed(err) => Line::styled(format!("✗ cannot continue: {}", clean(err)), theme.error),
        PlanState::Ready(facts, _) => match &facts.blocked {
            Some(reason) => Line::styled(format!("✗ {}", blocked_text(dialog, facts, reason)), theme.error),
            None => Line::styled(
                format!(
                    "Enter runs the rest of the flow for real, here; {} then restores the run as it waits now",
                    key(keymap, Action::Undo, "u")
                ),
                theme.title,
            ),
        },
    };
    lines.push(status);
    let mut keys: Vec<(String, &str)> = Vec::new();
    if dialog.why_not().is_none() {
        keys.push(("Enter".into(), "continue"));
    }
    if dialog.sessions_offered() {
        keys.push(("s".into(), "sessions"));
    }
    if dialog.permission_choices().len() > 1 {
        keys.push(("p".into(), "permissions"));
    }
    if dialog.max_scroll.get() > 0 {
        keys.push(("j/k".into(), "scroll"));
    }
    keys.push(("Esc".into(), "close"));
    let mut spans = Vec::new();
    for (i, (k, what)) in keys.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.dim));
        }
        spans.push(Span::styled(k, theme.key));
        spans.push(Span::styled(
            format!(" {what}"),
            Style::default().patch(theme.dim),
        ));
    }
    lines.push(Line::from(spans));
    lines
}

/// Why Enter is off, in the dialog's terms (the library's text names
/// `reel resume`'s flags).
fn blocked_text(dialog: &ResumeDialog, facts: &PlanFacts, reason: &str) -> String {
    let diverged = facts.diverged();
    if dialog.sessions != SessionPolicy::Auto || diverged.is_empty() {
        return format!("Enter is off: {}", clean(reason));
    }
    let names = diverged
        .iter()
        .map(|s| clean(&s.bundle_id))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "Enter is off: the agent-side session of {names} went on elsewhere since this point (another run continued in it). Press s to choose: reuse goes on in it anyway; fresh opens new sessions."
    )
}
