//! Reading NDJSON lines by offset in batches of bounded bytes, and events
//! with a size cap per line: a viewer that lists events parses the small
//! ones and only notes the size of a huge one (a payload of hundreds of
//! MiB), which stays on disk until someone asks for it.

use std::fs::File;
use std::path::Path;

use serde_json::Value;

use super::session::SessionEntry;
use super::trace::TraceEntry;
use super::{safe_open, Bundle, BundleError, SessionFiles};

/// Bytes read from the file per batch of lines.
pub const BATCH_BYTES: usize = 4 << 20;

/// One event read under a cap.
#[derive(Debug, Clone, PartialEq)]
pub enum Capped {
    Parsed(Value),
    /// The line is longer than the cap: its length in bytes, not read.
    TooLarge(u32),
}

impl Bundle {
    /// Reads trace events in bounded batches; lines over `max_len` bytes are
    /// not read (`Capped::TooLarge`).
    pub fn read_events_capped(
        &self,
        entries: &[TraceEntry],
        max_len: usize,
        mut each: impl FnMut(&TraceEntry, Capped),
    ) -> Result<(), BundleError> {
        let path = &self.paths.trace;
        if entries.is_empty() {
            return Ok(());
        }
        let (file, _) = safe_open::open(&self.root, path)?;
        let span = |i: usize| (entries[i].offset(), entries[i].len);
        read_spans_batched(&file, path, entries.len(), span, max_len, |i, line| {
            each(&entries[i], parse(path, entries[i].len, line)?);
            Ok(())
        })
    }
}

impl SessionFiles {
    /// `Bundle::read_events_capped` for the session's `events.ndjson`.
    pub fn read_events_capped(
        &self,
        entries: &[SessionEntry],
        max_len: usize,
        mut each: impl FnMut(&SessionEntry, Capped),
    ) -> Result<(), BundleError> {
        if entries.is_empty() {
            return Ok(());
        }
        let (file, _) = safe_open::open(&self.root, &self.events)?;
        let span = |i: usize| (entries[i].offset(), entries[i].len);
        read_spans_batched(
            &file,
            &self.events,
            entries.len(),
            span,
            max_len,
            |i, line| {
                each(&entries[i], parse(&self.events, entries[i].len, line)?);
                Ok(())
            },
        )
    }
}

/// Reads the `count` lines at `span(i)` (byte offset and length, sorted)
/// in batches of at most `BATCH_BYTES` of file, so a range of millions of
/// lines never lands in memory at once. Lines longer than `max_len` are
/// not read: `each` gets `None` for them.
pub fn read_spans_batched(
    file: &File,
    path: &Path,
    count: usize,
    span: impl Fn(usize) -> (u64, u32),
    max_len: usize,
    mut each: impl FnMut(usize, Option<&[u8]>) -> Result<(), BundleError>,
) -> Result<(), BundleError> {
    let mut i = 0;
    while i < count {
        let (start, first_len) = span(i);
        if first_len as usize > max_len {
            each(i, None)?;
            i += 1;
            continue;
        }
        // Extend the batch while the bytes it covers stay within bounds.
        let mut end = start + u64::from(first_len);
        let mut j = i + 1;
        while j < count {
            let (offset, len) = span(j);
            let next_end = offset + u64::from(len);
            if len as usize > max_len || next_end.saturating_sub(start) > BATCH_BYTES as u64 {
                break;
            }
            end = next_end;
            j += 1;
        }
        let length = usize::try_from(end.saturating_sub(start))
            .map_err(|_| BundleError::invalid(path, "event span too large"))?;
        let bytes =
            super::ndjson::read_at(file, start, length).map_err(|e| BundleError::io(path, e))?;
        for k in i..j {
            let (offset, len) = span(k);
            let from = usize::try_from(offset.saturating_sub(start)).unwrap_or(usize::MAX);
            let line = bytes
                .get(from..from.saturating_add(len as usize))
                .ok_or_else(|| BundleError::invalid(path, "the file changed while it was read"))?;
            each(k, Some(line))?;
        }
        i = j;
    }
    Ok(())
}

fn parse(path: &Path, len: u32, line: Option<&[u8]>) -> Result<Capped, BundleError> {
    match line {
        Some(bytes) => serde_json::from_slice(bytes)
            .map(Capped::Parsed)
            .map_err(|e| BundleError::json(path, &e)),
        None => Ok(Capped::TooLarge(len)),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn batched_spans_match_the_lines_and_skip_long_ones() {
        // About 10 MB of lines: several batches.
        let lines: Vec<String> = (0..5000)
            .map(|i| "y".repeat(if i == 7 { 5000 } else { (i % 97 + 1) * 40 }))
            .collect();
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let mut tmp = tempfile::NamedTempFile::new().expect("temp file");
        tmp.write_all(text.as_bytes()).expect("write");
        let file = File::open(tmp.path()).expect("open");
        let mut spans = Vec::new();
        let mut offset = 0u64;
        for line in &lines {
            spans.push((offset, line.len() as u32));
            offset += line.len() as u64 + 1;
        }
        let mut seen = Vec::new();
        read_spans_batched(
            &file,
            Path::new("t"),
            spans.len(),
            |i| spans[i],
            4096,
            |i, bytes| {
                seen.push((i, bytes.map(<[u8]>::to_vec)));
                Ok(())
            },
        )
        .expect("read");
        assert_eq!(seen.len(), lines.len());
        for (i, bytes) in seen {
            match bytes {
                Some(bytes) => assert_eq!(bytes, lines[i].as_bytes(), "line {i}"),
                None => assert_eq!(i, 7, "only the long line is skipped"),
            }
        }
    }
}
