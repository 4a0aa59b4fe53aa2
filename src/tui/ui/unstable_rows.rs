//! Rows that are redrawn whole because they show, or showed in the last
//! frame, a grapheme cluster terminals disagree on (flags, ZWJ sequences,
//! skin tones: see `display_width::is_unstable`).
//!
//! ratatui redraws only the cells that changed and assumes the terminal
//! drew a two-cell cluster in two cells. A terminal that draws a flag as
//! two one-cell indicators, or a ZWJ family as four emoji, leaves the
//! excess on screen when the cluster scrolls away and the cells after it
//! are unchanged in the buffer: the stray `🇱` after scrolling past `🇮🇱`.
//! Rewriting every cell of such a row replaces whatever the terminal made
//! of the cluster.

use ratatui::buffer::{Buffer, CellDiffOption};

use crate::display_width::is_unstable;

#[derive(Debug, Default)]
pub struct UnstableRows {
    /// Rows (absolute y) of the last frame with an unstable cluster.
    last: Vec<u16>,
}

impl UnstableRows {
    /// Marks for a full redraw every row of `buf` that has an unstable
    /// cluster now or had one in the last frame, and remembers this
    /// frame's rows for the next.
    pub fn mark(&mut self, buf: &mut Buffer) {
        let area = buf.area;
        let now: Vec<u16> = (area.top()..area.bottom())
            .filter(|&y| {
                (area.left()..area.right())
                    .any(|x| buf.cell((x, y)).is_some_and(|c| is_unstable(c.symbol())))
            })
            .collect();
        for &y in now.iter().chain(&self.last) {
            for x in area.left()..area.right() {
                if let Some(cell) = buf.cell_mut((x, y)) {
                    if cell.diff_option == CellDiffOption::None {
                        cell.diff_option = CellDiffOption::AlwaysUpdate;
                    }
                }
            }
        }
        self.last = now;
    }
}

#[cfg(test)]
mod tests {
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    use super::*;

    const FLAG_IL: &str = "\u{1F1EE}\u{1F1F1}";

    fn frame(rows: &[&str]) -> Buffer {
        let mut buf = Buffer::empty(Rect::new(0, 0, 10, rows.len() as u16));
        for (y, row) in rows.iter().enumerate() {
            buf.set_string(0, y as u16, row, Style::default());
        }
        buf
    }

    /// The cells a terminal is sent to go from `prev` to `next`.
    fn sent(prev: &Buffer, next: &Buffer) -> Vec<(u16, u16)> {
        prev.diff(next).iter().map(|&(x, y, _)| (x, y)).collect()
    }

    #[test]
    fn a_row_that_showed_a_flag_is_rewritten_whole() {
        let mut rows = UnstableRows::default();
        let mut first = frame(&["ab", &format!("x{FLAG_IL}y")]);
        rows.mark(&mut first);
        // The flag scrolled up a row: both rows are rewritten whole, so
        // whatever the terminal made of the flag (one cell or two,
        // indicators drawn apart) is overwritten, including the columns
        // whose buffer cells did not change.
        let mut second = frame(&[&format!("x{FLAG_IL}y"), "ab"]);
        rows.mark(&mut second);
        let cells = sent(&first, &second);
        for y in 0..2 {
            let xs: Vec<u16> = cells.iter().filter(|c| c.1 == y).map(|c| c.0).collect();
            // The flag's hidden second cell is the only one not sent.
            let expected: Vec<u16> = (0..10).filter(|&x| !(y == 0 && x == 2)).collect();
            assert_eq!(xs, expected, "row {y}");
        }
        // The frame after the flag left is rewritten too; from then on
        // (ratatui compares the marks as well) frames are plain diffs.
        let mut third = frame(&["ab", "ab"]);
        rows.mark(&mut third);
        assert_eq!(sent(&second, &third).len(), 20);
        let mut fourth = frame(&["ab", "ab"]);
        rows.mark(&mut fourth);
        let mut fifth = frame(&["ab", "ab"]);
        rows.mark(&mut fifth);
        assert!(sent(&fourth, &fifth).is_empty());
    }

    #[test]
    fn rows_without_unstable_clusters_are_diffed_as_usual() {
        let mut rows = UnstableRows::default();
        let mut first = frame(&["翻訳 🚀", "ab"]);
        rows.mark(&mut first);
        let mut second = frame(&["翻訳 🚀", "ac"]);
        rows.mark(&mut second);
        assert_eq!(sent(&first, &second), [(1, 1)]);
    }
}
