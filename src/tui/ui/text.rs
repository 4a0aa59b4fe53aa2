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
    fn truncates_by_display_width() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("日本語テキスト", 5), "日本…");
        assert_eq!(fit("ab", 4), "ab  ");
    }
}
