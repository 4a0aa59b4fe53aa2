//! String interning: ids, attempt ids and session ids repeat on thousands of
//! trace lines; the index stores a 4-byte symbol instead of each copy.
//!
//! Text lives once, in one arena; each string costs its bytes, a 4-byte end
//! offset and one or two 4-byte slots of an open-addressing table (no hash
//! is stored: a probe compares the text), so a million attempt ids cost
//! about 25 bytes each.

use std::num::NonZeroU32;

/// An interned string. `Option<Sym>` is 4 bytes thanks to the niche.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(NonZeroU32);

impl Sym {
    /// A dense number from 1 to the interner's length.
    pub fn index(self) -> usize {
        self.0.get() as usize
    }
}

#[derive(Debug, Default, Clone)]
pub struct Interner {
    text: String,
    /// End of each string in `text`, indexed by `Sym - 1` (it starts where
    /// the previous one ends).
    ends: Vec<u32>,
    /// Linear-probing table of symbols (0: empty); its length is a power of
    /// two, at most three quarters full.
    table: Vec<u32>,
}

/// Two interners are equal when they hold the same strings under the same
/// symbols (the table's layout is a detail).
impl PartialEq for Interner {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text && self.ends == other.ends
    }
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> Sym {
        if (self.ends.len() + 1) * 4 > self.table.len() * 3 {
            self.rebuild((self.ends.len() + 1) * 2);
        }
        match self.find(s) {
            Ok(sym) => sym,
            Err(slot) => {
                let sym = self.push(s);
                self.table[slot] = sym.0.get();
                sym
            }
        }
    }

    /// `Ok(sym)` when `s` is interned, else `Err(the empty slot for it)`.
    fn find(&self, s: &str) -> Result<Sym, usize> {
        if self.table.is_empty() {
            return Err(0);
        }
        let mask = self.table.len() - 1;
        let mut slot = fnv1a(s) as usize & mask;
        loop {
            match NonZeroU32::new(self.table[slot]) {
                None => return Err(slot),
                Some(id) if self.resolve(Sym(id)) == s => return Ok(Sym(id)),
                Some(_) => slot = (slot + 1) & mask,
            }
        }
    }

    /// A table of at least `wanted * 4 / 3` slots (a power of two) holding
    /// every symbol, inserted in order.
    fn rebuild(&mut self, wanted: usize) {
        let size = (wanted * 4 / 3 + 1).next_power_of_two().max(8);
        self.table = vec![0; size];
        let mask = size - 1;
        for id in 1..=self.ends.len() as u32 {
            let Some(id) = NonZeroU32::new(id) else {
                continue;
            };
            let mut slot = fnv1a(self.resolve(Sym(id))) as usize & mask;
            while self.table[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            self.table[slot] = id.get();
        }
    }

    fn push(&mut self, s: &str) -> Sym {
        self.text.push_str(s);
        self.ends
            .push(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
        let id = u32::try_from(self.ends.len()).unwrap_or(u32::MAX);
        Sym(NonZeroU32::new(id).unwrap_or(NonZeroU32::MIN))
    }

    pub fn get(&self, s: &str) -> Option<Sym> {
        self.find(s).ok()
    }

    pub fn resolve(&self, sym: Sym) -> &str {
        let i = sym.0.get() as usize - 1;
        let start = match i {
            0 => Some(0),
            _ => self.ends.get(i - 1).copied(),
        };
        start
            .zip(self.ends.get(i).copied())
            .and_then(|(start, end)| self.text.get(start as usize..end as usize))
            .unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The symbol numbered `id` (1-based), if there is one.
    pub fn sym(&self, id: u32) -> Option<Sym> {
        NonZeroU32::new(id)
            .filter(|id| id.get() as usize <= self.ends.len())
            .map(Sym)
    }

    /// The arena and the end offsets (for the index snapshot).
    pub(crate) fn parts(&self) -> (&str, &[u32]) {
        (&self.text, &self.ends)
    }

    /// An interner from `parts`, if they make one: ends rising within the
    /// text, on character boundaries, every string once.
    pub(crate) fn from_parts(text: String, ends: Vec<u32>) -> Option<Interner> {
        let mut start = 0usize;
        for &end in &ends {
            let end = end as usize;
            if end < start || !text.is_char_boundary(end) {
                return None;
            }
            start = end;
        }
        let mut interner = Interner {
            text,
            ends,
            table: Vec::new(),
        };
        interner.rebuild(interner.ends.len());
        let unique = (1..=interner.ends.len() as u32)
            .filter_map(|id| interner.sym(id))
            .all(|sym| interner.get(interner.resolve(sym)) == Some(sym));
        unique.then_some(interner)
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
        if !self.ends.is_empty() {
            self.rebuild(self.ends.len());
        }
    }

    /// Heap footprint, for the index-size benchmark.
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity() + (self.ends.capacity() + self.table.capacity()) * 4
    }
}

/// FNV-1a: fast on the short ids the trace repeats; collisions are handled.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_stable() {
        let mut interner = Interner::default();
        let a = interner.intern("review#1");
        let b = interner.intern("review#2");
        assert_ne!(a, b);
        assert_eq!(interner.intern("review#1"), a);
        assert_eq!(interner.resolve(b), "review#2");
        assert_eq!(interner.get("nope"), None);
        assert_eq!(interner.get("review#2"), Some(b));
        assert_eq!(std::mem::size_of::<Option<Sym>>(), 4);
    }

    #[test]
    fn many_strings_keep_their_symbols() {
        let mut interner = Interner::default();
        let names: Vec<String> = (0..5000).map(|i| format!("node-{}#{i}", i % 7)).collect();
        let syms: Vec<Sym> = names.iter().map(|n| interner.intern(n)).collect();
        interner.shrink_to_fit();
        for (name, sym) in names.iter().zip(&syms) {
            assert_eq!(interner.resolve(*sym), name);
            assert_eq!(interner.get(name), Some(*sym));
            assert_eq!(interner.intern(name), *sym);
        }
        assert_eq!(interner.len(), names.len());
        assert_eq!(interner.get(""), None);
        let empty = interner.intern("");
        assert_eq!(interner.resolve(empty), "");
        assert_eq!(interner.get(""), Some(empty));
    }
}
