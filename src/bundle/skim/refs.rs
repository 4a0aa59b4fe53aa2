//! Artifact references found while a line is skimmed (`show`): the `path`
//! of every object that also has a `mediaType` key, as
//! `artifacts::collect_refs` finds them in the parsed line. The skim walks
//! every value anyway, so the references cost no second reading of the
//! trace. A line is left to serde (the caller then reads its references
//! with `ref_skim`) wherever a parsed `Value` could differ from what the
//! walk saw: a key held twice in an object where an earlier value of it
//! held a reference (a map keeps the last value), a
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
    /// Keys, of the objects being read (innermost last), whose values held
    /// a reference: a later key equal to one of them is refused.
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

/// Where a key's value began, and how many references had been found
/// before it ([`Scanner::note_key`]).
pub(super) struct KeyMark {
    key: Range<usize>,
    value_start: usize,
    found: usize,
}

impl Scanner<'_> {
    /// Starts walking for references with `walk`'s buffers.
    pub(super) fn collect_refs(&mut self, walk: &mut RefWalk) {
        walk.clear();
        self.refs = Some(std::mem::take(walk));
    }

    /// Forgets what the walk saw of this line (the line is read again).
    pub(super) fn restart_refs(&mut self) {
        if let Some(refs) = self.refs.as_mut() {
            refs.clear();
        }
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

    /// Reads the value of `key` (in `object`) with `read`, the scanner
    /// just before it; while references are collected, the key and the
    /// value are noted.
    #[inline(always)]
    pub(super) fn keyed<T>(
        &mut self,
        key: Range<usize>,
        object: &mut RefCandidate,
        read: impl FnOnce(&mut Self) -> Option<T>,
    ) -> Option<T> {
        if self.refs.is_none() {
            return read(self);
        }
        let mark = self.note_key(key, self.i, object)?;
        let value = read(self)?;
        self.note_value(mark, object)?;
        Some(value)
    }

    /// Notes `key` of the object being read, its value to begin at
    /// `value_start`. A parsed map keeps only the last value of a key
    /// held twice: a key is refused when an earlier value of it held a
    /// reference (an earlier value without one changes nothing).
    #[inline]
    fn note_key(
        &mut self,
        key: Range<usize>,
        value_start: usize,
        object: &mut RefCandidate,
    ) -> Option<KeyMark> {
        let refs = self.refs.as_ref()?;
        let bytes = &self.b[key.clone()];
        if refs.keys[object.first_key..]
            .iter()
            .any(|seen| &self.b[seen.clone()] == bytes)
        {
            return None;
        }
        object.media_type |= bytes == b"mediaType";
        Some(KeyMark {
            key,
            value_start,
            found: refs.found.len(),
        })
    }

    /// After the value of the key `mark` noted: a `path` string is the
    /// object's (the last one, as in a parsed map), a key whose value held
    /// a reference is remembered.
    #[inline]
    fn note_value(&mut self, mark: KeyMark, object: &mut RefCandidate) -> Option<()> {
        let Some(refs) = self.refs.as_mut() else {
            return Some(());
        };
        if refs.found.len() > mark.found {
            refs.keys.push(mark.key.clone());
        }
        if &self.b[mark.key] != b"path" {
            return Some(());
        }
        object.path = None;
        if self.b[mark.value_start] != b'"' {
            return Some(());
        }
        let raw = mark.value_start + 1..self.i - 1;
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
