//! Styles. With `NO_COLOR` set every style drops its colours but keeps its
//! modifiers, so the selection and the current step stay visible.

use ratatui::style::{Color, Modifier, Style};

use super::graph::GraphStyles;
use crate::model::NodeStatus;

#[derive(Debug, Clone)]
pub struct Theme {
    pub color: bool,
    pub text: Style,
    pub dim: Style,
    pub title: Style,
    pub border: Style,
    pub border_focused: Style,
    pub selection: Style,
    pub header: Style,
    pub status_bar: Style,
    pub key: Style,
    pub user: Style,
    pub agent: Style,
    pub thought: Style,
    pub tool: Style,
    pub error: Style,
    pub hit: Style,
    pub slice_marker: Style,
    pub json_key: Style,
    pub json_string: Style,
    pub json_number: Style,
    /// Unified diffs: added and removed lines, hunk headers.
    pub diff_added: Style,
    pub diff_removed: Style,
    pub diff_hunk: Style,
    /// Warnings: stop reasons other than `end_turn`, rejected permissions.
    pub warning: Style,
    pub graph: GraphStyles,
}

impl Theme {
    pub fn colored() -> Theme {
        let fg = |c: Color| Style::default().fg(c);
        Theme {
            color: true,
            text: Style::default(),
            dim: fg(Color::DarkGray),
            title: Style::default().add_modifier(Modifier::BOLD),
            border: fg(Color::DarkGray),
            border_focused: fg(Color::Cyan),
            selection: Style::default()
                .bg(Color::Rgb(40, 60, 90))
                .add_modifier(Modifier::BOLD),
            header: Style::default().add_modifier(Modifier::BOLD),
            status_bar: Style::default().bg(Color::Rgb(30, 30, 40)),
            key: fg(Color::Yellow).add_modifier(Modifier::BOLD),
            user: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            agent: fg(Color::Green).add_modifier(Modifier::BOLD),
            thought: fg(Color::Magenta).add_modifier(Modifier::ITALIC),
            tool: fg(Color::Yellow),
            error: fg(Color::Red).add_modifier(Modifier::BOLD),
            hit: Style::default().bg(Color::Yellow).fg(Color::Black),
            slice_marker: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            json_key: fg(Color::Blue),
            json_string: fg(Color::Green),
            json_number: fg(Color::Magenta),
            diff_added: fg(Color::Green),
            diff_removed: fg(Color::Red),
            diff_hunk: fg(Color::Cyan),
            warning: fg(Color::LightRed).add_modifier(Modifier::BOLD),
            graph: GraphStyles::colored(),
        }
    }

    /// For terminals with a light background: dark ink, pale highlights.
    pub fn light() -> Theme {
        let fg = |c: Color| Style::default().fg(c);
        Theme {
            dim: fg(Color::Gray),
            border: fg(Color::Gray),
            border_focused: fg(Color::Blue),
            selection: Style::default()
                .bg(Color::Rgb(200, 220, 245))
                .add_modifier(Modifier::BOLD),
            status_bar: Style::default().bg(Color::Rgb(225, 225, 232)),
            key: fg(Color::Rgb(150, 90, 0)).add_modifier(Modifier::BOLD),
            user: fg(Color::Blue).add_modifier(Modifier::BOLD),
            agent: fg(Color::Rgb(0, 120, 0)).add_modifier(Modifier::BOLD),
            tool: fg(Color::Rgb(150, 90, 0)),
            json_string: fg(Color::Rgb(0, 120, 0)),
            diff_added: fg(Color::Rgb(0, 120, 0)),
            diff_removed: fg(Color::Rgb(170, 0, 0)),
            diff_hunk: fg(Color::Blue),
            warning: fg(Color::Rgb(170, 60, 0)).add_modifier(Modifier::BOLD),
            ..Theme::colored()
        }
    }

    pub fn plain() -> Theme {
        let none = Style::default();
        Theme {
            color: false,
            text: none,
            dim: none.add_modifier(Modifier::DIM),
            title: none.add_modifier(Modifier::BOLD),
            border: none,
            border_focused: none.add_modifier(Modifier::BOLD),
            selection: none.add_modifier(Modifier::REVERSED),
            header: none.add_modifier(Modifier::BOLD),
            status_bar: none.add_modifier(Modifier::REVERSED),
            key: none.add_modifier(Modifier::BOLD),
            user: none.add_modifier(Modifier::BOLD),
            agent: none.add_modifier(Modifier::BOLD),
            thought: none.add_modifier(Modifier::ITALIC),
            tool: none,
            error: none.add_modifier(Modifier::BOLD),
            hit: none.add_modifier(Modifier::UNDERLINED | Modifier::BOLD),
            slice_marker: none.add_modifier(Modifier::BOLD),
            json_key: none,
            json_string: none,
            json_number: none,
            diff_added: none,
            diff_removed: none,
            diff_hunk: none.add_modifier(Modifier::DIM),
            warning: none.add_modifier(Modifier::BOLD),
            graph: GraphStyles::plain(),
        }
    }

    /// The style of a node or attempt state (glyphs carry the meaning too).
    pub fn status(&self, status: NodeStatus) -> Style {
        if !self.color {
            return match status {
                NodeStatus::NotVisited => self.dim,
                NodeStatus::Failed | NodeStatus::TimedOut => self.error,
                _ => self.text,
            };
        }
        let fg = |c: Color| Style::default().fg(c);
        match status {
            NodeStatus::NotVisited => self.dim,
            NodeStatus::Running => fg(Color::Cyan).add_modifier(Modifier::BOLD),
            NodeStatus::Done => fg(Color::Green),
            NodeStatus::Failed => fg(Color::Red).add_modifier(Modifier::BOLD),
            NodeStatus::TimedOut => fg(Color::LightRed),
            NodeStatus::Cancelled => fg(Color::Yellow),
        }
    }
}
