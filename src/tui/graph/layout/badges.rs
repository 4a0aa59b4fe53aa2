//! What a node card says besides its id: a short type badge and the
//! semantic badges the upstream viewer derives (start, end, branch). Here
//! rather than in the widget because box widths depend on them.

use std::collections::HashSet;

use crate::bundle::flow::{FlowDefinition, FlowEdge, FlowNode};
use crate::sanitize::sanitize_line;

/// Widest attempt count a card reserves room for (`×99`).
pub const ATTEMPTS_WIDTH: usize = 3;

/// ACP / ACT / SH / FN / CMP / CHK / DEC, or the first three letters of an
/// unknown type, upper-cased.
pub fn type_badge(node: &FlowNode) -> String {
    let known = match node.node_type.as_str() {
        "acp" => "ACP",
        "action" => match node.action_execution() {
            Some("shell") => "SH",
            Some("function") => "FN",
            _ => "ACT",
        },
        "compute" => "CMP",
        "checkpoint" => "CHK",
        "decision" => "DEC",
        other => {
            return sanitize_line(other)
                .chars()
                .take(3)
                .collect::<String>()
                .to_uppercase();
        }
    };
    known.to_string()
}

/// The semantic badges of one node.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeFlags {
    pub start: bool,
    /// No outgoing edge: the run ends here.
    pub end: bool,
    /// A switch with more than one distinct target.
    pub branch: bool,
}

impl NodeFlags {
    pub fn words(self) -> impl Iterator<Item = &'static str> {
        [
            (self.start, "start"),
            (self.end, "end"),
            (self.branch, "branch"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, word)| word)
    }
}

/// Flags of every node, indexed like `flow.nodes`.
pub fn node_flags(flow: &FlowDefinition) -> Vec<NodeFlags> {
    let index: std::collections::HashMap<&str, usize> = flow
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let mut flags = vec![
        NodeFlags {
            end: true,
            ..NodeFlags::default()
        };
        flow.nodes.len()
    ];
    if let Some(start) = flow.start_at.as_deref().and_then(|id| index.get(id)) {
        flags[*start].start = true;
    }
    for edge in &flow.edges {
        let Some(&from) = index.get(edge.from()) else {
            continue;
        };
        flags[from].end = false;
        if let FlowEdge::Switch { cases, .. } = edge {
            let targets: HashSet<&str> = cases.iter().map(|(_, to)| to.as_str()).collect();
            flags[from].branch |= targets.len() > 1;
        }
    }
    flags
}

/// Width of a card's second line: `TYPE ×NN start end branch`.
pub fn detail_width(node: &FlowNode, flags: NodeFlags) -> usize {
    let words: usize = flags.words().map(|w| w.len() + 1).sum();
    type_badge(node).chars().count() + 1 + ATTEMPTS_WIDTH + words
}
