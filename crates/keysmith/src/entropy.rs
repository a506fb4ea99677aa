//! Recipes for secrets, and the exact entropy of what they make.

use num_bigint::BigUint;
use rand_core::CryptoRng;

/// A description of a set of secrets that draws one of them uniformly.
///
/// A password policy, a passphrase recipe or a one-time-code format is a
/// `Recipe`: it is checked when it is built, so drawing from it cannot
/// fail. [`space`](Recipe::space) is the exact number of equally likely
/// draws, so [`entropy_bits`](Recipe::entropy_bits) is exact, not an
/// estimate.
pub trait Recipe {
    /// What one draw gives.
    type Output;

    /// One draw from `rng`, uniform over the recipe's space.
    fn sample<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> Self::Output;

    /// One draw from keysmith's default source ([`crate::rng()`]).
    fn generate(&self) -> Self::Output {
        self.sample(&mut crate::rng())
    }

    /// The exact number of equally likely draws.
    fn space(&self) -> BigUint;

    /// `log2` of [`space`](Recipe::space): the entropy of one draw in bits.
    fn entropy_bits(&self) -> f64 {
        log2(&self.space())
    }
}

/// Entropy targets (`--bits B`, `.bits(B)`, `with_bits(B)`): every
/// generator that picks its size from a number of bits checks the target
/// and finds the size the same way, and says so in the same words.
#[cfg(any(
    feature = "password",
    feature = "passphrase",
    feature = "otp",
    feature = "apikey",
    feature = "reset"
))]
pub(crate) mod target {
    use super::log2;
    use crate::{Error, Result};
    use num_bigint::BigUint;
    use std::ops::RangeInclusive;

    /// Checks an entropy target: a positive, finite number of bits.
    pub(crate) fn check_bits_target(bits: f64) -> Result<()> {
        if bits.is_finite() && bits > 0.0 {
            Ok(())
        } else {
            Err(Error::InvalidInput(format!(
                "the entropy target must be a positive number of bits, not {bits}"
            )))
        }
    }

    /// Whether `n >= 2^bits`: exactly (by bit length, without building
    /// `2^bits`) when `bits` is a whole number, else by `log2`.
    fn reaches(n: &BigUint, bits: f64) -> bool {
        if bits.fract() == 0.0 && bits < u64::MAX as f64 {
            n.bits() > bits as u64
        } else {
            log2(n) >= bits
        }
    }

    /// The smallest size in `sizes` whose space (the exact number of
    /// equally likely draws, `space(size)`) reaches the entropy target
    /// `bits`. `space` must not shrink as the size grows, so a doubling
    /// then a binary search finds the size, counting few spaces. `unit`
    /// names what a size counts in the error ("digits", "words of this
    /// list").
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when `bits` is not a positive finite number,
    /// or when even the largest size falls short: "{bits} bits need more
    /// than {max} {unit}: {max} give {b} bits".
    pub(crate) fn shortest(
        bits: f64,
        sizes: RangeInclusive<usize>,
        unit: &str,
        space: impl Fn(usize) -> BigUint,
    ) -> Result<usize> {
        check_bits_target(bits)?;
        let (min, max) = (*sizes.start(), *sizes.end());
        let short = || {
            // Rounded down, so that what is shown is never more than what
            // the largest size gives.
            let most = (log2(&space(max)) * 100.0).floor() / 100.0;
            Error::InvalidInput(format!(
                "{bits} bits need more than {max} {unit}: {max} give {most} bits"
            ))
        };
        if min > max {
            return Err(short());
        }
        let enough = |n: usize| reaches(&space(n), bits);
        if enough(min) {
            return Ok(min);
        }
        // Invariant: lo falls short, hi reaches.
        let mut lo = min;
        let mut step = 1;
        let mut hi = loop {
            if lo == max {
                return Err(short());
            }
            let probe = lo.saturating_add(step).min(max);
            if enough(probe) {
                break probe;
            }
            lo = probe;
            step = step.saturating_mul(2);
        };
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if enough(mid) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(hi)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn shortest_finds_the_first_size_that_reaches() {
            let powers = |base: u32| move |n: usize| BigUint::from(base).pow(n as u32);
            // 10^6 < 2^20 <= 10^7; 2^40 = 32^8 exactly, so 40 bits take 8.
            assert_eq!(shortest(20.0, 4..=12, "digits", powers(10)), Ok(7));
            assert_eq!(shortest(19.9, 4..=12, "digits", powers(10)), Ok(6));
            assert_eq!(shortest(1.0, 4..=12, "digits", powers(10)), Ok(4));
            assert_eq!(shortest(40.0, 1..=256, "characters", powers(32)), Ok(8));
            assert_eq!(shortest(40.1, 1..=256, "characters", powers(32)), Ok(9));
            assert_eq!(shortest(12.0, 12..=12, "bits", powers(2)), Ok(12));
            // Every half bit up to 200, against a linear scan.
            for bits in (1..=400).map(|b| f64::from(b) / 2.0) {
                let space = powers(3);
                let scan = (5..=130).find(|&n| log2(&space(n)) >= bits).unwrap();
                assert_eq!(shortest(bits, 5..=130, "trits", space), Ok(scan), "{bits}");
            }
        }

        #[test]
        fn shortest_names_the_target_the_maximum_and_what_it_gives() {
            let e = shortest(40.0, 4..=12, "digits", |n| {
                BigUint::from(10u32).pow(n as u32)
            });
            assert_eq!(
                e.unwrap_err().to_string(),
                "40 bits need more than 12 digits: 12 give 39.86 bits"
            );
            let e = shortest(513.0, 20..=64, "bytes of secret", |n| {
                BigUint::from(1u32) << (8 * n)
            });
            assert_eq!(
                e.unwrap_err().to_string(),
                "513 bits need more than 64 bytes of secret: 64 give 512 bits"
            );
            for bits in [0.0, -1.0, f64::NAN, f64::INFINITY] {
                let e = shortest(bits, 1..=2, "words", BigUint::from).unwrap_err();
                assert!(e.to_string().contains("positive number of bits"), "{e}");
            }
            // Far past any size: found without building 2^bits.
            let e = shortest(1e300, 1..=1000, "words", |n| {
                BigUint::from(7776u32).pow(n as u32)
            });
            assert!(
                e.unwrap_err()
                    .to_string()
                    .contains("need more than 1000 words: 1000 give")
            );
        }
    }
}

/// `log2(n)` of an arbitrary-precision integer, as exact as an `f64` can
/// hold (relative error below 2^-52); `log2(0)` is negative infinity.
pub fn log2(n: &BigUint) -> f64 {
    let bits = n.bits();
    if bits == 0 {
        return f64::NEG_INFINITY;
    }
    // Keep the top 64 bits: n = top * 2^shift with top < 2^64, so
    // log2(n) = log2(top) + shift, and top as f64 rounds only past bit 53.
    let shift = bits.saturating_sub(64);
    let top = n >> shift;
    let top = top.iter_u64_digits().next().unwrap_or(0) as f64;
    top.log2() + shift as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log2_of_powers_of_two_is_exact() {
        for k in [0u32, 1, 7, 63, 64, 65, 200, 4096] {
            assert_eq!(log2(&(BigUint::from(1u32) << k)), f64::from(k));
        }
    }

    #[test]
    fn log2_of_other_values() {
        assert!((log2(&BigUint::from(10u32)) - 10f64.log2()).abs() < 1e-15);
        let n = BigUint::from(62u32).pow(30);
        assert!((log2(&n) - 30.0 * 62f64.log2()).abs() < 1e-12);
        assert_eq!(log2(&BigUint::from(0u32)), f64::NEG_INFINITY);
    }
}
