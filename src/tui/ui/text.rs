//! Text helpers for panes: sanitizing bundle strings, display widths,
//! truncation and wrapping into ratatui lines.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_segmentation::UnicodeSegmentation;

use crate::display_width::{grapheme_width, prefix_within};
use crate::sanitize::{sanitize_line, sanitize_text};

/// A single-line span of bundle text, sanitized.
pub fn clean(text: &str) -> String {
    sanitize_line(text).into_owned()
}

/// Display cells (per grapheme cluster, as the buffer counts them).
pub fn width(text: &str) -> usize {
    crate::display_width::width(text)
}

/// Cuts `text` to at most `max` columns, marking the cut with `…`; a
/// grapheme cluster (a flag, a ZWJ sequence) is never split.
pub fn truncate(text: &str, max: usize) -> String {
    crate::display_width::truncate(text, max)
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
    // Each line has the room its own prefix leaves.
    let room = |lead: &Span| cols.saturating_sub(width(&lead.content)).max(8);
    let mut lines = Vec::new();
    for raw in clean.split('\n') {
        let raw = raw.replace('\t', "    ");
        let mut rest = raw.as_str();
        loop {
            let lead = if lines.is_empty() {
                first_prefix.clone()
            } else {
                prefix.clone()
            };
            let (head, tail) = split_at_width(rest, room(&lead));
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
    let cells: Vec<(&str, Style)> = line
        .spans
        .iter()
        .flat_map(|span| {
            let style = line.style.patch(span.style);
            span.content.graphemes(true).map(move |g| (g, style))
        })
        .collect();
    let mut lines = Vec::new();
    let mut current: Vec<(&str, Style)> = Vec::new();
    let (mut used, mut base) = (0usize, 0usize);
    let mut i = 0;
    while i < cells.len() {
        let start = i;
        while i < cells.len() && cells[i].0 != " " {
            i += 1;
        }
        let word = &cells[start..i];
        let spaces_start = i;
        while i < cells.len() && cells[i].0 == " " {
            i += 1;
        }
        let word_width: usize = word.iter().map(|(g, _)| grapheme_width(g)).sum();
        let mut push_line =
            |current: &mut Vec<(&str, Style)>, used: &mut usize, base: &mut usize| {
                lines.push(styled_line(std::mem::take(current)));
                current.extend(std::iter::repeat_n((" ", Style::default()), indent));
                *used = indent;
                *base = indent;
            };
        if used + word_width > cols && used > base {
            push_line(&mut current, &mut used, &mut base);
        }
        for &(g, style) in word {
            let w = grapheme_width(g);
            if used + w > cols && used > base {
                push_line(&mut current, &mut used, &mut base);
            }
            current.push((g, style));
            used += w;
        }
        for &(g, style) in &cells[spaces_start..i] {
            if used < cols {
                current.push((g, style));
                used += 1;
            }
        }
    }
    lines.push(styled_line(current));
    lines
}

/// Cells back into spans (one per run of a style), trailing spaces trimmed.
fn styled_line(mut cells: Vec<(&str, Style)>) -> Line<'static> {
    while cells.last().is_some_and(|(g, _)| *g == " ") {
        cells.pop();
    }
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style = None;
    for (g, s) in cells {
        if style.is_some_and(|current| current != s) {
            spans.push(Span::styled(
                std::mem::take(&mut text),
                style.unwrap_or_default(),
            ));
        }
        style = Some(s);
        text.push_str(g);
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

/// `line` with every occurrence of `needle` (matched as the search does:
/// ASCII case-insensitively) in `hit` style, across span boundaries; and
/// whether there was one. An empty needle marks nothing.
pub fn highlight(line: Line<'static>, needle: &str, hit: Style) -> (Line<'static>, bool) {
    if needle.is_empty() {
        return (line, false);
    }
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    // Lowercasing ASCII keeps every byte offset where it was.
    let haystack = text.to_ascii_lowercase();
    let needle = needle.to_ascii_lowercase();
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    let mut from = 0;
    while let Some(at) = haystack[from..].find(&needle) {
        let start = from + at;
        ranges.push((start, start + needle.len()));
        from = start + needle.len();
    }
    if ranges.is_empty() {
        return (line, false);
    }
    let mut spans = Vec::new();
    let mut offset = 0;
    for span in &line.spans {
        let (start, end) = (offset, offset + span.content.len());
        offset = end;
        // Cut points of this span: its ends and the ends of hits inside it.
        let mut cuts = vec![start, end];
        for &(a, b) in &ranges {
            cuts.extend([a, b].into_iter().filter(|&c| c > start && c < end));
        }
        cuts.sort_unstable();
        cuts.dedup();
        for pair in cuts.windows(2) {
            let piece = &text[pair[0]..pair[1]];
            let inside = ranges.iter().any(|&(a, b)| a <= pair[0] && pair[1] <= b);
            let style = if inside {
                span.style.patch(hit)
            } else {
                span.style
            };
            spans.push(Span::styled(piece.to_string(), style));
        }
    }
    let mut out = Line::from(spans);
    out.style = line.style;
    out.alignment = line.alignment;
    (out, true)
}

/// Splits at the last space within `cols` columns (or hard at `cols`,
/// between grapheme clusters; at least one cluster goes on each line).
fn split_at_width(text: &str, cols: usize) -> (&str, &str) {
    let (mut cut, _) = prefix_within(text, cols);
    if cut == text.len() {
        return (text, "");
    }
    if cut == 0 {
        cut = text.graphemes(true).next().map_or(text.len(), str::len);
        return (&text[..cut], &text[cut..]);
    }
    if text[cut..].starts_with(' ') {
        return (&text[..cut], &text[cut + 1..]);
    }
    match text[..cut].rfind(' ').filter(|&s| s > 0) {
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

    /// Flags and ZWJ sequences are kept whole whatever the width, and
    /// every wrapped line fits: checked against ratatui's own measure.
    #[test]
    fn wrapping_never_splits_a_grapheme_cluster() {
        use ratatui::buffer::CellWidth;
        let flags = "\u{1F1EF}\u{1F1F5}\u{1F1F8}\u{1F1E6}\u{1F1EE}\u{1F1F1}";
        let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}";
        let text = format!("{flags}{family}翻訳{flags}");
        let clusters: Vec<&str> = text.graphemes(true).collect();
        for cols in 8..=13 {
            let lines = wrap(&text, cols, Span::raw(""), Span::raw(""), Style::default());
            let mut rejoined = Vec::new();
            for line in &lines {
                let shown = line.to_string();
                assert!(shown.cell_width() as usize <= cols, "{shown:?} at {cols}");
                rejoined.extend(shown.graphemes(true).map(str::to_string));
            }
            assert_eq!(rejoined, clusters, "at {cols} columns");
            let styled = wrap_line(&Line::raw(text.clone()), cols, 0);
            let kept: Vec<String> = styled
                .iter()
                .flat_map(|l| {
                    let shown = l.to_string();
                    assert!(shown.cell_width() as usize <= cols);
                    shown
                        .graphemes(true)
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                })
                .collect();
            assert_eq!(kept, clusters, "wrap_line at {cols} columns");
        }
        // A cut leaves out half a flag rather than showing one indicator.
        assert_eq!(truncate(flags, 5), "\u{1F1EF}\u{1F1F5}\u{1F1F8}\u{1F1E6}…");
    }

    #[test]
    fn hits_are_highlighted_across_spans_whatever_their_case() {
        let hit = Style::default().add_modifier(ratatui::style::Modifier::REVERSED);
        let bold = Style::default().add_modifier(ratatui::style::Modifier::BOLD);
        let line = Line::from(vec![
            Span::raw("a Port is "),
            Span::styled("po", bold),
            Span::raw("rt 翻訳 PORT"),
        ]);
        let (marked, found) = highlight(line.clone(), "port", hit);
        assert!(found);
        assert_eq!(marked.to_string(), line.to_string());
        let hits: Vec<(String, Style)> = marked
            .spans
            .iter()
            .filter(|s| {
                s.style
                    .add_modifier
                    .contains(ratatui::style::Modifier::REVERSED)
            })
            .map(|s| (s.content.to_string(), s.style))
            .collect();
        // Three occurrences by hand: "Port", "po|rt" across two spans
        // (the bold part stays bold), "PORT".
        assert_eq!(
            hits.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(),
            ["Port", "po", "rt", "PORT"]
        );
        assert!(hits[1]
            .1
            .add_modifier
            .contains(ratatui::style::Modifier::BOLD));
        let (same, none) = highlight(line.clone(), "xyz", hit);
        assert!(!none);
        assert_eq!(same, line);
        let (cjk, found) = highlight(Line::raw("ab 翻訳 cd"), "翻訳", hit);
        assert!(found);
        assert_eq!(cjk.spans[1].content, "翻訳");
    }
}
