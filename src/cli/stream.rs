//! Output written piece by piece instead of built whole: what `emit` does
//! for a finished `String` (the terminal sanitizer once more, a closed pipe
//! ending the output quietly), for outputs as large as the run they
//! describe. Memory stays at one buffer whatever is written.

use std::io;

pub use crate::sanitize::writer::Sanitized;

/// Runs `write` against stdout (buffered, sanitized). A closed pipe
/// (`reel show --json | head`) stops the output without a message, like
/// `emit`.
pub fn to_stdout(
    write: impl FnOnce(&mut Sanitized<io::BufWriter<io::StdoutLock>>) -> io::Result<()>,
) {
    let stdout = io::stdout().lock();
    let mut out = Sanitized::new(io::BufWriter::with_capacity(1 << 16, stdout));
    if write(&mut out).is_ok() {
        let _ = out.finish();
    }
}
