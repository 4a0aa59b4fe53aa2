//! String interning: ids, attempt ids and session ids repeat on thousands of
//! trace lines; the index stores a 4-byte symbol instead of each copy.
//!
//! Text lives once, in one arena; the lookup table maps a 64-bit hash to the
//! symbol, so a million attempt ids cost about 40 bytes each, not ~75.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
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

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Interner {
    text: String,
    /// `(start, len)` in `text`, indexed by `Sym - 1`.
    spans: Vec<(u32, u32)>,
    by_hash: HashMap<u64, Sym, BuildHasherDefault<PassThrough>>,
    /// Strings whose hash collided with an earlier, different string.
    collisions: HashMap<Box<str>, Sym>,
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> Sym {
        let hash = fnv1a(s);
        match self.by_hash.get(&hash) {
            Some(&sym) if self.resolve(sym) == s => sym,
            Some(_) => match self.collisions.get(s) {
                Some(&sym) => sym,
                None => {
                    let sym = self.push(s);
                    self.collisions.insert(s.into(), sym);
                    sym
                }
            },
            None => {
                let sym = self.push(s);
                self.by_hash.insert(hash, sym);
                sym
            }
        }
    }

    fn push(&mut self, s: &str) -> Sym {
        let start = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
        self.text.push_str(s);
        self.spans.push((start, len));
        let id = u32::try_from(self.spans.len()).unwrap_or(u32::MAX);
        Sym(NonZeroU32::new(id).unwrap_or(NonZeroU32::MIN))
    }

    pub fn get(&self, s: &str) -> Option<Sym> {
        match self.by_hash.get(&fnv1a(s)) {
            Some(&sym) if self.resolve(sym) == s => Some(sym),
            Some(_) => self.collisions.get(s).copied(),
            None => None,
        }
    }

    pub fn resolve(&self, sym: Sym) -> &str {
        self.spans
            .get(sym.0.get() as usize - 1)
            .and_then(|&(start, len)| self.text.get(start as usize..(start + len) as usize))
            .unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    pub fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.spans.shrink_to_fit();
        self.by_hash.shrink_to_fit();
    }

    /// Approximate heap footprint, for the index-size benchmark.
    pub fn heap_bytes(&self) -> usize {
        let table = |capacity: usize, slot: usize| capacity * (slot + 1);
        self.text.capacity()
            + self.spans.capacity() * std::mem::size_of::<(u32, u32)>()
            + table(self.by_hash.capacity(), std::mem::size_of::<(u64, Sym)>())
            + self
                .collisions
                .keys()
                .map(|k| k.len() + std::mem::size_of::<(Box<str>, Sym)>())
                .sum::<usize>()
    }
}

/// FNV-1a: fast on the short ids the trace repeats; collisions are handled.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The keys are already hashes: pass them through unchanged.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
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
        assert_eq!(interner.get("review#2"), Some(b));
        assert_eq!(std::mem::size_of::<Option<Sym>>(), 4);
    }

    #[test]
    fn hash_collisions_keep_strings_apart() {
        let mut interner = Interner::default();
        let first = interner.intern("first");
        // Force a collision: put "second" under the hash of "first".
        let second = interner.push("second");
        interner.collisions.insert("second".into(), second);
        interner.by_hash.insert(fnv1a("second"), first);
        assert_eq!(interner.get("second"), Some(second));
        assert_eq!(interner.intern("second"), second);
        assert_eq!(interner.resolve(second), "second");
        let third = interner.intern("third");
        assert_eq!(interner.resolve(third), "third");
    }
}
