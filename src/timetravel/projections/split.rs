//! Fast reads of the two large projections, for the shapes acpx writes: the
//! objects of a JSON array (`steps.json`) and a top-level object without its
//! `steps` (`run.json`), found by a byte scan over large chunks (strings
//! skipped with memchr) and each validated by serde on a slice.
//!
//! A fast read is only ever a shortcut: whenever the input is not plainly
//! of that shape (elements that are not objects, an escaped key, nesting
//! near serde's limit, anything serde rejects) it answers `None`, and the
//! caller reads the file with serde's streaming reader as before, which then
//! decides (and words any error) exactly as it always did.

use std::io::Read;
use std::ops::{ControlFlow, Range};

use serde::de::IgnoredAny;

use super::nested::{Fed, Nested};

mod pretty;

/// Bytes read at a time.
pub(super) const CHUNK: usize = 4 << 20;

/// Deeper than any record acpx writes, well under serde's limit of 128
/// (which a slice parse of one element would count from the element).
const MAX_DEPTH: usize = 64;

/// A file read in chunks; `buf[..]` holds what is not yet consumed.
struct Window<R> {
    reader: R,
    buf: Vec<u8>,
    /// Bytes of the file before `buf[0]`.
    dropped: u64,
    chunk: usize,
    eof: bool,
}

impl<R: Read> Window<R> {
    /// Drops `buf[..keep_from]` and reads more; returns whether it did
    /// (`false` at the end of the file, or on an error, which the streaming
    /// reader will meet and report). The kept bytes move down by
    /// `keep_from` either way.
    fn fill(&mut self, keep_from: usize) -> bool {
        self.buf.drain(..keep_from);
        self.dropped += keep_from as u64;
        if self.eof {
            return false;
        }
        let len = self.buf.len();
        self.buf.resize(len + self.chunk, 0);
        let read = loop {
            match self.reader.read(&mut self.buf[len..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break 0,
            }
        };
        self.buf.truncate(len + read);
        self.eof = read == 0;
        !self.eof
    }
}

/// A cursor over a [`Window`]: `pos` is the next byte, `mark` the first
/// byte still needed (so a refill keeps it).
struct Scan<R> {
    window: Window<R>,
    pos: usize,
    mark: usize,
    /// The whitespace [`Scan::peek_token`] skipped since it was cleared
    /// (a few bytes between two elements).
    gap: Vec<u8>,
}

impl<R: Read> Scan<R> {
    fn new(reader: R, chunk: usize) -> Self {
        Scan {
            window: Window {
                reader,
                buf: Vec::new(),
                dropped: 0,
                chunk: chunk.max(1),
                eof: false,
            },
            pos: 0,
            mark: 0,
            gap: Vec::new(),
        }
    }

    /// Makes `buf[pos]` readable; `false` at the end of the file.
    fn ready(&mut self) -> bool {
        while self.pos >= self.window.buf.len() {
            let more = self.window.fill(self.mark);
            self.pos -= self.mark;
            self.mark = 0;
            if !more {
                return false;
            }
        }
        true
    }

    /// The next byte that is not JSON whitespace, not consumed.
    fn peek_token(&mut self) -> Option<u8> {
        loop {
            if !self.ready() {
                return None;
            }
            match self.window.buf[self.pos] {
                c @ (b' ' | b'\n' | b'\t' | b'\r') => {
                    if self.mark == self.pos {
                        self.mark += 1;
                    }
                    self.pos += 1;
                    self.gap.push(c);
                }
                c => return Some(c),
            }
        }
    }

    /// Consumes the object that starts at `pos` and returns its span in
    /// `buf` (valid until the next read). Brackets are only counted: serde
    /// judges the element afterwards.
    fn object(&mut self, outer_depth: usize) -> Option<Range<usize>> {
        self.mark = self.pos;
        let mut depth = 0usize;
        let mut in_string = false;
        loop {
            if !self.ready() {
                return None;
            }
            // Through what is in the buffer, without a call per byte.
            let buf = &self.window.buf;
            let mut i = self.pos;
            while i < buf.len() {
                if in_string {
                    match memchr::memchr2(b'"', b'\\', &buf[i..]) {
                        None => i = buf.len(),
                        Some(at) if buf[i + at] == b'\\' => i += at + 2,
                        Some(at) => {
                            i += at + 1;
                            in_string = false;
                        }
                    }
                    continue;
                }
                let c = buf[i];
                i += 1;
                match c {
                    b'"' => in_string = true,
                    b'{' | b'[' => {
                        depth += 1;
                        if outer_depth + depth > MAX_DEPTH {
                            return None;
                        }
                    }
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            self.pos = i;
                            return Some(self.mark..i);
                        }
                    }
                    _ => {}
                }
            }
            self.pos = i;
        }
    }

    /// Consumes the array of objects at `pos` (its `[` next), calling
    /// `each` with every element's text until it breaks; `None` when the
    /// array is not a plain array of objects.
    fn objects(
        &mut self,
        outer_depth: usize,
        each: &mut dyn FnMut(&[u8]) -> Option<ControlFlow<()>>,
    ) -> Option<Array> {
        if self.peek_token()? != b'[' {
            return None;
        }
        self.pos += 1;
        self.gap.clear();
        if self.peek_token()? == b']' {
            self.pos += 1;
            let pretty = self.gap.is_empty();
            return Some(Array {
                stopped: false,
                pretty,
            });
        }
        // `JSON.stringify(value, null, 2)` puts each element on a line of
        // its own, indented one level deeper than the array.
        let element_lead = indent(outer_depth + 1);
        let mut pretty = true;
        loop {
            if self.peek_token()? != b'{' {
                return None;
            }
            pretty &= self.gap == element_lead;
            let span = match pretty {
                true => self.pretty_object(outer_depth + 1),
                false => None,
            };
            let span = match span {
                Some(span) => span,
                None => self.object(outer_depth + 1)?,
            };
            let broke = each(&self.window.buf[span])?.is_break();
            self.gap.clear();
            match self.peek_token()? {
                // Broken off before the end: the rest stays unread.
                b',' if broke => {
                    return Some(Array {
                        stopped: true,
                        pretty: false,
                    })
                }
                b',' => {
                    pretty &= self.gap.is_empty();
                    self.pos += 1;
                }
                b']' => {
                    self.pos += 1;
                    pretty &= self.gap == indent(outer_depth);
                    return Some(Array {
                        stopped: false,
                        pretty,
                    });
                }
                _ => return None,
            }
            self.gap.clear();
            self.mark = self.pos;
        }
    }

    /// Whether nothing but whitespace is left.
    fn at_end(&mut self) -> bool {
        self.peek_token().is_none() && self.window.eof
    }
}

/// What [`Scan::objects`] found.
struct Array {
    /// `each` broke off before the last element.
    stopped: bool,
    /// Read to its end, and laid out between the elements exactly as
    /// `JSON.stringify(value, null, 2)` lays out an array of objects.
    pretty: bool,
}

/// A newline and two spaces per level.
fn indent(depth: usize) -> Vec<u8> {
    let mut lead = vec![b'\n'];
    lead.resize(1 + 2 * depth, b' ');
    lead
}

/// How [`each_object`] read the array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ArrayEnd {
    /// `each` broke off before the last element.
    Stopped,
    /// To the end: the file is `JSON.stringify(array, null, 2)` and a
    /// newline, byte for byte, if every element is written back as read.
    Pretty,
    /// To the end, laid out some other way.
    Other,
}

/// Calls `each` with the text of every element of the JSON array read
/// from `reader`, until it breaks. `each` answers `None` for an element it
/// cannot judge. `None` (the caller then reads the file the slow way) unless
/// the file is an array of objects, each passed to `each` and accepted.
pub(super) fn each_object(
    reader: impl Read,
    chunk: usize,
    mut each: impl FnMut(&str) -> Option<ControlFlow<()>>,
) -> Option<ArrayEnd> {
    let mut scan = Scan::new(reader, chunk);
    // A raw value read by serde is text: so is each element.
    let mut each_text = |bytes: &[u8]| each(std::str::from_utf8(bytes).ok()?);
    scan.peek_token();
    let flush_left = scan.gap.is_empty();
    let array = scan.objects(0, &mut each_text)?;
    if array.stopped {
        return Some(ArrayEnd::Stopped);
    }
    scan.gap.clear();
    if !scan.at_end() {
        return None;
    }
    Some(match flush_left && array.pretty && scan.gap == b"\n" {
        true => ArrayEnd::Pretty,
        false => ArrayEnd::Other,
    })
}

/// What [`without_array`] read.
pub(super) struct Without {
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
pub(super) fn without_array(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn objects(text: &str, chunk: usize) -> Option<Vec<String>> {
        let mut seen = Vec::new();
        each_object(text.as_bytes(), chunk, |item| {
            serde_json::from_str::<IgnoredAny>(item).ok()?;
            seen.push(item.to_string());
            Some(ControlFlow::Continue(()))
        })
        .map(|_| seen)
    }

    #[test]
    fn arrays_of_objects_split_at_every_chunk_size() {
        let text = "[\n  {\"a\": \"x\\\"}]\", \"b\": [1, {\"c\": null}]},\n  {}\n]\n";
        let expected = vec![
            "{\"a\": \"x\\\"}]\", \"b\": [1, {\"c\": null}]}".to_string(),
            "{}".to_string(),
        ];
        for chunk in 1..=text.len() + 1 {
            assert_eq!(
                objects(text, chunk),
                Some(expected.clone()),
                "chunk {chunk}"
            );
        }
        assert_eq!(objects(" [ ] ", 2), Some(vec![]));
    }

    #[test]
    fn anything_else_is_left_to_serde() {
        for text in [
            "",
            "{}",
            "[1]",
            "[{},]",
            "[{} {}]",
            "[{}] x",
            "[{\"a\": }]",
            "[{\"a\": \"open}]",
            "[{}",
            "[{\"a\": 1]}]",
        ] {
            for chunk in [1, 3, 64] {
                assert_eq!(objects(text, chunk), None, "{text:?} chunk {chunk}");
            }
        }
        let deep = format!("[{}{}]", "{\"a\":[".repeat(40), "]}".repeat(40));
        assert_eq!(objects(&deep, 64), None, "nesting near serde's limit");
    }

    #[test]
    fn only_a_file_as_json_stringify_writes_it_is_pretty() {
        let records = serde_json::json!([
            {"a": "x\\\"]", "b": [1, {"c": null}]},
            {},
            {"d": {"e": []}}
        ]);
        let end = |text: &str, chunk: usize| {
            each_object(text.as_bytes(), chunk, |_| Some(ControlFlow::Continue(())))
        };
        let pretty = serde_json::to_string_pretty(&records).expect("json") + "\n";
        let compact = serde_json::to_string(&records).expect("json") + "\n";
        for chunk in [1, 2, 7, 4096] {
            assert_eq!(end(&pretty, chunk), Some(ArrayEnd::Pretty), "chunk {chunk}");
            assert_eq!(end("[]\n", chunk), Some(ArrayEnd::Pretty));
            for other in [
                compact.clone(),
                pretty.trim_end().to_string(),
                pretty.clone() + "\n",
                format!(" {pretty}"),
                pretty.replace("},\n  {", "}, \n  {"),
                pretty.replacen("\n  {", "\n   {", 1),
                pretty.replace("\n]", "\n ]"),
                "[ ]\n".to_string(),
            ] {
                assert_eq!(end(&other, chunk), Some(ArrayEnd::Other), "{other:?}");
            }
        }
        let stopped = each_object(pretty.as_bytes(), 3, |_| Some(ControlFlow::Break(())));
        assert_eq!(stopped, Some(ArrayEnd::Stopped));
        // Broken off at the last element: the array was read whole.
        let mut seen = 0;
        let last = each_object(pretty.as_bytes(), 3, |_| {
            seen += 1;
            Some(match seen {
                3 => ControlFlow::Break(()),
                _ => ControlFlow::Continue(()),
            })
        });
        assert_eq!(last, Some(ArrayEnd::Pretty));
    }

    #[test]
    fn stopping_early_leaves_the_rest_unread() {
        let mut count = 0;
        let done = each_object("[{}, {}, not json".as_bytes(), 4, |_| {
            count += 1;
            Some(ControlFlow::Break(()))
        });
        assert_eq!((done, count), (Some(ArrayEnd::Stopped), 1));
    }

    fn without(text: &str, chunk: usize) -> Option<String> {
        without_array(text.as_bytes(), chunk, "steps", None)
            .map(|w| String::from_utf8(w.rest).expect("utf8"))
    }

    #[test]
    fn the_steps_value_becomes_null_wherever_the_chunks_end() {
        let text = "{\n  \"runId\": \"r\",\n  \"steps\": [\n    {\"steps\": [1]}\n  ],\n  \"n\": {\"steps\": [2]},\n  \"s\": \"\\\"steps\\\": [\"\n}\n";
        let expected =
            "{\n  \"runId\": \"r\",\n  \"steps\":null,\n  \"n\": {\"steps\": [2]},\n  \"s\": \"\\\"steps\\\": [\"\n}";
        for chunk in 1..=text.len() + 1 {
            assert_eq!(
                without(text, chunk).as_deref(),
                Some(expected),
                "chunk {chunk}"
            );
        }
        let parse = |t: &str| serde_json::from_str::<serde_json::Value>(t).expect("json");
        let mut source = parse(text);
        source["steps"] = serde_json::Value::Null;
        assert_eq!(parse(expected), source);
    }

    #[test]
    fn run_files_of_other_shapes_are_left_to_serde() {
        for text in [
            "[]",
            "{\"steps\": null}",
            "{\"st\\u0065ps\": []}",
            "{\"steps\": [{\"a\": tru}]}",
            "{\"steps\": [1]}",
            "{\"steps\": []} {}",
            "{\"steps\": []",
        ] {
            for chunk in [1, 5, 64] {
                assert_eq!(without(text, chunk), None, "{text:?} chunk {chunk}");
            }
        }
    }
}
