//! The byte scans of `split`, at every chunk size.

use serde::de::IgnoredAny;

use super::*;

fn objects(text: &str, chunk: usize) -> Option<Vec<String>> {
    let mut seen = Vec::new();
    each_object(text.as_bytes(), chunk, |item| {
        serde_json::from_str::<IgnoredAny>(item).ok()?;
        seen.push(item.to_string());
        Some(ControlFlow::Continue(()))
    })
    .map(|_| seen)
}

#[test]
fn arrays_of_objects_split_at_every_chunk_size() {
    let text = "[\n  {\"a\": \"x\\\"}]\", \"b\": [1, {\"c\": null}]},\n  {}\n]\n";
    let expected = vec![
        "{\"a\": \"x\\\"}]\", \"b\": [1, {\"c\": null}]}".to_string(),
        "{}".to_string(),
    ];
    for chunk in 1..=text.len() + 1 {
        assert_eq!(
            objects(text, chunk),
            Some(expected.clone()),
            "chunk {chunk}"
        );
    }
    assert_eq!(objects(" [ ] ", 2), Some(vec![]));
}

#[test]
fn anything_else_is_left_to_serde() {
    for text in [
        "",
        "{}",
        "[1]",
        "[{},]",
        "[{} {}]",
        "[{}] x",
        "[{\"a\": }]",
        "[{\"a\": \"open}]",
        "[{}",
        "[{\"a\": 1]}]",
    ] {
        for chunk in [1, 3, 64] {
            assert_eq!(objects(text, chunk), None, "{text:?} chunk {chunk}");
        }
    }
    let deep = format!("[{}{}]", "{\"a\":[".repeat(40), "]}".repeat(40));
    assert_eq!(objects(&deep, 64), None, "nesting near serde's limit");
}

#[test]
fn only_a_file_as_json_stringify_writes_it_is_pretty() {
    let records = serde_json::json!([
        {"a": "x\\\"]", "b": [1, {"c": null}]},
        {},
        {"d": {"e": []}}
    ]);
    let end = |text: &str, chunk: usize| {
        each_object(text.as_bytes(), chunk, |_| Some(ControlFlow::Continue(())))
    };
    let pretty = serde_json::to_string_pretty(&records).expect("json") + "\n";
    let compact = serde_json::to_string(&records).expect("json") + "\n";
    for chunk in [1, 2, 7, 4096] {
        assert_eq!(end(&pretty, chunk), Some(ArrayEnd::Pretty), "chunk {chunk}");
        assert_eq!(end("[]\n", chunk), Some(ArrayEnd::Pretty));
        for other in [
            compact.clone(),
            pretty.trim_end().to_string(),
            pretty.clone() + "\n",
            format!(" {pretty}"),
            pretty.replace("},\n  {", "}, \n  {"),
            pretty.replacen("\n  {", "\n   {", 1),
            pretty.replace("\n]", "\n ]"),
            "[ ]\n".to_string(),
        ] {
            assert_eq!(end(&other, chunk), Some(ArrayEnd::Other), "{other:?}");
        }
    }
    let stopped = each_object(pretty.as_bytes(), 3, |_| Some(ControlFlow::Break(())));
    assert_eq!(stopped, Some(ArrayEnd::Stopped));
    // Broken off at the last element: the array was read whole.
    let mut seen = 0;
    let last = each_object(pretty.as_bytes(), 3, |_| {
        seen += 1;
        Some(match seen {
            3 => ControlFlow::Break(()),
            _ => ControlFlow::Continue(()),
        })
    });
    assert_eq!(last, Some(ArrayEnd::Pretty));
}

#[test]
fn stopping_early_leaves_the_rest_unread() {
    let mut count = 0;
    let done = each_object("[{}, {}, not json".as_bytes(), 4, |_| {
        count += 1;
        Some(ControlFlow::Break(()))
    });
    assert_eq!((done, count), (Some(ArrayEnd::Stopped), 1));
}

fn without(text: &str, chunk: usize) -> Option<String> {
    without_array(text.as_bytes(), chunk, "steps", None)
        .map(|w| String::from_utf8(w.rest).expect("utf8"))
}

#[test]
fn the_steps_value_becomes_null_wherever_the_chunks_end() {
    let text = "{\n  \"runId\": \"r\",\n  \"steps\": [\n    {\"steps\": [1]}\n  ],\n  \"n\": {\"steps\": [2]},\n  \"s\": \"\\\"steps\\\": [\"\n}\n";
    let expected =
        "{\n  \"runId\": \"r\",\n  \"steps\":null,\n  \"n\": {\"steps\": [2]},\n  \"s\": \"\\\"steps\\\": [\"\n}";
    for chunk in 1..=text.len() + 1 {
        assert_eq!(
            without(text, chunk).as_deref(),
            Some(expected),
            "chunk {chunk}"
        );
    }
    let parse = |t: &str| serde_json::from_str::<serde_json::Value>(t).expect("json");
    let mut source = parse(text);
    source["steps"] = serde_json::Value::Null;
    assert_eq!(parse(expected), source);
}

#[test]
fn run_files_of_other_shapes_are_left_to_serde() {
    for text in [
        "[]",
        "{\"steps\": null}",
        "{\"st\\u0065ps\": []}",
        "{\"steps\": [{\"a\": tru}]}",
        "{\"steps\": [1]}",
        "{\"steps\": []} {}",
        "{\"steps\": []",
    ] {
        for chunk in [1, 5, 64] {
            assert_eq!(without(text, chunk), None, "{text:?} chunk {chunk}");
        }
    }
}
