//! Mouse input for the app: clicks pick a timeline row, a graph node or a
//! pane; the wheel scrolls the pane under it.

use crossterm::event::{MouseEvent, MouseEventKind};
use ratatui::layout::Position;

use super::action::Action;
use super::app::{App, Screen};
use super::message::Effect;
use super::run_view::Pane;

impl App {
    pub(super) fn mouse(&mut self, mouse: MouseEvent) -> Vec<Effect> {
        let at = Position::new(mouse.column, mouse.row);
        let hits = &self.hits;
        match &mut self.screen {
            Screen::Run(view) => {
                match mouse.kind {
                    MouseEventKind::Down(_) => {
                        if let Some(&(_, attempt)) =
                            hits.timeline_rows.iter().find(|(r, _)| r.contains(at))
                        {
                            view.focus = Pane::Timeline;
                            view.set_cursor(
                                view.run.attempts[attempt].seq_end(&view.run.bundle.trace),
                            );
                        } else if let Some(&(_, node)) =
                            hits.graph_nodes.iter().find(|(r, _)| r.contains(at))
                        {
                            view.focus = Pane::Graph;
                            // A node jumps to its latest attempt (or stays put if unvisited).
                            if let Some(&last) = view.run.node_attempts.of(node).last() {
                                view.set_cursor(
                                    view.run.attempts[last as usize]
                                        .seq_end(&view.run.bundle.trace),
                                );
                            }
                        } else if hits.inspector.contains(at) {
                            view.focus = Pane::Inspector;
                        } else if hits.graph.contains(at) {
                            view.focus = Pane::Graph;
                        }
                    }
                    MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                        let down = mouse.kind == MouseEventKind::ScrollDown;
                        if hits.inspector.contains(at) {
                            view.focus = Pane::Inspector;
                            view.apply(
                                if down {
                                    Action::NextStep
                                } else {
                                    Action::PrevStep
                                },
                                1,
                            );
                        } else if hits.timeline.contains(at) {
                            view.focus = Pane::Timeline;
                            view.apply(
                                if down {
                                    Action::NextStep
                                } else {
                                    Action::PrevStep
                                },
                                1,
                            );
                        } else if hits.graph.contains(at) {
                            // The wheel pans the graph (as on a map).
                            view.apply(if down { Action::PanDown } else { Action::PanUp }, 1);
                        }
                    }
                    _ => return Vec::new(),
                }
                view.inspect_effect().into_iter().collect()
            }
            Screen::Browser(browser) => {
                match mouse.kind {
                    MouseEventKind::Down(_) => {
                        if let Some(&(_, index)) =
                            hits.browser_rows.iter().find(|(r, _)| r.contains(at))
                        {
                            if browser.selected == index {
                                return self.act(Action::Activate);
                            }
                            browser.selected = index;
                        }
                    }
                    MouseEventKind::ScrollDown => {
                        browser.apply(Action::NextStep, 1);
                    }
                    MouseEventKind::ScrollUp => {
                        browser.apply(Action::PrevStep, 1);
                    }
                    _ => {}
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}
