//! Text helpers for panes: sanitizing bundle strings, display widths,
//! truncation and wrapping into ratatui lines.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::sanitize::{sanitize_line, sanitize_text};

/// A single-line span of bundle text, sanitized.
pub fn clean(text: &str) -> String {
    sanitize_line(text).into_owned()
}

pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// Cuts `text` to at most `max` columns, marking the cut with `…`.
pub fn truncate(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Pads or cuts to exactly `cols` columns.
pub fn fit(text: &str, cols: usize) -> String {
    let cut = truncate(text, cols);
    let pad = cols.saturating_sub(width(&cut));
    format!("{cut}{}", " ".repeat(pad))
}

/// Wraps multi-line bundle text to `cols`, each line prefixed by `prefix`
/// (the first line by `first_prefix`), all in `style`.
pub fn wrap(
    text: &str,
    cols: usize,
    first_prefix: Span<'static>,
    prefix: Span<'static>,
    style: Style,
) -> Vec<Line<'static>> {
    let clean = sanitize_text(text, true);
    let room = cols.saturating_sub(width(&prefix.content)).max(8);
    let mut lines = Vec::new();
    for raw in clean.split('\n') {
        let raw = raw.replace('\t', "    ");
        let mut rest = raw.as_str();
        loop {
            let (head, tail) = split_at_width(rest, room);
            let lead = if lines.is_empty() {
                first_prefix.clone()
            } else {
                prefix.clone()
            };
            lines.push(Line::from(vec![
                lead,
                Span::styled(head.to_string(), style),
            ]));
            if tail.is_empty() {
                break;
            }
            rest = tail;
        }
    }
    if lines.is_empty() {
        lines.push(Line::from(vec![first_prefix]));
    }
    lines
}

/// Wraps a styled line to `cols` columns on spaces (a word longer than a
/// line is split), keeping each span's style; continuation lines start
/// with `indent` spaces. Nothing is dropped but the spaces at a break, so
/// a box sized to the result shows all of the text.
pub fn wrap_line(line: &Line<'_>, cols: usize, indent: usize) -> Vec<Line<'static>> {
    let cols = cols.max(1);
    let indent = if indent * 2 > cols { 0 } else { indent };
    let cells: Vec<(char, Style)> = line
        .spans
        .iter()
        .flat_map(|span| {
            let style = line.style.patch(span.style);
            span.content.chars().map(move |c| (c, style))
        })
        .collect();
    let mut lines = Vec::new();
    let mut current: Vec<(char, Style)> = Vec::new();
    let (mut used, mut base) = (0usize, 0usize);
    let mut i = 0;
    while i < cells.len() {
        let start = i;
        while i < cells.len() && cells[i].0 != ' ' {
            i += 1;
        }
        let word = &cells[start..i];
        let spaces_start = i;
        while i < cells.len() && cells[i].0 == ' ' {
            i += 1;
        }
        let word_width: usize = word.iter().map(|(c, _)| c.width().unwrap_or(0)).sum();
        let mut push_line =
            |current: &mut Vec<(char, Style)>, used: &mut usize, base: &mut usize| {
                lines.push(styled_line(std::mem::take(current)));
                current.extend(std::iter::repeat_n((' ', Style::default()), indent));
                *used = indent;
                *base = indent;
            };
        if used + word_width > cols && used > base {
            push_line(&mut current, &mut used, &mut base);
        }
        for &(c, style) in word {
            let w = c.width().unwrap_or(0);
            if used + w > cols && used > base {
                push_line(&mut current, &mut used, &mut base);
            }
            current.push((c, style));
            used += w;
        }
        for &(c, style) in &cells[spaces_start..i] {
            if used < cols {
                current.push((c, style));
                used += 1;
            }
        }
    }
    lines.push(styled_line(current));
    lines
}

/// Cells back into spans (one per run of a style), trailing spaces trimmed.
fn styled_line(mut cells: Vec<(char, Style)>) -> Line<'static> {
    while cells.last().is_some_and(|(c, _)| *c == ' ') {
        cells.pop();
    }
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style = None;
    for (c, s) in cells {
        if style.is_some_and(|current| current != s) {
            spans.push(Span::styled(
                std::mem::take(&mut text),
                style.unwrap_or_default(),
            ));
        }
        style = Some(s);
        text.push(c);
    }
    if !text.is_empty() {
        spans.push(Span::styled(text, style.unwrap_or_default()));
    }
    Line::from(spans)
}

/// Wraps every line (see `wrap_line`).
pub fn wrap_lines(lines: &[Line<'_>], cols: usize, indent: usize) -> Vec<Line<'static>> {
    lines
        .iter()
        .flat_map(|line| wrap_line(line, cols, indent))
        .collect()
}

/// Splits at the last space within `cols` columns (or hard at `cols`).
fn split_at_width(text: &str, cols: usize) -> (&str, &str) {
    let mut used = 0;
    let mut cut = text.len();
    let mut last_space = None;
    for (i, c) in text.char_indices() {
        let w = c.width().unwrap_or(0);
        if used + w > cols {
            cut = i;
            break;
        }
        if c == ' ' {
            last_space = Some(i);
        }
        used += w;
    }
    if cut == text.len() {
        return (text, "");
    }
    if text[cut..].starts_with(' ') {
        return (&text[..cut], &text[cut + 1..]);
    }
    match last_space.filter(|&s| s > 0) {
        Some(space) => (&text[..space], &text[space + 1..]),
        None => (&text[..cut], &text[cut..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_on_words_and_sanitizes() {
        let lines = wrap(
            "alpha beta gamma\u{1b}[2J",
            12,
            Span::raw("> "),
            Span::raw("  "),
            Style::default(),
        );
        let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        assert_eq!(text, ["> alpha beta", "  gamma\u{241b}[2J"]);
    }

    #[test]
    fn styled_lines_wrap_on_words_without_losing_text() {
        let bold = Style::default().add_modifier(ratatui::style::Modifier::BOLD);
        let line = Line::from(vec![
            Span::raw("label  "),
            Span::styled("alpha beta", bold),
            Span::raw(" gamma-delta-epsilon-zeta"),
        ]);
        let wrapped = wrap_line(&line, 12, 2);
        let text: Vec<String> = wrapped.iter().map(|l| l.to_string()).collect();
        assert_eq!(
            text,
            [
                "label  alpha",
                "  beta",
                "  gamma-delt",
                "  a-epsilon-",
                "  zeta"
            ]
        );
        assert!(wrapped.iter().all(|l| l.width() <= 12));
        // The bold words keep their style across the break.
        assert_eq!(wrapped[0].spans[1].style, bold);
        assert_eq!(wrapped[1].spans[1].content, "beta");
        assert_eq!(wrapped[1].spans[1].style, bold);
        // Every character but the spaces at the breaks is still there.
        let kept: String = text.concat().chars().filter(|c| *c != ' ').collect();
        let source: String = line.to_string().chars().filter(|c| *c != ' ').collect();
        assert_eq!(kept, source);
    }

    #[test]
    fn truncates_by_display_width() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("日本語テキスト", 5), "日本…");
        assert_eq!(fit("ab", 4), "ab  ");
    }
}
