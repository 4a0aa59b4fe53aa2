//! Splitting NDJSON into lines by byte offset, incrementally.
//!
//! acpx appends NDJSON line by line, so a reader can meet a partial last line
//! (no `\n` yet). The scanner reports complete lines and leaves the tail for
//! the next call, which is also how a live tail resumes from a byte offset.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use super::error::BundleError;
use super::safe_open;

/// One complete line: its byte range in the file and its 1-based number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub offset: u64,
    pub len: u32,
    pub number: usize,
}

/// Where a scan stopped: the first byte not yet consumed and the number of
/// lines consumed so far (blank ones included, for line numbers).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanPosition {
    pub offset: u64,
    pub lines: usize,
}

/// Calls `on_line` for every complete, non-blank line of `chunk`, which starts
/// at `position.offset` in the file. Returns the position after the last
/// complete line; bytes after it (a partial line) are left for the next call.
pub fn scan_complete_lines<E>(
    chunk: &[u8],
    position: ScanPosition,
    mut on_line: impl FnMut(Line, &[u8]) -> Result<(), E>,
) -> Result<ScanPosition, E> {
    let mut start = 0usize;
    let mut lines = position.lines;
    for end in memchr::memchr_iter(b'\n', chunk) {
        lines += 1;
        let raw = trim_cr(&chunk[start..end]);
        if !is_blank(raw) {
            let line = Line {
                offset: position.offset + start as u64,
                len: u32::try_from(raw.len()).unwrap_or(u32::MAX),
                number: lines,
            };
            on_line(line, raw)?;
        }
        start = end + 1;
    }
    Ok(ScanPosition {
        offset: position.offset + start as u64,
        lines,
    })
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

pub fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// Reads a file in bounded chunks and feeds complete lines to `on_line`.
/// Returns the final position and the partial tail (bytes after the last
/// newline), which the caller decides how to treat.
/// The file is opened inside the bundle `root` (see `safe_open`).
pub fn scan_file(
    root: &Path,
    path: &Path,
    on_line: impl FnMut(Line, &[u8]) -> Result<(), BundleError>,
) -> Result<(ScanPosition, Vec<u8>), BundleError> {
    scan_file_with_progress(root, path, on_line, &mut |_, _| {})
}

/// `scan_file`, reporting `(bytes read so far, file size)` after every
/// chunk.
pub fn scan_file_with_progress(
    root: &Path,
    path: &Path,
    on_line: impl FnMut(Line, &[u8]) -> Result<(), BundleError>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(ScanPosition, Vec<u8>), BundleError> {
    let (mut file, metadata) = safe_open::open(root, path)?;
    let total = metadata.len();
    scan_open_file(
        &mut file,
        total,
        ScanPosition::default(),
        path,
        on_line,
        progress,
    )
}

/// `scan_file_with_progress` on a file already open through `safe_open`
/// (`total`: its size), from `start` on (a line boundary, e.g. where a
/// snapshot of the file's index ends).
pub(crate) fn scan_open_file(
    file: &mut std::fs::File,
    total: u64,
    start: ScanPosition,
    path: &Path,
    mut on_line: impl FnMut(Line, &[u8]) -> Result<(), BundleError>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(ScanPosition, Vec<u8>), BundleError> {
    use std::io::Seek;
    const CHUNK: u64 = 1 << 20;
    let io_error = |e| BundleError::io(path, e);
    file.seek(std::io::SeekFrom::Start(start.offset))
        .map_err(io_error)?;
    let mut buf: Vec<u8> = Vec::new();
    let mut position = start;
    loop {
        // `take` + `read_to_end` appends without zero-filling a buffer first.
        let read = (&mut *file)
            .take(CHUNK)
            .read_to_end(&mut buf)
            .map_err(io_error)?;
        if read == 0 {
            return Ok((position, buf));
        }
        let next = scan_complete_lines(&buf, position, &mut on_line)?;
        let consumed = (next.offset - position.offset) as usize;
        buf.drain(..consumed);
        position = next;
        if buf.len() > safe_open::MAX_LINE {
            return Err(BundleError::syntax(
                path,
                position.lines + 1,
                format!(
                    "line longer than {} MiB: not read",
                    safe_open::MAX_LINE >> 20
                ),
            ));
        }
        progress(position.offset + buf.len() as u64, total);
    }
}

/// Every NDJSON line of a bundle is one JSON object. (serde reads a struct
/// from an array too, by position: `[1, "x"]` must not pass as an event.)
pub fn require_object(raw: &[u8], path: &Path, line: Line) -> Result<(), BundleError> {
    match raw.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Ok(()),
        _ => Err(BundleError::syntax(
            path,
            line.number,
            "not a JSON object (each line is one event object)",
        )),
    }
}

/// Checks an event's `seq`: it fits the index and is above the previous
/// one (both NDJSON logs number their lines strictly increasing).
pub fn next_seq(
    seq: u64,
    previous: Option<u32>,
    path: &Path,
    line: Line,
) -> Result<u32, BundleError> {
    let seq = u32::try_from(seq).map_err(|_| {
        BundleError::syntax(path, line.number, format!("seq {seq} is out of range"))
    })?;
    match previous {
        Some(last) if seq <= last => Err(BundleError::syntax(
            path,
            line.number,
            format!("seq {seq} does not increase (previous event has seq {last})"),
        )),
        _ => Ok(seq),
    }
}

/// Reads `len` bytes at `offset`: payloads are decoded lazily, straight from
/// the file, only for what is asked for.
pub fn read_at(file: &File, offset: u64, len: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, &mut buf, offset)?;
    }
    #[cfg(not(unix))]
    {
        use std::io::{Seek, SeekFrom};
        let mut handle = file.try_clone()?;
        handle.seek(SeekFrom::Start(offset))?;
        handle.read_exact(&mut buf)?;
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(chunk: &[u8], position: ScanPosition) -> (Vec<(Line, String)>, ScanPosition) {
        let mut out = Vec::new();
        let end = scan_complete_lines::<()>(chunk, position, |line, raw| {
            out.push((line, String::from_utf8_lossy(raw).into_owned()));
            Ok(())
        })
        .expect("infallible");
        (out, end)
    }

    #[test]
    fn partial_tail_is_left_for_later() {
        let data = b"{\"a\":1}\n\n{\"b\":2}\r\n{\"c\"";
        let (lines, end) = collect(data, ScanPosition::default());
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[0].0,
            Line {
                offset: 0,
                len: 7,
                number: 1
            }
        );
        assert_eq!(lines[1].1, "{\"b\":2}");
        assert_eq!(lines[1].0.number, 3);
        assert_eq!(
            end,
            ScanPosition {
                offset: 18,
                lines: 3
            }
        );

        // Resuming with the rest of the file continues numbering and offsets.
        let rest = b"{\"c\":3}\n";
        let (more, end2) = collect(&[&data[18..], &rest[4..]].concat(), end);
        assert_eq!(
            more[0].0,
            Line {
                offset: 18,
                len: 7,
                number: 4
            }
        );
        assert_eq!(end2.lines, 4);
    }
}
