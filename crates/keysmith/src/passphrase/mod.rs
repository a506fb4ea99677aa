//! Passphrases: words drawn uniformly from a word list, with exact entropy.
//!
//! A [`PassphraseRecipe`] is a word list, a number of words, a separator,
//! a letter case and optionally one digit and one symbol. It is checked
//! when built, and every draw is uniform over its [`space`](Recipe::space),
//! which is counted exactly.
//!
//! ```
//! use keysmith::Recipe;
//! use keysmith::passphrase::{Case, PassphraseRecipe, WordList};
//!
//! // The default: 6 words of the EFF long list, 77.5 bits.
//! let recipe = PassphraseRecipe::builder().build()?;
//! let phrase = recipe.generate();
//! assert_eq!(phrase.split(' ').count(), 6);
//! assert!(recipe.entropy_bits() >= 77.0);
//!
//! // At least 100 bits from a short list, joined by '-', one word's case
//! // drawn at random, and a digit after one of the words.
//! let recipe = PassphraseRecipe::builder()
//!     .list(WordList::bundled("eff-short1")?)
//!     .bits(100)
//!     .separator("-")
//!     .case(Case::Random)
//!     .digit(true)
//!     .build()?;
//! assert!(recipe.entropy_bits() >= 100.0);
//! assert!(recipe.is_uniquely_decodable());
//! # Ok::<(), keysmith::Error>(())
//! ```
//!
//! # What is counted
//!
//! The words of a draw are independent and uniform over the recipe's
//! *choices per word* ([`PassphraseRecipe::choices_per_word`]): the list's
//! words after the case is applied, with any words the case makes equal
//! counted once. With [`Case::Random`] the choices are all the distinct forms
//! `lower`, `UPPER` and `Title` of every word ("a" has two forms, "2x4" one),
//! so every printed word is exactly equally likely and the count is exact.
//!
//! With [`digit`](PassphraseBuilder::digit), one of the words, chosen
//! uniformly, is followed by one digit `0`–`9` chosen uniformly: a factor of
//! `10 × words`. With [`symbol`](PassphraseBuilder::symbol), likewise one
//! word is followed by one symbol of [`DEFAULT_SYMBOLS`] (or the set given):
//! a factor of `symbols × words`, drawn independently of the digit (when
//! both follow the same word, the digit comes first).
//!
//! So [`space`](Recipe::space) is `choices^words × (10·words) ×
//! (symbols·words)`, the last two factors only when enabled: the number of
//! equally likely draws. Different draws give different passphrases unless
//! the separator can be confused with the words (an empty separator, for
//! one); [`PassphraseRecipe::decodability`] tells, and where it is not
//! [`Decodability::Unique`] the entropy is an upper bound. Choosing the
//! number of words from an entropy target
//! ([`bits`](PassphraseBuilder::bits)) therefore needs a recipe whose
//! decodability is `Unique`; for any other, [`build`](PassphraseBuilder::build)
//! fails.
//!
//! The uniqueness test is bounded whatever the list: it gives up with
//! [`Decodability::Unknown`] past [`DECODE_BUDGET`] units of work, or when
//! the strings it would test number more than [`MAX_CODEWORDS`] or hold
//! more than [`MAX_CODEWORD_BYTES`].
//!
//! A passphrase is drawn into a [`SecretString`]: the words are drawn
//! first, then written into a buffer reserved at the passphrase's exact
//! length (so it never moves, leaving no copy behind), wiped when it is
//! dropped; its `Debug` form does not show it.

mod builder;
mod case;
mod decodability;
mod decode;
mod wordlist;

pub use crate::secret::SecretString;
pub use builder::PassphraseBuilder;
pub use case::Case;
pub use decodability::{
    DECODE_BUDGET, DECODE_STEP_COST, Decodability, MAX_CODEWORD_BYTES, MAX_CODEWORDS,
};
pub use wordlist::WordList;

use crate::Result;
use crate::entropy::Recipe;
use num_bigint::BigUint;
use rand_core::CryptoRng;
use std::fmt;
use std::sync::OnceLock;
use zeroize::Zeroizing;

/// The symbols [`PassphraseBuilder::symbol`] draws from by default: ten
/// ASCII symbols found on every keyboard layout's number row or near it,
/// none of them a quote, a bracket, a backslash or a character commonly
/// used as a separator (`-`, `_`, `.`, `,`, space).
pub const DEFAULT_SYMBOLS: &str = "!#$%&*+=?@";

/// The smallest number of bits the default word count reaches.
pub const DEFAULT_BITS: u32 = 77;

/// The most words a passphrase can have.
pub const MAX_WORDS: usize = 1000;

/// A passphrase recipe: words drawn uniformly and independently from a
/// word list. Build one with [`PassphraseRecipe::builder`].
///
/// Drawing cannot fail; [`space`](Recipe::space) is the exact number of
/// equally likely draws (see the [module docs](self)).
#[derive(Clone)]
pub struct PassphraseRecipe {
    choices: Vec<String>,
    words: usize,
    separator: String,
    case: Case,
    digit: bool,
    symbols: Option<Vec<char>>,
    decodability: OnceLock<Decodability>,
}

/// The former name of [`PassphraseRecipe`].
#[deprecated(
    note = "renamed to `PassphraseRecipe`: it is the recipe; what it draws is a passphrase"
)]
pub type Passphrase = PassphraseRecipe;

impl PassphraseRecipe {
    /// A builder with every setting at its default: 6 space-separated
    /// words of the EFF long list.
    pub fn builder() -> PassphraseBuilder {
        PassphraseBuilder::default()
    }

    /// The number of words.
    pub fn words(&self) -> usize {
        self.words
    }

    /// The separator between words.
    pub fn separator(&self) -> &str {
        &self.separator
    }

    /// The letter case.
    pub fn case(&self) -> Case {
        self.case
    }

    /// Whether one word is followed by a digit.
    pub fn has_digit(&self) -> bool {
        self.digit
    }

    /// The symbols one word is followed by one of, if any.
    pub fn symbols(&self) -> Option<&[char]> {
        self.symbols.as_deref()
    }

    /// The number of distinct strings each word is drawn from: the list
    /// after the length filters and the case (with [`Case::Random`], every
    /// distinct form of every word).
    pub fn choices_per_word(&self) -> usize {
        self.choices.len()
    }

    /// The exact number of equally likely draws of `words` words with this
    /// recipe's other settings.
    fn space_for(&self, words: usize) -> BigUint {
        // words <= MAX_WORDS, so the exponent fits.
        let mut space = BigUint::from(self.choices.len()).pow(words as u32);
        if self.digit {
            space *= BigUint::from(10 * words);
        }
        if let Some(s) = &self.symbols {
            space *= BigUint::from(s.len() * words);
        }
        space
    }

    /// The smallest number of words whose space reaches the entropy
    /// target `bits`.
    fn words_for_bits(&self, bits: f64) -> Result<usize> {
        crate::entropy::target::shortest(bits, 1..=MAX_WORDS, "words of this list", |n| {
            self.space_for(n)
        })
    }
}

impl Recipe for PassphraseRecipe {
    type Output = SecretString;

    fn sample<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> SecretString {
        use crate::sample::index;
        // One request to the source for many small draws.
        let rng = &mut crate::rng::Buffered::<R>::new(rng);
        // Where the digit and the symbol go is drawn first, then the words
        // in order; the words are written once all are drawn, into a
        // buffer of exactly their length.
        let digit = self.digit.then(|| (index(rng, self.words), index(rng, 10)));
        let symbol = self
            .symbols
            .as_ref()
            .map(|s| (index(rng, self.words), s[index(rng, s.len())]));
        let mut picked: Zeroizing<Vec<usize>> = Zeroizing::new(Vec::with_capacity(self.words));
        for _ in 0..self.words {
            picked.push(index(rng, self.choices.len()));
        }
        let bytes = picked.iter().map(|&w| self.choices[w].len()).sum::<usize>()
            + (self.words - 1) * self.separator.len()
            + usize::from(self.digit)
            + symbol.map_or(0, |(_, s)| s.len_utf8());
        let mut out = Zeroizing::new(String::with_capacity(bytes));
        let reserved = out.capacity();
        for (i, &w) in picked.iter().enumerate() {
            if i > 0 {
                out.push_str(&self.separator);
            }
            out.push_str(&self.choices[w]);
            if let Some((slot, d)) = digit
                && slot == i
            {
                out.push(char::from(b'0' + d as u8));
            }
            if let Some((slot, s)) = symbol
                && slot == i
            {
                out.push(s);
            }
        }
        debug_assert_eq!(out.capacity(), reserved, "the buffer moved");
        SecretString::new(out)
    }

    fn space(&self) -> BigUint {
        self.space_for(self.words)
    }
}

/// Shows the settings, not the word list.
impl fmt::Debug for PassphraseRecipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PassphraseRecipe")
            .field("words", &self.words)
            .field("choices_per_word", &self.choices.len())
            .field("separator", &self.separator)
            .field("case", &self.case)
            .field("digit", &self.digit)
            .field("symbols", &self.symbols)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(words: &[&str]) -> WordList {
        WordList::from_words(words).unwrap()
    }

    #[test]
    fn fractional_bits() {
        // 6 words of eff-long give 77.549 bits.
        let words = |bits: f64| {
            PassphraseRecipe::builder()
                .bits(bits)
                .build()
                .unwrap()
                .words()
        };
        assert_eq!(words(77.5), 6);
        assert_eq!(words(77.54), 6);
        assert_eq!(words(77.55), 7);
        assert_eq!(words(77.6), 7);
        // Two words: 2^n draws, so n bits exactly and n + 0.5 need one more.
        let two = |bits: f64| {
            PassphraseRecipe::builder()
                .list(list(&["a", "b"]))
                .bits(bits)
                .build()
                .unwrap()
                .words()
        };
        assert_eq!(two(10.0), 10);
        assert_eq!(two(10.5), 11);
        assert_eq!(two(0.25), 1);
        // Whole numbers of any integer type still work.
        assert_eq!(
            PassphraseRecipe::builder()
                .bits(77u32)
                .build()
                .unwrap()
                .words(),
            6
        );
        assert_eq!(
            PassphraseRecipe::builder()
                .bits(100)
                .build()
                .unwrap()
                .words(),
            8
        );
    }

    #[test]
    fn bits_must_be_a_positive_number() {
        for bits in [
            0.0,
            -0.0,
            -1.0,
            -77.5,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            let e = PassphraseRecipe::builder().bits(bits).build().unwrap_err();
            assert!(
                e.to_string().contains("positive number of bits"),
                "{bits}: {e}"
            );
        }
        // Far beyond what 1000 words reach: an error, found without
        // building 2^bits.
        for bits in [f64::from(u32::MAX), 1e300] {
            let e = PassphraseRecipe::builder().bits(bits).build().unwrap_err();
            assert!(e.to_string().contains("more than 1000 words"), "{e}");
        }
    }
}
