//! The hand-written text formats: tour scripts and the keymap TOML.

use crossterm::event::KeyEvent;
use reel::demo::tour;
use reel::tui::keymap::{KeyChord, Keymap, Mode};

use super::corpus::corpus;
use super::harness::{CaseResult, Ctx, Verdict};
use super::mutate;
use super::rng::Rng;

/// Every command once, in a form that parses.
const ALL_COMMANDS: &str = "\u{feff}# every command\nopen run-1\ncaption \"T\" \"a \\\"b\\\"\\n\\tc\"\nstep review_loop#2\nstep 5\nnode n\nfirst\nlast   # end\nfocus graph\nfocus timeline\nfocus inspector\ntab session\ntab attempt\ntab events\nsearch finding 2a\nsearch \"#x\"\npause 2s\npause 1.5s\npause 500ms\npause key\nmark\ndiff\nfork\nfork \"label\"\nplay 1x\nplay 2x\nplay 5x\nplay 10x\nplay real\n";

const TOUR_TOKENS: &[&str] = &[
    "\"",
    "\\",
    "\\\"",
    "\\n",
    "\\x",
    "#",
    " #",
    "\t",
    "\n",
    "\r\n",
    "\u{feff}",
    "open ",
    "step 0",
    "step 00",
    "pause 0s",
    "pause -1s",
    "pause 1e400s",
    "pause 99999999999999999999s",
    "pause 18446744073709551616ms",
    "pause 0.0000001s",
    "pause NaNs",
    "pause infs",
    "play 3x",
    "play 0x",
    "fork \"\"",
    "caption \"a\"",
    "名",
    "é",
    "\u{301}",
    "\u{1b}[2J",
    "\u{202e}",
];

fn mutate_text(rng: &mut Rng, text: &mut String, tokens: &[&str]) {
    for _ in 0..rng.small(5) + 1 {
        match rng.below(4) {
            0 => {
                let mut bytes = std::mem::take(text).into_bytes();
                mutate::lines_once(rng, &mut bytes);
                *text = String::from_utf8_lossy(&bytes).into_owned();
            }
            1 => {
                let mut bytes = std::mem::take(text).into_bytes();
                mutate::bytes_once(rng, &mut bytes);
                *text = String::from_utf8_lossy(&bytes).into_owned();
            }
            _ => {
                let mut at = rng.below(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                let token: &&str = rng.pick(tokens);
                text.insert_str(at, token);
            }
        }
    }
}

/// Byte offset after the `k`-th line ending (`k` lines kept whole).
fn after_lines(text: &str, k: usize) -> usize {
    if k == 0 {
        return 0;
    }
    text.match_indices('\n')
        .nth(k - 1)
        .map_or(text.len(), |(i, _)| i + 1)
}

pub fn tour(ctx: &mut Ctx) -> CaseResult {
    let mut text = if ctx.rng.one_in(3) {
        ALL_COMMANDS.to_string()
    } else {
        String::from_utf8_lossy(&ctx.rng.pick(&corpus().tours).bytes).into_owned()
    };
    mutate_text(&mut ctx.rng, &mut text, TOUR_TOKENS);
    ctx.record("input.tour", text.as_bytes());
    let lines = text
        .strip_prefix('\u{feff}')
        .unwrap_or(&text)
        .lines()
        .count();
    let full = tour::parse(&text, "t.tour");
    if let Err(err) = &full {
        if err.line == 0 || err.line > lines || err.file != "t.tour" {
            return Err(format!("error at line {} of {lines}: {err}", err.line));
        }
    }
    // Lines are independent but for `open`-before-use, so every prefix of
    // the file parses to the prefix of the steps, up to the first error.
    let k = ctx.rng.below(lines + 1);
    let prefix = tour::parse(&text[..after_lines(&text, k)], "t.tour");
    match (&full, prefix) {
        (Ok(full), Ok(prefix)) => {
            let expected: Vec<_> = full.steps.iter().filter(|s| s.line <= k).cloned().collect();
            if prefix.steps != expected {
                return Err(format!("the first {k} lines parse to other steps"));
            }
        }
        (Err(err), Ok(_)) if err.line <= k => {
            return Err(format!(
                "the first {k} lines parse, yet line {} fails: {err}",
                err.line
            ))
        }
        (Err(err), Err(perr)) if err.line > k || perr != *err => {
            return Err(format!(
                "the first {k} lines fail with {perr}, the whole with {err}"
            ))
        }
        (Ok(_), Err(perr)) => {
            return Err(format!(
                "the whole parses, its first {k} lines fail: {perr}"
            ))
        }
        _ => {}
    }
    Ok(if full.is_ok() {
        Verdict::Accepted
    } else {
        Verdict::Rejected
    })
}

const KEY_TOKENS: &[&str] = &[
    "\"",
    "'",
    "[run]\n",
    "[browser]\n",
    "[run.x]\n",
    "= 3",
    "= []",
    "= [1]",
    "= [\"a\", 2]",
    "next_step = \"x\"\n",
    "quit = \"j\"\n",
    "\"ctrl-\"",
    "\"shift-\"",
    "\"alt-\"",
    "\"ctrl-shift-alt-x\"",
    "\"shift-shift-\"",
    "\"名\"",
    "\"é\"",
    "\"\u{301}\"",
    "\"Space\"",
    "\"BackTab\"",
    "\"shift-Tab\"",
    "\"F1\"",
    "\"\"",
    "#",
    "\n",
    "=",
    "{",
    "}",
    "\\u0000",
];

pub fn keymap(ctx: &mut Ctx) -> CaseResult {
    let mut text = String::from_utf8_lossy(&ctx.rng.pick(&corpus().keymaps).bytes).into_owned();
    if ctx.rng.one_in(3) {
        // A short user file instead of the whole defaults.
        let keep: Vec<&str> = text.lines().filter(|_| ctx.rng.one_in(6)).collect();
        text = format!("[run]\n{}\n", keep.join("\n"));
    }
    mutate_text(&mut ctx.rng, &mut text, KEY_TOKENS);
    ctx.record("keys.toml", text.as_bytes());
    for word in text.split(['"', '\n', ' ']).take(20) {
        let _ = KeyChord::parse(word);
    }
    let fresh = Keymap::from_toml(&text);
    let merged = Keymap::defaults().with_overrides(&text);
    if fresh.is_ok() != merged.is_ok() {
        return Err(format!(
            "alone {:?}, over the defaults {:?}",
            fresh.as_ref().err(),
            merged.as_ref().err()
        ));
    }
    for keymap in [&fresh, &merged].into_iter().flatten() {
        check_keymap(keymap)?;
    }
    Ok(if fresh.is_ok() {
        Verdict::Accepted
    } else {
        Verdict::Rejected
    })
}

/// Every key the help lists does something, and what it does lists it.
fn check_keymap(keymap: &Keymap) -> Result<(), String> {
    for mode in [Mode::Run, Mode::Browser] {
        for (action, keys) in keymap.bindings(mode) {
            for key in keys {
                let event = KeyEvent::new(key.code, key.modifiers);
                let Some(bound) = keymap.action(mode, &event) else {
                    return Err(format!(
                        "{mode:?}: {key} is listed for {action:?} but does nothing"
                    ));
                };
                let lists = keymap
                    .bindings(mode)
                    .iter()
                    .any(|(a, ks)| *a == bound && ks.contains(key));
                if !lists {
                    return Err(format!(
                        "{mode:?}: {key} does {bound:?}, which does not list it"
                    ));
                }
            }
        }
    }
    Ok(())
}
