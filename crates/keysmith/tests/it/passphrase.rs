//! Passphrases: exact counts, uniform draws, uniqueness of the strings.

#![cfg(feature = "passphrase")]

use crate::common;

use common::{assert_not_uniform, assert_uniform, seeded};
use keysmith::passphrase::{
    Case, DEFAULT_SYMBOLS, Decodability, MAX_CODEWORD_BYTES, MAX_CODEWORDS, PassphraseRecipe,
    WordList,
};
use keysmith::{BigUint, Recipe};
use std::collections::{BTreeSet, HashMap};

/// A word list of `words` (the fuzz regressions use it too).
pub(crate) fn list(words: &[&str]) -> WordList {
    WordList::from_words(words).unwrap()
}

/// Every draw of `p`, spelled out by hand from its settings: `forms` are
/// the choices per word, each draw is (words, digit slot and value, symbol
/// slot and value).
fn enumerate(forms: &[&str], n: usize, sep: &str, digit: bool, symbols: &[char]) -> Vec<String> {
    let mut out = Vec::new();
    let total = forms.len().pow(n as u32);
    for mut code in 0..total {
        let mut picked = Vec::new();
        for _ in 0..n {
            picked.push(forms[code % forms.len()].to_string());
            code /= forms.len();
        }
        let digits: Vec<Option<(usize, char)>> = if digit {
            (0..n)
                .flat_map(|s| ('0'..='9').map(move |d| Some((s, d))))
                .collect()
        } else {
            vec![None]
        };
        let syms: Vec<Option<(usize, char)>> = if symbols.is_empty() {
            vec![None]
        } else {
            (0..n)
                .flat_map(|s| symbols.iter().map(move |&c| Some((s, c))))
                .collect()
        };
        for d in &digits {
            for s in &syms {
                let mut words = picked.clone();
                if let Some((slot, c)) = d {
                    words[*slot].push(*c);
                }
                if let Some((slot, c)) = s {
                    words[*slot].push(*c);
                }
                out.push(words.join(sep));
            }
        }
    }
    out
}

/// Draws `per_cell * |space|` passphrases and checks that exactly the
/// expected strings appear, each equally often.
fn assert_exactly_uniform(p: &PassphraseRecipe, expected: &[String], per_cell: usize, seed: u64) {
    let cells: BTreeSet<&String> = expected.iter().collect();
    assert_eq!(cells.len(), expected.len(), "the setup must be unique");
    assert_eq!(p.space(), BigUint::from(cells.len()));
    let mut rng = seeded(seed);
    let mut counts: HashMap<String, u64> = HashMap::new();
    for _ in 0..per_cell * cells.len() {
        *counts
            .entry(p.sample(&mut rng).expose().to_owned())
            .or_default() += 1;
    }
    for s in counts.keys() {
        assert!(cells.contains(s), "{s:?} is not a possible passphrase");
    }
    let observed: Vec<u64> = cells
        .iter()
        .map(|s| counts.get(*s).copied().unwrap_or(0))
        .collect();
    assert!(
        observed.iter().all(|&c| c > 0),
        "some passphrase never appeared"
    );
    assert_uniform(&observed);
}

#[test]
fn default_is_six_eff_long_words_and_at_least_77_bits() {
    let p = PassphraseRecipe::builder().build().unwrap();
    assert_eq!(p.words(), 6);
    assert_eq!(p.choices_per_word(), 7776);
    assert_eq!(p.space(), BigUint::from(7776u32).pow(6));
    assert!(p.entropy_bits() >= 77.0 && p.entropy_bits() < 78.0);
    let s = p.generate();
    let eff = WordList::eff_long();
    let words: Vec<&str> = s.split(' ').collect();
    assert_eq!(words.len(), 6);
    assert!(words.iter().all(|w| eff.words().iter().any(|e| e == w)));
    assert!(p.is_uniquely_decodable());
}

#[test]
fn five_words_would_not_reach_77_bits() {
    let p = PassphraseRecipe::builder().words(5).build().unwrap();
    assert!(p.entropy_bits() < 77.0);
}

#[test]
fn default_word_count_follows_the_list() {
    for (name, n) in [("eff-short1", 8), ("eff-short2", 8), ("minilock", 5)] {
        let p = PassphraseRecipe::builder()
            .list(WordList::bundled(name).unwrap())
            .build()
            .unwrap();
        assert_eq!(p.words(), n, "{name}");
        assert!(p.entropy_bits() >= 77.0);
    }
}

#[test]
fn bits_pick_the_smallest_word_count() {
    let settings = [
        (false, false, Case::Keep),
        (true, false, Case::Keep),
        (true, true, Case::Random),
        (false, true, Case::Title),
    ];
    for bits in [1u32, 40, 64, 77, 100, 128, 256] {
        for (digit, symbol, case) in settings {
            let make = |b: keysmith::passphrase::PassphraseBuilder| {
                b.list(WordList::bundled("eff-short1").unwrap())
                    .digit(digit)
                    .symbol(symbol)
                    .case(case)
                    .build()
                    .unwrap()
            };
            let p = make(PassphraseRecipe::builder().bits(bits));
            let target = BigUint::from(1u32) << bits;
            assert!(p.space() >= target);
            if p.words() > 1 {
                let fewer = make(PassphraseRecipe::builder().words(p.words() - 1));
                assert!(fewer.space() < target, "{bits} bits, {} words", p.words());
            }
        }
    }
    // eff-long: 7 words give 90.5 bits, 8 give 103.4.
    let p = PassphraseRecipe::builder().bits(100).build().unwrap();
    assert_eq!(p.words(), 8);
}

#[test]
fn space_counts_case_digit_and_symbol_exactly() {
    let p = PassphraseRecipe::builder()
        .list(list(&["a", "bc", "de"]))
        .words(3)
        .case(Case::Random)
        .digit(true)
        .symbol(true)
        .build()
        .unwrap();
    // a: 2 forms, bc and de: 3 each.
    assert_eq!(p.choices_per_word(), 8);
    let expected = BigUint::from(8u32.pow(3) * 30 * (DEFAULT_SYMBOLS.len() as u32 * 3));
    assert_eq!(p.space(), expected);
    assert_eq!(p.entropy_bits(), keysmith::entropy::log2(&expected));
}

#[test]
fn random_case_with_digit_is_exactly_uniform() {
    let forms = ["a", "A", "bc", "BC", "Bc", "de", "DE", "De"];
    let p = PassphraseRecipe::builder()
        .list(list(&["a", "bc", "de"]))
        .words(2)
        .separator("-")
        .case(Case::Random)
        .digit(true)
        .build()
        .unwrap();
    assert!(p.is_uniquely_decodable());
    let expected = enumerate(&forms, 2, "-", true, &[]);
    assert_eq!(expected.len(), 64 * 20);
    assert_exactly_uniform(&p, &expected, 100, 1);
}

#[test]
fn digit_and_symbol_are_exactly_uniform() {
    let p = PassphraseRecipe::builder()
        .list(list(&["x", "yz"]))
        .words(2)
        .separator("")
        .digit(true)
        .symbols("!?")
        .build()
        .unwrap();
    assert!(p.is_uniquely_decodable());
    let expected = enumerate(&["x", "yz"], 2, "", true, &['!', '?']);
    assert_eq!(expected.len(), 4 * 20 * 4);
    assert_exactly_uniform(&p, &expected, 200, 2);
}

#[test]
fn upper_and_title_with_symbols_are_exactly_uniform() {
    for (case, forms) in [
        (Case::Upper, ["AB", "C", "DE"]),
        (Case::Title, ["Ab", "C", "De"]),
    ] {
        let p = PassphraseRecipe::builder()
            .list(list(&["ab", "c", "dE"]))
            .words(2)
            .case(case)
            .symbols("#%&")
            .build()
            .unwrap();
        let expected = enumerate(&forms, 2, " ", false, &['#', '%', '&']);
        assert_exactly_uniform(&p, &expected, 300, 3);
    }
}

/// The test above would catch the obvious alternative: pick a word, then
/// pick one of its case forms. "a" has 2 forms and "bc" 3, so "a" and "A"
/// come out more often than "bc", "BC" and "Bc".
#[test]
fn word_then_case_would_be_caught() {
    let mut rng = seeded(4);
    let words = ["a", "bc", "de"];
    let forms = |w: &str| -> Vec<String> {
        let mut f = vec![w.to_lowercase(), w.to_uppercase()];
        let t = w[..1].to_uppercase() + &w[1..];
        if !f.contains(&t) {
            f.push(t);
        }
        f
    };
    let all: Vec<String> = words.iter().flat_map(|w| forms(w)).collect();
    let mut counts: HashMap<String, u64> = HashMap::new();
    for _ in 0..100 * all.len() {
        let w = keysmith::sample::choice(&mut rng, &words).unwrap();
        let f = forms(w);
        let form = keysmith::sample::choice(&mut rng, &f).unwrap().clone();
        *counts.entry(form).or_default() += 1;
    }
    let observed: Vec<u64> = all.iter().map(|s| counts[s]).collect();
    assert_not_uniform(&observed);
}

#[test]
fn duplicates_do_not_inflate_entropy() {
    let dup = WordList::from_text("a\nb\nc\na\n b\nc \n\nc\n").unwrap();
    assert_eq!(dup.len(), 3);
    let p = PassphraseRecipe::builder()
        .list(dup)
        .words(4)
        .build()
        .unwrap();
    assert_eq!(p.space(), BigUint::from(81u32));
    // Words that a case makes equal count once.
    let p = PassphraseRecipe::builder()
        .list(list(&["Tea", "tea", "TEA", "cup"]))
        .case(Case::Lower)
        .words(2)
        .build()
        .unwrap();
    assert_eq!(p.space(), BigUint::from(4u32));
    let p = PassphraseRecipe::builder()
        .list(list(&["Tea", "tea", "TEA", "cup"]))
        .case(Case::Random)
        .words(1)
        .build()
        .unwrap();
    assert_eq!(p.space(), BigUint::from(6u32));
}

#[test]
fn length_filters_set_the_entropy() {
    let p = PassphraseRecipe::builder()
        .min_length(4)
        .max_length(4)
        .words(3)
        .build()
        .unwrap();
    let four = WordList::eff_long()
        .words()
        .iter()
        .filter(|w| w.len() == 4)
        .count();
    assert!(four > 2);
    assert_eq!(p.choices_per_word(), four);
    assert_eq!(p.space(), BigUint::from(four).pow(3));
    for w in p.generate().split(' ') {
        assert_eq!(w.chars().count(), 4);
    }
}

#[test]
fn separator_and_case_show_in_the_output() {
    let p = PassphraseRecipe::builder()
        .words(4)
        .separator("::")
        .case(Case::Upper)
        .build()
        .unwrap();
    let s = p.generate();
    assert_eq!(s.split("::").count(), 4);
    assert_eq!(s, s.to_uppercase());
    let p = PassphraseRecipe::builder()
        .words(4)
        .case(Case::Title)
        .build()
        .unwrap();
    for w in p.generate().split(' ') {
        assert!(w.starts_with(|c: char| c.is_uppercase()), "{w}");
    }
}

#[test]
fn digit_and_symbol_follow_one_word_each() {
    let p = PassphraseRecipe::builder()
        .words(5)
        .digit(true)
        .symbol(true)
        .build()
        .unwrap();
    let mut rng = seeded(5);
    for _ in 0..200 {
        let s = p.sample(&mut rng);
        let s = s.expose();
        assert_eq!(s.chars().filter(char::is_ascii_digit).count(), 1, "{s}");
        assert_eq!(
            s.chars().filter(|c| DEFAULT_SYMBOLS.contains(*c)).count(),
            1,
            "{s}"
        );
        assert_eq!(s.split(' ').count(), 5);
    }
}

// ---- unique decodability ---------------------------------------------------

/// How many distinct strings the draws of `p` give, by enumeration.
fn distinct_outputs(forms: &[&str], n: usize, sep: &str) -> usize {
    enumerate(forms, n, sep, false, &[])
        .into_iter()
        .collect::<BTreeSet<_>>()
        .len()
}

#[test]
fn overlapping_list_without_separator_is_not_unique() {
    let words = ["in", "to", "into", "x"];
    let p = PassphraseRecipe::builder()
        .list(list(&words))
        .words(3)
        .separator("")
        .build()
        .unwrap();
    assert_eq!(p.decodability(), Decodability::Ambiguous);
    assert!(!p.is_uniquely_decodable());
    // And it shows: "in"+"to"+"x" = "into"+"x"... fewer strings than draws.
    assert!(BigUint::from(distinct_outputs(&words, 3, "")) < p.space());
    // With a separator the same list is fine.
    let p = PassphraseRecipe::builder()
        .list(list(&words))
        .words(3)
        .build()
        .unwrap();
    assert!(p.is_uniquely_decodable());
    assert_eq!(BigUint::from(distinct_outputs(&words, 3, " ")), p.space());
}

#[test]
fn prefix_free_list_without_separator_is_unique_and_exact() {
    let words = ["in", "to", "x", "ox"];
    for n in 1..=4 {
        let p = PassphraseRecipe::builder()
            .list(list(&words))
            .words(n)
            .separator("")
            .build()
            .unwrap();
        assert!(p.is_uniquely_decodable());
        assert_eq!(BigUint::from(distinct_outputs(&words, n, "")), p.space());
    }
}

#[test]
fn separator_inside_words_is_tested_not_assumed() {
    // "a-b" + "-" + "c" = "a" + "-" + "b-c".
    let p = PassphraseRecipe::builder()
        .list(list(&["a-b", "c", "a", "b-c"]))
        .words(2)
        .separator("-")
        .build()
        .unwrap();
    assert_eq!(p.decodability(), Decodability::Ambiguous);
    // A repeated-character separator that words end with: "xa"+"aa"+"b" vs
    // "x"+"aa"+"ab".
    let p = PassphraseRecipe::builder()
        .list(list(&["xa", "b", "x", "ab"]))
        .words(2)
        .separator("aa")
        .build()
        .unwrap();
    assert_eq!(p.decodability(), Decodability::Ambiguous);
}

#[test]
fn digit_that_completes_another_word_is_not_unique() {
    // "1"+"0" and "10" are the same string, even with a space between
    // words: ("1"+digit 0, "10") and ("10", "1"+digit 0) collide.
    let p = PassphraseRecipe::builder()
        .list(list(&["1", "10", "x"]))
        .words(2)
        .digit(true)
        .build()
        .unwrap();
    assert_eq!(p.decodability(), Decodability::Ambiguous);
    // The reinhold list has "1" and "10".
    let p = PassphraseRecipe::builder()
        .list(WordList::bundled("reinhold").unwrap())
        .digit(true)
        .build()
        .unwrap();
    assert!(!p.is_uniquely_decodable());
    // Without the digit it is fine.
    let p = PassphraseRecipe::builder()
        .list(WordList::bundled("reinhold").unwrap())
        .build()
        .unwrap();
    assert!(p.is_uniquely_decodable());
}

#[test]
fn bundled_lists_with_default_settings_are_unique() {
    for name in WordList::names() {
        let p = PassphraseRecipe::builder()
            .list(WordList::bundled(name).unwrap())
            .case(Case::Random)
            .digit(true)
            .build()
            .unwrap();
        let verdict = p.decodability();
        if *name == "reinhold" || *name == "beale" {
            // Both hold numbers such as "1" and "10".
            assert_eq!(verdict, Decodability::Ambiguous, "{name}");
        } else {
            assert_eq!(verdict, Decodability::Unique, "{name}");
        }
    }
}

#[test]
fn eff_long_is_prefix_free_so_needs_no_separator() {
    // No word of the EFF long list begins another, so even joined with
    // nothing every passphrase splits one way only.
    let words = WordList::eff_long();
    let mut sorted: Vec<&String> = words.words().iter().collect();
    sorted.sort();
    assert!(sorted.windows(2).all(|w| !w[1].starts_with(w[0].as_str())));
    for case in [Case::Keep, Case::Random] {
        let p = PassphraseRecipe::builder()
            .separator("")
            .case(case)
            .digit(true)
            .build()
            .unwrap();
        assert_eq!(p.decodability(), Decodability::Unique);
    }
    // Four of its words hold a '-' ("drop-down", "t-shirt", ...): with '-'
    // between words the test runs in full, and still finds no ambiguity.
    let p = PassphraseRecipe::builder().separator("-").build().unwrap();
    assert_eq!(p.decodability(), Decodability::Unique);
}

#[test]
fn large_ambiguous_list_is_decided_quickly() {
    let p = PassphraseRecipe::builder()
        .list(WordList::bundled("minilock").unwrap())
        .separator("")
        .build()
        .unwrap();
    let verdict = p.decodability();
    assert_ne!(verdict, Decodability::Unique);
    // Remembered: the second call does no work.
    assert_eq!(p.decodability(), verdict);
}

/// "a" and a word of a megabyte of a's ending in "b": uniquely decodable,
/// but a proof follows a million leftovers of up to a megabyte each.
fn tiny_and_huge() -> WordList {
    let huge = format!("{}b", "a".repeat(1 << 20));
    list(&["a", &huge])
}

#[test]
fn a_tiny_word_and_a_megabyte_word_answer_unknown_quickly() {
    for (sep, digit) in [("", false), ("a", false), ("", true)] {
        let p = PassphraseRecipe::builder()
            .list(tiny_and_huge())
            .words(3)
            .separator(sep)
            .digit(digit)
            .build()
            .unwrap();
        assert_eq!(
            p.decodability(),
            Decodability::Unknown,
            "separator {sep:?}, digit {digit}"
        );
    }
    // A megabyte of a's alone is found ambiguous at once (a^n = a a … a).
    let p = PassphraseRecipe::builder()
        .list(list(&["a", &"a".repeat(1 << 20)]))
        .words(2)
        .separator("")
        .build()
        .unwrap();
    assert_eq!(p.decodability(), Decodability::Ambiguous);
}

#[test]
fn a_large_list_with_digit_and_symbol_is_not_expanded() {
    // 2048 words of 8 KiB, and "a", "ab", "b", which keep the words, digits
    // and symbols taken apart from proving uniqueness ("a"+"b" = "ab"), so
    // the full test would need each word followed by each of the 121
    // things that can follow it: 2 GiB of strings.
    let pad = "x".repeat(8 << 10);
    let mut words: Vec<String> = (0..2048).map(|i| format!("w{i:04}{pad}")).collect();
    words.extend(["a", "ab", "b"].map(String::from));
    let list = WordList::from_words(&words).unwrap();
    let bytes: usize = words.iter().map(String::len).sum();
    assert!(words.len() * 121 <= MAX_CODEWORDS);
    assert!(bytes * 121 > MAX_CODEWORD_BYTES);
    let p = PassphraseRecipe::builder()
        .list(list)
        .words(4)
        .separator("")
        .digit(true)
        .symbol(true)
        .build()
        .unwrap();
    assert_eq!(p.decodability(), Decodability::Unknown);
}

#[test]
fn the_hardest_bundled_cases_are_still_decided() {
    // The bundled cases that take the full test the longest: every word of
    // the list followed by every digit and symbol (940 896 strings), and
    // minilock's 58 109 words upper-cased with a digit.
    let p = PassphraseRecipe::builder()
        .separator("e")
        .digit(true)
        .symbol(true)
        .build()
        .unwrap();
    assert_eq!(p.decodability(), Decodability::Unique);
    let p = PassphraseRecipe::builder()
        .list(WordList::bundled("minilock").unwrap())
        .separator("-")
        .case(Case::Upper)
        .digit(true)
        .build()
        .unwrap();
    assert_eq!(p.decodability(), Decodability::Ambiguous);
}

#[test]
fn bits_need_a_uniquely_decodable_recipe() {
    let e = build_err(
        PassphraseRecipe::builder()
            .list(list(&["in", "to", "into", "x"]))
            .separator("")
            .bits(20),
    );
    assert!(
        e.starts_with("20 bits cannot be promised")
            && e.contains("different draws can give the same passphrase")
            && e.contains("give a number of words instead")
            && !e.contains('\n'),
        "{e}"
    );
    let e = build_err(
        PassphraseRecipe::builder()
            .list(tiny_and_huge())
            .separator("")
            .bits(10.5),
    );
    assert!(
        e.starts_with("10.5 bits cannot be promised") && e.contains("could not be shown"),
        "{e}"
    );
    // The reinhold list holds "1" and "10": with a digit, not unique.
    let e = build_err(
        PassphraseRecipe::builder()
            .list(WordList::bundled("reinhold").unwrap())
            .digit(true)
            .bits(80),
    );
    assert!(e.contains("different draws"), "{e}");
    // The same recipes with a number of words build (and say their
    // entropy is an upper bound), and so does the list with a separator.
    let p = PassphraseRecipe::builder()
        .list(list(&["in", "to", "into", "x"]))
        .separator("")
        .words(10)
        .build()
        .unwrap();
    assert_eq!(p.decodability(), Decodability::Ambiguous);
    let p = PassphraseRecipe::builder()
        .list(list(&["in", "to", "into", "x"]))
        .bits(20)
        .build()
        .unwrap();
    assert_eq!((p.words(), p.decodability()), (10, Decodability::Unique));
    // One word is always unique.
    let p = PassphraseRecipe::builder()
        .list(list(&["in", "to", "into", "x"]))
        .separator("")
        .bits(2)
        .build()
        .unwrap();
    assert_eq!(p.words(), 1);
}

#[test]
fn a_drawn_passphrase_does_not_show_in_debug() {
    let p = PassphraseRecipe::builder().build().unwrap();
    let phrase = p.generate();
    let shown = format!("{phrase:?}");
    assert_eq!(shown, "SecretString([redacted])");
    assert!(phrase.split(' ').all(|w| !shown.contains(w)));
}

#[test]
fn a_drawn_passphrase_fills_a_buffer_of_its_exact_length() {
    // Words of 1 to 40 bytes, a separator, a digit and a 4-byte symbol:
    // the buffer is made once, at the final length, and never grows (a
    // reallocation would free a partial copy unwiped).
    let long = "é".repeat(20);
    let p = PassphraseRecipe::builder()
        .list(list(&["a", "bc", &long]))
        .words(6)
        .separator("--")
        .digit(true)
        .symbols("😀!")
        .build()
        .unwrap();
    let mut rng = seeded(9);
    for _ in 0..300 {
        let phrase = p.sample(&mut rng);
        let len = phrase.len();
        assert_eq!(phrase.into_bytes().capacity(), len);
    }
}

// ---- bad input --------------------------------------------------------------

fn build_err(b: keysmith::passphrase::PassphraseBuilder) -> String {
    b.build().unwrap_err().to_string()
}

#[test]
fn bad_settings_are_errors() {
    let b = PassphraseRecipe::builder;
    assert!(build_err(b().words(0)).contains("at least 1"));
    assert!(build_err(b().words(1001)).contains("at most 1000"));
    assert!(build_err(b().words(3).bits(40)).contains("not both"));
    assert!(build_err(b().min_length(6).max_length(4)).contains("(6) exceeds the maximum (4)"));
    assert!(build_err(b().min_length(10)).contains("at least 2 are needed"));
    assert!(build_err(b().symbols("")).contains("symbol set is empty"));
    assert!(build_err(b().symbols("! ")).contains("whitespace"));
    assert!(build_err(b().bits(20_000)).contains("more than 1000 words"));
}

#[test]
fn bad_lists_are_errors() {
    assert!(
        WordList::bundled("diceware")
            .unwrap_err()
            .to_string()
            .contains("unknown word list 'diceware'")
    );
    assert!(WordList::from_text("").is_err());
    assert!(WordList::from_text("same\nsame\n").is_err());
    let e = WordList::from_bytes(b"ok\n\xc3\x28\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("UTF-8") && e.contains("line 2"), "{e}");
}

#[test]
fn debug_shows_settings_not_the_list() {
    let p = PassphraseRecipe::builder().build().unwrap();
    let d = format!("{p:?}");
    assert!(
        d.contains("words: 6") && d.contains("choices_per_word: 7776"),
        "{d}"
    );
    assert!(d.len() < 200, "{d}");
    let d = format!("{:?}", WordList::eff_long());
    assert!(d.contains("len: 7776") && d.len() < 100, "{d}");
}
