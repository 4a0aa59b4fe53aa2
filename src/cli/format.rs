//! Small text helpers for the human-readable output. Every string that came
//! from a bundle passes through `clean` before it is printed.

use std::borrow::Cow;

use crate::sanitize::sanitize_line;

/// A single-line, sanitized, length-limited form of bundle text.
pub fn clean(text: &str, max_chars: usize) -> String {
    let line: Cow<str> = sanitize_line(text);
    truncate(&line, max_chars)
}

pub fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let kept: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{kept}…")
}

pub use crate::humanize::duration;

/// The time-of-day part of an ISO timestamp (`16:31:16.188`).
pub fn time_of_day(iso: Option<&str>) -> String {
    iso.and_then(|s| s.get(11..23)).unwrap_or("").to_string()
}

/// Left-aligns `text` in `width` columns (counting chars, not bytes).
pub fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    if len >= width {
        text.to_string()
    } else {
        format!("{text}{}", " ".repeat(width - len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_escapes_and_truncates() {
        assert_eq!(clean("a\u{1b}[2Jb", 80), "a\u{241b}[2Jb");
        assert_eq!(clean("abcdef", 4), "abc…");
        assert_eq!(pad("ab", 4), "ab  ");
    }
}
