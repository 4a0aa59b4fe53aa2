//! An edit (ACP `{"type":"diff","path","oldText","newText"}`) drawn as a
//! coloured unified diff: the path with what changed, `@@` hunk headers,
//! old and new line numbers, `+`/`−` gutters. Folded to a few lines until
//! Enter unfolds it; `o` shows the whole diff (`unified_text`) in
//! `$PAGER`. A new file (`oldText` null) is all additions.
//!
//! ```text
//! ✎ src/app.ts  +2 −1
//! @@ -3,4 +3,5 @@
//!  3  3   const port = 80;
//!  4    − listen(port);
//!     4 + listen(port, host);
//!     5 + log("up");
//! … 12 more lines (Enter to unfold)
//! ```

use std::time::Duration;

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use similar::{ChangeTag, DiffOp, TextDiff};

use crate::humanize;
use crate::tui::theme::Theme;
use crate::tui::ui::text::{clean, truncate, width};

/// Diff lines shown while folded (hunk headers count).
pub const FOLDED_LINES: usize = 5;
/// Lines of context around each change.
const CONTEXT: usize = 3;
/// Lines of each side diffed for the pane (the pager diffs them all).
const INLINE_INPUT_LINES: usize = 5_000;
/// Diff lines drawn unfolded; the rest are in the pager.
const UNFOLDED_LINES: usize = 2_000;
/// Diffing stops looking for the smallest diff after this and settles for
/// a correct, larger one (pathological inputs), so a frame stays quick.
const DIFF_DEADLINE: Duration = Duration::from_millis(100);

/// What an edit changes: `old` is None for a new file.
#[derive(Debug, Clone, Copy)]
pub struct Edit<'a> {
    pub path: &'a str,
    pub old: Option<&'a str>,
    pub new: &'a str,
}

/// The drawn diff; `folded` says how many diff lines the fold hides.
pub struct DiffLines {
    pub lines: Vec<Line<'static>>,
    pub folded: usize,
}

/// The first `max` lines of `text` (and whether some were left out).
fn head_lines(text: &str, max: usize) -> (&str, bool) {
    match text.match_indices('\n').nth(max.saturating_sub(1)) {
        Some((at, _)) if at + 1 < text.len() => (&text[..at + 1], true),
        _ => (text, false),
    }
}

/// One diff line: numbers in the gutter, then the sign and the text.
enum Row {
    Hunk(String),
    Change {
        old: Option<usize>,
        new: Option<usize>,
        tag: ChangeTag,
        text: String,
    },
}

fn rows(old: &str, new: &str) -> (Vec<Row>, usize, usize) {
    let diff = TextDiff::configure()
        .timeout(DIFF_DEADLINE)
        .diff_lines(old, new);
    let (mut added, mut removed) = (0, 0);
    let mut rows = Vec::new();
    for group in diff.grouped_ops(CONTEXT) {
        rows.push(Row::Hunk(hunk_header(&group)));
        for op in &group {
            for change in diff.iter_changes(op) {
                match change.tag() {
                    ChangeTag::Insert => added += 1,
                    ChangeTag::Delete => removed += 1,
                    ChangeTag::Equal => {}
                }
                let text = change.value();
                rows.push(Row::Change {
                    old: change.old_index().map(|i| i + 1),
                    new: change.new_index().map(|i| i + 1),
                    tag: change.tag(),
                    text: text.strip_suffix('\n').unwrap_or(text).to_string(),
                });
            }
        }
    }
    (rows, added, removed)
}

/// `@@ -3,4 +3,5 @@` for a group of operations.
fn hunk_header(group: &[DiffOp]) -> String {
    let (Some(first), Some(last)) = (group.first(), group.last()) else {
        return "@@ @@".to_string();
    };
    let range = |start: usize, end: usize| {
        let len = end - start;
        // An empty range is named by the line before it, as diff(1) does.
        let from = if len == 0 { start } else { start + 1 };
        if len == 1 {
            from.to_string()
        } else {
            format!("{from},{len}")
        }
    };
    format!(
        "@@ -{} +{} @@",
        range(first.old_range().start, last.old_range().end),
        range(first.new_range().start, last.new_range().end)
    )
}

/// The diff as lines `cols` wide at most: all of it when `unfolded`, else
/// its first `FOLDED_LINES` and a line saying how many more there are.
pub fn diff_lines(edit: &Edit, unfolded: bool, cols: usize, theme: &Theme) -> DiffLines {
    let (old, old_cut) = head_lines(edit.old.unwrap_or(""), INLINE_INPUT_LINES);
    let (new, new_cut) = head_lines(edit.new, INLINE_INPUT_LINES);
    let (rows, added, removed) = rows(old, new);
    let what = match edit.old {
        None => format!("  new file  +{added}"),
        Some(_) if rows.is_empty() => "  no changes".to_string(),
        Some(_) => format!("  +{added} −{removed}"),
    };
    let path_room = cols.saturating_sub(width(&what)).max(cols / 2);
    let mut lines = vec![Line::from(vec![
        Span::styled(
            truncate(&format!("✎ {}", clean(edit.path)), path_room),
            theme.title,
        ),
        Span::styled(truncate(&what, cols.saturating_sub(path_room)), theme.dim),
    ])];
    let number_width = rows
        .iter()
        .filter_map(|row| match row {
            Row::Change { old, new, .. } => old.max(new).map(|n| n.to_string().len()),
            Row::Hunk(_) => None,
        })
        .max()
        .unwrap_or(1);
    let shown = if unfolded {
        UNFOLDED_LINES
    } else {
        FOLDED_LINES
    };
    for row in rows.iter().take(shown) {
        lines.push(row_line(row, number_width, cols, theme));
    }
    let hidden = rows.len().saturating_sub(shown);
    let mut folded = 0;
    if hidden > 0 && !unfolded {
        folded = hidden;
        lines.push(Line::styled(
            truncate(
                &format!(
                    "… {} more {} (Enter to unfold)",
                    humanize::count(hidden as u64),
                    if hidden == 1 { "line" } else { "lines" }
                ),
                cols,
            ),
            theme.key,
        ));
    } else if hidden > 0 || old_cut || new_cut {
        lines.push(Line::styled(
            truncate("… the rest of the diff: o opens it in $PAGER", cols),
            theme.key,
        ));
    }
    DiffLines { lines, folded }
}

fn row_line(row: &Row, number_width: usize, cols: usize, theme: &Theme) -> Line<'static> {
    let (old, new, tag, text) = match row {
        Row::Hunk(header) => return Line::styled(truncate(header, cols), theme.diff_hunk),
        Row::Change {
            old,
            new,
            tag,
            text,
        } => (old, new, tag, text),
    };
    let number = |n: &Option<usize>| match n {
        Some(n) => format!("{n:>number_width$}"),
        None => " ".repeat(number_width),
    };
    let gutter = format!("{} {} ", number(old), number(new));
    let (sign, style): (&str, Style) = match tag {
        ChangeTag::Insert => ("+ ", theme.diff_added),
        ChangeTag::Delete => ("− ", theme.diff_removed),
        ChangeTag::Equal => ("  ", theme.text),
    };
    let room = cols.saturating_sub(gutter.chars().count() + 2);
    let body = clean(&text.replace('\t', "    "));
    Line::from(vec![
        Span::styled(gutter, theme.dim),
        Span::styled(sign.to_string(), style),
        Span::styled(truncate(&body, room), style),
    ])
}

/// The whole diff as unified-diff text, for `$PAGER` (the pager
/// sanitizes what it shows).
pub fn unified_text(edit: &Edit) -> String {
    let old = edit.old.unwrap_or("");
    let diff = TextDiff::configure()
        .timeout(DIFF_DEADLINE)
        .diff_lines(old, edit.new);
    let from = match edit.old {
        Some(_) => format!("a/{}", edit.path),
        None => "/dev/null".to_string(),
    };
    diff.unified_diff()
        .context_radius(CONTEXT)
        .header(&from, &format!("b/{}", edit.path))
        .to_string()
}

#[cfg(test)]
mod tests {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::widgets::{Paragraph, Widget};

    use super::*;

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn a_change_shows_numbers_signs_and_a_hunk_header() {
        let old = "a\nb\nc\nd\n";
        let new = "a\nb\nC\nd\ne\n";
        let edit = Edit {
            path: "src/x.ts",
            old: Some(old),
            new,
        };
        let theme = Theme::colored();
        let drawn = diff_lines(&edit, true, 40, &theme);
        // Expected by hand from the two texts: line 3 replaced, line 5 added.
        assert_eq!(
            text(&drawn.lines),
            [
                "✎ src/x.ts  +2 −1",
                "@@ -1,4 +1,5 @@",
                "1 1   a",
                "2 2   b",
                "3   − c",
                "  3 + C",
                "4 4   d",
                "  5 + e",
            ]
        );
        assert_eq!(drawn.folded, 0);
        let removed = &drawn.lines[4].spans[1];
        assert_eq!(removed.style, theme.diff_removed);
        assert_eq!(drawn.lines[5].spans[2].style, theme.diff_added);
    }

    #[test]
    fn a_new_file_is_all_additions_and_folds() {
        let new: String = (1..=20).map(|i| format!("line {i}\n")).collect();
        let edit = Edit {
            path: "docs/new.md",
            old: None,
            new: &new,
        };
        let theme = Theme::plain();
        let folded = diff_lines(&edit, false, 40, &theme);
        let shown = text(&folded.lines);
        assert_eq!(shown[0], "✎ docs/new.md  new file  +20");
        assert_eq!(shown[1], "@@ -0,0 +1,20 @@");
        assert_eq!(shown[2], "    1 + line 1");
        // Header + FOLDED_LINES diff lines + the fold line; 21 diff lines
        // (one hunk header, twenty additions) less the shown ones.
        assert_eq!(shown.len(), 1 + FOLDED_LINES + 1);
        assert_eq!(folded.folded, 21 - FOLDED_LINES);
        assert_eq!(
            shown.last().map(String::as_str),
            Some(format!("… {} more lines (Enter to unfold)", 21 - FOLDED_LINES).as_str())
        );
        let unfolded = diff_lines(&edit, true, 40, &theme);
        assert_eq!(unfolded.lines.len(), 1 + 21);
        assert_eq!(unfolded.lines[21].to_string(), "   20 + line 20");
    }

    #[test]
    fn hostile_and_wide_text_is_cleaned_and_cut_whole() {
        let flag = "\u{1F1EF}\u{1F1F5}";
        let new = format!("\u{1b}[2Jclear\n{}\n", flag.repeat(30));
        let edit = Edit {
            path: "a\u{1b}]0;x\u{7}.txt",
            old: Some(""),
            new: &new,
        };
        let drawn = diff_lines(&edit, true, 24, &Theme::plain());
        let mut buf = Buffer::empty(Rect::new(0, 0, 24, 4));
        Paragraph::new(drawn.lines.clone()).render(buf.area, &mut buf);
        let all: String = buf.content().iter().map(|c| c.symbol()).collect();
        assert!(!all.contains('\u{1b}') && !all.contains('\u{7}'));
        assert!(all.contains("\u{241b}[2Jclear"));
        for line in &drawn.lines {
            assert!(line.width() <= 24, "{line}");
        }
        // The flags row is cut between flags, ending in the cut mark.
        let flags = drawn.lines[3].to_string();
        assert!(flags.ends_with('…'));
        let indicators = flags.chars().filter(|c| *c > '\u{1F1E5}').count();
        assert_eq!(indicators % 2, 0);
    }

    #[test]
    fn the_pager_text_is_a_standard_unified_diff() {
        let edit = Edit {
            path: "f",
            old: Some("x\ny\n"),
            new: "x\nz\n",
        };
        assert_eq!(
            unified_text(&edit),
            "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n x\n-y\n+z\n"
        );
        let created = Edit {
            path: "g",
            old: None,
            new: "1\n",
        };
        assert_eq!(
            unified_text(&created),
            "--- /dev/null\n+++ b/g\n@@ -0,0 +1 @@\n+1\n"
        );
    }
}
