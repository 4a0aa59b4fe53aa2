//! Small text helpers for the human-readable output. Every string that came
//! from a bundle passes through `clean` before it is printed.

pub use crate::humanize::{clean, duration, pad};

/// A path for one line of output: control characters (a newline in a
/// folder name included) become visible placeholders.
pub fn path(p: &std::path::Path) -> String {
    crate::sanitize::sanitize_line(&p.display().to_string()).into_owned()
}

/// The time-of-day part of an ISO timestamp (`16:31:16.188`).
pub fn time_of_day(iso: Option<&str>) -> String {
    iso.and_then(|s| s.get(11..23)).unwrap_or("").to_string()
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
