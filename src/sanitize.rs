//! Make strings taken from bundles safe to print on a terminal.
//!
//! Bundles come from agents: a reply may contain escape sequences that would
//! clear the screen, retitle the window or reorder text. Every such character
//! is replaced by a visible placeholder so it is shown, never interpreted.

pub mod json;
pub mod writer;

use std::borrow::Cow;

/// Replaces control characters and bidi overrides with visible placeholders.
/// Newlines and tabs are kept when `keep_newlines` is set (multi-line text).
pub fn sanitize_text(input: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !may_need_escape(input.as_bytes(), keep_newlines)
        || !input.chars().any(|c| needs_escape(c, keep_newlines))
    {
        return Cow::Borrowed(input);
    }
    let mut out = String::with_capacity(input.len() + 8);
    for c in input.chars() {
        if needs_escape(c, keep_newlines) {
            push_placeholder(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Single-line form: newlines and tabs become placeholders too.
pub fn sanitize_line(input: &str) -> Cow<'_, str> {
    sanitize_text(input, false)
}

/// A cheap byte test that is true whenever `needs_escape` holds for some
/// character: a C0 control or DEL, or the first byte of the UTF-8 form of
/// U+0080–U+009F (0xC2), U+061C (0xD8) or U+200E–U+2069 (0xE2). Most text
/// has none of them and skips decoding characters.
pub(crate) fn may_need_escape(bytes: &[u8], keep_newlines: bool) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let suspect = |b: &u8| {
        matches!(b, 0x00..=0x1f | 0x7f | 0xc2 | 0xd8 | 0xe2)
            && !(keep_newlines && (*b == b'\n' || *b == b'\t'))
    };
    // Eight bytes at a time (outputs pass through here whole): only a word
    // holding a control byte, DEL or a non-ASCII byte is looked at closely.
    let mut words = bytes.chunks_exact(8);
    for chunk in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        // Below 0x20 (never missed, sometimes a false hit), or from 0x7f up.
        let control = x.wrapping_sub(LO * 0x20) & !x & HI;
        let del_or_high = (x | x.wrapping_add(LO)) & HI;
        if control | del_or_high != 0 && chunk.iter().any(suspect) {
            return true;
        }
    }
    words.remainder().iter().any(suspect)
}

fn needs_escape(c: char, keep_newlines: bool) -> bool {
    match c {
        '\n' | '\t' => !keep_newlines,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' => true,
        _ => is_bidi_control(c),
    }
}

pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

fn push_placeholder(out: &mut String, c: char) {
    match c {
        // C0 controls have dedicated "control picture" glyphs (␛, ␀, ␍ …).
        '\u{0}'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}')),
        '\u{7f}' => out.push('\u{2421}'),
        _ => {
            out.push_str(&format!("<U+{:04X}>", c as u32));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_byte_test_flags_every_character_that_needs_escaping() {
        let mut buf = [0u8; 4];
        let mut flagged = 0;
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            for keep in [false, true] {
                if needs_escape(c, keep) {
                    flagged += 1;
                    let bytes = c.encode_utf8(&mut buf).as_bytes();
                    assert!(may_need_escape(bytes, keep), "{c:?} keep={keep}");
                    let text = format!("plain {c} text");
                    assert!(matches!(sanitize_text(&text, keep), Cow::Owned(_)), "{c:?}");
                }
            }
        }
        // C0 (32, less \n and \t when kept), DEL, C1 (32), U+2028/9, 12 bidi.
        assert_eq!(flagged, (32 + 1 + 32 + 2 + 12) * 2 - 2);
    }

    #[test]
    fn the_byte_test_sees_a_byte_wherever_it_is() {
        let by_byte = |bytes: &[u8], keep: bool| {
            bytes.iter().any(|&b| {
                matches!(b, 0x00..=0x1f | 0x7f | 0xc2 | 0xd8 | 0xe2)
                    && !(keep && (b == b'\n' || b == b'\t'))
            })
        };
        for byte in 0..=255u8 {
            for at in 0..24 {
                let mut bytes = b"plain ascii text, 24 b.!".to_vec();
                bytes[at] = byte;
                for keep in [false, true] {
                    assert_eq!(
                        may_need_escape(&bytes, keep),
                        by_byte(&bytes, keep),
                        "{byte:#x} at {at} keep={keep}"
                    );
                }
            }
        }
    }

    #[test]
    fn escape_sequences_become_visible() {
        let clear = "before\u{1b}[2Jafter";
        assert_eq!(sanitize_line(clear), "before\u{241b}[2Jafter");
        let title = "\u{1b}]0;pwned\u{7}";
        assert_eq!(sanitize_line(title), "\u{241b}]0;pwned\u{2407}");
    }

    #[test]
    fn c1_and_bidi_controls_become_code_points() {
        assert_eq!(sanitize_line("a\u{9b}b"), "a<U+009B>b");
        assert_eq!(sanitize_line("x\u{202e}y"), "x<U+202E>y");
    }

    #[test]
    fn newlines_kept_only_when_asked() {
        assert_eq!(sanitize_text("a\nb\tc", true), "a\nb\tc");
        assert_eq!(sanitize_line("a\nb"), "a\u{240a}b");
        assert!(matches!(sanitize_line("plain text"), Cow::Borrowed(_)));
    }
}
