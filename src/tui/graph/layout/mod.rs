//! Graph layout in terminal cells. Pure geometry (no terminal types), so it
//! is computed once per flow and view and then only blitted, and the engine
//! behind these few types can change without touching the widget.
//!
//! Two kinds: the *map* (layered top→down, Sugiyama-style, like the upstream
//! viewer's ELK drawing) and the *rail* (one node per row with edges in
//! lanes on the left, like `git log --graph`), which fits any graph into a
//! narrow pane.

pub mod badges;
mod graph;
mod map;
mod order;
mod place;
mod rail;
mod tracks;

#[cfg(test)]
mod test_flows;
#[cfg(test)]
mod tests;

use crate::bundle::flow::FlowDefinition;

/// A laid-out graph. Coordinates are cells from the layout's top-left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphLayout {
    pub width: u16,
    pub height: u16,
    /// One box per flow node, in flow order (`nodes[i].node == i`).
    pub nodes: Vec<NodeBox>,
    pub edges: Vec<EdgeRoute>,
    pub kind: LayoutKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayoutKind {
    Map,
    Rail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeBox {
    /// Index into `flow.nodes`.
    pub node: usize,
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub height: u16,
    /// Map: the layer. Rail: the row.
    pub layer: u16,
}

impl NodeBox {
    pub fn contains(&self, x: u16, y: u16) -> bool {
        x >= self.x
            && y >= self.y
            && u32::from(x) < u32::from(self.x) + u32::from(self.width)
            && u32::from(y) < u32::from(self.y) + u32::from(self.height)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeRoute {
    pub from: usize,
    pub to: usize,
    /// Switch case(s), sanitized; cut to the room found when placed.
    pub label: Option<String>,
    /// Closes a loop: drawn against the flow, dashed.
    pub back: bool,
    /// Orthogonal polyline: starts on the source box border, ends on the
    /// target box border (map) or at the node's rail column (rail).
    pub points: Vec<(u16, u16)>,
    /// Where the label's first cell goes (beside the edge), if it fits.
    pub label_at: Option<(u16, u16)>,
}

impl GraphLayout {
    pub fn empty(kind: LayoutKind) -> GraphLayout {
        GraphLayout {
            width: 0,
            height: 0,
            nodes: Vec::new(),
            edges: Vec::new(),
            kind,
        }
    }

    /// The node whose box covers cell (x, y), for mouse clicks.
    pub fn node_at(&self, x: u16, y: u16) -> Option<usize> {
        self.nodes.iter().find(|b| b.contains(x, y)).map(|b| b.node)
    }

    pub fn node_box(&self, node: usize) -> Option<&NodeBox> {
        match self.nodes.get(node) {
            Some(b) if b.node == node => Some(b),
            _ => self.nodes.iter().find(|b| b.node == node),
        }
    }
}

/// Layered top→down drawing of the whole definition.
pub fn map_layout(flow: &FlowDefinition) -> GraphLayout {
    map::layout(flow)
}

/// One node per row, edges in lanes on the left.
pub fn rail_layout(flow: &FlowDefinition) -> GraphLayout {
    rail::layout(flow)
}

/// Width of the rail's id column for this flow (the widget pads to it).
pub fn rail_id_column(flow: &FlowDefinition) -> usize {
    rail::id_column(flow)
}

/// Display width of a sanitized string, measured per grapheme cluster as
/// the buffer measures it (so boxes fit the drawn text).
pub fn text_width(text: &str) -> usize {
    crate::display_width::width(text)
}

/// `text` cut to at most `max` cells, with `…` when shortened (never
/// inside a grapheme cluster).
pub fn truncate(text: &str, max: usize) -> String {
    crate::display_width::truncate(text, max)
}

/// Clamps a computed coordinate into the cell range.
fn cell(v: i64) -> u16 {
    v.clamp(0, i64::from(u16::MAX)) as u16
}
