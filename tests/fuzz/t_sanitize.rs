//! The sanitizer: nothing dangerous gets through, nothing safe is lost;
//! terminal-safe JSON reads back as the same value.

use reel::sanitize::{json, sanitize_line, sanitize_text};
use serde_json::Value;

use super::gen;
use super::harness::{CaseResult, Ctx, Verdict};

/// Characters a terminal must not receive (computed here, not taken from
/// the sanitizer): C0 and C1 controls, DEL, the Unicode line and paragraph
/// separators and the bidi controls of UAX #9.
pub fn forbidden(c: char, keep_newlines: bool) -> bool {
    match c {
        '\n' | '\t' => !keep_newlines,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{2028}' | '\u{2029}' => true,
        '\u{061c}' | '\u{200e}' | '\u{200f}' => true,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

fn random_text(ctx: &mut Ctx) -> String {
    match ctx.rng.below(4) {
        0 => (0..ctx.rng.small(64))
            .map(|_| char::from_u32(ctx.rng.below(0x3000) as u32).unwrap_or('x'))
            .collect(),
        1 => "plain text, é 名 🙂"
            .chars()
            .take(ctx.rng.small(20))
            .collect(),
        _ => gen::nasty_string(&mut ctx.rng, 200),
    }
}

pub fn sanitize(ctx: &mut Ctx) -> CaseResult {
    let text = random_text(ctx);
    let keep = ctx.rng.one_in(2);
    ctx.record("input.txt", text.as_bytes());
    let out = sanitize_text(&text, keep);
    if let Some(bad) = out.chars().find(|&c| forbidden(c, keep)) {
        return Err(format!(
            "{bad:?} got through (keep_newlines {keep}): {out:?}"
        ));
    }
    let line = sanitize_line(&text);
    if let Some(bad) = line.chars().find(|&c| forbidden(c, false)) {
        return Err(format!("{bad:?} got through sanitize_line: {line:?}"));
    }
    let dangerous = text.chars().any(|c| forbidden(c, keep));
    if !dangerous && out != text {
        return Err(format!("safe text changed: {text:?} → {out:?}"));
    }
    // Every safe character survives, in order.
    let mut rest = out.chars();
    for c in text.chars().filter(|&c| !forbidden(c, keep)) {
        if !rest.any(|o| o == c) {
            return Err(format!("{c:?} of {text:?} was lost: {out:?}"));
        }
    }
    Ok(if dangerous {
        Verdict::Accepted
    } else {
        Verdict::Neutral
    })
}

pub fn json_line(ctx: &mut Ctx) -> CaseResult {
    let value = if ctx.rng.one_in(3) {
        Value::String(random_text(ctx))
    } else {
        gen::value(&mut ctx.rng, 4)
    };
    let line = json::to_line(&value);
    let pretty = json::to_pretty(&value);
    ctx.record("value.json", line.as_bytes());
    for (what, text, keep) in [("to_line", &line, false), ("to_pretty", &pretty, true)] {
        if let Some(bad) = text.chars().find(|&c| forbidden(c, keep)) {
            return Err(format!("{what}: {bad:?} in {}", super::clip(text, 500)));
        }
        let back: Value = serde_json::from_str(text)
            .map_err(|e| format!("{what} is not JSON ({e}): {}", super::clip(text, 500)))?;
        if back != value {
            return Err(format!("{what} reads back as another value"));
        }
    }
    let plain = serde_json::to_string(&value).unwrap_or_default();
    let escaped = plain.chars().any(|c| forbidden(c, false));
    Ok(if escaped {
        Verdict::Accepted
    } else {
        Verdict::Neutral
    })
}
