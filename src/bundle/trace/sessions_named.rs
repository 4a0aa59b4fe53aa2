//! The sessions a trace names (`sessionId` of its events), each once, in
//! the order it first names them. Kept as the index is built, so that
//! opening a run does not read every entry again to find them (13 ms on a
//! run of 3.3M events), and stored in the index snapshot.

use super::Sym;

#[derive(Debug, Default, Clone)]
pub(crate) struct SessionsNamed {
    order: Vec<Sym>,
    /// Bit `sym.index()`: `sym` is in `order` (symbols are dense, so a
    /// trace naming a million sessions costs a bit each, and no hashing).
    seen: Vec<u64>,
    /// The session noted last: the events of one session mostly come in
    /// runs, and those are not looked up again.
    last: Option<Sym>,
}

/// Equal when the same sessions are named in the same order (`seen` and
/// `last` follow from what was noted).
impl PartialEq for SessionsNamed {
    fn eq(&self, other: &Self) -> bool {
        self.order == other.order
    }
}

impl SessionsNamed {
    /// Notes an event naming `session`.
    #[inline]
    pub(crate) fn note(&mut self, session: Sym) {
        if self.last == Some(session) {
            return;
        }
        self.last = Some(session);
        let (word, bit) = (session.index() / 64, session.index() % 64);
        if self.seen.len() <= word {
            // Grown by half again at least: amortized over many sessions.
            let grown = (word + 1).max(self.seen.len() * 3 / 2);
            self.seen.resize(grown, 0);
        }
        if self.seen[word] >> bit & 1 == 0 {
            self.seen[word] |= 1 << bit;
            self.order.push(session);
        }
    }

    /// The sessions, in the order first named.
    pub(crate) fn order(&self) -> &[Sym] {
        &self.order
    }

    /// The list `order()` gave, if it is one: each symbol at most once.
    pub(crate) fn from_order(order: Vec<Sym>) -> Option<SessionsNamed> {
        let mut named = SessionsNamed::default();
        for &sym in &order {
            let before = named.order.len();
            named.note(sym);
            if named.order.len() == before {
                return None;
            }
        }
        Some(named)
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.order.capacity() * std::mem::size_of::<Sym>() + self.seen.capacity() * 8
    }

    pub(crate) fn shrink_to_fit(&mut self) {
        self.order.shrink_to_fit();
        self.seen.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::intern::Interner;

    #[test]
    fn each_session_once_in_the_order_first_named() {
        let mut strings = Interner::default();
        let syms: Vec<Sym> = (0..200).map(|i| strings.intern(&format!("s{i}"))).collect();
        let mut named = SessionsNamed::default();
        // Runs of one session, a return to an earlier one, far symbols.
        for &i in &[5usize, 5, 5, 3, 5, 199, 3, 0, 64, 63, 199, 0] {
            named.note(syms[i]);
        }
        let expected: Vec<Sym> = [5usize, 3, 199, 0, 64, 63]
            .iter()
            .map(|&i| syms[i])
            .collect();
        assert_eq!(named.order(), &expected[..]);
        let again =
            SessionsNamed::from_order(expected.clone()).expect("a list of distinct symbols");
        assert_eq!(again, named);
        let mut twice = expected;
        twice.push(syms[3]);
        assert_eq!(SessionsNamed::from_order(twice), None);
    }
}
