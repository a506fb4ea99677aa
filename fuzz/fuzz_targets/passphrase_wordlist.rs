//! Word lists read from files (`WordList::from_bytes`, what
//! `--wordlist FILE` reads) and the passphrase recipes built on them, with
//! the uniqueness test (`PassphraseRecipe::decodability`) under small budgets.
//!
//! Invariants: no panic; a list is read exactly when its lines hold at
//! least 2 distinct words, and then holds those words, trimmed, once each,
//! in order; a recipe's choices per word and space are the counts its
//! settings give; the uniqueness test never works past its budget, and two
//! budgets that both decide agree; a recipe called uniquely decodable has
//! no two draws that print the same, and a one-word recipe is ambiguous
//! exactly when two draws do; a drawn passphrase is one of the recipe's.

//!
//! Input: settings (see `keysmith_fuzz::Settings`), as the CLI's flags:
//! `words N` or `bits X`, `separator S`, `case NAME`, `digit`, `symbol`,
//! `symbols SET`, `min-length N`, `max-length N`; `budget N` for the test
//! and `seed N` for the draw; the payload is the word list file.

#![no_main]

use keysmith::Recipe;
use keysmith::passphrase::{Case, Decodability, MAX_WORDS, PassphraseRecipe, WordList};
use keysmith_fuzz::Settings;
use libfuzzer_sys::fuzz_target;
use num_bigint::BigUint;
use std::collections::HashSet;

/// The list the documented rules make of `text`: lines split at `\n`,
/// trimmed, empty ones and repeats dropped.
fn expected_words(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut seen = HashSet::new();
    text.split('\n')
        .map(str::trim)
        .filter(|w| !w.is_empty() && seen.insert(*w))
        .map(str::to_owned)
        .collect()
}

fn title(w: &str) -> String {
    let mut chars = w.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.as_str().to_lowercase().chars())
            .collect(),
        None => String::new(),
    }
}

/// What each word of `words` can be printed as under `case`, distinct, in
/// order.
fn expected_choices(words: &[String], case: Case) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for w in words {
        let forms = match case {
            Case::Lower => vec![w.to_lowercase()],
            Case::Upper => vec![w.to_uppercase()],
            Case::Title => vec![title(w)],
            Case::Random => vec![w.to_lowercase(), w.to_uppercase(), title(w)],
            _ => vec![w.clone()],
        };
        for f in forms {
            if seen.insert(f.clone()) {
                out.push(f);
            }
        }
    }
    out
}

/// Every draw of `recipe` (words, the digit's slot and value, the
/// symbol's slot and value), printed.
fn every_passphrase(recipe: &PassphraseRecipe, choices: &[String]) -> Vec<String> {
    let n = recipe.words();
    let digits: Vec<Option<(usize, char)>> = if recipe.has_digit() {
        (0..n)
            .flat_map(|slot| ('0'..='9').map(move |d| Some((slot, d))))
            .collect()
    } else {
        vec![None]
    };
    let symbols: Vec<Option<(usize, char)>> = match recipe.symbols() {
        Some(set) => (0..n)
            .flat_map(|slot| set.iter().map(move |&s| Some((slot, s))))
            .collect(),
        None => vec![None],
    };
    let mut out = Vec::new();
    let mut picked = vec![0usize; n];
    loop {
        for d in &digits {
            for s in &symbols {
                let mut p = String::new();
                for (i, &w) in picked.iter().enumerate() {
                    if i > 0 {
                        p.push_str(recipe.separator());
                    }
                    p.push_str(&choices[w]);
                    if let Some((slot, c)) = d
                        && *slot == i
                    {
                        p.push(*c);
                    }
                    if let Some((slot, c)) = s
                        && *slot == i
                    {
                        p.push(*c);
                    }
                }
                out.push(p);
            }
        }
        let mut pos = 0;
        loop {
            if pos == n {
                return out;
            }
            picked[pos] += 1;
            if picked[pos] < choices.len() {
                break;
            }
            picked[pos] = 0;
            pos += 1;
        }
    }
}

fn decided(d: Decodability) -> bool {
    d != Decodability::Unknown
}

fuzz_target!(|data: &[u8]| {
    let s = Settings::parse(data);
    let list = WordList::from_bytes(s.payload);
    let Ok(text) = std::str::from_utf8(s.payload) else {
        assert!(list.is_err());
        return;
    };
    let words = expected_words(text);
    let list = match list {
        Ok(list) => {
            assert_eq!(list.words(), words);
            assert_eq!(list.len(), words.len());
            assert_eq!(WordList::from_text(text).ok(), Some(list.clone()));
            list
        }
        Err(e) => {
            assert!(
                words.len() < 2,
                "refused {} distinct words: {e}",
                words.len()
            );
            assert!(!e.to_string().contains('\n'));
            return;
        }
    };

    let case = match s.get("case") {
        Some(name) => match Case::from_name(name) {
            Ok(c) => c,
            Err(_) => return,
        },
        None => Case::Keep,
    };
    let min_length: Option<usize> = s.num("min-length");
    let max_length: Option<usize> = s.num("max-length");
    let mut common = PassphraseRecipe::builder()
        .list(list.clone())
        .separator(s.get("separator").unwrap_or(" "))
        .case(case)
        .digit(s.has("digit"))
        .symbol(s.has("symbol"));
    // At most 12 symbols: each adds 11 strings per word to the test.
    let symbols: Option<String> = s.get("symbols").map(|set| set.chars().take(12).collect());
    if let Some(set) = &symbols {
        common = common.symbols(set.as_str());
    }
    if let Some(m) = min_length {
        common = common.min_length(m);
    }
    if let Some(m) = max_length {
        common = common.max_length(m);
    }
    // An entropy target runs the full test when the recipe is built: only
    // for small lists, so that it stays fast.
    let words_asked: Option<usize> = s.num("words");
    let bits: Option<f64> = s.num("bits").filter(|_| s.payload.len() <= 256);
    let mut b = common.clone();
    if let Some(n) = words_asked {
        b = b.words(n);
    }
    if let Some(x) = bits {
        b = b.bits(x);
    }
    let Ok(recipe) = b.build() else { return };

    // The choices and the space, counted here.
    let filtered: Vec<String> = words
        .iter()
        .filter(|w| {
            let n = w.chars().count();
            min_length.is_none_or(|m| n >= m) && max_length.is_none_or(|m| n <= m)
        })
        .cloned()
        .collect();
    let choices = expected_choices(&filtered, case);
    assert_eq!(recipe.choices_per_word(), choices.len());
    let n = recipe.words();
    assert!((1..=MAX_WORDS).contains(&n));
    let mut space = BigUint::from(choices.len()).pow(n as u32);
    if recipe.has_digit() {
        space *= BigUint::from(10 * n);
    }
    if let Some(set) = recipe.symbols() {
        let distinct: HashSet<char> = set.iter().copied().collect();
        assert_eq!(distinct.len(), set.len());
        space *= BigUint::from(set.len() * n);
    }
    assert_eq!(recipe.space(), space);
    if let Some(x) = bits {
        // `n >= 2^x`, exactly when `x` is whole.
        let reaches = |n: &BigUint| {
            if x.fract() == 0.0 {
                n.bits() > x as u64
            } else {
                keysmith::entropy::log2(n) >= x
            }
        };
        assert!(reaches(&space), "{n} words do not reach {x} bits");
        if n > 1 {
            let fewer = common
                .words(n - 1)
                .build()
                .expect("the same recipe with fewer words");
            assert!(!reaches(&fewer.space()), "{} words reach {x} bits", n - 1);
        }
        assert_eq!(recipe.decodability(), Decodability::Unique);
    }

    // The uniqueness test within its budget, at two budgets.
    let budget: u64 = s.num::<u64>("budget").unwrap_or(1000).min(1 << 20);
    let (small, work) = recipe.decodability_within(budget);
    assert!(work <= budget, "worked {work} on a budget of {budget}");
    let larger = budget * 16 + 4096;
    let (large, work) = recipe.decodability_within(larger);
    assert!(work <= larger, "worked {work} on a budget of {larger}");
    if decided(small) && decided(large) {
        assert_eq!(small, large);
    }
    let verdict = if decided(large) { large } else { small };

    // Small recipes: every draw, printed.
    let sample = recipe.sample(&mut s.rng());
    if space <= BigUint::from(20_000u32) {
        let all = every_passphrase(&recipe, &choices);
        assert_eq!(BigUint::from(all.len()), space);
        let distinct: HashSet<&str> = all.iter().map(String::as_str).collect();
        let collide = distinct.len() != all.len();
        if collide {
            assert_ne!(verdict, Decodability::Unique, "two draws print the same");
        }
        if n == 1 {
            assert_eq!(collide, verdict == Decodability::Ambiguous);
        }
        assert!(
            distinct.contains(&*sample),
            "drew a passphrase the recipe cannot make"
        );
    }
});
