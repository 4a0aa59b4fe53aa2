//! Skimming a session line (`events.ndjson`) for the fields its index keeps,
//! with the trace skimmer's `Scanner` (see `skim.rs`): a fast path that
//! answers `None` for anything but a plainly well-formed line (escapes in a
//! kept string or a key, duplicate fields, unexpected types, ids that are
//! not plain integers or strings), which serde then reads (and words the
//! errors for). A line it accepts is one serde reads with the same fields.

use super::skim::Scanner;

/// The fields of one session event, borrowed from the line.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct SkimmedSession<'a> {
    pub seq: u64,
    pub at: Option<&'a str>,
    pub direction: Option<&'a str>,
    pub message: Option<SkimmedMessage<'a>>,
}

/// `message`: the JSON-RPC fields that classify it.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct SkimmedMessage<'a> {
    pub id: Option<SkimmedId<'a>>,
    pub method: Option<&'a str>,
    /// `params.update.sessionUpdate`.
    pub session_update: Option<&'a str>,
    /// `result` / `error` present and not null.
    pub has_result: bool,
    pub has_error: bool,
}

#[derive(Debug, PartialEq)]
pub(crate) enum SkimmedId<'a> {
    Number(i64),
    Text(&'a str),
    /// Any other JSON value (serde's `IgnoredAny` arm).
    Other,
}

pub(crate) fn skim_session_event(line: &[u8]) -> Option<SkimmedSession<'_>> {
    let mut s = Scanner::new(line);
    let mut out = SkimmedSession::default();
    let mut seen = 0u8;
    s.ws();
    s.object(|s, key| {
        let bit = match key {
            b"seq" => 0,
            b"at" => 1,
            b"direction" => 2,
            b"message" => 3,
            _ => return s.value(1),
        };
        if seen & (1 << bit) != 0 {
            return None; // serde refuses a duplicate field
        }
        seen |= 1 << bit;
        match bit {
            0 => out.seq = s.unsigned()?,
            1 => out.at = s.optional_str()?,
            2 => out.direction = s.optional_str()?,
            _ => out.message = message(s)?,
        }
        Some(())
    })?;
    s.ws();
    (s.i == line.len() && seen & 1 != 0).then_some(out)
}

/// `message`: null or an object (serde would read an array by position).
fn message<'a>(s: &mut Scanner<'a>) -> Option<Option<SkimmedMessage<'a>>> {
    if s.literal(b"null").is_some() {
        return Some(None);
    }
    let mut out = SkimmedMessage::default();
    let mut seen = 0u8;
    s.object(|s, key| {
        let bit = match key {
            b"id" => 0,
            b"method" => 1,
            b"params" => 2,
            b"result" => 3,
            b"error" => 4,
            _ => return s.value(2),
        };
        if seen & (1 << bit) != 0 {
            return None;
        }
        seen |= 1 << bit;
        match bit {
            0 => out.id = id(s)?,
            1 => out.method = s.optional_str()?,
            2 => out.session_update = params(s)?,
            3 => out.has_result = present(s)?,
            _ => out.has_error = present(s)?,
        }
        Some(())
    })?;
    Some(Some(out))
}

/// An id: null, a plain integer that fits i64, a plain string; other
/// shapes (floats, `-0`, objects …) are left to serde.
fn id<'a>(s: &mut Scanner<'a>) -> Option<Option<SkimmedId<'a>>> {
    match s.peek()? {
        b'n' => s.literal(b"null").map(|()| None),
        b'"' => s.plain_str().map(|text| Some(SkimmedId::Text(text))),
        b'-' | b'0'..=b'9' => {
            let start = s.i;
            s.number()?;
            let digits = &s.b[start..s.i];
            if digits.starts_with(b"-0") || digits.iter().any(|b| matches!(b, b'.' | b'e' | b'E')) {
                return None;
            }
            let n = std::str::from_utf8(digits).ok()?.parse().ok()?;
            Some(Some(SkimmedId::Number(n)))
        }
        _ => None,
    }
}

/// `params`: null or an object; its `update.sessionUpdate` is kept.
fn params<'a>(s: &mut Scanner<'a>) -> Option<Option<&'a str>> {
    if s.literal(b"null").is_some() {
        return Some(None);
    }
    let mut update = None;
    let mut seen = false;
    s.object(|s, key| {
        if key != b"update" {
            return s.value(3);
        }
        if std::mem::replace(&mut seen, true) {
            return None;
        }
        if s.literal(b"null").is_some() {
            return Some(());
        }
        let mut seen_kind = false;
        s.object(|s, key| {
            if key != b"sessionUpdate" {
                return s.value(4);
            }
            if std::mem::replace(&mut seen_kind, true) {
                return None;
            }
            update = s.optional_str()?;
            Some(())
        })
    })?;
    Some(update)
}

/// Any value, and whether it is something other than null.
fn present(s: &mut Scanner<'_>) -> Option<bool> {
    if s.literal(b"null").is_some() {
        return Some(false);
    }
    s.value(2).map(|()| true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_fields_and_skips_the_rest() {
        let line = br#"{"seq":3,"at":"2026-01-01T00:00:00.002Z","direction":"inbound","message":{"jsonrpc":"2.0","method":"session/update","params":{"sessionId":"s","update":{"content":{"text":"a\"b"},"sessionUpdate":"agent_message_chunk"}},"result":null}}"#;
        assert_eq!(
            skim_session_event(line),
            Some(SkimmedSession {
                seq: 3,
                at: Some("2026-01-01T00:00:00.002Z"),
                direction: Some("inbound"),
                message: Some(SkimmedMessage {
                    id: None,
                    method: Some("session/update"),
                    session_update: Some("agent_message_chunk"),
                    has_result: false,
                    has_error: false,
                }),
            })
        );
        let response = br#"{"seq":4,"message":{"id":-7,"error":{"code":1}}}"#;
        let message = skim_session_event(response).and_then(|e| e.message);
        assert_eq!(
            message.as_ref().and_then(|m| m.id.as_ref()),
            Some(&SkimmedId::Number(-7))
        );
        assert_eq!(message.map(|m| m.has_error), Some(true));
    }

    #[test]
    fn anything_unusual_is_left_to_serde() {
        for line in [
            &br#"{"seq":1,"seq":2}"#[..],
            br#"{"at":"x"}"#,
            br#"{"seq":1,"message":[1]}"#,
            br#"{"seq":1,"message":{"id":1.0}}"#,
            br#"{"seq":1,"message":{"id":-0}}"#,
            br#"{"seq":1,"message":{"id":99999999999999999999}}"#,
            br#"{"seq":1,"message":{"id":"\u0031"}}"#,
            br#"{"seq":1,"message":{"id":true}}"#,
            br#"{"seq":1,"message":{"id":1,"id":2}}"#,
            br#"{"seq":1,"message":{"params":[{"update":{}}]}}"#,
            br#"{"seq":1,"message":{"params":{"update":{"sessionUpdate":1}}}}"#,
            br#"{"seq":1,"message":{"params":{"update":{"sessionUpdate":"a","sessionUpdate":"b"}}}}"#,
            br#"{"seq":1,"direction":7}"#,
            br#"{"seq":1} x"#,
            br#"{"seq":1,"message":{"method":"a"}"#,
        ] {
            assert_eq!(skim_session_event(line), None, "{}", String::from_utf8_lossy(line));
        }
    }
}
