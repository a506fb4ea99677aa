//! Recovery codes: the codes a user prints or saves when enrolling a second
//! factor, each good for one sign-in without it.
//!
//! A code is 10 characters of Crockford's base32 (exactly 50 bits, drawn
//! uniformly), shown as `xxxxx-xxxxx` in lowercase. What the user types
//! back is read as Crockford reads it ([`normalize`]): case, spaces and
//! hyphens are ignored, and the look-alikes `I`/`L` read as `1` and `O`
//! as `0`.
//!
//! ```
//! use keysmith::Recipe;
//! use keysmith::recovery::{RecoveryCodesRecipe, normalize};
//!
//! let set = RecoveryCodesRecipe::new(10)?;
//! let codes = set.generate();
//! assert_eq!(codes.len(), 10);
//! assert_eq!(codes[0].len(), 11);                 // "xxxxx-xxxxx"
//! assert_eq!(RecoveryCodesRecipe::ENTROPY_BITS, 50.0);  // per code
//! let typed = codes[0].to_uppercase().replace('-', " ");
//! assert_eq!(normalize(&typed), normalize(&codes[0]));
//! assert_eq!(normalize("0ilo1-abcde"), Some("01101ABCDE".to_string()));
//! assert_eq!(normalize("too short"), None);
//! # Ok::<(), keysmith::Error>(())
//! ```

use num_bigint::BigUint;
use rand_core::CryptoRng;

use crate::otp::{CROCKFORD_BASE32, CodeFormat};
use crate::{Error, Recipe, Result};

/// A set of recovery codes: [`count`](RecoveryCodesRecipe::count) codes of
/// [`LEN`](RecoveryCodesRecipe::LEN) Crockford base32 characters each. A
/// [`Recipe`] whose output is the whole set.
#[derive(Debug, Clone)]
pub struct RecoveryCodesRecipe {
    count: usize,
    code: CodeFormat,
}

/// The former name of [`RecoveryCodesRecipe`].
#[deprecated(
    note = "renamed to `RecoveryCodesRecipe`: it is the recipe; what it draws are the codes"
)]
pub type RecoveryCodes = RecoveryCodesRecipe;

impl RecoveryCodesRecipe {
    /// Characters in a code (without the hyphen).
    pub const LEN: usize = 10;
    /// Entropy of one code, in bits: `LEN * log2(32)`.
    pub const ENTROPY_BITS: f64 = 50.0;
    /// The most codes in one set.
    pub const MAX_COUNT: usize = 20;
    /// How many codes a set has unless told otherwise.
    pub const DEFAULT_COUNT: usize = 10;

    /// A set of `count` codes (1 to
    /// [`MAX_COUNT`](RecoveryCodesRecipe::MAX_COUNT)).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a count out of range.
    pub fn new(count: usize) -> Result<RecoveryCodesRecipe> {
        if !(1..=Self::MAX_COUNT).contains(&count) {
            return Err(Error::InvalidInput(format!(
                "the number of recovery codes must be between 1 and {} (got {count})",
                Self::MAX_COUNT
            )));
        }
        Ok(RecoveryCodesRecipe {
            count,
            code: CodeFormat::alphabet(CROCKFORD_BASE32, Self::LEN)?,
        })
    }

    /// How many codes the set has.
    pub fn count(&self) -> usize {
        self.count
    }

    /// One code, shown as `xxxxx-xxxxx`.
    pub fn sample_one<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> String {
        let raw = self.code.sample(rng).to_lowercase();
        format!("{}-{}", &raw[..5], &raw[5..])
    }
}

impl Recipe for RecoveryCodesRecipe {
    type Output = Vec<String>;

    /// `count` codes, each drawn independently and uniformly. (Two codes of
    /// a set are equal with probability below `count² / 2^51`.)
    fn sample<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> Vec<String> {
        (0..self.count).map(|_| self.sample_one(rng)).collect()
    }

    /// The number of possible codes, `32^10`: the space of each code, the
    /// figure an attacker guessing one code faces.
    fn space(&self) -> BigUint {
        self.code.space()
    }
}

/// A typed recovery code in its canonical form (10 uppercase Crockford
/// characters), or `None` if it cannot be one. Case, spaces and hyphens
/// are ignored; `I` and `L` read as `1`, `O` as `0`.
pub fn normalize(typed: &str) -> Option<String> {
    let mut out = String::with_capacity(RecoveryCodesRecipe::LEN);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' | '\t' => continue,
            'I' | 'L' => '1',
            'O' => '0',
            c if CROCKFORD_BASE32.contains(c) => c,
            _ => return None,
        };
        if out.len() == RecoveryCodesRecipe::LEN {
            return None;
        }
        out.push(c);
    }
    (out.len() == RecoveryCodesRecipe::LEN).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;

    #[test]
    fn codes_have_the_shape_and_entropy() {
        let set = RecoveryCodesRecipe::new(20).unwrap();
        assert_eq!(set.entropy_bits(), RecoveryCodesRecipe::ENTROPY_BITS);
        let mut rng = chacha20::ChaCha20Rng::seed_from_u64(7);
        let codes = set.sample(&mut rng);
        assert_eq!(codes.len(), 20);
        for c in &codes {
            assert_eq!(c.len(), 11, "{c}");
            assert_eq!(&c[5..6], "-");
            let canon = normalize(c).unwrap();
            assert_eq!(canon, c.replace('-', "").to_uppercase());
        }
        assert!(RecoveryCodesRecipe::new(0).is_err());
        assert!(RecoveryCodesRecipe::new(21).is_err());
    }

    /// Every character of the alphabet is equally likely at every position
    /// (a chi-square test over a seeded generator, 31 degrees of freedom).
    #[test]
    fn characters_are_uniform() {
        let set = RecoveryCodesRecipe::new(20).unwrap();
        let mut rng = chacha20::ChaCha20Rng::seed_from_u64(42);
        let mut counts = [0u32; 32];
        let mut n = 0u32;
        for _ in 0..2000 {
            for code in set.sample(&mut rng) {
                for c in code.chars().filter(|&c| c != '-') {
                    let i = CROCKFORD_BASE32
                        .find(c.to_ascii_uppercase())
                        .expect("in the alphabet");
                    counts[i] += 1;
                    n += 1;
                }
            }
        }
        let expected = f64::from(n) / 32.0;
        let chi2: f64 = counts
            .iter()
            .map(|&k| (f64::from(k) - expected).powi(2) / expected)
            .sum();
        // p = 0.0001 for 31 degrees of freedom is about 66.6.
        assert!(chi2 < 66.6, "chi-square {chi2}: {counts:?}");
    }

    #[test]
    fn typing_is_forgiven_as_crockford_reads_it() {
        assert_eq!(normalize("abcde-fghjk").as_deref(), Some("ABCDEFGHJK"));
        assert_eq!(normalize(" ABCDE FGHJK ").as_deref(), Some("ABCDEFGHJK"));
        assert_eq!(normalize("iLoIL-00000").as_deref(), Some("1101100000"));
        for bad in [
            "",
            "abcde",
            "abcde-fghjkm",
            "abcde-fghju",
            "abcde_fghjk",
            "abcdé-fghjk",
        ] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
    }
}
