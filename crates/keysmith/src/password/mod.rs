//! Passwords that meet a site's rules, drawn exactly uniformly.
//!
//! A [`Policy`] says how long a password is, which characters it may use
//! (lowercase, uppercase, digits, symbols, or any set of characters) and how
//! many of each class it must have. Drawing from it gives every password
//! that satisfies the policy with exactly the same probability, and
//! [`entropy_bits`](crate::Recipe::entropy_bits) is `log2` of their exact
//! number.
//!
//! ```
//! use keysmith::Recipe;
//! use keysmith::password::Policy;
//!
//! // Lowercase, uppercase, digits and symbols, at least one of each, long
//! // enough for 128 bits.
//! let policy = Policy::default();
//! let password = policy.generate();
//! assert!(policy.entropy_bits() >= 128.0);
//! assert!(policy.accepts(&password));
//!
//! // The recipe in Python's `secrets` documentation: ten letters and
//! // digits, at least one lowercase, one uppercase and three digits.
//! let python = Policy::builder().length(10).without(keysmith::password::Class::Symbol)
//!     .min_digits(3).build()?;
//! let pw = python.generate();
//! assert_eq!(pw.len(), 10);
//! assert!(pw.chars().filter(char::is_ascii_digit).count() >= 3);
//! # Ok::<(), keysmith::Error>(())
//! ```
//!
//! # Character classes
//!
//! Every character belongs to one [`Class`], decided by
//! [`Class::of`] from its Unicode general category: lowercase letters
//! (`a`–`z`, `é`, `ß`, …), uppercase letters (`A`–`Z`, `É`, …), the digits
//! `0`–`9`, letters without case (`中`, `ا`, `ー`, …) and symbols (everything
//! else: punctuation, `€`, `±`, …). A character set or symbol set may not
//! hold control or format characters (U+200B, U+FEFF, …) or combining marks
//! (U+0301, …): they are invisible, or change the character before them,
//! so a password holding one is not what it looks like.
//!
//! The password is drawn into a [`SecretString`]: its buffer is reserved at
//! its final size before the first character is written and wiped when it
//! is dropped, and its `Debug` form does not show it.
//!
//! # Why not the usual shortcuts
//!
//! "Put one character of each class in, then shuffle" makes passwords with
//! exactly one digit far more likely than they should be; picking a class
//! first and then a character favours the small classes. Drawing whole
//! passwords until one passes (the recipe in Python's documentation) is
//! uniform but slow when the rules are tight. A policy counts the passwords
//! of each class composition exactly and draws a composition in proportion
//! to its count, then an arrangement and the characters, which is uniform
//! and takes bounded time whatever the rules; when most random strings pass
//! anyway (at least a quarter of them), it draws whole strings until one
//! passes instead, which is also exactly uniform and faster.

mod builder;
mod count;

pub use crate::secret::SecretString;
pub use builder::PolicyBuilder;

use crate::entropy::Recipe;
use crate::sample::{UniformBelow, index, shuffle};
use count::{Part, row_total, step_weight, suffix_tables};
use num_bigint::BigUint;
use rand_core::CryptoRng;
use std::fmt;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
use zeroize::{Zeroize, Zeroizing};

/// The symbols used by default: Python's `string.punctuation`, the 32 ASCII
/// punctuation characters.
pub const SYMBOLS: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// Characters that are easily mistaken for one another, left out by
/// [`PolicyBuilder::no_ambiguous`]: `0 O o 1 l I | ' " `` ` ``.
pub const AMBIGUOUS: &str = "0Oo1lI|'\"`";

/// The entropy the default length reaches, in bits.
pub const DEFAULT_BITS: f64 = 128.0;

/// The longest password a policy makes: over 6,700 bits with the default
/// classes. Exact counting of a tight policy costs about the square of the
/// length in big-integer products; this bound keeps building any policy
/// to about a second.
pub const MAX_LENGTH: usize = 1024;

/// A class of characters a policy can require or leave out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// Lowercase letters: by default `a` to `z`; in a character set also
    /// any other lowercase letter (Unicode category Ll: `é`, `ß`, `ж`, …).
    Lower,
    /// Uppercase letters: by default `A` to `Z`; in a character set also
    /// any other uppercase letter (Unicode category Lu: `É`, `Ж`, …).
    Upper,
    /// `0` to `9`.
    Digit,
    /// Anything else: by default the characters of [`SYMBOLS`].
    Symbol,
    /// Letters without case (Unicode categories Lo, Lm and Lt: `中`, `ا`,
    /// `ー`, `ǅ`, …), which are neither lowercase nor uppercase letters nor
    /// symbols. None by default; only a character set holds them.
    OtherLetter,
}

/// The number of classes.
const CLASSES: usize = Class::ALL.len();

impl Class {
    /// The five classes, in this order.
    pub const ALL: [Class; 5] = [
        Class::Lower,
        Class::Upper,
        Class::Digit,
        Class::Symbol,
        Class::OtherLetter,
    ];

    /// The class of a character, from its Unicode general category:
    /// lowercase letters (Ll), uppercase letters (Lu), the digits `0`–`9`,
    /// other letters (Lo, Lm, Lt) and symbols (everything else, digits of
    /// other scripts included).
    pub fn of(c: char) -> Class {
        match c {
            'a'..='z' => Class::Lower,
            'A'..='Z' => Class::Upper,
            '0'..='9' => Class::Digit,
            _ if c.is_ascii() => Class::Symbol,
            _ => match c.general_category() {
                GeneralCategory::LowercaseLetter => Class::Lower,
                GeneralCategory::UppercaseLetter => Class::Upper,
                GeneralCategory::TitlecaseLetter
                | GeneralCategory::ModifierLetter
                | GeneralCategory::OtherLetter => Class::OtherLetter,
                _ => Class::Symbol,
            },
        }
    }

    /// The characters of the class when no character set is given.
    pub fn default_chars(self) -> &'static str {
        match self {
            Class::Lower => "abcdefghijklmnopqrstuvwxyz",
            Class::Upper => "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            Class::Digit => "0123456789",
            Class::Symbol => SYMBOLS,
            Class::OtherLetter => "",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    fn noun(self, n: usize) -> &'static str {
        match (self, n == 1) {
            (Class::Lower, true) => "lowercase letter",
            (Class::Lower, false) => "lowercase letters",
            (Class::Upper, true) => "uppercase letter",
            (Class::Upper, false) => "uppercase letters",
            (Class::Digit, true) => "digit",
            (Class::Digit, false) => "digits",
            (Class::Symbol, true) => "symbol",
            (Class::Symbol, false) => "symbols",
            (Class::OtherLetter, true) => "letter without case",
            (Class::OtherLetter, false) => "letters without case",
        }
    }
}

/// How a [`Policy`] draws; both ways are exactly uniform over the
/// passwords the policy allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Whole strings over the alphabet until one meets the minimums; chosen
    /// when at least a quarter of them do, so on average at most four tries.
    Rejection,
    /// A class composition drawn in proportion to its exact count, then a
    /// uniform arrangement and uniform characters: one pass, bounded time.
    Composition,
}

/// A password policy: length, allowed characters and per-class minimums.
/// It draws passwords exactly uniformly from all that satisfy it, and knows
/// their exact number ([`Recipe::space`]).
///
/// Build one with [`Policy::builder`]; [`Policy::default`] uses all four
/// classes with at least one of each and the smallest length reaching
/// [`DEFAULT_BITS`] (128) bits. A built policy cannot fail to draw.
#[derive(Clone)]
pub struct Policy {
    length: usize,
    classes: [Vec<char>; CLASSES],
    mins: [usize; CLASSES],
    parts: Vec<Part>,
    /// The characters of each part, in the order of `parts`.
    groups: Vec<Vec<char>>,
    /// Every character, part by part, and the part each belongs to.
    alphabet: Vec<char>,
    part_of: Vec<u8>,
    /// Every character, sorted, for [`Policy::accepts`].
    sorted: Vec<char>,
    /// The most bytes a password can take: `length` times the longest
    /// character's UTF-8 length.
    max_bytes: usize,
    space: BigUint,
    method: Method,
    /// For [`Method::Composition`]: `tables[j][n]` counts the strings of
    /// length `n` over parts `j + 1..` that meet their minimums.
    tables: Vec<Vec<BigUint>>,
}

impl Policy {
    /// A builder starting from the default policy: lowercase, uppercase,
    /// digits and symbols, at least one of each, length for
    /// [`DEFAULT_BITS`] bits.
    ///
    /// ```
    /// use keysmith::password::Policy;
    /// let p = Policy::builder().length(20).min_digits(3).exclude("{}").no_ambiguous().build()?;
    /// assert_eq!(p.length(), 20);
    /// # Ok::<(), keysmith::Error>(())
    /// ```
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder::default()
    }

    fn from_parts(
        length: usize,
        classes: [Vec<char>; CLASSES],
        mins: [usize; CLASSES],
        parts: Vec<Part>,
        groups: Vec<Vec<char>>,
    ) -> Policy {
        let mut alphabet = Vec::new();
        let mut part_of = Vec::new();
        for (j, g) in groups.iter().enumerate() {
            alphabet.extend_from_slice(g);
            part_of.extend(std::iter::repeat_n(j as u8, g.len()));
        }
        let mut sorted = alphabet.clone();
        sorted.sort_unstable();
        let max_bytes = length * alphabet.iter().map(|c| c.len_utf8()).max().unwrap_or(1);
        let space = count::count(&parts, length);
        // Rejection succeeds with probability space / |A|^L: use it when
        // that is at least 1/4.
        let strings = BigUint::from(alphabet.len()).pow(length as u32);
        let (method, tables) = if space.clone() * 4u32 >= strings {
            (Method::Rejection, Vec::new())
        } else {
            (Method::Composition, suffix_tables(&parts, length))
        };
        debug_assert!(method == Method::Rejection || row_total(&parts, &tables, length) == space);
        Policy {
            length,
            classes,
            mins,
            parts,
            groups,
            alphabet,
            part_of,
            sorted,
            max_bytes,
            space,
            method,
            tables,
        }
    }

    /// The number of characters in every password.
    pub fn length(&self) -> usize {
        self.length
    }

    /// Every character a password may contain, class by class.
    pub fn alphabet(&self) -> String {
        self.classes.iter().flatten().collect()
    }

    /// The characters of `class` the policy uses (empty when the class is
    /// disabled or all of it excluded).
    pub fn chars(&self, class: Class) -> &[char] {
        &self.classes[class.index()]
    }

    /// The least number of characters of `class` in every password.
    pub fn min(&self, class: Class) -> usize {
        self.mins[class.index()]
    }

    /// How this policy draws (both ways are exactly uniform).
    pub fn method(&self) -> Method {
        self.method
    }

    /// Whether `password` satisfies the policy: the right length, only
    /// allowed characters, every minimum met.
    pub fn accepts(&self, password: &str) -> bool {
        let mut counts = [0usize; CLASSES];
        let mut len = 0;
        for c in password.chars() {
            if self.sorted.binary_search(&c).is_err() {
                return false;
            }
            counts[Class::of(c).index()] += 1;
            len += 1;
        }
        len == self.length && counts.iter().zip(&self.mins).all(|(c, m)| c >= m)
    }

    fn sample_rejection<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> SecretString {
        let mut out = Zeroizing::new(String::with_capacity(self.max_bytes));
        let reserved = out.capacity();
        loop {
            let mut counts = [0usize; CLASSES];
            for _ in 0..self.length {
                let i = index(rng, self.alphabet.len());
                counts[usize::from(self.part_of[i])] += 1;
                out.push(self.alphabet[i]);
            }
            if self.parts.iter().zip(&counts).all(|(p, &c)| c >= p.min) {
                debug_assert_eq!(out.capacity(), reserved, "the buffer moved");
                return SecretString::new(out);
            }
            // Empties it, zeroing the whole buffer, and keeps the capacity.
            out.zeroize();
        }
    }

    fn sample_composition<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> SecretString {
        // Wiped when dropped, and never grown (so never moved).
        let mut chars: Zeroizing<Vec<char>> = Zeroizing::new(Vec::with_capacity(self.length));
        let mut left = self.length;
        let last = self.parts.len() - 1;
        for (j, part) in self.parts.iter().enumerate() {
            let k = if j == last {
                left
            } else {
                self.draw_count(rng, j, left)
            };
            let group = &self.groups[j];
            for _ in 0..k {
                chars.push(group[index(rng, group.len())]);
            }
            left -= k;
            debug_assert!(k >= part.min);
        }
        // Every arrangement of the class labels is equally likely under a
        // uniform shuffle, and the characters within a class are already
        // independent and uniform.
        shuffle(rng, &mut chars);
        let mut out = Zeroizing::new(String::with_capacity(self.max_bytes));
        let reserved = out.capacity();
        for &c in chars.iter() {
            out.push(c);
        }
        debug_assert_eq!(out.capacity(), reserved, "the buffer moved");
        SecretString::new(out)
    }

    /// How many characters of part `j` go into the `n` positions left:
    /// `k` with probability `C(n, k) s^k T(n - k) / T_j(n)`, exactly, by
    /// drawing one integer below the total and walking the weights.
    fn draw_count<R: CryptoRng + ?Sized>(&self, rng: &mut R, j: usize, n: usize) -> usize {
        let part = self.parts[j];
        let rest: usize = self.parts[j + 1..].iter().map(|p| p.min).sum();
        let next = &self.tables[j];
        let total = if j == 0 {
            self.space.clone()
        } else {
            // T_j(n) is the (j-1)-th table's entry.
            self.tables[j - 1][n].clone()
        };
        let mut u = BigUint::sample_below(rng, &total);
        let mut weight = count::binomial_power(n, part.min, part.size);
        for k in part.min..n - rest {
            let w = &weight * &next[n - k];
            if u < w {
                return k;
            }
            u -= w;
            weight = step_weight(weight, n, k, part.size);
        }
        n - rest
    }
}

impl Default for Policy {
    /// The four classes with default characters (lowercase, uppercase,
    /// digits, symbols), at least one of each, and the smallest length
    /// whose exact entropy reaches [`DEFAULT_BITS`] bits (20 characters).
    fn default() -> Self {
        Policy::builder()
            .build()
            .expect("the default policy is valid")
    }
}

impl Recipe for Policy {
    type Output = SecretString;

    /// A password drawn uniformly from all that satisfy the policy.
    fn sample<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> SecretString {
        // One request to the source for many small draws.
        let mut rng = crate::rng::Buffered::<R>::new(rng);
        match self.method {
            Method::Rejection => self.sample_rejection(&mut rng),
            Method::Composition => self.sample_composition(&mut rng),
        }
    }

    /// The exact number of passwords that satisfy the policy.
    fn space(&self) -> BigUint {
        self.space.clone()
    }
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("length", &self.length)
            .field("alphabet", &self.alphabet())
            .field("mins", &self.mins)
            .field("method", &self.method)
            .field("entropy_bits", &self.entropy_bits())
            .finish()
    }
}

#[cfg(test)]
mod tests;
