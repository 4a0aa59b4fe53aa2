//! String interning: ids, attempt ids and session ids repeat on thousands of
//! trace lines; the index stores a 4-byte symbol instead of each copy.
//!
//! Text lives once, in one arena; each string costs its bytes, a 4-byte end
//! offset and one or two 4-byte slots of an open-addressing table (no hash
//! is stored: a probe compares the text), so a million attempt ids cost
//! about 25 bytes each.

use std::num::NonZeroU32;
use std::sync::OnceLock;

/// An interned string. `Option<Sym>` is 4 bytes thanks to the niche, with
/// 0 for `None` (guaranteed by `repr(transparent)` over `NonZeroU32`: the
/// index snapshot reads entries in their memory layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
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
    /// two, at most three quarters full. A slot holds the symbol in its low
    /// bits (as many as the table's length needs) and high bits of the
    /// string's hash above them, so a probe compares text only when those
    /// agree (a new string otherwise costs a text compare, and a cache
    /// miss, per occupied slot it passes). Built on first lookup: an index
    /// loaded from a snapshot and only read never pays for it.
    table: OnceLock<Vec<u32>>,
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
        let held = self.ends.len();
        let table = self.table_mut();
        if (held + 1) * 4 > table.len() * 3 {
            self.table = OnceLock::from(self.built_table((held + 1) * 2));
        }
        match self.find(s) {
            Ok(sym) => sym,
            Err(slot) => {
                let sym = self.push(s);
                let table = self.table_mut();
                table[slot] = Self::slot_value(table.len(), fnv1a(s), sym);
                sym
            }
        }
    }

    /// The table, built now if it was not yet.
    fn table(&self) -> &[u32] {
        self.table.get_or_init(|| self.built_table(self.ends.len()))
    }

    fn table_mut(&mut self) -> &mut Vec<u32> {
        if self.table.get().is_none() {
            self.table = OnceLock::from(self.built_table(self.ends.len()));
        }
        self.table.get_mut().expect("the table was just built")
    }

    /// `Ok(sym)` when `s` is interned, else `Err(the empty slot for it)`.
    fn find(&self, s: &str) -> Result<Sym, usize> {
        let table = self.table();
        let (mask, tags) = (table.len() - 1, tag_mask(table.len()));
        let hash = fnv1a(s);
        let tag = (hash >> 32) as u32 & tags;
        let mut slot = hash as usize & mask;
        loop {
            let held = table[slot];
            match NonZeroU32::new(held & !tags) {
                None => return Err(slot),
                Some(id) if held & tags == tag && self.resolve(Sym(id)) == s => return Ok(Sym(id)),
                Some(_) => slot = (slot + 1) & mask,
            }
        }
    }

    /// The slot value of `sym` for the string hashed to `hash`.
    fn slot_value(table_len: usize, hash: u64, sym: Sym) -> u32 {
        ((hash >> 32) as u32 & tag_mask(table_len)) | sym.0.get()
    }

    /// A table of at least `wanted * 8 / 7` slots (a power of two) holding
    /// every symbol, inserted in order. Growth asks for twice the strings
    /// held; a fresh table for just those (at most 7/8 full: probes stay
    /// short). A string held twice (only a damaged snapshot has that) is
    /// found under its first symbol.
    fn built_table(&self, wanted: usize) -> Vec<u32> {
        let size = table_size(wanted.max(self.ends.len()));
        let mut table = vec![0; size];
        let mask = size - 1;
        for id in 1..=self.ends.len() as u32 {
            let Some(sym) = NonZeroU32::new(id).map(Sym) else {
                continue;
            };
            let hash = fnv1a(self.resolve(sym));
            let mut slot = hash as usize & mask;
            while table[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            table[slot] = Self::slot_value(size, hash, sym);
        }
        table
    }

    /// The symbol each of `other`'s strings has here (`None`: not held),
    /// by `other`'s symbol index (0 unused). Read only, so a long list is
    /// looked up on two threads.
    pub(crate) fn lookup_all(&self, other: &Interner) -> Vec<Option<Sym>> {
        /// Below this many strings a second thread costs more than it saves.
        const PARALLEL_FROM: usize = 1 << 16;
        let lookup = |ids: std::ops::Range<u32>, out: &mut [Option<Sym>]| {
            for (slot, id) in out.iter_mut().zip(ids) {
                *slot = other.sym(id).and_then(|sym| self.get(other.resolve(sym)));
            }
        };
        let count = other.len();
        let mut found = vec![None; count + 1];
        let ids = 1..u32::try_from(count + 1).unwrap_or(u32::MAX);
        if count < PARALLEL_FROM {
            lookup(ids, &mut found[1..]);
            return found;
        }
        // Built here, once, rather than raced for by both threads.
        self.table();
        let half = ids.start + (count / 2) as u32;
        let (first, second) = found[1..].split_at_mut(count / 2);
        std::thread::scope(|scope| {
            scope.spawn(|| lookup(half..ids.end, second));
            lookup(ids.start..half, first);
        });
        found
    }

    /// Appends `s`, which must not be held yet, without entering it in the
    /// lookup table: the table is dropped, to be built again when next
    /// needed. For many new strings at once, known to be new (the stitch
    /// of a split index); `intern` otherwise.
    pub(crate) fn push_unlisted(&mut self, s: &str) -> Sym {
        self.table = OnceLock::new();
        self.push(s)
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
    /// text, on character boundaries. (Whether a string is held twice is
    /// not checked: that costs a hash of every string, and the snapshot's
    /// checksum is what guards against damage.)
    pub(crate) fn from_parts(text: String, ends: Vec<u32>) -> Option<Interner> {
        let mut start = 0usize;
        for &end in &ends {
            let end = end as usize;
            if end < start || !text.is_char_boundary(end) {
                return None;
            }
            start = end;
        }
        (start == text.len()).then(|| Interner {
            text,
            ends,
            table: OnceLock::new(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Drops growth slack; the table is built again, for just the strings
    /// held, when it is next needed.
    pub fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.table = OnceLock::new();
    }

    /// Heap footprint, for the index-size benchmark (the table counted as
    /// built, as it is once anything is looked up).
    pub fn heap_bytes(&self) -> usize {
        let table = self
            .table
            .get()
            .map_or_else(|| table_size(self.ends.len()), Vec::capacity);
        self.text.capacity() + (self.ends.capacity() + table) * 4
    }
}

/// The bits of a slot above the symbol, for a table of `len` slots (a
/// power of two; its symbols are below `len`).
fn tag_mask(len: usize) -> u32 {
    let bits = len.trailing_zeros();
    match bits {
        32.. => 0,
        _ => !((1u32 << bits) - 1),
    }
}

/// Slots for `wanted` strings: a power of two, at most 7/8 full.
fn table_size(wanted: usize) -> usize {
    (wanted * 8 / 7 + 1).next_power_of_two().max(8)
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

    #[test]
    fn strings_of_another_interner_are_found_and_new_ones_added_unlisted() {
        // Past the size looked up on two threads, and below it.
        for count in [10usize, 70_000] {
            let mut held = Interner::default();
            let mut other = Interner::default();
            for i in 0..count {
                other.intern(&format!("s{i}"));
                if i % 3 == 0 {
                    held.intern(&format!("s{i}"));
                }
            }
            held.intern("only here");
            let found = held.lookup_all(&other);
            assert_eq!(found.len(), count + 1);
            assert_eq!(found[0], None);
            for i in 0..count {
                let expected =
                    (i % 3 == 0).then(|| Sym(NonZeroU32::new(i as u32 / 3 + 1).unwrap()));
                assert_eq!(found[i + 1], expected, "s{i} of {count}");
            }
            // Added without the table, then found through a rebuilt one.
            let before = held.len();
            let added = held.push_unlisted("s1");
            assert_eq!(added.index(), before + 1);
            assert_eq!(held.get("s1"), Some(added));
            assert_eq!(held.get("only here").map(Sym::index), Some(before));
            assert_eq!(held.intern("s1"), added);
        }
    }

    #[test]
    fn rebuilt_from_parts_finds_and_adds_strings() {
        let mut original = Interner::default();
        let syms: Vec<Sym> = (0..300)
            .map(|i| original.intern(&format!("a#{i}")))
            .collect();
        let (text, ends) = original.parts();
        let mut loaded = Interner::from_parts(text.to_string(), ends.to_vec()).expect("parts");
        assert_eq!(loaded, original);
        for (i, sym) in syms.iter().enumerate() {
            assert_eq!(loaded.get(&format!("a#{i}")), Some(*sym));
        }
        let added = loaded.intern("b#1");
        assert_eq!(added.index(), 301);
        assert_eq!(loaded.intern("a#7"), syms[7]);
        assert_eq!(Interner::from_parts("ab".into(), vec![1]), None);
        assert_eq!(Interner::from_parts("ab".into(), vec![2, 1]), None);
        assert_eq!(Interner::from_parts("é".into(), vec![1, 2]), None);
    }
}
