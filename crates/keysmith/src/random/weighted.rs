//! Exact weighted choice: every weight written exactly as an integer
//! times a power of two, and an index drawn exactly in proportion.

use super::{NON_NEGATIVE, SystemRandom, empty_population, invalid, same_length, sealed};
#[cfg(doc)]
use crate::Error;
use crate::Result;
use crate::sample::UniformBelow;
use num_bigint::BigUint;
use rand_core::CryptoRng;

impl<R: CryptoRng> SystemRandom<R> {
    /// `k` elements of `population` chosen independently (with replacement),
    /// element `i` with probability exactly `weights[i] / sum(weights)`.
    /// Python: `choices(population, weights, k=k)`, made exact.
    ///
    /// `weights` may be any unsigned integer type, `f64` or `f32`; see
    /// [`WeightedIndex::new`]. To draw repeatedly with the same weights,
    /// build the [`WeightedIndex`] once and use
    /// [`choices_indexed`](Self::choices_indexed).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `weights` and `population` differ in
    /// length, a weight is negative, NaN or infinite, or all weights are
    /// zero; [`Error::EmptySequence`] when `population` is empty and
    /// `k > 0`.
    pub fn choices_weighted<'a, T, W: Weight>(
        &mut self,
        population: &'a [T],
        weights: &[W],
        k: usize,
    ) -> Result<Vec<&'a T>> {
        same_length("weights", weights.len(), population.len())?;
        if population.is_empty() {
            return empty_population(k);
        }
        let index = WeightedIndex::new(weights)?;
        self.choices_indexed(population, &index, k)
    }

    /// Like [`choices_weighted`](Self::choices_weighted) with cumulative
    /// weights: element `i` has weight `cum_weights[i] - cum_weights[i - 1]`.
    /// Python: `choices(population, cum_weights=cum_weights, k=k)`, made
    /// exact.
    ///
    /// # Errors
    ///
    /// As [`choices_weighted`](Self::choices_weighted), and
    /// [`Error::InvalidParameter`] when `cum_weights` decreases anywhere.
    pub fn choices_cum_weighted<'a, T, W: Weight>(
        &mut self,
        population: &'a [T],
        cum_weights: &[W],
        k: usize,
    ) -> Result<Vec<&'a T>> {
        same_length("cum_weights", cum_weights.len(), population.len())?;
        if population.is_empty() {
            return empty_population(k);
        }
        let index = WeightedIndex::from_cumulative(cum_weights)?;
        self.choices_indexed(population, &index, k)
    }

    /// `k` elements of `population` chosen independently with the exact
    /// probabilities of a prepared [`WeightedIndex`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `index` was built from a different
    /// number of weights than `population` has elements.
    pub fn choices_indexed<'a, T>(
        &mut self,
        population: &'a [T],
        index: &WeightedIndex,
        k: usize,
    ) -> Result<Vec<&'a T>> {
        same_length("weights", index.len(), population.len())?;
        Ok((0..k)
            .map(|_| &population[index.sample(&mut self.rng)])
            .collect())
    }
}

/// A weight for [`WeightedIndex`] and [`SystemRandom::choices_weighted`]:
/// `u8`, `u16`, `u32`, `u64`, `u128`, `usize`, `f64` or `f32`.
///
/// Every weight is converted to an exact integer multiple of a power of
/// two, so no weight is ever rounded. The trait is sealed: it cannot be
/// implemented outside keysmith.
pub trait Weight: Copy + sealed::Sealed {
    /// `Some((m, e))` with `self == m · 2^e` exactly, or `None` when `self`
    /// is negative, NaN or infinite.
    #[doc(hidden)]
    fn dyadic(self) -> Option<(u128, i32)>;
}

macro_rules! integer_weight {
    ($($t:ty),*) => {$(
        impl Weight for $t {
            #[inline]
            fn dyadic(self) -> Option<(u128, i32)> {
                Some((self as u128, 0))
            }
        }
    )*};
}

integer_weight!(u8, u16, u32, u64, u128, usize);

impl sealed::Sealed for f64 {}
impl sealed::Sealed for f32 {}

impl Weight for f64 {
    fn dyadic(self) -> Option<(u128, i32)> {
        // `-0.0 >= 0.0` holds: a negative zero is a zero weight.
        if !(self.is_finite() && self >= 0.0) {
            return None;
        }
        let bits = self.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i32;
        let fraction = bits & ((1 << 52) - 1);
        let (m, e) = if biased == 0 {
            (fraction, -1074) // subnormal (or zero)
        } else {
            (fraction | (1 << 52), biased - 1075)
        };
        if m == 0 {
            return Some((0, 0));
        }
        // Smaller integers later: 0.5 is 1·2^-1, not 2^52·2^-53.
        let tz = m.trailing_zeros();
        Some((u128::from(m >> tz), e + tz as i32))
    }
}

impl Weight for f32 {
    #[inline]
    fn dyadic(self) -> Option<(u128, i32)> {
        // Every f32 is exactly an f64.
        f64::from(self).dyadic()
    }
}

/// Exact weighted choice of an index: index `i` is drawn with probability
/// exactly `w_i / sum(w)`.
///
/// Python's `choices(weights=…)` computes `bisect(cum_weights,
/// random() * total)` in floating point, so the weights it actually uses are
/// rounded: with weights `[1.0, 2^-60]` its cumulative weights are
/// `[1.0, 1.0]` and the second item can never be chosen. Here every finite
/// non-negative weight, integer or float, is written exactly as `m · 2^e`;
/// all weights are scaled by `2^-e_min` to integers (in a `u128` when the
/// total fits, otherwise in [`BigUint`]), an integer is drawn exactly
/// uniformly below the total with [`crate::sample::below`]'s rejection
/// sampling, and a binary search over the cumulative table finds its item.
///
/// Build it once and draw many times with [`sample`](Self::sample) or
/// [`SystemRandom::choices_indexed`].
///
/// ```
/// use keysmith::SystemRandom;
/// let mut r = SystemRandom::new();
/// let pets = ["cat", "dog", "axolotl"];
/// let picks = r.choices_weighted(&pets, &[5u32, 4, 1], 3)?;
/// assert_eq!(picks.len(), 3);
/// # Ok::<(), keysmith::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightedIndex {
    /// Cumulative integer weights; the last is the total, which is positive.
    cumulative: Cumulative,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Cumulative {
    Small(Vec<u128>),
    Big(Vec<BigUint>),
}

impl WeightedIndex {
    /// An index over `weights`: index `i` is drawn with probability exactly
    /// `weights[i] / sum(weights)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when a weight is negative, NaN or
    /// infinite ("weights must be non-negative and finite") or when all
    /// weights are zero or there are none ("total of weights must be
    /// greater than zero").
    pub fn new<W: Weight>(weights: &[W]) -> Result<Self> {
        let parts = exact_parts("weights", weights)?;
        Self::from_parts(&parts, false)
    }

    /// An index over cumulative weights: index `i` has weight
    /// `cum_weights[i] - cum_weights[i - 1]` (and index 0 has weight
    /// `cum_weights[0]`), computed exactly.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new), and [`Error::InvalidParameter`] when
    /// `cum_weights` decreases anywhere ("cum_weights must be
    /// non-decreasing").
    pub fn from_cumulative<W: Weight>(cum_weights: &[W]) -> Result<Self> {
        let parts = exact_parts("cum_weights", cum_weights)?;
        Self::from_parts(&parts, true)
    }

    /// The number of weights, and so the range `0..len()` of the indices
    /// drawn. Never zero.
    pub fn len(&self) -> usize {
        match &self.cumulative {
            Cumulative::Small(c) => c.len(),
            Cumulative::Big(c) => c.len(),
        }
    }

    /// Always `false`: an index has at least one weight.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An index in `0..len()`, index `i` with probability exactly
    /// `w_i / sum(w)`; an index whose weight is zero is never drawn.
    pub fn sample<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> usize {
        match &self.cumulative {
            Cumulative::Small(c) => {
                let total = c[c.len() - 1];
                // A 64-bit draw when the total allows it costs half the
                // entropy of a 128-bit one.
                let x = match u64::try_from(total) {
                    Ok(t) => u128::from(u64::sample_below(rng, &t)),
                    Err(_) => u128::sample_below(rng, &total),
                };
                c.partition_point(|&v| v <= x)
            }
            Cumulative::Big(c) => {
                let x = BigUint::sample_below(rng, &c[c.len() - 1]);
                c.partition_point(|v| *v <= x)
            }
        }
    }

    /// The cumulative integer table of the exact values `m_i · 2^e_i`,
    /// scaled by `2^-e_min`.
    fn from_parts(parts: &[(u128, i32)], cumulative: bool) -> Result<Self> {
        let (name, total_name) = if cumulative {
            ("cum_weights", "total of cum_weights")
        } else {
            ("weights", "total of weights")
        };
        let Some(e_min) = parts.iter().filter(|p| p.0 != 0).map(|p| p.1).min() else {
            return Err(invalid(total_name, "must be greater than zero"));
        };
        let table = match small_table(parts, e_min, cumulative) {
            Some(t) => Cumulative::Small(t),
            None => Cumulative::Big(big_table(parts, e_min, cumulative)),
        };
        let increasing = match &table {
            Cumulative::Small(c) => c.windows(2).all(|w| w[0] <= w[1]),
            Cumulative::Big(c) => c.windows(2).all(|w| w[0] <= w[1]),
        };
        if !increasing {
            return Err(invalid(name, "must be non-decreasing"));
        }
        // The total is positive: some part is non-zero, and a cumulative
        // table that is non-decreasing ends at its largest entry.
        Ok(WeightedIndex { cumulative: table })
    }
}

fn exact_parts<W: Weight>(name: &'static str, weights: &[W]) -> Result<Vec<(u128, i32)>> {
    weights
        .iter()
        .map(|w| w.dyadic().ok_or_else(|| invalid(name, NON_NEGATIVE)))
        .collect()
}

/// The table in `u128`, or `None` if some entry does not fit.
fn small_table(parts: &[(u128, i32)], e_min: i32, cumulative: bool) -> Option<Vec<u128>> {
    let mut out = Vec::with_capacity(parts.len());
    let mut running = 0u128;
    for &(m, e) in parts {
        let scaled = if m == 0 {
            0
        } else {
            let shift = (e - e_min) as u32;
            if shift >= 128 || m.leading_zeros() < shift {
                return None;
            }
            m << shift
        };
        running = if cumulative {
            scaled
        } else {
            running.checked_add(scaled)?
        };
        out.push(running);
    }
    Some(out)
}

fn big_table(parts: &[(u128, i32)], e_min: i32, cumulative: bool) -> Vec<BigUint> {
    let mut out = Vec::with_capacity(parts.len());
    let mut running = BigUint::default();
    for &(m, e) in parts {
        let scaled = if m == 0 {
            BigUint::default()
        } else {
            BigUint::from(m) << ((e - e_min) as u32)
        };
        running = if cumulative { scaled } else { running + scaled };
        out.push(running.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::test_rng::AllOnes;
    use chacha20::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn small(w: &WeightedIndex) -> &[u128] {
        match &w.cumulative {
            Cumulative::Small(c) => c,
            Cumulative::Big(_) => panic!("expected the u128 table"),
        }
    }

    #[test]
    fn float_weights_become_exact_integers() {
        let w = WeightedIndex::new(&[0.5f64, 0.25, 0.0, 1.0]).unwrap();
        assert_eq!(small(&w), &[2, 3, 3, 7]);
        let w = WeightedIndex::new(&[0.1f32, 0.2]).unwrap();
        // 0.1f32 = 13421773·2^-27, 0.2f32 = 13421773·2^-26.
        assert_eq!(small(&w), &[13421773, 13421773 * 3]);
    }

    #[test]
    fn a_weight_python_rounds_away_is_kept() {
        // In Python the cumulative weights are [1.0, 1.0 + 2^-60] == [1.0, 1.0].
        let tiny = 2f64.powi(-60);
        let w = WeightedIndex::new(&[1.0, tiny]).unwrap();
        assert_eq!(small(&w), &[1 << 60, (1 << 60) + 1]);
        // The top of the range belongs to the tiny item, the rest to the other.
        assert_eq!(w.sample(&mut AllOnes), 1);
        let w = WeightedIndex::new(&[tiny, 1.0]).unwrap();
        assert_eq!(w.sample(&mut AllOnes), 1);
    }

    #[test]
    fn weights_far_apart_use_big_integers() {
        let w = WeightedIndex::new(&[1e300, 1e-300]).unwrap();
        match &w.cumulative {
            Cumulative::Big(c) => {
                // The tiny weight is the unit of the table: nothing rounded.
                let tiny = BigUint::from(1e-300f64.dyadic().unwrap().0);
                assert_eq!(&c[1] - &c[0], tiny);
            }
            Cumulative::Small(_) => panic!("expected the big table"),
        }
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        assert!((0..1000).all(|_| w.sample(&mut rng) == 0));

        // u128 weights whose sum overflows u128 go the same way.
        let w = WeightedIndex::new(&[u128::MAX, u128::MAX]).unwrap();
        assert!(matches!(w.cumulative, Cumulative::Big(_)));
        let ones = (0..1000).filter(|_| w.sample(&mut rng) == 1).count();
        assert!((400..600).contains(&ones), "{ones}");
    }

    #[test]
    fn one_index_many_draws() {
        let w = WeightedIndex::new(&[0u8, 3, 1]).unwrap();
        assert_eq!((w.len(), w.is_empty()), (3, false));
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let mut counts = [0usize; 3];
        for _ in 0..4000 {
            counts[w.sample(&mut rng)] += 1;
        }
        assert_eq!(counts[0], 0);
        assert!((2800..3200).contains(&counts[1]), "{counts:?}");

        let mut r = SystemRandom::from_rng(rng);
        assert_eq!(r.choices_indexed(&["a", "b", "c"], &w, 5).unwrap().len(), 5);
        assert_eq!(
            r.choices_indexed(&["a", "b"], &w, 5)
                .unwrap_err()
                .to_string(),
            "weights must have the same length as the population"
        );
    }

    #[test]
    fn cumulative_weights_match_plain_weights() {
        let a = WeightedIndex::new(&[1u32, 2, 3, 4]).unwrap();
        let b = WeightedIndex::from_cumulative(&[1u32, 3, 6, 10]).unwrap();
        assert_eq!(a, b);
        let a = WeightedIndex::new(&[0.5f64, 0.25]).unwrap();
        let b = WeightedIndex::from_cumulative(&[0.5f64, 0.75]).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn f64_dyadic_is_exact() {
        for x in [
            0.1f64,
            1.0,
            3.0,
            1e-310,
            f64::MAX,
            f64::MIN_POSITIVE,
            0.0,
            -0.0,
        ] {
            let (m, e) = x.dyadic().unwrap();
            // Two steps, so that neither power of two over- or underflows.
            let half = e / 2;
            assert_eq!((m as f64) * 2f64.powi(half) * 2f64.powi(e - half), x, "{x}");
        }
        assert_eq!(5e-324f64.dyadic(), Some((1, -1074)));
        for x in [-1.0f64, -1e-310, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(x.dyadic(), None, "{x}");
        }
    }
}
