//! Word lists: the bundled diceware lists and lists read from text.

use crate::{Error, Result};
use diceware_wordlists::Wordlist as Bundled;
use std::collections::HashSet;
use std::fmt;

/// The bundled lists: name, source.
const BUNDLED: [(&str, Bundled); 6] = [
    ("eff-long", Bundled::EffLong),
    ("eff-short1", Bundled::EffShort1),
    ("eff-short2", Bundled::EffShort2),
    ("reinhold", Bundled::Reinhold),
    ("beale", Bundled::Beale),
    ("minilock", Bundled::Minilock),
];

const NAMES: [&str; 6] = [
    "eff-long",
    "eff-short1",
    "eff-short2",
    "reinhold",
    "beale",
    "minilock",
];

/// A list of distinct words to draw passphrase words from.
///
/// Every constructor trims each word, drops empty entries and drops
/// duplicates (keeping the first), so each word in the list is a distinct,
/// non-empty string and the entropy computed from [`len`](WordList::len)
/// is never inflated. A list always holds at least 2 words.
///
/// ```
/// use keysmith::passphrase::WordList;
///
/// let eff = WordList::bundled("eff-long")?;
/// assert_eq!(eff.len(), 7776);
///
/// let mine = WordList::from_text("apple\n  pear \n\napple\nplum\n")?;
/// assert_eq!(mine.words(), ["apple", "pear", "plum"]);
///
/// let short = eff.filter_length(None, Some(4))?;     // words of 3 or 4 letters
/// assert!(short.words().iter().all(|w| w.chars().count() <= 4));
/// # Ok::<(), keysmith::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct WordList {
    words: Vec<String>,
}

impl WordList {
    /// The names [`bundled`](WordList::bundled) accepts: `eff-long` (7776
    /// words, the default), `eff-short1` and `eff-short2` (1296 each),
    /// `reinhold` and `beale` (the classic diceware lists, 7776 each) and
    /// `minilock` (58109 distinct words).
    pub fn names() -> &'static [&'static str] {
        &NAMES
    }

    /// A bundled list by name (see [`names`](WordList::names)).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the unknown name and the known ones.
    pub fn bundled(name: &str) -> Result<WordList> {
        let list = BUNDLED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, list)| list.get_list())
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "unknown word list '{name}' (known: {})",
                    NAMES.join(", ")
                ))
            })?;
        // The source lists are checked like any other: one of them (minilock)
        // repeats a word, which would otherwise count twice.
        WordList::from_words(list.iter().copied())
    }

    /// The EFF long list (7776 words, 12.9 bits a word): the default.
    pub fn eff_long() -> WordList {
        WordList::from_words(Bundled::EffLong.get_list().iter().copied())
            .expect("the EFF long list has 7776 distinct words")
    }

    /// A list from text with one word per line.
    ///
    /// A leading byte-order mark is ignored; each line is trimmed of
    /// surrounding whitespace; empty lines and repeated words are dropped.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when fewer than 2 distinct words remain.
    pub fn from_text(text: &str) -> Result<WordList> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        WordList::from_words(text.lines())
    }

    /// A list from UTF-8 bytes with one word per line, as
    /// [`from_text`](WordList::from_text).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the bytes are not valid UTF-8 (naming
    /// the first bad line) or fewer than 2 distinct words remain.
    pub fn from_bytes(bytes: &[u8]) -> Result<WordList> {
        match std::str::from_utf8(bytes) {
            Ok(text) => WordList::from_text(text),
            Err(e) => {
                let before = &bytes[..e.valid_up_to()];
                let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
                Err(Error::InvalidInput(format!(
                    "the word list is not valid UTF-8 (line {line})"
                )))
            }
        }
    }

    /// A list from words given one by one, trimmed, with empty and
    /// repeated words dropped (the first occurrence keeps its place).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when fewer than 2 distinct words remain.
    pub fn from_words<I>(words: I) -> Result<WordList>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut seen = HashSet::new();
        let mut list = Vec::new();
        for w in words {
            let w = w.as_ref().trim();
            if !w.is_empty() && seen.insert(w.to_owned()) {
                list.push(w.to_owned());
            }
        }
        match list.len() {
            0 => Err(Error::InvalidInput("the word list has no words".into())),
            1 => Err(Error::InvalidInput(
                "the word list has only 1 distinct word; at least 2 are needed".into(),
            )),
            _ => Ok(WordList { words: list }),
        }
    }

    /// The words whose length in characters (Unicode scalar values) is at
    /// least `min` and at most `max` (either bound may be absent), in the
    /// same order.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when `min > max`, or when fewer than 2 words
    /// are left.
    pub fn filter_length(&self, min: Option<usize>, max: Option<usize>) -> Result<WordList> {
        if let (Some(lo), Some(hi)) = (min, max)
            && lo > hi
        {
            return Err(Error::InvalidInput(format!(
                "the minimum word length ({lo}) exceeds the maximum ({hi})"
            )));
        }
        let lo = min.unwrap_or(0);
        let hi = max.unwrap_or(usize::MAX);
        let words: Vec<String> = self
            .words
            .iter()
            .filter(|w| (lo..=hi).contains(&w.chars().count()))
            .cloned()
            .collect();
        if words.len() < 2 {
            let range = match (min, max) {
                (Some(lo), Some(hi)) => format!("{lo} to {hi} characters"),
                (Some(lo), None) => format!("at least {lo} characters"),
                (None, Some(hi)) => format!("at most {hi} characters"),
                (None, None) => "any length".into(),
            };
            return Err(Error::InvalidInput(format!(
                "only {} word(s) of the list have {range}; at least 2 are needed",
                words.len()
            )));
        }
        Ok(WordList { words })
    }

    /// The number of distinct words (at least 2).
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Always `false`: a list holds at least 2 words.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The words, distinct, in the list's order.
    pub fn words(&self) -> &[String] {
        &self.words
    }
}

impl Default for WordList {
    /// [`WordList::eff_long`].
    fn default() -> Self {
        WordList::eff_long()
    }
}

/// Shows the size and the first words, not the whole list.
impl fmt::Debug for WordList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head: Vec<&str> = self.words.iter().take(3).map(String::as_str).collect();
        f.debug_struct("WordList")
            .field("len", &self.words.len())
            .field("first", &head)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_list_loads_with_its_distinct_size() {
        let sizes: Vec<usize> = WordList::names()
            .iter()
            .map(|n| WordList::bundled(n).unwrap().len())
            .collect();
        assert_eq!(sizes, [7776, 1296, 1296, 7776, 7776, 58109]);
    }

    #[test]
    fn minilock_duplicate_is_dropped() {
        let raw = Bundled::Minilock.get_list();
        let distinct: HashSet<&str> = raw.iter().copied().collect();
        assert_eq!(raw.len(), 58110);
        assert_eq!(distinct.len(), 58109);
        assert_eq!(WordList::bundled("minilock").unwrap().len(), 58109);
    }

    #[test]
    fn unknown_name_lists_the_known_ones() {
        let e = WordList::bundled("eff").unwrap_err().to_string();
        assert!(
            e.contains("'eff'") && e.contains("eff-long, eff-short1"),
            "{e}"
        );
    }

    #[test]
    fn text_is_trimmed_and_deduplicated() {
        let l = WordList::from_text("\u{feff}b\r\n a \n\n\t\nb\na\nc").unwrap();
        assert_eq!(l.words(), ["b", "a", "c"]);
    }

    #[test]
    fn too_few_words() {
        for text in ["", "\n \n", "x\nx\n x"] {
            assert!(WordList::from_text(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let e = WordList::from_bytes(b"a\nb\n\xffc\nd").unwrap_err();
        assert!(e.to_string().contains("line 3"), "{e}");
    }

    #[test]
    fn length_filter_counts_characters() {
        let l = WordList::from_text("é\nab\nabc\nçàé\nabcd").unwrap();
        let f = l.filter_length(Some(3), Some(3)).unwrap();
        assert_eq!(f.words(), ["abc", "çàé"]);
        assert!(l.filter_length(Some(4), None).is_err());
        assert!(l.filter_length(Some(3), Some(2)).is_err());
    }
}
