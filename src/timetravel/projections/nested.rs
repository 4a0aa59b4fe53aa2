//! Whether bytes read in pieces are a known JSON text nested one level
//! deeper, as `JSON.stringify(value, null, 2)` nests a value inside an
//! object: the same text with two more spaces after every newline. A long
//! run's `run.json` holds its `steps.json` that way; once that is seen
//! byte for byte, the copy is as valid as the text it matches.

/// What [`Nested::feed`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fed {
    /// The whole text matched; the first this many bytes of the last piece
    /// were its end.
    Done(usize),
    /// The piece matched; more is to come.
    More,
    Mismatch,
}

/// A match in progress of `text`, nested, against a stream of pieces.
pub(super) struct Nested<'a> {
    text: &'a [u8],
    /// How far `text` has matched.
    at: usize,
    /// Spaces still expected after the last newline.
    indent: usize,
}

/// Spaces one level of nesting adds after each newline.
const LEVEL: usize = 2;

impl<'a> Nested<'a> {
    pub fn new(text: &'a [u8]) -> Self {
        Nested {
            text,
            at: 0,
            indent: 0,
        }
    }

    /// Matches the next piece of the stream.
    pub fn feed(&mut self, piece: &[u8]) -> Fed {
        let mut i = 0;
        loop {
            while self.indent > 0 {
                match piece.get(i) {
                    None => return Fed::More,
                    Some(b' ') => {
                        i += 1;
                        self.indent -= 1;
                    }
                    Some(_) => return Fed::Mismatch,
                }
            }
            if self.at == self.text.len() {
                return Fed::Done(i);
            }
            let rest = &self.text[self.at..];
            let line = memchr::memchr(b'\n', rest).map_or(rest.len(), |p| p + 1);
            let n = line.min(piece.len() - i);
            if rest[..n] != piece[i..i + n] {
                return Fed::Mismatch;
            }
            i += n;
            self.at += n;
            if n < line {
                return Fed::More;
            }
            if rest[n - 1] == b'\n' {
                self.indent = LEVEL;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `stream` in pieces of `size` bytes: where the match ended.
    fn matched(text: &str, stream: &str, size: usize) -> Option<usize> {
        let mut nested = Nested::new(text.as_bytes());
        let mut offset = 0;
        for piece in stream.as_bytes().chunks(size) {
            match nested.feed(piece) {
                Fed::Done(n) => return Some(offset + n),
                Fed::More => offset += piece.len(),
                Fed::Mismatch => return None,
            }
        }
        None
    }

    #[test]
    fn a_text_matches_itself_nested_in_any_pieces() {
        let value = serde_json::json!([{"a": [1, {"b": "x\ny"}], "c": {}}, {"d": null}]);
        let text = serde_json::to_string_pretty(&value).expect("json");
        // What serde writes for the value inside an object, after its key.
        let outer =
            serde_json::to_string_pretty(&serde_json::json!({ "k": value, "z": 1 })).expect("json");
        let start = outer.find('[').expect("array");
        let end = outer.rfind(']').expect("array") + 1;
        for size in 1..=outer.len() {
            assert_eq!(
                matched(&text, &outer[start..], size),
                Some(end - start),
                "pieces of {size}"
            );
        }
    }

    #[test]
    fn any_other_byte_is_a_mismatch() {
        let text = "[\n  {\n    \"a\": 1\n  }\n]";
        let nested = "[\n    {\n      \"a\": 1\n    }\n  ]";
        assert_eq!(matched(text, nested, 3), Some(nested.len()));
        for at in 0..nested.len() {
            let mut changed = nested.as_bytes().to_vec();
            changed[at] = if changed[at] == b' ' { b'\t' } else { b' ' };
            let changed = String::from_utf8(changed).expect("utf8");
            assert_eq!(matched(text, &changed, 4), None, "{changed:?}");
        }
        assert_eq!(matched(text, &nested[..nested.len() - 1], 4), None);
        assert_eq!(matched(text, text, 4), None, "not nested");
    }
}
