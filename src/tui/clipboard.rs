//! Copying to the clipboard through the terminal (OSC 52): works over ssh
//! and in tmux (with `set-clipboard on`), needs no clipboard program. The
//! text travels base64-encoded, so nothing in it can act as an escape
//! sequence; terminals cap the sequence's size, and so do we.

use std::io::Write;

/// What xterm accepts by default (its limit is on the encoded sequence).
pub const MAX_COPY_BYTES: usize = 74_000;

/// The OSC 52 sequence that puts `text` on the system clipboard.
pub fn osc52(text: &str) -> String {
    format!("\u{1b}]52;c;{}\u{7}", base64(text.as_bytes()))
}

/// Writes the copy the app asked for, if any, and says what was copied.
pub fn write_asked(app: &mut super::app::App) -> bool {
    let Some((text, what)) = app.clipboard.take() else {
        return false;
    };
    if text.len() > MAX_COPY_BYTES {
        app.notice = Some(format!("{what} is too long to copy ({} bytes)", text.len()));
        return true;
    }
    let mut out = std::io::stdout().lock();
    let written = out
        .write_all(osc52(&text).as_bytes())
        .and_then(|()| out.flush());
    app.notice = Some(match written {
        Ok(()) => format!("copied {what}: {}", crate::sanitize::sanitize_line(&text)),
        Err(err) => format!("could not copy {what}: {err}"),
    });
    true
}

/// Standard base64 (RFC 4648) with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain:?}");
        }
    }

    #[test]
    fn the_sequence_carries_nothing_raw() {
        let sequence = osc52("a\u{1b}]0;pwned\u{7}b");
        let payload = &sequence[7..sequence.len() - 1];
        assert!(payload
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)));
        assert!(sequence.starts_with("\u{1b}]52;c;") && sequence.ends_with('\u{7}'));
    }
}
