//! Channel routing in the gap between two layers: every edge piece that is
//! not a straight drop gets a horizontal track (a row of the gap). Pieces
//! leaving one port together (a switch fanning out) or entering one port
//! together (a join) share a track; a fan-out never shares with a fan-in,
//! so a shared line never suggests an edge that does not exist.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// Which boundary of the gap an end of a piece touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Side {
    /// The upper layer (its bottom border, or a line passing through it).
    Top,
    /// The lower layer.
    Bottom,
}

/// One piece of an edge inside one gap. `a` is the end nearer the edge's
/// source, `b` the end nearer its target.
#[derive(Debug, Clone)]
pub(super) struct Piece {
    pub a: (i64, Side),
    pub b: (i64, Side),
    /// Row of the gap holding the horizontal part; `None` for a straight drop.
    pub track: Option<usize>,
}

impl Piece {
    pub fn new(a: (i64, Side), b: (i64, Side)) -> Piece {
        Piece { a, b, track: None }
    }

    fn needs_track(&self) -> bool {
        self.a.0 != self.b.0 || self.a.1 == self.b.1
    }

    /// Columns where this piece crosses the gap's last row.
    pub fn tail_columns(&self) -> impl Iterator<Item = i64> {
        let straight = !self.needs_track();
        [self.a, self.b]
            .into_iter()
            .filter(move |end| straight || end.1 == Side::Bottom)
            .map(|end| end.0)
    }
}

struct Group {
    lo: i64,
    hi: i64,
    members: Vec<usize>,
}

/// Assigns tracks to the pieces of one gap; returns how many tracks it used.
pub(super) fn assign(pieces: &mut [Piece]) -> usize {
    let mut sources: HashMap<(i64, Side), usize> = HashMap::new();
    for piece in pieces.iter() {
        *sources.entry(piece.a).or_default() += 1;
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut by_key: HashMap<(bool, (i64, Side)), usize> = HashMap::new();
    for (i, piece) in pieces.iter().enumerate() {
        if !piece.needs_track() {
            continue;
        }
        let fan_out = sources.get(&piece.a).copied().unwrap_or(0) > 1;
        let key = if fan_out {
            (true, piece.a)
        } else {
            (false, piece.b)
        };
        let (lo, hi) = (piece.a.0.min(piece.b.0), piece.a.0.max(piece.b.0));
        let at = *by_key.entry(key).or_insert_with(|| {
            groups.push(Group {
                lo,
                hi,
                members: Vec::new(),
            });
            groups.len() - 1
        });
        let group = &mut groups[at];
        group.lo = group.lo.min(lo);
        group.hi = group.hi.max(hi);
        group.members.push(i);
    }
    let order = constrained_order(pieces, &groups);
    let mut rows: Vec<Vec<(i64, i64)>> = Vec::new();
    let mut track_of = vec![0usize; groups.len()];
    for (g, lowest) in order {
        let Group { lo, hi, .. } = groups[g];
        let floor = lowest.iter().map(|&p| track_of[p] + 1).max().unwrap_or(0);
        let mut t = floor;
        while rows
            .get(t)
            .is_some_and(|row| row.iter().any(|&(l, h)| lo <= h + 1 && l <= hi + 1))
        {
            t += 1;
        }
        if rows.len() <= t {
            rows.resize(t + 1, Vec::new());
        }
        rows[t].push((lo, hi));
        track_of[g] = t;
        for &m in &groups[g].members {
            pieces[m].track = Some(t);
        }
    }
    rows.len()
}

/// Groups in an order where a group hanging from the top at column x comes
/// before (above) a group rising from the bottom at x, so their vertical
/// lines never run into each other. Each group comes with the groups that
/// must sit above it. Cycles are broken by position.
fn constrained_order(pieces: &[Piece], groups: &[Group]) -> Vec<(usize, Vec<usize>)> {
    let mut top_at: HashMap<i64, usize> = HashMap::new();
    let mut bottom_at: HashMap<i64, usize> = HashMap::new();
    for (g, group) in groups.iter().enumerate() {
        for &m in &group.members {
            for end in [pieces[m].a, pieces[m].b] {
                match end.1 {
                    Side::Top => top_at.insert(end.0, g),
                    Side::Bottom => bottom_at.insert(end.0, g),
                };
            }
        }
    }
    let mut above: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    let mut below: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    for (x, &upper) in &top_at {
        if let Some(&lower) = bottom_at.get(x) {
            if lower != upper && !above[lower].contains(&upper) {
                above[lower].push(upper);
                below[upper].push(lower);
            }
        }
    }
    let mut waiting: Vec<usize> = above.iter().map(Vec::len).collect();
    let mut ready: BinaryHeap<Reverse<(i64, usize)>> = (0..groups.len())
        .filter(|&g| waiting[g] == 0)
        .map(|g| Reverse((groups[g].lo, g)))
        .collect();
    let mut done = vec![false; groups.len()];
    let mut order = Vec::with_capacity(groups.len());
    loop {
        let next = match ready.pop() {
            Some(Reverse((_, g))) => g,
            // A cycle: take the leftmost group still waiting.
            None => match (0..groups.len())
                .filter(|&g| !done[g])
                .min_by_key(|&g| groups[g].lo)
            {
                Some(g) => g,
                None => break,
            },
        };
        if done[next] {
            continue;
        }
        done[next] = true;
        let placed: Vec<usize> = above[next].iter().copied().filter(|&p| done[p]).collect();
        order.push((next, placed));
        for &l in &below[next] {
            waiting[l] = waiting[l].saturating_sub(1);
            if waiting[l] == 0 && !done[l] {
                ready.push(Reverse((groups[l].lo, l)));
            }
        }
    }
    order
}
