//! Layers of elements (nodes plus one dummy per layer an edge skips) and
//! their left-to-right order: barycenter sweeps, keeping the ordering with
//! the fewest crossings (counted in O(E log V) per layer pair).

use super::graph::Graph;

/// Element ids `0..n` are the flow nodes; dummies follow.
#[derive(Debug, Clone)]
pub(super) struct Layers {
    pub layer: Vec<usize>,
    pub preds: Vec<Vec<usize>>,
    pub succs: Vec<Vec<usize>>,
    /// Element ids of each layer, left to right.
    pub rows: Vec<Vec<usize>>,
    /// For each forward edge (by position in `Graph::edges`): the elements it
    /// runs through, source node first, target node last. Empty for back edges.
    pub chains: Vec<Vec<usize>>,
}

impl Layers {
    pub fn new(graph: &Graph, rank: &[usize]) -> Layers {
        let depth = rank.iter().copied().max().map_or(0, |r| r + 1);
        let mut layers = Layers {
            layer: rank.to_vec(),
            preds: vec![Vec::new(); graph.n],
            succs: vec![Vec::new(); graph.n],
            rows: vec![Vec::new(); depth],
            chains: vec![Vec::new(); graph.edges.len()],
        };
        // Initial order: reading order, each edge's dummies right after its
        // source, which is already close to a DFS drawing.
        for &v in &graph.order {
            layers.rows[rank[v]].push(v);
            for &at in &graph.out[v] {
                let edge = &graph.edges[at];
                if edge.back {
                    continue;
                }
                let mut chain = vec![v];
                for r in rank[v] + 1..rank[edge.to] {
                    let dummy = layers.layer.len();
                    layers.layer.push(r);
                    layers.preds.push(Vec::new());
                    layers.succs.push(Vec::new());
                    layers.rows[r].push(dummy);
                    chain.push(dummy);
                }
                chain.push(edge.to);
                for pair in chain.windows(2) {
                    layers.succs[pair[0]].push(pair[1]);
                    layers.preds[pair[1]].push(pair[0]);
                }
                layers.chains[at] = chain;
            }
        }
        layers
    }

    pub fn len(&self) -> usize {
        self.layer.len()
    }

    /// Barycenter sweeps down and up; keeps the best ordering seen.
    pub fn reduce_crossings(&mut self, passes: usize) {
        let mut pos = self.positions();
        let mut best = self.rows.clone();
        let mut best_count = self.crossings(&pos);
        for pass in 0..passes * 2 {
            if best_count == 0 {
                break;
            }
            let down = pass % 2 == 0;
            let layer_ids: Vec<usize> = if down {
                (1..self.rows.len()).collect()
            } else {
                (0..self.rows.len().saturating_sub(1)).rev().collect()
            };
            for r in layer_ids {
                let mut keyed: Vec<(f64, usize)> = self.rows[r]
                    .iter()
                    .map(|&e| {
                        let near = if down { &self.preds[e] } else { &self.succs[e] };
                        (barycenter(near, &pos).unwrap_or(pos[e] as f64), e)
                    })
                    .collect();
                keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
                for (i, (_, e)) in keyed.iter().enumerate() {
                    self.rows[r][i] = *e;
                    pos[*e] = i;
                }
            }
            let count = self.crossings(&pos);
            if count < best_count {
                best_count = count;
                best.clone_from(&self.rows);
            }
        }
        self.rows = best;
    }

    /// Position of every element within its layer.
    pub fn positions(&self) -> Vec<usize> {
        let mut pos = vec![0; self.len()];
        for row in &self.rows {
            for (i, &e) in row.iter().enumerate() {
                pos[e] = i;
            }
        }
        pos
    }

    /// Edge crossings between all adjacent layers (inversions counted with a
    /// Fenwick tree, as in Barth, Jünger and Mutzel).
    fn crossings(&self, pos: &[usize]) -> u64 {
        let mut total = 0;
        let mut lower: Vec<usize> = Vec::new();
        for pair in self.rows.windows(2) {
            lower.clear();
            for &e in &pair[0] {
                let start = lower.len();
                lower.extend(self.succs[e].iter().map(|&s| pos[s]));
                lower[start..].sort_unstable();
            }
            let mut tree = vec![0u64; pair[1].len() + 1];
            for (seen, &p) in lower.iter().enumerate() {
                // Earlier edges ending strictly right of `p` cross this one.
                let not_right = prefix_sum(&tree, p + 1);
                total += seen as u64 - not_right;
                let mut i = p + 1;
                while i < tree.len() {
                    tree[i] += 1;
                    i += i & i.wrapping_neg();
                }
            }
        }
        total
    }
}

fn prefix_sum(tree: &[u64], mut i: usize) -> u64 {
    let mut sum = 0;
    while i > 0 {
        sum += tree[i];
        i -= i & i.wrapping_neg();
    }
    sum
}

fn barycenter(near: &[usize], pos: &[usize]) -> Option<f64> {
    if near.is_empty() {
        return None;
    }
    let sum: usize = near.iter().map(|&e| pos[e]).sum();
    Some(sum as f64 / near.len() as f64)
}
