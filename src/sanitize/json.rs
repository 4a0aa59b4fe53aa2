//! JSON output that is safe on a terminal. serde_json escapes only what
//! JSON requires (`"`, `\` and C0 controls); C1 controls (U+0080–U+009F,
//! which include the 8-bit CSI), DEL, bidi overrides and the line
//! separators U+2028/U+2029 would reach the terminal raw through
//! `reel … --json | cat`. They are written as `\uXXXX`, which any JSON
//! reader decodes back to the same string.

use std::io;

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};

/// One-line JSON (`serde_json::to_string`), terminal-safe.
pub fn to_line<T: Serialize + ?Sized>(value: &T) -> String {
    render(value, Escaping(CompactFormatter))
}

/// Indented JSON (`serde_json::to_string_pretty`), terminal-safe.
pub fn to_pretty<T: Serialize + ?Sized>(value: &T) -> String {
    render(value, Escaping(PrettyFormatter::new()))
}

/// `to_line` written straight into `writer` as the serializer goes, for
/// documents too large to build in memory first (same bytes as `to_line`).
pub fn to_writer<W: io::Write, T: Serialize + ?Sized>(writer: W, value: &T) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(writer, Escaping(CompactFormatter));
    value.serialize(&mut serializer).map_err(io::Error::from)
}

/// `to_pretty` written straight into `writer` (same bytes as `to_pretty`).
pub fn to_writer_pretty<W: io::Write, T: Serialize + ?Sized>(
    writer: W,
    value: &T,
) -> io::Result<()> {
    let formatter = Escaping(PrettyFormatter::new());
    let mut serializer = serde_json::Serializer::with_formatter(writer, formatter);
    value.serialize(&mut serializer).map_err(io::Error::from)
}

/// One string as `to_writer` writes it, appended to `out`: printable
/// ASCII is copied as it is, anything else goes through the serializer.
pub fn push_str(out: &mut Vec<u8>, text: &str) {
    let plain = text
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
    if plain {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        // Writing into a `Vec` cannot fail, nor can serializing a `str`.
        let _ = to_writer(&mut *out, text);
    }
}

fn render<T: Serialize + ?Sized, F: Formatter>(value: &T, formatter: F) -> String {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    if let Err(err) = value.serialize(&mut serializer) {
        // Only a map with non-string keys can fail; say so in JSON.
        return format!("{{\"error\":{}}}", to_line(&err.to_string()));
    }
    // The serializer writes valid UTF-8 and the escapes are ASCII.
    String::from_utf8(out).unwrap_or_default()
}

fn must_escape(c: char) -> bool {
    matches!(c, '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}') || super::is_bidi_control(c)
}

/// A formatter that escapes `must_escape` characters inside strings and
/// otherwise lays out exactly like the one it wraps.
struct Escaping<F>(F);

impl<F: Formatter> Formatter for Escaping<F> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // serde has escaped C0 already: a fragment holds none.
        if !super::may_need_escape(fragment.as_bytes(), true) {
            return writer.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (at, c) in fragment.char_indices().filter(|&(_, c)| must_escape(c)) {
            writer.write_all(&fragment.as_bytes()[start..at])?;
            write!(writer, "\\u{:04x}", c as u32)?;
            start = at + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn dangerous_characters_are_escaped_and_round_trip() {
        let text = "a\u{9b}2Jb\u{202e}c\u{2028}d\u{7f}e\u{1b}[0m é 名";
        let value = json!({"title": text, "list": [text]});
        for rendered in [to_line(&value), to_pretty(&value)] {
            assert!(
                !rendered.chars().any(|c| must_escape(c) || c == '\u{1b}'),
                "{rendered:?}"
            );
            assert!(rendered.contains("\\u009b") && rendered.contains("\\u202e"));
            let back: Value = serde_json::from_str(&rendered).expect("valid JSON");
            assert_eq!(back, value);
        }
    }

    #[test]
    fn writers_give_the_same_bytes() {
        let value = json!({"a": [1, {"b": null}], "c": "x\u{9b}y\u{2028}", "d": {}});
        let mut line = Vec::new();
        to_writer(&mut line, &value).expect("write");
        assert_eq!(String::from_utf8(line).expect("utf-8"), to_line(&value));
        let mut pretty = Vec::new();
        to_writer_pretty(&mut pretty, &value).expect("write");
        assert_eq!(String::from_utf8(pretty).expect("utf-8"), to_pretty(&value));
    }

    #[test]
    fn pushed_strings_are_the_serialized_ones() {
        let mut texts: Vec<String> = [
            "",
            "plain",
            "a\"b",
            "back\\slash",
            "é名",
            "\u{9b}x",
            "\u{2028}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        texts.extend((0u8..=0x7f).map(|b| format!("x{}y", b as char)));
        for text in texts {
            let mut pushed = b"[".to_vec();
            push_str(&mut pushed, &text);
            pushed.push(b']');
            assert_eq!(
                String::from_utf8_lossy(&pushed),
                to_line(&[&text]),
                "{text:?}"
            );
        }
    }

    #[test]
    fn layout_is_serde_json_s() {
        let value = json!({"a": [1, {"b": null}], "c": "plain é"});
        assert_eq!(
            to_line(&value),
            serde_json::to_string(&value).expect("json")
        );
        assert_eq!(
            to_pretty(&value),
            serde_json::to_string_pretty(&value).expect("json")
        );
    }
}
