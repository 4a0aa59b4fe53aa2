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

mod pretty;
mod without;

pub(super) use self::without::without_array;

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
        // Read into the spare capacity (`read_to_end` does not zero it
        // first, as a `resize` before each read of 4 MiB did).
        let mut limited = (&mut self.reader).take(self.chunk as u64);
        let read = match limited.read_to_end(&mut self.buf) {
            Ok(n) => n,
            Err(_) => self.buf.len() - len,
        };
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

#[cfg(test)]
mod tests;
