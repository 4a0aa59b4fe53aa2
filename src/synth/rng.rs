//! The synthesizer's only source of randomness.

/// SplitMix64: tiny, fast, and good enough for ids and jitter.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `min..=max`.
    pub(super) fn range(&mut self, min: u64, max: u64) -> u64 {
        min + self.next() % (max - min + 1)
    }

    /// A random (version 4 shaped) UUID.
    pub(super) fn uuid(&mut self) -> String {
        let (hi, lo) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xffff,
            hi & 0x0fff,
            (lo >> 48) & 0x3fff | 0x8000,
            lo & 0xffff_ffff_ffff
        )
    }
}
