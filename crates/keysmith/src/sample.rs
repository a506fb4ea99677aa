//! Exactly unbiased sampling, generic over any cryptographic generator.
//!
//! Every function here takes the generator as an argument, so the same code
//! runs on keysmith's default source ([`crate::rng()`]), on
//! [`OsRng`](crate::rng::OsRng) and on a seeded generator in tests. The
//! crate-root functions ([`crate::randbelow`], [`crate::choice`], …) are
//! these functions applied to the default source.
//!
//! # Exactness
//!
//! No function here reduces a random value with `%`, scales a float, or
//! otherwise approximates. Integers below a bound use rejection sampling:
//! Lemire's multiply-and-reject method for widths up to 64 bits and a
//! bit-mask-and-reject method (the one Python's `randbelow` uses) for `u128`
//! and [`BigUint`]. Both return every value in `[0, n)` with probability
//! exactly `1/n`.

use crate::{Error, Result};
use num_bigint::BigUint;
use num_traits::Zero;
use rand_core::CryptoRng;
use std::collections::HashSet;

/// An unsigned integer type that can be drawn uniformly from `[0, n)`.
///
/// Implemented for `u8`, `u16`, `u32`, `u64`, `u128`, `usize` and
/// [`BigUint`].
pub trait UniformBelow: Sized {
    /// Whether this bound is zero (and so has no value below it).
    fn is_zero_bound(&self) -> bool;

    /// A value drawn uniformly from `[0, bound)`.
    ///
    /// The caller guarantees `bound > 0`; with a zero bound the result is
    /// unspecified (but never undefined behaviour).
    fn sample_below<R: CryptoRng + ?Sized>(rng: &mut R, bound: &Self) -> Self;
}

/// Lemire's method ("Fast Random Integer Generation in an Interval", 2019):
/// multiply a full-width random word by `n` and keep the high half, rejecting
/// the `2^w mod n` low halves that would make some results more likely. The
/// `%` here is on the bound, never on a random value.
macro_rules! lemire {
    ($name:ident, $t:ty, $wide:ty, $next:ident) => {
        #[inline]
        fn $name<R: CryptoRng + ?Sized>(rng: &mut R, n: $t) -> $t {
            const BITS: u32 = <$t>::BITS;
            let mut m = (rng.$next() as $wide) * (n as $wide);
            let mut low = m as $t;
            if low < n {
                let threshold = n.wrapping_neg() % n;
                while low < threshold {
                    m = (rng.$next() as $wide) * (n as $wide);
                    low = m as $t;
                }
            }
            (m >> BITS) as $t
        }
    };
}

lemire!(below_u32, u32, u64, next_u32);
lemire!(below_u64, u64, u128, next_u64);

#[inline]
fn next_u128<R: CryptoRng + ?Sized>(rng: &mut R) -> u128 {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    u128::from_le_bytes(b)
}

fn below_u128<R: CryptoRng + ?Sized>(rng: &mut R, n: u128) -> u128 {
    if n == 1 {
        return 0;
    }
    // Draw exactly as many bits as n - 1 needs and reject values >= n: each
    // try succeeds with probability > 1/2.
    let shift = (n - 1).leading_zeros();
    loop {
        let x = next_u128(rng) >> shift;
        if x < n {
            return x;
        }
    }
}

macro_rules! small_uniform {
    ($($t:ty => $via:ident as $w:ty),* $(,)?) => {$(
        impl UniformBelow for $t {
            #[inline]
            fn is_zero_bound(&self) -> bool {
                *self == 0
            }
            #[inline]
            fn sample_below<R: CryptoRng + ?Sized>(rng: &mut R, bound: &Self) -> Self {
                $via(rng, *bound as $w) as $t
            }
        }
    )*};
}

#[cfg(target_pointer_width = "64")]
small_uniform!(usize => below_u64 as u64);
#[cfg(not(target_pointer_width = "64"))]
small_uniform!(usize => below_u32 as u32);

small_uniform! {
    u8 => below_u32 as u32,
    u16 => below_u32 as u32,
    u32 => below_u32 as u32,
    u64 => below_u64 as u64,
    u128 => below_u128 as u128,
}

impl UniformBelow for BigUint {
    fn is_zero_bound(&self) -> bool {
        self.is_zero()
    }

    fn sample_below<R: CryptoRng + ?Sized>(rng: &mut R, bound: &Self) -> Self {
        let top = bound - 1u32;
        let k = top.bits();
        loop {
            let x = bits_big(rng, k);
            if &x < bound {
                return x;
            }
        }
    }
}

/// A value drawn uniformly from `[0, n)`.
///
/// # Errors
///
/// [`Error::NonPositiveBound`] when `n` is zero.
#[inline]
pub fn below<T: UniformBelow, R: CryptoRng + ?Sized>(rng: &mut R, n: T) -> Result<T> {
    if n.is_zero_bound() {
        return Err(Error::NonPositiveBound);
    }
    Ok(T::sample_below(rng, &n))
}

/// An index drawn uniformly from `[0, len)`; `len` must be positive.
#[inline]
pub(crate) fn index<R: CryptoRng + ?Sized>(rng: &mut R, len: usize) -> usize {
    debug_assert!(len > 0);
    // Most sequences are short: the 32-bit path costs half the entropy.
    match u32::try_from(len) {
        Ok(n) => below_u32(rng, n) as usize,
        Err(_) => usize::sample_below(rng, &len),
    }
}

/// `k` independent uniform random bits as an integer (Python's
/// `randbits`/`getrandbits` for `k <= 128`). `k = 0` gives 0.
///
/// # Errors
///
/// [`Error::TooManyBits`] when `k > 128`; use [`bits_big`] for those.
#[inline]
pub fn bits<R: CryptoRng + ?Sized>(rng: &mut R, k: u32) -> Result<u128> {
    match k {
        0 => Ok(0),
        1..=64 => Ok(u128::from(rng.next_u64() >> (64 - k))),
        65..=128 => Ok(next_u128(rng) >> (128 - k)),
        _ => Err(Error::TooManyBits { bits: k }),
    }
}

/// `k` independent uniform random bits as an arbitrary-precision integer.
/// `k = 0` gives 0.
pub fn bits_big<R: CryptoRng + ?Sized>(rng: &mut R, k: u64) -> BigUint {
    if k == 0 {
        return BigUint::zero();
    }
    let nbytes = usize::try_from(k.div_ceil(8)).expect("bit count fits in memory");
    let mut buf = vec![0u8; nbytes];
    rng.fill_bytes(&mut buf);
    let spare = (nbytes as u64 * 8 - k) as u32;
    if let Some(last) = buf.last_mut() {
        *last >>= spare;
    }
    BigUint::from_bytes_le(&buf)
}

/// A uniformly chosen element of `seq`.
///
/// # Errors
///
/// [`Error::EmptySequence`] when `seq` is empty.
#[inline]
pub fn choice<'a, T, R: CryptoRng + ?Sized>(rng: &mut R, seq: &'a [T]) -> Result<&'a T> {
    if seq.is_empty() {
        return Err(Error::EmptySequence);
    }
    Ok(&seq[index(rng, seq.len())])
}

/// Puts `seq` in a uniformly random order (Fisher–Yates): each of the `n!`
/// orders is equally likely.
pub fn shuffle<T, R: CryptoRng + ?Sized>(rng: &mut R, seq: &mut [T]) {
    for i in (1..seq.len()).rev() {
        let j = index(rng, i + 1);
        seq.swap(i, j);
    }
}

/// `k` distinct indices from `[0, n)` in selection order: every ordered
/// selection of `k` distinct indices is equally likely.
///
/// # Errors
///
/// [`Error::SampleLargerThanPopulation`] when `k > n`.
pub fn sample_indices<R: CryptoRng + ?Sized>(
    rng: &mut R,
    n: usize,
    k: usize,
) -> Result<Vec<usize>> {
    if k > n {
        return Err(Error::SampleLargerThanPopulation {
            k,
            population: n as u128,
        });
    }
    // Two exact methods, chosen by cost (as CPython does): a partial
    // Fisher–Yates over all n indices, or, when k is small next to n,
    // redrawing any index already taken, which never needs more than two
    // draws per pick on average because at most a quarter is taken.
    if n <= 64 || k > n / 4 {
        let mut pool: Vec<usize> = (0..n).collect();
        for i in 0..k {
            let j = i + index(rng, n - i);
            pool.swap(i, j);
        }
        pool.truncate(k);
        Ok(pool)
    } else {
        let mut taken = HashSet::with_capacity(k);
        let mut out = Vec::with_capacity(k);
        while out.len() < k {
            let j = index(rng, n);
            if taken.insert(j) {
                out.push(j);
            }
        }
        Ok(out)
    }
}

/// `k` distinct elements of `population` (distinct by position) in selection
/// order, every ordered selection equally likely (Python's `sample`).
///
/// # Errors
///
/// [`Error::SampleLargerThanPopulation`] when `k` exceeds the population.
pub fn sample<'a, T, R: CryptoRng + ?Sized>(
    rng: &mut R,
    population: &'a [T],
    k: usize,
) -> Result<Vec<&'a T>> {
    Ok(sample_indices(rng, population.len(), k)?
        .into_iter()
        .map(|i| &population[i])
        .collect())
}
