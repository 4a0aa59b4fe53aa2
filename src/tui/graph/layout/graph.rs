//! The flow as an index graph: edges resolved to node positions, back edges
//! found by DFS, a topological-ish row order and longest-path ranks. Shared
//! by the map and the rail so both agree on what is a loop.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use crate::bundle::flow::{FlowDefinition, FlowEdge};

/// One drawn edge: every (from, to) pair once, switch cases to the same
/// target merged into one label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Edge {
    pub from: usize,
    pub to: usize,
    pub label: Option<String>,
    /// Closes a cycle (or enters the start node): drawn against the flow.
    pub back: bool,
}

#[derive(Debug, Clone)]
pub(super) struct Graph {
    pub n: usize,
    pub start: Option<usize>,
    pub edges: Vec<Edge>,
    /// Edge positions leaving each node, in authoring order.
    pub out: Vec<Vec<usize>>,
    /// Nodes that have no outgoing edge in the flow (terminal).
    pub terminal: Vec<bool>,
    /// Nodes in reading order: forward edges always point down this list.
    pub order: Vec<usize>,
}

impl Graph {
    pub fn new(flow: &FlowDefinition) -> Graph {
        let n = flow.nodes.len();
        let index: HashMap<&str, usize> = flow
            .nodes
            .iter()
            .enumerate()
            .map(|(i, node)| (node.id.as_str(), i))
            .collect();
        let mut terminal = vec![true; n];
        let mut edges: Vec<Edge> = Vec::new();
        let mut pair: HashMap<(usize, usize), usize> = HashMap::new();
        for edge in &flow.edges {
            let Some(&from) = index.get(edge.from()) else {
                continue;
            };
            terminal[from] = false;
            for (label, to) in edge_targets(edge) {
                let Some(&to) = index.get(to) else { continue };
                match pair.get(&(from, to)) {
                    Some(&at) => merge_label(&mut edges[at].label, label),
                    None => {
                        pair.insert((from, to), edges.len());
                        edges.push(Edge {
                            from,
                            to,
                            label: label.map(str::to_string),
                            back: false,
                        });
                    }
                }
            }
        }
        let mut out = vec![Vec::new(); n];
        for (at, edge) in edges.iter().enumerate() {
            out[edge.from].push(at);
        }
        let start = match flow.start_at.as_deref() {
            Some(id) => index.get(id).copied(),
            None => None,
        }
        .or(if n > 0 { Some(0) } else { None });
        let mut graph = Graph {
            n,
            start,
            edges,
            out,
            terminal,
            order: Vec::new(),
        };
        let preorder = graph.mark_back_edges();
        graph.order = graph.topological(&preorder);
        graph
    }

    /// Iterative DFS from the start, then from each unreached node in flow
    /// order; an edge to a node still on the stack closes a cycle. Edges into
    /// the start are back edges too, so the start always comes first.
    /// Returns each node's preorder number.
    fn mark_back_edges(&mut self) -> Vec<usize> {
        const NEW: u8 = 0;
        const OPEN: u8 = 1;
        let mut state = vec![NEW; self.n];
        let mut preorder = vec![0; self.n];
        let mut counter = 0;
        let roots = self.start.into_iter().chain(0..self.n);
        let mut stack: Vec<(usize, usize)> = Vec::new();
        for root in roots {
            if state[root] != NEW {
                continue;
            }
            state[root] = OPEN;
            preorder[root] = counter;
            counter += 1;
            stack.push((root, 0));
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                let Some(&at) = self.out[node].get(*next) else {
                    state[node] = 2;
                    stack.pop();
                    continue;
                };
                *next += 1;
                let to = self.edges[at].to;
                if state[to] == OPEN || Some(to) == self.start {
                    self.edges[at].back = true;
                } else if state[to] == NEW {
                    state[to] = OPEN;
                    preorder[to] = counter;
                    counter += 1;
                    stack.push((to, 0));
                }
            }
        }
        preorder
    }

    /// Kahn's algorithm over forward edges, taking the ready node with the
    /// smallest DFS preorder: branches read in authoring order and a join
    /// waits for all its inputs.
    fn topological(&self, preorder: &[usize]) -> Vec<usize> {
        let mut indegree = vec![0usize; self.n];
        for edge in self.edges.iter().filter(|e| !e.back) {
            indegree[edge.to] += 1;
        }
        let mut ready: BinaryHeap<Reverse<(usize, usize)>> = (0..self.n)
            .filter(|&v| indegree[v] == 0)
            .map(|v| Reverse((preorder[v], v)))
            .collect();
        let mut order = Vec::with_capacity(self.n);
        while let Some(Reverse((_, v))) = ready.pop() {
            order.push(v);
            for &at in &self.out[v] {
                let edge = &self.edges[at];
                if edge.back {
                    continue;
                }
                indegree[edge.to] -= 1;
                if indegree[edge.to] == 0 {
                    ready.push(Reverse((preorder[edge.to], edge.to)));
                }
            }
        }
        order
    }

    /// Layer of each node: longest path over forward edges; sources other
    /// than the start sit just above their first successor; terminal nodes
    /// share the last layer, as the upstream viewer draws them.
    pub fn ranks(&self) -> Vec<usize> {
        let mut rank = vec![0usize; self.n];
        let mut has_pred = vec![false; self.n];
        for &v in &self.order {
            for &at in &self.out[v] {
                let edge = &self.edges[at];
                if !edge.back {
                    rank[edge.to] = rank[edge.to].max(rank[v] + 1);
                    has_pred[edge.to] = true;
                }
            }
        }
        for &v in self.order.iter().rev() {
            if has_pred[v] || Some(v) == self.start {
                continue;
            }
            let lowest = self.forward_targets(v).map(|t| rank[t]).min();
            if let Some(lowest) = lowest {
                rank[v] = rank[v].max(lowest.saturating_sub(1));
            }
        }
        let last = rank.iter().copied().max().unwrap_or(0);
        for (v, r) in rank.iter_mut().enumerate() {
            if self.terminal[v] && Some(v) != self.start {
                *r = last;
            }
        }
        rank
    }

    pub fn forward_targets(&self, v: usize) -> impl Iterator<Item = usize> + '_ {
        self.out[v]
            .iter()
            .map(|&at| &self.edges[at])
            .filter(|e| !e.back)
            .map(|e| e.to)
    }
}

fn edge_targets(edge: &FlowEdge) -> Vec<(Option<&str>, &str)> {
    match edge {
        FlowEdge::Direct { to, .. } => vec![(None, to.as_str())],
        FlowEdge::Switch { cases, .. } => cases
            .iter()
            .map(|(case, to)| (Some(case.as_str()), to.as_str()))
            .collect(),
    }
}

fn merge_label(label: &mut Option<String>, more: Option<&str>) {
    match (label.as_mut(), more) {
        (Some(text), Some(more)) => {
            text.push('/');
            text.push_str(more);
        }
        (None, Some(more)) => *label = Some(more.to_string()),
        _ => {}
    }
}
