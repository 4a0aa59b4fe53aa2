//! String interning: ids, attempt ids and session ids repeat on thousands of
//! trace lines; the index stores a 4-byte symbol instead of each copy.

use std::collections::HashMap;
use std::num::NonZeroU32;

/// An interned string. `Option<Sym>` is 4 bytes thanks to the niche.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(NonZeroU32);

#[derive(Debug, Default, Clone)]
pub struct Interner {
    lookup: HashMap<Box<str>, Sym>,
    strings: Vec<Box<str>>,
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(&sym) = self.lookup.get(s) {
            return sym;
        }
        let next = u32::try_from(self.strings.len() + 1).unwrap_or(u32::MAX);
        let sym = Sym(NonZeroU32::new(next).unwrap_or(NonZeroU32::MIN));
        self.strings.push(s.into());
        self.lookup.insert(s.into(), sym);
        sym
    }

    pub fn get(&self, s: &str) -> Option<Sym> {
        self.lookup.get(s).copied()
    }

    pub fn resolve(&self, sym: Sym) -> &str {
        self.strings
            .get(sym.0.get() as usize - 1)
            .map(|s| &**s)
            .unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }

    /// Approximate heap footprint, for the index-size benchmark.
    pub fn heap_bytes(&self) -> usize {
        let text: usize = self.strings.iter().map(|s| s.len() * 2).sum();
        let slots = self.strings.capacity() * std::mem::size_of::<Box<str>>();
        let table = self.lookup.capacity() * (std::mem::size_of::<(Box<str>, Sym)>() + 1);
        text + slots + table
    }
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
        assert_eq!(std::mem::size_of::<Option<Sym>>(), 4);
    }
}
