//! Reading events with a size cap per line: a viewer that lists events
//! parses the small ones and only notes the size of a huge one (a payload
//! of hundreds of MiB), which stays on disk until someone asks for it.

use serde_json::Value;

use super::session::SessionEntry;
use super::trace::TraceEntry;
use super::window::read_spans_batched;
use super::{safe_open, Bundle, BundleError, SessionFiles};

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
        let span = |i: usize| (entries[i].offset, entries[i].len);
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
        let span = |i: usize| (entries[i].offset, entries[i].len);
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

fn parse(path: &std::path::Path, len: u32, line: Option<&[u8]>) -> Result<Capped, BundleError> {
    match line {
        Some(bytes) => serde_json::from_slice(bytes)
            .map(Capped::Parsed)
            .map_err(|e| BundleError::json(path, &e)),
        None => Ok(Capped::TooLarge(len)),
    }
}
