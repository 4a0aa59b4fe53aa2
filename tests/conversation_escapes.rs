//! ACP content is drawn and printed safely: a copy of the rich-content
//! fixture with escape sequences, C1 controls, bidi overrides and line
//! separators appended to every string the conversation shows (message
//! text, titles, diff paths and texts, terminal commands and output,
//! resource URIs, option names, mode ids, ids) goes through `reel state`,
//! `reel state --json` and the Session tab of every step without a raw
//! dangerous character; the JSON keeps the strings as they were.

mod acp_fold;
mod common;
mod support;

use serde_json::Value;

const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}evil\u{2028}x\u{7f}";

/// The fields whose strings are made hostile.
const KEYS: &[&str] = &[
    "text",
    "title",
    "name",
    "path",
    "oldText",
    "newText",
    "output",
    "uri",
    "currentModeId",
    "description",
    "signal",
    "command",
    "args",
    "message",
    "details",
    "hint",
    "toolCallId",
    "terminalId",
    "optionId",
    "messageId",
    "mimeType",
    "content",
];

fn dangerous(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
}

fn poison(value: &mut Value, hostile_key: bool) {
    match value {
        Value::String(s) if hostile_key => s.push_str(HOSTILE),
        Value::Array(items) => items.iter_mut().for_each(|v| poison(v, hostile_key)),
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                poison(v, KEYS.contains(&key.as_str()));
            }
        }
        _ => {}
    }
}

fn hostile_copy(dir: &std::path::Path) -> std::path::PathBuf {
    let copy = dir.join("rich-content");
    common::copy_dir(&acp_fold::rich_root().join("rich-content"), &copy);
    for session in std::fs::read_dir(copy.join("sessions")).unwrap().flatten() {
        let events = session.path().join("events.ndjson");
        let mut out = String::new();
        for mut event in common::read_ndjson(&events) {
            if let Some(message) = event.get_mut("message") {
                poison(message, false);
            }
            out.push_str(&event.to_string());
            out.push('\n');
        }
        std::fs::write(&events, out).unwrap();
    }
    copy
}

fn find_dangerous(text: &str) -> Option<char> {
    text.chars().find(|&c| dangerous(c))
}

fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

#[test]
fn hostile_acp_content_is_printed_and_drawn_safely() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = hostile_copy(dir.path());
    let cases = acp_fold::collect_cases(std::slice::from_ref(&bundle));
    assert!(cases.len() >= 8, "{} ACP attempts", cases.len());
    for case in &cases {
        let attempt = case.attempt.attempt_id.as_str();
        let plain = common::reel([
            "state".as_ref(),
            bundle.as_os_str(),
            "--at".as_ref(),
            attempt.as_ref(),
        ]);
        assert_eq!(plain.code, Some(0), "{}", plain.describe());
        if let Some(c) = find_dangerous(&plain.stdout) {
            panic!(
                "state {attempt}: U+{:04X} raw:\n{}",
                c as u32,
                plain.stdout.escape_debug()
            );
        }
        let json = common::reel([
            "state".as_ref(),
            bundle.as_os_str(),
            "--at".as_ref(),
            attempt.as_ref(),
            "--json".as_ref(),
        ]);
        assert!(
            find_dangerous(&json.stdout).is_none(),
            "state --json {attempt}"
        );
        let value: Value = serde_json::from_str(&json.stdout).unwrap();
        let mut all = Vec::new();
        strings(&value["conversation"], &mut all);
        assert!(
            all.iter().any(|s| s.ends_with(HOSTILE)),
            "state --json {attempt}: the strings are not kept as they were"
        );
    }
    // Every step's Session tab, at both snapshot sizes.
    let mut app = support::run_app(&bundle);
    let mut shown = false;
    for step in 0..10 {
        for (w, h) in [(80, 24), (160, 48)] {
            let text = support::screen(&mut app, w, h);
            if let Some(c) = find_dangerous(&text) {
                panic!(
                    "step {step} at {w}x{h}: U+{:04X} drawn raw:\n{text}",
                    c as u32
                );
            }
            shown |= text.contains("evil");
        }
        support::keys(&mut app, "j");
    }
    assert!(shown, "the hostile strings were never on screen");
}
