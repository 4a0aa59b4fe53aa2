//! Reading bundle files in bounded windows, whatever their size: the head
//! and the tail of an artifact with the size of what lies between, a
//! streamed case-insensitive search, and the whole of a file in chunks (for
//! a pager). Nothing here holds more than a few MiB however large the file
//! is. (Lines by offset, in batches: `capped`.)

use std::fs::File;
use std::io;

use super::error::BundleError;
use super::{safe_open, Bundle};

/// Bytes read per streamed chunk.
const CHUNK: usize = 1 << 20;

/// How much of a text to keep at each end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowSize {
    pub bytes: usize,
    pub lines: usize,
}

/// The default window: 64 KiB or 400 lines at each end.
pub const TEXT_WINDOW: WindowSize = WindowSize {
    bytes: 64 << 10,
    lines: 400,
};

/// The two ends of a text file and what lies between them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextWindow {
    /// The first lines (the whole text when nothing is hidden).
    pub head: String,
    /// The last lines (empty when nothing is hidden).
    pub tail: String,
    /// Size of the file.
    pub total: u64,
    /// Bytes between `head` and `tail`.
    pub hidden_bytes: u64,
    /// Newlines between `head` and `tail` (`None`: counting was cancelled).
    pub hidden_lines: Option<u64>,
}

impl TextWindow {
    /// The whole text, when nothing was left out.
    pub fn whole(&self) -> Option<&str> {
        (self.hidden_bytes == 0).then_some(self.head.as_str())
    }

    pub fn is_cut(&self) -> bool {
        self.hidden_bytes > 0
    }
}

impl Bundle {
    /// The head and the tail of an artifact (`artifacts/sha256-….txt`) and
    /// the number of lines between them, in bounded memory. `cancelled` is
    /// polled while the hidden lines are counted.
    pub fn read_artifact_window(
        &self,
        relative: &str,
        size: WindowSize,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<TextWindow, BundleError> {
        let path = self.resolve(relative)?;
        let (file, metadata) = safe_open::open(&self.root, &path)?;
        text_window(&file, metadata.len(), size, cancelled).map_err(|e| BundleError::io(&path, e))
    }

    /// The size of an artifact, if it can be opened as one.
    pub fn artifact_len(&self, relative: &str) -> Result<u64, BundleError> {
        let path = self.resolve(relative)?;
        let (_, metadata) = safe_open::open(&self.root, &path)?;
        Ok(metadata.len())
    }

    /// Whether an artifact contains `needle_lower` (ASCII lowercase),
    /// ignoring ASCII case; streamed, never read whole. `None`: cancelled.
    pub fn artifact_contains(
        &self,
        relative: &str,
        needle_lower: &[u8],
        cancelled: &dyn Fn() -> bool,
    ) -> Result<Option<bool>, BundleError> {
        let path = self.resolve(relative)?;
        let (file, metadata) = safe_open::open(&self.root, &path)?;
        let mut found = false;
        let finished = find_ci(&file, 0, metadata.len(), needle_lower, cancelled, |_| {
            found = true;
            None
        })
        .map_err(|e| BundleError::io(&path, e))?;
        Ok((finished || found).then_some(found))
    }

    /// Streams a whole artifact in chunks (for a pager); `each` returns
    /// false to stop.
    pub fn stream_artifact(
        &self,
        relative: &str,
        each: impl FnMut(&[u8]) -> bool,
    ) -> Result<(), BundleError> {
        let path = self.resolve(relative)?;
        let (file, metadata) = safe_open::open(&self.root, &path)?;
        for_each_chunk(&file, 0, metadata.len(), each).map_err(|e| BundleError::io(&path, e))
    }
}

/// Reads up to `len` bytes at `offset` (fewer at the end of the file).
pub fn read_upto(file: &File, offset: u64, len: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    let mut filled = 0;
    while filled < len {
        match read_at(file, &mut buf[filled..], offset + filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    buf.truncate(filled);
    Ok(buf)
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(not(unix))]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

/// Calls `each` with consecutive chunks of `from..to`; stops when it
/// returns false or the file ends early.
pub fn for_each_chunk(
    file: &File,
    from: u64,
    to: u64,
    mut each: impl FnMut(&[u8]) -> bool,
) -> io::Result<()> {
    let mut buf = vec![0u8; CHUNK];
    let mut at = from;
    while at < to {
        let want = usize::try_from(to - at).map_or(CHUNK, |left| left.min(CHUNK));
        let n = match read_at(file, &mut buf[..want], at) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        if !each(&buf[..n]) {
            return Ok(());
        }
        at += n as u64;
    }
    Ok(())
}

/// Newlines in `from..to`, counted chunk by chunk (`None`: cancelled).
pub fn count_newlines(
    file: &File,
    from: u64,
    to: u64,
    cancelled: &dyn Fn() -> bool,
) -> io::Result<Option<u64>> {
    let mut count = 0u64;
    let mut stopped = false;
    for_each_chunk(file, from, to, |chunk| {
        if cancelled() {
            stopped = true;
            return false;
        }
        count += memchr::memchr_iter(b'\n', chunk).count() as u64;
        true
    })?;
    Ok((!stopped).then_some(count))
}

/// Streams `from..to` looking for `needle_lower` ignoring ASCII case. For
/// each match `on_match(offset)` says where to resume (`None`: stop). The
/// chunks overlap by the needle's length less one, so a match across a
/// chunk boundary is found. Returns false when cancelled.
pub fn find_ci(
    file: &File,
    from: u64,
    to: u64,
    needle_lower: &[u8],
    cancelled: &dyn Fn() -> bool,
    mut on_match: impl FnMut(u64) -> Option<u64>,
) -> io::Result<bool> {
    if needle_lower.is_empty() {
        return Ok(true);
    }
    let finder = memchr::memmem::Finder::new(needle_lower);
    let keep = needle_lower.len() - 1;
    // `window` holds the lowered bytes from `window_start` on.
    let mut window: Vec<u8> = Vec::with_capacity(CHUNK + keep);
    let mut window_start = from;
    let mut resume = from;
    let mut stopped = false;
    let mut done = false;
    for_each_chunk(file, from, to, |chunk| {
        if cancelled() {
            stopped = true;
            return false;
        }
        window.extend(chunk.iter().map(u8::to_ascii_lowercase));
        let window_end = window_start + window.len() as u64;
        while resume < window_end {
            let skip = usize::try_from(resume.saturating_sub(window_start)).unwrap_or(usize::MAX);
            let Some(found) = window.get(skip..).and_then(|rest| finder.find(rest)) else {
                break;
            };
            match on_match(window_start + (skip + found) as u64) {
                Some(next) => resume = next.max(resume + 1),
                None => {
                    done = true;
                    return false;
                }
            }
        }
        // Keep only the bytes a match starting later could still need.
        let stale = window.len().saturating_sub(keep);
        window.drain(..stale);
        window_start += stale as u64;
        resume = resume.max(window_start);
        true
    })?;
    Ok(done || !stopped)
}

/// The head and tail of a file of `total` bytes (see `TextWindow`).
pub fn text_window(
    file: &File,
    total: u64,
    size: WindowSize,
    cancelled: &dyn Fn() -> bool,
) -> io::Result<TextWindow> {
    let both = size.bytes.saturating_mul(2) as u64;
    if total <= both {
        let bytes = read_upto(file, 0, both as usize)?;
        return Ok(small_window(&bytes, size));
    }
    let head_bytes = read_upto(file, 0, size.bytes)?;
    let head_end = cut_head(&head_bytes, size.lines);
    let tail_from = total - size.bytes as u64;
    let tail_bytes = read_upto(file, tail_from, size.bytes)?;
    let tail_start = cut_tail(&tail_bytes, size.lines);
    let hidden_from = head_end as u64;
    let hidden_to = tail_from + tail_start as u64;
    Ok(TextWindow {
        head: lossy(&head_bytes[..head_end]),
        tail: lossy(&tail_bytes[tail_start..]),
        total,
        hidden_bytes: hidden_to.saturating_sub(hidden_from),
        hidden_lines: count_newlines(file, hidden_from, hidden_to, cancelled)?,
    })
}

/// A text that fits in both windows: whole unless it has too many lines.
fn small_window(bytes: &[u8], size: WindowSize) -> TextWindow {
    let total = bytes.len() as u64;
    let lines = memchr::memchr_iter(b'\n', bytes).count();
    if lines <= size.lines.saturating_mul(2) {
        return TextWindow {
            head: lossy(bytes),
            total,
            hidden_lines: Some(0),
            ..TextWindow::default()
        };
    }
    let head_end = cut_head(bytes, size.lines);
    let tail_start = head_end + cut_tail(&bytes[head_end..], size.lines);
    let hidden = &bytes[head_end..tail_start];
    TextWindow {
        head: lossy(&bytes[..head_end]),
        tail: lossy(&bytes[tail_start..]),
        total,
        hidden_bytes: hidden.len() as u64,
        hidden_lines: Some(memchr::memchr_iter(b'\n', hidden).count() as u64),
    }
}

/// Where the head ends: after its `lines`-th newline, else after its last
/// newline, else at a character boundary.
fn cut_head(bytes: &[u8], lines: usize) -> usize {
    if let Some(nth) = memchr::memchr_iter(b'\n', bytes).nth(lines.saturating_sub(1)) {
        return nth + 1;
    }
    match memchr::memrchr(b'\n', bytes) {
        Some(last) => last + 1,
        None => utf8_floor(bytes, bytes.len()),
    }
}

/// Where the tail starts: after the newline before its last `lines` lines,
/// else after its first newline, else at a character boundary.
fn cut_tail(bytes: &[u8], lines: usize) -> usize {
    // A final newline ends the last line rather than starting another.
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    if let Some(nth) = memchr::memrchr_iter(b'\n', body).nth(lines.saturating_sub(1)) {
        return nth + 1;
    }
    match memchr::memchr(b'\n', body) {
        Some(first) if first + 1 < bytes.len() => first + 1,
        _ => utf8_ceil(bytes, 0),
    }
}

/// `bytes` up to `at`, backed off so it does not end inside a UTF-8
/// character that the cut would split.
fn utf8_floor(bytes: &[u8], at: usize) -> usize {
    let end = at.min(bytes.len());
    let Some(start) = (1..=end.min(4))
        .map(|back| end - back)
        .find(|&i| !is_continuation(bytes[i]))
    else {
        return end;
    };
    let need = match bytes[start] {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    };
    if end - start < need {
        start
    } else {
        end
    }
}

/// The smallest index ≥ `at` that starts a UTF-8 character.
fn utf8_ceil(bytes: &[u8], at: usize) -> usize {
    let mut i = at;
    while i < bytes.len() && is_continuation(bytes[i]) && i - at < 3 {
        i += 1;
    }
    i
}

fn is_continuation(byte: u8) -> bool {
    byte & 0b1100_0000 == 0b1000_0000
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests;
