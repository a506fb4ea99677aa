//! `SystemRandom`: Python's `random` API over the secure source.
//!
//! Every integer, index, permutation and weighted choice here is drawn with
//! the exact samplers of [`crate::sample`]; the continuous distributions
//! come from `rand_distr` (or, for von Mises, CPython's own algorithm) driven
//! by the same generator.
//!
//! [`SystemRandom`] itself, with its integers, choices and samples, is
//! here; `ranges` has `randint` and `randrange` over every primitive
//! integer type, `weighted` the exact weighted choice, and
//! `distributions` the floats of the named distributions.

mod distributions;
mod ranges;
mod weighted;

pub use ranges::RandomInt;
pub use weighted::{Weight, WeightedIndex};

use crate::sample;
use crate::{Error, Result};
use core::convert::Infallible;
use core::fmt;
use num_bigint::BigUint;
use rand_core::{CryptoRng, TryCryptoRng, TryRng};

/// Python's `random.SystemRandom`: the whole `random` API over a secure
/// source, with every integer and choice exactly unbiased.
///
/// [`SystemRandom::new()`] draws from keysmith's default source
/// ([`crate::rng()`], the operating system). [`SystemRandom::from_rng`]
/// wraps any other [`CryptoRng`], which is what tests use to drive the very
/// same code with a seeded generator.
///
/// It also implements the `rand_core` traits (`Rng`, `CryptoRng`), so
/// `rand` and `rand_distr` can draw from it:
///
/// ```
/// use rand_distr::{Distribution, Normal};
///
/// let x: f64 = Normal::new(0.0, 1.0).unwrap().sample(&mut keysmith::SystemRandom::new());
/// assert!(x.is_finite());
/// ```
///
/// # Differences from Python
///
/// - Bad arguments give an [`Error`] instead of raising; no method panics
///   on any argument, and no method returns NaN.
/// - [`choices_weighted`](Self::choices_weighted) and
///   [`choices_cum_weighted`](Self::choices_cum_weighted) are exact: item
///   `i` is chosen with probability exactly `w_i / sum(w)`, where Python's
///   float arithmetic only approximates that (see [`WeightedIndex`]).
/// - Python's `seed`, `getstate` and `setstate` are deliberately absent: a
///   secure source has no state to set or restore (Python's `SystemRandom`
///   ignores `seed` and raises on the other two). For reproducible draws in
///   tests, wrap a seeded generator with [`from_rng`](Self::from_rng).
/// - Python's optional arguments are separate methods or [`Option`]s:
///   `choices(weights=…)` is [`choices_weighted`](Self::choices_weighted),
///   `sample(counts=…)` is [`sample_counts`](Self::sample_counts),
///   `getrandbits(k)` for `k > 128` is
///   [`getrandbits_big`](Self::getrandbits_big).
#[derive(Clone, Copy)]
pub struct SystemRandom<R = crate::rng::SecureRng> {
    rng: R,
}

impl SystemRandom {
    /// A handle to keysmith's default secure source. Python:
    /// `random.SystemRandom()` (or `secrets.SystemRandom()`).
    ///
    /// The handle is zero-sized and holds no state: every handle draws from
    /// the same source.
    pub fn new() -> Self {
        SystemRandom { rng: crate::rng() }
    }
}

impl Default for SystemRandom {
    fn default() -> Self {
        SystemRandom::new()
    }
}

// Never prints the generator: a seeded generator's state is its secret.
impl<R> fmt::Debug for SystemRandom<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SystemRandom").finish_non_exhaustive()
    }
}

impl<R: CryptoRng> SystemRandom<R> {
    /// The `random` API over `rng` instead of the default source.
    ///
    /// Meant for tests and other deterministic uses with a seeded
    /// cryptographic generator (for example `chacha20::ChaCha20Rng`): the
    /// same seed gives the same draws. For secrets, use
    /// [`SystemRandom::new()`].
    pub fn from_rng(rng: R) -> Self {
        SystemRandom { rng }
    }

    /// A float drawn uniformly from the 2^53 multiples of 2^-53 in
    /// `[0, 1)`: 53 random bits divided by 2^53. Python: `random()`.
    pub fn random(&mut self) -> f64 {
        // Raw bits, not a reduction: the top 53 bits of a uniform word are
        // uniform, and dividing by a power of two is exact.
        const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
        (self.rng.next_u64() >> 11) as f64 * SCALE
    }

    /// A uniformly chosen element of `seq`. Python: `choice(seq)`.
    ///
    /// # Errors
    ///
    /// [`Error::EmptySequence`] when `seq` is empty.
    pub fn choice<'a, T>(&mut self, seq: &'a [T]) -> Result<&'a T> {
        sample::choice(&mut self.rng, seq)
    }

    /// `k` elements of `population` chosen uniformly and independently
    /// (with replacement). Python: `choices(population, k=k)`.
    ///
    /// Unlike Python's `floor(random() * n)`, each index is drawn exactly
    /// uniformly.
    ///
    /// # Errors
    ///
    /// [`Error::EmptySequence`] when `population` is empty and `k > 0`.
    pub fn choices<'a, T>(&mut self, population: &'a [T], k: usize) -> Result<Vec<&'a T>> {
        if k == 0 {
            return Ok(Vec::new());
        }
        if population.is_empty() {
            return Err(Error::EmptySequence);
        }
        Ok((0..k)
            .map(|_| &population[sample::index(&mut self.rng, population.len())])
            .collect())
    }

    /// Puts `seq` in a uniformly random order: each of the `n!` orders is
    /// equally likely (Fisher–Yates with exact indices). Python:
    /// `shuffle(x)`.
    pub fn shuffle<T>(&mut self, seq: &mut [T]) {
        sample::shuffle(&mut self.rng, seq);
    }

    /// `k` distinct elements of `population` (distinct by position) in
    /// selection order; every ordered selection is equally likely. Python:
    /// `sample(population, k)`.
    ///
    /// # Errors
    ///
    /// [`Error::SampleLargerThanPopulation`] when `k > population.len()`.
    pub fn sample<'a, T>(&mut self, population: &'a [T], k: usize) -> Result<Vec<&'a T>> {
        sample::sample(&mut self.rng, population, k)
    }

    /// A sample of `k` from `population` with element `i` repeated
    /// `counts[i]` times, without building the repeated population. Python:
    /// `sample(population, k, counts=counts)`.
    ///
    /// `k` distinct positions are drawn exactly uniformly from the
    /// `sum(counts)` positions of the repeated population (every ordered
    /// selection equally likely), and each is mapped back to its element.
    /// Unlike Python, all-zero counts with `k = 0` give an empty sample
    /// rather than an error.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `counts` and `population` differ in
    /// length or the counts add up to more than `usize::MAX`;
    /// [`Error::SampleLargerThanPopulation`] when `k > sum(counts)`.
    pub fn sample_counts<'a, T>(
        &mut self,
        population: &'a [T],
        counts: &[usize],
        k: usize,
    ) -> Result<Vec<&'a T>> {
        same_length("counts", counts.len(), population.len())?;
        let mut cumulative = Vec::with_capacity(counts.len());
        let mut total = 0usize;
        for &c in counts {
            total = total
                .checked_add(c)
                .ok_or_else(|| invalid("counts", "must add up to at most usize::MAX"))?;
            cumulative.push(total);
        }
        let positions = sample::sample_indices(&mut self.rng, total, k)?;
        // Position p belongs to the first element whose cumulative count
        // exceeds p; elements with a zero count are never reached.
        Ok(positions
            .into_iter()
            .map(|p| &population[cumulative.partition_point(|&c| c <= p)])
            .collect())
    }

    /// An integer of `k` random bits, `0 <= x < 2^k`. Python:
    /// `getrandbits(k)`. `k = 0` gives 0.
    ///
    /// # Errors
    ///
    /// [`Error::TooManyBits`] when `k > 128`; use
    /// [`getrandbits_big`](Self::getrandbits_big) for those.
    pub fn getrandbits(&mut self, k: u32) -> Result<u128> {
        sample::bits(&mut self.rng, k)
    }

    /// An arbitrary-precision integer of `k` random bits, `0 <= x < 2^k`.
    /// Python: `getrandbits(k)` for any `k`.
    pub fn getrandbits_big(&mut self, k: u64) -> BigUint {
        sample::bits_big(&mut self.rng, k)
    }

    /// `n` random bytes. Python: `randbytes(n)`.
    pub fn randbytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = vec![0u8; n];
        self.rng.fill_bytes(&mut out);
        out
    }
}

impl<R: CryptoRng> TryRng for SystemRandom<R> {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.rng.next_u32())
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.rng.next_u64())
    }

    #[inline]
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.rng.fill_bytes(dst);
        Ok(())
    }
}

impl<R: CryptoRng> TryCryptoRng for SystemRandom<R> {}

// ---- parameter checks --------------------------------------------------

const NON_NEGATIVE: &str = "must be non-negative and finite";

fn invalid(name: &'static str, reason: &'static str) -> Error {
    Error::InvalidParameter { name, reason }
}

fn same_length(name: &'static str, len: usize, population: usize) -> Result<()> {
    if len == population {
        Ok(())
    } else {
        Err(invalid(name, "must have the same length as the population"))
    }
}

/// What a `choices` call on an empty population gives: nothing to choose
/// is fine, anything more is not.
fn empty_population<T>(k: usize) -> Result<Vec<T>> {
    if k == 0 {
        Ok(Vec::new())
    } else {
        Err(Error::EmptySequence)
    }
}

/// The supertrait that keeps [`RandomInt`] and [`Weight`] implemented in
/// keysmith alone.
mod sealed {
    pub trait Sealed {}
}

#[cfg(test)]
mod test_rng {
    use core::convert::Infallible;
    use rand_core::{TryCryptoRng, TryRng};

    /// A "generator" whose every byte is `0xff`: Lemire's method then draws
    /// the largest value below any bound of at most 64 bits, so it shows
    /// which item owns the very top of the range. (The mask-and-reject
    /// samplers for wider bounds would reject it forever.)
    pub(super) struct AllOnes;

    impl TryRng for AllOnes {
        type Error = Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Infallible> {
            Ok(u32::MAX)
        }
        fn try_next_u64(&mut self) -> Result<u64, Infallible> {
            Ok(u64::MAX)
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
            dst.fill(0xff);
            Ok(())
        }
    }

    impl TryCryptoRng for AllOnes {}
}
