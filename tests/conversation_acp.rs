//! Every ACP attempt of every bundle we have (shared, project samples,
//! tests/fixtures including acp-rich): the conversation `reel state --json`
//! prints agrees with an independent fold of the raw events
//! (`acp_fold::expected`) on prompts, messages per `messageId` with their
//! content blocks, tool calls with their content (diffs, linked terminals),
//! permissions, metadata updates, stop reasons, usage and errors. And every
//! kind `tests/fixtures/acp-rich/KINDS.json` lists appears in the JSON of
//! the attempt it names, with its data.

mod acp_fold;
mod common;

use acp_fold::expected::{fold, Folded};
use acp_fold::*;
use common::*;
use serde_json::Value;

/// First difference between two lists, for the message.
fn first_difference(what: &str, got: &[Value], want: &[Value]) -> Option<String> {
    if got == want {
        return None;
    }
    let at = got
        .iter()
        .zip(want)
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(want.len()));
    Some(format!(
        "{what}: {} item(s), expected {}; first difference at {at}:\n    got  {}\n    want {}",
        got.len(),
        want.len(),
        got.get(at).map(brief).unwrap_or_else(|| "(none)".into()),
        want.get(at).map(brief).unwrap_or_else(|| "(none)".into()),
    ))
}

fn compare(got: &Folded, want: &Folded) -> Vec<String> {
    [
        ("prompts", &got.prompts, &want.prompts),
        ("messages", &got.messages, &want.messages),
        ("tool calls", &got.tool_calls, &want.tool_calls),
        ("permissions", &got.permissions, &want.permissions),
        ("metadata", &got.metadata, &want.metadata),
        ("turn ends", &got.turn_ends, &want.turn_ends),
    ]
    .into_iter()
    .filter_map(|(what, got, want)| first_difference(what, got, want))
    .collect()
}

#[test]
fn every_acp_attempt_agrees_with_an_independent_fold() {
    let bundles = bundles();
    let cases = collect_cases(&bundles);
    let results = par_map(&cases, |case| {
        let name = case.name();
        let conv = match case.conversation() {
            Ok(c) => c,
            Err(e) => return vec![format!("{name}: {e}")],
        };
        let want = fold(&case.events);
        let got = acp_fold::actual::parts(&items(&conv));
        compare(&got, &want)
            .into_iter()
            .map(|e| format!("{name}: {e}"))
            .collect()
    });
    let rich = cases.iter().filter(|c| c.is_rich()).count();
    let agree = results.iter().filter(|r| r.is_empty()).count();
    let rich_agree = cases
        .iter()
        .zip(&results)
        .filter(|(c, r)| c.is_rich() && r.is_empty())
        .count();
    println!(
        "{agree} of {} ACP attempt(s) agree with the independent fold \
         ({rich_agree} of {rich} on the rich bundles)",
        cases.len()
    );
    // What the comparison covered, so a silently empty category shows.
    let covered =
        |f: fn(&Folded) -> usize| cases.iter().map(|c| f(&fold(&c.events))).sum::<usize>();
    println!(
        "compared {} prompts, {} messages, {} tool calls, {} permissions, {} metadata updates, {} turn ends",
        covered(|f| f.prompts.len()),
        covered(|f| f.messages.len()),
        covered(|f| f.tool_calls.len()),
        covered(|f| f.permissions.len()),
        covered(|f| f.metadata.len()),
        covered(|f| f.turn_ends.len()),
    );
    finish("independent fold", results.into_iter().flatten().collect());
    assert!(rich > 0, "no attempt of the rich bundles was checked");
    // Tool calls of the shared bundles by folder name, or of the project's
    // samples of them, were among those compared.
    let with_tools: Vec<String> = cases
        .iter()
        .filter(|c| !fold(&c.events).tool_calls.is_empty())
        .map(|c| short(&c.bundle))
        .collect();
    for name in ["acp-echo", "branching-review"] {
        let sample = format!("-gen-{name}-");
        assert!(
            with_tools
                .iter()
                .any(|c| c.ends_with(name) || c.contains(&sample)),
            "no tool call of {name} was checked"
        );
    }
    assert_checked_some(bundles.len());
}
