//! The flow graph pane: layout (pure, no terminal types) and its widget.
//!
//! The layout is computed once per flow and view kind (`map_layout`,
//! `rail_layout`); moving the cursor only changes the `NodeOverlay`s and the
//! scroll handed to `GraphView`.

pub mod layout;
pub mod widget;

#[cfg(test)]
mod snapshot_tests;

pub use layout::{map_layout, rail_layout, EdgeRoute, GraphLayout, LayoutKind, NodeBox};
pub use widget::{fits, scroll_to_show, GraphStyles, GraphView, NodeOverlay};
