//! Finding artifact references in one JSON line without building a
//! `serde_json::Value` of it: a visitor walks the document, keeps only the
//! `path` strings of objects that also have a `mediaType` key, and drops
//! everything else as it goes. The result is exactly what parsing to a
//! `Value` and `artifacts::collect_refs` gives, duplicate keys included (a
//! later duplicate replaces the earlier value, and the references inside
//! it, as in a parsed map); malformed JSON fails with serde's same error.
//! Plain lines take a faster path (`plain`) that gives the same result.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

mod plain;

/// Appends the `path` of every artifact reference in `bytes` to `out`.
pub fn refs_in_line(bytes: &[u8], out: &mut Vec<String>) -> Result<(), serde_json::Error> {
    let kept = out.len();
    if plain::refs(bytes, out).is_some() {
        return Ok(());
    }
    out.truncate(kept);
    by_visitor(bytes, out)
}

/// `refs_in_line` through serde alone: the authority `plain` agrees with.
fn by_visitor(bytes: &[u8], out: &mut Vec<String>) -> Result<(), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    Skim {
        out,
        want_string: false,
    }
    .deserialize(&mut de)?;
    de.end()
}

/// Visits one value, appending the references inside it to `out`; gives
/// back the value itself when it is a string and `want_string` is set.
struct Skim<'o> {
    out: &'o mut Vec<String>,
    want_string: bool,
}

impl<'de> DeserializeSeed<'de> for Skim<'_> {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skim<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
        Ok(self.want_string.then(|| text.to_string()))
    }
    fn visit_string<E>(self, text: String) -> Result<Self::Value, E> {
        Ok(self.want_string.then_some(text))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq
            .next_element_seed(Skim {
                out: &mut *self.out,
                want_string: false,
            })?
            .is_some()
        {}
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut has_media_type = false;
        // The last `path` value, when it is a string.
        let mut path: Option<String> = None;
        // References found under each key (only keys that have some), so a
        // duplicate key can drop those of the value it replaces.
        let mut found: Vec<(String, Vec<String>)> = Vec::new();
        while let Some(key) = map.next_key_seed(Key)? {
            let is_path = key == "path";
            has_media_type |= key == "mediaType";
            let mut inside = Vec::new();
            let string = map.next_value_seed(Skim {
                out: &mut inside,
                want_string: is_path,
            })?;
            if is_path {
                path = string;
            }
            if let Some(at) = found.iter().position(|(k, _)| *k == key) {
                found.swap_remove(at);
            }
            if !inside.is_empty() {
                found.push((key.into_owned(), inside));
            }
        }
        if let (true, Some(path)) = (has_media_type, path) {
            self.out.push(path);
        }
        for (_, refs) in found {
            self.out.extend(refs);
        }
        Ok(None)
    }
}

/// An object key, borrowed from the input when it has no escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(text))
    }
    fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(text.to_string()))
    }
    fn visit_string<E>(self, text: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(text))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::bundle::artifacts::collect_refs;

    /// What parsing to a `Value` gives: the reference implementation.
    fn by_value(line: &str) -> Result<BTreeSet<String>, String> {
        let value: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let mut out = BTreeSet::new();
        collect_refs(&value, &mut out);
        Ok(out)
    }

    fn by_skim(line: &str) -> Result<BTreeSet<String>, String> {
        let mut out = Vec::new();
        refs_in_line(line.as_bytes(), &mut out).map_err(|e| e.to_string())?;
        Ok(out.into_iter().collect())
    }

    #[test]
    fn same_refs_and_errors_as_a_parsed_value() {
        let cases = [
            r#"{"artifact":{"path":"artifacts/a.txt","mediaType":"text/plain"}}"#,
            r#"{"a":{"mediaType":"x","path":"first"},"b":[{"path":"second","mediaType":null}]}"#,
            r#"{"path":"no media type"}"#,
            r#"{"mediaType":"x","path":7}"#,
            r#"{"mediaType":"x","path":{"path":"inner","mediaType":"y"}}"#,
            // Duplicates: the last `path` wins; a replaced value loses its refs.
            r#"{"mediaType":"x","path":"old","path":"new"}"#,
            r#"{"mediaType":"x","path":"old","path":3}"#,
            r#"{"k":{"path":"lost","mediaType":"x"},"k":1}"#,
            r#"{"k":{"path":"lost","mediaType":"x"},"j":2,"k":{"path":"kept","mediaType":"x"}}"#,
            r#"{"media\u0054ype":"x","p\u0061th":"escaped keys"}"#,
            r#"[{"path":"top","mediaType":"x"},1,"s",null,true,-2.5e3]"#,
            r#""just a string""#,
            r#"{"mediaType":"x","path":"unterminated"#,
            r#"{"a":1} trailing"#,
            r#"{"n":1e999}"#,
            r#"{"a":}"#,
        ];
        for case in cases {
            assert_eq!(by_skim(case), by_value(case), "{case}");
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(by_skim(&deep), by_value(&deep));
    }

    #[test]
    fn same_refs_on_every_sample_trace_line() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-runs");
        let mut lines = 0;
        for run in std::fs::read_dir(&root).expect("sample-runs").flatten() {
            let Ok(text) = std::fs::read_to_string(run.path().join("trace.ndjson")) else {
                continue;
            };
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                assert_eq!(by_skim(line), by_value(line), "{line}");
                lines += 1;
            }
        }
        assert!(lines > 100, "only {lines} sample lines compared");
    }
}
