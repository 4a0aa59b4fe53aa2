//! How many events a session's `events.ndjson` holds, as its index says
//! (`SessionFiles::index()?.len()`) whenever the file indexes, without
//! building the index: what `show` reports per session. Only counts are
//! needed, so a line in acpx's own shape (`{"seq":N,` … `}`) is counted
//! on sight, with the checks that concern the count (an object whose `seq`
//! fits and increases); the JSON inside it is `validate`'s to check. Any
//! other line is checked with `plain_json` for exactly what indexing
//! requires; one that is not plain, or that indexing refuses, sends the
//! whole file to the index, which then counts it or words the error.

use std::path::Path;

use super::plain_json::Scanner;
use super::{ndjson, BundleError, SessionFiles};

/// The number of events in `session`, or the error its index stops with.
pub fn count_events(session: &SessionFiles) -> Result<usize, BundleError> {
    match plain_count(&session.root, &session.events) {
        Some(count) => Ok(count),
        None => Ok(session.index()?.len()),
    }
}

/// The count when every complete line is plain and indexable; `None` when
/// one is not (or the file cannot be read: the index reports that too).
fn plain_count(root: &Path, events: &Path) -> Option<usize> {
    let mut count = 0;
    let mut last: Option<u64> = None;
    let scanned = ndjson::scan_file(root, events, |_, raw| {
        match quick_seq(raw).or_else(|| plain_seq(raw)) {
            // `ndjson::next_seq`: it fits a `u32` and increases.
            Some(seq) if seq <= u64::from(u32::MAX) && last.is_none_or(|last| seq > last) => {
                last = Some(seq);
                count += 1;
                Ok(())
            }
            _ => Err(BundleError::invalid(events, "left to the index")),
        }
    });
    scanned.ok().map(|_| count)
}

/// The `seq` of a line that starts `{"seq":N,` (or `{"seq":N}`) and ends
/// with `}`, as acpx writes every event, read without the rest.
fn quick_seq(raw: &[u8]) -> Option<u64> {
    let rest = raw.strip_prefix(b"{\"seq\":")?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let last = raw
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t' | b'\r'))?;
    let ends = matches!(rest.get(digits), Some(b',' | b'}')) && raw[last] == b'}';
    if !ends || digits == 0 || (digits > 1 && rest[0] == b'0') {
        return None;
    }
    rest[..digits].iter().try_fold(0u64, |n, &b| {
        n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

/// The `seq` of an event line that `SessionIndex` reads without an error
/// (the fields of its `EventPeek`, each of a type serde accepts, none
/// twice), or `None`.
fn plain_seq(raw: &[u8]) -> Option<u64> {
    let mut s = Scanner::new(raw)?;
    s.space();
    if s.peek() != Some(b'{') {
        return None;
    }
    let mut seq = None;
    once_each(&mut s, |s, key| match key {
        b"seq" => {
            seq = Some(s.unsigned()?);
            Some(true)
        }
        b"at" | b"direction" => s.null_or_string().map(|()| true),
        b"message" => message(s).map(|()| true),
        _ => s.skip_value().map(|()| false),
    })?;
    if !s.at_end() {
        return None;
    }
    seq
}

/// `message` (`MessagePeek`): null, or an object whose `method` is null or
/// a string and whose `params` serde reads; `id`, `result` and `error` may
/// be any value.
fn message(s: &mut Scanner) -> Option<()> {
    if s.peek()? != b'{' {
        return s.literal(b"null");
    }
    once_each(s, |s, key| match key {
        b"id" | b"result" | b"error" => s.skip_value().map(|()| true),
        b"method" => s.null_or_string().map(|()| true),
        b"params" => params(s).map(|()| true),
        _ => s.skip_value().map(|()| false),
    })
}

/// `params` (`ParamsPeek`) and its `update` (`UpdatePeek`): null, or an
/// object with an `update` that is null or an object whose
/// `sessionUpdate` is null or a string.
fn params(s: &mut Scanner) -> Option<()> {
    if s.peek()? != b'{' {
        return s.literal(b"null");
    }
    once_each(s, |s, key| match key {
        b"update" => {
            if s.peek()? != b'{' {
                return s.literal(b"null").map(|()| true);
            }
            once_each(s, |s, key| match key {
                b"sessionUpdate" => s.null_or_string().map(|()| true),
                _ => s.skip_value().map(|()| false),
            })
            .map(|()| true)
        }
        _ => s.skip_value().map(|()| false),
    })
}

/// An object whose fields `read` reads, answering whether the key is one
/// of the struct's (serde refuses a struct's field given twice; other
/// keys may repeat).
fn once_each<'a>(
    s: &mut Scanner<'a>,
    mut read: impl FnMut(&mut Scanner<'a>, &'a [u8]) -> Option<bool>,
) -> Option<()> {
    // The structs have at most five fields: no allocation per object.
    let mut fields: [&[u8]; 5] = [&[]; 5];
    let mut seen = 0;
    s.object(|s, key| {
        if read(s, key)? {
            if fields[..seen].contains(&key) || seen == fields.len() {
                return None;
            }
            fields[seen] = key;
            seen += 1;
        }
        Some(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::session::SessionIndex;

    /// What indexing the line gives: `Some(seq)` when it is indexed.
    fn by_index(line: &str) -> Option<u64> {
        let index = SessionIndex::from_bytes(format!("{line}\n").as_bytes()).ok()?;
        index.entries().first().map(|e| u64::from(e.seq))
    }

    /// The fast path never accepts a line the index refuses, and reads the
    /// same `seq` from the lines it accepts.
    fn agrees(line: &str) -> bool {
        match plain_seq(line.as_bytes()) {
            Some(seq) if seq <= u64::from(u32::MAX) => {
                assert_eq!(by_index(line), Some(seq), "{line}");
                true
            }
            _ => false,
        }
    }

    #[test]
    fn edge_cases_fall_back_or_agree() {
        let plain = [
            r#"{"seq":1}"#,
            r#"{"seq":2,"at":"2026-01-01T00:00:00.000Z","direction":"inbound","message":null}"#,
            r#"{"seq":3,"message":{"id":[1,{"a":2}],"method":"x","params":{"update":{"sessionUpdate":"y"}},"result":{}}}"#,
            r#"{"seq":4,"message":{"id":2.5,"params":null,"error":"e"}}"#,
            r#"{"seq":5,"x":1,"x":2,"message":{"y":1,"y":2}}"#,
            r#" {"seq":6,"at":"\u00e9\n"} "#,
        ];
        for line in plain {
            assert!(agrees(line), "not on the fast path: {line}");
        }
        let refused_by_index = [
            r#"{"seq":1,"seq":2}"#,
            r#"{"seq":1.0}"#,
            r#"{"seq":-1}"#,
            r#"{"at":"x"}"#,
            r#"{"seq":1,"at":5}"#,
            r#"{"seq":1,"direction":true}"#,
            r#"{"seq":1,"message":"text"}"#,
            r#"{"seq":1,"message":{"method":1}}"#,
            r#"{"seq":1,"message":{"id":1,"id":2}}"#,
            r#"{"seq":1,"message":{"params":{"update":{"sessionUpdate":{}}}}}"#,
            r#"{"seq":1,"message":{"params":{"update":{"sessionUpdate":"a","sessionUpdate":"b"}}}}"#,
            r#"{"seq":1} x"#,
            r#"{"seq":1,"at":"unterminated}"#,
            r#"[{"seq":1}]"#,
            "\u{c}{\"seq\":1}",
        ];
        for line in refused_by_index {
            assert_eq!(by_index(line), None, "the index takes {line}");
            assert!(!agrees(line), "{line}");
        }
        // Left to serde although it would take them (an array read as a
        // struct, an escaped key, an exponent).
        for line in [
            r#"{"seq":1,"message":{"params":[null]}}"#,
            r#"{"seq":1,"message":{"params":{"update":[]}}}"#,
            r#"{"s\u0065q":1}"#,
            r#"{"seq":1,"n":1e3}"#,
        ] {
            assert!(!agrees(line), "{line}");
        }
    }

    #[test]
    fn every_session_of_the_samples_and_fixtures_counts_as_its_index() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (mut sessions, mut lines) = (0, 0);
        for dir in ["sample-runs", "tests/fixtures/bundles"] {
            for run in std::fs::read_dir(root.join(dir)).expect("runs").flatten() {
                let Ok(bundle) = crate::bundle::Bundle::open(&run.path()) else {
                    continue;
                };
                for session in &bundle.sessions {
                    let counted = count_events(session).map_err(|e| e.to_string());
                    let indexed = session.index().map(|i| i.len()).map_err(|e| e.to_string());
                    assert_eq!(counted, indexed, "{}", session.events.display());
                    sessions += 1;
                    if let Ok(text) = std::fs::read_to_string(&session.events) {
                        lines += text.lines().filter(|l| agrees(l)).count();
                    }
                }
            }
        }
        assert!(sessions >= 8, "only {sessions} sessions");
        assert!(lines > 100, "only {lines} lines on the fast path");
    }

    #[test]
    fn acpx_shaped_lines_are_read_on_sight() {
        for (line, seq) in [
            (r#"{"seq":7,"at":"x"}"#, Some(7)),
            (r#"{"seq":0}"#, Some(0)),
            (r#"{"seq":12}  "#, Some(12)),
            (r#"{"seq":18446744073709551616,"a":1}"#, None),
            (r#"{"seq":07,"a":1}"#, None),
            (r#"{"seq":-1,"a":1}"#, None),
            (r#"{"seq":1.5,"a":1}"#, None),
            (r#"{"seq":1,"a":1"#, None),
            (r#"{ "seq":1}"#, None),
            (r#"{"seq":"1"}"#, None),
        ] {
            assert_eq!(quick_seq(line.as_bytes()), seq, "{line}");
            if let Some(seq) = seq {
                assert_eq!(by_index(line), Some(seq), "{line}");
            }
        }
    }

    fn count_both(
        dir: &Path,
        name: &str,
        text: &str,
    ) -> (Result<usize, String>, Result<usize, String>) {
        let run = dir.join(name);
        let folder = run.join("sessions/s");
        std::fs::create_dir_all(&folder).expect("mkdir");
        std::fs::write(folder.join("events.ndjson"), text).expect("write");
        let session = SessionFiles::new(&run, "s".into(), None, &folder, true, None);
        let fresh = SessionFiles::new(&run, "s".into(), None, &folder, true, None);
        let counted = count_events(&session).map_err(|e| e.to_string());
        let indexed = fresh.index().map(|i| i.len()).map_err(|e| e.to_string());
        (counted, indexed)
    }

    #[test]
    fn damaged_files_count_or_fail_as_their_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let good = r#"{"seq":1,"message":{"method":"m"}}"#;
        let cases = [
            format!("{good}\n{{\"seq\":2}}\n"),
            format!("{good}\n{{\"seq\":1}}\n"),
            format!("{good}\n\n  \n{{\"seq\":3}}\npartial"),
            format!("{good}\n{{\"seq\":4294967296}}\n"),
            format!("{good}\n{{ \"seq\":2,\"message\":{{\"method\":3}}}}\n"),
            format!("{good}\n{{\"seq\":2,\"n\":1e3}}\n{{ \"seq\":3}}\n"),
            format!("{good}\r\n{{\"seq\":2}}\r\n"),
            format!("{good}\n[1]\n"),
            format!("{good}\n{{\"seq\":2,\"at\":\"cut short\n"),
            "not json\n".to_string(),
            String::new(),
        ];
        for (i, text) in cases.iter().enumerate() {
            let (counted, indexed) = count_both(dir.path(), &format!("r{i}"), text);
            assert_eq!(counted, indexed, "{text:?}");
        }
        // A line in acpx's shape is counted without reading the JSON inside
        // it (what `validate` checks): the index refuses this one.
        let (counted, indexed) = count_both(
            dir.path(),
            "inside",
            &format!("{good}\n{{\"seq\":2,\"message\":{{\"method\":3}}}}\n"),
        );
        assert_eq!(counted, Ok(2));
        assert!(indexed.is_err(), "{indexed:?}");
        let absent = SessionFiles::new(
            dir.path(),
            "x".into(),
            None,
            &dir.path().join("x"),
            true,
            None,
        );
        assert_eq!(count_events(&absent).map_err(|e| e.to_string()), Ok(0));
    }
}
