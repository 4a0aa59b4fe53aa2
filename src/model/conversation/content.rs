//! ACP content as the agent sent it: `ContentBlock`s (text, image, audio,
//! resource_link, resource) and a tool call's `ToolCallContent` (content,
//! diff, terminal), with every large string capped and the cut recorded.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use super::TEXT_CAP;
use crate::humanize;

/// What capping left out of one string field: bytes, and how many chunks
/// (for text merged from chunks) did not fit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Cut {
    pub bytes: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub chunks: u64,
}

/// Cuts by JSON pointer of the capped field inside its object (`/text`,
/// `/resource/text`, `/newText`); serialized as `reelCut`.
pub type Cuts = BTreeMap<String, Cut>;

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// `… [text cut: 1.2 MiB more in 40,000 chunks]` for the cut of `field`.
pub fn cut_note(cuts: &Cuts, field: &str) -> Option<String> {
    let cut = cuts.get(field)?;
    let chunks = match cut.chunks {
        0 => String::new(),
        n => format!(" in {} chunks", humanize::count(n)),
    };
    Some(format!(
        "… [{} cut: {} more{chunks}]",
        field.trim_start_matches('/'),
        humanize::bytes(cut.bytes)
    ))
}

/// Keeps at most `room` bytes of `text` (on a char boundary); returns how
/// many bytes were dropped.
fn keep_prefix(text: &mut String, room: usize) -> u64 {
    if text.len() <= room {
        return 0;
    }
    let mut keep = room;
    while !text.is_char_boundary(keep) {
        keep -= 1;
    }
    let dropped = (text.len() - keep) as u64;
    text.truncate(keep);
    dropped
}

/// Caps every string inside `value` to `TEXT_CAP`, recording each cut under
/// its JSON pointer (below `at`).
fn cap_strings(value: &mut Value, at: &str, cuts: &mut Cuts) {
    match value {
        Value::String(text) => {
            let bytes = keep_prefix(text, TEXT_CAP);
            if bytes > 0 {
                cuts.entry(at.to_string()).or_default().bytes += bytes;
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                cap_strings(item, &format!("{at}/{i}"), cuts);
            }
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                let key = key.replace('~', "~0").replace('/', "~1");
                cap_strings(item, &format!("{at}/{key}"), cuts);
            }
        }
        _ => {}
    }
}

/// One ACP `ContentBlock`, its fields exactly as sent (strings capped).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentBlock {
    #[serde(flatten)]
    pub fields: Map<String, Value>,
    #[serde(rename = "reelCut", skip_serializing_if = "Cuts::is_empty")]
    pub cut: Cuts,
}

/// A media or resource block's facts, for a one-line label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFacts<'a> {
    pub mime_type: Option<&'a str>,
    /// Decoded size of base64 `data` / `blob` (before any cap).
    pub bytes: Option<u64>,
}

impl ContentBlock {
    /// A block from the log; a bare string is a text block.
    pub fn from_value(value: &Value) -> Self {
        let mut fields = match value {
            Value::Object(map) => map.clone(),
            Value::String(text) => {
                let mut map = Map::new();
                map.insert("type".into(), "text".into());
                map.insert("text".into(), text.clone().into());
                map
            }
            other => {
                let mut map = Map::new();
                map.insert("value".into(), other.clone());
                map
            }
        };
        // Our own annotation; an agent's field of that name would collide.
        fields.remove("reelCut");
        let mut cut = Cuts::new();
        for (key, item) in fields.iter_mut() {
            cap_strings(item, &format!("/{key}"), &mut cut);
        }
        ContentBlock { fields, cut }
    }

    pub fn text_block(text: &str) -> Self {
        Self::from_value(&Value::String(text.to_string()))
    }

    /// `type`; a block without one but with `text` is text (older agents).
    pub fn kind(&self) -> &str {
        match self.fields.get("type").and_then(Value::as_str) {
            Some(kind) => kind,
            None if self.fields.get("text").is_some_and(Value::is_string) => "text",
            None => "unknown",
        }
    }

    fn str_field(&self, key: &str) -> Option<&str> {
        self.fields.get(key).and_then(Value::as_str)
    }

    /// The text of a text block.
    pub fn text(&self) -> Option<&str> {
        (self.kind() == "text")
            .then(|| self.str_field("text"))
            .flatten()
    }

    pub fn uri(&self) -> Option<&str> {
        self.str_field("uri")
            .or_else(|| self.resource().and_then(|r| r.get("uri")?.as_str()))
    }

    pub fn title(&self) -> Option<&str> {
        self.str_field("title").or_else(|| self.str_field("name"))
    }

    fn resource(&self) -> Option<&Map<String, Value>> {
        self.fields.get("resource").and_then(Value::as_object)
    }

    /// Text of an embedded `resource` (a `TextResourceContents`).
    pub fn resource_text(&self) -> Option<&str> {
        self.resource()?.get("text")?.as_str()
    }

    /// Mime type and size of an image, audio, resource link or resource.
    pub fn media(&self) -> MediaFacts<'_> {
        let resource = self.resource();
        let mime_type = self
            .str_field("mimeType")
            .or_else(|| resource.and_then(|r| r.get("mimeType")?.as_str()));
        let decoded = |pointer: &str, data: Option<&str>| {
            data.map(|d| base64_len(d, self.cut.get(pointer).map_or(0, |c| c.bytes)))
        };
        let bytes = match self.kind() {
            "image" | "audio" => decoded("/data", self.str_field("data")),
            "resource_link" => self.fields.get("size").and_then(Value::as_u64),
            "resource" => match self.resource_text() {
                Some(text) => {
                    Some(text.len() as u64 + self.cut.get("/resource/text").map_or(0, |c| c.bytes))
                }
                None => decoded(
                    "/resource/blob",
                    resource.and_then(|r| r.get("blob")?.as_str()),
                ),
            },
            _ => None,
        };
        MediaFacts { mime_type, bytes }
    }

    /// One line naming a non-text block: `image image/png 67 B`,
    /// `link Design notes file:///…`, `resource file:///… text/x-toml 40 B`.
    pub fn label(&self) -> String {
        let media = self.media();
        let mut parts: Vec<String> = Vec::new();
        let kind = match self.kind() {
            "resource_link" => "link",
            other => other,
        };
        parts.push(kind.to_string());
        if self.kind() == "resource_link" {
            if let Some(title) = self.title() {
                parts.push(title.to_string());
            }
        }
        if let Some(uri) = self.uri() {
            parts.push(uri.to_string());
        }
        if let Some(mime) = media.mime_type {
            parts.push(mime.to_string());
        }
        if let Some(bytes) = media.bytes {
            parts.push(humanize::bytes(bytes));
        }
        parts.join(" ")
    }

    /// Text a search should look into: text, resource text, title, URI.
    pub fn searchable_text(&self) -> String {
        match self.text() {
            Some(text) => text.to_string(),
            None => {
                let mut out = self.label();
                if let Some(text) = self.resource_text() {
                    out.push('\n');
                    out.push_str(text);
                }
                out
            }
        }
    }

    /// Appends a text chunk to this text block up to `TEXT_CAP`.
    pub(super) fn push_text(&mut self, chunk: &str) {
        let Some(Value::String(text)) = self.fields.get_mut("text") else {
            return;
        };
        let room = TEXT_CAP.saturating_sub(text.len());
        let mut keep = chunk.len().min(room);
        while !chunk.is_char_boundary(keep) {
            keep -= 1;
        }
        text.push_str(&chunk[..keep]);
        if keep < chunk.len() {
            let entry = self.cut.entry("/text".to_string()).or_default();
            entry.bytes += (chunk.len() - keep) as u64;
            entry.chunks += 1;
        }
    }

    /// Counts a chunk that was cut whole by `from_value` (the first chunk
    /// of a block over the cap).
    pub(super) fn count_first_chunk(&mut self) {
        if let Some(cut) = self.cut.get_mut("/text") {
            cut.chunks = cut.chunks.max(1);
        }
    }
}

/// Decoded length of base64 text of `kept + cut` characters.
fn base64_len(kept: &str, cut: u64) -> u64 {
    let total = kept.len() as u64 + cut;
    let padding = if cut == 0 {
        kept.bytes().rev().take(2).filter(|b| *b == b'=').count() as u64
    } else {
        0
    };
    (total / 4 * 3 + (total % 4).saturating_sub(1)).saturating_sub(padding)
}

/// One item of a tool call's `content`, in ACP's shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToolCallContent {
    Content {
        content: ContentBlock,
    },
    Diff(Diff),
    Terminal(Terminal),
    /// A `type` this version does not know, kept as sent.
    #[serde(untagged)]
    Unknown(ContentBlock),
}

impl ToolCallContent {
    pub fn from_value(value: &Value) -> Self {
        let str_of = |key: &str| value.get(key).and_then(Value::as_str);
        match str_of("type") {
            Some("content") => ToolCallContent::Content {
                content: ContentBlock::from_value(value.get("content").unwrap_or(&Value::Null)),
            },
            Some("diff") => {
                let mut cut = Cuts::new();
                let mut capped = |key: &str| {
                    let mut text = str_of(key)?.to_string();
                    let bytes = keep_prefix(&mut text, TEXT_CAP);
                    if bytes > 0 {
                        cut.insert(format!("/{key}"), Cut { bytes, chunks: 0 });
                    }
                    Some(text)
                };
                ToolCallContent::Diff(Diff {
                    path: capped("path").unwrap_or_default(),
                    old_text: capped("oldText"),
                    new_text: capped("newText").unwrap_or_default(),
                    cut,
                })
            }
            Some("terminal") => ToolCallContent::Terminal(Terminal {
                terminal_id: str_of("terminalId").unwrap_or_default().to_string(),
                ..Terminal::default()
            }),
            _ => ToolCallContent::Unknown(ContentBlock::from_value(value)),
        }
    }

    /// Text a search should look into.
    pub fn searchable_text(&self) -> String {
        match self {
            ToolCallContent::Content { content } | ToolCallContent::Unknown(content) => {
                content.searchable_text()
            }
            ToolCallContent::Diff(diff) => format!(
                "{}\n{}\n{}",
                diff.path,
                diff.old_text.as_deref().unwrap_or(""),
                diff.new_text
            ),
            ToolCallContent::Terminal(terminal) => {
                let mut out = terminal.terminal_id.clone();
                for part in terminal.command.iter().chain(&terminal.args) {
                    out.push(' ');
                    out.push_str(part);
                }
                if let Some(output) = &terminal.output {
                    out.push('\n');
                    out.push_str(output);
                }
                out
            }
        }
    }
}

/// A file edit: `oldText` is `None` (JSON null) for a new file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diff {
    pub path: String,
    pub old_text: Option<String>,
    pub new_text: String,
    #[serde(rename = "reelCut", skip_serializing_if = "Cuts::is_empty")]
    pub cut: Cuts,
}

/// Lines added and removed by a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LineCounts {
    pub added: usize,
    pub removed: usize,
}

impl Diff {
    pub fn is_new_file(&self) -> bool {
        self.old_text.is_none()
    }

    /// `+added −removed` of the kept text (a line diff; a capped text
    /// counts only its kept prefix, see `is_cut`).
    pub fn line_counts(&self) -> LineCounts {
        let old = self.old_text.as_deref().unwrap_or("");
        let mut counts = LineCounts::default();
        for change in similar::TextDiff::from_lines(old, &self.new_text).iter_all_changes() {
            match change.tag() {
                similar::ChangeTag::Insert => counts.added += 1,
                similar::ChangeTag::Delete => counts.removed += 1,
                similar::ChangeTag::Equal => {}
            }
        }
        counts
    }

    pub fn is_cut(&self) -> bool {
        !self.cut.is_empty()
    }
}

/// How a terminal's command ended (`TerminalExitStatus`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExitStatus {
    pub exit_code: Option<i64>,
    pub signal: Option<String>,
}

impl ExitStatus {
    pub fn from_value(value: &Value) -> Self {
        ExitStatus {
            exit_code: value.get("exitCode").and_then(Value::as_i64),
            signal: value
                .get("signal")
                .and_then(Value::as_str)
                .map(str::to_string),
        }
    }

    /// `exit 0`, `signal SIGTERM`.
    pub fn label(&self) -> String {
        match (self.exit_code, &self.signal) {
            (Some(code), _) => format!("exit {code}"),
            (None, Some(signal)) => format!("signal {signal}"),
            (None, None) => "exited".to_string(),
        }
    }

    pub fn success(&self) -> bool {
        self.exit_code == Some(0)
    }
}

/// A terminal embedded in a tool call, with what the client's answers in
/// the same log say about it: the command (`terminal/create`), the output
/// (`terminal/output`) and how it ended (`terminal/wait_for_exit`, or the
/// output's `exitStatus`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Terminal {
    pub terminal_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncated: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_status: Option<ExitStatus>,
    /// A `terminal/wait_for_exit` was asked and not answered in the range.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub waiting_for_exit: bool,
    /// The turn ended while a wait for this terminal was unanswered (the
    /// agent left it running).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub waiting_at_turn_end: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub released: bool,
    #[serde(rename = "reelCut", skip_serializing_if = "Cuts::is_empty")]
    pub cut: Cuts,
}

impl Terminal {
    /// `exit 0`, `signal SIGTERM (after the turn ended)`, `running
    /// (waiting for exit)`, or `no exit status`.
    pub fn status_label(&self) -> String {
        let late = if self.waiting_at_turn_end {
            " (after the turn ended)"
        } else {
            ""
        };
        match (&self.exit_status, self.waiting_for_exit) {
            (Some(status), _) => format!("{}{late}", status.label()),
            (None, true) => "running (waiting for exit)".to_string(),
            (None, false) => "no exit status".to_string(),
        }
    }

    /// Records a `terminal/output` answer (the whole output so far).
    pub(super) fn set_output(&mut self, result: &Value) {
        let mut output = result
            .get("output")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let bytes = keep_prefix(&mut output, TEXT_CAP);
        self.cut.remove("/output");
        if bytes > 0 {
            self.cut
                .insert("/output".to_string(), Cut { bytes, chunks: 0 });
        }
        self.output = Some(output);
        self.truncated = result.get("truncated").and_then(Value::as_bool);
        if let Some(status) = result.get("exitStatus").filter(|s| s.is_object()) {
            self.exit_status = Some(ExitStatus::from_value(status));
        }
    }
}
