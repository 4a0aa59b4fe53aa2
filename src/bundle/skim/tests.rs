use super::*;

#[test]
fn keeps_the_fields_and_skips_the_rest() {
    let line = br#"{"seq":7,"at":"2026-01-01T00:00:00.000Z","runId":"r","x":[1,-2.5e3,{"a":"\u00e9\n"},true,null],"type":"node_outcome","nodeId":"a","attemptId":"a#1","payload":{"outcome":"ok","durationMs":12,"deep":{"status":"not this one"}},"sessionId":null}"#;
    let skimmed = skim_event(line).expect("plain line");
    assert_eq!(
        skimmed,
        Skimmed {
            seq: 7,
            at: Some("2026-01-01T00:00:00.000Z"),
            run_id: Some("r"),
            kind: "node_outcome",
            node_id: Some("a"),
            attempt_id: Some("a#1"),
            session_id: None,
            outcome: Some("ok"),
            status: None,
            duration_ms: Some(12.0),
        }
    );
}

#[test]
fn anything_unusual_is_left_to_serde() {
    for line in [
        &br#"{"seq":1,"type":"a","seq":2}"#[..],
        br#"{"seq":1.0,"type":"a"}"#,
        br#"{"seq":-1,"type":"a"}"#,
        br#"{"seq":01,"type":"a"}"#,
        br#"{"seq":99999999999999999999,"type":"a"}"#,
        br#"{"seq":1,"type":"\u0061"}"#,
        br#"{"se\u0071":1,"type":"a"}"#,
        br#"{"seq":1,"type":null}"#,
        br#"{"seq":1}"#,
        br#"{"seq":1,"type":"a","payload":[1]}"#,
        br#"{"seq":1,"type":"a","payload":{"durationMs":1.5}}"#,
        br#"{"seq":1,"type":"a"} x"#,
        br#"{"seq":1,"type":"a","x":[1,]}"#,
        br#"{"seq":1,"type":"a","x":"tab	here"}"#,
        br#"{"seq":1,"type":"a","x":"\q"}"#,
        br#"{"seq":1,"type":"a","x":tru}"#,
        br#"{"seq":1,"type":"a","x":1.}"#,
        br#"{"seq":1,"type":"a","x":"#,
        b"{\"seq\":1,\"type\":\"\xff\"}",
    ] {
        assert_eq!(skim_event(line), None, "{}", String::from_utf8_lossy(line));
    }
    let deep = format!(
        r#"{{"seq":1,"type":"a","x":{}{}}}"#,
        "[".repeat(100),
        "]".repeat(100)
    );
    assert_eq!(skim_event(deep.as_bytes()), None);
}

#[test]
fn special_bytes_are_found_wherever_they_are() {
    let text = b"abcdefghijklmnopqrstuvwxyz0123456789";
    for at in 0..text.len() {
        for special in [b'"', b'\\', 0x00, 0x1f] {
            let mut bytes = text.to_vec();
            bytes[at] = special;
            assert_eq!(special_byte(&bytes), Some(at));
        }
    }
    assert_eq!(special_byte("é ü ~\x7f".as_bytes()), None);
    for len in [0, 5, 8, 31, 32, 33, 100] {
        let text = vec![b'a'; len];
        assert_eq!(quote_or_backslash(&text), None);
        for at in 0..len {
            for special in [b'"', b'\\'] {
                let mut bytes = text.clone();
                bytes[at] = special;
                if at + 1 < len {
                    bytes[len - 1] = b'"';
                }
                assert_eq!(quote_or_backslash(&bytes), Some(at), "{len} {at}");
            }
        }
    }
}

#[test]
fn lines_in_acpx_shape_read_as_any_line_does() {
    let head = r#"{"seq":3,"at":"2026-01-01T00:00:00.000Z","runId":"r","scope":"node","type":"node_outcome""#;
    fn kept(line: &str) -> Option<(u64, String, Option<String>, Option<String>)> {
        let own = |s: Option<&str>| s.map(str::to_string);
        skim_event(line.as_bytes())
            .map(|s| (s.seq, s.kind.to_string(), own(s.node_id), own(s.outcome)))
    }
    let some = |seq, kind: &str, node: Option<&str>, outcome: Option<&str>| {
        Some((
            seq,
            kind.to_string(),
            node.map(str::to_string),
            outcome.map(str::to_string),
        ))
    };
    assert_eq!(
        kept(&format!(
            r#"{head},"nodeId":"n","payload":{{"outcome":"ok"}}}}"#
        )),
        some(3, "node_outcome", Some("n"), Some("ok"))
    );
    // Whitespace, in the head or after it: the general reading.
    assert_eq!(
        kept(&format!(r#"{head}, "nodeId" : "n" }} "#)),
        some(3, "node_outcome", Some("n"), None)
    );
    assert_eq!(
        kept(r#"{ "seq":3,"at":null,"runId":null,"scope":{"a":[1]},"type":"x"}"#),
        some(3, "x", None, None)
    );
    // Duplicates of fields the head read, and a head field of the wrong type.
    for line in [
        format!(r#"{head},"seq":4}}"#),
        format!(r#"{head},"type":"other"}}"#),
        format!(r#"{head},"at":"again"}}"#),
        r#"{"seq":3,"at":1,"runId":"r","scope":"s","type":"a"}"#.to_string(),
        r#"{"seq":3,"at":"x","runId":"r","scope":"s","type":null}"#.to_string(),
        format!(r#"{head},"nodeId":"n""#),
        format!(r#"{head}}} x"#),
    ] {
        assert_eq!(kept(&line), None, "{line}");
    }
}
