//! Drawing in layout coordinates through a scrolled, clipped viewport, and
//! a line canvas that turns polylines into box-drawing glyphs: each cell
//! records which of its four sides a line leaves through, so crossings and
//! junctions come out right whatever order edges are drawn in.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

pub const UP: u8 = 1;
pub const DOWN: u8 = 2;
pub const LEFT: u8 = 4;
pub const RIGHT: u8 = 8;

/// The part of the layout shown in `area`, its top-left at `scroll`.
pub struct Viewport<'b> {
    pub buf: &'b mut Buffer,
    pub area: Rect,
    pub scroll: (u16, u16),
}

impl Viewport<'_> {
    /// Screen cell of layout cell (x, y), if it is visible.
    pub fn screen(&self, x: u16, y: u16) -> Option<(u16, u16)> {
        let dx = x.checked_sub(self.scroll.0)?;
        let dy = y.checked_sub(self.scroll.1)?;
        if dx >= self.area.width || dy >= self.area.height {
            return None;
        }
        Some((self.area.x + dx, self.area.y + dy))
    }

    pub fn put(&mut self, x: u16, y: u16, symbol: &str, style: Style) {
        if let Some(pos) = self.screen(x, y) {
            if let Some(cell) = self.buf.cell_mut(pos) {
                cell.set_symbol(symbol).set_style(style);
            }
        }
    }

    /// Writes `text` from (x, y) in at most `max` cells, clipped to the
    /// viewport on both sides. Returns the cells used.
    pub fn text(&mut self, x: u16, y: u16, text: &str, max: u16, style: Style) -> u16 {
        if max == 0 || text.is_empty() {
            return 0;
        }
        // Lay the text out on its own line first so wide characters are
        // measured by ratatui, then copy the visible cells.
        let mut line = Buffer::empty(Rect::new(0, 0, max, 1));
        let (end, _) = line.set_stringn(0, 0, text, usize::from(max), style);
        for i in 0..end {
            let Some(lx) = x.checked_add(i) else { break };
            if let (Some(pos), Some(src)) = (self.screen(lx, y), line.cell((i, 0))) {
                if let Some(cell) = self.buf.cell_mut(pos) {
                    *cell = src.clone();
                }
            }
        }
        end
    }
}

/// Line bits of the visible cells; solid and dashed lines kept apart.
pub struct Canvas {
    origin: (u16, u16),
    width: u16,
    height: u16,
    solid: Vec<u8>,
    dashed: Vec<u8>,
    /// Cells where some line turns, starts or ends: there, meeting lines
    /// join; elsewhere they only cross.
    joint: Vec<bool>,
}

impl Canvas {
    pub fn new(origin: (u16, u16), width: u16, height: u16) -> Canvas {
        let size = usize::from(width) * usize::from(height);
        Canvas {
            origin,
            width,
            height,
            solid: vec![0; size],
            dashed: vec![0; size],
            joint: vec![false; size],
        }
    }

    fn index(&self, x: u32, y: u32) -> Option<usize> {
        let dx = x.checked_sub(u32::from(self.origin.0))?;
        let dy = y.checked_sub(u32::from(self.origin.1))?;
        (dx < u32::from(self.width) && dy < u32::from(self.height))
            .then(|| dy as usize * usize::from(self.width) + dx as usize)
    }

    fn mark(&mut self, x: u32, y: u32, bits: u8, dashed: bool) {
        if let Some(i) = self.index(x, y) {
            if dashed {
                self.dashed[i] |= bits;
            } else {
                self.solid[i] |= bits;
            }
        }
    }

    /// Marks an orthogonal polyline, walking only its visible cells.
    pub fn polyline(&mut self, points: &[(u16, u16)], dashed: bool) {
        for &(x, y) in points {
            if let Some(i) = self.index(u32::from(x), u32::from(y)) {
                self.joint[i] = true;
            }
        }
        for pair in points.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if a.1 == b.1 {
                self.run(
                    a.0,
                    b.0,
                    |c, x, bits| c.mark(x, u32::from(a.1), bits, dashed),
                    (LEFT, RIGHT),
                    self.horizontal_window(),
                );
            } else if a.0 == b.0 {
                self.run(
                    a.1,
                    b.1,
                    |c, y, bits| c.mark(u32::from(a.0), y, bits, dashed),
                    (UP, DOWN),
                    self.vertical_window(),
                );
            }
        }
    }

    fn horizontal_window(&self) -> (u32, u32) {
        let lo = u32::from(self.origin.0);
        (lo, lo + u32::from(self.width))
    }

    fn vertical_window(&self) -> (u32, u32) {
        let lo = u32::from(self.origin.1);
        (lo, lo + u32::from(self.height))
    }

    /// Visits the cells of a straight run from `from` to `to` that fall in
    /// `window`, with the bits towards the run's previous and next cells.
    fn run(
        &mut self,
        from: u16,
        to: u16,
        mut mark: impl FnMut(&mut Canvas, u32, u8),
        (back, ahead): (u8, u8),
        window: (u32, u32),
    ) {
        let (lo, hi) = (u32::from(from.min(to)), u32::from(from.max(to)));
        let first = lo.max(window.0);
        let last = hi.min(window.1.saturating_sub(1));
        for v in first..=last {
            let mut bits = 0;
            if v > lo {
                bits |= back;
            }
            if v < hi {
                bits |= ahead;
            }
            mark(self, v, bits);
        }
    }

    /// Visible cells with lines: layout x, layout y and what to draw.
    pub fn cells(&self) -> impl Iterator<Item = (u16, u16, Lines)> + '_ {
        (0..self.solid.len()).filter_map(move |i| {
            let (solid, dashed) = (self.solid[i], self.dashed[i]);
            if solid | dashed == 0 {
                return None;
            }
            let w = usize::from(self.width);
            let x = self.origin.0 as usize + i % w;
            let y = self.origin.1 as usize + i / w;
            let lines = Lines {
                solid,
                dashed,
                joint: self.joint[i],
            };
            Some((x as u16, y as u16, lines))
        })
    }
}

/// The lines through one cell.
#[derive(Debug, Clone, Copy)]
pub struct Lines {
    pub solid: u8,
    pub dashed: u8,
    pub joint: bool,
}

impl Lines {
    pub fn bits(self) -> u8 {
        self.solid | self.dashed
    }

    pub fn is_solid(self) -> bool {
        self.solid != 0
    }
}

/// Box-drawing glyph for a cell. Dashed-only straight lines are dotted and
/// their corners rounded, so loops stay distinct from forward edges. Lines
/// that merely cross show the vertical one whole and the horizontal one
/// broken (a bridge), so a crossing never reads as a junction.
pub fn line_glyph(lines: Lines, rounded: bool) -> &'static str {
    let solid = lines.solid;
    let bits = lines.bits();
    let vertical = bits & (UP | DOWN) != 0;
    let horizontal = bits & (LEFT | RIGHT) != 0;
    if vertical && horizontal && !lines.joint {
        return if solid & (UP | DOWN) != 0 {
            "│"
        } else {
            "┆"
        };
    }
    let dashed_only = solid == 0;
    let round = rounded || dashed_only;
    match bits {
        b if b == UP | DOWN || b == UP || b == DOWN => {
            if dashed_only {
                "┆"
            } else {
                "│"
            }
        }
        b if b == LEFT | RIGHT || b == LEFT || b == RIGHT => {
            if dashed_only {
                "┄"
            } else {
                "─"
            }
        }
        b if b == DOWN | RIGHT => pick(round, "╭", "┌"),
        b if b == DOWN | LEFT => pick(round, "╮", "┐"),
        b if b == UP | RIGHT => pick(round, "╰", "└"),
        b if b == UP | LEFT => pick(round, "╯", "┘"),
        b if b == UP | DOWN | RIGHT => "├",
        b if b == UP | DOWN | LEFT => "┤",
        b if b == DOWN | LEFT | RIGHT => "┬",
        b if b == UP | LEFT | RIGHT => "┴",
        _ => "┼",
    }
}

fn pick(round: bool, rounded: &'static str, square: &'static str) -> &'static str {
    if round {
        rounded
    } else {
        square
    }
}
