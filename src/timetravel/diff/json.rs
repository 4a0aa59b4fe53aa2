//! A structural diff of two JSON values, as RFC 6901 pointers: how a node's
//! output changed between two frames, readable without eyeballing both.

use serde::Serialize;
use serde_json::Value;

/// How a value at a pointer changed from `a` to `b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

/// One difference between two JSON values, at an RFC 6901 pointer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JsonChange {
    pub path: String,
    pub change: ChangeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b: Option<Value>,
}

/// The structural differences from `a` to `b`: objects by key (a's order,
/// then b's new keys), arrays by index, anything else by equality. Equal
/// values give an empty list.
pub fn json_diff(a: &Value, b: &Value) -> Vec<JsonChange> {
    let mut out = Vec::new();
    walk(&mut String::new(), a, b, &mut out);
    out
}

fn walk(path: &mut String, a: &Value, b: &Value, out: &mut Vec<JsonChange>) {
    let mut at = |path: &mut String, key: &str, x: Option<&Value>, y: Option<&Value>| {
        let len = path.len();
        path.push('/');
        path.push_str(&key.replace('~', "~0").replace('/', "~1"));
        match (x, y) {
            (Some(x), Some(y)) => walk(path, x, y, out),
            (x, y) => out.push(JsonChange {
                path: path.clone(),
                change: if x.is_some() {
                    ChangeKind::Removed
                } else {
                    ChangeKind::Added
                },
                a: x.cloned(),
                b: y.cloned(),
            }),
        }
        path.truncate(len);
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (key, value) in x {
                at(path, key, Some(value), y.get(key));
            }
            for (key, value) in y.iter().filter(|(k, _)| !x.contains_key(*k)) {
                at(path, key, None, Some(value));
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                at(path, &i.to_string(), x.get(i), y.get(i));
            }
        }
        _ if a == b => {}
        _ => out.push(JsonChange {
            path: path.clone(),
            change: ChangeKind::Changed,
            a: Some(a.clone()),
            b: Some(b.clone()),
        }),
    }
}

/// Like `json_diff`, where `None` is "no value": a whole value added/removed.
pub(super) fn json_diff_opt(a: Option<&Value>, b: Option<&Value>) -> Vec<JsonChange> {
    match (a, b) {
        (Some(a), Some(b)) => json_diff(a, b),
        (None, None) => Vec::new(),
        (a, b) => vec![JsonChange {
            path: String::new(),
            change: if a.is_some() {
                ChangeKind::Removed
            } else {
                ChangeKind::Added
            },
            a: a.cloned(),
            b: b.cloned(),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn changes(a: Value, b: Value) -> Vec<(String, ChangeKind)> {
        json_diff(&a, &b)
            .into_iter()
            .map(|c| (c.path, c.change))
            .collect()
    }

    #[test]
    fn equal_values_have_no_changes() {
        let v = json!({"a": [1, {"b": null}], "c": "x"});
        assert!(json_diff(&v, &v.clone()).is_empty());
        // Key order does not matter for objects.
        assert!(json_diff(&json!({"a": 1, "b": 2}), &json!({"b": 2, "a": 1})).is_empty());
    }

    #[test]
    fn nested_objects_by_key() {
        let got = changes(
            json!({"x": {"y": 1, "gone": true}, "same": 0}),
            json!({"x": {"y": 2, "new": [1]}, "same": 0}),
        );
        use ChangeKind::*;
        assert_eq!(
            got,
            [
                ("/x/y".to_string(), Changed),
                ("/x/gone".to_string(), Removed),
                ("/x/new".to_string(), Added)
            ]
        );
    }

    #[test]
    fn arrays_of_different_lengths_by_index() {
        let diff = json_diff(&json!([1, 2, 3]), &json!([1, 5]));
        assert_eq!(diff.len(), 2);
        assert_eq!(
            (diff[0].path.as_str(), diff[0].change),
            ("/1", ChangeKind::Changed)
        );
        assert_eq!(
            (diff[0].a.clone(), diff[0].b.clone()),
            (Some(json!(2)), Some(json!(5)))
        );
        assert_eq!(
            (diff[1].path.as_str(), diff[1].change, diff[1].b.clone()),
            ("/2", ChangeKind::Removed, None)
        );
        assert_eq!(
            changes(json!([]), json!(["a"])),
            [("/0".to_string(), ChangeKind::Added)]
        );
    }

    #[test]
    fn type_changes_replace_the_whole_value() {
        let diff = json_diff(&json!({"v": {"a": 1}}), &json!({"v": [1]}));
        assert_eq!(diff.len(), 1);
        assert_eq!(diff[0].path, "/v");
        assert_eq!(diff[0].change, ChangeKind::Changed);
        assert_eq!(
            changes(json!(1), json!("1")),
            [(String::new(), ChangeKind::Changed)]
        );
        assert_eq!(
            changes(json!(null), json!(false)),
            [(String::new(), ChangeKind::Changed)]
        );
    }

    #[test]
    fn pointer_segments_are_escaped() {
        let got = changes(json!({"a/b": 1, "m~n": 1}), json!({"a/b": 2, "m~n": 2}));
        assert_eq!(got[0].0, "/a~1b");
        assert_eq!(got[1].0, "/m~0n");
    }

    #[test]
    fn missing_whole_values_are_added_or_removed() {
        let got = json_diff_opt(None, Some(&json!({"a": 1})));
        assert_eq!(
            (got[0].path.as_str(), got[0].change),
            ("", ChangeKind::Added)
        );
        assert!(json_diff_opt(None, None).is_empty());
    }
}
