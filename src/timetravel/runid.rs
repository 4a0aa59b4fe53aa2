//! acpx-style run ids: `<ISO time without ':' and '.'>-<slug(flow)>-<8 hex>`,
//! so new runs sort by start time with the ones acpx writes.

use crate::bundle::timestamp::format_iso_millis;

/// Lowercase ASCII alphanumerics, other runs of characters → one `-`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// A new run id for `flow_name` at `now_ms`, with a random 8-hex suffix.
pub fn new_run_id(flow_name: &str, now_ms: i64) -> String {
    let stamp: String = format_iso_millis(now_ms)
        .chars()
        .filter(|c| *c != ':' && *c != '.')
        .collect();
    format!("{stamp}-{}-{}", slug(flow_name), random_hex8())
}

/// 8 hex digits from the OS-seeded hasher, the clock and the pid: unique
/// enough for ids that also carry a millisecond timestamp.
pub fn random_hex8() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.write_u32(std::process::id());
    format!("{:08x}", hasher.finish() as u32)
}

pub use crate::bundle::timestamp::now_ms;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_acpx_ids() {
        assert_eq!(slug("Gen: Branching  Review!"), "gen-branching-review");
        let id = new_run_id("gen-branching-review", 1_795_451_476_156);
        assert!(
            id.starts_with("2026-11-23T163116156Z-gen-branching-review-"),
            "{id}"
        );
        let suffix = id.rsplit('-').next().unwrap_or("");
        assert!(
            suffix.len() == 8 && suffix.chars().all(|c| c.is_ascii_hexdigit()),
            "{id}"
        );
        assert_ne!(random_hex8(), random_hex8());
    }
}
