//! Passphrases: words drawn uniformly from a word list, with exact entropy.
//!
//! A [`Passphrase`] is a recipe: a word list, a number of words, a
//! separator, a letter case and optionally one digit and one symbol. It is
//! checked when built, and every draw is uniform over its
//! [`space`](Recipe::space), which is counted exactly.
//!
//! ```
//! use keysmith::Recipe;
//! use keysmith::passphrase::{Case, Passphrase, WordList};
//!
//! // The default: 6 words of the EFF long list, 77.5 bits.
//! let recipe = Passphrase::builder().build()?;
//! let phrase = recipe.generate();
//! assert_eq!(phrase.split(' ').count(), 6);
//! assert!(recipe.entropy_bits() >= 77.0);
//!
//! // At least 100 bits from a short list, joined by '-', one word's case
//! // drawn at random, and a digit after one of the words.
//! let recipe = Passphrase::builder()
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
//! *choices per word* ([`Passphrase::choices_per_word`]): the list's words
//! after the case is applied, with any words the case makes equal counted
//! once. With [`Case::Random`] the choices are all the distinct forms
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
//! one); [`Passphrase::decodability`] tells, and where it is not
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

mod decode;
mod wordlist;

pub use crate::secret::SecretString;
pub use wordlist::WordList;

use crate::entropy::{Recipe, log2};
use crate::{Error, Result};
use num_bigint::BigUint;
use rand_core::CryptoRng;
use std::collections::HashSet;
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

/// How much work the uniqueness test ([`Passphrase::decodability`]) may
/// do before answering [`Decodability::Unknown`], whatever the list: every
/// byte it hashes or compares counts one, and every lookup or comparison
/// [`DECODE_STEP_COST`] more. About a second in an optimised build; the
/// hardest bundled case (eff-long with a digit, a symbol and a separator
/// found inside words) takes a fifth of it.
pub const DECODE_BUDGET: u64 = 1 << 28;

/// What one lookup or comparison of the uniqueness test costs in
/// [`DECODE_BUDGET`] on top of the bytes it reads, so that many steps over
/// short strings are bounded as well as few over long ones (and, with the
/// steps, the leftovers the test remembers: at most about 8 million).
pub const DECODE_STEP_COST: u64 = 16;

/// The most strings a word slot may hold for the full uniqueness test
/// (words times what can follow them); beyond it the answer is
/// [`Decodability::Unknown`].
pub const MAX_CODEWORDS: usize = 1 << 20;

/// The most bytes those strings may hold together; beyond it the answer is
/// [`Decodability::Unknown`], so the test never builds more than this
/// much (a list of long words with a digit and a symbol would otherwise
/// make 121 strings of every word).
pub const MAX_CODEWORD_BYTES: usize = 32 << 20;

/// The letter case of the words in a passphrase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Case {
    /// As written in the word list (the default; the bundled lists are
    /// lowercase).
    #[default]
    Keep,
    /// All lowercase.
    Lower,
    /// ALL UPPERCASE.
    Upper,
    /// First character uppercase, the rest lowercase.
    Title,
    /// Per word, one of the distinct forms lowercase, UPPERCASE and Title,
    /// drawn from the secure source together with the word (see the
    /// [module docs](self)).
    Random,
}

impl Case {
    /// The names [`Case::from_name`] accepts.
    pub const NAMES: [&'static str; 5] = ["keep", "lower", "upper", "title", "random"];

    /// The case called `name` (`keep`, `lower`, `upper`, `title`, `random`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the unknown name.
    pub fn from_name(name: &str) -> Result<Case> {
        Ok(match name {
            "keep" => Case::Keep,
            "lower" => Case::Lower,
            "upper" => Case::Upper,
            "title" => Case::Title,
            "random" => Case::Random,
            _ => {
                return Err(Error::InvalidInput(format!(
                    "unknown case '{name}' (known: {})",
                    Case::NAMES.join(", ")
                )));
            }
        })
    }
}

fn title(w: &str) -> String {
    let mut chars = w.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + &chars.as_str().to_lowercase(),
        None => String::new(),
    }
}

/// The distinct strings a word of `list` can be printed as under `case`, in
/// the list's order.
fn choices(list: &WordList, case: Case) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut add = |s: String| {
        if seen.insert(s.clone()) {
            out.push(s);
        }
    };
    for w in list.words() {
        match case {
            Case::Keep => add(w.clone()),
            Case::Lower => add(w.to_lowercase()),
            Case::Upper => add(w.to_uppercase()),
            Case::Title => add(title(w)),
            Case::Random => {
                add(w.to_lowercase());
                add(w.to_uppercase());
                add(title(w));
            }
        }
    }
    out
}

/// Whether different draws of a [`Passphrase`] always give different
/// strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Decodability {
    /// Proven: every passphrase can be split back into its one draw, so the
    /// entropy is exact.
    Unique,
    /// Some passphrases may come from more than one draw (for example
    /// "in"+"to" and "into" with an empty separator): the entropy is an
    /// upper bound.
    Ambiguous,
    /// The test gave up before deciding (only for very large lists with a
    /// separator that also occurs inside words): treat the entropy as an
    /// upper bound.
    Unknown,
}

/// A passphrase recipe: words drawn uniformly and independently from a
/// word list. Build one with [`Passphrase::builder`].
///
/// Drawing cannot fail; [`space`](Recipe::space) is the exact number of
/// equally likely draws (see the [module docs](self)).
#[derive(Clone)]
pub struct Passphrase {
    choices: Vec<String>,
    words: usize,
    separator: String,
    case: Case,
    digit: bool,
    symbols: Option<Vec<char>>,
    decodability: OnceLock<Decodability>,
}

/// Builds a [`Passphrase`]; every setting has a default.
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
    /// settings, is at least `bits`: a whole number (`.bits(100)`) or not
    /// (`.bits(77.5)`). A whole number of bits is compared exactly, with
    /// no rounding.
    ///
    /// The entropy is exact only when different draws give different
    /// passphrases, so [`build`](Self::build) fails unless the recipe's
    /// [`decodability`](Passphrase::decodability) is
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
    /// [`Error::InvalidInput`] when both a word count and bits are given,
    /// the word count is 0 or above [`MAX_WORDS`], the length filters
    /// cross or leave fewer than 2 words, the case leaves fewer than 2
    /// distinct words, the symbol set is empty or contains whitespace or
    /// control characters, or the bits are not a positive finite number or
    /// need more than [`MAX_WORDS`] words, or bits are given and the
    /// recipe's [`decodability`](Passphrase::decodability) is not
    /// [`Decodability::Unique`].
    pub fn build(self) -> Result<Passphrase> {
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
        let mut recipe = Passphrase {
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

impl Passphrase {
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

    /// The smallest number of words whose space reaches `2^bits`.
    fn words_for_bits(&self, bits: f64) -> Result<usize> {
        crate::entropy::check_bits_target(bits)?;
        (1..=MAX_WORDS)
            .find(|&n| reaches(&self.space_for(n), bits))
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "{bits} bits need more than {MAX_WORDS} words of this list"
                ))
            })
    }

    /// Whether different draws always give different passphrases, decided
    /// once per recipe and then remembered.
    ///
    /// With a separator that occurs in no word, digit or symbol (the
    /// default space with any bundled list, for example) the answer comes
    /// from splitting at the separator. Otherwise (an empty separator, say)
    /// it is the Sardinas–Patterson test: first on words, digits, symbols
    /// and separator as separate pieces (enough to prove uniqueness, and
    /// cheap), then on every string a word slot can hold followed by the
    /// separator, which decides it for sequences of any length. The test
    /// stops after a bounded amount of work (and skips slots of more than
    /// a million strings) and then answers [`Decodability::Unknown`].
    pub fn decodability(&self) -> Decodability {
        *self.decodability.get_or_init(|| self.decide())
    }

    /// `true` when [`decodability`](Self::decodability) is
    /// [`Decodability::Unique`]: the entropy is then exact, not an upper
    /// bound.
    pub fn is_uniquely_decodable(&self) -> bool {
        self.decodability() == Decodability::Unique
    }

    /// What can follow a word: "", each digit, each symbol, each digit
    /// followed by each symbol (as enabled). The same string may appear
    /// twice (a symbol set holding a digit), which makes draws collide.
    fn suffixes(&self) -> Vec<String> {
        let digits: Vec<char> = if self.digit {
            ('0'..='9').collect()
        } else {
            Vec::new()
        };
        let symbols = self.symbols.as_deref().unwrap_or(&[]);
        let mut out = vec![String::new()];
        out.extend(digits.iter().map(char::to_string));
        out.extend(symbols.iter().map(char::to_string));
        for d in &digits {
            out.extend(symbols.iter().map(|s| format!("{d}{s}")));
        }
        out
    }

    fn decide(&self) -> Decodability {
        let suffixes = self.suffixes();
        if !self.slot_strings_distinct(&suffixes) {
            return Decodability::Ambiguous;
        }
        if self.words == 1 {
            return Decodability::Unique;
        }
        let sep = &self.separator;
        if !sep.is_empty() {
            let in_sep = |c: char| sep.contains(c);
            // Tokens are non-empty and contain no character of the
            // separator, so the separators are exactly the maximal runs of
            // those characters: splitting is unique.
            if !self
                .choices
                .iter()
                .chain(&suffixes)
                .any(|t| t.contains(in_sep))
            {
                return Decodability::Unique;
            }
        }
        if suffixes.len() > 1 && self.tokens_decodable() {
            return Decodability::Unique;
        }
        let Some(codewords) = self.codewords(&suffixes) else {
            return Decodability::Unknown;
        };
        let refs: Vec<&[u8]> = codewords.iter().collect();
        decode::sardinas_patterson(&refs, DECODE_BUDGET)
    }

    /// Every string a word slot can hold followed by the separator, or
    /// `None` when there are more than [`MAX_CODEWORDS`] of them or they
    /// hold more than [`MAX_CODEWORD_BYTES`] (counted before any is built).
    fn codewords(&self, suffixes: &[String]) -> Option<Codewords> {
        let sep = self.separator.as_bytes();
        let count = self.choices.len().checked_mul(suffixes.len())?;
        let word_bytes: u64 = self.choices.iter().map(|w| w.len() as u64).sum();
        let suffix_bytes: u64 = suffixes.iter().map(|x| x.len() as u64).sum();
        let bytes = (suffixes.len() as u64)
            .saturating_mul(word_bytes)
            .saturating_add((self.choices.len() as u64).saturating_mul(suffix_bytes))
            .saturating_add((count as u64).saturating_mul(sep.len() as u64));
        if count > MAX_CODEWORDS || bytes > MAX_CODEWORD_BYTES as u64 {
            return None;
        }
        // One buffer for all of them: no allocation per string.
        let mut all = Codewords {
            bytes: Vec::with_capacity(bytes as usize),
            ends: Vec::with_capacity(count),
        };
        for w in &self.choices {
            for x in suffixes {
                all.bytes.extend_from_slice(w.as_bytes());
                all.bytes.extend_from_slice(x.as_bytes());
                all.bytes.extend_from_slice(sep);
                all.ends.push(all.bytes.len());
            }
        }
        Some(all)
    }

    /// A cheaper sufficient test when digits or symbols are on: words,
    /// digits, symbols and the separator as separate tokens. When these
    /// are distinct strings and no concatenation of them splits two ways,
    /// a passphrase splits into tokens one way only, and the tokens give
    /// back the draw (the digit's and symbol's slots are the number of
    /// words before them).
    fn tokens_decodable(&self) -> bool {
        let digits: Vec<String> = if self.digit {
            ('0'..='9').map(String::from).collect()
        } else {
            Vec::new()
        };
        let symbols: Vec<String> = self.symbols.iter().flatten().map(char::to_string).collect();
        let separator = (!self.separator.is_empty()).then_some(&self.separator);
        let refs: Vec<&[u8]> = self
            .choices
            .iter()
            .chain(&digits)
            .chain(&symbols)
            .chain(separator)
            .map(|t| t.as_bytes())
            .collect();
        let distinct: HashSet<&[u8]> = refs.iter().copied().collect();
        distinct.len() == refs.len()
            && decode::sardinas_patterson(&refs, DECODE_BUDGET) == Decodability::Unique
    }

    /// Whether every (word, suffix) pair gives a different string. `w x =
    /// w' x'` with `x` longer than `x'` means `x = y x'` and `w' = w y`; so
    /// the pairs collide exactly when a suffix repeats, or some word is
    /// another word followed by such a `y`.
    fn slot_strings_distinct(&self, suffixes: &[String]) -> bool {
        let distinct: HashSet<&str> = suffixes.iter().map(String::as_str).collect();
        if distinct.len() != suffixes.len() {
            return false;
        }
        let mut ys: HashSet<&str> = HashSet::new();
        for x in suffixes {
            for (cut, _) in x.char_indices().skip(1).chain([(x.len(), ' ')]) {
                if distinct.contains(&x[cut..]) {
                    ys.insert(&x[..cut]);
                }
            }
        }
        ys.remove("");
        if ys.is_empty() {
            return true;
        }
        let longest = ys.iter().map(|y| y.chars().count()).max().unwrap_or(0);
        let words: HashSet<&str> = self.choices.iter().map(String::as_str).collect();
        self.choices.iter().all(|w| {
            w.char_indices()
                .rev()
                .take(longest)
                .all(|(cut, _)| !(ys.contains(&w[cut..]) && words.contains(&w[..cut])))
        })
    }
}

/// Strings kept end to end in one buffer.
struct Codewords {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Codewords {
    fn iter(&self) -> impl Iterator<Item = &[u8]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(a, &b)| &self.bytes[a..b])
    }
}

impl Recipe for Passphrase {
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

/// Whether `n >= 2^bits`: exactly (by bit length, without building `2^bits`)
/// when `bits` is a whole number, else by `log2`.
fn reaches(n: &BigUint, bits: f64) -> bool {
    if bits.fract() == 0.0 && bits < u64::MAX as f64 {
        n.bits() > bits as u64
    } else {
        log2(n) >= bits
    }
}

/// Shows the settings, not the word list.
impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Passphrase")
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
    fn random_case_counts_distinct_forms() {
        let l = list(&["a", "bc", "2x4", "Ab"]);
        // a: a, A; bc: bc, BC, Bc; 2x4: 2x4, 2X4; Ab: ab, AB (Ab repeats).
        let c = choices(&l, Case::Random);
        assert_eq!(
            c,
            ["a", "A", "bc", "BC", "Bc", "2x4", "2X4", "ab", "AB", "Ab"]
        );
        assert_eq!(choices(&l, Case::Lower).len(), 4);
        assert_eq!(choices(&list(&["ab", "AB", "Ab"]), Case::Keep).len(), 3);
    }

    #[test]
    fn case_that_merges_words_is_counted_once() {
        let e = Passphrase::builder()
            .list(list(&["x", "X"]))
            .case(Case::Upper)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("only 1 distinct word"), "{e}");
    }

    #[test]
    fn title_case() {
        assert_eq!(title("hELLO"), "Hello");
        assert_eq!(title("éa"), "Éa");
        assert_eq!(title("ß"), "SS");
        assert_eq!(title("3d"), "3d");
    }

    #[test]
    fn fractional_bits() {
        // 6 words of eff-long give 77.549 bits.
        let words = |bits: f64| Passphrase::builder().bits(bits).build().unwrap().words();
        assert_eq!(words(77.5), 6);
        assert_eq!(words(77.54), 6);
        assert_eq!(words(77.55), 7);
        assert_eq!(words(77.6), 7);
        // Two words: 2^n draws, so n bits exactly and n + 0.5 need one more.
        let two = |bits: f64| {
            Passphrase::builder()
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
            Passphrase::builder().bits(77u32).build().unwrap().words(),
            6
        );
        assert_eq!(Passphrase::builder().bits(100).build().unwrap().words(), 8);
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
            let e = Passphrase::builder().bits(bits).build().unwrap_err();
            assert!(
                e.to_string().contains("positive number of bits"),
                "{bits}: {e}"
            );
        }
        // Far beyond what 1000 words reach: an error, found without
        // building 2^bits.
        for bits in [f64::from(u32::MAX), 1e300] {
            let e = Passphrase::builder().bits(bits).build().unwrap_err();
            assert!(e.to_string().contains("more than 1000 words"), "{e}");
        }
    }

    #[test]
    fn suffix_collisions() {
        let p = |words: &[&str], digit: bool, symbols: Option<&str>| {
            let mut b = Passphrase::builder()
                .list(list(words))
                .words(1)
                .digit(digit);
            if let Some(s) = symbols {
                b = b.symbols(s);
            }
            let p = b.build().unwrap();
            p.slot_strings_distinct(&p.suffixes())
        };
        assert!(p(&["a", "b"], true, Some("!")));
        // "a"+"1" = "a1".
        assert!(!p(&["a", "a1"], true, None));
        // "a"+"1!" = "a1"+"!".
        assert!(!p(&["a", "a1"], true, Some("!")));
        // "b" = "b" + nothing is fine; "a!" = "a" + "!".
        assert!(!p(&["a", "a!"], false, Some("!")));
        // A digit in the symbol set.
        assert!(!p(&["a", "b"], true, Some("1")));
    }
}
