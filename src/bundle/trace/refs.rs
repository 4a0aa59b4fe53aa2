//! Artifact references gathered while the trace is indexed, for `show`
//! (which used to read the whole trace a second time for them). A line the
//! skim walked gives its references on the way; any other line, once
//! serde has indexed it, is read by `ref_skim`, which also words an error.

use std::collections::BTreeSet;
use std::path::Path;

use super::TraceIndex;
use crate::bundle::error::{json_message, BundleError};
use crate::bundle::ndjson::Line;
use crate::bundle::ref_skim::refs_in_line;
use crate::bundle::skim::{skim_event, skim_event_with_refs, RefWalk};

/// The distinct artifact paths of the indexed lines.
#[derive(Debug)]
pub struct TraceRefs {
    pub paths: BTreeSet<String>,
    walk: RefWalk,
    /// The paths of a line serde read.
    parsed: Vec<String>,
    finder: memchr::memmem::Finder<'static>,
}

impl Default for TraceRefs {
    fn default() -> Self {
        TraceRefs {
            paths: BTreeSet::new(),
            walk: RefWalk::default(),
            parsed: Vec::new(),
            finder: memchr::memmem::Finder::new(b"\"mediaType\""),
        }
    }
}

/// Compared by what they found (the buffers are scratch).
impl PartialEq for TraceRefs {
    fn eq(&self, other: &Self) -> bool {
        self.paths == other.paths
    }
}

/// A clone starts with empty scratch buffers.
impl Clone for TraceRefs {
    fn clone(&self) -> Self {
        TraceRefs {
            paths: self.paths.clone(),
            ..TraceRefs::default()
        }
    }
}

impl TraceIndex {
    /// An empty index that also gathers the artifact references of every
    /// line it indexes (`artifact_refs`).
    pub fn gathering_refs() -> TraceIndex {
        TraceIndex {
            refs: Some(Box::default()),
            ..TraceIndex::default()
        }
    }

    /// The distinct artifact paths of the indexed lines (none unless the
    /// index was made by `gathering_refs`).
    pub fn artifact_refs(&self) -> Option<&BTreeSet<String>> {
        self.refs.as_ref().map(|refs| &refs.paths)
    }

    /// Whether this index gathers references.
    pub(crate) fn gathers_refs(&self) -> bool {
        self.refs.is_some()
    }

    /// `push_complete_line` gathering the line's references, which are
    /// kept only once the line is indexed.
    pub(super) fn push_line_with_refs(
        &mut self,
        mut refs: Box<TraceRefs>,
        line: Line,
        raw: &[u8],
        path: &Path,
    ) -> Result<(), BundleError> {
        // Only a line naming `mediaType` can hold a reference (and only
        // such lines were ever read as a whole `Value`).
        let names_media_type = refs.finder.find(raw).is_some();
        let skimmed = match names_media_type {
            true => skim_event_with_refs(raw, &mut refs.walk),
            false => skim_event(raw),
        };
        let pushed = match skimmed {
            Some(fields) => self.push_fields(&fields, line, path).map(|()| {
                for found in refs.walk.found.drain(..) {
                    if let Some(text) = raw.get(found).and_then(|b| std::str::from_utf8(b).ok()) {
                        if !refs.paths.contains(text) {
                            refs.paths.insert(text.to_string());
                        }
                    }
                }
            }),
            None => self.push_parsed_line(line, raw, path).and_then(|()| {
                if names_media_type {
                    let mut found = std::mem::take(&mut refs.parsed);
                    refs_in_line(raw, &mut found)
                        .map_err(|e| BundleError::syntax(path, line.number, json_message(&e)))?;
                    refs.paths.extend(found.drain(..));
                    refs.parsed = found;
                }
                Ok(())
            }),
        };
        self.refs = Some(refs);
        pushed
    }

    /// Adds `next`'s references to these (`append`).
    pub(super) fn append_refs(&mut self, next: &TraceIndex) {
        if let (Some(refs), Some(more)) = (self.refs.as_mut(), next.refs.as_ref()) {
            refs.paths.extend(more.paths.iter().cloned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::artifacts::collect_refs;

    /// The references `show` used to find: every line parsed whole.
    fn parsed_refs(trace: &[u8]) -> BTreeSet<String> {
        let mut refs = BTreeSet::new();
        for line in trace.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            if let Ok(value) = serde_json::from_slice::<serde_json::Value>(line) {
                collect_refs(&value, &mut refs);
            }
        }
        refs
    }

    fn gathered(trace: &[u8]) -> Result<BTreeSet<String>, BundleError> {
        let mut index = TraceIndex::gathering_refs();
        index.extend(trace, Path::new("trace.ndjson"))?;
        Ok(index.artifact_refs().cloned().unwrap_or_default())
    }

    #[test]
    fn the_references_are_those_of_the_parsed_lines() {
        let lines = [
            r#"{"seq":1,"type":"a","payload":{"artifact":{"path":"artifacts/a","mediaType":"t"}}}"#,
            // A duplicate key: the later value wins in a parsed map.
            r#"{"seq":2,"type":"a","x":{"path":"artifacts/lost","mediaType":"t"},"x":1}"#,
            r#"{"seq":3,"type":"a","x":{"path":"artifacts/b","path":"artifacts/c","mediaType":"t"}}"#,
            // Escapes in a path, numbers serde reads as f64, surrogates.
            r#"{"seq":4,"type":"a","x":[{"mediaType":null,"path":"artifacts\/d"}],"n":1e3}"#,
            r#"{"seq":5,"type":"a","x":{"path":"artifacts/e","mediaType":"t","s":"\u00e9"}}"#,
            r#"{"path":"artifacts/top","mediaType":"t","seq":6,"type":"a"}"#,
            r#"{"seq":7,"type":"a","x":{"path":1,"mediaType":"t"},"y":{"mediaType":"t"}}"#,
            r#"{"seq":8,"type":"a","payload":{"outcome":"ok","nested":[[{"path":"artifacts/f","mediaType":"t"}]]}}"#,
            // A key held twice: only a reference in the value a map drops
            // matters; the last `path` is the object's, whatever it is.
            r#"{"seq":9,"type":"a","x":1,"x":{"path":"artifacts/j","mediaType":"t"}}"#,
            r#"{"seq":10,"type":"a","x":{"k":[{"path":"artifacts/lost","mediaType":"t"}]},"x":2}"#,
            r#"{"seq":11,"type":"a","x":{"path":"artifacts/lost","mediaType":"t","path":1}}"#,
            r#"{"seq":12,"type":"a","x":{"path":"artifacts/lost","mediaType":"t","path":{"path":"artifacts/k","mediaType":"t"}}}"#,
            r#"{"seq":13,"type":"a","x":{"mediaType":{"path":"artifacts/l","mediaType":"t"},"path":"artifacts/m","mediaType":null}}"#,
        ];
        // The same lines in acpx's own shape (read by its head's fast
        // path), and duplicates of the head's fields.
        let head = |seq: usize| {
            format!(
                r#"{{"seq":{seq},"at":"2026-01-01T00:00:00.000Z","runId":"r","scope":"s","type":"a""#
            )
        };
        let mut acpx: Vec<String> = lines
            .iter()
            .enumerate()
            .filter_map(|(i, line)| {
                let rest = line.split_once(r#""type":"a""#)?.1;
                Some(head(100 + i) + rest)
            })
            .collect();
        acpx.push(head(200) + r#","payload":{"path":"artifacts/g","mediaType":"t"}}"#);
        acpx.push(head(201) + r#","path":"artifacts/top2","mediaType":"t"}"#);
        acpx.push(head(202) + r#","scope":{"path":"artifacts/h","mediaType":"t"}}"#);
        acpx.push(
            r#"{"seq":203,"at":null,"runId":null,"scope":{"path":"artifacts/lost2","mediaType":"t"},"type":"a","scope":1}"#
                .to_string(),
        );
        acpx.push(head(204) + r#","x":{"path":"artifacts/i","mediaType":"t"}} "#);
        let trace = lines.join("\n") + "\n" + &acpx.join("\n") + "\n";
        let expected = parsed_refs(trace.as_bytes());
        assert!(expected.len() >= 13, "{expected:?}");
        assert!(!expected.contains("artifacts/lost2"));
        assert!(!expected.contains("artifacts/lost"));
        assert_eq!(gathered(trace.as_bytes()).expect("indexed"), expected);
    }

    #[test]
    fn a_line_serde_refuses_as_a_value_fails_as_it_did() {
        // Indexed fine (the envelope ignores the number), but a `Value`
        // cannot hold it: the error `show` always gave.
        let trace =
            b"{\"seq\":1,\"type\":\"a\",\"n\":1e999,\"x\":{\"path\":\"p\",\"mediaType\":\"t\"}}\n";
        let err = gathered(trace).expect_err("out of range");
        assert!(err.to_string().starts_with("trace.ndjson:1: "), "{err}");
    }

    #[test]
    fn a_line_that_is_not_indexed_keeps_no_references() {
        let mut index = TraceIndex::gathering_refs();
        let good = b"{\"seq\":2,\"type\":\"a\",\"x\":{\"path\":\"kept\",\"mediaType\":\"t\"}}\n";
        index
            .extend(good, Path::new("trace.ndjson"))
            .expect("indexed");
        // seq going back: refused, and its reference with it.
        let back = b"{\"seq\":1,\"type\":\"a\",\"x\":{\"path\":\"dropped\",\"mediaType\":\"t\"}}\n";
        assert!(index.extend(back, Path::new("trace.ndjson")).is_err());
        let refs = index.artifact_refs().expect("gathering");
        assert_eq!(refs.iter().collect::<Vec<_>>(), ["kept"]);
    }
}
