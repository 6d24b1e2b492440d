//! A fast hasher for the engine's lookup tables.
//!
//! Routing looks engagements, agents and queues up a dozen times per decision. The standard
//! hasher (SipHash) resists collision attacks but costs tens of nanoseconds per lookup; here
//! the keys are the engine's own counters and ids the server assigns, so the multiply-rotate
//! hash rustc uses for its own tables ("FxHash") is enough and several times faster. Ids must
//! therefore come from the server (UUIDs, database keys), not be picked freely by clients.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.add(bytes.len() as u64);
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("chunks of eight bytes")));
        }
        let mut rest = [0u8; 8];
        rest[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.add(u64::from_le_bytes(rest));
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    /// The multiply mixes input into the high bits; hash tables index by the low ones, so
    /// rotate the well-mixed bits down (as rustc-hash 2 does).
    fn finish(&self) -> u64 {
        self.hash.rotate_left(26)
    }
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    #[test]
    fn equal_keys_hash_equally_and_different_ones_differently() {
        let build = BuildHasherDefault::<FxHasher>::default();
        assert_eq!(
            build.hash_one("engagement-1"),
            build.hash_one("engagement-1".to_owned())
        );
        assert_ne!(build.hash_one("engagement-1"), build.hash_one("engagement-2"));
        assert_ne!(build.hash_one("a"), build.hash_one("a\0"));
        assert_ne!(build.hash_one(1u64), build.hash_one(2u64));
    }
}
