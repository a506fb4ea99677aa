//! Building a [`PassphraseRecipe`]: every setting checked together, so drawing
//! cannot fail.

use super::case::choices;
use super::{
    Case, DEFAULT_BITS, DEFAULT_SYMBOLS, Decodability, MAX_WORDS, PassphraseRecipe, WordList,
};
use crate::{Error, Result};
use std::collections::HashSet;
use std::sync::OnceLock;

/// Builds a [`PassphraseRecipe`]; every setting has a default.
#[derive(Debug, Clone, Default)]
pub struct PassphraseBuilder {
    list: Option<WordList>,
    words: Option<usize>,
    bits: Option<f64>,
    separator: Option<String>,
    case: Case,
    min_length: Option<usize>,
    max_length: Option<usize>,
    digit: bool,
    symbols: Option<String>,
}

impl PassphraseBuilder {
    /// The word list (default: [`WordList::eff_long`]).
    pub fn list(mut self, list: WordList) -> Self {
        self.list = Some(list);
        self
    }

    /// The number of words, 1 to [`MAX_WORDS`]. Without it (and without
    /// [`bits`](Self::bits)), the smallest number that reaches
    /// [`DEFAULT_BITS`] (77) bits with all the other settings: 6 for the
    /// EFF long list.
    pub fn words(mut self, n: usize) -> Self {
        self.words = Some(n);
        self
    }

    /// Use the smallest number of words whose entropy, with all the other
    /// settings, reaches the entropy target `bits`: a whole number
    /// (`.bits(100)`) or not (`.bits(77.5)`), a whole number compared
    /// exactly.
    ///
    /// The entropy is exact only when different draws give different
    /// passphrases, so [`build`](Self::build) fails unless the recipe's
    /// [`decodability`](PassphraseRecipe::decodability) is
    /// [`Decodability::Unique`] (a separator that no word contains always
    /// is).
    pub fn bits(mut self, bits: impl Into<f64>) -> Self {
        self.bits = Some(bits.into());
        self
    }

    /// What goes between words (default a space; any string, empty
    /// allowed).
    pub fn separator(mut self, s: impl Into<String>) -> Self {
        self.separator = Some(s.into());
        self
    }

    /// The letter case (default [`Case::Keep`]).
    pub fn case(mut self, case: Case) -> Self {
        self.case = case;
        self
    }

    /// Keep only words of at least `n` characters.
    pub fn min_length(mut self, n: usize) -> Self {
        self.min_length = Some(n);
        self
    }

    /// Keep only words of at most `n` characters.
    pub fn max_length(mut self, n: usize) -> Self {
        self.max_length = Some(n);
        self
    }

    /// Follow one uniformly chosen word with a uniform digit `0`–`9`.
    pub fn digit(mut self, on: bool) -> Self {
        self.digit = on;
        self
    }

    /// Follow one uniformly chosen word with a uniform symbol from
    /// [`DEFAULT_SYMBOLS`] (or the set given to
    /// [`symbols`](Self::symbols)).
    pub fn symbol(mut self, on: bool) -> Self {
        match (on, self.symbols.is_some()) {
            (true, false) => self.symbols = Some(DEFAULT_SYMBOLS.into()),
            (false, _) => self.symbols = None,
            (true, true) => {}
        }
        self
    }

    /// Follow one word with a symbol drawn from `set` (implies
    /// [`symbol(true)`](Self::symbol)). Repeated characters count once.
    pub fn symbols(mut self, set: impl Into<String>) -> Self {
        self.symbols = Some(set.into());
        self
    }

    /// The recipe.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when both a word count and an entropy target
    /// are given, the word count is 0 or above [`MAX_WORDS`], the length
    /// filters cross or leave fewer than 2 words, the case leaves fewer
    /// than 2 distinct words, the symbol set is empty or contains
    /// whitespace or control characters, the entropy target is not a
    /// positive finite number or needs more than [`MAX_WORDS`] words, or an
    /// entropy target is given and the recipe's
    /// [`decodability`](PassphraseRecipe::decodability) is not
    /// [`Decodability::Unique`].
    pub fn build(self) -> Result<PassphraseRecipe> {
        let list = self.list.unwrap_or_default();
        let list = if self.min_length.is_some() || self.max_length.is_some() {
            list.filter_length(self.min_length, self.max_length)?
        } else {
            list
        };
        let choices = choices(&list, self.case);
        if choices.len() < 2 {
            return Err(Error::InvalidInput(
                "the case leaves only 1 distinct word; at least 2 are needed".into(),
            ));
        }
        let symbols = match self.symbols {
            None => None,
            Some(set) => {
                let mut seen = HashSet::new();
                let chars: Vec<char> = set.chars().filter(|c| seen.insert(*c)).collect();
                if chars.is_empty() {
                    return Err(Error::InvalidInput("the symbol set is empty".into()));
                }
                if let Some(c) = chars.iter().find(|c| c.is_whitespace() || c.is_control()) {
                    return Err(Error::InvalidInput(format!(
                        "the symbol set contains whitespace or a control character ({c:?})"
                    )));
                }
                Some(chars)
            }
        };
        let mut recipe = PassphraseRecipe {
            choices,
            words: 1,
            separator: self.separator.unwrap_or_else(|| " ".into()),
            case: self.case,
            digit: self.digit,
            symbols,
            decodability: OnceLock::new(),
        };
        recipe.words = match (self.words, self.bits) {
            (Some(_), Some(_)) => {
                return Err(Error::InvalidInput(
                    "give either a number of words or a number of bits, not both".into(),
                ));
            }
            (Some(0), None) => {
                return Err(Error::InvalidInput(
                    "the number of words must be at least 1".into(),
                ));
            }
            (Some(n), None) if n > MAX_WORDS => {
                return Err(Error::InvalidInput(format!(
                    "{n} words is too many (at most {MAX_WORDS})"
                )));
            }
            (Some(n), None) => n,
            (None, bits) => recipe.words_for_bits(bits.unwrap_or(f64::from(DEFAULT_BITS)))?,
        };
        if let Some(bits) = self.bits {
            let why = match recipe.decodability() {
                Decodability::Unique => return Ok(recipe),
                Decodability::Ambiguous => "different draws can give the same passphrase",
                Decodability::Unknown => {
                    "it could not be shown that different draws always give different \
                     passphrases"
                }
            };
            return Err(Error::InvalidInput(format!(
                "{bits} bits cannot be promised with this word list and these settings: \
                 {why}, so the entropy is only an upper bound (give a number of words \
                 instead, or a separator that no word contains)"
            )));
        }
        Ok(recipe)
    }
}
