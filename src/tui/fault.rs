//! Injected faults for the end-to-end tests of how the viewer ends
//! (tests/tui_signals.rs): `REEL_FAULT=ui-panic|ui-hang|worker-panic|
//! draw-error` makes the real binary fail in that way, so the tests can
//! check the terminal is restored. Read once; unset, it costs nothing.

use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The UI thread panics after the first draw.
    UiPanic,
    /// The UI thread stops answering after the first draw.
    UiHang,
    /// Effect worker threads panic.
    WorkerPanic,
    /// Every draw after the first fails with an I/O error.
    DrawError,
}

fn armed() -> Option<Fault> {
    static FAULT: OnceLock<Option<Fault>> = OnceLock::new();
    *FAULT.get_or_init(|| match std::env::var("REEL_FAULT").ok()?.as_str() {
        "ui-panic" => Some(Fault::UiPanic),
        "ui-hang" => Some(Fault::UiHang),
        "worker-panic" => Some(Fault::WorkerPanic),
        "draw-error" => Some(Fault::DrawError),
        _ => None,
    })
}

/// Whether this fault was asked for.
pub fn is(fault: Fault) -> bool {
    armed() == Some(fault)
}

/// Panics with a recognisable message if `fault` was asked for.
pub fn panic_if(fault: Fault, name: &str) {
    if is(fault) {
        panic!("injected fault: {name}");
    }
}
