//! Reading an index snapshot as a stream: through one small buffer that
//! stays in the CPU's cache, straight into the index's own vectors, with
//! the checksum computed on the way. (Reading the whole file first cost a
//! second copy of it in memory, and the time to fault that memory in.)
//! Nothing read is trusted: every count is checked against the bytes left
//! before anything is allocated for it.

use std::io::Read;

/// Bytes read from the file at a time.
const BUFFER: usize = 1 << 20;

/// Bytes `read_words` reads, checks and hashes at a time (they stay in the
/// CPU's cache in between).
const PIECE: usize = 256 << 10;

/// Runs `read` while a second thread faults in the pages of the memory at
/// `(address, length)` ahead of it, when that is large: a fresh 118 MB
/// vector otherwise takes 29,000 page faults in the thread that fills it.
/// Addresses, not a slice: `read` writes the memory meanwhile, and
/// faulting a page in keeps what it holds.
fn with_pages_faulted<T>((address, length): (usize, usize), read: impl FnOnce() -> T) -> T {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if length >= 4 << 20 {
        return std::thread::scope(|scope| {
            scope.spawn(move || populate(address, length));
            read()
        });
    }
    let _ = (address, length);
    read()
}

/// Faults in the pages at `(address, length)`, a step at a time from its
/// start (the reading thread follows behind).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn populate(address: usize, length: usize) {
    const PAGE: usize = 4096;
    const STEP: usize = 2 << 20;
    let end = address + length;
    let mut at = address.next_multiple_of(PAGE);
    while at < end {
        let len = STEP.min(end - at);
        // SAFETY: the range lies within memory this process owns (the
        // caller's vector, alive until this thread is joined);
        // MADV_POPULATE_WRITE only faults its pages in, and failing (an
        // older kernel) changes nothing.
        let failed =
            unsafe { libc::madvise(at as *mut libc::c_void, len, libc::MADV_POPULATE_WRITE) != 0 };
        if failed {
            return;
        }
        at += len;
    }
}

/// Words as their bytes (memory order, little-endian in a snapshot).
fn as_bytes_mut<const N: usize>(words: &mut [[u32; N]]) -> &mut [u8] {
    // SAFETY: `[u32; N]` has no padding, the length covers exactly the
    // words, and every byte pattern is a valid `u32`, so whatever is
    // written through the bytes leaves valid words.
    unsafe {
        std::slice::from_raw_parts_mut(
            words.as_mut_ptr().cast::<u8>(),
            std::mem::size_of_val(words),
        )
    }
}

/// A fast 64-bit hash (eight bytes a step in four lanes, multiply and
/// rotate), fed in pieces: a checksum against damage, not against an
/// adversary (the file checks are what decide whether a snapshot is
/// served). `hash_bytes` is the same over one slice.
#[derive(Debug, Clone)]
pub(crate) struct Hasher {
    lanes: [u64; 4],
    len: u64,
    pending: [u8; 32],
    pending_len: usize,
}

const K: u64 = 0x9e37_79b9_7f4a_7c15;

impl Hasher {
    pub fn new() -> Hasher {
        Hasher {
            lanes: [K, K ^ 1, K ^ 2, K ^ 3],
            len: 0,
            pending: [0; 32],
            pending_len: 0,
        }
    }

    pub fn write(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len() as u64;
        if self.pending_len > 0 {
            let take = (32 - self.pending_len).min(bytes.len());
            self.pending[self.pending_len..self.pending_len + take].copy_from_slice(&bytes[..take]);
            self.pending_len += take;
            bytes = &bytes[take..];
            if self.pending_len < 32 {
                return;
            }
            let block = self.pending;
            self.block(&block);
            self.pending_len = 0;
        }
        let mut blocks = bytes.chunks_exact(32);
        for block in &mut blocks {
            self.block(block);
        }
        let rest = blocks.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.pending_len = rest.len();
    }

    fn block(&mut self, block: &[u8]) {
        for (lane, word) in self.lanes.iter_mut().zip(block.chunks_exact(8)) {
            let word = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
            *lane = (*lane ^ word).wrapping_mul(K).rotate_left(29);
        }
    }

    pub fn finish(&self) -> u64 {
        let mut h = self.lanes.iter().fold(self.len, |h, &lane| {
            (h ^ lane).wrapping_mul(K).rotate_left(31)
        });
        for &b in &self.pending[..self.pending_len] {
            h = (h ^ u64::from(b)).wrapping_mul(K).rotate_left(23);
        }
        h ^ (h >> 32)
    }
}

pub(crate) fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut hasher = Hasher::new();
    hasher.write(bytes);
    hasher.finish()
}

/// Little-endian reads of a snapshot's body (all but its last eight
/// bytes, the checksum), hashed as they are read. Every read answers
/// `None` past the body's end or when the source fails.
pub(crate) struct SnapshotReader<R: Read> {
    source: R,
    buffer: Vec<u8>,
    /// `buffer[at..filled]` is read but not yet consumed (and not hashed).
    at: usize,
    filled: usize,
    /// Body bytes not yet read from the source.
    unread: u64,
    hasher: Hasher,
}

impl<R: Read> SnapshotReader<R> {
    /// A reader of a snapshot of `total` bytes, checksum included.
    pub fn new(source: R, total: u64) -> Option<SnapshotReader<R>> {
        Some(SnapshotReader {
            source,
            buffer: vec![0; BUFFER],
            at: 0,
            filled: 0,
            unread: total.checked_sub(8)?,
            hasher: Hasher::new(),
        })
    }

    /// Body bytes not consumed yet.
    pub fn left(&self) -> u64 {
        self.unread + (self.filled - self.at) as u64
    }

    /// Makes at least `n` (≤ the buffer) bytes available at `at`.
    fn fill(&mut self, n: usize) -> Option<()> {
        if self.filled - self.at >= n {
            return Some(());
        }
        if n > BUFFER || (n - (self.filled - self.at)) as u64 > self.unread {
            return None;
        }
        self.buffer.copy_within(self.at..self.filled, 0);
        self.filled -= self.at;
        self.at = 0;
        while self.filled < n {
            let room = (BUFFER - self.filled).min(usize::try_from(self.unread).unwrap_or(BUFFER));
            let got = self
                .source
                .read(&mut self.buffer[self.filled..self.filled + room])
                .ok()?;
            if got == 0 {
                return None;
            }
            self.filled += got;
            self.unread -= got as u64;
        }
        Some(())
    }

    /// The next `n` bytes (at most the buffer's size), borrowed until the
    /// next read.
    pub fn take(&mut self, n: usize) -> Option<&[u8]> {
        self.fill(n)?;
        let bytes = &self.buffer[self.at..self.at + n];
        self.hasher.write(bytes);
        self.at += n;
        Some(bytes)
    }

    pub fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    pub fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    /// A count of items of `size` bytes each, refused when the rest of the
    /// body could not hold them (no huge allocation from a bad count).
    pub fn len(&mut self, size: usize) -> Option<usize> {
        let n = self.u64()?;
        (n.checked_mul(size as u64)? <= self.left())
            .then_some(n)
            .and_then(|n| usize::try_from(n).ok())
    }

    /// `count` records of `size` bytes each, handed to `each` in order
    /// (many at a time through the buffer); stops at the first `None`.
    pub fn records(
        &mut self,
        count: usize,
        size: usize,
        mut each: impl FnMut(&[u8]) -> Option<()>,
    ) -> Option<()> {
        if size == 0 || size > BUFFER || count.checked_mul(size)? as u64 > self.left() {
            return None;
        }
        let per_read = BUFFER / size;
        let mut left = count;
        while left > 0 {
            let now = left.min(per_read);
            for record in self.take(now * size)?.chunks_exact(size) {
                each(record)?;
            }
            left -= now;
        }
        Some(())
    }

    /// Fills `dest` with the body's next words, read from the source
    /// straight into it (the entries of a million-event index are 118 MB:
    /// no copy through the buffer). Each piece is checked by `check` and
    /// hashed right after it is read, while it is still in the CPU's cache
    /// (the vector is read from memory once, not three times); stops at
    /// the first `None`.
    pub fn read_words<const N: usize>(
        &mut self,
        dest: &mut [[u32; N]],
        mut check: impl FnMut(&[[u32; N]]) -> Option<()>,
    ) -> Option<()> {
        let record = 4 * N;
        if record == 0 || std::mem::size_of_val(dest) as u64 > self.left() {
            return None;
        }
        let per_piece = (PIECE / record).max(1);
        let region = (dest.as_mut_ptr() as usize, std::mem::size_of_val(dest));
        with_pages_faulted(region, || {
            for words in dest.chunks_mut(per_piece) {
                self.read_piece(as_bytes_mut(words))?;
                check(words)?;
            }
            Some(())
        })
    }

    /// The next `n` bytes as a vector of their own, read as `read_words`
    /// reads.
    pub fn vec(&mut self, n: usize) -> Option<Vec<u8>> {
        if n as u64 > self.left() {
            return None;
        }
        let mut out = vec![0; n];
        let region = (out.as_mut_ptr() as usize, n);
        with_pages_faulted(region, || {
            out.chunks_mut(PIECE)
                .try_for_each(|piece| self.read_piece(piece))
        })?;
        Some(out)
    }

    /// Fills `dest` (read as `read_raw` reads) and hashes it.
    fn read_piece(&mut self, dest: &mut [u8]) -> Option<()> {
        self.read_raw(dest)?;
        self.hasher.write(dest);
        Some(())
    }

    /// Fills `dest` from what the buffer holds, then from the source, not
    /// hashed; the caller checked `left()`.
    fn read_raw(&mut self, dest: &mut [u8]) -> Option<()> {
        let buffered = (self.filled - self.at).min(dest.len());
        dest[..buffered].copy_from_slice(&self.buffer[self.at..self.at + buffered]);
        self.at += buffered;
        let mut got = buffered;
        while got < dest.len() {
            if self.unread == 0 {
                return None;
            }
            let room = (dest.len() - got).min(usize::try_from(self.unread).unwrap_or(usize::MAX));
            let n = self.source.read(&mut dest[got..got + room]).ok()?;
            if n == 0 {
                return None;
            }
            got += n;
            self.unread -= n as u64;
        }
        Some(())
    }

    /// Whether the body was read to its end and the checksum that follows
    /// it matches, with nothing after.
    pub fn finish(mut self) -> Option<()> {
        if self.left() != 0 {
            return None;
        }
        let mut tail = [0u8; 9];
        let mut got = 0;
        while got < tail.len() {
            match self.source.read(&mut tail[got..]).ok()? {
                0 => break,
                n => got += n,
            }
        }
        (got == 8 && u64::from_le_bytes(tail[..8].try_into().ok()?) == self.hasher.finish())
            .then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-slice hash, written out the way it was before it could be
    /// fed in pieces.
    fn reference_hash(bytes: &[u8]) -> u64 {
        let mut lanes = [K, K ^ 1, K ^ 2, K ^ 3];
        let mut chunks = bytes.chunks_exact(32);
        for chunk in &mut chunks {
            for (lane, word) in lanes.iter_mut().zip(chunk.chunks_exact(8)) {
                let word = u64::from_le_bytes(word.try_into().expect("8 bytes"));
                *lane = (*lane ^ word).wrapping_mul(K).rotate_left(29);
            }
        }
        let mut h = lanes.iter().fold(bytes.len() as u64, |h, &lane| {
            (h ^ lane).wrapping_mul(K).rotate_left(31)
        });
        for &b in chunks.remainder() {
            h = (h ^ u64::from(b)).wrapping_mul(K).rotate_left(23);
        }
        h ^ (h >> 32)
    }

    #[test]
    fn hashing_in_pieces_equals_hashing_at_once() {
        let bytes: Vec<u8> = (0..1000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        for len in [0, 1, 31, 32, 33, 64, 100, 1000] {
            let expected = reference_hash(&bytes[..len]);
            assert_eq!(hash_bytes(&bytes[..len]), expected);
            for piece in [1, 3, 31, 32, 33, 77] {
                let mut hasher = Hasher::new();
                for part in bytes[..len].chunks(piece) {
                    hasher.write(part);
                }
                assert_eq!(hasher.finish(), expected, "len {len} piece {piece}");
            }
        }
    }

    fn snapshot(body: &[u8]) -> Vec<u8> {
        let mut bytes = body.to_vec();
        bytes.extend_from_slice(&hash_bytes(body).to_le_bytes());
        bytes
    }

    #[test]
    fn reads_records_across_buffer_refills_and_checks_the_checksum() {
        let count = BUFFER / 12 * 3 + 5;
        let mut body = Vec::new();
        body.extend_from_slice(&(count as u64).to_le_bytes());
        for i in 0..count as u32 {
            body.extend_from_slice(&i.to_le_bytes());
            body.extend_from_slice(&u64::from(i).wrapping_mul(K).to_le_bytes());
        }
        body.extend_from_slice(b"tail");
        let bytes = snapshot(&body);
        let mut r = SnapshotReader::new(&bytes[..], bytes.len() as u64).expect("reader");
        let n = r.len(12).expect("count");
        let mut seen = 0u32;
        r.records(n, 12, |record| {
            let i = u32::from_le_bytes(record[..4].try_into().ok()?);
            (i == seen).then(|| seen += 1)
        })
        .expect("records");
        assert_eq!(seen as usize, count);
        assert_eq!(r.vec(4).as_deref(), Some(&b"tail"[..]));
        assert_eq!(r.finish(), Some(()));

        // A flipped byte anywhere, a missing or an extra byte: refused.
        for at in [0, 9, bytes.len() / 2, bytes.len() - 1] {
            let mut damaged = bytes.clone();
            damaged[at] ^= 1;
            let mut r = SnapshotReader::new(&damaged[..], damaged.len() as u64).expect("reader");
            let ok = r.len(12).and_then(|n| r.records(n, 12, |_| Some(())));
            let done = ok.and_then(|()| r.vec(4)).and_then(|_| r.finish());
            assert_eq!(done, None, "byte {at}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        let mut r = SnapshotReader::new(&longer[..], bytes.len() as u64).expect("reader");
        let n = r.len(12).expect("count");
        r.records(n, 12, |_| Some(())).expect("records");
        r.vec(4).expect("tail");
        assert_eq!(r.finish(), None);
    }

    #[test]
    fn reads_words_and_bytes_straight_into_place_after_buffered_reads() {
        // More words than a piece and more than the buffer reads ahead;
        // then a byte vector large enough to be faulted in by a thread.
        let count = (BUFFER + 3 * PIECE) / 12 + 7;
        let bytes_len = (4 << 20) + 5;
        let mut body = Vec::new();
        body.extend_from_slice(&(count as u64).to_le_bytes());
        for i in 0..count as u32 {
            for word in [i, i ^ 0x5555, i.wrapping_mul(7)] {
                body.extend_from_slice(&word.to_le_bytes());
            }
        }
        body.extend((0..bytes_len).map(|i| (i % 251) as u8));
        let bytes = snapshot(&body);
        let read = |bytes: &[u8]| {
            let mut r = SnapshotReader::new(bytes, bytes.len() as u64)?;
            let n = r.len(12)?;
            let mut words = vec![[0u32; 3]; n];
            let mut pieces = 0;
            r.read_words(&mut words, |piece| {
                pieces += 1;
                (piece.len() <= PIECE / 12).then_some(())
            })?;
            let tail = r.vec(bytes_len)?;
            r.finish()?;
            Some((words, tail, pieces))
        };
        let (words, tail, pieces) = read(&bytes).expect("read");
        assert!(pieces > 3, "{pieces} pieces");
        assert_eq!(words.len(), count);
        for (i, w) in words.iter().enumerate() {
            let i = i as u32;
            assert_eq!(w.map(u32::from_le), [i, i ^ 0x5555, i.wrapping_mul(7)]);
        }
        assert_eq!(tail, body[8 + count * 12..]);
        // A flipped byte in the words, in the buffered part or after it,
        // or in the bytes: the checksum refuses it.
        for at in [
            9,
            BUFFER / 2,
            BUFFER + 17,
            8 + count * 12 + 3,
            body.len() - 1,
        ] {
            let mut damaged = bytes.clone();
            damaged[at] ^= 4;
            assert!(read(&damaged).is_none(), "byte {at}");
        }
        // A check that refuses stops the read.
        let mut r = SnapshotReader::new(&bytes[..], bytes.len() as u64).expect("reader");
        let n = r.len(12).expect("count");
        let mut words = vec![[0u32; 3]; n];
        assert_eq!(r.read_words(&mut words, |_| None), None);
    }

    #[test]
    fn counts_beyond_the_bytes_left_are_refused() {
        let mut body = Vec::new();
        body.extend_from_slice(&u64::MAX.to_le_bytes());
        let bytes = snapshot(&body);
        let mut r = SnapshotReader::new(&bytes[..], bytes.len() as u64).expect("reader");
        assert_eq!(r.len(1), None);
        let mut r = SnapshotReader::new(&bytes[..], bytes.len() as u64).expect("reader");
        assert_eq!(r.vec(9), None);
        assert!(SnapshotReader::new(&bytes[..4], 4).is_none());
    }
}
