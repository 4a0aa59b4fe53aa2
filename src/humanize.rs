//! Human-readable figures and text shared by the CLI and the TUI.

use std::borrow::Cow;

use crate::sanitize::sanitize_line;

/// A single-line, sanitized form of bundle text cut to `max_cols` cells.
pub fn clean(text: &str, max_cols: usize) -> String {
    let line: Cow<str> = sanitize_line(text);
    truncate(&line, max_cols)
}

/// Cuts to `max_cols` display cells, never inside a grapheme cluster.
pub fn truncate(text: &str, max_cols: usize) -> String {
    crate::display_width::truncate(text, max_cols)
}

/// Left-aligns `text` in `cols` display cells (CJK and emoji count two).
pub fn pad(text: &str, cols: usize) -> String {
    crate::display_width::pad(text, cols)
}

/// `850ms`, `2.4s`, `3m05s`, `1h02m`.
pub fn duration(ms: u64) -> String {
    match ms {
        0..=999 => format!("{ms}ms"),
        1000..=59_999 => format!("{:.1}s", ms as f64 / 1000.0),
        60_000..=3_599_999 => format!("{}m{:02}s", ms / 60_000, ms / 1000 % 60),
        3_600_000..=86_399_999 => format!("{}h{:02}m", ms / 3_600_000, ms / 60_000 % 60),
        _ => format!("{}d{:02}h", ms / 86_400_000, ms / 3_600_000 % 24),
    }
}

/// `1 step`, `9 steps`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `9,999,000`: a count with thousands separators.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `512 B`, `64 KiB`, `1.5 MiB`, `2.0 GiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value.fract() == 0.0 || value >= 100.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(10), "10ms");
        assert_eq!(duration(2375), "2.4s");
        assert_eq!(duration(185_000), "3m05s");
        assert_eq!(duration(3_720_000), "1h02m");
        assert_eq!(duration(86_399_999), "23h59m");
        assert_eq!(duration(7 * 86_400_000 + 5 * 3_600_000), "7d05h");
        assert_eq!(plural(1, "step"), "1 step");
        assert_eq!(plural(0, "step"), "0 steps");
    }

    #[test]
    fn sizes_and_counts_read_naturally() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(9_999_000), "9,999,000");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(64 << 10), "64 KiB");
        assert_eq!(bytes(3 << 19), "1.5 MiB");
        assert_eq!(bytes(2 << 30), "2 GiB");
        assert_eq!(bytes((2 << 30) + (1 << 28)), "2.2 GiB");
    }
}
