//! A writer that passes everything through the terminal sanitizer, for
//! output written piece by piece (a streamed `show --json`, a pager fed
//! from an artifact of any size): bytes are held back only while they end
//! inside a UTF-8 character, so memory stays at one write whatever passes.

use std::io::{self, Write};

use super::sanitize_text;

/// A writer that sanitizes what passes through it. Bytes are held back only
/// while they end inside a UTF-8 character.
pub struct Sanitized<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> Sanitized<W> {
    pub fn new(inner: W) -> Self {
        Sanitized {
            inner,
            pending: Vec::new(),
        }
    }

    /// Writes a piece of text (a line of a report).
    pub fn text(&mut self, text: &str) -> io::Result<()> {
        self.write_all(text.as_bytes())
    }

    /// Flushes everything, the incomplete character left at the end too.
    pub fn finish(mut self) -> io::Result<W> {
        if !self.pending.is_empty() {
            let rest = String::from_utf8_lossy(&self.pending).into_owned();
            self.pending.clear();
            self.inner
                .write_all(sanitize_text(&rest, true).as_bytes())?;
        }
        self.inner.flush()?;
        Ok(self.inner)
    }

    fn drain(&mut self) -> io::Result<()> {
        loop {
            match std::str::from_utf8(&self.pending) {
                Ok(text) => {
                    self.inner.write_all(sanitize_text(text, true).as_bytes())?;
                    self.pending.clear();
                    return Ok(());
                }
                Err(err) => {
                    let valid = err.valid_up_to();
                    let text = std::str::from_utf8(&self.pending[..valid]).unwrap_or_default();
                    self.inner.write_all(sanitize_text(text, true).as_bytes())?;
                    match err.error_len() {
                        // Invalid bytes: shown as U+FFFD, like a lossy decode.
                        Some(bad) => {
                            self.inner.write_all("\u{fffd}".as_bytes())?;
                            self.pending.drain(..valid + bad);
                        }
                        // A character cut at the end: wait for the rest.
                        None => {
                            self.pending.drain(..valid);
                            return Ok(());
                        }
                    }
                }
            }
        }
    }
}

impl<W: Write> Write for Sanitized<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Whole characters with nothing held back: no copy into `pending`.
        if let (true, Ok(text)) = (self.pending.is_empty(), std::str::from_utf8(buf)) {
            self.inner.write_all(sanitize_text(text, true).as_bytes())?;
            return Ok(buf.len());
        }
        self.pending.extend_from_slice(buf);
        self.drain()?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_are_sanitized_even_when_a_character_is_split() {
        let mut out = Sanitized::new(Vec::new());
        let text = "a\u{1b}[2Jé名\u{9b}z\n";
        // Byte by byte: every multi-byte character is split at least once.
        for byte in text.as_bytes() {
            out.write_all(&[*byte]).expect("write");
        }
        out.write_all(b"\xff!").expect("write");
        let bytes = out.finish().expect("finish");
        let expected = format!("{}\u{fffd}!", sanitize_text(text, true));
        assert_eq!(String::from_utf8(bytes).expect("utf-8"), expected);
    }
}
