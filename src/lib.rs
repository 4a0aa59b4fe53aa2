//! `reel` — a terminal replay viewer for acpx flow run bundles.
//!
//! Layers point one way: `cli → model → bundle`. Nothing below the (future)
//! `tui` module touches a terminal, so every operation is a plain function the
//! CLI and the tests can call.

pub mod bundle;
pub mod cli;
pub mod demo;
pub mod display_width;
pub mod humanize;
pub mod model;
pub mod sanitize;
pub mod synth;
pub mod timetravel;
pub mod tui;
pub mod watch;
