//! Writing to stdout and stderr: everything sanitized, a closed pipe never
//! an error or a panic.

use std::io::Write as _;

/// Writes a command's output to stdout. A closed pipe (`reel show | head`)
/// is not an error worth a message, and must never be a panic. Everything
/// passes the terminal sanitizer once more here, so no path or string that
/// a command forgot to clean can reach the terminal raw (JSON output is
/// already escaped and passes unchanged).
pub(crate) fn emit(text: &str) {
    emit_raw(crate::sanitize::sanitize_text(text, true).as_bytes());
}

/// Bytes reel generated itself (a completion script, a man page), as they
/// are: they hold nothing from a bundle.
pub(crate) fn emit_raw(bytes: &[u8]) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(bytes).and_then(|()| stdout.flush());
}

/// A line for stderr, `reel: ` first, sanitized like everything printed.
pub(crate) fn say(message: impl std::fmt::Display) {
    let line = format!("reel: {}", message);
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{}", crate::sanitize::sanitize_line(&line));
}
