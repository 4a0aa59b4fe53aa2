//! `run.json` read without its `steps`: the object's bytes with that
//! value replaced by `null`, the array checked element by element (or
//! matched against the known records) on the way.

use std::io::Read;
use std::ops::{ControlFlow, Range};

use serde::de::IgnoredAny;

use super::super::nested::{Fed, Nested};
use super::{Scan, MAX_DEPTH};

/// What [`without_array`] read.
pub(in crate::timetravel::projections) struct Without {
    /// The object, the array replaced by `null`.
    pub rest: Vec<u8>,
    /// Where in the file the array is, when it is the `known` text nested
    /// (and the only value of `key`).
    pub known_at: Option<Range<u64>>,
}

/// The JSON object read from `reader` with the value of every top-level
/// `key` replaced by `null`, when each such value is an array of objects
/// that serde accepts (they are never kept), or the text `known` nested
/// one level (`None` otherwise).
pub(in crate::timetravel::projections) fn without_array(
    reader: impl Read,
    chunk: usize,
    key: &str,
    known: Option<&[u8]>,
) -> Option<Without> {
    let mut scan = Scan::new(reader, chunk);
    let mut out = Vec::new();
    let mut known_at = None;
    let mut arrays = 0;
    let quoted = format!("\"{key}\"");
    if scan.peek_token()? != b'{' {
        return None;
    }
    let mut depth = 0usize;
    let mut in_string = false;
    // The byte after a backslash in a string (perhaps in the next chunk).
    let mut escaped = false;
    // The last byte outside a string at depth 1 that was not whitespace:
    // a string after `{` or `,` there is a key.
    let mut previous = 0u8;
    loop {
        scan.mark = scan.pos;
        if !scan.ready() {
            return None;
        }
        let buf = &scan.window.buf;
        if escaped {
            out.push(buf[scan.pos]);
            scan.pos += 1;
            escaped = false;
            continue;
        }
        if in_string {
            match memchr::memchr2(b'"', b'\\', &buf[scan.pos..]) {
                None => {
                    out.extend_from_slice(&buf[scan.pos..]);
                    scan.pos = buf.len();
                }
                Some(i) => {
                    let at = scan.pos + i;
                    out.extend_from_slice(&buf[scan.pos..=at]);
                    scan.pos = at + 1;
                    match buf[at] {
                        b'"' => in_string = false,
                        _ => escaped = true,
                    }
                }
            }
            continue;
        }
        let c = buf[scan.pos];
        if depth == 1 && c == b'"' && matches!(previous, b'{' | b',') {
            let key_span = scan.object_key()?;
            let raw_key = &scan.window.buf[key_span];
            if raw_key.contains(&b'\\') {
                return None;
            }
            out.extend_from_slice(raw_key);
            previous = b'"';
            if raw_key == quoted.as_bytes() {
                if scan.peek_token()? != b':' {
                    return None;
                }
                scan.pos += 1;
                arrays += 1;
                match known {
                    Some(text) => {
                        scan.peek_token()?;
                        known_at = Some(scan.matching(text)?);
                    }
                    None => {
                        // Ignored values are not checked as UTF-8 by serde either.
                        let mut check = |bytes: &[u8]| {
                            serde_json::from_slice::<IgnoredAny>(bytes)
                                .ok()
                                .map(|_| ControlFlow::Continue(()))
                        };
                        if scan.objects(1, &mut check)?.stopped {
                            return None;
                        }
                    }
                }
                out.extend_from_slice(b":null");
                previous = b']';
            }
            continue;
        }
        scan.pos += 1;
        out.push(c);
        match c {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return None;
                }
            }
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    let known_at = known_at.filter(|_| arrays == 1);
                    return scan.at_end().then_some(Without {
                        rest: out,
                        known_at,
                    });
                }
            }
            _ => {}
        }
        if depth == 1 && !matches!(c, b' ' | b'\n' | b'\t' | b'\r') {
            previous = c;
        }
    }
}

impl<R: Read> Scan<R> {
    /// Consumes `text` nested one level, which must come next, and returns
    /// where in the file it was; `None` at the first byte that differs.
    fn matching(&mut self, text: &[u8]) -> Option<Range<u64>> {
        let start = self.window.dropped + self.pos as u64;
        let mut nested = Nested::new(text);
        loop {
            self.mark = self.pos;
            if !self.ready() {
                return None;
            }
            match nested.feed(&self.window.buf[self.pos..]) {
                Fed::Done(n) => {
                    self.pos += n;
                    return Some(start..self.window.dropped + self.pos as u64);
                }
                Fed::More => self.pos = self.window.buf.len(),
                Fed::Mismatch => return None,
            }
        }
    }

    /// Consumes the string at `pos` and returns its span, quotes included.
    fn object_key(&mut self) -> Option<Range<usize>> {
        self.mark = self.pos;
        self.pos += 1;
        loop {
            if !self.ready() {
                return None;
            }
            let buf = &self.window.buf;
            match memchr::memchr2(b'"', b'\\', &buf[self.pos..]) {
                None => self.pos = buf.len(),
                Some(i) if buf[self.pos + i] == b'\\' => self.pos += i + 2,
                Some(i) => {
                    self.pos += i + 1;
                    return Some(self.mark..self.pos);
                }
            }
        }
    }
}
