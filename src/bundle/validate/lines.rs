//! Every line of the NDJSON logs parsed in full. The indexes skim lines
//! for the few fields they need and skip over the rest, so a line can be
//! indexed yet fail when its payload is read (invalid UTF-8 or escapes in
//! a skipped part, a number out of range, nesting too deep). `validate`
//! reads each line as the viewer eventually will.

use std::path::Path;

use serde_json::Value;

use crate::bundle::error::{json_message, Problem};
use crate::bundle::{ndjson, Bundle};

/// Lines longer than this are checked for syntax without building a value
/// (the value of a huge line would take many times its size in memory).
const FULL_PARSE_MAX: usize = 64 << 20;

pub(super) fn check_lines(bundle: &Bundle, problems: &mut Vec<Problem>) {
    check_file(&bundle.root, &bundle.paths.trace, problems);
    for session in &bundle.sessions {
        check_file(&bundle.root, &session.events, problems);
    }
}

fn check_file(root: &Path, path: &Path, problems: &mut Vec<Problem>) {
    let mut first: Option<(usize, String)> = None;
    let mut bad = 0usize;
    let scanned = ndjson::scan_file(root, path, |line, raw| {
        let parsed = if raw.len() <= FULL_PARSE_MAX {
            serde_json::from_slice::<Value>(raw).map(drop)
        } else {
            serde_json::from_slice::<serde::de::IgnoredAny>(raw).map(drop)
        };
        if let Err(err) = parsed {
            bad += 1;
            first.get_or_insert((line.number, json_message(&err)));
        }
        Ok(())
    });
    // An absent, unreadable or unindexable file is reported by the other
    // checks.
    if scanned.is_err() {
        return;
    }
    if let Some((line, message)) = first {
        let more = match bad {
            1 => String::new(),
            n => format!(" ({} more line(s) like it)", n - 1),
        };
        problems.push(Problem::error(
            path,
            Some(line),
            format!("{message}: this event cannot be read{more}"),
        ));
    }
}
