//! A tool call's terminal (ACP `{"type":"terminal","terminalId"}`) as a
//! box: the terminal id on the top edge, the output the client returned
//! for it inside (its last lines until Enter unfolds it), how it ended on
//! the bottom edge, or a "still running" marker while `wait_for_exit` has
//! no answer.
//!
//! ```text
//! ┌ terminal term-1 ─────────────┐
//! │ … 40 earlier lines (Enter)   │
//! │ compiled 12 files            │
//! └ exit 0 ──────────────────────┘
//! ```

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::humanize;
use crate::tui::theme::Theme;
use crate::tui::ui::text::{clean, truncate, width};

/// Output lines shown while folded (the last ones: where a build fails).
pub const FOLDED_LINES: usize = 8;
/// Output lines shown unfolded; the rest are in the pager.
const UNFOLDED_LINES: usize = 2_000;

/// How the command behind a terminal ended, as far as the log says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit<'a> {
    Code(i64),
    Signal(&'a str),
    /// `terminal/wait_for_exit` was asked and never answered.
    Running,
    /// Nothing in the log says.
    Unknown,
}

#[derive(Debug, Clone, Copy)]
pub struct Terminal<'a> {
    pub id: &'a str,
    /// The output the client returned (`terminal/output`), if any.
    pub output: Option<&'a str>,
    /// The client said it cut the output (`truncated: true`).
    pub truncated: bool,
    pub exit: Exit<'a>,
}

/// The box, `cols` wide; `unfolded` shows all the output it can.
pub fn terminal_lines(
    terminal: &Terminal,
    unfolded: bool,
    cols: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let cols = cols.max(12);
    let inner = cols - 4;
    let border = theme.dim;
    let mut lines = vec![edge(
        "┌",
        "┐",
        &format!("terminal {}", clean(terminal.id)),
        theme.tool,
        cols,
        border,
    )];
    let output = terminal.output.unwrap_or("");
    let all: Vec<&str> = output
        .strip_suffix('\n')
        .unwrap_or(output)
        .split('\n')
        .collect();
    let keep = if unfolded {
        UNFOLDED_LINES
    } else {
        FOLDED_LINES
    };
    let hidden = all.len().saturating_sub(keep);
    let body = |text: String, style: Style| {
        let text = truncate(&text, inner);
        let pad = inner.saturating_sub(width(&text));
        Line::from(vec![
            Span::styled("│ ", border),
            Span::styled(text, style),
            Span::raw(" ".repeat(pad)),
            Span::styled(" │", border),
        ])
    };
    if terminal.truncated {
        lines.push(body("… cut by the client".to_string(), theme.key));
    }
    if hidden > 0 {
        let more = humanize::count(hidden as u64);
        let said = if unfolded {
            format!("… {more} earlier lines (o: all in $PAGER)")
        } else {
            format!("… {more} earlier lines (Enter to unfold)")
        };
        lines.push(body(said, theme.key));
    }
    if terminal.output.is_none() {
        lines.push(body("(no output in the log)".to_string(), theme.dim));
    } else {
        for line in &all[hidden..] {
            lines.push(body(clean(&line.replace('\t', "    ")), theme.text));
        }
    }
    let (status, style) = match terminal.exit {
        Exit::Code(0) => ("exit 0".to_string(), theme.dim),
        Exit::Code(code) => (format!("exit {code}"), theme.warning),
        Exit::Signal(signal) => (format!("killed by {}", clean(signal)), theme.warning),
        Exit::Running => (
            "⧗ still running (no exit in the log)".to_string(),
            theme.key,
        ),
        Exit::Unknown => ("exit not recorded".to_string(), theme.dim),
    };
    lines.push(edge("└", "┘", &status, style, cols, border));
    lines
}

/// A top or bottom edge with a label: `┌ label ───┐`.
fn edge(
    left: &str,
    right: &str,
    label: &str,
    label_style: Style,
    cols: usize,
    border: Style,
) -> Line<'static> {
    // `┌ ` + label + ` ` + dashes (one at least) + `┐`.
    let label = truncate(label, cols - 5);
    let dashes = cols.saturating_sub(width(&label) + 4);
    Line::from(vec![
        Span::styled(format!("{left} "), border),
        Span::styled(label, label_style),
        Span::styled(format!(" {}{right}", "─".repeat(dashes)), border),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn a_finished_terminal_is_boxed_with_its_exit_code() {
        let terminal = Terminal {
            id: "term-1",
            output: Some("compiled\nok\n"),
            truncated: false,
            exit: Exit::Code(2),
        };
        let theme = Theme::colored();
        let lines = terminal_lines(&terminal, false, 20, &theme);
        assert_eq!(
            text(&lines),
            [
                "┌ terminal term-1 ─┐",
                "│ compiled         │",
                "│ ok               │",
                "└ exit 2 ──────────┘",
            ]
        );
        assert!(lines.iter().all(|l| l.width() == 20), "{:?}", text(&lines));
        assert_eq!(lines[3].spans[1].style, theme.warning);
        let unknown = Terminal {
            exit: Exit::Unknown,
            output: None,
            ..terminal
        };
        let lines = text(&terminal_lines(&unknown, false, 30, &theme));
        assert!(lines[1].contains("(no output in the log)"));
        assert!(lines[2].contains("exit not recorded"));
    }

    #[test]
    fn a_pending_wait_is_marked_and_long_output_folds_to_its_tail() {
        let output: String = (1..=30).map(|i| format!("step {i}\n")).collect();
        let terminal = Terminal {
            id: "watch",
            output: Some(&output),
            truncated: false,
            exit: Exit::Running,
        };
        let lines = text(&terminal_lines(&terminal, false, 40, &Theme::plain()));
        // Edge, fold line, the last FOLDED_LINES lines, edge.
        assert_eq!(lines.len(), 2 + 1 + FOLDED_LINES);
        assert!(lines[1].contains(&format!("… {} earlier lines", 30 - FOLDED_LINES)));
        assert!(lines[2].contains(&format!("step {}", 30 - FOLDED_LINES + 1)));
        assert!(lines[lines.len() - 2].contains("step 30"));
        assert!(lines[lines.len() - 1].contains("still running"));
        let unfolded = terminal_lines(&terminal, true, 40, &Theme::plain());
        assert_eq!(unfolded.len(), 2 + 30);
    }

    #[test]
    fn hostile_output_is_cleaned_and_wide_text_keeps_the_box_square() {
        let terminal = Terminal {
            id: "t\u{1b}[31m",
            output: Some("\u{1b}]0;owned\u{7}\n翻訳翻訳翻訳翻訳翻訳翻訳翻訳翻訳翻訳"),
            truncated: true,
            exit: Exit::Signal("SIGKILL"),
        };
        let lines = terminal_lines(&terminal, false, 25, &Theme::plain());
        for line in &lines {
            let shown = line.to_string();
            assert!(
                !shown.contains('\u{1b}') && !shown.contains('\u{7}'),
                "{shown}"
            );
            assert_eq!(line.width(), 25, "{shown}");
        }
        assert!(lines[1].to_string().contains("cut by the client"));
        assert!(lines
            .last()
            .is_some_and(|l| l.to_string().contains("killed by SIGKILL")));
    }
}
