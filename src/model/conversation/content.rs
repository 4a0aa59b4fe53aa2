//! ACP `ContentBlock`s as the agent sent them (text, image, audio,
//! resource_link, resource), every large string capped and the cut
//! recorded, with the facts a view needs (kind, media size, label).

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
pub(super) fn keep_prefix(text: &mut String, room: usize) -> u64 {
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
