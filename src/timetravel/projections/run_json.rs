//! `run.json` of a cut: read without its `steps` (rebuilt anyway), and
//! written as `JSON.stringify(run, null, 2)` would write it with the cut's
//! step records spliced in. When the source's `steps` are, byte for byte,
//! its `steps.json` nested and the cut keeps every record, they are copied
//! inside the kernel instead of through this process.

use std::fs::File;
use std::io::{BufReader, Read, Seek, Write};
use std::ops::Range;
use std::path::Path;

use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value};

use super::split;
use crate::bundle::BundleError;
use crate::timetravel::cut::files::{self, Dirs};
use crate::timetravel::{Result, TimeTravelError};

/// Where the source's `steps` lie in its `run.json` (open as `file`), when
/// they are its `steps.json` nested.
pub(crate) struct KnownSteps {
    pub file: File,
    pub at: Range<u64>,
}

/// Parses `run.json` but skips its `steps` (the largest part, rebuilt
/// anyway), leaving `null` in its place so the key keeps its position.
/// With `known` (the source's `steps.json` text), steps that are that text
/// nested are matched rather than parsed, and where they are is returned.
pub(super) fn read_without_steps(
    file: File,
    path: &Path,
    known: Option<&str>,
) -> Result<(Map<String, Value>, Option<KnownSteps>)> {
    struct SkipSteps;
    impl<'de> Visitor<'de> for SkipSteps {
        type Value = Map<String, Value>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(
            self,
            mut access: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            let mut map = Map::new();
            while let Some(key) = access.next_key::<String>()? {
                let value = if key == "steps" {
                    access.next_value::<IgnoredAny>()?;
                    Value::Null
                } else {
                    access.next_value::<Value>()?
                };
                map.insert(key, value);
            }
            Ok(map)
        }
    }
    let parse = |rest: &[u8]| {
        let mut de = serde_json::Deserializer::from_slice(rest);
        de.deserialize_map(SkipSteps)
            .and_then(|map| de.end().map(|()| map))
            .ok()
    };
    // The steps matched against `steps.json`, else checked and dropped by a
    // byte scan, the rest parsed from memory; a file of another shape is
    // left to the streaming reader.
    let rewind = || {
        (&file)
            .seek(std::io::SeekFrom::Start(0))
            .map_err(|e| TimeTravelError::io(path, e))
    };
    if let Some(text) = known {
        let read = split::without_array(&file, split::CHUNK, "steps", Some(text.as_bytes()));
        if let Some((map, at)) = read.and_then(|w| Some((parse(&w.rest)?, w.known_at?))) {
            return Ok((map, Some(KnownSteps { file, at })));
        }
        rewind()?;
    }
    if let Some(map) =
        split::without_array(&file, split::CHUNK, "steps", None).and_then(|w| parse(&w.rest))
    {
        return Ok((map, None));
    }
    rewind()?;
    // Streamed: `run.json` of a long run is as large as its trace.
    let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(1 << 20, &file));
    de.deserialize_map(SkipSteps)
        .and_then(|map| de.end().map(|()| (map, None)))
        .map_err(|e| BundleError::json(path, &e).into())
}

/// The step records spliced into the cut's `run.json`.
pub(super) enum StepsText<'a> {
    /// Serialized as `steps.json` holds them: nested while written.
    Text(&'a str),
    /// These bytes of the source's `run.json`, which are that text nested.
    Copied(&'a KnownSteps),
}

/// Writes `run.json` exactly as `JSON.stringify(run, null, 2)` would, with
/// the already serialized step records spliced in under `steps` (streamed
/// into the file, never copied whole).
pub(super) fn write_run(
    path: &Path,
    from: &Path,
    run_state: &Value,
    steps: StepsText,
    dirs: &mut Dirs,
) -> Result<()> {
    let Value::Object(map) = run_state else {
        return files::write_json_later(path, run_state, dirs);
    };
    let json_error =
        |e: serde_json::Error| TimeTravelError::Invalid(format!("{}: {e}", path.display()));
    let io_error = |e: std::io::Error| TimeTravelError::io(path, e);
    let mut writer = files::create(path)?;
    // Every line of a nested value moves two spaces right.
    writer.write_all(b"{").map_err(io_error)?;
    for (i, (key, value)) in map.iter().enumerate() {
        let lead: &[u8] = if i == 0 { b"\n  " } else { b",\n  " };
        let quoted = serde_json::to_string(key).map_err(json_error)?;
        writer
            .write_all(lead)
            .and_then(|()| writer.write_all(quoted.as_bytes()))
            .and_then(|()| writer.write_all(b": "))
            .map_err(io_error)?;
        if key == "steps" {
            match &steps {
                StepsText::Text(text) => nested(&mut writer, text).map_err(io_error)?,
                StepsText::Copied(known) => {
                    writer.flush().map_err(io_error)?;
                    copy_range(known, from, writer.get_mut(), path)?;
                }
            }
        } else {
            let text = serde_json::to_string_pretty(value).map_err(json_error)?;
            nested(&mut writer, &text).map_err(io_error)?;
        }
    }
    let end: &[u8] = if map.is_empty() { b"}\n" } else { b"\n}\n" };
    writer.write_all(end).map_err(io_error)?;
    files::finish_later(writer, path, dirs)
}

/// Writes `text` nested one level deeper: every line after the first moves
/// two spaces right. Gathered in pieces of a megabyte: a long run's step
/// records are millions of short lines.
fn nested(writer: &mut impl Write, text: &str) -> std::io::Result<()> {
    const PIECE: usize = 1 << 20;
    let bytes = text.as_bytes();
    let mut piece = Vec::with_capacity(PIECE + PIECE / 4);
    let mut from = 0;
    for at in memchr::memchr_iter(b'\n', bytes) {
        piece.extend_from_slice(&bytes[from..at]);
        piece.extend_from_slice(b"\n  ");
        from = at + 1;
        if piece.len() >= PIECE {
            writer.write_all(&piece)?;
            piece.clear();
        }
    }
    piece.extend_from_slice(&bytes[from..]);
    writer.write_all(&piece)
}

/// Appends `known`'s bytes of the source's `run.json` (at `from`) to `to`
/// (at `path`), inside the kernel.
fn copy_range(known: &KnownSteps, from: &Path, to: &mut File, path: &Path) -> Result<()> {
    let mut source = &known.file;
    source
        .seek(std::io::SeekFrom::Start(known.at.start))
        .map_err(|e| TimeTravelError::io(from, e))?;
    let len = known.at.end - known.at.start;
    let copied =
        std::io::copy(&mut source.take(len), to).map_err(|e| TimeTravelError::io(path, e))?;
    if copied != len {
        return Err(BundleError::invalid(from, "the file changed while it was read").into());
    }
    Ok(())
}
