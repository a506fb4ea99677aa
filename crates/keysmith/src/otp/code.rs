//! Random one-time codes: numeric or over a chosen alphabet.

use crate::entropy::Recipe;
use crate::sample::UniformBelow;
use crate::{Error, Result};
use num_bigint::BigUint;
use rand_core::CryptoRng;
use std::fmt::Write as _;
use zeroize::Zeroizing;

/// Crockford's base32 alphabet: digits and uppercase letters without
/// `I`, `L`, `O` and `U`, so a code read aloud or copied by hand is hard
/// to get wrong. Each character carries exactly 5 bits.
pub const CROCKFORD_BASE32: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The longest alphabet code [`CodeFormat::alphabet`] accepts.
pub const MAX_ALPHABET_CODE_LENGTH: usize = 256;

const MIN_DIGITS: u32 = 4;
const MAX_DIGITS: u32 = 12;

/// The digits a numeric code may have: 4 to 12 ([`Code::numeric`]).
pub const NUMERIC_DIGITS: std::ops::RangeInclusive<u32> = MIN_DIGITS..=MAX_DIGITS;

/// A one-time code format: `D` decimal digits, or `L` characters of an
/// alphabet. A [`Recipe`]: every code of the format is exactly equally
/// likely, and [`space`](Recipe::space) is `10^D` or `|alphabet|^L`.
///
/// Numeric codes are zero-padded (`"004217"`): leading zeros are codes
/// like any other, so dropping them would shrink the space.
///
/// ```
/// use keysmith::Recipe;
/// use keysmith::otp::CodeFormat;
///
/// let code = CodeFormat::numeric(6)?;
/// let sent = code.generate();
/// assert!(sent.len() == 6 && sent.bytes().all(|b| b.is_ascii_digit()));
/// assert!(code.verify(&sent, &format!(" {sent}\n")));
/// assert_eq!(CodeFormat::numeric(3).unwrap_err().to_string(),
///            "the number of digits must be between 4 and 12 (got 3)");
/// # Ok::<(), keysmith::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeFormat {
    kind: Kind,
}

/// The former name of [`CodeFormat`].
#[deprecated(note = "renamed to `CodeFormat`: it is the format; what it draws is a code")]
pub type Code = CodeFormat;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// `digits` decimal digits; `bound = 10^digits`.
    Numeric { digits: usize, bound: u64 },
    /// `length` characters of `chars` (distinct, in the order given).
    Alphabet { chars: Vec<char>, length: usize },
}

impl CodeFormat {
    /// Codes of `digits` decimal digits, zero-padded, uniform over
    /// `10^digits`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] unless `4 <= digits <= 12` (fewer than 4 is
    /// guessable; more than 12 is no longer a code to type).
    pub fn numeric(digits: u32) -> Result<CodeFormat> {
        if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits) {
            return Err(Error::InvalidInput(format!(
                "the number of digits must be between {MIN_DIGITS} and {MAX_DIGITS} (got {digits})"
            )));
        }
        Ok(CodeFormat {
            kind: Kind::Numeric {
                digits: digits as usize,
                bound: 10u64.pow(digits),
            },
        })
    }

    /// Codes of `length` characters drawn independently and uniformly from
    /// `set` (for example [`CROCKFORD_BASE32`]). Repeated characters in
    /// `set` are dropped first, since they would make some codes likelier
    /// and inflate the entropy.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when `set` has fewer than 2 distinct
    /// characters, contains whitespace or a control character, or when
    /// `length` is 0 or above [`MAX_ALPHABET_CODE_LENGTH`].
    pub fn alphabet(set: &str, length: usize) -> Result<CodeFormat> {
        let chars = distinct_chars(set)?;
        if !(1..=MAX_ALPHABET_CODE_LENGTH).contains(&length) {
            return Err(Error::InvalidInput(format!(
                "the code length must be between 1 and {MAX_ALPHABET_CODE_LENGTH} (got {length})"
            )));
        }
        Ok(CodeFormat {
            kind: Kind::Alphabet { chars, length },
        })
    }

    /// The shortest numeric code (at least 4 digits) whose entropy reaches
    /// the entropy target `bits`.
    ///
    /// ```
    /// use keysmith::otp::CodeFormat;
    /// assert_eq!(CodeFormat::numeric_for_bits(20.0)?, CodeFormat::numeric(7)?); // 23.25 bits
    /// assert_eq!(CodeFormat::numeric_for_bits(1.0)?, CodeFormat::numeric(4)?);
    /// assert!(CodeFormat::numeric_for_bits(40.0).is_err());                       // 13 digits
    /// # Ok::<(), keysmith::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the entropy target is not a positive
    /// finite number, or needs more than 12 digits ("40 bits need more than
    /// 12 digits: 12 give 39.86 bits"; use an alphabet).
    pub fn numeric_for_bits(bits: f64) -> Result<CodeFormat> {
        let digits = crate::entropy::target::shortest(
            bits,
            MIN_DIGITS as usize..=MAX_DIGITS as usize,
            "digits",
            |d| BigUint::from(10u32).pow(d as u32),
        )?;
        CodeFormat::numeric(digits as u32)
    }

    /// The shortest code over `set` whose entropy reaches the entropy
    /// target `bits`.
    ///
    /// # Errors
    ///
    /// As [`CodeFormat::alphabet`], and [`Error::InvalidInput`] when the
    /// entropy target is not a positive finite number or needs more than
    /// [`MAX_ALPHABET_CODE_LENGTH`] characters.
    pub fn alphabet_for_bits(set: &str, bits: f64) -> Result<CodeFormat> {
        crate::entropy::target::check_bits_target(bits)?;
        let chars = distinct_chars(set)?;
        let n = BigUint::from(chars.len());
        let length = crate::entropy::target::shortest(
            bits,
            1..=MAX_ALPHABET_CODE_LENGTH,
            "characters of this alphabet",
            |l| n.pow(l as u32),
        )?;
        Ok(CodeFormat {
            kind: Kind::Alphabet { chars, length },
        })
    }

    /// How many characters every code of this format has.
    pub fn length(&self) -> usize {
        match &self.kind {
            Kind::Numeric { digits, .. } => *digits,
            Kind::Alphabet { length, .. } => *length,
        }
    }

    /// Whether codes are decimal digits ([`CodeFormat::numeric`]).
    pub fn is_numeric(&self) -> bool {
        matches!(self.kind, Kind::Numeric { .. })
    }

    /// The characters codes are made of, each once, in order.
    pub fn characters(&self) -> Vec<char> {
        match &self.kind {
            Kind::Numeric { .. } => ('0'..='9').collect(),
            Kind::Alphabet { chars, .. } => chars.clone(),
        }
    }

    /// Whether `s` could have come from this format: the right length, and
    /// only characters of the alphabet. Says nothing about whether it is
    /// the right code.
    pub fn is_well_formed(&self, s: &str) -> bool {
        match &self.kind {
            Kind::Numeric { digits, .. } => {
                s.len() == *digits && s.bytes().all(|b| b.is_ascii_digit())
            }
            Kind::Alphabet { chars, length } => {
                s.chars().count() == *length && s.chars().all(|c| chars.contains(&c))
            }
        }
    }

    /// What a user typed, tidied the way users mistype: surrounding
    /// whitespace removed and, when the alphabet has letters of one case
    /// only, letters folded to that case (`"7hk2"` becomes `"7HK2"` for
    /// [`CROCKFORD_BASE32`]).
    pub fn normalize(&self, presented: &str) -> String {
        let s = presented.trim();
        let Kind::Alphabet { chars, .. } = &self.kind else {
            return s.to_owned();
        };
        let upper = chars.iter().any(|c| c.is_uppercase());
        let lower = chars.iter().any(|c| c.is_lowercase());
        match (upper, lower) {
            (true, false) => s.to_uppercase(),
            (false, true) => s.to_lowercase(),
            _ => s.to_owned(),
        }
    }

    /// Whether `presented` (after [`normalize`](CodeFormat::normalize)) equals
    /// the `expected` code, compared in constant time with
    /// [`compare_digest`](crate::compare_digest).
    ///
    /// A server that stores codes keyed-hashed rather than in plain text
    /// normalizes the presented code, hashes it with the same key, and
    /// compares the digests with `compare_digest` instead.
    pub fn verify(&self, expected: &str, presented: &str) -> bool {
        // The presented code may be the right one: wipe the tidied copy.
        let presented = Zeroizing::new(self.normalize(presented));
        crate::compare_digest(expected, presented.as_str())
    }
}

impl Recipe for CodeFormat {
    type Output = String;

    fn sample<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> String {
        match &self.kind {
            Kind::Numeric { digits, bound } => {
                // Exact: rejection sampling below 10^D, never `%` on the draw.
                let n = u64::sample_below(rng, bound);
                // Reserved at the final size: `format!` would grow its
                // buffer and free the smaller one, part of the code in it.
                let mut s = String::with_capacity(*digits);
                let _ = write!(s, "{n:0digits$}");
                s
            }
            Kind::Alphabet { chars, length } => {
                // Room for the widest character every time, so no push
                // reallocates and leaves part of the code in freed memory.
                let widest = chars.iter().map(|c| c.len_utf8()).max().unwrap_or(1);
                let mut s = String::with_capacity(*length * widest);
                for _ in 0..*length {
                    s.push(chars[crate::sample::index(rng, chars.len())]);
                }
                s
            }
        }
    }

    fn space(&self) -> BigUint {
        match &self.kind {
            Kind::Numeric { bound, .. } => BigUint::from(*bound),
            Kind::Alphabet { chars, length } => BigUint::from(chars.len()).pow(*length as u32),
        }
    }
}

/// The distinct characters of `set` in first-seen order.
fn distinct_chars(set: &str) -> Result<Vec<char>> {
    let mut chars: Vec<char> = Vec::new();
    for c in set.chars() {
        if c.is_whitespace() || c.is_control() {
            return Err(Error::InvalidInput(format!(
                "the alphabet must not contain whitespace or control characters (found U+{:04X})",
                u32::from(c)
            )));
        }
        if !chars.contains(&c) {
            chars.push(c);
        }
    }
    if chars.len() < 2 {
        return Err(Error::InvalidInput(format!(
            "the alphabet needs at least 2 distinct characters (got {})",
            chars.len()
        )));
    }
    Ok(chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_out_of_range_name_the_value() {
        for d in [0, 3, 13, 100] {
            let e = CodeFormat::numeric(d).unwrap_err().to_string();
            assert!(e.contains(&format!("(got {d})")), "{e}");
        }
        for d in 4..=12 {
            assert_eq!(CodeFormat::numeric(d).unwrap().length(), d as usize);
        }
    }

    #[test]
    fn alphabet_is_deduplicated() {
        let c = CodeFormat::alphabet("abcabcab", 4).unwrap();
        assert_eq!(c.characters(), vec!['a', 'b', 'c']);
        assert_eq!(c.space(), BigUint::from(81u32));
        assert!(CodeFormat::alphabet("aaaa", 4).is_err());
        assert!(CodeFormat::alphabet("", 4).is_err());
        assert!(CodeFormat::alphabet("ab c", 4).is_err());
        assert!(CodeFormat::alphabet("ab", 0).is_err());
        assert!(CodeFormat::alphabet("ab", MAX_ALPHABET_CODE_LENGTH + 1).is_err());
    }

    #[test]
    fn crockford_has_32_distinct_characters() {
        assert_eq!(distinct_chars(CROCKFORD_BASE32).unwrap().len(), 32);
        for c in ['I', 'L', 'O', 'U'] {
            assert!(!CROCKFORD_BASE32.contains(c));
        }
    }

    #[test]
    fn bits_pick_the_shortest_length() {
        // 10^6 < 2^20 <= 10^7
        assert_eq!(CodeFormat::numeric_for_bits(20.0).unwrap().length(), 7);
        assert_eq!(CodeFormat::numeric_for_bits(19.9).unwrap().length(), 6);
        assert_eq!(CodeFormat::numeric_for_bits(39.8).unwrap().length(), 12);
        assert!(CodeFormat::numeric_for_bits(39.9).is_err());
        assert!(CodeFormat::numeric_for_bits(0.0).is_err());
        assert!(CodeFormat::numeric_for_bits(f64::NAN).is_err());
        // 32^8 = 2^40 exactly
        let c = CodeFormat::alphabet_for_bits(CROCKFORD_BASE32, 40.0).unwrap();
        assert_eq!(c.length(), 8);
        assert_eq!(
            CodeFormat::alphabet_for_bits(CROCKFORD_BASE32, 40.1)
                .unwrap()
                .length(),
            9
        );
    }

    #[test]
    fn codes_are_allocated_once_at_their_final_size() {
        let mut rng = crate::rng();
        for d in 4..=12 {
            let c = CodeFormat::numeric(d).unwrap().sample(&mut rng);
            assert_eq!((c.len(), c.capacity()), (d as usize, d as usize), "{c}");
        }
        // Two-byte characters: the room for the widest is reserved.
        let wide = CodeFormat::alphabet("aé", 40).unwrap();
        for _ in 0..20 {
            let c = wide.sample(&mut rng);
            assert_eq!(c.chars().count(), 40);
            assert_eq!(c.capacity(), 80, "reallocated");
        }
    }

    #[test]
    fn normalize_folds_case_for_one_case_alphabets() {
        let c = CodeFormat::alphabet(CROCKFORD_BASE32, 4).unwrap();
        assert_eq!(c.normalize(" 7hk2\n"), "7HK2");
        assert!(c.verify("7HK2", "7hk2"));
        assert!(!c.verify("7HK2", "7HK3"));
        let mixed = CodeFormat::alphabet("aB", 4).unwrap();
        assert_eq!(mixed.normalize("ab"), "ab");
        let n = CodeFormat::numeric(4).unwrap();
        assert!(n.is_well_formed("0123"));
        assert!(!n.is_well_formed("012a"));
        assert!(!n.is_well_formed("01234"));
    }
}
