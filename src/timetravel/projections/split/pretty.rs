//! The end of an element of an array laid out as `JSON.stringify(value,
//! null, 2)` lays it out: the first line that holds only its closing brace,
//! indented as the element opened. A raw newline cannot be inside a JSON
//! string and a nested value closes further right, so in such a file that
//! line closes the element; the caller's check of the element (serde)
//! refuses any other span, and then the file is read the slow way.

use std::io::Read;
use std::ops::Range;

use super::{indent, Scan, MAX_DEPTH};

impl<R: Read> Scan<R> {
    /// Consumes the object at `pos` (an element of an array at `depth - 1`)
    /// up to its closing line and returns its span in `buf`. `None` (nothing
    /// consumed) when there is no such line, or when the element may nest
    /// too deep to judge this way: the caller counts its brackets then.
    pub(super) fn pretty_object(&mut self, depth: usize) -> Option<Range<usize>> {
        self.mark = self.pos;
        // `{}` stays on its line: only an object that opens one is looked
        // at this way.
        if self.window.buf.get(self.pos + 1) != Some(&b'\n') {
            return None;
        }
        let mut closing = indent(depth);
        closing.push(b'}');
        let finder = memchr::memmem::Finder::new(&closing);
        let mut from = self.pos;
        loop {
            let buf = &self.window.buf;
            if let Some(at) = finder.find(&buf[from..]) {
                let end = from + at + closing.len();
                let span = self.mark..end;
                // Never deeper than the brackets it opens (strings' included).
                let opened = openers(&buf[span.clone()]);
                if depth + opened > MAX_DEPTH {
                    self.pos = self.mark;
                    return None;
                }
                self.pos = end;
                return Some(span);
            }
            // The closing line may straddle the end of what is read.
            let back = closing.len().min(buf.len() - self.mark) - 1;
            self.pos = buf.len();
            if !self.ready() {
                self.pos = self.mark;
                return None;
            }
            from = self.pos - back;
        }
    }
}

/// How many `{` and `[` bytes: counted a block at a time (the compiler
/// vectorizes the block).
fn openers(bytes: &[u8]) -> usize {
    // `[` and `{` differ only in the bit 0x20.
    let is_opener = |b: &u8| usize::from((b | 0x20) == b'{');
    let mut blocks = bytes.chunks_exact(64);
    let mut count = 0;
    for block in &mut blocks {
        count += block.iter().fold(0u8, |n, b| n + is_opener(b) as u8) as usize;
    }
    count + blocks.remainder().iter().map(is_opener).sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::super::each_object;
    use serde::de::IgnoredAny;
    use serde_json::{json, Value};
    use std::ops::ControlFlow;

    fn elements(text: &str, chunk: usize) -> Option<Vec<Value>> {
        let mut seen = Vec::new();
        each_object(text.as_bytes(), chunk, |item| {
            serde_json::from_str::<IgnoredAny>(item).ok()?;
            seen.push(serde_json::from_str(item).ok()?);
            Some(ControlFlow::Continue(()))
        })
        .map(|_| seen)
    }

    #[test]
    fn pretty_elements_end_at_their_closing_line_wherever_the_chunks_end() {
        let records = json!([
            {"a": "}\n  }", "b": [{"c": {}}, []], "d": {"e": "\\"}},
            {},
            {"f": [1, 2, {"g": null}]}
        ]);
        let text = serde_json::to_string_pretty(&records).expect("json") + "\n";
        let expected = records.as_array().cloned();
        for chunk in 1..=text.len() + 1 {
            assert_eq!(elements(&text, chunk), expected, "chunk {chunk}");
        }
    }

    #[test]
    fn openers_are_counted_in_blocks_and_remainders() {
        for len in [0, 1, 63, 64, 65, 200] {
            let bytes: Vec<u8> = (0..len).map(|i| b"{[}]a\"{"[i % 7]).collect();
            let expected = bytes.iter().filter(|&&b| b == b'{' || b == b'[').count();
            assert_eq!(super::openers(&bytes), expected, "{len}");
        }
    }

    #[test]
    fn deep_elements_are_measured_by_their_brackets() {
        // Pretty, but nested near serde's limit: refused as before.
        let mut deep = json!({"z": 1});
        for _ in 0..70 {
            deep = json!({ "a": deep });
        }
        let text = serde_json::to_string_pretty(&json!([deep])).expect("json");
        assert_eq!(elements(&text, 64), None);
        // Many brackets, none deep: still read.
        let wide = json!([{"a": vec![json!([]); 100]}]);
        let text = serde_json::to_string_pretty(&wide).expect("json");
        assert_eq!(elements(&text, 64), wide.as_array().cloned());
    }
}
