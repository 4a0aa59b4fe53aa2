//! JSON Merge Patch (RFC 7396), the form a fork's input change takes: small,
//! readable in a manifest, and obvious to review (`{"task": "retry"}` sets one
//! field, `{"debug": null}` removes one).

use serde_json::{Map, Value};

/// Applies `patch` to `target` in place, as RFC 7396 §2 defines it: objects
/// merge member by member, `null` removes a member, anything else replaces.
/// Member order is kept (removal shifts, so the rest keep their places).
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(members) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(map) = target else {
        return;
    };
    for (name, value) in members {
        if value.is_null() {
            map.shift_remove(name);
        } else {
            merge_patch(map.entry(name.clone()).or_insert(Value::Null), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// RFC 7396 Appendix A, every example in order.
    #[test]
    fn rfc_7396_appendix_a() {
        let vectors = [
            (json!({"a":"b"}), json!({"a":"c"}), json!({"a":"c"})),
            (json!({"a":"b"}), json!({"b":"c"}), json!({"a":"b","b":"c"})),
            (json!({"a":"b"}), json!({"a":null}), json!({})),
            (
                json!({"a":"b","b":"c"}),
                json!({"a":null}),
                json!({"b":"c"}),
            ),
            (json!({"a":["b"]}), json!({"a":"c"}), json!({"a":"c"})),
            (json!({"a":"c"}), json!({"a":["b"]}), json!({"a":["b"]})),
            (
                json!({"a":{"b":"c"}}),
                json!({"a":{"b":"d","c":null}}),
                json!({"a":{"b":"d"}}),
            ),
            (json!({"a":[{"b":"c"}]}), json!({"a":[1]}), json!({"a":[1]})),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a":"b"}), json!(["c"]), json!(["c"])),
            (json!({"a":"foo"}), json!(null), json!(null)),
            (json!({"a":"foo"}), json!("bar"), json!("bar")),
            (json!({"e":null}), json!({"a":1}), json!({"e":null,"a":1})),
            (json!([1, 2]), json!({"a":"b","c":null}), json!({"a":"b"})),
            (
                json!({}),
                json!({"a":{"bb":{"ccc":null}}}),
                json!({"a":{"bb":{}}}),
            ),
        ];
        for (i, (target, patch, expected)) in vectors.into_iter().enumerate() {
            let mut result = target.clone();
            merge_patch(&mut result, &patch);
            assert_eq!(result, expected, "vector {} ({target} + {patch})", i + 1);
        }
    }

    #[test]
    fn removal_keeps_the_order_of_the_rest() {
        let mut target = json!({"a": 1, "b": 2, "c": 3, "d": 4});
        merge_patch(&mut target, &json!({"b": null, "e": 5, "a": 0}));
        let keys: Vec<&String> = target
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys, ["a", "c", "d", "e"]);
        assert_eq!(target["a"], 0);
    }
}
