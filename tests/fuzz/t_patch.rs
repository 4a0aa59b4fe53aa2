//! The fork's input patch: JSON Merge Patch (RFC 7396) against the RFC's
//! own algorithm, its properties, and the patch text reader.

use reel::timetravel::fork::{check_patch, parse_patch};
use reel::timetravel::patch::merge_patch;
use serde_json::{Map, Value};

use super::corpus::corpus;
use super::gen;
use super::harness::{CaseResult, Ctx, Verdict};
use super::mutate;
use super::rng::Rng;

/// RFC 7396 §2, as written there.
fn reference(target: &Value, patch: &Value) -> Value {
    let Value::Object(patch) = patch else {
        return patch.clone();
    };
    let mut target = match target {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    for (name, value) in patch {
        if value.is_null() {
            target.remove(name);
        } else {
            let current = target.get(name).cloned().unwrap_or(Value::Null);
            target.insert(name.clone(), reference(&current, value));
        }
    }
    Value::Object(target)
}

/// A patch that touches the target's own members (removes, replaces,
/// recurses), plus new ones.
fn patch_for(rng: &mut Rng, target: &Value, depth: usize) -> Value {
    if depth == 0 || rng.one_in(6) {
        return if rng.one_in(3) {
            Value::Null
        } else {
            gen::value(rng, 2)
        };
    }
    let mut patch = Map::new();
    if let Value::Object(map) = target {
        for (key, value) in map {
            match rng.below(4) {
                0 => {
                    patch.insert(key.clone(), Value::Null);
                }
                1 => {
                    patch.insert(key.clone(), patch_for(rng, value, depth - 1));
                }
                _ => {}
            }
        }
    }
    for _ in 0..rng.small(3) {
        patch.insert(gen::key(rng), patch_for(rng, &Value::Null, depth - 1));
    }
    Value::Object(patch)
}

fn a_target(rng: &mut Rng) -> Value {
    if rng.one_in(3) {
        let seed = rng.pick(&corpus().manifests);
        serde_json::from_slice(&seed.bytes).unwrap_or(Value::Null)
    } else {
        gen::value(rng, 4)
    }
}

/// Keys in order: the target's kept ones in place, then new ones as the
/// patch names them.
fn expected_keys(target: &Map<String, Value>, patch: &Map<String, Value>) -> Vec<String> {
    let mut keys: Vec<String> = target
        .keys()
        .filter(|k| !patch.get(*k).is_some_and(Value::is_null))
        .cloned()
        .collect();
    for (key, value) in patch {
        if !value.is_null() && !target.contains_key(key) && !keys.contains(key) {
            keys.push(key.clone());
        }
    }
    keys
}

pub fn patch(ctx: &mut Ctx) -> CaseResult {
    let target = a_target(&mut ctx.rng);
    let patch = if ctx.rng.one_in(5) {
        gen::value(&mut ctx.rng, 3)
    } else {
        patch_for(&mut ctx.rng, &target, 4)
    };
    ctx.record("target.json", target.to_string().as_bytes());
    ctx.record("patch.json", patch.to_string().as_bytes());
    let mut once = target.clone();
    merge_patch(&mut once, &patch);
    if once != reference(&target, &patch) {
        return Err(format!(
            "differs from RFC 7396: {}",
            super::clip(&once.to_string(), 800)
        ));
    }
    let mut twice = once.clone();
    merge_patch(&mut twice, &patch);
    if twice != once {
        return Err("applying the same patch twice changed the result".to_string());
    }
    match (&patch, &once) {
        (Value::Object(p), Value::Object(result)) => {
            for (key, value) in p {
                if value.is_null() && result.contains_key(key) {
                    return Err(format!("{key:?}: null did not remove it"));
                }
            }
            let base = target.as_object().cloned().unwrap_or_default();
            let keys: Vec<String> = result.keys().cloned().collect();
            if keys != expected_keys(&base, p) {
                return Err(format!("member order {keys:?}"));
            }
        }
        (Value::Object(_), other) => return Err(format!("an object patch gave {other}")),
        (other, result) if other != result => return Err("a non-object patch must replace".into()),
        _ => {}
    }
    // The patch as text, as `reel fork --input-patch` reads it.
    let mut text = patch.to_string().into_bytes();
    if ctx.rng.one_in(2) {
        mutate::json_doc(&mut ctx.rng, &mut text);
    }
    let text = String::from_utf8_lossy(&text).into_owned();
    let parsed = parse_patch(&text);
    let expected = serde_json::from_str::<Value>(&text)
        .ok()
        .filter(Value::is_object);
    if parsed.as_ref().ok() != expected.as_ref() {
        return Err(format!(
            "parse_patch({}) = {parsed:?}",
            super::clip(&text, 300)
        ));
    }
    if check_patch(&patch).is_ok() != patch.is_object() {
        return Err("check_patch accepts exactly objects".to_string());
    }
    Ok(if parsed.is_ok() {
        Verdict::Accepted
    } else {
        Verdict::Rejected
    })
}
