//! Building a [`Policy`]: every check happens here, so drawing cannot fail.

use super::count::{Part, count};
use super::{AMBIGUOUS, CLASSES, Class, DEFAULT_BITS, MAX_LENGTH, Policy, SYMBOLS};
use crate::{Error, Result};
use std::collections::HashSet;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// How long the passwords are.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Size {
    Length(usize),
    Bits(f64),
}

/// Builds a [`Policy`]; see [`Policy::builder`].
///
/// Settings can be given in any order; they are checked together by
/// [`build`](PolicyBuilder::build).
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyBuilder {
    size: Size,
    disabled: [bool; CLASSES],
    min: [Option<usize>; CLASSES],
    symbols: Option<String>,
    charset: Option<String>,
    exclude: String,
    no_ambiguous: bool,
}

impl Default for PolicyBuilder {
    fn default() -> Self {
        PolicyBuilder {
            size: Size::Bits(DEFAULT_BITS),
            disabled: [false; CLASSES],
            min: [None; CLASSES],
            symbols: None,
            charset: None,
            exclude: String::new(),
            no_ambiguous: false,
        }
    }
}

impl PolicyBuilder {
    /// Passwords of exactly `length` characters (1 to [`MAX_LENGTH`]).
    /// Replaces an earlier [`bits`](Self::bits).
    pub fn length(mut self, length: usize) -> Self {
        self.size = Size::Length(length);
        self
    }

    /// Passwords of the smallest length whose exact entropy reaches the
    /// entropy target `bits` under this policy's classes and minimums: a
    /// whole number (`.bits(100)`) or not (`.bits(77.5)`), a whole number
    /// compared exactly. Replaces an earlier [`length`](Self::length).
    /// Without either, the length is the smallest that reaches
    /// [`DEFAULT_BITS`].
    pub fn bits(mut self, bits: impl Into<f64>) -> Self {
        self.size = Size::Bits(bits.into());
        self
    }

    /// Leaves out every character of `class`.
    pub fn without(mut self, class: Class) -> Self {
        self.disabled[class.index()] = true;
        self
    }

    /// At least `n` characters of `class` (0 lifts the default minimum).
    pub fn min(mut self, class: Class, n: usize) -> Self {
        self.min[class.index()] = Some(n);
        self
    }

    /// At least `n` lowercase letters; `min(Class::Lower, n)`.
    pub fn min_lower(self, n: usize) -> Self {
        self.min(Class::Lower, n)
    }

    /// At least `n` uppercase letters; `min(Class::Upper, n)`.
    pub fn min_upper(self, n: usize) -> Self {
        self.min(Class::Upper, n)
    }

    /// At least `n` digits; `min(Class::Digit, n)`.
    pub fn min_digits(self, n: usize) -> Self {
        self.min(Class::Digit, n)
    }

    /// At least `n` symbols; `min(Class::Symbol, n)`.
    pub fn min_symbols(self, n: usize) -> Self {
        self.min(Class::Symbol, n)
    }

    /// The symbols to use instead of [`SYMBOLS`] (for a site that accepts
    /// only some). Repeated characters count once. Ignored with
    /// [`charset`](Self::charset).
    pub fn symbols(mut self, set: &str) -> Self {
        self.symbols = Some(set.to_owned());
        self
    }

    /// Draw from exactly these characters (repeats count once, the first
    /// occurrence keeping its place), sorted into classes by [`Class::of`]:
    /// lowercase and uppercase letters (of any script), `0-9`, letters
    /// without case, and everything else as symbols. With a character set
    /// no class has a minimum unless one is set.
    pub fn charset(mut self, set: &str) -> Self {
        self.charset = Some(set.to_owned());
        self
    }

    /// Never use any of these characters. Adds to earlier exclusions.
    pub fn exclude(mut self, chars: &str) -> Self {
        self.exclude.push_str(chars);
        self
    }

    /// Never use characters that are easily confused: [`AMBIGUOUS`].
    pub fn no_ambiguous(mut self) -> Self {
        self.no_ambiguous = true;
        self
    }

    /// Checks the settings and makes the policy, with its exact count of
    /// passwords and the tables its sampler needs.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`], one line naming the bad value, when:
    /// a character set or symbol set holds a control character, a format
    /// character (Unicode category Cf, such as U+200B or U+FEFF) or a
    /// combining mark (Mn, Mc, Me, such as U+0301), or a symbol set a
    /// letter or digit; the character set is empty; no character is
    /// left (every class disabled or every character excluded); a minimum of
    /// 1 or more is set for a class that is disabled or has no characters
    /// left; the minimums add up to more than the length; the length is 0
    /// or more than [`MAX_LENGTH`]; the entropy target is not a positive
    /// finite number or cannot be reached within [`MAX_LENGTH`] characters.
    pub fn build(&self) -> Result<Policy> {
        let mut sets = self.class_sets()?;
        let excluded: Vec<char> = self
            .exclude
            .chars()
            .chain(AMBIGUOUS.chars().filter(|_| self.no_ambiguous))
            .collect();
        let banned: HashSet<char> = excluded.iter().copied().collect();
        for set in &mut sets {
            set.retain(|c| !banned.contains(c));
        }
        let mut mins = [0usize; CLASSES];
        for class in Class::ALL {
            let i = class.index();
            mins[i] = match self.min[i] {
                Some(n) if n > 0 && self.disabled[i] => {
                    return Err(invalid(format!(
                        "at least {n} {} required, but {} are disabled",
                        class.noun(n),
                        class.noun(2)
                    )));
                }
                Some(n) if n > 0 && sets[i].is_empty() => {
                    return Err(invalid(format!(
                        "at least {n} {} required, but no {} are left to draw from",
                        class.noun(n),
                        class.noun(2)
                    )));
                }
                Some(n) => n,
                None if self.charset.is_some() || sets[i].is_empty() => 0,
                None => 1,
            };
        }
        if sets.iter().all(Vec::is_empty) {
            return Err(invalid(if excluded.is_empty() {
                "no characters are left once the disabled classes are removed".to_owned()
            } else {
                format!(
                    "no characters are left after excluding {:?}",
                    excluded.iter().collect::<String>()
                )
            }));
        }
        let parts_for = |mins: &[usize; CLASSES]| parts_of(&sets, mins);
        let total_min: usize = mins.iter().sum();
        let length = match self.size {
            Size::Length(0) => return Err(invalid("the length must be at least 1".to_owned())),
            Size::Length(n) if n > MAX_LENGTH => {
                return Err(invalid(format!(
                    "the length {n} is more than the maximum of {MAX_LENGTH}"
                )));
            }
            Size::Length(n) if total_min > n => {
                return Err(invalid(format!(
                    "the minimums ({total_min}) exceed the length ({n})"
                )));
            }
            Size::Length(n) => n,
            Size::Bits(bits) => {
                let alphabet: usize = sets.iter().map(Vec::len).sum();
                length_for_bits(&parts_for(&mins).0, alphabet, total_min, bits)?
            }
        };
        let (parts, groups) = parts_for(&mins);
        Ok(Policy::from_parts(length, sets, mins, parts, groups))
    }

    /// The characters of each class before exclusions, each once, in the
    /// order of their first occurrence.
    fn class_sets(&self) -> Result<[Vec<char>; CLASSES]> {
        let mut sets: [Vec<char>; CLASSES] = Default::default();
        // One set of the characters seen, so repeats cost a lookup each
        // rather than a scan of the class.
        let mut seen = HashSet::new();
        if let Some(charset) = &self.charset {
            check_chars(charset, "character set")?;
            if charset.is_empty() {
                return Err(invalid("the character set is empty".to_owned()));
            }
            for c in charset.chars() {
                if seen.insert(c) {
                    sets[Class::of(c).index()].push(c);
                }
            }
        } else {
            let symbols = self.symbols.as_deref().unwrap_or(SYMBOLS);
            check_chars(symbols, "symbol set")?;
            if let Some(c) = symbols.chars().find(|&c| Class::of(c) != Class::Symbol) {
                return Err(invalid(format!(
                    "the symbol set contains {c:?}, which is a letter or digit"
                )));
            }
            for class in Class::ALL {
                let chars = match class {
                    Class::Symbol => symbols,
                    _ => class.default_chars(),
                };
                let set = &mut sets[class.index()];
                for c in chars.chars() {
                    if seen.insert(c) {
                        set.push(c);
                    }
                }
            }
        }
        for class in Class::ALL {
            if self.disabled[class.index()] {
                sets[class.index()].clear();
            }
        }
        Ok(sets)
    }
}

fn invalid(msg: String) -> Error {
    Error::InvalidInput(msg)
}

/// Refuses the characters a password must not hold: control characters,
/// format characters (invisible: U+200B ZERO WIDTH SPACE, U+200D ZERO
/// WIDTH JOINER, U+FEFF, the bidirectional controls, …) and combining
/// marks (which join the character before them, so the password would not
/// be the characters it seems to be).
fn check_chars(set: &str, what: &str) -> Result<()> {
    for c in set.chars() {
        let kind = match c.general_category() {
            GeneralCategory::Control => "a control character",
            GeneralCategory::Format => "a format character",
            GeneralCategory::NonspacingMark
            | GeneralCategory::SpacingMark
            | GeneralCategory::EnclosingMark => "a combining mark",
            _ => continue,
        };
        return Err(invalid(format!(
            "the {what} contains {kind} (U+{:04X})",
            u32::from(c)
        )));
    }
    Ok(())
}

/// The parts the counter and sampler work on, with the characters of each:
/// classes with a minimum first (largest minimum first: the first part needs
/// no table), then one free part holding every class without a minimum.
fn parts_of(sets: &[Vec<char>; CLASSES], mins: &[usize; CLASSES]) -> (Vec<Part>, Vec<Vec<char>>) {
    let mut order: Vec<usize> = (0..CLASSES).filter(|&i| mins[i] > 0).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(mins[i]));
    let mut parts = Vec::new();
    let mut groups = Vec::new();
    for i in order {
        parts.push(Part {
            size: sets[i].len() as u64,
            min: mins[i],
        });
        groups.push(sets[i].clone());
    }
    let free: Vec<char> = (0..CLASSES)
        .filter(|&i| mins[i] == 0)
        .flat_map(|i| sets[i].iter().copied())
        .collect();
    if !free.is_empty() {
        parts.push(Part {
            size: free.len() as u64,
            min: 0,
        });
        groups.push(free);
    }
    (parts, groups)
}

/// The smallest length at which the count reaches the entropy target
/// `bits`. The count only grows with the length (appending any character
/// to an allowed password gives an allowed password), as
/// [`shortest`](crate::entropy::target::shortest) needs.
fn length_for_bits(parts: &[Part], alphabet: usize, total_min: usize, bits: f64) -> Result<usize> {
    // A bad target is named first, whatever the minimums.
    crate::entropy::target::check_bits_target(bits)?;
    if total_min > MAX_LENGTH {
        return Err(invalid(format!(
            "the minimums ({total_min}) exceed the maximum length ({MAX_LENGTH})"
        )));
    }
    // No password of length n has more than alphabet^n possibilities, so
    // no length below bits / log2(alphabet) reaches the target.
    let per_char = (alphabet as f64).log2();
    let floor = if per_char > 0.0 {
        ((bits / per_char).floor() as usize).min(MAX_LENGTH)
    } else {
        MAX_LENGTH
    };
    let lo = floor.max(total_min).max(1);
    crate::entropy::target::shortest(bits, lo..=MAX_LENGTH, "characters", |n| count(parts, n))
}
