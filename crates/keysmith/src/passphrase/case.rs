//! The letter case of a passphrase's words, and the distinct forms a word
//! list gives under it.

use super::WordList;
use crate::{Error, Result};
use std::collections::HashSet;

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
    /// [module docs](crate::passphrase)).
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
pub(super) fn choices(list: &WordList, case: Case) -> Vec<String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passphrase::PassphraseRecipe;

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
        let e = PassphraseRecipe::builder()
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
}
