//! Skimming a trace line for the few fields the index keeps, without
//! building values. The skimmer checks the JSON grammar of the whole line as
//! it goes, but it is only a fast path: whenever a line is anything but
//! plainly well-formed (an escape in a field it keeps or in a key, a
//! duplicate field, an unexpected type, deep nesting, a grammar error) it
//! answers `None` and the caller parses the line with serde, which then
//! decides (and words the error). So a line the skimmer accepts is one serde
//! accepts with the same fields.

/// The envelope fields of one trace event, borrowed from the line.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Skimmed<'a> {
    pub seq: u64,
    pub at: Option<&'a str>,
    pub run_id: Option<&'a str>,
    pub kind: &'a str,
    pub node_id: Option<&'a str>,
    pub attempt_id: Option<&'a str>,
    pub session_id: Option<&'a str>,
    pub outcome: Option<&'a str>,
    pub status: Option<&'a str>,
    pub duration_ms: Option<f64>,
}

/// Deeper nesting is left to serde (whose own limit is 128).
const MAX_DEPTH: usize = 64;

mod quotes;
mod refs;
use quotes::quote_or_backslash;
pub(crate) use quotes::special_byte;
use refs::RefCandidate;
pub(crate) use refs::RefWalk;

pub(crate) fn skim_event(line: &[u8]) -> Option<Skimmed<'_>> {
    Scanner::new(line).skim_envelope()
}

/// `skim_event`, also finding the line's artifact references (their
/// `path`s' places in `walk.found`); `None` as well where a parsed line
/// could hold other references than the walk saw (see `refs`).
pub(crate) fn skim_event_with_refs<'a>(line: &'a [u8], walk: &mut RefWalk) -> Option<Skimmed<'a>> {
    let mut s = Scanner::new(line);
    // A `Value` holds only UTF-8 (the index reads only the strings it keeps).
    s.text?;
    s.collect_refs(walk);
    let skimmed = s.skim_envelope();
    s.finish_refs(walk);
    skimmed
}

/// How every line acpx writes begins: read without the general object
/// loop (the `scope` between is skipped as any unknown field is).
const HEAD: [&[u8]; 5] = [
    b"{\"seq\":",
    b",\"at\":",
    b",\"runId\":",
    b",\"scope\":",
    b",\"type\":",
];

impl<'a> Scanner<'a> {
    fn skim_envelope(&mut self) -> Option<Skimmed<'a>> {
        if let Some(out) = self.skim_acpx_envelope() {
            return Some(out);
        }
        self.i = 0;
        self.restart_refs();
        self.skim_any_envelope()
    }

    /// A line in acpx's own shape: its first five fields in acpx's order
    /// and spelling, no whitespace; the rest read as `skim_any_envelope`
    /// reads fields. `None` for anything else (the caller starts over).
    fn skim_acpx_envelope(&mut self) -> Option<Skimmed<'a>> {
        let mut out = Skimmed::default();
        let mut top = self.open_object();
        out.seq = self.head_field(HEAD[0], &mut top, Self::unsigned)?;
        out.at = self.head_field(HEAD[1], &mut top, Self::optional_str)?;
        out.run_id = self.head_field(HEAD[2], &mut top, Self::optional_str)?;
        self.head_field(HEAD[3], &mut top, |s| s.value(1))?;
        out.kind = self.head_field(HEAD[4], &mut top, Self::plain_str)?;
        let mut seen = 0b1111u16;
        loop {
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    break;
                }
                _ => return None,
            }
            let (key, escaped) = self.string()?;
            if escaped || self.text.is_none() {
                return None;
            }
            let name = &self.b[key.clone()];
            self.eat(b':')?;
            self.keyed(key, &mut top, |s| {
                s.envelope_field(name, &mut out, &mut seen)
            })?;
        }
        self.close_object(top);
        (self.i == self.b.len()).then_some(out)
    }

    /// One of acpx's head fields: `literal` (from `HEAD`) up to its colon,
    /// then its value read by `read`.
    #[inline(always)]
    fn head_field<T>(
        &mut self,
        literal: &[u8],
        top: &mut RefCandidate,
        read: impl FnOnce(&mut Self) -> Option<T>,
    ) -> Option<T> {
        let at = self.i;
        self.literal(literal)?;
        // The key is between the literal's quotes: `{"seq":`, `,"at":`.
        self.keyed(at + 2..self.i - 2, top, read)
    }

    fn skim_any_envelope(&mut self) -> Option<Skimmed<'a>> {
        let s = self;
        let line = s.b;
        let mut out = Skimmed::default();
        let mut seen = 0u16;
        s.ws();
        s.object(|s, key| s.envelope_field(key, &mut out, &mut seen))?;
        s.ws();
        let (has_seq, has_kind) = (seen & 1 != 0, seen & (1 << 3) != 0);
        (s.i == line.len() && has_seq && has_kind).then_some(out)
    }

    /// One field of the envelope (after its colon): kept, or skipped.
    /// `seen` has a bit for each kept field read (a duplicate is refused,
    /// as serde refuses it).
    #[inline]
    fn envelope_field(&mut self, key: &[u8], out: &mut Skimmed<'a>, seen: &mut u16) -> Option<()> {
        let bit = match key {
            b"seq" => 0,
            b"at" => 1,
            b"runId" => 2,
            b"type" => 3,
            b"nodeId" => 4,
            b"attemptId" => 5,
            b"sessionId" => 6,
            b"payload" => 7,
            _ => return self.value(1),
        };
        if *seen & (1 << bit) != 0 {
            return None; // serde refuses a duplicate field
        }
        *seen |= 1 << bit;
        match bit {
            0 => out.seq = self.unsigned()?,
            1 => out.at = self.optional_str()?,
            2 => out.run_id = self.optional_str()?,
            3 => out.kind = self.plain_str()?,
            4 => out.node_id = self.optional_str()?,
            5 => out.attempt_id = self.optional_str()?,
            6 => out.session_id = self.optional_str()?,
            _ => self.payload(out)?,
        }
        Some(())
    }
}

/// Also the session skimmer's (`session_skim.rs`).
pub(crate) struct Scanner<'a> {
    pub(crate) b: &'a [u8],
    pub(crate) i: usize,
    /// The whole line as text, when it is valid UTF-8 (almost always):
    /// strings are then sliced from it without checking each one.
    text: Option<&'a str>,
    /// No byte of the line is a control character (almost always): the
    /// end of a string is then found with `memchr2` instead of checking
    /// every byte for control characters too.
    no_controls: bool,
    /// Where the line's quotes are, when every quote bounds a string.
    quotes: Option<quotes::Quotes>,
    /// Set while artifact references are collected too.
    refs: Option<RefWalk>,
}

impl<'a> Scanner<'a> {
    #[inline(always)]
    pub(crate) fn new(line: &'a [u8]) -> Scanner<'a> {
        // Whole-line checks the compiler vectorizes; per-string checks
        // were a fifth of the skim.
        let survey = quotes::survey(line);
        Scanner {
            b: line,
            i: 0,
            text: match survey.ascii {
                // SAFETY: bytes below 0x80 are each a UTF-8 character.
                true => Some(unsafe { std::str::from_utf8_unchecked(line) }),
                false => std::str::from_utf8(line).ok(),
            },
            no_controls: !survey.controls,
            quotes: survey.quotes,
            refs: None,
        }
    }

    /// `raw` (a part of the line between two quotes) as text.
    fn text_of(&self, raw: std::ops::Range<usize>) -> Option<&'a str> {
        match self.text {
            Some(text) => text.get(raw),
            None => std::str::from_utf8(&self.b[raw]).ok(),
        }
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    pub(crate) fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek() == Some(byte)).then(|| self.i += 1)
    }

    /// `{ "key": value, ... }`, calling `field` with the scanner on each
    /// value (after the colon) and the raw key bytes. Keys with escapes are
    /// refused (serde would compare them unescaped), and keys that are not
    /// UTF-8 (serde checks the keys of the objects it reads fields from).
    pub(crate) fn object(
        &mut self,
        mut field: impl FnMut(&mut Self, &'a [u8]) -> Option<()>,
    ) -> Option<()> {
        self.eat(b'{')?;
        self.ws();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        let mut candidate = self.open_object();
        loop {
            self.ws();
            let (key, escaped) = self.string()?;
            if escaped
                || (self.text.is_none() && std::str::from_utf8(&self.b[key.clone()]).is_err())
            {
                return None;
            }
            let name = &self.b[key.clone()];
            self.ws();
            self.eat(b':')?;
            self.ws();
            self.keyed(key, &mut candidate, |s| field(s, name))?;
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    self.close_object(candidate);
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// `payload`: null, or an object whose `outcome`, `status` and
    /// `durationMs` are kept (serde reads other shapes differently: refused).
    fn payload(&mut self, out: &mut Skimmed<'a>) -> Option<()> {
        if self.literal(b"null").is_some() {
            return Some(());
        }
        let mut seen = 0u8;
        self.object(|s, key| {
            let bit = match key {
                b"outcome" => 0,
                b"status" => 1,
                b"durationMs" => 2,
                _ => return s.value(2),
            };
            if seen & (1 << bit) != 0 {
                return None;
            }
            seen |= 1 << bit;
            match bit {
                0 => out.outcome = s.optional_str()?,
                1 => out.status = s.optional_str()?,
                _ => {
                    out.duration_ms = match s.literal(b"null") {
                        Some(()) => None,
                        None => Some(s.unsigned()? as f64),
                    }
                }
            }
            Some(())
        })
    }

    /// A string without escapes, as UTF-8 text, or null.
    pub(crate) fn optional_str(&mut self) -> Option<Option<&'a str>> {
        if self.literal(b"null").is_some() {
            return Some(None);
        }
        self.plain_str().map(Some)
    }

    pub(crate) fn plain_str(&mut self) -> Option<&'a str> {
        match self.string()? {
            (raw, false) => self.text_of(raw),
            (_, true) => None,
        }
    }

    /// Where a string's raw content is in the line, and whether it holds
    /// escapes. Control characters are refused, escapes are checked.
    #[inline]
    fn string(&mut self) -> Option<(std::ops::Range<usize>, bool)> {
        match &self.quotes {
            Some(quotes) if self.peek() == Some(b'"') => {
                let start = self.i + 1;
                let end = quotes.next(start)?;
                self.i = end + 1;
                Some((start..end, false))
            }
            _ => self.searched_string(),
        }
    }

    /// `string` in a line without a quote bitmap.
    #[inline(never)]
    fn searched_string(&mut self) -> Option<(std::ops::Range<usize>, bool)> {
        self.eat(b'"')?;
        let start = self.i;
        let mut escaped = false;
        loop {
            let rest = &self.b[self.i..];
            self.i += match self.no_controls {
                true => quote_or_backslash(rest)?,
                false => special_byte(rest)?,
            };
            match self.b[self.i] {
                b'"' => {
                    let raw = start..self.i;
                    self.i += 1;
                    return Some((raw, escaped));
                }
                b'\\' => {
                    escaped = true;
                    self.i += 1;
                    match self.peek()? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 1,
                        b'u' => {
                            let hex = self.b.get(self.i + 1..self.i + 5)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) || self.refuses_escape(hex) {
                                return None;
                            }
                            self.i += 5;
                        }
                        _ => return None,
                    }
                }
                _ => return None, // a control character
            }
        }
    }

    /// A non-negative integer that fits u64 (what serde reads as one).
    pub(crate) fn unsigned(&mut self) -> Option<u64> {
        let start = self.i;
        let mut value = 0u64;
        let mut overflow = false;
        while let Some(digit) = self.peek().filter(u8::is_ascii_digit) {
            // Accumulated as it goes (`parse` would read the digits again).
            let next = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(digit - b'0')));
            overflow |= next.is_none();
            value = next.unwrap_or(0);
            self.i += 1;
        }
        let digits = &self.b[start..self.i];
        if digits.is_empty()
            || overflow
            || (digits.len() > 1 && digits[0] == b'0')
            || matches!(self.peek(), Some(b'.' | b'e' | b'E'))
        {
            return None;
        }
        Some(value)
    }

    pub(crate) fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.b[self.i..]
            .starts_with(word)
            .then(|| self.i += word.len())
    }

    /// Skips any JSON value, checking its grammar.
    pub(crate) fn value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => self.object(|s, _| s.value(depth + 1)),
            b'[' => {
                self.i += 1;
                self.ws();
                if self.eat(b']').is_some() {
                    return Some(());
                }
                loop {
                    self.ws();
                    self.value(depth + 1)?;
                    self.ws();
                    match self.peek()? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number(),
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    pub(crate) fn number(&mut self) -> Option<()> {
        let _ = self.eat(b'-');
        let start = self.i;
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        let mut digits = self.i - start;
        if self.eat(b'.').is_some() {
            let fraction = self.i;
            self.require_digits()?;
            digits += self.i - fraction;
        }
        let exponent = matches!(self.peek(), Some(b'e' | b'E'));
        if self.refuses_number(digits, exponent) {
            return None;
        }
        if exponent {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            self.require_digits()?;
        }
        Some(())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.i += 1;
        }
    }

    fn require_digits(&mut self) -> Option<()> {
        let start = self.i;
        self.digits();
        (self.i > start).then_some(())
    }
}

#[cfg(test)]
mod tests;
