//! Where the quotes of a line are, as a bitmap built in one pass over it:
//! the end of each string is then the next bit, found without looking at
//! the bytes again (strings are most of a trace line, and most of them
//! short ids and keys, where a search's set-up cost more than it found).
//! Only for lines without backslashes or control characters (nearly every
//! line acpx writes), where every quote ends or starts a string; in other
//! lines a string's end is searched for (`quote_or_backslash`,
//! `special_byte`).

/// Lines up to this many bytes get a bitmap (longer ones, rare, are
/// searched as before).
const WORDS: usize = 16;
pub(super) const MAX_LEN: usize = WORDS * 64;

pub(super) struct Quotes {
    /// Bit `i % 64` of word `i / 64`: byte `i` is a `"`.
    words: [u64; WORDS],
    len: usize,
}

/// What one pass over a line found.
pub(super) struct LineBytes {
    pub controls: bool,
    /// Every byte is below 0x80 (so the line is UTF-8).
    pub ascii: bool,
    /// The quote bitmap, when the line is short enough and has no
    /// backslash or control character.
    pub quotes: Option<Quotes>,
}

#[inline(always)]
pub(super) fn survey(line: &[u8]) -> LineBytes {
    if line.len() > MAX_LEN {
        let controls = line.iter().fold(false, |any, &b| any | (b < 0x20));
        return LineBytes {
            controls,
            ascii: false,
            quotes: None,
        };
    }
    let mut words = [0u64; WORDS];
    let flags = lanes::quote_bits(line, &mut words);
    let (controls, backslash) = (flags.controls, flags.backslash);
    LineBytes {
        controls,
        ascii: !flags.high,
        quotes: (!controls && !backslash).then_some(Quotes {
            words,
            len: line.len(),
        }),
    }
}

/// Whether any control character, backslash or byte of 0x80 and above
/// was seen.
struct Flags {
    controls: bool,
    backslash: bool,
    high: bool,
}

#[cfg(target_arch = "x86_64")]
mod lanes {
    use super::Flags;
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_setzero_si128,
    };

    /// Sets the quote bits of `line` (at most `MAX_LEN` bytes) in `words`,
    /// 16 bytes at a time straight from the line; the flags are gathered
    /// in vector registers and read once at the end.
    #[inline(always)]
    pub(super) fn quote_bits(line: &[u8], words: &mut [u64; super::WORDS]) -> Flags {
        let len = line.len();
        let full = len / 16;
        // SAFETY: SSE2 is part of every x86_64 target. Every load reads 16
        // bytes inside `line` (unaligned loads are allowed), or inside
        // `padded` for a line shorter than 16 bytes.
        unsafe {
            let quote = _mm_set1_epi8(b'"' as i8);
            let backslash = _mm_set1_epi8(b'\\' as i8);
            // b < 0x20 exactly when max(b, 0x1f) == 0x1f.
            let low = _mm_set1_epi8(0x1f);
            let (mut controls, mut slashes, mut high) = (
                _mm_setzero_si128(),
                _mm_setzero_si128(),
                _mm_setzero_si128(),
            );
            let mut block = |bytes: __m128i| {
                controls = _mm_or_si128(controls, _mm_cmpeq_epi8(_mm_max_epu8(bytes, low), low));
                slashes = _mm_or_si128(slashes, _mm_cmpeq_epi8(bytes, backslash));
                high = _mm_or_si128(high, bytes);
                _mm_movemask_epi8(_mm_cmpeq_epi8(bytes, quote)) as u32 as u64
            };
            for part in 0..full {
                let bytes = _mm_loadu_si128(line.as_ptr().add(part * 16).cast::<__m128i>());
                words[part / 4] |= block(bytes) << (part % 4 * 16);
            }
            let rest = len % 16;
            if rest != 0 {
                let bits = if len >= 16 {
                    // The last 16 bytes, overlapping the blocks before: the
                    // flags are the same again, the quote bits are shifted.
                    let bytes = _mm_loadu_si128(line.as_ptr().add(len - 16).cast::<__m128i>());
                    block(bytes) >> (16 - rest)
                } else {
                    // Padded with a byte that is none of those looked for.
                    let mut padded = [b' '; 16];
                    padded[..rest].copy_from_slice(line);
                    block(_mm_loadu_si128(padded.as_ptr().cast::<__m128i>()))
                };
                words[full / 4] |= bits << (full % 4 * 16);
            }
            Flags {
                controls: _mm_movemask_epi8(controls) != 0,
                backslash: _mm_movemask_epi8(slashes) != 0,
                high: _mm_movemask_epi8(high) != 0,
            }
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod lanes {
    use super::Flags;

    pub(super) fn quote_bits(line: &[u8], words: &mut [u64; super::WORDS]) -> Flags {
        let mut flags = Flags {
            controls: false,
            backslash: false,
            high: false,
        };
        for (i, &b) in line.iter().enumerate() {
            words[i / 64] |= u64::from(b == b'"') << (i % 64);
            flags.controls |= b < 0x20;
            flags.backslash |= b == b'\\';
            flags.high |= b >= 0x80;
        }
        flags
    }
}

impl Quotes {
    /// The first quote at or after `from`.
    #[inline]
    pub(super) fn next(&self, from: usize) -> Option<usize> {
        if from >= self.len {
            return None;
        }
        let mut word = from / 64;
        let mut bits = self.words[word] & (!0u64 << (from % 64));
        while bits == 0 {
            word += 1;
            if word * 64 >= self.len {
                return None;
            }
            bits = self.words[word];
        }
        Some(word * 64 + bits.trailing_zeros() as usize)
    }
}

/// Position of the first `"` or `\` in a line without control
/// characters: the first 32 bytes eight at a time (most strings of a trace
/// line are short ids and keys), then `memchr2`'s vector search.
pub(super) fn quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    let exact = |b: &u8| *b == b'"' || *b == b'\\';
    let head = bytes.len().min(32) / 8 * 8;
    for at in (0..head).step_by(8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[at..at + 8]);
        let x = u64::from_le_bytes(word);
        if has_zero_byte(x ^ (LO * u64::from(b'"'))) | has_zero_byte(x ^ (LO * u64::from(b'\\')))
            != 0
        {
            return bytes[at..at + 8].iter().position(exact).map(|p| at + p);
        }
    }
    memchr::memchr2(b'"', b'\\', &bytes[head..]).map(|p| head + p)
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Non-zero when a byte of `x` is zero (false hits are possible only
/// above a real one, so the first hit is exact).
fn has_zero_byte(x: u64) -> u64 {
    x.wrapping_sub(LO) & !x & HI
}

/// Position of the first `"`, `\` or control character, eight bytes at a
/// time (strings are most of a trace line). Also `plain_json`'s.
pub(crate) fn special_byte(bytes: &[u8]) -> Option<usize> {
    let has_zero = has_zero_byte;
    let exact = |b: &u8| *b == b'"' || *b == b'\\' || *b < 0x20;
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        // Bytes below 0x20, or equal to `"` or `\` (the test can have
        // false hits, never misses: the exact byte is looked for then).
        let below = x.wrapping_sub(LO * 0x20) & !x & HI;
        let hit = below | has_zero(x ^ (LO * b'"' as u64)) | has_zero(x ^ (LO * b'\\' as u64));
        if hit != 0 {
            if let Some(p) = chunk.iter().position(exact) {
                return Some(at + p);
            }
        }
        at += 8;
    }
    bytes[at..].iter().position(exact).map(|p| at + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_quote_is_found_in_lines_of_every_length() {
        for len in [0, 1, 63, 64, 65, 127, 128, 200, MAX_LEN - 1, MAX_LEN] {
            let mut line = vec![b'a'; len];
            let mut expected = Vec::new();
            for at in (0..len).filter(|at| at % 7 == 3 || *at == len - 1) {
                line[at] = b'"';
                expected.push(at);
            }
            let quotes = survey(&line).quotes.expect("plain line");
            let mut found = Vec::new();
            let mut from = 0;
            while let Some(at) = quotes.next(from) {
                found.push(at);
                from = at + 1;
            }
            assert_eq!(found, expected, "length {len}");
        }
    }

    /// Every length up to a few blocks, with one special byte at every
    /// place (the short-line, whole-block and overlapping-tail reads).
    #[test]
    fn each_special_byte_is_seen_wherever_it_is() {
        for len in 1..=80 {
            for at in 0..len {
                for (byte, what) in [(b'"', "quote"), (b'\\', "backslash"), (b'\n', "control")] {
                    let mut line = vec![b'a'; len];
                    line[at] = byte;
                    let got = survey(&line);
                    let context = format!("{what} at {at} of {len}");
                    assert_eq!(got.controls, byte == b'\n', "{context}");
                    assert!(got.ascii, "{context}");
                    match got.quotes {
                        Some(quotes) => {
                            assert_eq!(byte, b'"', "{context}");
                            assert_eq!(quotes.next(0), Some(at), "{context}");
                            assert_eq!(quotes.next(at + 1), None, "{context}");
                        }
                        None => assert_ne!(byte, b'"', "{context}"),
                    }
                }
                let mut line = vec![b'a'; len];
                line[at] = 0xc3;
                assert!(!survey(&line).ascii, "high byte at {at} of {len}");
            }
        }
    }

    #[test]
    fn lines_with_escapes_controls_or_great_length_get_no_bitmap() {
        assert!(survey(br#"{"a":"b\"c"}"#).quotes.is_none());
        let control = survey(b"{\"a\":\"b\tc\"}");
        assert!(control.controls && control.quotes.is_none());
        let long = vec![b'a'; MAX_LEN + 1];
        let long = survey(&long);
        assert!(!long.controls && long.quotes.is_none());
        assert!(survey(br#"{"a":"b"}"#).quotes.is_some());
    }
}
