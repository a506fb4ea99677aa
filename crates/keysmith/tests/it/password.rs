//! Password policies: exact uniformity over every allowed password, exact
//! counts, and every impossible policy rejected.

#![cfg(feature = "password")]

use crate::common;

use common::{assert_not_uniform, assert_uniform, seeded};
use keysmith::password::{AMBIGUOUS, Class, DEFAULT_BITS, MAX_LENGTH, Method, Policy, SYMBOLS};
use keysmith::{BigUint, Error, Recipe};
use rand_core::CryptoRng;
use std::collections::HashMap;

/// Every string of `length` characters over the policy's alphabet that the
/// policy accepts, found by brute force.
fn valid_strings(policy: &Policy) -> Vec<String> {
    let alphabet: Vec<char> = policy.alphabet().chars().collect();
    let mut all = vec![String::new()];
    for _ in 0..policy.length() {
        all = all
            .iter()
            .flat_map(|s| alphabet.iter().map(move |&c| format!("{s}{c}")))
            .collect();
    }
    all.into_iter().filter(|s| policy.accepts(s)).collect()
}

/// Draws `per_cell` times as many passwords as there are valid ones with
/// `draw`, checks that none is invalid, and returns the count of each.
fn tally(valid: &[String], per_cell: usize, mut draw: impl FnMut() -> String) -> Vec<u64> {
    let slot: HashMap<&str, usize> = valid
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let mut counts = vec![0u64; valid.len()];
    for _ in 0..valid.len() * per_cell {
        let pw = draw();
        let i = slot
            .get(pw.as_str())
            .unwrap_or_else(|| panic!("drew {pw:?}, which the policy does not allow"));
        counts[*i] += 1;
    }
    counts
}

fn check_exact_and_uniform(policy: &Policy, seed: u64) {
    let valid = valid_strings(policy);
    assert_eq!(policy.space(), BigUint::from(valid.len()));
    assert_eq!(policy.entropy_bits(), (valid.len() as f64).log2());
    let mut rng = seeded(seed);
    let counts = tally(&valid, 40, || policy.sample(&mut rng).expose().to_owned());
    assert!(counts.iter().all(|&c| c > 0), "some password never drawn");
    assert_uniform(&counts);
}

/// Length 4 over "abAB1!", at least one lowercase letter and one digit:
/// 496 of the 1296 strings, so whole strings are drawn until one passes.
fn loose() -> Policy {
    Policy::builder()
        .charset("abAB1!")
        .length(4)
        .min_lower(1)
        .min_digits(1)
        .build()
        .unwrap()
}

/// Length 4 over "abAB12!", at least one lowercase letter and two digits:
/// 448 of 2401 strings (under a quarter), so compositions are drawn.
fn tight() -> Policy {
    Policy::builder()
        .charset("abAB12!")
        .length(4)
        .min_lower(1)
        .min_digits(2)
        .build()
        .unwrap()
}

/// Length 5 over "abA1!", one of each class: every class constrained, no
/// free part, 600 of 3125 strings.
fn four_classes() -> Policy {
    Policy::builder()
        .charset("abA1!")
        .length(5)
        .min_lower(1)
        .min_upper(1)
        .min_digits(1)
        .min_symbols(1)
        .build()
        .unwrap()
}

#[test]
fn rejection_path_is_exact_and_uniform() {
    let p = loose();
    assert_eq!(p.method(), Method::Rejection);
    assert_eq!(p.space(), BigUint::from(496u32));
    check_exact_and_uniform(&p, 1);
}

#[test]
fn composition_path_is_exact_and_uniform() {
    let p = tight();
    assert_eq!(p.method(), Method::Composition);
    assert_eq!(p.space(), BigUint::from(448u32));
    check_exact_and_uniform(&p, 2);

    let p = four_classes();
    assert_eq!(p.method(), Method::Composition);
    assert_eq!(p.space(), BigUint::from(600u32));
    check_exact_and_uniform(&p, 3);
}

/// The shortcut the policy must not take: put in each class's minimum, fill
/// the rest from the whole alphabet, shuffle.
fn insert_then_shuffle<R: CryptoRng>(policy: &Policy, rng: &mut R) -> String {
    let mut chars = Vec::new();
    for class in Class::ALL {
        for _ in 0..policy.min(class) {
            chars.push(*keysmith::sample::choice(rng, policy.chars(class)).unwrap());
        }
    }
    let alphabet: Vec<char> = policy.alphabet().chars().collect();
    while chars.len() < policy.length() {
        chars.push(*keysmith::sample::choice(rng, &alphabet).unwrap());
    }
    keysmith::sample::shuffle(rng, &mut chars);
    chars.into_iter().collect()
}

/// The other shortcut: a class first, uniformly, then a character of it
/// (checking the minimums by rejection).
fn class_then_char<R: CryptoRng>(policy: &Policy, rng: &mut R) -> String {
    let classes: Vec<Class> = Class::ALL
        .into_iter()
        .filter(|&c| !policy.chars(c).is_empty())
        .collect();
    loop {
        let s: String = (0..policy.length())
            .map(|_| {
                let class = *keysmith::sample::choice(rng, &classes).unwrap();
                *keysmith::sample::choice(rng, policy.chars(class)).unwrap()
            })
            .collect();
        if policy.accepts(&s) {
            return s;
        }
    }
}

#[test]
fn the_test_catches_the_biased_shortcuts() {
    for p in [loose(), tight()] {
        let valid = valid_strings(&p);
        let mut rng = seeded(4);
        assert_not_uniform(&tally(&valid, 40, || insert_then_shuffle(&p, &mut rng)));
        assert_not_uniform(&tally(&valid, 40, || class_then_char(&p, &mut rng)));
    }
    // With one of each of four classes in five characters, inserting one
    // of each and then one more happens to be uniform (each composition's
    // share matches its count), so only the class-first shortcut is
    // caught there.
    let p = four_classes();
    let valid = valid_strings(&p);
    let mut rng = seeded(4);
    assert_not_uniform(&tally(&valid, 40, || class_then_char(&p, &mut rng)));
}

#[test]
fn default_policy_reaches_128_bits_with_every_class() {
    let p = Policy::default();
    assert!(p.entropy_bits() >= DEFAULT_BITS);
    let shorter = Policy::builder().length(p.length() - 1).build().unwrap();
    assert!(shorter.entropy_bits() < DEFAULT_BITS);
    assert_eq!(p.alphabet().chars().count(), 26 + 26 + 10 + SYMBOLS.len());
    let mut rng = seeded(5);
    for _ in 0..1000 {
        let pw = p.sample(&mut rng);
        assert_eq!(pw.chars().count(), p.length());
        assert!(pw.chars().any(|c| c.is_ascii_lowercase()));
        assert!(pw.chars().any(|c| c.is_ascii_uppercase()));
        assert!(pw.chars().any(|c| c.is_ascii_digit()));
        assert!(pw.chars().any(|c| SYMBOLS.contains(c)));
    }
    // The default source works too.
    assert!(p.accepts(&p.generate()));
}

/// Strings of length n with at least one lowercase, one uppercase and
/// three digits over letters and digits, by summing over compositions.
fn python_recipe_count(n: u32) -> u128 {
    let f = |k: u32| (1..=k).map(u128::from).product::<u128>();
    let mut total = 0;
    for lower in 1..=n {
        for upper in 1..=n - lower {
            let digits = n - lower - upper;
            if digits >= 3 {
                total += f(n) / (f(lower) * f(upper) * f(digits))
                    * 26u128.pow(lower)
                    * 26u128.pow(upper)
                    * 10u128.pow(digits);
            }
        }
    }
    total
}

#[test]
fn python_documentation_recipe() {
    let p = Policy::builder()
        .length(10)
        .without(Class::Symbol)
        .min_digits(3)
        .build()
        .unwrap();
    assert_eq!(p.space(), BigUint::from(python_recipe_count(10)));
    assert_eq!(p.method(), Method::Composition);
    let mut rng = seeded(6);
    let mut exactly_three = 0;
    for _ in 0..2000 {
        let pw = p.sample(&mut rng);
        assert_eq!(pw.len(), 10);
        assert!(pw.chars().all(|c| c.is_ascii_alphanumeric()));
        assert!(pw.chars().any(|c| c.is_ascii_lowercase()));
        assert!(pw.chars().any(|c| c.is_ascii_uppercase()));
        let digits = pw.chars().filter(char::is_ascii_digit).count();
        assert!(digits >= 3);
        exactly_three += usize::from(digits == 3);
    }
    // Under the uniform law 70.56% have exactly three digits (1411 of
    // 2000, sd 20); inserting three digits and shuffling gives 41.5%.
    assert!((1310..1512).contains(&exactly_three), "{exactly_three}");
}

#[test]
fn bits_picks_the_smallest_length() {
    for bits in [40.0, 64.0, 80.5, 128.0, 256.0] {
        let p = Policy::builder().bits(bits).build().unwrap();
        assert!(p.entropy_bits() >= bits);
        let shorter = Policy::builder().length(p.length() - 1).build().unwrap();
        assert!(shorter.entropy_bits() < bits, "{bits}: {}", p.length());
    }
    let p = Policy::builder().charset("01").bits(100.0).build().unwrap();
    assert_eq!(p.length(), 100);
    // Exactly 2^64 at length 64 over two characters: 64 bits are reached.
    let p = Policy::builder().charset("ab").bits(64.0).build().unwrap();
    assert_eq!(p.length(), 64);
}

#[test]
fn exclusions_are_never_drawn() {
    let p = Policy::builder()
        .length(12)
        .exclude("abc{}")
        .no_ambiguous()
        .build()
        .unwrap();
    let banned: Vec<char> = "abc{}".chars().chain(AMBIGUOUS.chars()).collect();
    assert!(!p.alphabet().chars().any(|c| banned.contains(&c)));
    let mut rng = seeded(7);
    for _ in 0..3000 {
        let pw = p.sample(&mut rng);
        assert!(!pw.chars().any(|c| banned.contains(&c)), "{}", pw.expose());
        assert!(p.accepts(&pw));
    }
}

#[test]
fn symbols_and_charset() {
    let p = Policy::builder().symbols("!#!").length(8).build().unwrap();
    assert_eq!(p.chars(Class::Symbol), &['!', '#']);
    let p = Policy::builder()
        .charset("aab1€")
        .length(6)
        .build()
        .unwrap();
    assert_eq!(p.alphabet(), "ab1€");
    assert_eq!(p.chars(Class::Symbol), &['€']);
    assert_eq!(p.space(), BigUint::from(4u32).pow(6));
    for class in Class::ALL {
        assert_eq!(p.min(class), 0);
    }
    let pw = p.generate();
    assert_eq!(pw.chars().count(), 6);
}

#[test]
fn emptied_classes_with_default_minimums_are_dropped() {
    let p = Policy::builder()
        .length(10)
        .exclude("0123456789")
        .build()
        .unwrap();
    assert!(p.chars(Class::Digit).is_empty());
    assert_eq!(p.min(Class::Digit), 0);
    let p = Policy::builder().symbols("").length(10).build().unwrap();
    assert_eq!(p.min(Class::Symbol), 0);
    let p = Policy::builder()
        .without(Class::Digit)
        .min_digits(0)
        .length(5)
        .build()
        .unwrap();
    assert!(p.chars(Class::Digit).is_empty());
}

fn message(b: keysmith::password::PolicyBuilder) -> String {
    match b.build() {
        Err(Error::InvalidInput(msg)) => {
            assert!(!msg.contains('\n'));
            msg
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn impossible_policies_are_clear_errors() {
    let b = Policy::builder;
    let cases = [
        (
            b().length(10).min_digits(5).min_upper(6),
            "the minimums (13) exceed the length (10)",
        ),
        (
            b().without(Class::Digit).min_digits(2),
            "at least 2 digits required, but digits are disabled",
        ),
        (
            b().exclude("0123456789").min_digits(1),
            "at least 1 digit required, but no digits are left",
        ),
        (
            b().charset("abc").min_upper(1),
            "at least 1 uppercase letter required, but no uppercase letters are left",
        ),
        (b().charset(""), "the character set is empty"),
        (
            b().charset("ab").exclude("ba"),
            "no characters are left after excluding \"ba\"",
        ),
        (
            b().without(Class::Lower)
                .without(Class::Upper)
                .without(Class::Digit)
                .without(Class::Symbol),
            "no characters are left once the disabled classes are removed",
        ),
        (b().length(0), "the length must be at least 1"),
        (
            b().length(MAX_LENGTH + 1),
            "the length 1025 is more than the maximum of 1024",
        ),
        (b().bits(0.0), "positive number of bits, not 0"),
        (b().bits(-3.0), "not -3"),
        (b().bits(f64::NAN), "not NaN"),
        (b().bits(f64::INFINITY), "not inf"),
        (
            b().charset("a").length(3).bits(10.0),
            "10 bits need more than 1024 characters: 1024 give 0 bits",
        ),
        (b().charset("a"), "128 bits need more than 1024 characters"),
        (
            b().bits(100_000.0),
            "100000 bits need more than 1024 characters",
        ),
        (
            b().min_digits(2000),
            "the minimums (2003) exceed the maximum length (1024)",
        ),
        (
            b().symbols("!a"),
            "the symbol set contains 'a', which is a letter or digit",
        ),
        (
            b().symbols("!\n"),
            "the symbol set contains a control character (U+000A)",
        ),
        (
            b().charset("ab\t"),
            "the character set contains a control character (U+0009)",
        ),
    ];
    for (builder, want) in cases {
        let msg = message(builder);
        assert!(msg.contains(want), "{msg:?} lacks {want:?}");
    }
}

#[test]
fn invisible_and_combining_characters_are_refused() {
    let cases = [
        ('\u{200B}', "format character"),  // zero width space
        ('\u{200D}', "format character"),  // zero width joiner
        ('\u{FEFF}', "format character"),  // byte-order mark
        ('\u{2066}', "format character"),  // left-to-right isolate
        ('\u{E0041}', "format character"), // tag latin capital letter a
        ('\u{0301}', "combining mark"),    // combining acute accent (Mn)
        ('\u{0903}', "combining mark"),    // devanagari sign visarga (Mc)
        ('\u{20DD}', "combining mark"),    // combining enclosing circle (Me)
        ('\u{0007}', "control character"),
    ];
    for (c, kind) in cases {
        let code = format!("U+{:04X}", u32::from(c));
        let msg = message(Policy::builder().charset(&format!("ab{c}cd")));
        assert_eq!(msg, format!("the character set contains a {kind} ({code})"));
        let msg = message(Policy::builder().symbols(&format!("!{c}#")));
        assert_eq!(msg, format!("the symbol set contains a {kind} ({code})"));
    }
}

#[test]
fn letters_of_every_script_have_a_letter_class() {
    use Class::{Digit, Lower, OtherLetter, Symbol, Upper};
    for (c, class) in [
        ('a', Lower),
        ('é', Lower),
        ('ß', Lower),
        ('ж', Lower),
        ('Z', Upper),
        ('É', Upper),
        ('Ж', Upper),
        ('7', Digit),
        ('中', OtherLetter),
        ('ا', OtherLetter),
        ('ー', OtherLetter),
        ('ǅ', OtherLetter),
        ('!', Symbol),
        ('€', Symbol),
        ('±', Symbol),
        (' ', Symbol),
        ('٣', Symbol),
    ] {
        assert_eq!(Class::of(c), class, "{c:?}");
    }
    let p = Policy::builder()
        .charset("aéÉ中!€1")
        .length(7)
        .build()
        .unwrap();
    assert_eq!(p.chars(Lower), ['a', 'é']);
    assert_eq!(p.chars(Upper), ['É']);
    assert_eq!(p.chars(Digit), ['1']);
    assert_eq!(p.chars(Symbol), ['!', '€']);
    assert_eq!(p.chars(OtherLetter), ['中']);
    // A letter meets no minimum of symbols, and is no symbol.
    assert!(
        message(Policy::builder().charset("abé").min_symbols(1))
            .contains("at least 1 symbol required, but no symbols are left")
    );
    for set in ["!é", "#中"] {
        let msg = message(Policy::builder().symbols(set));
        assert!(msg.contains("which is a letter or digit"), "{msg}");
    }
    // Letters without case have minimums too: strings of 4 over a, b, 中,
    // 文 with at least two of the last two: 16 (C(4,2) + C(4,3) + C(4,4)).
    let p = Policy::builder()
        .charset("ab中文")
        .length(4)
        .min(OtherLetter, 2)
        .build()
        .unwrap();
    assert_eq!(p.space(), BigUint::from(176u32));
    let mut rng = seeded(10);
    for _ in 0..500 {
        let pw = p.sample(&mut rng);
        assert!(p.accepts(&pw));
        assert!(pw.chars().filter(|c| "中文".contains(*c)).count() >= 2);
    }
}

#[test]
fn a_large_character_set_is_deduplicated_in_linear_time() {
    // About 75 000 distinct letters given three times (forwards, backwards,
    // forwards): comparing each with the ones kept so far took half a
    // minute; a set of those seen takes milliseconds.
    let distinct: Vec<char> = ('\u{4E00}'..='\u{9FFF}')
        .chain('\u{20000}'..='\u{2A6DF}')
        .chain('\u{AC00}'..='\u{D7A3}')
        .filter(|&c| Class::of(c) == Class::OtherLetter)
        .collect();
    assert!(distinct.len() > 70_000, "{}", distinct.len());
    let mut set: String = distinct.iter().collect();
    set.extend(distinct.iter().rev());
    set.extend(distinct.iter());
    set.push_str("zyx");
    // Excluding every other one is linear too.
    let excluded: String = distinct.iter().step_by(2).collect();
    let p = Policy::builder()
        .charset(&set)
        .exclude(&excluded)
        .exclude(&excluded)
        .length(12)
        .build()
        .unwrap();
    let mut rng = seeded(11);
    for _ in 0..100 {
        assert!(p.accepts(&p.sample(&mut rng)));
    }
    // First occurrences, in order.
    let kept: Vec<char> = distinct.iter().copied().skip(1).step_by(2).collect();
    assert_eq!(p.chars(Class::OtherLetter), &kept[..]);
    assert_eq!(p.chars(Class::Lower), ['z', 'y', 'x']);
    assert_eq!(p.space(), BigUint::from(kept.len() + 3).pow(12));
}

#[test]
fn policies_print_no_secrets_and_compare_by_settings() {
    let p = Policy::builder().length(8).build().unwrap();
    let dbg = format!("{p:?}");
    assert!(dbg.contains("length: 8"));
    assert_eq!(
        Policy::builder().length(8),
        Policy::builder().length(8),
        "builders compare equal"
    );
}
