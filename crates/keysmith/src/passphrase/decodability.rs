//! Whether different draws of a passphrase recipe always give different
//! strings, and the bounds on the work it takes to decide (the
//! Sardinas–Patterson test itself is in `decode`).

use super::{PassphraseRecipe, decode};
use std::collections::HashSet;

/// How much work the uniqueness test ([`PassphraseRecipe::decodability`]) may
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

/// Whether different draws of a [`PassphraseRecipe`] always give different
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

impl PassphraseRecipe {
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
        *self
            .decodability
            .get_or_init(|| self.decide(DECODE_BUDGET).0)
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

    /// [`decodability`](Self::decodability) with `budget` in place of
    /// [`DECODE_BUDGET`], not remembered, with the work it did: for the
    /// fuzz targets, which need small budgets to run fast.
    #[cfg(fuzzing)]
    #[doc(hidden)]
    pub fn decodability_within(&self, budget: u64) -> (Decodability, u64) {
        self.decide(budget)
    }

    /// The verdict, and the work the Sardinas–Patterson searches did.
    fn decide(&self, budget: u64) -> (Decodability, u64) {
        if self.words == 1 {
            // The only word is followed by every part that is on: as many
            // characters whatever is drawn, so different draws differ.
            return (Decodability::Unique, 0);
        }
        let suffixes = self.suffixes();
        if !self.slot_strings_distinct(&suffixes) {
            return (Decodability::Ambiguous, 0);
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
                return (Decodability::Unique, 0);
            }
        }
        let mut work = 0;
        if suffixes.len() > 1 {
            let (unique, spent) = self.tokens_decodable(budget);
            if unique {
                return (Decodability::Unique, spent);
            }
            work = spent;
        }
        let Some(codewords) = self.codewords(&suffixes) else {
            return (Decodability::Unknown, work);
        };
        let refs: Vec<&[u8]> = codewords.iter().collect();
        // What the first test left: the budget is for the whole answer.
        let (verdict, spent) = decode::sardinas_patterson(&refs, budget - work);
        (verdict, work + spent)
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
    fn tokens_decodable(&self, budget: u64) -> (bool, u64) {
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
        if distinct.len() != refs.len() {
            return (false, 0);
        }
        let (verdict, work) = decode::sardinas_patterson(&refs, budget);
        (verdict == Decodability::Unique, work)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passphrase::WordList;

    fn list(words: &[&str]) -> WordList {
        WordList::from_words(words).unwrap()
    }

    #[test]
    fn the_searches_share_one_budget() {
        // Found by the passphrase_wordlist fuzz target: the test of the
        // tokens and the test of the codewords kept to the budget each, so
        // together to twice it.
        let p = PassphraseRecipe::builder()
            .list(list(&["a", "ab", "bab", "ba"]))
            .words(5)
            .separator("")
            .digit(true)
            .symbol(true)
            .build()
            .unwrap();
        for budget in [0, 1_000, 20_096, 100_000, 1 << 24, u64::MAX] {
            let (_, work) = p.decide(budget);
            assert!(work <= budget, "worked {work} on a budget of {budget}");
        }
    }

    #[test]
    fn suffix_collisions() {
        let p = |words: &[&str], digit: bool, symbols: Option<&str>| {
            let mut b = PassphraseRecipe::builder()
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
