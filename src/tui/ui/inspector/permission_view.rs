//! A permission request (`session/request_permission`) and its answer: the
//! title, the options by name with the chosen one marked, and a clear mark
//! of the outcome: ✓ allowed, ✗ rejected, ⊘ cancelled, or still waiting.
//!
//! ```text
//! ? permission: Edit README.md  ✓ allowed (Allow once)
//!   ▸ Allow once · Allow always · Reject once
//! ```
//!
//! The outcome is the model's (`Permission::outcome`, from the chosen
//! option's kind).

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::model::conversation::{Permission, PermissionOutcome};
use crate::tui::theme::Theme;
use crate::tui::ui::text::{clean, wrap_line};

pub fn permission_lines(
    permission: &Permission,
    cols: usize,
    theme: &Theme,
    past: bool,
) -> Vec<Line<'static>> {
    let dim = |style: Style| if past { style.patch(theme.dim) } else { style };
    let selected = permission.selected.as_deref();
    let chosen_name = permission.chosen().map_or_else(
        || selected.map(clean).unwrap_or_default(),
        |o| clean(&o.name),
    );
    let (mark, style) = match (permission.outcome, selected) {
        (Some(PermissionOutcome::Allowed), _) => {
            (format!("✓\u{a0}allowed ({chosen_name})"), theme.agent)
        }
        (Some(PermissionOutcome::Rejected), _) => {
            (format!("✗\u{a0}rejected ({chosen_name})"), theme.warning)
        }
        (Some(PermissionOutcome::Cancelled), _) => (
            "⊘\u{a0}cancelled (no option chosen)".to_string(),
            theme.warning,
        ),
        (_, Some(_)) => (format!("→ {chosen_name}"), theme.key),
        (_, None) => ("… no answer in the log".to_string(), theme.dim),
    };
    let head = format!("? permission: {}", clean(&permission.title));
    // Wrapped, not cut: the title says what was asked. The mark's glyph
    // and word are joined by a no-break space so they stay together.
    let mut lines = wrap_line(
        &Line::from(vec![
            Span::styled(head, dim(theme.key)),
            Span::raw("  "),
            Span::styled(mark, dim(style)),
        ]),
        cols,
        2,
    );
    let mut spans = vec![Span::raw("  ")];
    for (i, option) in permission.options.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.dim));
        }
        let name = clean(&option.name);
        if Some(option.option_id.as_str()) == selected {
            spans.push(Span::styled(format!("▸ {name}"), dim(theme.title)));
        } else {
            spans.push(Span::styled(name, theme.dim));
        }
    }
    if !permission.options.is_empty() {
        lines.extend(wrap_line(&Line::from(spans), cols, 2));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::conversation::PermissionOption;

    fn permission(selected: Option<&str>, outcome: Option<PermissionOutcome>) -> Permission {
        let option = |id: &str, name: &str, kind: &str| PermissionOption {
            option_id: id.to_string(),
            name: name.to_string(),
            kind: kind.to_string(),
        };
        Permission {
            seq: 1,
            title: "Edit README.md".to_string(),
            tool_call_id: None,
            tool_kind: None,
            options: vec![
                option("yes-1", "Allow once", "allow_once"),
                option("always", "Allow always", "allow_always"),
                option("no-1", "Reject once", "reject_once"),
            ],
            selected: selected.map(str::to_string),
            outcome,
        }
    }

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn names_the_options_and_marks_the_chosen_one() {
        let theme = Theme::colored();
        let rejected = permission(Some("no-1"), Some(PermissionOutcome::Rejected));
        let lines = permission_lines(&rejected, 80, &theme, false);
        assert_eq!(
            text(&lines),
            [
                "? permission: Edit README.md  ✗\u{a0}rejected (Reject once)",
                "  Allow once · Allow always · ▸ Reject once",
            ]
        );
        assert_eq!(lines[0].spans[2].style, theme.warning);
        let allowed = permission(Some("yes-1"), Some(PermissionOutcome::Allowed));
        assert_eq!(
            permission_lines(&allowed, 80, &theme, false)[0].to_string(),
            "? permission: Edit README.md  ✓\u{a0}allowed (Allow once)"
        );
        let cancelled = permission(None, Some(PermissionOutcome::Cancelled));
        assert!(permission_lines(&cancelled, 80, &theme, false)[0]
            .to_string()
            .ends_with("⊘\u{a0}cancelled (no option chosen)"));
        let waiting = permission(None, None);
        assert!(permission_lines(&waiting, 80, &theme, false)[0]
            .to_string()
            .ends_with("no answer in the log"));
    }

    #[test]
    fn narrow_panes_wrap_and_hostile_names_are_cleaned() {
        let mut hostile = permission(Some("yes-1"), Some(PermissionOutcome::Allowed));
        hostile.options[0].name = "Allow\u{1b}[2J 翻訳\u{1F1EF}\u{1F1F5}".to_string();
        let lines = permission_lines(&hostile, 16, &Theme::plain(), false);
        for line in &lines {
            assert!(line.width() <= 16, "{line}");
            assert!(!line.to_string().contains('\u{1b}'));
        }
    }
}
