//! The fast path of `refs_in_line`: one pass over the bytes of a plain
//! line (see `plain_json`), which is what acpx writes. It checks the line
//! as strictly as serde would; whatever it does not handle (or finds
//! wrong) gives `None`, and the serde visitor decides, so the references
//! found and the errors reported stay serde's.

use crate::bundle::plain_json::Scanner;

/// Appends the references in `bytes` to `out` in the visitor's order, or
/// gives `None` (with `out` possibly extended: the caller truncates it).
pub(super) fn refs(bytes: &[u8], out: &mut Vec<String>) -> Option<()> {
    let mut scanner = Scanner::new(bytes)?;
    scanner.space();
    value(&mut scanner, &mut Vec::new(), out)?;
    scanner.at_end().then_some(())
}

/// One value; `keys` holds the keys of the objects being read, innermost
/// last (a duplicate key is left to serde).
fn value<'a>(s: &mut Scanner<'a>, keys: &mut Vec<&'a [u8]>, out: &mut Vec<String>) -> Option<()> {
    match s.peek()? {
        b'{' => object(s, keys, out),
        b'[' => s.array(|s| value(s, keys, out)),
        _ => s.skip_value(),
    }
}

/// An object: its own reference (a string `path` beside a `mediaType`)
/// goes before the references inside its values, as the visitor does.
fn object<'a>(s: &mut Scanner<'a>, keys: &mut Vec<&'a [u8]>, out: &mut Vec<String>) -> Option<()> {
    let mark = out.len();
    let first_key = keys.len();
    let (mut media_type, mut path) = (false, None);
    s.object(|s, key| {
        if keys[first_key..].contains(&key) {
            return None;
        }
        keys.push(key);
        media_type |= key == b"mediaType";
        if key == b"path" && s.peek() == Some(b'"') {
            let (text, escaped) = s.string()?;
            if escaped {
                return None;
            }
            path = Some(text);
            Some(())
        } else {
            value(s, keys, out)
        }
    })?;
    keys.truncate(first_key);
    if let (true, Some(path)) = (media_type, path) {
        out.insert(mark, std::str::from_utf8(path).ok()?.to_string());
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::super::{by_visitor, refs_in_line};
    use super::*;
    use crate::bundle::plain_json::MAX_DEPTH;

    /// What `plain` says about a line must be what serde says: the same
    /// references in the same order, and never a success serde would refuse.
    fn agrees(line: &[u8]) -> bool {
        let mut fast = Vec::new();
        let mut slow = Vec::new();
        let serde = by_visitor(line, &mut slow);
        match refs(line, &mut fast) {
            Some(()) => {
                assert!(
                    serde.is_ok(),
                    "plain accepted what serde refuses ({serde:?}): {}",
                    String::from_utf8_lossy(line)
                );
                assert_eq!(fast, slow, "{}", String::from_utf8_lossy(line));
                true
            }
            None => false,
        }
    }

    #[test]
    fn plain_lines_of_the_samples_take_the_fast_path() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-runs");
        let (mut lines, mut fast) = (0, 0);
        for run in std::fs::read_dir(&root).expect("sample-runs").flatten() {
            let Ok(text) = std::fs::read_to_string(run.path().join("trace.ndjson")) else {
                continue;
            };
            for line in text.lines().filter(|l| l.contains("\"mediaType\"")) {
                lines += 1;
                fast += usize::from(agrees(line.as_bytes()));
            }
        }
        assert!(lines > 20, "only {lines} lines with references");
        assert!(fast * 10 >= lines * 9, "{fast} of {lines} on the fast path");
    }

    #[test]
    fn edge_cases_fall_back_or_agree() {
        let cases: &[&[u8]] = &[
            br#"{"path":"a","mediaType":"x"}"#,
            br#"{"path":"a\n","mediaType":"x"}"#,
            br#"{"path":"a","path":"b","mediaType":"x"}"#,
            br#"{"n":1e999,"path":"a","mediaType":"x"}"#,
            br#"{"n":-0.5,"m":0,"o":-0,"path":"a","mediaType":"x"}"#,
            br#"{"n":01}"#,
            br#"{"n":1.}"#,
            br#"{"n":-}"#,
            br#"{"s":"\ud800"}"#,
            br#"{"s":"\u00e9\u20ac\/\b"}"#,
            br#"{"s":"\x"}"#,
            b"{\"s\":\"tab\there\"}",
            b"{\"s\":\"\xff\"}",
            br#"{"a":[1,2,]}"#,
            br#"{"a":{},"b":[],"c":[{}]}"#,
            br#"{,}"#,
            br#"{"a" 1}"#,
            br#"{"a":1}x"#,
            br#"  {"a":true,"b":false,"c":null}  "#,
            br#"{"a":tru}"#,
            br#""#,
            br#"[]"#,
        ];
        for case in cases {
            agrees(case);
            let mut out = Vec::new();
            let skim = refs_in_line(case, &mut out).map_err(|e| e.to_string());
            let mut slow = Vec::new();
            let serde = by_visitor(case, &mut slow).map_err(|e| e.to_string());
            assert_eq!(
                (skim, out),
                (serde, slow),
                "{}",
                String::from_utf8_lossy(case)
            );
        }
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(refs(deep.as_bytes(), &mut Vec::new()).is_none());
        let fine = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(agrees(fine.as_bytes()));
    }

    /// SplitMix64, so the random lines are the same on every run.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) % n
        }
    }

    const KEYS: [&str; 6] = ["path", "mediaType", "a", "b", "payload", "p\\u0061th"];
    const STRINGS: [&str; 7] = ["x", "", "é名", "a\\\"b", "\\n", "\\ud83d\\ude00", "\u{1b}"];
    const NUMBERS: [&str; 8] = [
        "0",
        "-1",
        "12.5",
        "1e3",
        "1e999",
        "007",
        "18446744073709551616",
        "-0.0",
    ];

    fn value(rng: &mut Rng, depth: u32, out: &mut String) {
        let pick = if depth > 4 {
            3 + rng.below(4)
        } else {
            rng.below(7)
        };
        match pick {
            0 | 1 => {
                out.push('{');
                for i in 0..rng.below(5) {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push('"');
                    out.push_str(KEYS[rng.below(KEYS.len() as u64) as usize]);
                    out.push_str("\":");
                    value(rng, depth + 1, out);
                }
                out.push('}');
            }
            2 => {
                out.push('[');
                for i in 0..rng.below(4) {
                    if i > 0 {
                        out.push(',');
                    }
                    value(rng, depth + 1, out);
                }
                out.push(']');
            }
            3 | 4 => {
                out.push('"');
                out.push_str(STRINGS[rng.below(STRINGS.len() as u64) as usize]);
                out.push('"');
            }
            5 => out.push_str(NUMBERS[rng.below(NUMBERS.len() as u64) as usize]),
            _ => out.push_str(["true", "false", "null"][rng.below(3) as usize]),
        }
    }

    #[test]
    fn random_and_damaged_lines_agree_with_serde() {
        let mut rng = Rng(12);
        let (mut fast, mut total) = (0, 0);
        for _ in 0..20_000 {
            let mut line = String::new();
            value(&mut rng, 0, &mut line);
            let mut bytes = line.into_bytes();
            // One line in three damaged: a byte dropped, changed or added.
            if rng.below(3) == 0 && !bytes.is_empty() {
                let at = rng.below(bytes.len() as u64) as usize;
                let junk = b"{}[],:\"\\ 0e-.\xff"[rng.below(14) as usize];
                match rng.below(3) {
                    0 => drop(bytes.remove(at)),
                    1 => bytes[at] = junk,
                    _ => bytes.insert(at, junk),
                }
            }
            total += 1;
            fast += usize::from(agrees(&bytes));
        }
        // Both paths were exercised.
        assert!(fast > total / 5 && fast < total, "{fast} of {total} fast");
    }
}
