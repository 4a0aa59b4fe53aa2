//! A permission request (`session/request_permission`) and its answer: the
//! title, the options by name with the chosen one marked, and a clear mark
//! of the outcome: ✓ allowed, ✗ rejected, ⊘ cancelled, or still waiting.
//!
//! ```text
//! ? permission: Edit README.md   ✓ allowed (Allow once)
//!   ▸ Allow once · Allow always · Reject once
//! ```

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use serde_json::Value;

use crate::tui::theme::Theme;
use crate::tui::ui::text::{clean, truncate, width, wrap_line};

/// What the answer did, from the chosen option's `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Rejected,
    /// The prompt was cancelled before an option was chosen.
    Cancelled,
    /// An option was chosen whose kind says neither (unknown kinds).
    Chosen,
    Waiting,
}

/// One option as the agent offered it (`PermissionOption`).
#[derive(Debug, Clone, Copy)]
pub struct Choice<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
}

impl<'a> Choice<'a> {
    pub fn from_value(option: &'a Value) -> Choice<'a> {
        let text = |name: &str| option.get(name).and_then(Value::as_str).unwrap_or("");
        let id = text("optionId");
        let name = match text("name") {
            "" => id,
            name => name,
        };
        Choice {
            id,
            name,
            kind: text("kind"),
        }
    }
}

/// The verdict of choosing `selected` (an `optionId`, or None) among
/// `options`, `cancelled` when the outcome was `cancelled`.
pub fn verdict(options: &[Choice], selected: Option<&str>, cancelled: bool) -> Verdict {
    if cancelled {
        return Verdict::Cancelled;
    }
    let Some(selected) = selected else {
        return Verdict::Waiting;
    };
    let kind = options.iter().find(|o| o.id == selected).map(|o| o.kind);
    match kind {
        Some(kind) if kind.starts_with("allow") => Verdict::Allowed,
        Some(kind) if kind.starts_with("reject") => Verdict::Rejected,
        _ => Verdict::Chosen,
    }
}

pub fn permission_lines(
    title: &str,
    options: &[Choice],
    selected: Option<&str>,
    cancelled: bool,
    cols: usize,
    theme: &Theme,
    past: bool,
) -> Vec<Line<'static>> {
    let dim = |style: Style| if past { style.patch(theme.dim) } else { style };
    let chosen = options.iter().find(|o| Some(o.id) == selected);
    let chosen_name = chosen.map_or_else(
        || selected.map(clean).unwrap_or_default(),
        |o| clean(o.name),
    );
    let (mark, style) = match verdict(options, selected, cancelled) {
        Verdict::Allowed => (format!("✓ allowed ({chosen_name})"), theme.agent),
        Verdict::Rejected => (format!("✗ rejected ({chosen_name})"), theme.warning),
        Verdict::Cancelled => ("⊘ cancelled (no option chosen)".to_string(), theme.warning),
        Verdict::Chosen => (format!("→ {chosen_name}"), theme.key),
        Verdict::Waiting => ("… no answer in the log".to_string(), theme.dim),
    };
    let head = format!("? permission: {}", clean(title));
    let room = cols.saturating_sub(width(&mark) + 2).max(cols / 2);
    let mut lines = wrap_line(
        &Line::from(vec![
            Span::styled(truncate(&head, room), dim(theme.key)),
            Span::raw("  "),
            Span::styled(mark, dim(style)),
        ]),
        cols,
        2,
    );
    let mut spans = vec![Span::raw("  ")];
    for (i, option) in options.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.dim));
        }
        let name = clean(option.name);
        if Some(option.id) == selected {
            spans.push(Span::styled(format!("▸ {name}"), dim(theme.title)));
        } else {
            spans.push(Span::styled(name, theme.dim));
        }
    }
    if !options.is_empty() {
        lines.extend(wrap_line(&Line::from(spans), cols, 2));
    }
    lines
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn options(values: &[Value]) -> Vec<Choice<'_>> {
        values.iter().map(Choice::from_value).collect()
    }

    fn offered() -> Vec<Value> {
        vec![
            json!({"optionId": "yes-1", "name": "Allow once", "kind": "allow_once"}),
            json!({"optionId": "always", "name": "Allow always", "kind": "allow_always"}),
            json!({"optionId": "no-1", "name": "Reject once", "kind": "reject_once"}),
        ]
    }

    #[test]
    fn the_kind_of_the_chosen_option_decides_the_mark() {
        let values = offered();
        let options = options(&values);
        assert_eq!(verdict(&options, Some("always"), false), Verdict::Allowed);
        assert_eq!(verdict(&options, Some("no-1"), false), Verdict::Rejected);
        assert_eq!(verdict(&options, None, true), Verdict::Cancelled);
        assert_eq!(verdict(&options, None, false), Verdict::Waiting);
        assert_eq!(verdict(&options, Some("other"), false), Verdict::Chosen);
    }

    #[test]
    fn names_the_options_and_marks_the_chosen_one() {
        let values = offered();
        let options = options(&values);
        let theme = Theme::colored();
        let lines = permission_lines(
            "Edit README.md",
            &options,
            Some("no-1"),
            false,
            80,
            &theme,
            false,
        );
        let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        assert_eq!(
            text,
            [
                "? permission: Edit README.md  ✗ rejected (Reject once)",
                "  Allow once · Allow always · ▸ Reject once",
            ]
        );
        assert_eq!(lines[0].spans[2].style, theme.warning);
        let allowed = permission_lines("Read", &options, Some("yes-1"), false, 80, &theme, false);
        assert_eq!(
            allowed[0].to_string(),
            "? permission: Read  ✓ allowed (Allow once)"
        );
        let cancelled = permission_lines("Read", &options, None, true, 80, &theme, false);
        assert!(cancelled[0]
            .to_string()
            .ends_with("⊘ cancelled (no option chosen)"));
    }

    #[test]
    fn narrow_panes_wrap_and_hostile_names_are_cleaned() {
        let values =
            vec![json!({"optionId": "a", "name": "Allow\u{1b}[2J 翻訳🇯🇵", "kind": "allow_once"})];
        let options = options(&values);
        let lines = permission_lines("t", &options, Some("a"), false, 16, &Theme::plain(), false);
        for line in &lines {
            assert!(line.width() <= 16, "{line}");
            assert!(!line.to_string().contains('\u{1b}'));
        }
    }
}
