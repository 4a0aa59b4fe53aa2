//! Styles of the graph pane. States are told apart by glyph first; styles
//! add colour where allowed and modifiers where not (`NO_COLOR`).

use ratatui::style::{Color, Modifier, Style};

use crate::model::frame::NodeStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraphStyles {
    pub border: Style,
    /// Border of the current node's card; its title adds `REVERSED`.
    pub current: Style,
    pub done: Style,
    pub failed: Style,
    pub timed_out: Style,
    pub cancelled: Style,
    pub running: Style,
    pub not_visited: Style,
    pub edge: Style,
    pub back_edge: Style,
    pub label: Style,
    pub badge: Style,
}

impl GraphStyles {
    /// No colours at all: the current node is bold with a thick border and a
    /// reversed title, unvisited nodes are dim.
    pub fn plain() -> Self {
        let none = Style::new();
        GraphStyles {
            border: none,
            current: none.add_modifier(Modifier::BOLD),
            done: none,
            failed: none.add_modifier(Modifier::BOLD),
            timed_out: none.add_modifier(Modifier::BOLD),
            cancelled: none,
            running: none.add_modifier(Modifier::BOLD),
            not_visited: none.add_modifier(Modifier::DIM),
            edge: none,
            back_edge: none.add_modifier(Modifier::DIM),
            label: none.add_modifier(Modifier::ITALIC),
            badge: none.add_modifier(Modifier::DIM),
        }
    }

    pub fn colored() -> Self {
        let plain = Self::plain();
        GraphStyles {
            border: Style::new().fg(Color::Gray),
            current: plain.current.fg(Color::Yellow),
            done: Style::new().fg(Color::Green),
            failed: plain.failed.fg(Color::Red),
            timed_out: plain.timed_out.fg(Color::LightRed),
            cancelled: Style::new().fg(Color::Magenta),
            running: plain.running.fg(Color::Cyan),
            not_visited: plain.not_visited.fg(Color::DarkGray),
            edge: Style::new().fg(Color::Gray),
            back_edge: Style::new().fg(Color::Blue),
            label: plain.label.fg(Color::LightBlue),
            badge: Style::new().fg(Color::DarkGray),
        }
    }

    pub fn status(&self, status: NodeStatus) -> Style {
        match status {
            NodeStatus::NotVisited => self.not_visited,
            NodeStatus::Running => self.running,
            NodeStatus::Done => self.done,
            NodeStatus::Failed => self.failed,
            NodeStatus::TimedOut => self.timed_out,
            NodeStatus::Cancelled => self.cancelled,
        }
    }

    /// Border of a card that is not current: dim when unvisited, in the
    /// state's style when something went wrong.
    pub fn card_border(&self, status: NodeStatus) -> Style {
        match status {
            NodeStatus::NotVisited => self.border.patch(self.not_visited),
            NodeStatus::Failed | NodeStatus::TimedOut | NodeStatus::Cancelled => {
                self.border.patch(self.status(status))
            }
            _ => self.border,
        }
    }

    /// Title of the current node: recognisable without colour.
    pub fn current_title(&self, status: NodeStatus) -> Style {
        self.status(status)
            .patch(self.current)
            .add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }
}
