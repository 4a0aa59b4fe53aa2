//! The session index built by skimming lines equals the one serde builds
//! (same entries, same strings, same errors), on every session log we have
//! and on lines mutated to be unusual.

use std::fs;
use std::path::{Path, PathBuf};

use reel::bundle::SessionIndex;

mod common;

/// Every session `events.ndjson` below `dir`.
fn session_logs_below(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(read) = fs::read_dir(dir) else { return };
    for entry in read.flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            session_logs_below(&path, out);
        } else if path.file_name().is_some_and(|n| n == "events.ndjson") {
            out.push(path);
        }
    }
}

fn check(bytes: &[u8], what: &str) {
    let skimmed = SessionIndex::from_bytes(bytes).map_err(|e| e.to_string());
    let parsed = SessionIndex::from_bytes_parsed(bytes).map_err(|e| e.to_string());
    assert_eq!(skimmed, parsed, "skimmed index differs on {what}");
}

#[test]
fn the_session_logs_in_this_repository_index_the_same() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut logs = Vec::new();
    session_logs_below(&root.join("sample-runs"), &mut logs);
    session_logs_below(&root.join("tests/fixtures"), &mut logs);
    assert!(logs.len() >= 5, "found only {logs:?}");
    for log in logs {
        let bytes = fs::read(&log).expect("read session log");
        check(&bytes, &log.display().to_string());
    }
}

#[test]
#[cfg_attr(not(reel_shared), ignore = "needs ../shared/bundles")]
fn the_shared_session_logs_index_the_same() {
    let mut logs = Vec::new();
    session_logs_below(&common::shared_bundles_root(), &mut logs);
    assert!(!logs.is_empty(), "no session log under the shared bundles");
    for log in logs {
        let bytes = fs::read(&log).expect("read session log");
        check(&bytes, &log.display().to_string());
    }
}

/// Replacements that make a line unusual where the index looks: escapes in
/// kept strings and keys, duplicate fields, other types, odd ids.
const MUTATIONS: &[(&str, &str)] = &[
    (r#""seq":"#, r#""seq":1,"seq":"#),
    (r#""seq":"#, r#""s\u0065q":"#),
    (r#""seq":"#, r#""seq":-"#),
    (r#""seq":"#, r#""seq":0"#),
    (r#""at":""#, r#""at":"\u0032"#),
    (r#""at":""#, r#""at":null,"at":""#),
    (r#""at":"#, r#""at":7,"x":"#),
    (r#""direction":""#, r#""direction":"\t"#),
    (r#""direction":"inbound""#, r#""direction":"inb\u006fund""#),
    (r#""direction":"#, r#""direction":[],"y":"#),
    (r#""message":"#, r#""message":null,"message":"#),
    (r#""message":{"#, r#""message":[{"#),
    (r#""id":"#, r#""id":1.5,"i":"#),
    (r#""id":"#, r#""id":-0,"i":"#),
    (r#""id":"#, r#""id":-12,"i":"#),
    (r#""id":"#, r#""id":9223372036854775808,"i":"#),
    (r#""id":"#, r#""id":"a\"b","i":"#),
    (r#""id":"#, r#""id":{"n":1},"i":"#),
    (r#""id":"#, r#""id":null,"i":"#),
    (r#""id":"#, r#""id":1,"id":"#),
    (r#""method":""#, r#""method":"\/"#),
    (r#""method":"#, r#""method":null,"m":"#),
    (r#""method":"#, r#""method":false,"m":"#),
    (r#""params":"#, r#""params":null,"p":"#),
    (r#""params":{"#, r#""params":[{"#),
    (r#""update":"#, r#""update":null,"u":"#),
    (r#""update":{"#, r#""update":[{"#),
    (r#""sessionUpdate":""#, r#""sessionUpdate":"\u00e9"#),
    (r#""sessionUpdate":"#, r#""sessionUpdate":1,"s":"#),
    (
        r#""sessionUpdate":"#,
        r#""sessionUpdate":"a","sessionUpdate":"#,
    ),
    (r#""result":"#, r#""result":null,"r":"#),
    (r#""result":"#, r#""result":null,"result":"#),
    (r#""error":"#, r#""error":null,"e":"#),
    (r#""jsonrpc":"#, r#""jsonrpc":[[[[1]]]],"j":"#),
    (r#""text":""#, r#""text":"\ud800"#),
    (r#""text":""#, r#""text":"\q"#),
];

/// The first `per_log` lines of every session log in the repository, each
/// mutated in every applicable way, and truncated at several points.
#[test]
fn mutated_lines_index_the_same() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut logs = Vec::new();
    session_logs_below(&root.join("sample-runs"), &mut logs);
    session_logs_below(&root.join("tests/fixtures"), &mut logs);
    let per_log = 40;
    let mut cases = 0;
    for log in &logs {
        let bytes = fs::read(log).expect("read session log");
        let text = String::from_utf8_lossy(&bytes);
        for (n, line) in text.lines().take(per_log).enumerate() {
            for (from, to) in MUTATIONS {
                if let Some(at) = line.find(from) {
                    let mutated = format!("{}{}{}\n", &line[..at], to, &line[at + from.len()..]);
                    check(
                        mutated.as_bytes(),
                        &format!("{} line {n}: {mutated}", log.display()),
                    );
                    cases += 1;
                }
            }
            for cut in [
                1,
                line.len() / 3,
                line.len() / 2,
                line.len().saturating_sub(1),
            ] {
                if let Some(head) = line.get(..cut) {
                    let truncated = format!("{head}\n");
                    check(
                        truncated.as_bytes(),
                        &format!("{} line {n} cut at {cut}", log.display()),
                    );
                    cases += 1;
                }
            }
        }
    }
    assert!(cases > 1000, "only {cases} mutated lines");
}
