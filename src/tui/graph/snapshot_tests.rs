//! Snapshots of the graph pane on a real run (branching-review, at the
//! frame where `review_loop#2` finished), plus helpers the layout and
//! widget tests share.

use std::path::Path;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use super::layout::GraphLayout;
use super::widget::{GraphStyles, GraphView, NodeOverlay};
use super::{map_layout, rail_layout};
use crate::bundle::flow::FlowDefinition;
use crate::model::Run;

pub(crate) const BRANCHING: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/sample-runs/2026-11-23T163116156Z-gen-branching-review-432a4eb8"
);

pub(crate) fn branching_flow() -> FlowDefinition {
    let path = Path::new(BRANCHING).join("flow.json");
    let value: serde_json::Value =
        crate::bundle::read_json_as(Path::new(BRANCHING), &path).expect("flow.json");
    FlowDefinition::from_value(value).expect("flow definition")
}

/// Node states of the real run at the end of attempt `spec`, which is current.
pub(crate) fn overlay_at(spec: &str) -> Vec<NodeOverlay> {
    let run = Run::open(Path::new(BRANCHING)).expect("run");
    let at = run.find_attempt(spec).expect("attempt");
    let attempt = &run.attempts[at];
    run.node_frames_at(attempt.seq_end(&run.bundle.trace))
        .iter()
        .enumerate()
        .map(|(i, f)| NodeOverlay {
            status: f.status,
            attempts: f.attempts,
            is_current: attempt.flow_node() == Some(i),
            rerun: false,
        })
        .collect()
}

pub(crate) fn render(
    layout: &GraphLayout,
    flow: &FlowDefinition,
    overlay: &[NodeOverlay],
    size: (u16, u16),
    scroll: (u16, u16),
) -> Buffer {
    let area = Rect::new(0, 0, size.0, size.1);
    let mut buf = Buffer::empty(area);
    let styles = GraphStyles::plain();
    GraphView {
        layout,
        flow,
        overlay,
        scroll,
        styles: &styles,
    }
    .render(area, &mut buf);
    buf
}

/// The buffer's symbols, one string per row, trailing blanks trimmed.
pub(crate) fn lines(buf: &Buffer) -> Vec<String> {
    let area = buf.area;
    (area.top()..area.bottom())
        .map(|y| {
            let mut line = String::new();
            let mut x = area.left();
            while x < area.right() {
                let symbol = buf.cell((x, y)).map_or(" ", |c| c.symbol());
                line.push_str(symbol);
                x += 1;
            }
            line.trim_end().to_string()
        })
        .collect()
}

#[test]
fn map_at_review_loop_2() {
    let flow = branching_flow();
    let layout = map_layout(&flow);
    let overlay = overlay_at("review_loop#2");
    let buf = render(&layout, &flow, &overlay, (160, 40), (0, 0));
    insta::assert_snapshot!("map_review_loop_2", lines(&buf).join("\n"));
}

#[test]
fn rail_at_review_loop_2() {
    let flow = branching_flow();
    let layout = rail_layout(&flow);
    let overlay = overlay_at("review_loop#2");
    let buf = render(&layout, &flow, &overlay, (80, 20), (0, 0));
    insta::assert_snapshot!("rail_review_loop_2", lines(&buf).join("\n"));
}
