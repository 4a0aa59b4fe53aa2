//! Artifact references found while a line is skimmed (`show`): the `path`
//! of every object that also has a `mediaType` key, as
//! `artifacts::collect_refs` finds them in the parsed line. The skim walks
//! every value anyway, so the references cost no second reading of the
//! trace. A line is left to serde (the caller then reads its references
//! with `ref_skim`) wherever a parsed `Value` could differ from what the
//! walk saw: a duplicate key in any object (a map keeps the last), a
//! number with an exponent or too many digits (it may not fit an `f64`),
//! a surrogate `\u` escape, a `path` with escapes.

use std::ops::Range;

use super::Scanner;

/// Digits in one number: at most this many cannot overflow an `f64`
/// (`plain_json`'s rule).
const MAX_DIGITS: usize = 300;

/// The walk's state, kept between lines so its buffers are reused.
#[derive(Debug, Default)]
pub(crate) struct RefWalk {
    /// Where each reference's `path` string is in the line.
    pub(crate) found: Vec<Range<usize>>,
    /// The keys of the objects being read, innermost last.
    keys: Vec<Range<usize>>,
}

impl RefWalk {
    fn clear(&mut self) {
        self.found.clear();
        self.keys.clear();
    }
}

/// What one object has seen of a reference so far.
#[derive(Default)]
pub(super) struct RefCandidate {
    /// Where this object's keys start in `RefWalk::keys`.
    first_key: usize,
    media_type: bool,
    path: Option<Range<usize>>,
}

impl Scanner<'_> {
    /// Starts walking for references with `walk`'s buffers.
    pub(super) fn collect_refs(&mut self, walk: &mut RefWalk) {
        walk.clear();
        self.refs = Some(std::mem::take(walk));
    }

    /// Gives the buffers back.
    pub(super) fn finish_refs(&mut self, walk: &mut RefWalk) {
        if let Some(refs) = self.refs.take() {
            *walk = refs;
        }
    }

    #[inline]
    pub(super) fn open_object(&self) -> RefCandidate {
        RefCandidate {
            first_key: self.refs.as_ref().map_or(0, |r| r.keys.len()),
            ..RefCandidate::default()
        }
    }

    /// Notes `key` of the object being read; a duplicate is refused.
    #[inline]
    pub(super) fn note_key(&mut self, key: Range<usize>, object: &mut RefCandidate) -> Option<()> {
        let Some(refs) = self.refs.as_mut() else {
            return Some(());
        };
        let bytes = &self.b[key.clone()];
        if refs.keys[object.first_key..]
            .iter()
            .any(|seen| &self.b[seen.clone()] == bytes)
        {
            return None;
        }
        object.media_type |= bytes == b"mediaType";
        refs.keys.push(key);
        Some(())
    }

    /// After the value of `key` (which began at `value_start`): a `path`
    /// string is kept.
    #[inline]
    pub(super) fn note_value(
        &self,
        key: &[u8],
        value_start: usize,
        object: &mut RefCandidate,
    ) -> Option<()> {
        if self.refs.is_none() || key != b"path" || self.b[value_start] != b'"' {
            return Some(());
        }
        let raw = value_start + 1..self.i - 1;
        if memchr::memchr(b'\\', &self.b[raw.clone()]).is_some() {
            return None;
        }
        object.path = Some(raw);
        Some(())
    }

    /// At the object's end: its reference, if it is one.
    #[inline]
    pub(super) fn close_object(&mut self, object: RefCandidate) {
        if let Some(refs) = self.refs.as_mut() {
            refs.keys.truncate(object.first_key);
            if let (true, Some(path)) = (object.media_type, object.path) {
                refs.found.push(path);
            }
        }
    }

    /// A `\u` escape of a surrogate: serde refuses it in a `Value`.
    #[inline]
    pub(super) fn refuses_escape(&self, unit: &[u8]) -> bool {
        self.refs.is_some()
            && std::str::from_utf8(unit)
                .ok()
                .and_then(|hex| u16::from_str_radix(hex, 16).ok())
                .is_some_and(|unit| (0xd800..=0xdfff).contains(&unit))
    }

    /// A number that may not fit an `f64`: left to serde.
    #[inline]
    pub(super) fn refuses_number(&self, digits: usize, exponent: bool) -> bool {
        self.refs.is_some() && (exponent || digits > MAX_DIGITS)
    }
}
