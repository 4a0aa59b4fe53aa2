//! The fast path of `refs_in_line`: one pass over the bytes of a plain
//! line, which is what acpx writes: valid UTF-8, keys without escapes, no
//! duplicate keys, numbers without exponents, moderate nesting. It checks
//! the line as strictly as serde would; whatever it does not handle (or
//! finds wrong) gives `None`, and the serde visitor decides, so the
//! references found and the errors reported stay serde's.

/// Nesting deeper than this is left to serde (its own limit is 128).
const MAX_DEPTH: usize = 100;
/// Digits in one number: at most this many cannot overflow an `f64`.
const MAX_DIGITS: usize = 300;

/// Appends the references in `bytes` to `out` in the visitor's order, or
/// gives `None` (with `out` possibly extended: the caller truncates it).
pub(super) fn refs(bytes: &[u8], out: &mut Vec<String>) -> Option<()> {
    // Invalid UTF-8 anywhere is an error for serde (in a string, or as a
    // stray byte), so checking it once here covers every string below.
    std::str::from_utf8(bytes).ok()?;
    let mut skim = Plain {
        bytes,
        at: 0,
        depth: 0,
        keys: Vec::new(),
    };
    skim.space();
    skim.value(out)?;
    skim.space();
    (skim.at == bytes.len()).then_some(())
}

struct Plain<'a> {
    bytes: &'a [u8],
    at: usize,
    depth: usize,
    /// The keys of the objects being read, innermost last.
    keys: Vec<&'a [u8]>,
}

impl<'a> Plain<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\t' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek() == Some(byte)).then(|| self.at += 1)
    }

    fn value(&mut self, out: &mut Vec<String>) -> Option<()> {
        match self.peek()? {
            b'{' => self.nested(|s| s.object(out)),
            b'[' => self.nested(|s| s.array(out)),
            b'"' => self.string().map(drop),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn nested(&mut self, read: impl FnOnce(&mut Self) -> Option<()>) -> Option<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        self.at += 1;
        read(self)?;
        self.depth -= 1;
        Some(())
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.bytes[self.at..].starts_with(word).then(|| {
            self.at += word.len();
        })
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`; an exponent is left to serde.
    fn number(&mut self) -> Option<()> {
        let _ = self.eat(b'-');
        let digits = |s: &mut Self| {
            let start = s.at;
            while s.peek().is_some_and(|b| b.is_ascii_digit()) {
                s.at += 1;
            }
            s.at - start
        };
        let leading_zero = self.peek() == Some(b'0');
        let mut count = digits(self);
        if count == 0 || (leading_zero && count > 1) {
            return None;
        }
        if self.eat(b'.').is_some() {
            let fraction = digits(self);
            if fraction == 0 {
                return None;
            }
            count += fraction;
        }
        let exponent = matches!(self.peek(), Some(b'e' | b'E'));
        (!exponent && count <= MAX_DIGITS).then_some(())
    }

    /// A string's raw content and whether it holds escapes; escapes are
    /// checked (a surrogate `\u` is left to serde), control bytes refused.
    fn string(&mut self) -> Option<(&'a [u8], bool)> {
        self.eat(b'"')?;
        let start = self.at;
        let mut escaped = false;
        loop {
            // Strings are short: one loop over their bytes beats a search.
            let found = self.bytes[self.at..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
            self.at += found;
            if self.bytes[self.at] < 0x20 {
                return None;
            }
            if self.bytes[self.at] == b'"' {
                self.at += 1;
                return Some((&self.bytes[start..self.at - 1], escaped));
            }
            escaped = true;
            self.at += 1;
            match self.peek()? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.at += 1,
                b'u' => {
                    let hex = self.bytes.get(self.at + 1..self.at + 5)?;
                    let hex = std::str::from_utf8(hex).ok()?;
                    let unit = u16::from_str_radix(hex, 16).ok()?;
                    if !hex.bytes().all(|b| b.is_ascii_hexdigit())
                        || (0xd800..=0xdfff).contains(&unit)
                    {
                        return None;
                    }
                    self.at += 5;
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, out: &mut Vec<String>) -> Option<()> {
        self.space();
        if self.eat(b']').is_some() {
            return Some(());
        }
        loop {
            self.space();
            self.value(out)?;
            self.space();
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// An object: its own reference (a string `path` beside a `mediaType`)
    /// goes before the references inside its values, as the visitor does.
    fn object(&mut self, out: &mut Vec<String>) -> Option<()> {
        let mark = out.len();
        let first_key = self.keys.len();
        let (mut media_type, mut path) = (false, None);
        self.space();
        if self.eat(b'}').is_none() {
            loop {
                self.space();
                let (key, escaped) = self.string()?;
                if escaped || self.keys[first_key..].contains(&key) {
                    return None;
                }
                self.keys.push(key);
                self.space();
                self.eat(b':')?;
                self.space();
                media_type |= key == b"mediaType";
                if key == b"path" && self.peek() == Some(b'"') {
                    let (text, escaped) = self.string()?;
                    if escaped {
                        return None;
                    }
                    path = Some(text);
                } else {
                    self.value(out)?;
                }
                self.space();
                match self.peek()? {
                    b',' => self.at += 1,
                    b'}' => {
                        self.at += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.keys.truncate(first_key);
        if let (true, Some(path)) = (media_type, path) {
            out.insert(mark, std::str::from_utf8(path).ok()?.to_string());
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{by_visitor, refs_in_line};
    use super::*;

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
