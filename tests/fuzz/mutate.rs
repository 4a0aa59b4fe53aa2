//! Byte- and line-level mutations: flips, inserts, deletes, truncations,
//! and lines duplicated, dropped, reordered or spliced from other files.

use super::corpus::corpus;
use super::json_mut;
use super::rng::Rng;

/// Fragments that tend to matter to a JSON/NDJSON reader.
const TOKENS: &[&[u8]] = &[
    b"\n",
    b"\r\n",
    b"\r",
    b"\"",
    b"\\",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"null",
    b"true",
    b"-1",
    b"0",
    b"1e999",
    b"4294967296",
    b"18446744073709551616",
    b"1.5",
    b"\"seq\":",
    b"\"type\":",
    b"}\n{",
    b"\\u0000",
    b"\\ud800",
    b"\xff",
    b"\xc3",
    b"\xe2\x80\xae",
    b"\xc2\x9b",
    b"\x1b[2J",
    b"\0",
    b" ",
    b"\t",
    b"\xef\xbb\xbf",
];

/// One random byte-level change.
pub fn bytes_once(rng: &mut Rng, data: &mut Vec<u8>) {
    let len = data.len();
    match rng.below(9) {
        0 if len > 0 => {
            let at = rng.below(len);
            data[at] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let at = rng.below(len);
            data[at] = rng.byte();
        }
        2 => {
            let at = rng.below(len + 1);
            let token = *rng.pick(TOKENS);
            data.splice(at..at, token.iter().copied());
        }
        3 => {
            let at = rng.below(len + 1);
            let n = rng.small(16) + 1;
            let fresh: Vec<u8> = (0..n).map(|_| rng.byte()).collect();
            data.splice(at..at, fresh);
        }
        4 if len > 0 => {
            let at = rng.below(len);
            let n = (rng.small(64) + 1).min(len - at);
            data.drain(at..at + n);
        }
        5 if len > 0 => {
            // Duplicate a range in place.
            let at = rng.below(len);
            let n = (rng.small(256) + 1).min(len - at);
            let copy = data[at..at + n].to_vec();
            let to = rng.below(data.len() + 1);
            data.splice(to..to, copy);
        }
        6 => data.truncate(rng.below(len + 1)),
        7 if len > 0 => {
            // Overwrite a digit run: offsets and seqs live in digits.
            let at = rng.below(len);
            if let Some(d) = data[at..].iter().position(u8::is_ascii_digit) {
                let token = *rng.pick(&[&b"0"[..], b"4294967295", b"99999999999", b"-7", b"2.5"]);
                let start = at + d;
                let end = data[start..]
                    .iter()
                    .position(|b| !b.is_ascii_digit())
                    .map_or(data.len(), |e| start + e);
                data.splice(start..end, token.iter().copied());
            }
        }
        _ => {
            let at = rng.below(len + 1);
            let token = *rng.pick(TOKENS);
            data.splice(at..at, token.iter().copied());
        }
    }
}

/// A few byte-level changes.
pub fn bytes(rng: &mut Rng, data: &mut Vec<u8>) {
    for _ in 0..rng.small(6) + 1 {
        bytes_once(rng, data);
    }
}

/// Splits into lines, each keeping its `\n` (the last may lack it).
pub fn split_lines(data: &[u8]) -> Vec<Vec<u8>> {
    data.split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

fn with_newline(mut line: Vec<u8>) -> Vec<u8> {
    if line.last() != Some(&b'\n') {
        line.push(b'\n');
    }
    line
}

/// One random line-level change to NDJSON text.
pub fn lines_once(rng: &mut Rng, data: &mut Vec<u8>) {
    let mut lines = split_lines(data);
    let n = lines.len();
    match rng.below(10) {
        0 if n > 0 => {
            let at = rng.below(n);
            let copy = lines[at].clone();
            lines.insert(rng.below(n + 1), with_newline(copy));
        }
        1 if n > 0 => {
            lines.remove(rng.below(n));
        }
        2 if n > 1 => {
            let (a, b) = (rng.below(n), rng.below(n));
            lines.swap(a, b);
        }
        3 if n > 1 => {
            let line = lines.remove(rng.below(n));
            lines.insert(rng.below(n), line);
        }
        4 => {
            // Splice in a line from any file of the corpus.
            let pool = &corpus().lines;
            let line = with_newline(rng.pick(pool).clone());
            lines.insert(rng.below(n + 1), line);
        }
        5 if n > 0 => {
            let at = rng.below(n);
            let line = std::mem::take(&mut lines[at]);
            let cut = rng.below(line.len() + 1);
            lines[at] = line[..cut].to_vec();
        }
        6 => {
            let blanks: [&[u8]; 4] = [b"\n", b"\r\n", b"  \t\n", b"\n\n\n"];
            let blank: &[u8] = blanks[rng.below(blanks.len())];
            lines.insert(rng.below(n + 1), blank.to_vec());
        }
        7 if n > 0 => {
            // The file ends mid-line (a writer is appending).
            if let Some(last) = lines.last_mut() {
                if last.last() == Some(&b'\n') {
                    last.pop();
                }
            }
        }
        8 if n > 0 => {
            let at = rng.below(n);
            let mut line = std::mem::take(&mut lines[at]);
            let had_newline = line.last() == Some(&b'\n');
            if had_newline {
                line.pop();
            }
            let mut changed = json_mut::mutate_text(rng, &line, true);
            if had_newline {
                changed.push(b'\n');
            }
            lines[at] = changed;
        }
        _ if n > 0 => {
            let at = rng.below(n);
            if lines[at].last() == Some(&b'\n') && rng.one_in(2) {
                let last = lines[at].len() - 1;
                lines[at][last..].copy_from_slice(b"\r");
                lines[at].push(b'\n');
            } else {
                bytes_once(rng, &mut lines[at]);
            }
        }
        _ => {}
    }
    *data = lines.concat();
}

/// A mix of line-, JSON- and byte-level changes for NDJSON text.
pub fn ndjson(rng: &mut Rng, data: &mut Vec<u8>) {
    for _ in 0..rng.small(5) + 1 {
        match rng.below(10) {
            0..=6 => lines_once(rng, data),
            _ => bytes_once(rng, data),
        }
    }
}

/// A mix of JSON-aware and byte-level changes for a JSON document.
pub fn json_doc(rng: &mut Rng, data: &mut Vec<u8>) {
    for _ in 0..rng.small(3) + 1 {
        if rng.one_in(4) {
            bytes_once(rng, data);
        } else {
            *data = json_mut::mutate_text(rng, data, false);
        }
    }
}
