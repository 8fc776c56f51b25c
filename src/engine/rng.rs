//! Random streams: master seed → replication → a stream named by what draws it.
//!
//! A stream's identity is a [`Key`]: a stable name (`"arrivals"` of class `checkout`) and,
//! for the draws of one request, its number under that name (the class's 1,234th
//! arrival, its second try). Never a position in the scenario: reordering the workloads
//! or adding an unrelated part does not shift the numbers another part sees, so variants
//! of a scenario compare under common random numbers.
//!
//! Long streams (a class's arrivals) use Xoshiro256++; the few draws of one request use
//! SplitMix64 started at its key ([`Draws`]), which costs nothing to seed. Both are fully
//! specified algorithms (Blackman & Vigna 2018; Steele, Lea & Flood 2014), so the same
//! seed gives the same run on any machine and rand version.

use rand::SeedableRng;
use std::convert::Infallible;

/// The generator of long streams.
pub type Rng = rand::rngs::Xoshiro256PlusPlus;

/// The stable identity of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key(u64);

impl Key {
    /// The stream `what` of the part called `name` (FNV-1a of both, then mixed).
    pub fn named(what: &str, name: &str) -> Key {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in what.bytes().chain([0xff]).chain(name.bytes()) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        Key(splitmix64(h))
    }

    /// A stream by a fixed number, for the validation networks (which have no names).
    pub fn numbered(id: u64) -> Key {
        Key(splitmix64(id))
    }

    /// The `n`-th stream under this one (a request under its class, a try under its
    /// request).
    #[inline]
    pub fn child(self, n: u64) -> Key {
        Key(splitmix64(self.0 ^ splitmix64(n)))
    }
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of replication `index` under `master`.
pub fn replication_seed(master: u64, index: u32) -> u64 {
    splitmix64(splitmix64(master) ^ splitmix64(u64::from(index).wrapping_add(0x5EED)))
}

/// A long stream of one replication.
pub fn stream(replication_seed: u64, key: Key) -> Rng {
    Rng::seed_from_u64(splitmix64(replication_seed ^ key.0))
}

/// A short stream of one replication: SplitMix64 from the key (the draws of one request).
#[inline]
pub fn draws(replication_seed: u64, key: Key) -> Draws {
    Draws(splitmix64(replication_seed ^ key.0))
}

/// SplitMix64 as a generator: one addition and one mix per number.
#[derive(Clone, Copy, Debug)]
pub struct Draws(u64);

impl Draws {
    /// A generator for a sub-part of these draws (its own sequence, so however many
    /// numbers the sub-part takes, the numbers after it here do not move).
    #[inline]
    pub fn split(&mut self) -> Draws {
        Draws(rand::Rng::next_u64(self))
    }
}

impl rand::TryRng for Draws {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((rand::Rng::next_u64(self) >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Ok(z ^ (z >> 31))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let word = rand::Rng::next_u64(self).to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn streams_are_stable_and_distinct() {
        let r = replication_seed(1, 0);
        let k = Key::named("arrivals", "checkout");
        let a: u64 = stream(r, k).random();
        let b: u64 = stream(r, Key::named("arrivals", "checkout")).random();
        let c: u64 = stream(r, Key::named("arrivals", "browse")).random();
        let d: u64 = stream(replication_seed(1, 1), k).random();
        // The separator keeps ("ab", "c") apart from ("a", "bc").
        let e = Key::named("ab", "c");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        assert_ne!(e, Key::named("a", "bc"));
        assert_ne!(k.child(1), k.child(2));
        assert_ne!(k.child(1).child(2), k.child(2).child(1));
        // Pinned values, computed independently (SplitMix64 in Python): a change here would
        // silently change every published figure.
        assert_eq!(replication_seed(1, 0), 0x2997_e961_b2d5_958d);
        assert_eq!(replication_seed(20261122, 3), 0xb056_23fa_a465_f888);
    }

    #[test]
    fn draws_are_splitmix64() {
        // SplitMix64 started at 0: the reference sequence's first outputs.
        let mut g = Draws(0);
        assert_eq!(rand::Rng::next_u64(&mut g), 0xe220_a839_7b1d_cdaf);
        assert_eq!(rand::Rng::next_u64(&mut g), 0x6e78_9e6a_a1b9_65f4);
        let mut h = Draws(0);
        let mut sub = h.split();
        let _: u64 = sub.random();
        let after: u64 = h.random();
        assert_eq!(
            after, 0x6e78_9e6a_a1b9_65f4,
            "a split takes one number, whatever it draws"
        );
    }

    #[test]
    fn draws_are_uniform_enough() {
        // 100,000 uniforms: mean 1/2 within 4.4 standard errors (0.0040), and deciles.
        let mut g = draws(replication_seed(7, 0), Key::named("request", "x").child(3));
        let n = 100_000;
        let mut bins = [0u32; 10];
        let mut sum = 0.0;
        for _ in 0..n {
            let u: f64 = g.random();
            sum += u;
            bins[(u * 10.0) as usize] += 1;
        }
        assert!(
            (sum / f64::from(n) - 0.5).abs() < 0.004,
            "mean {}",
            sum / f64::from(n)
        );
        // Each decile holds 10,000 ± 4.4 × 95 (binomial sd).
        for (i, b) in bins.iter().enumerate() {
            assert!((*b as f64 - 10_000.0).abs() < 420.0, "decile {i}: {b}");
        }
    }
}
