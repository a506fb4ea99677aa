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

/// Checks an entropy target (`--bits B`, `with_bits(B)`): every generator
/// that picks its length from a number of bits takes a positive, finite
/// number and says so in the same words.
#[cfg(any(
    feature = "password",
    feature = "passphrase",
    feature = "otp",
    feature = "apikey",
    feature = "reset"
))]
pub(crate) fn check_bits_target(bits: f64) -> crate::Result<()> {
    if bits.is_finite() && bits > 0.0 {
        Ok(())
    } else {
        Err(crate::Error::InvalidInput(format!(
            "the entropy target must be a positive number of bits, not {bits}"
        )))
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
