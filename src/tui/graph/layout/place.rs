//! Horizontal placement: each element's centre column, pulled towards its
//! neighbours in the adjacent layer while keeping the layer's order and
//! spacing. Each layer is one weighted isotonic regression (pool adjacent
//! violators), so a sweep is linear and straight chains come out straight.

use super::order::Layers;

/// Columns between two node boxes of a layer, and around a dummy.
const NODE_GAP: i64 = 4;
const DUMMY_GAP: i64 = 2;

/// Nodes weigh more than dummies: the flow's main line stays straight and
/// an edge that skips layers bulges aside (then runs straight again).
const NODE_WEIGHT: f64 = 8.0;
const DUMMY_WEIGHT: f64 = 1.0;
/// Elements with no neighbour on the reference side barely move.
const IDLE_WEIGHT: f64 = 0.05;

/// Centre columns (may be negative; the caller shifts them).
pub(super) fn centres(layers: &Layers, widths: &[i64], nodes: usize, sweeps: usize) -> Vec<i64> {
    let mut x = vec![0f64; layers.len()];
    for row in &layers.rows {
        let mut at = 0f64;
        for (i, &e) in row.iter().enumerate() {
            if i > 0 {
                at += separation(row[i - 1], e, widths, nodes) as f64;
            }
            x[e] = at;
        }
        // Centre every layer on the same axis to start from a symmetric shape.
        let shift = at / 2.0;
        for &e in row {
            x[e] -= shift;
        }
    }
    for sweep in 0..sweeps {
        let down = sweep % 2 == 0;
        let order: Vec<usize> = if down {
            (1..layers.rows.len()).collect()
        } else {
            (0..layers.rows.len().saturating_sub(1)).rev().collect()
        };
        for r in order {
            let row = &layers.rows[r];
            let wanted: Vec<(f64, f64)> = row
                .iter()
                .map(|&e| {
                    let near = if down {
                        &layers.preds[e]
                    } else {
                        &layers.succs[e]
                    };
                    if near.is_empty() {
                        return (x[e], IDLE_WEIGHT);
                    }
                    let weight = if e >= nodes {
                        DUMMY_WEIGHT
                    } else {
                        NODE_WEIGHT
                    };
                    (median(near, &x, nodes), weight * near.len() as f64)
                })
                .collect();
            let gaps: Vec<i64> = row
                .windows(2)
                .map(|p| separation(p[0], p[1], widths, nodes))
                .collect();
            for (e, value) in row.iter().zip(solve(&wanted, &gaps)) {
                x[*e] = value;
            }
        }
    }
    let mut out = vec![0i64; layers.len()];
    for row in &layers.rows {
        let mut prev: Option<usize> = None;
        for &e in row {
            let mut c = x[e].round() as i64;
            if let Some(p) = prev {
                c = c.max(out[p] + separation(p, e, widths, nodes));
            }
            out[e] = c;
            prev = Some(e);
        }
    }
    snap(layers, widths, nodes, &mut out);
    out
}

/// Rounding and uneven widths leave near-misses of a column or two; a
/// jog that small reads as noise, so pull such elements in line with a
/// predecessor (top-down), pushing neighbours aside when they are not in
/// line with anything themselves.
fn snap(layers: &Layers, widths: &[i64], nodes: usize, x: &mut [i64]) {
    const REACH: i64 = 3;
    let aligned = |x: &[i64], e: usize| layers.preds[e].iter().any(|&p| x[p] == x[e]);
    for row in layers.rows.iter().skip(1) {
        for i in 0..row.len() {
            let e = row[i];
            if aligned(x, e) {
                continue;
            }
            let Some(target) = layers.preds[e]
                .iter()
                .map(|&p| x[p])
                .filter(|&t| (t - x[e]).abs() <= REACH)
                .min_by_key(|&t| (t - x[e]).abs())
            else {
                continue;
            };
            let mut moved = vec![(e, target)];
            let sep = |a: usize, b: usize| separation(a, b, widths, nodes);
            // Neighbours on the side we move towards, pushed just enough.
            let ok = if target > x[e] {
                let mut at = target;
                row[i + 1..].iter().zip(&row[i..]).all(|(&next, &prev)| {
                    let want = x[next].max(at + sep(prev, next));
                    at = want;
                    if want == x[next] {
                        return true;
                    }
                    moved.push((next, want));
                    !aligned(x, next)
                })
            } else {
                let mut at = target;
                row[..i]
                    .iter()
                    .rev()
                    .zip(row[..=i].iter().rev())
                    .all(|(&next, &prev)| {
                        let want = x[next].min(at - sep(next, prev));
                        at = want;
                        if want == x[next] {
                            return true;
                        }
                        moved.push((next, want));
                        !aligned(x, next)
                    })
            };
            if ok {
                for (m, to) in moved {
                    x[m] = to;
                }
            }
        }
    }
}

/// Median of the neighbours' positions: one far neighbour does not drag an
/// element off its main line. Between two middle neighbours a node wins
/// over a dummy (a chain with a skip stays straight instead of drifting by
/// half a box per skip); two of a kind meet halfway.
fn median(near: &[usize], x: &[f64], nodes: usize) -> f64 {
    let mut sorted: Vec<usize> = near.to_vec();
    sorted.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        return x[sorted[mid]];
    }
    let (a, b) = (sorted[mid - 1], sorted[mid]);
    match (a < nodes, b < nodes) {
        (true, false) => x[a],
        (false, true) => x[b],
        _ => (x[a] + x[b]) / 2.0,
    }
}

/// Minimum distance between the centres of two neighbours in a layer.
/// A box of width `w` spans `w / 2` columns left of its centre.
fn separation(left: usize, right: usize, widths: &[i64], nodes: usize) -> i64 {
    let gap = if left >= nodes || right >= nodes {
        DUMMY_GAP
    } else {
        NODE_GAP
    };
    let wl = widths[left];
    let wr = widths[right];
    (wl - wl / 2) + gap + wr / 2
}

/// Positions closest (weighted least squares) to `wanted` such that
/// `p[i + 1] - p[i] >= gaps[i]`: shift each target by its cumulative gap,
/// then pool adjacent violators.
fn solve(wanted: &[(f64, f64)], gaps: &[i64]) -> Vec<f64> {
    let mut offset = Vec::with_capacity(wanted.len());
    let mut acc = 0f64;
    for i in 0..wanted.len() {
        if i > 0 {
            acc += gaps[i - 1] as f64;
        }
        offset.push(acc);
    }
    // Blocks of (weight, weighted sum, length) over shifted targets.
    let mut blocks: Vec<(f64, f64, usize)> = Vec::new();
    for (i, &(target, weight)) in wanted.iter().enumerate() {
        blocks.push((weight, weight * (target - offset[i]), 1));
        while blocks.len() > 1 {
            let (w2, s2, n2) = blocks[blocks.len() - 1];
            let (w1, s1, n1) = blocks[blocks.len() - 2];
            if s1 / w1 <= s2 / w2 {
                break;
            }
            blocks.pop();
            let last = blocks.len() - 1;
            blocks[last] = (w1 + w2, s1 + s2, n1 + n2);
        }
    }
    let mut out = Vec::with_capacity(wanted.len());
    for (weight, sum, len) in blocks {
        let level = sum / weight;
        for _ in 0..len {
            out.push(level + offset[out.len()]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::solve;

    #[test]
    fn isotonic_solution_respects_gaps_and_targets() {
        let out = solve(&[(0.0, 1.0), (0.0, 1.0)], &[10]);
        assert_eq!(out, vec![-5.0, 5.0]);
        let out = solve(&[(0.0, 1.0), (30.0, 1.0)], &[10]);
        assert_eq!(out, vec![0.0, 30.0]);
        let out = solve(&[(0.0, 3.0), (0.0, 1.0)], &[8]);
        assert_eq!(out, vec![-2.0, 6.0], "the heavier element moves less");
    }
}
