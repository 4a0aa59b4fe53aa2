//! `/` search finds text that only ACP content carries: inside diffs (a new
//! file too), a terminal's output (the client's `terminal/output` answer),
//! embedded resources (with quotes, escaped in the JSON line), resource
//! link titles. The steps expected are found from the raw events: the
//! attempts whose conversation range holds an event with the text in one
//! of its decoded strings.

mod acp_fold;
mod common;

use acp_fold::*;
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;

fn holds(value: &Value, needle: &str) -> bool {
    match value {
        Value::String(s) => s.to_ascii_lowercase().contains(needle),
        Value::Array(items) => items.iter().any(|v| holds(v, needle)),
        Value::Object(map) => map.values().any(|v| holds(v, needle)),
        _ => false,
    }
}

#[test]
fn search_finds_text_in_diffs_terminal_output_and_resources() {
    let bundle = rich_root().join("rich-content");
    let cases = collect_cases(std::slice::from_ref(&bundle));
    let run = reel::model::Run::open(&bundle).expect("rich-content opens");
    let mut errs = Vec::new();
    for needle in [
        // a diff's new text, and a new file's
        "return `Hello ${name}!`",
        "export const created = true;",
        // a terminal's output, only in the client's answer
        "compiling 3 crates",
        // an embedded resource's text, quotes and all
        "name = \"reel\"",
        "remember the milk",
        // a resource link's title
        "Design notes",
    ] {
        let lower = needle.to_ascii_lowercase();
        let want: BTreeSet<u32> = cases
            .iter()
            .filter(|c| {
                c.events
                    .iter()
                    .any(|e| e.get("message").is_some_and(|m| holds(m, &lower)))
            })
            .map(|c| c.attempt.seq_end as u32)
            .collect();
        if want.is_empty() {
            errs.push(format!("{needle:?}: in no event of the fixture"));
            continue;
        }
        let hits: BTreeSet<u32> = reel::tui::search::search(&run, needle)
            .expect("search")
            .into_iter()
            .collect();
        if !want.is_subset(&hits) {
            errs.push(format!(
                "{needle:?}: hits {hits:?}, expected the steps {want:?}"
            ));
        }
    }
    finish("search in ACP content", errs);
}
