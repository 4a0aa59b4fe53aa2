//! Continuing a `waiting` run — a fork, or a run acpx stopped at a
//! checkpoint — in place, through acpx's own engine: a small Node driver
//! (`driver.mjs`, embedded) drives acpx's exported `FlowRunner` on the
//! bundle, seeded from the files on disk (see `../shared/RESUME.md`).

pub mod engine;
