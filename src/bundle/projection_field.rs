//! One top-level field of a JSON projection, streamed: `run.json` of a long
//! run is as large as its trace, and a diff that wants its `input` must not
//! hold the `steps` and `outputs` beside it.

use std::fmt;
use std::io::BufReader;
use std::path::Path;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

use super::{safe_open, Bundle, BundleError};

impl Bundle {
    /// `key` of the projection at `path`: `Ok(None)` when the file or the
    /// key is absent. A later duplicate key wins, as in a parsed map.
    pub fn read_projection_field(
        &self,
        path: &Path,
        key: &str,
    ) -> Result<Option<Value>, BundleError> {
        let file = match safe_open::open(&self.root, path) {
            Ok((file, _)) => file,
            Err(err) if safe_open::is_absent(&err) => return Ok(None),
            Err(err) => return Err(err),
        };
        let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(1 << 20, file));
        FieldOf { key }
            .deserialize(&mut de)
            .and_then(|value| de.end().map(|()| value))
            .map_err(|e| BundleError::json(path, &e))
    }
}

struct FieldOf<'k> {
    key: &'k str,
}

impl<'de> DeserializeSeed<'de> for FieldOf<'_> {
    type Value = Option<Value>;
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        de.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FieldOf<'_> {
    type Value = Option<Value>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(name) = access.next_key::<String>()? {
            if name == self.key {
                found = Some(access.next_value::<Value>()?);
            } else {
                access.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(text: &str, key: &str) -> Result<Option<Value>, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        FieldOf { key }
            .deserialize(&mut de)
            .and_then(|v| de.end().map(|()| v))
    }

    #[test]
    fn takes_one_field_and_skips_the_rest() {
        let text = r#"{"steps":[{"a":[1,2,{"input":0}]}],"input":{"topic":"x"},"outputs":{}}"#;
        assert_eq!(
            field(text, "input").ok().flatten(),
            Some(serde_json::json!({"topic": "x"}))
        );
        assert_eq!(field(text, "missing").ok().flatten(), None);
        // The last duplicate wins, as serde_json's own map does.
        let dup = r#"{"input":1,"input":2}"#;
        let parsed: Value = serde_json::from_str(dup).unwrap_or_default();
        assert_eq!(
            field(dup, "input").ok().flatten().as_ref(),
            parsed.get("input")
        );
        assert!(field("[1]", "input").is_err());
        assert!(field(r#"{"input":1} trailing"#, "input").is_err());
    }
}
