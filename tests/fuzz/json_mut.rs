//! JSON-aware mutations: a value replaced by a huge, negative or fractional
//! number, a very long string, a string of escapes and controls, deep
//! nesting, a wrong type; keys removed (missing required fields), added or
//! duplicated. Numbers and duplicates JSON values cannot hold are spliced
//! in as raw text through placeholders.

use serde_json::{Map, Value};

use super::gen;
use super::mutate;
use super::rng::Rng;

/// Keys readers rely on; removing or retyping them is the interesting case.
const IMPORTANT: &[&str] = &[
    "seq",
    "type",
    "at",
    "runId",
    "nodeId",
    "attemptId",
    "sessionId",
    "payload",
    "outcome",
    "status",
    "durationMs",
    "conversation",
    "eventStartSeq",
    "eventEndSeq",
    "messageStart",
    "messageEnd",
    "outputArtifact",
    "outputInline",
    "path",
    "mediaType",
    "sessions",
    "id",
    "paths",
    "schema",
    "nodes",
    "edges",
    "from",
    "to",
    "switch",
    "cases",
    "method",
    "params",
    "result",
    "error",
    "direction",
    "message",
    "update",
    "sessionUpdate",
    "toolCallId",
    "prompt",
    "content",
    "text",
    "startAt",
    "nodeType",
    "kind",
    "eventsPath",
    "recordPath",
    "trace",
    "flow",
    "sessionsDir",
    "artifactsDir",
    "messages",
    "steps",
    "lastSeq",
];

const RAW_NUMBERS: &[&str] = &[
    "1e999",
    "-1e999",
    "18446744073709551616",
    "-9223372036854775809",
    "4294967296",
    "4294967295",
    "-1",
    "-0",
    "0.5",
    "1E2",
    "123456789012345678901234567890",
    "1.0e-400",
];

struct Raw(Vec<String>);

impl Raw {
    /// A placeholder string value standing for `text` in the output.
    fn hold(&mut self, text: String) -> Value {
        self.0.push(text);
        Value::String(format!("\u{0}RAW{}\u{0}", self.0.len() - 1))
    }

    /// Later placeholders may hold earlier ones (a duplicated key of an
    /// object with a raw number), so they are replaced first.
    fn splice(&self, mut out: String) -> String {
        for (i, text) in self.0.iter().enumerate().rev() {
            out = out.replace(&format!("\"\\u0000RAW{i}\\u0000\""), text);
        }
        out
    }
}

/// Mutates a JSON document (one NDJSON line when `one_line`); text that is
/// not JSON gets a byte-level change instead.
pub fn mutate_text(rng: &mut Rng, text: &[u8], one_line: bool) -> Vec<u8> {
    let Ok(mut value) = serde_json::from_slice::<Value>(text) else {
        let mut bytes = text.to_vec();
        mutate::bytes_once(rng, &mut bytes);
        return bytes;
    };
    let mut raw = Raw(Vec::new());
    for _ in 0..rng.small(3) + 1 {
        mutate_value(rng, &mut value, &mut raw);
    }
    let rendered = if one_line || rng.one_in(2) {
        serde_json::to_string(&value)
    } else {
        serde_json::to_string_pretty(&value)
    };
    raw.splice(rendered.unwrap_or_default()).into_bytes()
}

/// Counts the nodes of a value (the mutation picks one uniformly).
fn count(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(count).sum(),
        Value::Object(map) => map.values().map(count).sum(),
        _ => 0,
    }
}

/// The node at pre-order position `n`.
fn node_mut(value: &mut Value, mut n: usize) -> &mut Value {
    if n == 0 {
        return value;
    }
    n -= 1;
    let children: Vec<&mut Value> = match value {
        Value::Array(items) => items.iter_mut().collect(),
        Value::Object(map) => map.values_mut().collect(),
        _ => Vec::new(),
    };
    for child in children {
        let size = count(child);
        if n < size {
            return node_mut(child, n);
        }
        n -= size;
    }
    unreachable!("node index within the count")
}

fn mutate_value(rng: &mut Rng, root: &mut Value, raw: &mut Raw) {
    let total = count(root);
    let node = node_mut(root, rng.below(total));
    match rng.below(12) {
        0 => *node = gen::number(rng),
        1 => *node = raw.hold(rng.pick(RAW_NUMBERS).to_string()),
        2 => *node = Value::String(gen::json_string(rng)),
        3 => *node = wrong_type(rng, node),
        4 => *node = raw.hold(deep(rng)),
        5 => *node = gen::value(rng, 3),
        6 | 7 => remove_key(rng, node),
        8 => {
            if let Value::Object(map) = node {
                let key = if rng.one_in(2) {
                    rng.pick(IMPORTANT).to_string()
                } else {
                    gen::key(rng)
                };
                map.insert(key, gen::value(rng, 2));
            }
        }
        9 => {
            if let Value::Object(map) = node {
                *node = raw.hold(duplicate_key(rng, map));
            }
        }
        10 => {
            if let Value::Array(items) = node {
                if !items.is_empty() && rng.one_in(2) {
                    items.remove(rng.below(items.len()));
                } else if !items.is_empty() {
                    let copy = items[rng.below(items.len())].clone();
                    items.insert(rng.below(items.len() + 1), copy);
                }
            } else {
                *node = Value::Null;
            }
        }
        _ => {
            // A nested important key retyped: `seq` as a string, ...
            if let Value::Object(map) = node {
                if let Some(key) = IMPORTANT.iter().find(|k| map.contains_key(**k)) {
                    let current = map[*key].clone();
                    map.insert(key.to_string(), wrong_type(rng, &current));
                }
            }
        }
    }
}

fn remove_key(rng: &mut Rng, node: &mut Value) {
    let Value::Object(map) = node else { return };
    if map.is_empty() {
        return;
    }
    let important: Vec<String> = map
        .keys()
        .filter(|k| IMPORTANT.contains(&k.as_str()))
        .cloned()
        .collect();
    let key = if !important.is_empty() && rng.one_in(2) {
        rng.pick(&important).clone()
    } else {
        map.keys()
            .nth(rng.below(map.len()))
            .cloned()
            .unwrap_or_default()
    };
    map.shift_remove(&key);
}

/// A value of another JSON type than `current`.
fn wrong_type(rng: &mut Rng, current: &Value) -> Value {
    let options = [
        Value::Null,
        Value::Bool(true),
        Value::from(rng.small(1000) as u64),
        Value::String(match current {
            Value::String(s) => format!("{s}{s}"),
            other => other.to_string(),
        }),
        Value::Array(vec![current.clone()]),
        Value::Object(Map::from_iter([("value".to_string(), current.clone())])),
    ];
    let fitting: Vec<&Value> = options
        .iter()
        .filter(|v| std::mem::discriminant(*v) != std::mem::discriminant(current))
        .collect();
    (*rng.pick(&fitting)).clone()
}

/// Nesting up to a bound (serde_json stops at 128; some go past it).
fn deep(rng: &mut Rng) -> String {
    let depth = rng.range(1, 300);
    let (open, close) = if rng.one_in(2) {
        ("[", "]")
    } else {
        ("{\"a\":", "}")
    };
    let middle = if rng.one_in(2) { "1" } else { "{}" };
    format!("{}{middle}{}", open.repeat(depth), close.repeat(depth))
}

/// The object's text with one of its keys written twice, with another value
/// first (a reader keeping the first one would see a different value).
fn duplicate_key(rng: &mut Rng, map: &Map<String, Value>) -> String {
    let text = serde_json::to_string(map).unwrap_or_else(|_| "{}".to_string());
    let key = if map.is_empty() || rng.one_in(3) {
        rng.pick(IMPORTANT).to_string()
    } else {
        map.keys()
            .nth(rng.below(map.len()))
            .cloned()
            .unwrap_or_default()
    };
    let other = gen::value(rng, 1);
    let entry = format!(
        "{}:{}",
        serde_json::to_string(&key).unwrap_or_default(),
        serde_json::to_string(&other).unwrap_or_default()
    );
    if map.is_empty() {
        format!("{{{entry},{entry}}}")
    } else {
        format!("{{{entry},{}", &text[1..])
    }
}
