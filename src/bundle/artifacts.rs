//! Artifact references (`{path, mediaType, bytes?, sha256}`) found in the
//! trace. Only lines that mention `mediaType` are looked at, and those are
//! skimmed (`ref_skim`) rather than parsed into a `Value`, so scanning a
//! large trace for references stays cheap.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::error::{json_message, BundleError};
use super::ndjson;

/// Every distinct artifact path referenced anywhere in a trace file.
pub fn referenced_in_trace(root: &Path, trace: &Path) -> Result<BTreeSet<String>, BundleError> {
    let finder = memchr::memmem::Finder::new(b"\"mediaType\"");
    let mut refs = BTreeSet::new();
    let mut found = Vec::new();
    ndjson::scan_file(root, trace, |line, raw| {
        if finder.find(raw).is_some() {
            super::ref_skim::refs_in_line(raw, &mut found)
                .map_err(|e| BundleError::syntax(trace, line.number, json_message(&e)))?;
            refs.extend(found.drain(..));
        }
        Ok(())
    })?;
    Ok(refs)
}

/// Adds the `path` of every object that looks like an artifact reference.
pub fn collect_refs(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let (Some(Value::String(path)), true) =
                (map.get("path"), map.contains_key("mediaType"))
            {
                out.insert(path.clone());
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_nested_refs_once() {
        let mut out = BTreeSet::new();
        collect_refs(
            &json!({"payload": {"artifact": {"path": "artifacts/a.txt", "mediaType": "text/plain"},
                    "list": [{"path": "artifacts/a.txt", "mediaType": "text/plain"},
                             {"path": "not/a/ref"}]}}),
            &mut out,
        );
        assert_eq!(out.into_iter().collect::<Vec<_>>(), ["artifacts/a.txt"]);
    }
}
