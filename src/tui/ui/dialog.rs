//! Drawing the modal dialogs over the run view. Lines are wrapped to the
//! box before it is sized, so no message is cut off.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::text::{clean, wrap_lines};
use super::{centered, pane_block};
use crate::tui::dialog::{Dialog, ForkField};
use crate::tui::keymap::Keymap;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, dialog: &Dialog, theme: &Theme, keymap: &Keymap) {
    let (title, lines, width) = match dialog {
        Dialog::Resume(resume) => {
            return super::resume_dialog::draw(frame, area, resume, theme, keymap)
        }
        Dialog::Confirm { title, body, .. } => {
            // The last line says which keys answer: it stays in sight.
            let lines: Vec<Line> = body.iter().map(|l| Line::raw(clean(l))).collect();
            let split = lines.len().saturating_sub(1);
            let (head, tail) = lines.split_at(split);
            let width = 76;
            let lines = fit_keeping_tail(head, tail, area, width, theme);
            (title.clone(), lines, width)
        }
        Dialog::Working { title } => (title.clone(), vec![Line::styled("working…", theme.dim)], 50),
        Dialog::Fork {
            preview,
            patch,
            label,
            field,
            error,
            can_continue,
            ..
        } => {
            let (head, tail) = fork_lines(
                preview.as_deref(),
                (patch, label, *field),
                error.as_deref(),
                can_continue.as_ref(),
                theme,
            );
            let width = 84;
            let lines = fit_keeping_tail(&head, &tail, area, width, theme);
            ("Fork a new run here".to_string(), lines, width)
        }
        Dialog::Report {
            title,
            body,
            scroll,
        } => {
            // Scrolled by source lines, shown wrapped: the room left is
            // filled with the wrapped lines from the scrolled-to one on.
            let width = 110.min(area.width);
            let inner = usize::from(width.saturating_sub(2)).max(1);
            let footer = Line::styled("j/k scroll · any other key closes", theme.dim);
            let room = usize::from(area.height.saturating_sub(3)).max(1);
            let mut lines: Vec<Line> = body
                .iter()
                .skip(*scroll)
                .flat_map(|l| wrap_lines(&[Line::raw(clean(l))], inner, 2))
                .take(room)
                .collect();
            lines.push(footer);
            (title.clone(), lines, width)
        }
        Dialog::Lineage { rows, selected } => {
            let mut lines: Vec<Line> = rows
                .iter()
                .enumerate()
                .map(|(i, (label, path))| {
                    let style = if i == *selected {
                        theme.selection
                    } else if path.is_none() {
                        theme.dim
                    } else {
                        theme.text
                    };
                    Line::styled(clean(label), style)
                })
                .collect();
            lines.push(Line::styled("Enter opens a branch · Esc closes", theme.dim));
            (
                "Lineage".to_string(),
                lines,
                area.width.saturating_sub(4).clamp(40, 140),
            )
        }
    };
    let inner = usize::from(width.min(area.width).saturating_sub(2)).max(1);
    let lines = wrap_lines(&lines, inner, 2);
    let height = (lines.len() as u16 + 2).min(area.height);
    let mut rect = centered(area, width, height);
    if matches!(dialog, Dialog::Fork { .. }) {
        // Over the inspector, so the graph with its preview overlay shows.
        rect.x = area.x + area.width.saturating_sub(rect.width + 1);
    }
    boxed(frame, rect, &title, lines, theme);
}

/// `head` then `tail`, wrapped to the box; when they do not fit the screen
/// the end of `head` gives way (with a count), never the `tail` — a
/// dialog's fields and keys stay in sight on a small terminal.
fn fit_keeping_tail(
    head: &[Line],
    tail: &[Line],
    area: Rect,
    width: u16,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let inner = usize::from(width.min(area.width).saturating_sub(2)).max(1);
    let room = usize::from(area.height.saturating_sub(2));
    let (mut head, tail) = (wrap_lines(head, inner, 2), wrap_lines(tail, inner, 2));
    if head.len() + tail.len() > room {
        let keep = room.saturating_sub(tail.len() + 1);
        let hidden = head.len() - keep.min(head.len());
        head.truncate(keep);
        head.push(Line::styled(format!("… {hidden} more lines"), theme.dim));
    }
    head.extend(tail);
    head
}

/// The fork dialog as (preview, then fields and keys).
fn fork_lines<'a>(
    preview: Option<&[String]>,
    (patch, label, field): (&str, &str, ForkField),
    error: Option<&str>,
    can_continue: Option<&Result<(), String>>,
    theme: &Theme,
) -> (Vec<Line<'a>>, Vec<Line<'a>>) {
    let mut head: Vec<Line> = match preview {
        Some(preview) => preview.iter().map(|l| Line::raw(clean(l))).collect(),
        None => vec![Line::styled("computing the preview…", theme.dim)],
    };
    head.push(Line::raw(""));
    let mut lines = Vec::new();
    let input = |name: &str, value: &str, active: bool| {
        let cursor = if active { "█" } else { "" };
        Line::from(vec![
            Span::styled(
                format!("{name:>12}: "),
                if active { theme.key } else { theme.dim },
            ),
            Span::raw(format!("{}{cursor}", clean(value))),
        ])
    };
    lines.push(input("input patch", patch, field == ForkField::Patch));
    lines.push(input("label", label, field == ForkField::Label));
    if let Some(error) = error {
        lines.push(Line::styled(clean(error), theme.error));
    }
    lines.push(Line::styled(
        "patch: JSON merge patch on the run input (optional) · Tab field · Enter fork · Esc cancel",
        theme.dim,
    ));
    lines.push(match can_continue {
        Some(Ok(())) => Line::styled(
            "ctrl-r: fork and continue (the fork's continue dialog opens; nothing runs before you confirm there)",
            theme.key,
        ),
        Some(Err(why)) => Line::styled(
            format!("fork and continue is not offered: {}", clean(why)),
            theme.dim,
        ),
        None => Line::styled("checking whether the fork could be continued…", theme.dim),
    });
    (head, lines)
}

/// A tour caption: a titled box low on the screen, over the panes.
pub fn draw_caption(frame: &mut Frame, area: Rect, title: &str, text: &str, theme: &Theme) {
    let width = area.width.saturating_sub(8).min(90);
    let lines: Vec<Line> = text.lines().map(|l| Line::raw(clean(l))).collect();
    let height = (lines.len() as u16 + 2).min(area.height);
    let x = area.x + (area.width.saturating_sub(width)) / 2;
    let y = area.y + area.height.saturating_sub(height + 2);
    let rect = Rect::new(x, y, width, height);
    boxed(frame, rect, title, lines, theme);
}

/// A titled, wrapped text box drawn over whatever is below it.
fn boxed(frame: &mut Frame, rect: Rect, title: &str, lines: Vec<Line>, theme: &Theme) {
    frame.render_widget(Clear, rect);
    let block = pane_block(
        Line::styled(format!(" {} ", clean(title)), theme.title),
        true,
        theme,
    );
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}
