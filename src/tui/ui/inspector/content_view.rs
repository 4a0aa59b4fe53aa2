//! ACP content blocks that are not text, as labelled placeholders: an
//! image or audio clip with its mime type and decoded size, a resource
//! link with its title and URI, an embedded resource with its URI, mime
//! type and text (folded to a few lines) or the size of its blob. Works
//! on the block as the agent sent it (`{"type":"image","mimeType","data"}`
//! …), so any field left out is simply not shown.

use ratatui::text::{Line, Span};
use serde_json::Value;

use crate::humanize;
use crate::tui::theme::Theme;
use crate::tui::ui::text::{clean, truncate, wrap};

/// Lines of an embedded resource's text shown while folded.
pub const FOLDED_LINES: usize = 4;

/// Bytes that base64 `data` decodes to (padding and whitespace ignored),
/// worked out from its length without decoding it.
pub fn decoded_len(data: &str) -> u64 {
    let digits = data
        .bytes()
        .filter(|b| {
            b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/' || *b == b'-' || *b == b'_'
        })
        .count() as u64;
    digits / 4 * 3 + (digits % 4).saturating_sub(1)
}

fn field<'a>(value: &'a Value, name: &str) -> Option<&'a str> {
    value.get(name).and_then(Value::as_str)
}

/// The lines of one non-text block (`None` for text blocks and for
/// anything that is not a block: the caller draws those).
pub fn block_lines(
    block: &Value,
    unfolded: bool,
    cols: usize,
    theme: &Theme,
) -> Option<Vec<Line<'static>>> {
    let kind = field(block, "type")?;
    let mime = |v: &Value| {
        field(v, "mimeType")
            .map(clean)
            .unwrap_or_else(|| "?".into())
    };
    let size = |v: &Value| {
        field(v, "data")
            .or_else(|| field(v, "blob"))
            .map(|d| humanize::bytes(decoded_len(d)))
            .unwrap_or_else(|| "no data".into())
    };
    let label = |glyph: &str, what: String| {
        Line::from(vec![
            Span::styled(format!("{glyph} "), theme.tool),
            Span::styled(truncate(&what, cols.saturating_sub(2)), theme.dim),
        ])
    };
    let lines = match kind {
        "image" => {
            let uri = field(block, "uri")
                .map(|u| format!(" · {}", clean(u)))
                .unwrap_or_default();
            vec![label(
                "▣",
                format!("image {} · {}{uri}", mime(block), size(block)),
            )]
        }
        "audio" => vec![label(
            "♪",
            format!("audio {} · {}", mime(block), size(block)),
        )],
        "resource_link" => {
            let uri = field(block, "uri").map(clean).unwrap_or_default();
            let title = field(block, "title")
                .or_else(|| field(block, "name"))
                .map(clean)
                .unwrap_or_default();
            let extra = [
                field(block, "mimeType").map(clean),
                block
                    .get("size")
                    .and_then(Value::as_u64)
                    .map(humanize::bytes),
            ]
            .into_iter()
            .flatten()
            .map(|s| format!(" · {s}"))
            .collect::<String>();
            vec![label("↗", format!("{title} <{uri}>{extra}"))]
        }
        "resource" => {
            let resource = block.get("resource").unwrap_or(&Value::Null);
            let uri = field(resource, "uri").map(clean).unwrap_or_default();
            match field(resource, "text") {
                Some(text) => {
                    let mut lines =
                        vec![label("▤", format!("resource {uri} · {}", mime(resource)))];
                    let all: Vec<&str> = text.lines().collect();
                    let keep = if unfolded { all.len() } else { FOLDED_LINES };
                    lines.extend(wrap(
                        &all[..keep.min(all.len())].join("\n"),
                        cols,
                        Span::styled("  ┆ ", theme.dim),
                        Span::styled("  ┆ ", theme.dim),
                        theme.text,
                    ));
                    if all.len() > keep {
                        lines.push(Line::styled(
                            truncate(
                                &format!(
                                    "  … {} more lines (Enter to unfold)",
                                    humanize::count((all.len() - keep) as u64)
                                ),
                                cols,
                            ),
                            theme.key,
                        ));
                    }
                    lines
                }
                None => vec![label(
                    "▤",
                    format!("resource {uri} · {} · {}", mime(resource), size(resource)),
                )],
            }
        }
        _ => return None,
    };
    Some(lines)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn base64_sizes_are_decoded_lengths() {
        // Lengths of encodings worked out by hand: "abc" → "YWJj",
        // "ab" → "YWI=", "a" → "YQ==".
        assert_eq!(decoded_len("YWJj"), 3);
        assert_eq!(decoded_len("YWI="), 2);
        assert_eq!(decoded_len("YQ=="), 1);
        assert_eq!(decoded_len("YWJj\nYWJj"), 6);
        assert_eq!(decoded_len(""), 0);
    }

    #[test]
    fn media_and_links_are_labelled() {
        let theme = Theme::plain();
        let image = json!({"type": "image", "mimeType": "image/png", "data": "YWJjYWJj"});
        assert_eq!(
            text(&block_lines(&image, false, 60, &theme).expect("image")),
            ["▣ image image/png · 6 B"]
        );
        let audio = json!({"type": "audio", "mimeType": "audio/wav", "data": "YQ=="});
        assert_eq!(
            text(&block_lines(&audio, false, 60, &theme).expect("audio")),
            ["♪ audio audio/wav · 1 B"]
        );
        let link = json!({"type": "resource_link", "uri": "file:///a/spec.pdf", "name": "spec.pdf",
            "title": "The spec", "mimeType": "application/pdf", "size": 2048});
        assert_eq!(
            text(&block_lines(&link, false, 80, &theme).expect("link")),
            ["↗ The spec <file:///a/spec.pdf> · application/pdf · 2 KiB"]
        );
        assert!(block_lines(&json!({"type": "text", "text": "hi"}), false, 60, &theme).is_none());
    }

    #[test]
    fn embedded_text_folds_and_blobs_show_their_size() {
        let theme = Theme::plain();
        let body: String = (1..=6).map(|i| format!("row {i}\n")).collect();
        let resource = json!({"type": "resource", "resource":
            {"uri": "file:///w/notes.txt", "mimeType": "text/plain", "text": body}});
        let folded = text(&block_lines(&resource, false, 60, &theme).expect("resource"));
        assert_eq!(folded[0], "▤ resource file:///w/notes.txt · text/plain");
        assert_eq!(folded[1], "  ┆ row 1");
        assert_eq!(folded.len(), 1 + FOLDED_LINES + 1);
        assert_eq!(
            folded[FOLDED_LINES + 1],
            format!("  … {} more lines (Enter to unfold)", 6 - FOLDED_LINES)
        );
        let unfolded = block_lines(&resource, true, 60, &theme).expect("resource");
        assert_eq!(unfolded.len(), 1 + 6);
        let blob = json!({"type": "resource", "resource":
            {"uri": "file:///w/p.png", "mimeType": "image/png", "blob": "YWJj"}});
        assert_eq!(
            text(&block_lines(&blob, false, 60, &theme).expect("blob")),
            ["▤ resource file:///w/p.png · image/png · 3 B"]
        );
    }

    #[test]
    fn hostile_fields_are_cleaned() {
        let link = json!({"type": "resource_link", "uri": "x\u{1b}[2J", "title": "t\u{202e}"});
        let shown = text(&block_lines(&link, false, 60, &Theme::plain()).expect("link")).concat();
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{202e}'),
            "{shown}"
        );
    }
}
