//! A tool call's `ToolCallContent` in ACP's shape: content blocks, diffs
//! (with their line counts) and terminals (with what the client answered
//! about them), large texts capped.

use serde::Serialize;
use serde_json::Value;

use super::content::{keep_prefix, ContentBlock, Cut, Cuts};
use super::TEXT_CAP;

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
