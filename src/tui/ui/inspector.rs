//! The inspector: Session (the conversation, the step's slice marked),
//! Attempt (output as a foldable JSON tree, prompt, response, command,
//! stdout/stderr, error) and Events (trace events and raw JSON-RPC, each
//! expandable). Lines are built from worker-made content; the selection
//! scrolls and Enter acts on the selected line.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use serde_json::Value;

use super::pane_block;
use super::text::{clean, truncate, wrap};
use crate::humanize::duration;
use crate::model::conversation::{Permission, ToolCall};
use crate::model::TranscriptItem;
use crate::tui::inspect::{
    item_seq, AttemptContent, EventsContent, InspectContent, InspectorTab, SessionContent,
};
use crate::tui::json_tree::{self, Token};
use crate::tui::run_view::{LineAction, Pane, RunView};
use crate::tui::theme::Theme;

/// Lines of the inspector with what Enter does on each, and where the
/// step's own part begins (the default selection).
struct Doc {
    lines: Vec<Line<'static>>,
    actions: Vec<Option<LineAction>>,
    anchor: usize,
}

impl Doc {
    fn new() -> Doc {
        Doc {
            lines: Vec::new(),
            actions: Vec::new(),
            anchor: 0,
        }
    }

    fn push(&mut self, line: Line<'static>, action: Option<LineAction>) {
        self.lines.push(line);
        self.actions.push(action);
    }

    fn extend(&mut self, lines: Vec<Line<'static>>) {
        for line in lines {
            self.push(line, None);
        }
    }

    fn heading(&mut self, text: &str, theme: &Theme) {
        self.push(Line::raw(""), None);
        self.push(Line::styled(text.to_string(), theme.title), None);
    }
}

pub fn draw(frame: &mut Frame, area: Rect, view: &mut RunView, theme: &Theme) {
    let focused = view.focus == Pane::Inspector;
    let mut title = vec![Span::raw(" ")];
    for (i, tab) in InspectorTab::ALL.iter().enumerate() {
        if i > 0 {
            title.push(Span::styled(" │ ", theme.dim));
        }
        let style = if *tab == view.tab {
            theme.selection
        } else {
            theme.dim
        };
        title.push(Span::styled(format!("{} {}", i + 1, tab.title()), style));
    }
    title.push(Span::raw(" "));
    let block = pane_block(Line::from(title), focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let cols = inner.width as usize;
    let wanted = view.request();
    let message = |text: String| {
        let mut doc = Doc::new();
        doc.push(Line::styled(text, theme.dim), None);
        doc
    };
    let doc = match (&view.inspected, &wanted) {
        (_, None) => message("the cursor is before the first step".to_string()),
        (Some((shown, content)), Some(wanted)) if shown.tab == view.tab => {
            let doc = match content {
                InspectContent::Session(session) => {
                    session_doc(session, view.reveal(), cols, theme)
                }
                InspectContent::Attempt(attempt) => attempt_doc(attempt, &view.folded, cols, theme),
                InspectContent::Events(events) => events_doc(events, &view.expanded, cols, theme),
                InspectContent::Empty(reason) => message(clean(reason)),
            };
            if shown == wanted {
                doc
            } else {
                // The worker is still on the new step: keep the old content
                // (no flashing) but dimmed, under an honest label.
                stale(
                    doc,
                    view.run.attempt_id(&view.run.attempts[wanted.attempt]),
                    theme,
                )
            }
        }
        (_, Some(wanted)) => message(format!(
            "loading {}…",
            clean(view.run.attempt_id(&view.run.attempts[wanted.attempt]))
        )),
    };
    let height = inner.height as usize;
    let count = doc.lines.len();
    if !view.inspector_pinned {
        view.inspector_line = doc.anchor.min(count.saturating_sub(1));
        // Show the step's part from the top of the pane.
        view.inspector_offset = view.inspector_line;
    }
    view.inspector_line = view.inspector_line.min(count.saturating_sub(1));
    if view.inspector_line < view.inspector_offset {
        view.inspector_offset = view.inspector_line;
    } else if view.inspector_line >= view.inspector_offset + height {
        view.inspector_offset = view.inspector_line + 1 - height;
    }
    view.inspector_offset = view.inspector_offset.min(count.saturating_sub(1));
    let selected = view.inspector_line;
    let visible: Vec<Line> = doc
        .lines
        .into_iter()
        .enumerate()
        .skip(view.inspector_offset)
        .take(height)
        .map(|(i, line)| {
            if focused && i == selected {
                line.patch_style(theme.selection)
            } else {
                line
            }
        })
        .collect();
    view.line_actions = doc.actions;
    frame.render_widget(Paragraph::new(visible), inner);
}

/// An agent or thought item cut to `share` of its text (playback reveal).
fn revealed(item: &TranscriptItem, share: f64) -> Option<TranscriptItem> {
    let cut = |text: &str| {
        let keep = (text.chars().count() as f64 * share).ceil() as usize;
        text.chars().take(keep).collect::<String>()
    };
    match item {
        TranscriptItem::Agent { seq, text } => Some(TranscriptItem::Agent {
            seq: *seq,
            text: cut(text),
        }),
        TranscriptItem::Thought { seq, text } => Some(TranscriptItem::Thought {
            seq: *seq,
            text: cut(text),
        }),
        _ => None,
    }
}

/// Content of another step shown while the current one loads.
fn stale(doc: Doc, loading: &str, theme: &Theme) -> Doc {
    let mut out = Doc::new();
    out.push(
        Line::styled(format!("loading {}…", clean(loading)), theme.key),
        None,
    );
    for line in doc.lines {
        let spans = line
            .spans
            .into_iter()
            .map(|s| Span::styled(s.content, theme.dim))
            .collect::<Vec<_>>();
        out.push(Line::from(spans), None);
    }
    out
}

/// Conversation items shown before the step's own slice.
const CONTEXT_ITEMS: usize = 200;

/// `reveal`: while playing, the share of the step's agent text shown so far.
fn session_doc(session: &SessionContent, reveal: Option<f64>, cols: usize, theme: &Theme) -> Doc {
    let mut doc = Doc::new();
    let position = session
        .sessions
        .iter()
        .position(|s| *s == session.session_id)
        .map_or(0, |i| i + 1);
    let mut header = vec![
        Span::styled("session ", theme.dim),
        Span::styled(clean(&session.session_id), theme.title),
    ];
    if session.sessions.len() > 1 {
        header.push(Span::styled(
            format!("  ({position} of {}, s: next)", session.sessions.len()),
            theme.dim,
        ));
    }
    doc.push(Line::from(header), None);
    let shown = &session.items[..session.visible.min(session.items.len())];
    if shown.is_empty() {
        doc.push(Line::styled("no conversation yet", theme.dim), None);
    }
    // Long sessions: the step's slice plus some context before it, so a
    // frame never lays out a whole 100k-item conversation.
    let slice_start = session.slice.map_or(shown.len(), |(first, _)| {
        shown.partition_point(|item| item_seq(item) < first)
    });
    let start = slice_start.saturating_sub(CONTEXT_ITEMS);
    if let Some(first) = session.first_loaded {
        doc.push(
            Line::styled(
                format!("… session events before #{first} not loaded (long session)"),
                theme.dim,
            ),
            None,
        );
    }
    if start > 0 {
        doc.push(
            Line::styled(
                format!("… {start} earlier items (step back to see them)"),
                theme.dim,
            ),
            None,
        );
    }
    let mut anchored = false;
    for item in &shown[start..] {
        let in_slice = session
            .slice
            .is_some_and(|(a, b)| (a..=b).contains(&item_seq(item)));
        if in_slice && !anchored {
            doc.anchor = doc.lines.len();
            anchored = true;
            // Said where the eye lands: this slice belongs to another step.
            if let Some(note) = &session.note {
                doc.push(Line::styled(format!("({})", clean(note)), theme.key), None);
            }
        }
        let bar = if in_slice {
            Span::styled("▌", theme.slice_marker)
        } else {
            Span::raw(" ")
        };
        let partial = reveal
            .filter(|_| in_slice)
            .and_then(|share| revealed(item, share));
        let item = partial.as_ref().unwrap_or(item);
        for line in item_lines(
            item,
            cols.saturating_sub(1),
            theme,
            !in_slice && session.slice.is_some(),
        ) {
            let mut spans = vec![bar.clone()];
            spans.extend(line.spans);
            doc.push(Line::from(spans), None);
        }
    }
    doc
}

fn item_lines(item: &TranscriptItem, cols: usize, theme: &Theme, past: bool) -> Vec<Line<'static>> {
    let dim = |style: Style| if past { style.patch(theme.dim) } else { style };
    let indent = || Span::raw("  ");
    match item {
        TranscriptItem::User { text, .. } => {
            labeled("▸ you", text, cols, dim(theme.user), dim(theme.text))
        }
        TranscriptItem::Agent { text, .. } => {
            labeled("◂ agent", text, cols, dim(theme.agent), dim(theme.text))
        }
        TranscriptItem::Thought { text, .. } => labeled(
            "~ thought",
            text,
            cols,
            dim(theme.thought),
            dim(theme.thought),
        ),
        TranscriptItem::ToolCall(call) => tool_lines(call, cols, theme, past),
        TranscriptItem::Plan { entries, .. } => {
            let mut lines = vec![Line::styled("☰ plan", dim(theme.tool))];
            for entry in entries {
                let status = entry.get("status").and_then(Value::as_str).unwrap_or("");
                let mark = match status {
                    "completed" => "✓",
                    "in_progress" => "▸",
                    _ => "·",
                };
                let content = entry.get("content").and_then(Value::as_str).unwrap_or("");
                lines.extend(wrap(
                    content,
                    cols,
                    Span::raw(format!("  {mark} ")),
                    Span::raw("    "),
                    dim(theme.text),
                ));
            }
            lines
        }
        TranscriptItem::Permission(permission) => permission_lines(permission, cols, theme, past),
        TranscriptItem::Usage {
            used, size, cost, ..
        } => {
            let cost = cost
                .as_ref()
                .map(|c| {
                    let amount = c.get("amount").map(Value::to_string).unwrap_or_default();
                    let currency = c.get("currency").and_then(Value::as_str).unwrap_or("");
                    format!("  cost {amount} {}", clean(currency))
                })
                .unwrap_or_default();
            let show = |v: &Option<Value>| {
                v.as_ref()
                    .map(Value::to_string)
                    .unwrap_or_else(|| "?".into())
            };
            vec![Line::styled(
                format!("Σ usage {} / {} tokens{cost}", show(used), show(size)),
                dim(theme.dim),
            )]
        }
        TranscriptItem::Connection { method, .. } => {
            vec![Line::styled(format!("── {} ──", clean(method)), theme.dim)]
        }
        TranscriptItem::Replay { events, .. } => {
            vec![Line::styled(
                format!("↺ {events} history events replayed by the agent"),
                theme.dim,
            )]
        }
        TranscriptItem::TurnEnd { stop_reason, .. } => {
            vec![Line::styled(format!("■ {}", clean(stop_reason)), theme.dim)]
        }
        TranscriptItem::TurnError {
            message,
            code,
            data,
            ..
        } => {
            let code = code.map(|c| format!(" {c}")).unwrap_or_default();
            let mut lines = wrap(
                message,
                cols,
                Span::styled(format!("✗ error{code}: "), theme.error),
                indent(),
                theme.error,
            );
            if let Some(details) = data
                .as_ref()
                .and_then(|d| d.get("details"))
                .and_then(Value::as_str)
            {
                lines.extend(wrap(details, cols, indent(), indent(), theme.error));
            }
            lines
        }
        TranscriptItem::Cancel { .. } => vec![Line::styled("⊘ cancel requested", theme.error)],
        TranscriptItem::Other { label, .. } => {
            vec![Line::styled(format!("· {}", clean(label)), theme.dim)]
        }
    }
}

fn labeled(
    label: &str,
    text: &str,
    cols: usize,
    label_style: Style,
    style: Style,
) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(label.to_string(), label_style)];
    lines.extend(wrap(text, cols, Span::raw("  "), Span::raw("  "), style));
    lines
}

fn tool_lines(call: &ToolCall, cols: usize, theme: &Theme, past: bool) -> Vec<Line<'static>> {
    let style = if past {
        theme.tool.patch(theme.dim)
    } else {
        theme.tool
    };
    let glyph = match call.status.as_str() {
        "completed" => "✓",
        "failed" => "✗",
        "in_progress" => "▸",
        _ => "·",
    };
    let kind = call
        .tool_kind
        .as_deref()
        .map(|k| format!("  {}", clean(k)))
        .unwrap_or_default();
    let head = format!(
        "⚙ {} [{glyph} {}]{kind}",
        clean(&call.title),
        clean(&call.status)
    );
    let mut lines = vec![Line::styled(truncate(&head, cols), style)];
    if let Some(input) = &call.raw_input {
        lines.push(Line::styled(
            truncate(&format!("  in  {}", clean(&input.to_string())), cols),
            theme.dim,
        ));
    }
    for text in call.content.iter().take(1) {
        let first: Vec<&str> = text.lines().take(4).collect();
        lines.extend(wrap(
            &first.join("\n"),
            cols,
            Span::raw("  │ "),
            Span::raw("  │ "),
            theme.dim,
        ));
    }
    if let Some(output) = &call.raw_output {
        lines.push(Line::styled(
            truncate(&format!("  out {}", clean(&output.to_string())), cols),
            theme.dim,
        ));
    }
    lines
}

fn permission_lines(
    permission: &Permission,
    cols: usize,
    theme: &Theme,
    past: bool,
) -> Vec<Line<'static>> {
    let style = if past {
        theme.key.patch(theme.dim)
    } else {
        theme.key
    };
    let answer = permission
        .selected
        .as_deref()
        .map(clean)
        .unwrap_or_else(|| "no answer".to_string());
    let options: Vec<String> = permission
        .options
        .iter()
        .filter_map(|o| {
            o.get("optionId")
                .or_else(|| o.get("name"))
                .and_then(Value::as_str)
                .map(clean)
        })
        .collect();
    vec![
        Line::styled(
            truncate(
                &format!("? permission: {} → {answer}", clean(&permission.title)),
                cols,
            ),
            style,
        ),
        Line::styled(
            truncate(&format!("  options: {}", options.join(", ")), cols),
            theme.dim,
        ),
    ]
}

fn attempt_doc(
    attempt: &AttemptContent,
    folded: &std::collections::HashSet<String>,
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
    match &attempt.output {
        Some(output) => {
            doc.heading("Output  (Enter folds)", theme);
            for line in json_tree::lines(output, folded) {
                let action = line.foldable.then(|| LineAction::Fold(line.path.clone()));
                doc.push(json_line(&line, cols, theme), action);
            }
        }
        None => doc.push(Line::styled("no output", theme.dim), None),
    }
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
            doc.heading(title, theme);
            if text.is_empty() {
                doc.push(Line::styled("  (empty)", theme.dim), None);
            } else {
                doc.extend(wrap(
                    text,
                    cols,
                    Span::raw("  "),
                    Span::raw("  "),
                    theme.text,
                ));
            }
        }
    }
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

fn json_line(line: &json_tree::JsonLine, cols: usize, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::raw("  ".repeat(line.depth + 1))];
    for token in &line.tokens {
        let (text, style) = match token {
            Token::Key(s) => (s, theme.json_key),
            Token::String(s) => (s, theme.json_string),
            Token::Number(s) => (s, theme.json_number),
            Token::Literal(s) => (s, theme.json_number),
            Token::Summary(s) => (s, theme.dim),
            Token::Punct(s) => (s, theme.text),
        };
        spans.push(Span::styled(clean(text), style));
    }
    let width: usize = spans.iter().map(|s| super::text::width(&s.content)).sum();
    if width > cols {
        let text: String = spans.iter().map(|s| s.content.as_ref()).collect();
        return Line::raw(truncate(&text, cols));
    }
    Line::from(spans)
}

fn events_doc(
    events: &EventsContent,
    expanded: &std::collections::HashSet<(bool, u32)>,
    cols: usize,
    theme: &Theme,
) -> Doc {
    let mut doc = Doc::new();
    doc.push(
        Line::styled(
            format!("trace events ({})  Enter expands", events.trace.len()),
            theme.title,
        ),
        None,
    );
    for row in &events.trace {
        push_event(&mut doc, row, true, expanded, cols, theme);
    }
    if let Some(session) = &events.session_id {
        doc.heading(
            &format!(
                "session {} · JSON-RPC ({})",
                clean(session),
                events.session.len()
            ),
            theme,
        );
        for row in &events.session {
            push_event(&mut doc, row, false, expanded, cols, theme);
        }
    }
    doc
}

fn push_event(
    doc: &mut Doc,
    row: &crate::tui::inspect::EventRow,
    trace: bool,
    expanded: &std::collections::HashSet<(bool, u32)>,
    cols: usize,
    theme: &Theme,
) {
    let open = expanded.contains(&(trace, row.seq));
    let arrow = if open { "▾" } else { "▸" };
    let direction = match (trace, row.detail.as_str()) {
        (false, "outbound") => "→ ",
        (false, "inbound") => "← ",
        _ => "",
    };
    let text = format!(
        "{arrow} {:>5} {direction}{}  {}",
        row.seq,
        clean(&row.label),
        if trace {
            clean(&row.detail)
        } else {
            String::new()
        }
    );
    doc.push(
        Line::styled(truncate(&text, cols), theme.text),
        Some(LineAction::Expand(trace, row.seq)),
    );
    if open {
        for line in json_tree::lines(&row.body, &Default::default()) {
            doc.push(json_line(&line, cols, theme), None);
        }
    }
}
