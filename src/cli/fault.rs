//! Test builds only: `REEL_FAULT_AFTER=<point>` aborts the process right
//! after that point of a rewind, undo or fork, as a crash or `kill -9`
//! would (nothing is cleaned up: that is recovery's job).

/// Whether a fault point is armed (never in release builds).
pub fn armed() -> bool {
    cfg!(debug_assertions) && std::env::var_os("REEL_FAULT_AFTER").is_some()
}

/// Aborts if `name` is the armed point.
pub fn point(name: &str) {
    if armed() && std::env::var("REEL_FAULT_AFTER").is_ok_and(|v| v == name) {
        std::process::abort();
    }
}
