//! Demos: narrated, scripted tours of runs.
//!
//! `tour` defines the line-based `.tour` script format and its parser; the
//! shipped tours live in `assets/tours/`.

pub mod asciicast;
pub mod player;
pub mod scratch;
pub mod tour;
