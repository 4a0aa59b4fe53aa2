//! The terminal UI: app state, actions, keymap, panes, overlays, theme and
//! terminal setup. The only module that imports ratatui or crossterm.

pub mod graph;
