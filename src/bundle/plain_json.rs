//! The grammar of a plain JSON line, read as strictly as serde reads it:
//! the building blocks of the fast paths that answer a question about a
//! line without serde (`ref_skim::plain`, `session_count`). A plain line is
//! what acpx writes: valid UTF-8, keys without escapes, numbers without
//! exponents, moderate nesting. Whatever the scanner does not handle, or
//! finds wrong, gives `None`, and the caller leaves the line to serde, so
//! answers and errors stay serde's.

use super::skim::special_byte;

/// Nesting deeper than this is left to serde (its own limit is 128).
pub(crate) const MAX_DEPTH: usize = 100;
/// Digits in one number: at most this many cannot overflow an `f64`.
const MAX_DIGITS: usize = 300;

pub(crate) struct Scanner<'a> {
    pub bytes: &'a [u8],
    pub at: usize,
    pub depth: usize,
}

impl<'a> Scanner<'a> {
    /// A scanner at the start of `bytes`, or `None` when they are not
    /// UTF-8 (an error for serde, in a string or as a stray byte: checked
    /// once here, it covers every string read later).
    pub fn new(bytes: &'a [u8]) -> Option<Self> {
        std::str::from_utf8(bytes).ok()?;
        Some(Scanner {
            bytes,
            at: 0,
            depth: 0,
        })
    }

    /// Whether only whitespace is left.
    pub fn at_end(&mut self) -> bool {
        self.space();
        self.at == self.bytes.len()
    }

    pub fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    pub fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\t' | b'\r')) {
            self.at += 1;
        }
    }

    pub fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek() == Some(byte)).then(|| self.at += 1)
    }

    /// Skips one value of any kind, checking it.
    pub fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'{' => self.object(|s, _| s.skip_value()),
            b'[' => self.array(Self::skip_value),
            b'"' => self.string().map(drop),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// `{ "key": value, ... }`, calling `field` with the scanner on each
    /// value and the raw key bytes. A key with escapes is refused (serde
    /// would compare it unescaped); duplicates are the caller's to judge.
    pub fn object(
        &mut self,
        mut field: impl FnMut(&mut Self, &'a [u8]) -> Option<()>,
    ) -> Option<()> {
        self.nested(|s| {
            s.space();
            if s.eat(b'}').is_some() {
                return Some(());
            }
            loop {
                s.space();
                let (key, escaped) = s.string()?;
                if escaped {
                    return None;
                }
                s.space();
                s.eat(b':')?;
                s.space();
                field(s, key)?;
                s.space();
                match s.peek()? {
                    b',' => s.at += 1,
                    b'}' => {
                        s.at += 1;
                        return Some(());
                    }
                    _ => return None,
                }
            }
        })
    }

    /// `[ value, ... ]`, calling `item` on each value.
    pub fn array(&mut self, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.nested(|s| {
            s.space();
            if s.eat(b']').is_some() {
                return Some(());
            }
            loop {
                s.space();
                item(s)?;
                s.space();
                match s.peek()? {
                    b',' => s.at += 1,
                    b']' => {
                        s.at += 1;
                        return Some(());
                    }
                    _ => return None,
                }
            }
        })
    }

    /// Steps over the opening bracket one level deeper, runs `read`, and
    /// comes back up; too deep a nesting is refused.
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

    pub fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.bytes[self.at..].starts_with(word).then(|| {
            self.at += word.len();
        })
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`; an exponent is left to serde.
    pub fn number(&mut self) -> Option<()> {
        let _ = self.eat(b'-');
        let mut count = self.digits()?;
        if self.eat(b'.').is_some() {
            let fraction = self.digit_run();
            if fraction == 0 {
                return None;
            }
            count += fraction;
        }
        let exponent = matches!(self.peek(), Some(b'e' | b'E'));
        (!exponent && count <= MAX_DIGITS).then_some(())
    }

    /// An unsigned integer (`0|[1-9][0-9]*`, no sign, fraction or exponent)
    /// that fits a `u64`, as serde reads one into a `u64` field.
    pub fn unsigned(&mut self) -> Option<u64> {
        let start = self.at;
        self.digits()?;
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        self.bytes[start..self.at].iter().try_fold(0u64, |n, &b| {
            n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        })
    }

    /// `0|[1-9][0-9]*`: how many digits.
    fn digits(&mut self) -> Option<usize> {
        let leading_zero = self.peek() == Some(b'0');
        let count = self.digit_run();
        (count > 0 && !(leading_zero && count > 1)).then_some(count)
    }

    fn digit_run(&mut self) -> usize {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
        self.at - start
    }

    /// A string's raw content and whether it holds escapes; escapes are
    /// checked (a surrogate `\u` is left to serde), control bytes refused.
    pub fn string(&mut self) -> Option<(&'a [u8], bool)> {
        self.eat(b'"')?;
        let start = self.at;
        let mut escaped = false;
        loop {
            self.at += special_byte(&self.bytes[self.at..])?;
            match self.bytes[self.at] {
                b'"' => {
                    self.at += 1;
                    return Some((&self.bytes[start..self.at - 1], escaped));
                }
                b'\\' => {}
                _ => return None, // a control byte
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

    /// `null` or a string; anything else is refused.
    pub fn null_or_string(&mut self) -> Option<()> {
        match self.peek()? {
            b'n' => self.literal(b"null"),
            _ => self.string().map(drop),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever the scanner accepts as a whole value, serde accepts too.
    #[test]
    fn accepted_values_are_serde_s() {
        let cases = [
            r#"{"a":[1,-2.5,{"b":null}],"c":"\u00e9\n","d":true,"e":false}"#,
            r#"{"n":1e3}"#,
            r#"{"n":01}"#,
            r#"{"n":1.}"#,
            r#"{"s":"\ud800"}"#,
            r#"{"s":"\x"}"#,
            "{\"s\":\"tab\there\"}",
            r#"{"a":[1,2,]}"#,
            r#"{,}"#,
            r#"{"a" 1}"#,
            r#"{"a":1}x"#,
            r#"  {"a":true}  "#,
            r#"{"a":tru}"#,
            r#"{"p\u0061th":1}"#,
            "",
        ];
        for case in cases {
            let fast = Scanner::new(case.as_bytes()).and_then(|mut s| {
                s.space();
                s.skip_value()?;
                s.at_end().then_some(())
            });
            if fast.is_some() {
                assert!(
                    serde_json::from_str::<serde_json::Value>(case).is_ok(),
                    "{case}"
                );
            }
        }
    }

    #[test]
    fn unsigned_integers_fit_a_u64() {
        let read = |text: &str| Scanner::new(text.as_bytes()).and_then(|mut s| s.unsigned());
        assert_eq!(read("0"), Some(0));
        assert_eq!(read("18446744073709551615"), Some(u64::MAX));
        for refused in ["18446744073709551616", "01", "-1", "1.0", "1e2", "x"] {
            assert_eq!(read(refused), None, "{refused}");
        }
    }
}
