//! Display width of text in terminal cells, measured per grapheme cluster
//! the way ratatui's buffer measures it, so CLI columns and TUI boxes line
//! up with what is drawn. Cuts fall between grapheme clusters only: a flag
//! (two regional indicators) or a ZWJ sequence is kept whole or dropped.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Cells one grapheme cluster takes. Clusters with a control character are
/// not drawn at all (ratatui drops them); halfwidth katakana sound marks
/// take a cell of their own, as terminals draw them.
pub fn grapheme_width(grapheme: &str) -> usize {
    if grapheme.contains(char::is_control) {
        return 0;
    }
    if grapheme.len() == 1 {
        return 1;
    }
    let marks = grapheme
        .chars()
        .filter(|c| matches!(c, '\u{FF9E}' | '\u{FF9F}'))
        .count();
    UnicodeWidthStr::width(grapheme) + marks
}

/// Cells `text` takes on one line.
pub fn width(text: &str) -> usize {
    text.graphemes(true).map(grapheme_width).sum()
}

/// The longest prefix of `text` within `cols` cells, cut between grapheme
/// clusters: `(byte length, cells)`.
pub fn prefix_within(text: &str, cols: usize) -> (usize, usize) {
    let mut used = 0;
    for (at, grapheme) in text.grapheme_indices(true) {
        let w = grapheme_width(grapheme);
        if used + w > cols {
            return (at, used);
        }
        used += w;
    }
    (text.len(), used)
}

/// Cuts `text` to at most `max` cells, marking a cut with `…`.
pub fn truncate(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let (cut, _) = prefix_within(text, max.saturating_sub(1));
    format!("{}…", &text[..cut])
}

/// Left-aligns `text` in `cols` cells (longer text is left as it is).
pub fn pad(text: &str, cols: usize) -> String {
    let used = width(text);
    format!("{text}{}", " ".repeat(cols.saturating_sub(used)))
}

/// Right-aligns `text` in `cols` cells.
pub fn pad_left(text: &str, cols: usize) -> String {
    let used = width(text);
    format!("{}{text}", " ".repeat(cols.saturating_sub(used)))
}

/// Clusters that terminals draw with different widths: flags and lone
/// regional indicators, ZWJ sequences, skin tones, keycaps, tag sequences
/// and emoji presentation selectors. Where one of these is or was on
/// screen, a partial redraw may leave stray cells, so such rows are
/// redrawn whole.
pub fn is_unstable(grapheme: &str) -> bool {
    grapheme.chars().any(|c| {
        matches!(c,
            '\u{1F1E6}'..='\u{1F1FF}' // regional indicators (flags)
            | '\u{200D}' // zero-width joiner
            | '\u{FE0F}' // emoji presentation
            | '\u{1F3FB}'..='\u{1F3FF}' // skin tones
            | '\u{20E3}' // keycap
            | '\u{E0020}'..='\u{E007F}' // tag sequences (subdivision flags)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLAG_JP: &str = "\u{1F1EF}\u{1F1F5}";
    const CODER: &str = "\u{1F469}\u{1F3FD}\u{200D}\u{1F4BB}";

    #[test]
    fn clusters_are_measured_whole() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("翻訳"), 4);
        assert_eq!(width("ترجمة"), 5);
        // A flag is one two-cell cluster, not two one-cell indicators; a
        // ZWJ sequence of four code points with a modifier is two cells.
        assert_eq!(width(FLAG_JP), 2);
        assert_eq!(width(CODER), 2);
        assert_eq!(width("a\u{1b}b"), 2);
    }

    #[test]
    fn cuts_never_split_a_cluster() {
        let text = format!("ab{FLAG_JP}{CODER}c");
        // Room for "ab" and half a flag: the flag is left out whole.
        assert_eq!(prefix_within(&text, 3), (2, 2));
        assert_eq!(truncate(&text, 4), "ab…");
        assert_eq!(truncate(&text, 6), format!("ab{FLAG_JP}…"));
        assert_eq!(truncate(&text, 7), text);
        assert_eq!(truncate("日本語テキスト", 5), "日本…");
        assert_eq!(truncate("abc", 0), "");
    }

    #[test]
    fn padding_counts_cells() {
        assert_eq!(pad("翻訳", 6), "翻訳  ");
        assert_eq!(pad(FLAG_JP, 3), format!("{FLAG_JP} "));
        assert_eq!(pad_left("ab", 4), "  ab");
        assert_eq!(pad("toolong", 3), "toolong");
    }

    #[test]
    fn emoji_sequences_are_unstable_and_cjk_is_not() {
        assert!(is_unstable(FLAG_JP));
        assert!(is_unstable("\u{1F1EF}"));
        assert!(is_unstable(CODER));
        assert!(!is_unstable("翻"));
        assert!(!is_unstable("🚀"));
        assert!(!is_unstable("a"));
    }
}
