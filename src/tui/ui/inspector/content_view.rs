//! ACP content blocks that are not text, as labelled placeholders: an
//! image or audio clip with its mime type and decoded size, a resource
//! link with its title and URI, an embedded resource with its URI, mime
//! type and text (folded to a few lines) or the size of its blob. The
//! facts (sizes included) are the model's (`ContentBlock::media`).

use ratatui::text::{Line, Span};

use crate::humanize;
use crate::model::conversation::ContentBlock;
use crate::tui::theme::Theme;
use crate::tui::ui::text::{clean, truncate, wrap};

/// Lines of an embedded resource's text shown while folded.
pub const FOLDED_LINES: usize = 4;

/// The lines of a block that is not text (a text block gets its label).
pub fn block_lines(
    block: &ContentBlock,
    unfolded: bool,
    cols: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let media = block.media();
    let mime = media.mime_type.map(clean).unwrap_or_else(|| "?".into());
    let size = media
        .bytes
        .map(humanize::bytes)
        .unwrap_or_else(|| "no data".into());
    let uri = block.uri().map(clean).unwrap_or_default();
    let label = |glyph: &str, what: String| {
        Line::from(vec![
            Span::styled(format!("{glyph} "), theme.tool),
            Span::styled(truncate(&what, cols.saturating_sub(2)), theme.dim),
        ])
    };
    match block.kind() {
        "image" => {
            let uri = block
                .uri()
                .map(|u| format!(" · {}", clean(u)))
                .unwrap_or_default();
            vec![label("▣", format!("image {mime} · {size}{uri}"))]
        }
        "audio" => vec![label("♪", format!("audio {mime} · {size}"))],
        "resource_link" => {
            let title = block.title().map(clean).unwrap_or_default();
            let mut what = format!("{title} <{uri}>");
            if let Some(mime) = media.mime_type {
                what.push_str(&format!(" · {}", clean(mime)));
            }
            if let Some(bytes) = media.bytes {
                what.push_str(&format!(" · {}", humanize::bytes(bytes)));
            }
            vec![label("↗", what)]
        }
        "resource" => match block.resource_text() {
            Some(text) => {
                let mut lines = vec![label("▤", format!("resource {uri} · {mime} · {size}"))];
                let all: Vec<&str> = text.lines().collect();
                let keep = if unfolded { all.len() } else { FOLDED_LINES };
                lines.extend(wrap(
                    &all[..keep.min(all.len())].join("\n"),
                    cols,
                    Span::styled("┆ ", theme.dim),
                    Span::styled("┆ ", theme.dim),
                    theme.text,
                ));
                if all.len() > keep {
                    lines.push(Line::styled(
                        truncate(
                            &format!(
                                "┆ … {} more lines (Enter to unfold)",
                                humanize::count((all.len() - keep) as u64)
                            ),
                            cols,
                        ),
                        theme.key,
                    ));
                }
                lines
            }
            None => vec![label("▤", format!("resource {uri} · {mime} · {size}"))],
        },
        _ => vec![label("·", clean(&block.label()))],
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn text(block: serde_json::Value, unfolded: bool) -> Vec<String> {
        let block = ContentBlock::from_value(&block);
        block_lines(&block, unfolded, 80, &Theme::plain())
            .iter()
            .map(|l| l.to_string())
            .collect()
    }

    #[test]
    fn media_and_links_are_labelled() {
        // Sizes by hand: "YWJjYWJj" is base64 of "abcabc" (6 bytes),
        // "YQ==" of "a".
        assert_eq!(
            text(
                json!({"type": "image", "mimeType": "image/png", "data": "YWJjYWJj"}),
                false
            ),
            ["▣ image image/png · 6 B"]
        );
        assert_eq!(
            text(
                json!({"type": "audio", "mimeType": "audio/wav", "data": "YQ=="}),
                false
            ),
            ["♪ audio audio/wav · 1 B"]
        );
        assert_eq!(
            text(
                json!({"type": "resource_link", "uri": "file:///a/spec.pdf", "name": "spec.pdf",
                    "title": "The spec", "mimeType": "application/pdf", "size": 2048}),
                false
            ),
            ["↗ The spec <file:///a/spec.pdf> · application/pdf · 2 KiB"]
        );
    }

    #[test]
    fn embedded_text_folds_and_blobs_show_their_size() {
        let body: String = (1..=6).map(|i| format!("row {i}\n")).collect();
        let resource = json!({"type": "resource", "resource":
            {"uri": "file:///w/notes.txt", "mimeType": "text/plain", "text": body}});
        let folded = text(resource.clone(), false);
        assert_eq!(
            folded[0],
            "▤ resource file:///w/notes.txt · text/plain · 36 B"
        );
        assert_eq!(folded[1], "┆ row 1");
        assert_eq!(folded.len(), 1 + FOLDED_LINES + 1);
        assert_eq!(
            folded[FOLDED_LINES + 1],
            format!("┆ … {} more lines (Enter to unfold)", 6 - FOLDED_LINES)
        );
        assert_eq!(text(resource, true).len(), 1 + 6);
        let blob = json!({"type": "resource", "resource":
            {"uri": "file:///w/p.png", "mimeType": "image/png", "blob": "YWJj"}});
        assert_eq!(
            text(blob, false),
            ["▤ resource file:///w/p.png · image/png · 3 B"]
        );
    }

    #[test]
    fn hostile_fields_are_cleaned() {
        let shown = text(
            json!({"type": "resource_link", "uri": "x\u{1b}[2J", "title": "t\u{202e}"}),
            false,
        )
        .concat();
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{202e}'),
            "{shown}"
        );
    }
}
