//! Generators of hostile values: strings full of controls, escapes and bidi
//! characters, odd numbers, nested JSON.

use serde_json::{Map, Number, Value};

use super::corpus::corpus;
use super::rng::Rng;

/// Characters a terminal must never receive raw from a bundle.
pub const NASTY: &[char] = &[
    '\u{0}', '\u{7}', '\u{8}', '\t', '\n', '\r', '\u{b}', '\u{c}', '\u{1b}', '\u{1f}', '\u{7f}',
    '\u{80}', '\u{85}', '\u{9b}', '\u{9d}', '\u{9f}', '\u{200e}', '\u{200f}', '\u{061c}',
    '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}', '\u{2028}', '\u{2029}',
];

/// Harmless but unusual characters.
const ODD: &[char] = &[
    'é',
    '名',
    '\u{301}',
    '\u{200b}',
    '\u{feff}',
    '\u{fffd}',
    '🙂',
    '\u{10ffff}',
    '"',
    '\\',
    '/',
    '#',
    ' ',
    '.',
    ':',
    '$',
];

const FRAGMENTS: &[&str] = &[
    "\u{1b}[2J",
    "\u{1b}]0;pwned\u{7}",
    "\u{1b}]8;;http://x\u{1b}\\",
    "\u{9b}31m",
    "../",
    "..",
    "/etc/passwd",
    "a\\..\\b",
    "C:\\x",
    "sessions/",
    "artifacts/",
    "acpx-write-",
    "%s%n",
    "${x}",
    "\\u0000",
    "\"",
    "MOCK_REPLY=",
    "#1",
    "node#2",
];

/// A string mixing plain text, nasty and odd characters and fragments.
pub fn nasty_string(rng: &mut Rng, max_len: usize) -> String {
    let mut out = String::new();
    let target = rng.small(max_len);
    while out.chars().count() < target {
        match rng.below(6) {
            0 => out.push(*rng.pick(NASTY)),
            1 => out.push(*rng.pick(ODD)),
            2 => {
                let fragment: &&str = rng.pick(FRAGMENTS);
                out.push_str(fragment)
            }
            3 => out.push(char::from_u32(rng.below(0x11_0000) as u32).unwrap_or('x')),
            _ => out.push((b'a' + rng.below(26) as u8) as char),
        }
    }
    out
}

/// A string for a JSON value: corpus strings, path tricks, nasty text, or
/// (rarely) a very long one.
pub fn json_string(rng: &mut Rng) -> String {
    match rng.below(8) {
        0 | 1 => rng.pick(&corpus().strings).clone(),
        2 => String::new(),
        3 => rng.pick(FRAGMENTS).to_string(),
        4 if rng.one_in(8) => "x".repeat(rng.range(10_000, 200_000)),
        _ => nasty_string(rng, 24),
    }
}

/// A number, often at a boundary a reader converts across.
pub fn number(rng: &mut Rng) -> Value {
    let ints: &[i64] = &[
        0,
        1,
        -1,
        2,
        7,
        i64::MIN,
        i64::MAX,
        4_294_967_295,
        4_294_967_296,
        2_147_483_648,
        1 << 53,
    ];
    match rng.below(5) {
        0 => Value::from(*rng.pick(ints)),
        1 => Value::from(u64::MAX),
        2 => Number::from_f64(*rng.pick(&[0.5, -0.0, 1.5, -2.25, 1e308, 1e-300, 123.456]))
            .map_or(Value::Null, Value::Number),
        3 => Value::from(rng.small(64) as u64),
        _ => Value::from(rng.next_u64() as i64),
    }
}

/// A random JSON value up to `depth` levels deep.
pub fn value(rng: &mut Rng, depth: usize) -> Value {
    let leaf = depth == 0 || rng.one_in(2);
    if leaf {
        return match rng.below(6) {
            0 => Value::Null,
            1 => Value::Bool(rng.one_in(2)),
            2 => number(rng),
            _ => Value::String(json_string(rng)),
        };
    }
    if rng.one_in(2) {
        Value::Array((0..rng.small(4)).map(|_| value(rng, depth - 1)).collect())
    } else {
        let mut map = Map::new();
        for _ in 0..rng.small(4) {
            map.insert(key(rng), value(rng, depth - 1));
        }
        Value::Object(map)
    }
}

/// An object key: usually one the corpus uses, sometimes a nasty one.
pub fn key(rng: &mut Rng) -> String {
    if rng.one_in(4) {
        nasty_string(rng, 8)
    } else {
        rng.pick(&corpus().keys).clone()
    }
}
