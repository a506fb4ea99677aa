//! `randint` and `randrange`: exactly uniform integers of every primitive
//! type, over any range the type holds.

use super::{SystemRandom, sealed};
use crate::sample::{self, UniformBelow};
use crate::{Error, Result};
use rand_core::CryptoRng;

impl<R: CryptoRng> SystemRandom<R> {
    /// An integer drawn uniformly from `a..=b`, each value with probability
    /// exactly `1 / (b - a + 1)`. Python: `randint(a, b)`.
    ///
    /// Works for every primitive integer type ([`RandomInt`]), including
    /// the full range of the type (`randint(i64::MIN, i64::MAX)`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRange`] when `a > b`.
    pub fn randint<T: RandomInt>(&mut self, a: T, b: T) -> Result<T> {
        T::randint_with(&mut self.rng, a, b)
    }

    /// An integer drawn uniformly from `start, start + step, …` up to but
    /// excluding `stop`, each value with probability exactly `1 / count`.
    /// Python: `randrange(start, stop, step)`.
    ///
    /// `step` may be negative (for signed types), in which case the values
    /// count down towards `stop`. Nothing overflows, even for ranges that
    /// span the whole type.
    ///
    /// # Errors
    ///
    /// [`Error::ZeroStep`] when `step` is zero; [`Error::EmptyRange`] when
    /// there is no such value (`start >= stop` with a positive step,
    /// `start <= stop` with a negative one).
    pub fn randrange<T: RandomInt>(&mut self, start: T, stop: T, step: T) -> Result<T> {
        T::randrange_with(&mut self.rng, start, stop, step)
    }
}

/// A primitive integer type that [`SystemRandom::randint`] and
/// [`SystemRandom::randrange`] can draw: `i8`…`i128`, `isize`, `u8`…`u128`
/// and `usize`.
///
/// Each is drawn through the unsigned type of the same width with wrapping
/// arithmetic, so ranges that span the whole type work and nothing
/// overflows. The trait is sealed: it cannot be implemented outside
/// keysmith.
pub trait RandomInt: Copy + PartialOrd + sealed::Sealed {
    /// `randint(a, b)` over `rng`.
    #[doc(hidden)]
    fn randint_with<R: CryptoRng + ?Sized>(rng: &mut R, a: Self, b: Self) -> Result<Self>;

    /// `randrange(start, stop, step)` over `rng`.
    #[doc(hidden)]
    fn randrange_with<R: CryptoRng + ?Sized>(
        rng: &mut R,
        start: Self,
        stop: Self,
        step: Self,
    ) -> Result<Self>;
}

macro_rules! random_int {
    ($($t:ty => $u:ty, $negative:expr);* $(;)?) => {$(
        impl sealed::Sealed for $t {}

        impl RandomInt for $t {
            fn randint_with<R: CryptoRng + ?Sized>(rng: &mut R, a: Self, b: Self) -> Result<Self> {
                if a > b {
                    return Err(Error::InvalidRange);
                }
                // b - a as an unsigned number of the same width never
                // overflows; the count b - a + 1 overflows only for the
                // whole type, where every bit pattern is a value.
                let width = (b as $u).wrapping_sub(a as $u);
                let offset = match width.checked_add(1) {
                    Some(count) => <$u>::sample_below(rng, &count),
                    None => sample::bits(rng, <$u>::BITS)? as $u,
                };
                Ok((a as $u).wrapping_add(offset) as $t)
            }

            fn randrange_with<R: CryptoRng + ?Sized>(
                rng: &mut R,
                start: Self,
                stop: Self,
                step: Self,
            ) -> Result<Self> {
                if step == 0 {
                    return Err(Error::ZeroStep);
                }
                let is_negative: fn($t) -> bool = $negative;
                let down = is_negative(step);
                if (!down && start >= stop) || (down && start <= stop) {
                    return Err(Error::EmptyRange);
                }
                // Distance and |step| as unsigned numbers of the same width:
                // both fit, and count = (distance - 1) / |step| + 1 <= distance.
                let (distance, magnitude) = if down {
                    ((start as $u).wrapping_sub(stop as $u), (step as $u).wrapping_neg())
                } else {
                    ((stop as $u).wrapping_sub(start as $u), step as $u)
                };
                let count = (distance - 1) / magnitude + 1;
                let offset = <$u>::sample_below(rng, &count) * magnitude;
                Ok(if down {
                    (start as $u).wrapping_sub(offset)
                } else {
                    (start as $u).wrapping_add(offset)
                } as $t)
            }
        }
    )*};
}

random_int! {
    u8 => u8, |_| false;
    u16 => u16, |_| false;
    u32 => u32, |_| false;
    u64 => u64, |_| false;
    u128 => u128, |_| false;
    usize => usize, |_| false;
    i8 => u8, |x| x < 0;
    i16 => u16, |x| x < 0;
    i32 => u32, |x| x < 0;
    i64 => u64, |x| x < 0;
    i128 => u128, |x| x < 0;
    isize => usize, |x| x < 0;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::test_rng::AllOnes;

    #[test]
    fn randint_top_of_range_is_reachable() {
        // With all-ones bits each sampler returns its largest value.
        assert_eq!(i8::randint_with(&mut AllOnes, -128, 127).unwrap(), 127);
        assert_eq!(i64::randint_with(&mut AllOnes, -5, 5).unwrap(), 5);
        assert_eq!(i32::randrange_with(&mut AllOnes, 10, -10, -3).unwrap(), -8);
        assert_eq!(
            u64::randrange_with(&mut AllOnes, 0, u64::MAX, 1).unwrap(),
            u64::MAX - 1
        );
    }
}
